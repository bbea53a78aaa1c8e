"""Check requests (and the sandbox's answers) against the vendored App API subset: sends and their list."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from .track_spec import FORMAT_CHECKER

__all__ = ["SUBSET_PATH", "load_app_spec", "validate_app_request", "validate_app_response"]

SUBSET_PATH = Path(__file__).with_name("app-openapi-subset.json")


@lru_cache(maxsize=1)
def load_app_spec() -> dict[str, Any]:
    return json.loads(SUBSET_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _root() -> Draft202012Validator:
    return Draft202012Validator(load_app_spec(), format_checker=FORMAT_CHECKER)


def _operation(method: str, url_or_path: str) -> tuple[str, dict[str, Any]]:
    path = urlsplit(str(url_or_path)).path
    start = path.find("/v1/")
    path = path[start:] if start >= 0 else path
    label = f"{method.upper()} {path}"
    item = load_app_spec()["paths"].get(path)
    if item is None or method.lower() not in item:
        known = ", ".join(f"{m.upper()} {p}" for p, ops in load_app_spec()["paths"].items() for m in ops)
        raise AssertionError(f"{label}: no operation in the App spec subset (known: {known})")
    return label, item[method.lower()]


def _problems(schema: dict[str, Any], instance: Any) -> list[str]:
    errors = sorted(_root().evolve(schema=schema).iter_errors(instance), key=lambda e: list(map(str, e.path)))
    out = []
    for error in errors:
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        detail = "; ".join(sorted({sub.message for sub in error.context or []}))
        out.append(f"{where}: {error.message}" + (f" ({detail})" if detail else ""))
    return out


def validate_app_request(method: str, url_or_path: str, body: object | None) -> None:
    """Raise AssertionError listing every way the request departs from the App spec subset."""
    label, op = _operation(method, url_or_path)
    request_body = op.get("requestBody")
    if request_body is None:
        problems = [] if body is None else [f"body: {op['operationId']} takes no request body"]
    elif body is None:
        problems = [f"body: {op['operationId']} needs a JSON request body, got none"]
    else:
        problems = _problems(request_body["content"]["application/json"]["schema"], body)
    if problems:
        raise AssertionError(f"{label} ({op['operationId']}) violates the App API spec:\n"
                             + "\n".join(f"  - {p}" for p in problems))


def validate_app_response(method: str, url_or_path: str, status: int, body: object) -> None:
    """Raise AssertionError when an answer's JSON does not fit the spec's schema for its status."""
    label, op = _operation(method, url_or_path)
    response = op["responses"].get(str(status))
    if response is None:
        raise AssertionError(f"{label}: status {status} is not documented (documented: {', '.join(op['responses'])})")
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    problems = _problems(schema, body) if schema is not None else []
    if problems:
        raise AssertionError(f"{label} answered {status} outside the spec:\n" + "\n".join(f"  - {p}" for p in problems))
