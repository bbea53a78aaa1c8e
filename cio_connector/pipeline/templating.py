"""Jinja2 templates in config values, rendered in a sandbox against the record a workflow passes.

The template policy (docs/hostile-input.md): a template is data a stranger may write, so every
way it can spend time or memory is bounded before the work happens, and a template that would
exceed a budget is a problem at its field, never a hang.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache, wraps
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, Undefined, nodes
from jinja2.ext import Extension
from jinja2.runtime import Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

from .._util.jsonpath import PathPart, json_path
from ..declarative.jsonsafe import MAX_DEPTH, normalize
from ..errors import Problem
from .template_errors import describe_template_error
from .template_text import MAX_CONFIG_SOURCE, MAX_TEMPLATE_SOURCE, is_template, template_locations

__all__ = [
    "MACRO_CALL_STEPS",
    "MAX_CALL_DEPTH",
    "MAX_CONFIG_OUTPUT",
    "MAX_CONFIG_SOURCE",
    "MAX_CONFIG_STEPS",
    "MAX_INT_BITS",
    "MAX_JSON_INDENT",
    "MAX_RANGE",
    "MAX_TEMPLATE_SOURCE",
    "MAX_TEMPLATE_STEPS",
    "MAX_TEMPLATE_VALUE",
    "Rendered",
    "budget",
    "is_template",
    "render_config",
    "render_value",
    "template_locations",
    "to_json_value",
]

# "{{ expr }}" alone keeps the expression's own type (a number stays a number).
_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}|\{\{).)*)\}\}\s*$", re.S)

# -- the policy: every number here bounds time or memory, far above what a real config needs ----------
#: Brackets nested in a template's source (the parser recurses on each).
MAX_NESTING = 24
#: Largest string, list or output (in characters or items) a template may build: about three
#: times Customer.io's 32 KB entity limit, and far below what could strain a worker.
MAX_TEMPLATE_VALUE = 100_000
#: Output of all templates of one config together.
MAX_CONFIG_OUTPUT = 400_000
#: Steps (loop iterations, calls, operators, items a filter walks) one template may take ...
MAX_TEMPLATE_STEPS = 20_000
#: ... and all templates of one config together.
MAX_CONFIG_STEPS = 50_000
#: A macro call costs about as much as this many loop iterations.
MACRO_CALL_STEPS = 50
#: Nested macro or function calls (a macro calling itself).
MAX_CALL_DEPTH = 32
#: Indent of ``tojson`` (repeated on every line of the JSON).
MAX_JSON_INDENT = 16
#: Items ``range()`` may produce.
MAX_RANGE = 10_000
#: Bits of an integer a template may compute (about 1,200 digits).
MAX_INT_BITS = 4_096

# Filters a connector's templates have no use for, or whose cost we cannot bound cheaply.
_DROPPED_FILTERS = ("urlize", "wordwrap", "xmlattr", "pprint", "filesizeformat")
# Filters that look at a value without walking it: charged one step, not the value's length.
_CONSTANT_TIME_FILTERS = frozenset({"length", "count", "first", "last", "default", "d", "attr", "random", "safe"})
# String methods a template may call whose result is far larger than their inputs.
_WIDENING = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "replace", "join"})
_REFUSED_METHODS = frozenset({"translate", "to_bytes", "maketrans"})


class _Exceeded(SecurityError):
    """A template went over one of the policy's budgets."""


