"""The config file format (``schemas/config-file.schema.json``): reading, shape, and its steps.

A file holds one action (``action`` + ``config``) or ``steps: [{id, action, config}]``. Every
value keeps its line and column, so a problem deep in a step's config points at its own node.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .._util.bundle import bundle_root
from .._util.datafile import DataFileError, read_regular
from .._util.suggest import did_you_mean
from .._util.yamlsource import Located, PathPart, json_path
from ..declarative.validation import SchemaChecker
from ..errors import CioConnectorError, Problem
from .findings import Finding
from .jsonsource import JsonSourceError, load_json
from .yamlfast import load_config_yaml

__all__ = [
    "SCHEMA_FILE",
    "Step",
    "UnreadableFile",
    "finding_at",
    "read_config_file",
    "shape_findings",
    "steps_of",
    "where_in_file",
]

SCHEMA_FILE = "config-file.schema.json"
#: Past this, a file is not a config someone wrote; refuse it before parsing.
MAX_FILE_BYTES = 5_000_000


class UnreadableFile(Exception):
    """The file cannot be read at all (missing, a directory, not UTF-8): exit 2, not a finding."""


@dataclass(frozen=True)
class Step:
    """One action config in a file; ``at`` is where its ``config`` stands in the file."""

    id: str
    action: str
    config: Any
    at: tuple[PathPart, ...]

    @property
    def action_at(self) -> tuple[PathPart, ...]:
        return (*self.at[:-1], "action")


def read_config_file(path: Path, display: str) -> Located | Finding:
    """The parsed file, or a finding for malformed YAML/JSON; raises ``UnreadableFile``."""
    try:
        raw = read_regular(path, limit=MAX_FILE_BYTES)  # a device, FIFO or huge file is refused unread
    except DataFileError as exc:
        raise UnreadableFile(f"{display}: {exc.message}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{display}: not UTF-8 text (byte {exc.start})") from None
    try:
        if path.suffix.lower() == ".json":
            return load_json(text, display)
        return load_config_yaml(text, display)
    except JsonSourceError as exc:
        return Finding(display, f"not valid JSON: {exc.message}", line=exc.line, column=exc.column, code="syntax")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        return Finding(display, f"not valid YAML: {problem}", line=line, column=column, code="syntax")
    except (CioConnectorError, ValueError, RecursionError) as exc:  # a hardened loader's refusal
        problems = getattr(exc, "problems", ())
        first: Problem | None = problems[0] if problems else None
        line = first.line if first and first.line else getattr(exc, "line", 1)
        column = first.column if first and first.column else getattr(exc, "column", 1)
        message = first.message if first else str(exc) or type(exc).__name__
        return Finding(display, f"not valid YAML: {message}", line=line, column=column, code="syntax")


@cache
def _shape_schema() -> dict[str, Any]:
    return json.loads((bundle_root() / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8"))


@cache
def _shape_checker() -> SchemaChecker:
    return SchemaChecker(_shape_schema())


_JSON_TYPES: dict[str, type | tuple[type, ...]] = {"object": dict, "array": list, "string": str}


def plainly_valid(value: Any, schema: Any = None) -> bool:
    """A quick yes for the common case, read off the same schema: most files are well formed, and a
    full JSON Schema run per file costs more than parsing it. A no means "ask the full checker"."""
    root = _shape_schema()
    schema = root if schema is None else schema
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    if "if" in schema:
        branch = "then" if isinstance(value, dict) and all(k in value for k in schema["if"]["required"]) else "else"
        return plainly_valid(value, schema[branch]) and plainly_valid(
            value, {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
        )
    if "type" in schema and not isinstance(value, _JSON_TYPES[schema["type"]]):
        return False
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False and not value.keys() <= properties.keys():
            return False
        if not all(key in value for key in schema.get("required", ())):
            return False
        return all(plainly_valid(value[key], sub) for key, sub in properties.items() if key in value)
    if isinstance(value, list):
        return len(value) >= schema.get("minItems", 0) and all(plainly_valid(item, schema.get("items", {})) for item in value)
    return "pattern" not in schema or bool(re.search(schema["pattern"], value))


def where_in_file(parts: tuple[PathPart, ...]) -> str:
    """``("steps", 1, "id")`` -> ``steps[1].id``; the root is ``$``."""
    path = json_path(parts)
    return path[2:] if path.startswith("$.") else path


def finding_at(doc: Located, parts: tuple[PathPart, ...], where: str, message: str, **kwargs: Any) -> Finding:
    line, column = doc.position(parts) or (1, 1)
    return Finding(doc.source, message, where=where, line=line, column=column, **kwargs)


def shape_findings(doc: Located) -> list[Finding]:
    """Problems with the file's own shape (not the configs inside it)."""
    if not isinstance(doc.data, dict):
        what = "empty" if doc.data is None else "not a mapping"
        return [finding_at(doc, (), "$", f"{what}; expected 'action' and 'config', or 'steps'", code="shape")]
    findings = (
        []
        if plainly_valid(doc.data)
        else [
            finding_at(doc, p.location, where_in_file(p.location), _with_suggestion(p), code=p.code or "shape")
            for p in _shape_checker().problems(doc.data)
        ]
    )
    seen: dict[str, int] = {}
    for index, step in enumerate(doc.data.get("steps") or []):
        if isinstance(step, dict) and isinstance(step.get("id"), str):
            if step["id"] in seen:
                at = ("steps", index, "id")
                message = f"step id {step['id']!r} is already used by steps[{seen[step['id']]}]"
                findings.append(finding_at(doc, at, where_in_file(at), message, code="duplicate_step"))
            seen.setdefault(step["id"], index)
    return sorted(findings, key=lambda f: (f.line or 0, f.column or 0))


def _with_suggestion(problem: Problem) -> str:
    """An unknown key names the closest known one: ``unknown field; did you mean 'config'? ...``."""
    marker = "known fields: "
    if problem.code != "unknown_field" or marker not in problem.message or not problem.location:
        return problem.message
    if "did you mean" in problem.message:  # the validation layer named it already
        return problem.message
    known = problem.message.split(marker, 1)[1].split(", ")
    hint = did_you_mean(str(problem.location[-1]), known)
    return problem.message.replace("unknown field;", f"unknown field{hint}", 1) if hint else problem.message


def steps_of(doc: Located) -> list[Step]:
    """The well-formed steps of a file (each with a string action and a mapping config)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    if "steps" not in data:
        entries: list[tuple[tuple[PathPart, ...], Any]] = [((), data)]
    else:
        items = data["steps"] if isinstance(data["steps"], list) else []
        entries = [(("steps", index), item) for index, item in enumerate(items)]
    found = []
    for at, entry in entries:
        if not isinstance(entry, dict):
            continue
        action, config = entry.get("action"), entry.get("config")
        if isinstance(action, str) and isinstance(config, dict):
            step_id = entry.get("id")
            found.append(Step(step_id if at and isinstance(step_id, str) else action, action, config, (*at, "config")))
    return found
