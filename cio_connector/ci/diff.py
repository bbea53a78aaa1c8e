"""``cio-connector diff``: what a schema change breaks for configs already stored, and what it does not.

A change is breaking when a config valid before may be invalid after: an action or field removed,
a field newly required, a type narrowed, a choice removed, a constraint tightened (a maximum
lowered, a minimum raised, a pattern or format added or changed). Breaking changes need the
connector's major version (``x-connector.version``) bumped.

Sides are schema folders (``actions/*.json`` + ``connection.json``), a git ref's folder, or a
``spec`` document. The spec shape is assumed loosely (the spec command is built in parallel):
``{"version"?, "actions": {name: {"input_schema"|"schema"|"inputs": {...}}} or [{"name", ...}],
"connection": {"schema": {...}} or the schema itself}``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .records import schema_types

__all__ = ["Change", "DiffResult", "SchemaSet", "SpecError", "compare", "load_git", "load_side", "render_diff"]

#: Lowering these tightens (``maxLength`` 100 -> 50 breaks); raising the ``_LOWER`` ones tightens.
_UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties", "x-maxBytes")
_LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
_SHAPE = ("pattern", "format", "const", "multipleOf")
_WORDING = ("title", "description", "x-message", "x-placeholder", "default")


class SpecError(Exception):
    """A side that cannot be read as schemas: exit 2."""


@dataclass(frozen=True)
class SchemaSet:
    actions: dict[str, Any]
    connection: Any = None
    version: str | None = None


@dataclass(frozen=True)
class Change:
    where: str
    message: str
    breaking: bool

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class DiffResult:
    old_version: str | None
    new_version: str | None
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def compatible(self) -> list[Change]:
        return [c for c in self.changes if not c.breaking]

    @property
    def major_bumped(self) -> bool:
        old, new = _major(self.old_version), _major(self.new_version)
        return old is not None and new is not None and new > old

    @property
    def exit_code(self) -> int:
        return 1 if self.breaking and not self.major_bumped else 0


def _major(version: str | None) -> int | None:
    try:
        return int(str(version).lstrip("v").split(".")[0])
    except ValueError:
        return None


# -- reading sides -------------------------------------------------------------------------------
def load_side(path: str) -> SchemaSet:
    target = Path(path)
    if target.is_dir():
        # rglob does not follow symlinked folders (no loops); each file is read as a regular file.
        files = {str(p.relative_to(target)).replace("\\", "/"): p for p in sorted(target.rglob("*.json"))}
        return _from_documents({name: _document(p, f"{path}/{name}") for name, p in files.items()}, path)
    return from_spec(_document(target, path), path)


def _document(path: Path, shown: str) -> Any:
    """One JSON file, through the project's one reader (regular file, size, depth, UTF-8)."""
    from .._util.datafile import DataFileError, parse_data, read_regular

    try:
        raw = read_regular(path)
        return parse_data(raw.decode("utf-8"), shown, json_only=True)
    except UnicodeDecodeError as exc:
        raise SpecError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    except DataFileError as exc:
        where = shown + (f":{exc.line}:{exc.column}" if exc.line else "")
        raise SpecError(f"{where}: cannot read as a spec document or schemas folder: {exc.message}") from None


def load_git(ref: str, folder: str = "schemas", cwd: Path | None = None) -> SchemaSet:
    """The schemas folder as committed at ``ref`` (read with ``git show``; the work tree is untouched)."""
    prefix = folder.rstrip("/") + "/"
    listing = _git(["ls-tree", "-r", "--name-only", "--end-of-options", ref, "--", prefix], cwd)
    files = {}
    for name in listing.splitlines():
        if name.endswith(".json"):
            files[name[len(prefix) :]] = _git(["show", "--end-of-options", f"{ref}:{name}"], cwd)
    if not files:
        raise SpecError(f"{ref}: no {prefix}*.json files at that ref")
    return _from_files(files, f"{ref}:{folder}")