@dataclass
class _Budget:
    """What one config's templates may still spend; ``start`` opens one template's own share."""

    steps: int = MAX_CONFIG_STEPS
    output: int = MAX_CONFIG_OUTPUT
    source: int = MAX_CONFIG_SOURCE
    template_steps: int = MAX_TEMPLATE_STEPS
    template_output: int = MAX_TEMPLATE_VALUE
    depth: int = 0

    def start(self) -> None:
        self.template_steps, self.template_output, self.depth = MAX_TEMPLATE_STEPS, MAX_TEMPLATE_VALUE, 0

    def step(self, count: int = 1) -> None:
        self.steps -= count
        self.template_steps -= count
        if self.template_steps < 0:
            raise _Exceeded(f"the template takes over {MAX_TEMPLATE_STEPS:,} steps (loop iterations, calls, operations)")
        if self.steps < 0:
            raise _Exceeded(f"the config's templates together take over {MAX_CONFIG_STEPS:,} steps")

    def emit(self, size: int) -> None:
        self.output -= size
        self.template_output -= size
        if self.template_output < 0:
            raise _Exceeded(f"the template's output is over {MAX_TEMPLATE_VALUE:,} characters")
        if self.output < 0:
            raise _Exceeded(f"the config's templates together output over {MAX_CONFIG_OUTPUT:,} characters")

    def read(self, text: str) -> None:
        if len(text) > MAX_TEMPLATE_SOURCE:
            raise _Exceeded(f"the template is {len(text):,} characters; at most {MAX_TEMPLATE_SOURCE:,} allowed")
        self.source -= len(text)
        if self.source < 0:
            raise _Exceeded(f"the config's templates together are over {MAX_CONFIG_SOURCE:,} characters")
        depth = deepest = 0
        for char in text:
            if char in "([{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in ")]}":
                depth -= 1
        if deepest > MAX_NESTING:
            raise _Exceeded(f"the template nests brackets {deepest} deep; at most {MAX_NESTING} allowed")


_BUDGET: ContextVar[_Budget | None] = ContextVar("cio_template_budget", default=None)


def _budget() -> _Budget:
    budget = _BUDGET.get()
    if budget is None:  # outside render_config (a direct call): a budget of its own
        budget = _Budget()
        _BUDGET.set(budget)
    return budget


def _weight(value: Any, limit: int = MAX_TEMPLATE_VALUE) -> int:
    """About how many characters ``value`` prints as; stops counting past ``limit`` (cycles too)."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray)):
            total += len(item)
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        elif isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            if total <= limit:
                stack.extend(item)
        else:
            total += 8
    return total


def _bounded(value: Any) -> Any:
    """``value`` when within the policy's value and integer bounds; raises otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise _Exceeded(f"a number over {MAX_INT_BITS:,} bits is too large for a template")
    if isinstance(value, (str, list, tuple, dict, set, frozenset, bytes)) and _weight(value) > MAX_TEMPLATE_VALUE:
        raise _Exceeded(f"a value over {MAX_TEMPLATE_VALUE:,} characters or items is too large for a template")
    return value


def _cost(args: Iterable[Any]) -> int:
    """Steps a call or filter is charged: one per argument, plus the items of a list it walks
    (text is cheap: a KB a step)."""
    total = 1
    for arg in args:
        total += 1
        if isinstance(arg, (list, tuple, Mapping, set, frozenset, range)):
            total += len(arg)
        elif isinstance(arg, str):
            total += len(arg) // 1024
    return total


_NUMBER = re.compile(r"[0-9]+")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|[0-9]*)(?:\.(\*|[0-9]*))?[hlL]?[a-zA-Z%]")


def _check_widths(spec: str, what: str) -> None:
    if "{" in spec or "*" in spec:
        raise _Exceeded(f"{what}: nested or starred widths are not allowed in templates")
    if any(len(digits) > 6 or int(digits) > MAX_TEMPLATE_VALUE for digits in _NUMBER.findall(spec)):
        raise _Exceeded(f"{what}: a width or precision over {MAX_TEMPLATE_VALUE:,} is too large for a template")


def _check_percent(template: str, args: Any) -> None:
    for match in _PERCENT.finditer(template):
        _check_widths(match.group(0)[1:-1], "'%' formatting")
    if _weight(args) > MAX_TEMPLATE_VALUE:
        raise _Exceeded(f"'%' formatting of over {MAX_TEMPLATE_VALUE:,} characters is too large for a template")


def _check_format(template: str, args: Any) -> None:
    for _, _, spec, _ in string.Formatter().parse(template):
        if spec:
            _check_widths(spec, "format()")
    if _weight(args) > MAX_TEMPLATE_VALUE:
        raise _Exceeded(f"format() of over {MAX_TEMPLATE_VALUE:,} characters is too large for a template")


