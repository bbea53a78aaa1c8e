"""Manifests: YAML -> meta-schema check -> strict validation -> the frozen dataclasses of ``models``.

The format is defined once, by the pydantic models of ``manifest_format`` (which also generate the
meta-schemas); a manifest read from YAML is validated by them and then rebuilt as the plain
dataclasses every other layer reads. pydantic is imported only here, and only when a manifest is
read from YAML (authoring, lint, a stale compiled bundle): the compiled bundle loads without it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .._util.bundle import bundle_root
from .._util.yamlsource import Located, PathPart, UnsafeYamlError, json_path, read_yaml
from ..errors import ManifestError, Problem
from ..facts import REGIONS
from .models import (
    ActionManifest,
    Choice,
    ConnectorManifest,
    Constraints,
    DynamicOptions,
    Field,
    FieldGroup,
    FieldType,
    Rule,
    Then,
    When,
    model_data,
    model_from_data,
)
from .patterns import pattern_problem

__all__ = [
    "ActionManifest",
    "Choice",
    "ConnectorManifest",
    "Constraints",
    "DynamicOptions",
    "Field",
    "FieldGroup",
    "FieldType",
    "Rule",
    "Then",
    "When",
    "load_action_manifest",
    "load_connector_manifest",
    "locate",
]

@cache
def _meta_documents() -> dict[str, dict[str, Any]]:
    folder = bundle_root() / "schemas"
    documents = {}
    for name in ("action-manifest.schema.json", "connector-manifest.schema.json"):
        document = json.loads((folder / name).read_text())
        documents[document["$id"]] = document
    return documents


def _meta_uri(name: str) -> str:
    return f"https://cio-connector.local/schemas/{name}.schema.json"


@cache
def _meta_fast(name: str) -> Any:
    """A compiled yes/no check of a manifest against its meta-schema (jsonschema-rs), or None."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    documents = _meta_documents()
    registry = jsonschema_rs.Registry([(uri, doc) for uri, doc in documents.items()])
    return jsonschema_rs.Draft202012Validator(documents[_meta_uri(name)], registry=registry, validate_formats=False).is_valid


@cache
def _meta_checker(name: str) -> Any:
    """The full checker for a meta-schema, to explain a manifest that failed the fast check."""
    from referencing import Registry, Resource

    from .validation import SchemaChecker

    registry = Registry().with_resources((uri, Resource.from_contents(doc)) for uri, doc in _meta_documents().items())
    return SchemaChecker(registry.contents(_meta_uri(name)), registry=registry)