def _git(args: list[str], cwd: Path | None) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise SpecError(f"git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise SpecError(f"git {' '.join(args[:2])}: {done.stderr.strip()}")
    return done.stdout


def _from_files(files: Mapping[str, str], where: str) -> SchemaSet:
    from .._util.datafile import DataFileError, parse_data

    documents = {}
    for name, text in files.items():
        try:
            documents[name] = parse_data(text, f"{where}/{name}", json_only=True)
        except DataFileError as exc:
            raise SpecError(str(exc)) from None
    return _from_documents(documents, where)


def _from_documents(documents: Mapping[str, Any], where: str) -> SchemaSet:
    actions: dict[str, Any] = {}
    connection, version = None, None
    for name, schema in documents.items():
        if not isinstance(schema, Mapping):
            raise SpecError(f"{where}/{name}: a schema must be a JSON object, got {type(schema).__name__}")
        if name.startswith("actions/"):
            actions[schema.get("x-action") or Path(name).stem] = schema
        elif name == "connection.json":
            connection = schema
        else:
            continue  # meta-schemas and the config file schema are not inputs
        version = version or (schema.get("x-connector") or {}).get("version")
    if not actions and connection is None:
        raise SpecError(f"{where}: no actions/*.json or connection.json")
    return _checked(SchemaSet(actions, connection, version), where)


def _checked(side: SchemaSet, where: str) -> SchemaSet:
    """Each schema must be a valid JSON Schema (2020-12): a malformed side is exit 2, not a "breaking change"."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    named = [*((f"actions.{name}", schema) for name, schema in side.actions.items()), ("connection", side.connection)]
    for name, schema in named:
        if schema is None:
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            at = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.absolute_path)
            raise SpecError(f"{where}: {name}{at}: not a valid JSON Schema: {exc.message}") from None
        except RecursionError:
            raise SpecError(f"{where}: {name}: nests too deeply to be a schema") from None
    return side


def from_spec(document: Any, where: str) -> SchemaSet:
    if not isinstance(document, Mapping) or "actions" not in document:
        raise SpecError(f"{where}: expected a spec document with 'actions'")
    raw = document["actions"]
    entries = raw.items() if isinstance(raw, Mapping) else ((a.get("name"), a) for a in raw if isinstance(a, Mapping))
    actions = {}
    for name, entry in entries:
        schema = next(
            (entry[k] for k in ("input_schema", "inputs_schema", "schema", "inputs") if isinstance(entry.get(k), Mapping)), None
        )
        actions[str(name)] = schema if schema is not None else entry
    connection = document.get("connection")
    if isinstance(connection, Mapping) and isinstance(connection.get("schema"), Mapping):
        connection = connection["schema"]
    connector: Mapping[str, Any] = document["connector"] if isinstance(document.get("connector"), Mapping) else {}
    version = document.get("version") or connector.get("version")
    if version is None:
        version = next(((s.get("x-connector") or {}).get("version") for s in actions.values() if isinstance(s, Mapping)), None)
    return _checked(SchemaSet(actions, connection, version), where)


# -- comparing ------------------------------------------------------------------------------------
def compare(old: SchemaSet, new: SchemaSet) -> DiffResult:
    result = DiffResult(old.version, new.version)
    for name in sorted(old.actions.keys() - new.actions.keys()):
        result.changes.append(Change(name, "action removed", True))
    for name in sorted(new.actions.keys() - old.actions.keys()):
        result.changes.append(Change(name, "action added", False))
    for name in sorted(old.actions.keys() & new.actions.keys()):
        result.changes.extend(_schema(old.actions[name], new.actions[name], name))
    if old.connection is not None and new.connection is not None:
        result.changes.extend(_schema(old.connection, new.connection, "connection"))
    return result


def _schema(old: Any, new: Any, where: str) -> Iterator[Change]:
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        if old != new:
            yield Change(where, "schema replaced", True)
        return
    yield from _types(old, new, where)
    yield from _choices(old, new, where)
    yield from _constraints(old, new, where)
    yield from _properties(old, new, where)
    yield from _rules(old, new, where)
    for keyword in ("items", "additionalProperties", "propertyNames"):
        if isinstance(old.get(keyword), Mapping) and isinstance(new.get(keyword), Mapping):
            yield from _schema(old[keyword], new[keyword], f"{where}.{keyword}" if keyword != "items" else f"{where}[]")
    for keyword in _WORDING:
        if old.get(keyword) != new.get(keyword) and keyword in old and keyword in new:
            yield Change(where, f"{keyword} changed", False)


def _properties(old: Mapping, new: Mapping, where: str) -> Iterator[Change]:
    before, after = old.get("properties") or {}, new.get("properties") or {}
    was_required, now_required = set(old.get("required") or []), set(new.get("required") or [])
    for key in sorted(before.keys() - after.keys()):
        closed = new.get("additionalProperties") is False
        yield Change(f"{where}.{key}", "field removed" + (" (configs setting it become invalid)" if closed else ""), closed)
    for key in sorted(after.keys() - before.keys()):
        required = key in now_required
        yield Change(f"{where}.{key}", "required field added" if required else "optional field added", required)
    for key in sorted(now_required - was_required):
        if key in before:
            yield Change(f"{where}.{key}", "became required", True)
    for key in sorted(was_required - now_required):
        if key in after:
            yield Change(f"{where}.{key}", "no longer required", False)
    for key in sorted(before.keys() & after.keys()):
        yield from _schema(before[key], after[key], f"{where}.{key}")
    if old.get("additionalProperties") is not False and new.get("additionalProperties") is False:
        yield Change(where, "no longer accepts unknown fields", True)
    elif old.get("additionalProperties") is False and new.get("additionalProperties") is not False:
        yield Change(where, "accepts unknown fields", False)


def _types(old: Mapping, new: Mapping, where: str) -> Iterator[Change]:
    before, after = schema_types(old), schema_types(new)
    if before == after:
        return
    if after is None:
        yield Change(where, "type widened to any", False)
        return
    lost = {
        t
        for t in (before or {"string", "number", "integer", "boolean", "object", "array", "null"})
        if t not in after and not (t == "integer" and "number" in after)
    }
    if lost:
        yield Change(where, f"type narrowed: {_types_text(before)} -> {_types_text(after)}", True)
    else:
        yield Change(where, f"type widened: {_types_text(before)} -> {_types_text(after)}", False)


def _types_text(types: set[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _choice_values(schema: Mapping) -> list[Any] | None:
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    branches = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(branches, list) and branches and all(isinstance(b, Mapping) and "const" in b for b in branches):
        return [b["const"] for b in branches]
    return None


def _choices(old: Mapping, new: Mapping, where: str) -> Iterator[Change]:
    before, after = _choice_values(old), _choice_values(new)
    if before is None and after is None:
        return
    if after is None:
        yield Change(where, "no longer limited to choices", False)
        return
    if before is None:
        yield Change(where, f"now limited to choices: {', '.join(map(repr, after))}", True)
        return
    for value in before:
        if value not in after:
            yield Change(where, f"choice {value!r} removed", True)
    for value in after:
        if value not in before:
            yield Change(where, f"choice {value!r} added", False)


def _constraints(old: Mapping, new: Mapping, where: str) -> Iterator[Change]:
    for keyword in (*_UPPER, *_LOWER):
        before, after = old.get(keyword), new.get(keyword)
        if before == after or isinstance(before, bool) or isinstance(after, bool):
            continue
        tighter_when_lower = keyword in _UPPER
        if before is None:
            yield Change(where, f"{keyword} {after} added", True)
        elif after is None:
            yield Change(where, f"{keyword} {before} removed", False)
        else:
            tightened = after < before if tighter_when_lower else after > before
            verb = "lowered" if after < before else "raised"
            yield Change(where, f"{keyword} {verb}: {before} -> {after}", tightened)
    for keyword in _SHAPE:
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        if after is None:
            yield Change(where, f"{keyword} removed", False)
        else:
            change = "added" if before is None else "changed"
            yield Change(where, f"{keyword} {change}: {json.dumps(after, ensure_ascii=False)}", True)


def _rules(old: Mapping, new: Mapping, where: str) -> Iterator[Change]:
    """Cross-field rules (``allOf`` of ``if``/``then``) compare whole: a new or changed rule may refuse more."""
    before = [json.dumps(rule, sort_keys=True) for rule in old.get("allOf") or []]
    after = [json.dumps(rule, sort_keys=True) for rule in new.get("allOf") or []]
    for rule in after:
        if rule not in before:
            yield Change(where, f"cross-field rule added or changed: {_rule_text(json.loads(rule))}", True)
    for rule in before:
        if rule not in after:
            yield Change(where, f"cross-field rule removed: {_rule_text(json.loads(rule))}", False)


def _rule_text(rule: Mapping) -> str:
    condition = rule.get("if", {}).get("properties", {}) if isinstance(rule.get("if"), Mapping) else {}
    parts = [f"{key} = {json.dumps(spec.get('const'))}" for key, spec in condition.items() if isinstance(spec, Mapping)]
    return "when " + " and ".join(parts) if parts else json.dumps(rule)[:80]


# -- output ---------------------------------------------------------------------------------------
def render_diff(result: DiffResult, fmt: str = "human") -> str:
    if fmt == "json":
        document = {
            "old_version": result.old_version,
            "new_version": result.new_version,
            "major_bumped": result.major_bumped,
            "exit_code": result.exit_code,
            "breaking": [{"where": c.where, "message": c.message} for c in result.breaking],
            "compatible": [{"where": c.where, "message": c.message} for c in result.compatible],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    lines = [f"version {result.old_version or '?'} -> {result.new_version or '?'}"]
    for title, changes in (("breaking changes", result.breaking), ("compatible changes", result.compatible)):
        lines.append(f"{title} ({len(changes)}):" if changes else f"{title}: none")
        lines.extend(f"  {change}" for change in changes)
    if result.breaking:
        lines.append(
            "the major version was bumped: breaking changes are allowed"
            if result.major_bumped
            else "breaking changes need a major version bump (x-connector.version)"
        )
    return "\n".join(lines) + "\n"