def _check_width(width: Any, what: str) -> None:
    if isinstance(width, int) and width > MAX_TEMPLATE_VALUE:
        raise _Exceeded(f"{what}({width:,}) is too large for a template; at most {MAX_TEMPLATE_VALUE:,}")


def _check_method(obj: Any, args: tuple, kwargs: dict) -> None:
    """Bound the string methods whose result can be far larger than their inputs."""
    target = getattr(obj, "__wrapped__", obj)
    owner, name = getattr(target, "__self__", None), getattr(target, "__name__", "")
    if name in _REFUSED_METHODS and owner is not None:
        raise SecurityError(f"{name}() is not available in templates")
    if not isinstance(owner, (str, bytes, bytearray)):
        return
    if name in ("format", "format_map") and isinstance(owner, str):
        _check_format(owner, (args, kwargs))
    elif name in ("ljust", "rjust", "center", "zfill"):
        _check_width(args[0] if args else kwargs.get("width"), name)
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
        if isinstance(size, int) and tabs * max(size, 0) > MAX_TEMPLATE_VALUE:
            raise _Exceeded("expandtabs() would be too large for a template")
    elif name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        count = len(owner) + 1 if not old else owner.count(old)
        if len(owner) + count * max(len(new) - len(old), 0) > MAX_TEMPLATE_VALUE:
            raise _Exceeded("replace() would be too large for a template")
    elif name == "join" and args and isinstance(args[0], (list, tuple, set, frozenset, dict)):
        if _weight(args[0]) + len(owner) * len(args[0]) > MAX_TEMPLATE_VALUE:
            raise _Exceeded("join() would be too large for a template")