def _read(path: Path, source: str) -> Located:
    try:
        return read_yaml(path, source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = getattr(exc, "problem", None) or str(exc)
        what = "refused" if isinstance(exc, UnsafeYamlError) else "not valid YAML"
        raise ManifestError(
            [Problem("$", f"{what}: {problem}", source=source, line=line, column=column)]
        ) from None
    except OSError as exc:
        raise ManifestError([Problem("$", f"cannot read: {exc.strerror}", source=source)]) from None


def _positioned(problems: Iterable[Problem], doc: Located) -> list[Problem]:
    return [
        _problem(doc, problem.location, problem.message, code=problem.code) for problem in problems
    ]


def _check(doc: Located, meta: str) -> None:
    if not isinstance(doc.data, dict):
        raise ManifestError([Problem("$", "must be a mapping of keys to values", source=doc.source, line=1, column=1)])
    fast = _meta_fast(meta)
    try:
        if fast is not None and fast(doc.data):
            return
    except Exception:  # data the compiled check cannot take: the full checker explains
        pass
    problems = _meta_checker(meta).problems(doc.data)
    if problems:
        raise ManifestError(_positioned(problems, doc))


def _problem(doc: Located, parts: tuple[PathPart, ...], message: str, code: str | None = None) -> Problem:
    position = doc.position(parts)
    line, column = position if position else (None, None)
    return Problem(
        json_path(parts), message, source=doc.source, line=line, column=column, code=code, location=tuple(parts)
    )


def locate(root: Path, source: str, parts: tuple[PathPart, ...], message: str) -> Problem:
    """A problem about ``source`` (relative to ``root``) at ``parts``, with its line and column."""
    try:
        doc = read_yaml(root / source, source)
    except (OSError, yaml.YAMLError):
        return Problem(json_path(parts), message, source=source, location=tuple(parts))
    return _problem(doc, parts, message)


def load_connector_manifest(root: Path | None = None) -> ConnectorManifest:
    """Read and check ``connector.yaml``; raises ``ManifestError`` listing every problem."""
    root = root or bundle_root()
    doc = _read(root / "connector.yaml", "connector.yaml")
    _check(doc, "connector-manifest")
    manifest = _parse(ConnectorManifest, {**doc.data, "source": doc.source}, doc)
    problems = _connector_semantics(manifest, doc)
    if problems:
        raise ManifestError(problems)
    return manifest


def load_action_manifest(path: Path, connector: ConnectorManifest, source: str | None = None) -> ActionManifest:
    """Read and check one ``actions/*.yaml``, expanding ``use:`` field groups from ``connector``."""
    source = source or f"actions/{path.name}"
    doc = _read(path, source)
    _check(doc, "action-manifest")
    problems: list[Problem] = []
    fields: list[dict] = []
    # Where each expanded field stands in the file: its own entry, or the ``use:`` that brought it.
    origins: list[tuple[PathPart, ...]] = []
    rules: list[dict] = list(doc.data.get("rules", []))
    for index, item in enumerate(doc.data["fields"]):
        if "use" not in item:
            fields.append(item)
            origins.append(("fields", index))
            continue
        group = connector.field_groups.get(item["use"])
        if group is None:
            known = ", ".join(sorted(connector.field_groups)) or "none"
            message = f"unknown field group {item['use']!r}; known groups: {known}"
            problems.append(_problem(doc, ("fields", index, "use"), message))
            continue
        fields.extend(model_data(f) for f in group.fields)
        origins.extend(("fields", index, "use") for _ in group.fields)
        rules.extend(model_data(r) for r in group.rules)
    if problems:
        raise ManifestError(problems)
    data = {**doc.data, "fields": fields, "rules": rules, "source": source}
    action = _parse(ActionManifest, data, doc, origins)
    problems = _action_semantics(action, doc, path.stem, origins)
    if problems:
        raise ManifestError(problems)
    return action


def _parse(model: type[Any], data: dict, doc: Located, origins: Sequence[tuple[PathPart, ...]] = ()) -> Any:
    """Validate ``data`` with the format's pydantic model, then rebuild it as the dataclass ``model``."""
    from pydantic import ValidationError

    from . import manifest_format

    strict = getattr(manifest_format, model.__name__)
    try:
        parsed = strict.model_validate_json(json.dumps(data))
    except ValidationError as exc:
        raise ManifestError(
            [_problem(doc, _in_file(tuple(err["loc"]), origins), err["msg"]) for err in exc.errors()]
        ) from None
    return model_from_data(model, parsed.model_dump())


def _in_file(parts: tuple[PathPart, ...], origins: Sequence[tuple[PathPart, ...]]) -> tuple[PathPart, ...]:
    """Map a path into the expanded ``fields`` back to the file's own entry."""
    if len(parts) > 1 and parts[0] == "fields" and isinstance(parts[1], int) and parts[1] < len(origins):
        return (*origins[parts[1]], *parts[2:])
    return parts


def _connector_semantics(manifest: ConnectorManifest, doc: Located) -> list[Problem]:
    problems = _fields_semantics(manifest.connection.fields, doc, _places(manifest.connection.fields, ("connection", "fields")))
    region = next((f for f in manifest.connection.fields if f.key == "region"), None)
    if region is None or region.type != "enum":
        problems.append(_problem(doc, ("connection", "fields"), "needs an enum field 'region'"))
    elif {c.value for c in region.choices or ()} != set(REGIONS):
        known = ", ".join(REGIONS)
        problems.append(_problem(doc, ("connection", "fields"), f"region choices must be Customer.io's regions: {known}"))
    for name, group in manifest.field_groups.items():
        base = ("field_groups", name)
        problems += _fields_semantics(group.fields, doc, _places(group.fields, (*base, "fields")))
        problems += _rules_semantics(group.fields, group.rules, doc, (*base, "rules"))
    return problems


def _action_semantics(
    action: ActionManifest, doc: Located, expected_name: str, origins: Sequence[tuple[PathPart, ...]]
) -> list[Problem]:
    problems: list[Problem] = []
    if action.name != expected_name:
        problems.append(_problem(doc, ("name",), f"must match the file name {expected_name!r}"))
    seen: set[str] = set()
    for field, origin in zip(action.fields, origins, strict=True):
        if field.key in seen:
            where = origin if origin[-1] == "use" else (*origin, "key")
            problems.append(_problem(doc, where, f"field {field.key!r} is declared twice"))
        seen.add(field.key)
    # Fields from a group were checked with connector.yaml; only the file's own fields are new here.
    own = [(field, origin) for field, origin in zip(action.fields, origins, strict=True) if origin[-1] != "use"]
    problems += _fields_semantics([f for f, _ in own], doc, [o for _, o in own])
    problems += _rules_semantics(action.fields, action.rules, doc, ("rules",))
    return problems


_APPLIES = {
    "min_length": {"string", "email", "url"},
    "max_length": {"string", "email", "url"},
    "pattern": {"string", "email", "url"},
    "format": {"string"},
    "minimum": {"integer", "number"},
    "maximum": {"integer", "number"},
    "max_properties": {"attributes"},
    "key_max_bytes": {"attributes"},
    "value_max_bytes": {"attributes"},
    "max_bytes": {"string", "email", "url", "attributes"},
}


def _places(fields: Sequence[Field], at: tuple[PathPart, ...]) -> list[tuple[PathPart, ...]]:
    return [(*at, index) for index in range(len(fields))]


def _constraint_problems(
    constraints: Constraints, field_type: str, doc: Located, at: tuple[PathPart, ...]
) -> list[Problem]:
    problems = []
    for name in (spec.name for spec in dataclasses.fields(constraints) if getattr(constraints, spec.name) is not None):
        if name in _APPLIES and field_type not in _APPLIES[name]:
            problems.append(_problem(doc, (*at, name), f"does not apply to a field of type {field_type!r}"))
    unsafe = None if constraints.pattern is None else pattern_problem(constraints.pattern)
    if unsafe:
        problems.append(_problem(doc, (*at, "pattern"), unsafe))
    return problems


def _fields_semantics(fields: Sequence[Field], doc: Located, places: Sequence[tuple[PathPart, ...]]) -> list[Problem]:
    problems = []
    for field, here in zip(fields, places, strict=True):
        problems += _constraint_problems(field.constraints, field.type, doc, (*here, "constraints"))
        if field.options is not None and field.type not in ("integer", "string"):
            problems.append(_problem(doc, (*here, "options"), "dynamic options need an integer or string field"))
        if field.choices:
            values = [c.value for c in field.choices]
            if len(set(values)) != len(values):
                problems.append(_problem(doc, (*here, "choices"), "choice values must be unique"))
            if field.default is not None and field.default not in values:
                problems.append(_problem(doc, (*here, "default"), f"{field.default!r} is not one of the choices"))
        if field.fields:
            problems += _fields_semantics(field.fields, doc, _places(field.fields, (*here, "fields")))
    return problems


def _rules_semantics(fields: Iterable[Field], rules: Iterable[Rule], doc: Located, at: tuple[PathPart, ...]) -> list[Problem]:
    by_key = {f.key: f for f in fields}
    problems = []
    for index, rule in enumerate(rules):
        when = by_key.get(rule.when.field)
        if when is None:
            message = f"unknown field {rule.when.field!r}; known fields: {', '.join(by_key)}"
            problems.append(_problem(doc, (*at, index, "when", "field"), message))
        elif when.choices and rule.when.equals not in [c.value for c in when.choices]:
            message = f"{rule.when.equals!r} is not one of the choices of {when.key!r}"
            problems.append(_problem(doc, (*at, index, "when", "equals"), message))
        target = by_key.get(rule.then.field)
        if target is None:
            message = f"unknown field {rule.then.field!r}; known fields: {', '.join(by_key)}"
            problems.append(_problem(doc, (*at, index, "then", "field"), message))
        else:
            problems += _constraint_problems(rule.then.constraints, target.type, doc, (*at, index, "then", "constraints"))
    return problems
