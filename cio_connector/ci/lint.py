"""``cio-connector lint``: a plugin folder checked the way its users will meet it, every defect at once.

Loading stops at the first broken manifest; lint does not. Each manifest is loaded on its own
(``ManifestError`` problems carry file, line and column), then the checks loading does not make:
handlers both ways, generated schemas up to date, labels and descriptions, secrets marked, and
Customer.io's limits on identifier and attribute fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from .. import facts as _facts
from .._util.datafile import DataFileError, read_regular
from .._util.yamlsource import Located, PathPart, json_path, read_yaml
from ..declarative.manifest import ActionManifest, ConnectorManifest, load_action_manifest, load_connector_manifest
from ..errors import ManifestError, Problem
from .findings import FileResult, Finding, Level

__all__ = ["lint_plugin"]

IDENTIFIER_MAX_BYTES: int = _facts.IDENTIFIER_MAX_BYTES
ATTRIBUTE_NAME_MAX_BYTES: int = _facts.ATTRIBUTE_NAME_MAX_BYTES
ATTRIBUTE_VALUE_MAX_BYTES: int = _facts.ATTRIBUTE_VALUE_MAX_BYTES
MAX_ATTRIBUTES: int = _facts.MAX_ATTRIBUTES
# The most data Customer.io takes in one map: v1 event data (100,000 bytes). A v2 action's map
# shares its entity's 32,000 bytes, which the built request's own size check enforces.
ENTITY_DATA_MAX_BYTES: int = _facts.EVENT_DATA_MAX_BYTES

#: Keys that hold a credential: ``api_key``, ``track_api_key``, ``client_secret``, ``token``.
SECRET_KEY = re.compile(r"(^|_)(key|secret|token|password)$")
#: A device's push token names a phone (an identifier, like an email), not a credential of ours.
DEVICE_TOKEN_KEY = re.compile(r"(^|_)(device|push)_token$")
#: Keys that hold a Customer.io person identifier (``segment`` ids are integers and not people).
IDENTIFIER_KEY = re.compile(r"^(matching_value|customer_id|anonymous_id|cio_id|email|id|.+_id)$")
_TEXT = {"string", "email", "url"}


def lint_plugin(root: Path) -> list[FileResult]:
    """Findings grouped by file (``connector.yaml``, ``actions/*.yaml``, ``schemas/...``)."""
    results: dict[str, FileResult] = {}

    def add(findings: Sequence[Finding]) -> None:
        for finding in findings:
            results.setdefault(finding.file, FileResult(finding.file)).findings.append(finding)

    results["connector.yaml"] = FileResult("connector.yaml")
    connector = _load(lambda: load_connector_manifest(root), add)
    files = {path.stem: path for path in sorted((root / "actions").glob("*.yaml"))}
    for stem in files:
        results.setdefault(f"actions/{stem}.yaml", FileResult(f"actions/{stem}.yaml"))
    if connector is not None:
        add(list(_listing(root, connector, files)))
        actions: dict[str, ActionManifest] = {}
        for name, path in files.items():
            loaded = _load(lambda path=path: load_action_manifest(path, connector), add)
            if loaded is not None:
                actions[name] = loaded
        add(list(_schema_drift(root, connector, actions)))
    for source in ["connector.yaml", *(f"actions/{stem}.yaml" for stem in files)]:
        doc = _read(root, source)
        if doc is not None:
            add(list(_field_findings(doc, source == "connector.yaml")))
    for result in results.values():
        result.findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.message))
    return sorted(results.values(), key=lambda r: (r.file != "connector.yaml", r.file))


def _load(loader: Any, add: Any) -> Any:
    try:
        return loader()
    except ManifestError as exc:
        add([_from_problem(p) for p in exc.problems])
        return None


def _from_problem(problem: Problem, level: Level = "error", code: str = "manifest") -> Finding:
    where = problem.path[2:] if problem.path.startswith("$.") else problem.path
    return Finding(
        problem.source or "connector.yaml",
        problem.message,
        where=where,
        line=problem.line,
        column=problem.column,
        level=level,
        code=problem.code or code,
    )


def _read(root: Path, source: str) -> Located | None:
    try:
        return read_yaml(root / source, source)  # regular files only, size checked before reading
    except (OSError, ValueError, yaml.YAMLError):
        return None  # already reported by the manifest loader


def _at(doc: Located, parts: tuple[PathPart, ...], message: str, code: str, level: Level = "error") -> Finding:
    line, column = doc.position(parts) or (None, None)
    path = json_path(parts)
    return Finding(
        doc.source, message, where=path[2:] if path.startswith("$.") else path, line=line, column=column, level=level, code=code
    )


def _listing(root: Path, connector: ConnectorManifest, files: dict[str, Path]) -> Iterator[Finding]:
    """Every listed action has a manifest and a handler; every manifest and handler is listed."""
    from ..handlers import shipped_handlers

    handlers = shipped_handlers()

    doc = _read(root, "connector.yaml")
    if doc is None:
        return
    listed = list(connector.actions)
    for index, name in enumerate(listed):
        if name not in files:
            yield _at(doc, ("actions", index), f"action {name!r} has no manifest actions/{name}.yaml", "no_manifest")
        if name not in handlers.names():
            yield _at(doc, ("actions", index), f"action {name!r} has no registered handler", "no_handler")
    for stem in files:
        if stem not in listed:
            yield _at(doc, ("actions",), f"actions/{stem}.yaml is not listed in connector.yaml", "not_listed")
    for name in sorted(handlers.names() - set(listed)):
        yield _at(doc, ("actions",), f"handler {name!r} has no action in connector.yaml", "no_action")


def _schema_drift(root: Path, connector: ConnectorManifest, actions: dict[str, ActionManifest]) -> Iterator[Finding]:
    """Committed ``schemas/`` must be what ``cio-connector schemas`` generates (hosts read them).

    An action whose manifest is broken was reported already; its schema cannot be judged.
    """
    from ..declarative.generate import render_schemas

    folder = root / "schemas"
    listed = [actions[name] for name in connector.actions if name in actions]
    for name, text in render_schemas(connector, listed).items():
        source = f"schemas/{name}"
        path = folder / name
        if not path.is_file():
            yield Finding(source, "missing; run: cio-connector schemas", code="schema_missing")
            continue
        try:
            committed = read_regular(path, limit=4 * len(text.encode()) + 4096).decode("utf-8", "replace")
        except DataFileError as exc:
            yield Finding(source, f"{exc.message}; run: cio-connector schemas", code="schema_stale")
            continue
        if committed != text:
            old, new = committed.splitlines(), text.splitlines()
            line = next((i for i, (a, b) in enumerate(zip(old, new, strict=False), 1) if a != b), min(len(old), len(new)) + 1)
            yield Finding(
                source,
                "out of date (first difference here); run: cio-connector schemas",
                line=line,
                column=1,
                code="schema_stale",
            )
    for path in sorted((folder / "actions").glob("*.json")):
        if path.stem not in connector.actions:
            yield Finding(
                f"schemas/actions/{path.name}",
                "not generated from any listed action; delete it or run: cio-connector schemas",
                code="schema_orphan",
            )


def _field_findings(doc: Located, is_connector: bool) -> Iterator[Finding]:
    data = doc.data if isinstance(doc.data, dict) else {}
    if is_connector:
        connection = _mapping(data.get("connection"))
        yield from _fields(doc, connection.get("fields"), ("connection", "fields"), identifiers=False)
        for name, group in _mapping(data.get("field_groups")).items():
            if isinstance(group, dict):
                yield from _fields(doc, group.get("fields"), ("field_groups", name, "fields"), identifiers=True)
    else:
        yield from _fields(doc, data.get("fields"), ("fields",), identifiers=True)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _fields(doc: Located, fields: Any, at: tuple[PathPart, ...], *, identifiers: bool) -> Iterator[Finding]:
    if not isinstance(fields, list):
        return
    for index, field in enumerate(fields):
        if not isinstance(field, dict) or "use" in field:
            continue
        here = (*at, index)
        yield from _texts(doc, field, here)
        yield from _secret(doc, field, here)
        if identifiers:
            yield from _limits(doc, field, here)
        yield from _fields(doc, field.get("fields"), (*here, "fields"), identifiers=False)


def _texts(doc: Located, field: dict, here: tuple[PathPart, ...]) -> Iterator[Finding]:
    key = field.get("key", "?")
    for name in ("label", "description"):
        value = field.get(name)
        if isinstance(value, str) and not value.strip():
            yield _at(doc, (*here, name), f"field {key!r}: {name} is blank", f"blank_{name}")
    if "description" not in field:
        yield _at(doc, here, f"field {key!r} has no description (shown under the field in forms)", "no_description", "warning")
    for index, choice in enumerate(field.get("choices") or []):
        if isinstance(choice, dict) and isinstance(choice.get("label"), str) and not choice["label"].strip():
            yield _at(doc, (*here, "choices", index, "label"), f"field {key!r}: choice label is blank", "blank_label")


def _secret(doc: Located, field: dict, here: tuple[PathPart, ...]) -> Iterator[Finding]:
    key = field.get("key")
    credential = isinstance(key, str) and SECRET_KEY.search(key) and not DEVICE_TOKEN_KEY.search(key)
    if credential and field.get("secret") is not True:
        yield _at(
            doc,
            (*here, "key"),
            f"field {key!r} looks like a credential; mark it secret: true (masked in forms and never echoed in problems)",
            "secret_not_marked",
        )


def _limits(doc: Located, field: dict, here: tuple[PathPart, ...]) -> Iterator[Finding]:
    key, kind = field.get("key"), field.get("type")
    constraints = _mapping(field.get("constraints"))
    at = (*here, "constraints")
    if isinstance(key, str) and IDENTIFIER_KEY.match(key) and kind in _TEXT:
        yield from _cap(doc, key, constraints, "max_bytes", IDENTIFIER_MAX_BYTES, at, "an identifier")
    if kind == "attributes":
        yield from _cap(doc, key, constraints, "max_bytes", ENTITY_DATA_MAX_BYTES, at, "attribute data")
        for name, limit in (
            ("key_max_bytes", ATTRIBUTE_NAME_MAX_BYTES),
            ("value_max_bytes", ATTRIBUTE_VALUE_MAX_BYTES),
            ("max_properties", MAX_ATTRIBUTES),
        ):
            if name in constraints:
                yield from _cap(doc, key, constraints, name, limit, at, "attributes")


def _cap(
    doc: Located, key: Any, constraints: dict, name: str, limit: int, at: tuple[PathPart, ...], what: str
) -> Iterator[Finding]:
    value = constraints.get(name)
    if value is None:
        yield _at(
            doc,
            at if constraints else at[:-1],
            f"field {key!r} holds {what}: declare constraints.{name} (Customer.io accepts at most {limit:,})",
            "limit_missing",
        )
    elif isinstance(value, (int, float)) and value > limit:
        yield _at(doc, (*at, name), f"field {key!r}: {name} {value:,} is over Customer.io's limit of {limit:,}", "limit_exceeded")