def _guard_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter with its width arguments checked first and its result bounded after."""
    offset = 1 if hasattr(function, "jinja_pass_arg") else 0

    walks = name not in _CONSTANT_TIME_FILTERS

    @wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _budget().step(_cost(args[offset:]) + len(kwargs) if walks else 1)
        value, rest = (args[offset], args[offset + 1 :]) if len(args) > offset else (None, ())
        if name in ("center", "indent"):
            width = rest[0] if rest else kwargs.get("width", 80 if name == "center" else 4)
            width = len(width) if isinstance(width, str) else width
            lines = value.count("\n") + 1 if isinstance(value, str) else 1
            if isinstance(width, int) and width * lines > MAX_TEMPLATE_VALUE:
                raise _Exceeded(f"{name}({width:,}) is too large for a template")
        elif name == "format" and isinstance(value, str):
            _check_percent(value, (rest, kwargs))
        elif name == "replace" and isinstance(value, str) and len(rest) >= 2:
            _check_method(value.replace, tuple(str(part) for part in rest[:2]), {})
        elif name == "join" and isinstance(value, (list, tuple)):
            joiner = rest[0] if rest else kwargs.get("d", "")
            if _weight(value) + len(str(joiner)) * len(value) > MAX_TEMPLATE_VALUE:
                raise _Exceeded("join would be too large for a template")
        elif name in ("batch", "slice"):
            _check_width(rest[0] if rest else None, name)
        elif name == "tojson":
            indent = rest[0] if rest else kwargs.get("indent")
            if isinstance(indent, int) and indent > MAX_JSON_INDENT:
                raise _Exceeded(f"tojson(indent={indent:,}) is too large for a template; at most {MAX_JSON_INDENT}")
        return _bounded(function(*args, **kwargs))

    return guarded


def _guard_test(function: Callable[..., Any]) -> Callable[..., Any]:
    """A test (``x is in y``) charged for the items it may walk."""
    offset = 1 if hasattr(function, "jinja_pass_arg") else 0

    @wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _budget().step(_cost(args[offset:]))
        return function(*args, **kwargs)

    return guarded


def _budgeted_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise _Exceeded(f"range() of {len(numbers):,} numbers is too large for a template; at most {MAX_RANGE:,}")
    return numbers


class _Policy(Extension):
    """Rewrites each parsed template so loops and ``~`` pass through the budget."""

    def iterate(self, iterable: Any) -> Iterator[Any]:
        budget = _budget()
        for item in iterable:
            budget.step()
            yield item

    def slice(self, value: Any, start: Any, stop: Any, step: Any) -> Any:
        """``value[start:stop:step]`` (jinja2 compiles slices to plain Python): pays for the copy."""
        if isinstance(value, (str, list, tuple, range)):
            _budget().step(_cost((range(len(value))[start:stop:step],)))
        return value[start:stop:step]

    def charge(self, value: Any) -> Any:
        """A comparison operand (``x in y``, ``a == b``) pays for the items it may walk."""
        _budget().step(_cost((value,)))
        return value

    def concat(self, *parts: Any) -> str:
        if sum(_weight(part) for part in parts) > MAX_TEMPLATE_VALUE:
            raise _Exceeded(f"'~' joining over {MAX_TEMPLATE_VALUE:,} characters is too large for a template")
        return "".join(map(str, parts))


class _Rewrite(NodeTransformer):
    def __init__(self, identifier: str) -> None:
        self.identifier = identifier

    def _call(self, name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
        return nodes.Call(nodes.ExtensionAttribute(self.identifier, name), args, [], None, None, lineno=lineno)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        if node.recursive:
            raise TemplateSyntaxError("recursive loops are not allowed in templates", node.lineno)
        self.generic_visit(node)
        node.iter = self._call("iterate", [node.iter], node.lineno)  # type: ignore[list-item]
        return node

    def visit_Compare(self, node: nodes.Compare) -> nodes.Node:
        self.generic_visit(node)
        node.expr = self._call("charge", [node.expr], node.lineno)
        for operand in node.ops:
            operand.expr = self._call("charge", [operand.expr], node.lineno)
        return node

    def visit_Getitem(self, node: nodes.Getitem) -> nodes.Node:
        self.generic_visit(node)
        if not isinstance(node.arg, nodes.Slice):
            return node
        bounds = [part or nodes.Const(None) for part in (node.arg.start, node.arg.stop, node.arg.step)]
        return self._call("slice", [node.node, *bounds], node.lineno)

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return self._call("concat", list(node.nodes), node.lineno)


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox with the policy: every operator, call, filter, loop and output is budgeted."""

    intercepted_binops = frozenset(["+", "-", "*", "/", "//", "%", "**"])

    def __init__(self, **options: Any) -> None:
        super().__init__(extensions=[_Policy], finalize=self._finalize, **options)
        self.globals.pop("lipsum", None)
        self.globals["range"] = _budgeted_range
        for name in _DROPPED_FILTERS:
            self.filters.pop(name, None)
        self.filters = {name: _guard_filter(name, function) for name, function in self.filters.items()}
        self.tests = {name: _guard_test(function) for name, function in self.tests.items()}  # type: ignore[arg-type]

    def _generate(self, source: nodes.Template, *args: Any, **kwargs: Any) -> str:
        source = _Rewrite(_Policy.identifier).visit(source)
        return super()._generate(source, *args, **kwargs)

    def _finalize(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
            raise _Exceeded(f"a number over {MAX_INT_BITS:,} bits is too large to print")
        _budget().emit(_weight(value, MAX_TEMPLATE_VALUE))
        return value

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _budget().step()
        _check_binop(operator, left, right)
        return _bounded(super().call_binop(context, operator, left, right))

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        budget = _budget()
        owner = getattr(getattr(obj, "__wrapped__", obj), "__self__", None)  # a method walks its object too
        budget.step(_cost((owner, *args)) + len(kwargs) + (MACRO_CALL_STEPS if isinstance(obj, Macro) else 0))
        _check_method(obj, args, kwargs)
        if budget.depth >= MAX_CALL_DEPTH:
            raise _Exceeded(f"calls nest over {MAX_CALL_DEPTH} deep (a macro calling itself?)")
        budget.depth += 1
        try:
            return _bounded(super().call(context, obj, *args, **kwargs))
        finally:
            budget.depth -= 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse, before computing, what would be too large to compute."""
    if operator == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        if left.bit_length() * right > MAX_INT_BITS:
            raise _Exceeded(f"{left.bit_length()}-bit number ** {right} is too large for a template")
    elif operator == "*":
        if _is_int(left) and _is_int(right):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
                raise _Exceeded(f"a product over {MAX_INT_BITS:,} bits is too large for a template")
            return
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple, bytes)) and _is_int(times) and times > 0:
                if _weight(seq) * times > MAX_TEMPLATE_VALUE:
                    raise _Exceeded(f"a value over {MAX_TEMPLATE_VALUE:,} characters or items is too large for a template")
    elif operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
        if _weight(left) + _weight(right) > MAX_TEMPLATE_VALUE:
            raise _Exceeded(f"a value over {MAX_TEMPLATE_VALUE:,} characters or items is too large for a template")
    elif operator == "%" and isinstance(left, str):
        _check_percent(left, right)


@cache
def _environment() -> ImmutableSandboxedEnvironment:
    # Immutable: a template must not change the record (record.update(...)) for the fields after it.
    return _Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


class Rendered:
    """The result of rendering: the new config and the problems met on the way."""

    def __init__(self, value: Any, problems: list[Problem]) -> None:
        self.value = value
        self.problems = problems


def render_config(config: Any, context: Mapping[str, Any] | None) -> Rendered:
    """Render templated values against ``context`` (``{"record": {...}}``).

    With ``context`` None only the syntax is checked and templated values are left as they are, so
    a stored config can be validated before any record exists. All templates of one config share
    one budget (see the module docstring).
    """
    problems: list[Problem] = []
    with _budgeted():
        value = _render(config, (), context, problems)
    return Rendered(value, problems)


@contextmanager
def _budgeted() -> Iterator[_Budget]:
    budget = _Budget()
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


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


@lru_cache(maxsize=1024)
def _compiled(text: str) -> tuple[bool, Any]:
    """Parse once per distinct template: the same config renders for every record of a workflow."""
    env = _environment()
    single = _SINGLE_EXPRESSION.match(text)
    if single:
        return True, env.compile_expression(single["expr"], undefined_to_none=False)
    return False, env.from_string(text)


def _render_one(text: str, context: Mapping[str, Any] | None) -> Any:
    budget = _budget()
    budget.read(text)
    budget.start()
    native, compiled = _compiled(text)
    if context is None:
        return text
    if not native:
        return compiled.render(**context)
    result = compiled(**context)
    if isinstance(result, Undefined):
        result._fail_with_undefined_error()
    budget.emit(_weight(result, MAX_TEMPLATE_VALUE))
    return to_json_value(result)


def render_value(text: str, context: Mapping[str, Any]) -> Any:
    """One templated value rendered against ``context``; raises what rendering raises.

    It spends the budget opened by ``budget()``: open one per record, as ``render_config`` does.
    """
    return _render_one(text, context)


def budget() -> AbstractContextManager[Any]:
    """A fresh budget for the templates of one config rendered for one record."""
    return _budgeted()


def to_json_value(value: Any) -> Any:
    """Make a rendered Python value JSON-shaped: datetimes become unix seconds, tuples lists.

    A value nested deeper than ``MAX_DEPTH`` (or referring to itself) is a ``TemplateError``;
    NaN or huge numbers are left for the config's normalisation (``jsonsafe``) to report at
    their path.
    """
    return _json_shaped(value, 0)


def _json_shaped(value: Any, depth: int) -> Any:
    if isinstance(value, Undefined):  # nested, e.g. ``{{ [record.missing] }}``: still an error
        value._fail_with_undefined_error()
    if depth > MAX_DEPTH:
        raise TemplateError(f"the value nests deeper than {MAX_DEPTH} levels (or refers to itself)")
    if isinstance(value, Mapping):
        return {_key(k): _json_shaped(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_shaped(v, depth + 1) for v in value]
    if isinstance(value, (dt.date, Decimal)):
        converted, problems = normalize(value)
        return value if problems else converted
    return value


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    raise TemplateError(f"a mapping key must be text, not {type(key).__name__}")
