"""Jinja2 templates in config values, rendered in a sandbox against the record a workflow passes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from .errors import Problem
from .template_errors import describe_template_error
from .yamlsource import PathPart, json_path

__all__ = ["Rendered", "is_template", "render_config", "template_locations", "to_json_value"]

_MARKERS = ("{{", "{%", "{#")
# "{{ expr }}" alone keeps the expression's own type (a number stays a number).
_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}|\{\{).)*)\}\}\s*$", re.S)


def is_template(value: Any) -> bool:
    return isinstance(value, str) and any(marker in value for marker in _MARKERS)


#: Largest string or list a template may build with ``*`` or ``**``: far above any Customer.io
#: limit, far below what could exhaust a worker's memory.
MAX_TEMPLATE_VALUE = 1_000_000


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, plus a cap on ``'a' * 10**9``-style arithmetic a template author could write."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise SecurityError(f"exponent {right} is too large for a template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    if len(seq) * times > MAX_TEMPLATE_VALUE:
                        raise SecurityError(f"a value over {MAX_TEMPLATE_VALUE:,} items is too large for a template")
        return super().call_binop(context, operator, left, right)


@cache
def _environment() -> ImmutableSandboxedEnvironment:
    # Immutable: a template must not change the record (record.update(...)) for the fields after it.
    return _Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def template_locations(config: Any, at: tuple[PathPart, ...] = ()) -> Iterator[tuple[PathPart, ...]]:
    """Paths of every templated string value in ``config``."""
    if isinstance(config, Mapping):
        for key, value in config.items():
            yield from template_locations(value, (*at, key))
    elif isinstance(config, list):
        for index, value in enumerate(config):
            yield from template_locations(value, (*at, index))
    elif is_template(config):
        yield at


class Rendered:
    """The result of rendering: the new config and the problems met on the way."""

    def __init__(self, value: Any, problems: list[Problem]) -> None:
        self.value = value
        self.problems = problems


def render_config(config: Any, context: Mapping[str, Any] | None) -> Rendered:
    """Render templated values against ``context`` (``{"record": {...}}``).

    With ``context`` None only the syntax is checked and templated values are left as they are, so
    a stored config can be validated before any record exists.
    """
    problems: list[Problem] = []
    value = _render(config, (), context, problems)
    return Rendered(value, problems)


def _render(value: Any, at: tuple[PathPart, ...], context: Mapping[str, Any] | None, problems: list[Problem]) -> Any:
    if isinstance(value, Mapping):
        return {key: _render(item, (*at, key), context, problems) for key, item in value.items()}
    if isinstance(value, list):
        return [_render(item, (*at, index), context, problems) for index, item in enumerate(value)]
    if not is_template(value):
        return value
    try:
        return _render_one(value, context)
    except TemplateError as exc:
        message = f"template error: {describe_template_error(exc, value)}"
        problems.append(Problem(json_path(at), message, code="template", location=at))
    except Exception as exc:  # a record's own __getattr__ or a filter raising: still the field's problem
        problems.append(Problem(json_path(at), f"template error: {type(exc).__name__}: {exc}", code="template", location=at))
    return value


@lru_cache(maxsize=2048)
def _compiled(text: str) -> tuple[bool, Any]:
    """Parse once per distinct template: the same config renders for every record of a workflow."""
    env = _environment()
    single = _SINGLE_EXPRESSION.match(text)
    if single:
        return True, env.compile_expression(single["expr"], undefined_to_none=False)
    return False, env.from_string(text)


def _render_one(text: str, context: Mapping[str, Any] | None) -> Any:
    native, compiled = _compiled(text)
    if context is None:
        return text
    if not native:
        return compiled.render(**context)
    result = compiled(**context)
    if isinstance(result, Undefined):
        result._fail_with_undefined_error()
    return to_json_value(result)


def to_json_value(value: Any) -> Any:
    """Make a rendered Python value JSON-shaped: datetimes become unix seconds, tuples lists."""
    if isinstance(value, Undefined):  # nested, e.g. ``{{ [record.missing] }}``: still an error
        value._fail_with_undefined_error()
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return int(aware.timestamp())
    if isinstance(value, dt.date):
        return int(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp())
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_value(v) for v in value]
    return value
