"""Check requests against the vendored subset of Customer.io's Track API OpenAPI 3.1 spec."""

from __future__ import annotations

import copy
import json
import re
import reprlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from jsonschema import Draft202012Validator, FormatChecker, ValidationError

SUBSET_PATH = Path(__file__).with_name("track-openapi-subset.json")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Only real JSON Schema formats are asserted; the spec's own ("ULID", "unix timestamp",
# "cio_[a-zA-Z0-9]*", "int32", ...) stay annotations.
_STANDARD_FORMATS = {"date", "date-time", "duration", "email", "hostname", "idn-email", "ipv4",
                     "ipv6", "json-pointer", "regex", "time", "uri", "uri-reference", "uuid"}
FORMAT_CHECKER = FormatChecker(formats=sorted(_STANDARD_FORMATS & set(FormatChecker.checkers)))
_SEGMENT = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+")  # RFC 3986 pchar+
_ANNOTATIONS = {"title", "format"}
_REPR = reprlib.Repr()  # Python 3.11 Repr takes no keyword arguments
_REPR.maxlist = _REPR.maxdict = 4
_REPR.maxstring = _REPR.maxother = 40


@lru_cache(maxsize=1)
def load_track_spec() -> dict[str, Any]:
    """The vendored subset exactly as stored (do not mutate)."""
    return json.loads(SUBSET_PATH.read_text(encoding="utf-8"))


def _disambiguate(doc: dict[str, Any]) -> list[str]:
    """Make the spec's non-exclusive oneOfs mean what they say (see README); returns patched pointers."""
    patched: list[str] = []

    def walk(node: Any, ptr: str) -> None:
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{ptr}/{i}")
            return
        if not isinstance(node, dict):
            return
        branches = node.get("oneOf")
        if isinstance(branches, list) and len(branches) > 1 and all(isinstance(b, dict) for b in branches):
            # Rule 1: each branch "identifies by exactly one named key" but forgot `required`.
            if all(b.get("type") == "object" and len(b.get("properties", {})) == 1
                   and "required" not in b for b in branches):
                for b in branches:
                    b["required"] = list(b["properties"])
                patched.append(f"{ptr}/oneOf (required added)")
            # Rule 2: branches differ only in annotations (title, custom format), so all match.
            elif all(set(b) - _ANNOTATIONS == {"type"} for b in branches) \
                    and len({json.dumps(b["type"]) for b in branches}) == 1:
                node["anyOf"] = node.pop("oneOf")
                patched.append(f"{ptr}/oneOf (as anyOf)")
            # Rule 3: branches are variants of one shared base (an allOf starting from the same
            # schema) that no field tells apart, so a body fitting two of them matches both.
            elif all(set(b) - _ANNOTATIONS == {"allOf"} and b["allOf"] for b in branches) \
                    and len({json.dumps(b["allOf"][0], sort_keys=True) for b in branches}) == 1:
                node["anyOf"] = node.pop("oneOf")
                patched.append(f"{ptr}/oneOf (as anyOf: overlapping variants)")
        for key, value in node.items():
            walk(value, f"{ptr}/{key.replace('~', '~0').replace('/', '~1')}")

    walk(doc, "#")
    return patched


@lru_cache(maxsize=1)
def _effective() -> tuple[dict[str, Any], tuple[str, ...], Draft202012Validator]:
    doc = copy.deepcopy(load_track_spec())
    patched = _disambiguate(doc)
    # The whole document is the root resource, so "#/components/schemas/..." refs resolve.
    return doc, tuple(patched), Draft202012Validator(doc, format_checker=FORMAT_CHECKER)


def disambiguated_oneofs() -> tuple[str, ...]:
    """JSON pointers of the oneOfs the helper tightens (pinned by a test)."""
    return _effective()[1]


