"""``cio-connector validate``: every problem in every stored config file, at its line and column.

Each step's config goes through ``Connector.validate`` (no record: templates are checked for
syntax, their values wait for a record). With a record schema, every ``record.*`` a template reads
must exist there with a type that fits the field; with a connection, its own problems are listed
with the configs' and, when it has none, a chosen segment must be one of the workspace's manual segments.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._util.yamlsource import Located, PathPart, json_path
from ..errors import CioConnectorError, Problem
from ..pipeline.templating import is_template, template_locations
from .configfile import Step, UnreadableFile, finding_at, read_config_file, shape_findings, steps_of, where_in_file
from .findings import FileResult, Finding
from .recordcheck import example_record, field_schema, reference_problem, value_at
from .records import RecordSchema, describe_types, reference_text, schema_types, template_use
from .suggest import did_you_mean

__all__ = ["FileResult", "Run", "UsageError", "Validator", "config_files"]

SUFFIXES = (".yaml", ".yml", ".json")


class UsageError(Exception):
    """A path that names nothing, a record schema that cannot be read: exit 2."""


def config_files(paths: Sequence[str]) -> list[tuple[Path, str]]:
    """Files named, found under directories (recursively, by suffix), or matched by globs; in order."""
    found: dict[Path, str] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.suffix.lower() in SUFFIXES and child.is_file() and not hidden:
                    found.setdefault(child, str(child))
        elif path.exists() or not glob.has_magic(given):
            found.setdefault(path, given)  # a missing file is reported as unreadable
        else:
            matches = sorted(glob.glob(given, recursive=True))
            if not matches:
                raise UsageError(f"{given}: no file matches")
            for match in matches:
                for child, shown in config_files([match]) if Path(match).is_dir() else [(Path(match), match)]:
                    found.setdefault(child, shown)
    return [(path, shown) for path, shown in found.items()]


@dataclass
class Run:
    files: list[FileResult]
    record_schema: bool = False

    @property
    def exit_code(self) -> int:
        if any(f.unreadable for f in self.files):
            return 2
        return 0 if all(f.ok for f in self.files) else 1

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.files for finding in result.findings]

    @property
    def deferred(self) -> list[Finding]:
        return [finding for result in self.files for finding in result.deferred]


class Validator:
    """Checks config files against one loaded connector; no network unless given a connection.

    A connection (its data, or the ``Located`` document read from its file) is checked once, and
    its problems are reported beside the configs' (a result of their own, first); the workspace's
    options are looked up only with a connection that has none.
    """

    def __init__(self, connector: Any, *, record_schema: Mapping[str, Any] | None = None, connection: Any = None) -> None:
        self.connector = connector
        self.records = RecordSchema(record_schema) if record_schema is not None else None
        self._connection_doc = connection if isinstance(connection, Located) else None
        self.connection = connection.data if isinstance(connection, Located) else connection
        self._connection_result = self._check_connection() if connection is not None else None

    def run(self, paths: Sequence[str]) -> Run:
        files = [self.check_file(path, shown) for path, shown in config_files(paths)]
        checked = [self._connection_result] if self._connection_result is not None else []
        return Run([*checked, *files], self.records is not None)

    def _check_connection(self) -> FileResult:
        """The connection's problems, at their lines when it came from a file; secrets never echoed."""
        doc = self._connection_doc or Located(self.connection, "connection")
        result = FileResult(doc.source)
        for problem in self.connector.validate_connection(self.connection):
            where = where_in_file(problem.location)
            result.findings.append(finding_at(doc, problem.location, where, problem.message, code=problem.code or "invalid"))
        return result

    def check_file(self, path: Path, shown: str) -> FileResult:
        result = FileResult(shown)
        try:
            doc = read_config_file(path, shown)
        except UnreadableFile as exc:
            result.unreadable = str(exc)
            return result
        if isinstance(doc, Finding):
            result.findings.append(doc)
            return result
        result.findings.extend(shape_findings(doc))
        for step in steps_of(doc):
            try:
                self._check_step(doc, step, result)
            except (UsageError, KeyboardInterrupt):
                raise
            except Exception as exc:  # one hostile config must not hide the other files' results
                message = f"could not be checked: {type(exc).__name__}: {exc}"
                result.findings.append(finding_at(doc, step.at, step.id, message, code="crash"))
        result.findings.sort(key=lambda f: (f.line or 0, f.column or 0))
        return result

    def _check_step(self, doc: Located, step: Step, result: FileResult) -> None:
        known = list(self.connector.actions)
        if step.action not in known:
            hint = did_you_mean(step.action, known) or ";"
            message = f"unknown action {step.action!r}{hint} known actions: {', '.join(known)}"
            result.findings.append(finding_at(doc, step.action_at, step.id, message, code="unknown_action"))
            return
        schema = _input_schema(self.connector, step.action)
        problems = self.connector.validate(step.action, step.config)
        for problem in problems:
            result.findings.append(self._finding(doc, step, problem, schema))
        broken = {p.location for p in problems if p.code == "template"}
        for at in template_locations(step.config):
            if at not in broken:
                self._check_template(doc, step, at, schema, result)
        if self.records is not None and not problems:
            result.findings.extend(self._example_findings(doc, step))
        if self._connection_result is not None and self._connection_result.ok and not problems:
            result.findings.extend(self._options_findings(doc, step, schema))

    def _example_findings(self, doc: Located, step: Step) -> Iterable[Finding]:
        """Templated values rendered with the record schema's own examples: formats and sizes checked now."""
        assert self.records is not None
        record, sampled = example_record(self.records, step.config)
        if not sampled:
            return
        for problem in self.connector.validate(step.action, step.config, record=record):
            origin = next((a for a in sampled if problem.location[: len(a)] == a), None)
            if origin is not None and problem.code != "template":
                message = f"{problem.message} (rendered with the record schema's example: {sampled[origin]})"
                where = _where(step, problem.location)
                yield finding_at(doc, (*step.at, *problem.location), where, message, code="record_example")

    def _finding(self, doc: Located, step: Step, problem: Problem, schema: Mapping[str, Any]) -> Finding:
        message = problem.message
        if problem.code == "unknown_field" and problem.location:
            message = _suggest_key(message, str(problem.location[-1]))
        elif problem.code in ("oneOf", "enum") and isinstance(value_at(step.config, problem.location), str):
            choices = _choices(field_schema(schema, problem.location))
            message += did_you_mean(value_at(step.config, problem.location), choices)
        return finding_at(
            doc, (*step.at, *problem.location), _where(step, problem.location), message, code=problem.code or "invalid"
        )

    def _check_template(
        self, doc: Located, step: Step, at: tuple[PathPart, ...], schema: Mapping[str, Any], result: FileResult
    ) -> None:
        text = value_at(step.config, at)
        use = template_use(text)
        if use is None:
            return
        names = [reference_text(r) for r in use.references]
        if self.records is None:
            uses = f" (uses {', '.join(names)})" if names else ""
            note = f"template checked for syntax only{uses}; its value is checked when a record is rendered"
            result.deferred.append(
                finding_at(
                    doc, (*step.at, *at), _where(step, at), note, level="note", code="deferred", extra={"references": names}
                )
            )
            return
        target = field_schema(schema, at)
        wanted = schema_types(target)
        label = target.get("title") if isinstance(target, Mapping) else None
        for reference in use.references:
            message = reference_problem(self.records, reference, use.alone == reference, wanted, label)
            if message:
                result.findings.append(finding_at(doc, (*step.at, *at), _where(step, at), message, code="record_field"))
        if use.alone is None and wanted is not None and not wanted & {"string", "integer"}:
            message = f"renders text; {label or 'this field'} needs {describe_types(wanted)}"
            result.findings.append(finding_at(doc, (*step.at, *at), _where(step, at), message, code="record_type"))
        note = "record fields checked against the record schema; other value checks use its examples or a real record"
        result.deferred.append(
            finding_at(doc, (*step.at, *at), _where(step, at), note, level="note", code="deferred", extra={"references": names})
        )

    def _options_findings(self, doc: Located, step: Step, schema: Mapping[str, Any]) -> Iterable[Finding]:
        for key, prop in (schema.get("properties") or {}).items():
            value = step.config.get(key)
            if "x-dynamic-options" not in prop or value is None or is_template(value):
                continue
            try:
                options = self.connector.options(step.action, key, self.connection)
            except CioConnectorError as exc:
                raise UsageError(f"--connection: cannot list the options of {step.action}.{key}: {exc}") from None
            values = [option["value"] for option in options]
            if value not in values:
                kind = " ".join(f"{v}" for v in (prop["x-dynamic-options"].get("filter") or {}).values())
                noun = f"{kind} {key}".strip()
                listing = ", ".join(f"{o['value']} ({o['label']})" for o in options[:10]) or "none"
                message = (
                    f"no {noun} {value!r} in the workspace (it does not exist or is not {kind or 'listed'}); {noun}s: {listing}"
                )
                yield finding_at(doc, (*step.at, key), _where(step, (key,)), message, code="options")


def _where(step: Step, location: tuple[PathPart, ...]) -> str:
    path = json_path(location)
    return step.id if path == "$" else step.id + path[1:]


def _suggest_key(message: str, key: str) -> str:
    marker = "known fields: "
    if marker not in message:
        return message
    hint = did_you_mean(key, message.split(marker, 1)[1].split(", "))
    return message.replace("unknown field;", f"unknown field{hint}", 1) if hint else message


def _input_schema(connector: Any, action: str) -> Mapping[str, Any]:
    """The action's generated input schema (what ``schemas/actions/<action>.json`` holds)."""
    return connector.actions[action].schema


def _choices(schema: Any) -> list[str]:
    if not isinstance(schema, Mapping):
        return []
    values = schema.get("enum") or [c.get("const") for c in schema.get("oneOf") or [] if isinstance(c, Mapping)]
    return [str(v) for v in values if v is not None]