def _match_path(paths: dict[str, Any], path: str) -> tuple[str, dict[str, str]] | None:
    """Match raw path segments against templates; the most literal template wins."""
    raw = path.split("/")
    best: tuple[int, str, dict[str, str]] | None = None
    for template in paths:
        parts = template.split("/")
        if len(parts) != len(raw):
            continue
        values: dict[str, str] = {}
        literal = 0
        for want, got in zip(parts, raw, strict=True):
            if want.startswith("{") and want.endswith("}"):
                if not got:
                    break
                values[want[1:-1]] = got
            elif want == got:
                literal += 1
            else:
                break
        else:
            if best is None or literal > best[0]:
                best = (literal, template, values)
    return None if best is None else (best[1], best[2])


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    """Turn a path/query string into the JSON value its schema expects (if it has that shape)."""
    types = {schema.get("type")} | {b.get("type") for k in ("anyOf", "oneOf") for b in schema.get(k, [])}
    if "integer" in types and re.fullmatch(r"[0-9]+", value):
        return int(value)
    if "number" in types and re.fullmatch(r"-?[0-9]+(?:\.[0-9]+)?", value):
        return float(value)
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    return value


def _where(path: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _branch_name(branch: Any, index: int) -> str:
    if isinstance(branch, dict):
        if "$ref" in branch:
            return str(branch["$ref"]).rsplit("/", 1)[-1]
        if "title" in branch:
            return str(branch["title"])
    return f"#{index}"


def _branches(error: ValidationError) -> dict[int, list[ValidationError]]:
    groups: dict[int, list[ValidationError]] = {i: [] for i in range(len(error.validator_value))}
    for sub in error.context or []:
        groups[int(sub.relative_schema_path[0])].append(sub)
    return groups


def _short(value: Any) -> str:
    text = _REPR.repr(value)
    return f"{text} ({len(value)} items)" if isinstance(value, (list, dict)) and len(value) > 4 else text


def _message(error: ValidationError) -> str:
    full = repr(error.instance)
    return error.message.replace(full, _short(error.instance)) if len(full) > 80 else error.message


def _miss(errors: list[ValidationError]) -> str | None:
    """Which discriminator ("type" before "action") rules this branch out, or None if none does."""
    keys: set[str] = set()
    for error in errors:
        if error.validator in ("enum", "const") and list(error.relative_path) in (["type"], ["action"]):
            keys.add(str(error.relative_path[0]))
        elif error.validator in ("oneOf", "anyOf") and not error.relative_path and error.context:
            nested = [_miss(errs) for errs in _branches(error).values()]
            if None not in nested:
                keys.add("type" if set(nested) == {"type"} else "action")
    return "type" if "type" in keys else "action" if keys else None


def _allowed(errors: list[ValidationError], key: str) -> list[Any]:
    """Every value the branches would have accepted for the discriminator `key`."""
    found: list[Any] = []
    for error in errors:
        if error.validator in ("enum", "const") and list(error.relative_path) == [key]:
            found += error.validator_value if error.validator == "enum" else [error.validator_value]
        elif error.validator in ("oneOf", "anyOf") and not error.relative_path:
            found += _allowed(list(error.context or []), key)
    return list(dict.fromkeys(found))


def _explain(error: ValidationError, root: Draft202012Validator) -> Iterator[tuple[str, str]]:
    """Turn one jsonschema error into (body path, message) pairs, descending into the relevant branch."""
    where = _where(error.absolute_path)
    if error.validator not in ("oneOf", "anyOf"):
        yield where, _message(error)
        return
    names = [_branch_name(b, i) for i, b in enumerate(error.validator_value)]
    if not error.context:  # oneOf matched several branches
        hits = [n for n, b in zip(names, error.validator_value, strict=True) if root.evolve(schema=b).is_valid(error.instance)]
        yield where, f"matches {len(hits)} oneOf branches ({', '.join(hits)}); exactly one is allowed"
        return
    groups = _branches(error)
    misses = {i: _miss(errs) for i, errs in groups.items()}
    live = [i for i, miss in misses.items() if miss is None]
    if len(live) == 1:  # the branch the body's type/action selects
        for sub in groups[live[0]]:
            yield from _explain(sub, root)
        return
    if live:  # several plausible branches: report what they all agree is wrong
        explained = [{pair for sub in groups[i] for pair in _explain(sub, root)} for i in live]
        common = set.intersection(*explained)
        if common:
            yield from sorted(common)
            return
        detail = "; ".join(f"{names[i]}: {_message(groups[i][0])}" for i in live)
        yield where, f"matches none of the {error.validator} branches ({detail})"
        return
    key = "action" if "action" in misses.values() else "type"
    allowed = _allowed([e for i, errs in groups.items() if misses[i] == key for e in errs], key)
    value = error.instance.get(key) if isinstance(error.instance, dict) else None
    yield _where([*error.absolute_path, key]), f"{value!r} is not one of {allowed}"


def _check_value(root: Draft202012Validator, label: str, raw: str, schema: dict[str, Any]) -> list[str]:
    value = _coerce(raw, schema)
    return [f"{label}={raw!r}: {e.message}" for e in root.evolve(schema=schema).iter_errors(value)]


def validate_track_request(method: str, url_or_path: str, body: object | None = None) -> None:
    """Raise AssertionError listing every way the request departs from the Track spec subset."""
    doc, _, root = _effective()
    split = urlsplit(str(url_or_path))
    start = split.path.find("/api/")
    path = split.path[start:] if start >= 0 else split.path
    label = f"{method.upper()} {path}"
    found = _match_path(doc["paths"], path) if start >= 0 else None
    if found is None:
        raise AssertionError(f"{label}: no operation in the Track spec subset matches this path "
                             f"(known: {', '.join(doc['paths'])})")
    template, raw_params = found
    item = doc["paths"][template]
    op = item.get(method.lower())
    if op is None:
        allowed = ", ".join(m.upper() for m in HTTP_METHODS if m in item)
        raise AssertionError(f"{label}: {template} has no {method.upper()} operation (allowed: {allowed})")

    problems: list[str] = []
    params = {(p["name"], p["in"]): p for p in item.get("parameters", []) + op.get("parameters", [])}
    for name, raw in raw_params.items():
        if not _SEGMENT.fullmatch(raw):
            problems.append(f"path parameter {name}={raw!r}: not a properly percent-encoded path segment")
        spec = params.get((name, "path"))
        if spec is None:
            problems.append(f"path parameter {name}: not declared by the spec")
        else:
            problems += _check_value(root, f"path parameter {name}", unquote(raw), spec.get("schema", {}))
    query = parse_qsl(split.query, keep_blank_values=True)
    for name, value in query:
        spec = params.get((name, "query"))
        if spec is None:
            known = sorted(n for n, where in params if where == "query")
            problems.append(f"query parameter {name!r}: unknown (spec allows: {known or 'none'})")
        else:
            problems += _check_value(root, f"query parameter {name}", value, spec.get("schema", {}))
    sent = {name for name, _ in query}
    problems += [f"query parameter {n!r}: required but missing" for (n, where), p in params.items()
                 if where == "query" and p.get("required") and n not in sent]

    request_body = op.get("requestBody")
    if request_body is None:
        if body is not None:
            problems.append(f"body: {op['operationId']} takes no request body, got {type(body).__name__}")
    elif body is None:
        problems.append(f"body: {op['operationId']} needs a JSON request body, got none")
    else:
        schema = request_body.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            problems.append(f"body: {op['operationId']} has no application/json request body")
        else:
            errors = sorted(root.evolve(schema=schema).iter_errors(body), key=lambda e: list(map(str, e.path)))
            pairs = dict.fromkeys(pair for e in errors for pair in _explain(e, root))
            problems += [f"body {where}: {message}" for where, message in pairs]
    if problems:
        raise AssertionError(f"{label} ({op['operationId']}) violates the Track API spec:\n"
                             + "\n".join(f"  - {p}" for p in problems))
