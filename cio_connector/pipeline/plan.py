"""An action config compiled once, then used to build a request for each record.

Compiling checks the config without a record (keys, template syntax, every concrete value), parses
its templates, and notes where each one goes. Building fills the templates from the record, asks a
compiled validator yes or no, and runs the handler; only a no (or anything unusual) takes the full
path, the one that explains every problem with its path and label. Both paths give the same verdict
and the same request, byte for byte (tests/core/test_plan_differential.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._util.jsonpath import PathPart
from ..declarative.fastcheck import specialize_fast_check
from ..declarative.fieldcheck import split_checks
from ..declarative.jsonsafe import normalize
from ..declarative.models import Field
from ..declarative.staticcheck import static_fast_check
from ..errors import InputError, Problem
from .codegen import compile_build, compile_fill
from .fields import check_config, fit_value, json_problems
from .splice import Shape
from .template_text import MAX_CONFIG_SOURCE, MAX_TEMPLATE_SOURCE, record_path, template_locations

if TYPE_CHECKING:
    from .action import Action
    from .request import ApiRequest

__all__ = ["ActionPlan"]

_EMPTY_RECORD: dict[str, Any] = {"record": {}}


@dataclass(frozen=True)
class _Slot:
    """One templated value: where it goes, its text, a direct record path if it has one, its field."""

    location: tuple[PathPart, ...]
    text: str
    record_path: tuple[str, ...] | None
    field: Field | None


class ActionPlan:
    """``config`` for ``action``, checked and compiled; ``build(record=...)`` per record.

    ``problems`` are those found without a record (all of them when nothing is templated). A plan
    holds no credentials and is safe to share between threads.
    """

    def __init__(self, action: Action, config: Any) -> None:
        self.action = action
        self.config = config
        self._fast = action.fast_check
        concrete = isinstance(config, Mapping)
        self._template, unsafe = normalize(config) if concrete else (config, [])
        locations = tuple(template_locations(self._template)) if concrete and not unsafe else ()
        #: A config with nothing to fill: validated once; the handler still runs per build (it
        #: may give each request its own id, as ``event_id: auto`` does).
        self._constant: Any = None
        if concrete and not unsafe and not locations and self._fast is not None and self._fast(self._template):
            static: list[Problem] = []  # what a host sends after evaluating its own expressions
            self._constant = self._template
        elif concrete and not unsafe and self._checks_without_jsonschema(locations):
            static = []  # record reads only, and the compiled validator finds nothing else wrong
        else:
            _, static = check_config(action.checker, action.tree, config, None)
            if not static and not locations:
                inputs, static = action.check(config, _EMPTY_RECORD)
                self._constant = None if static else inputs
        #: The request built to check a constant config's size, handed to the first build: a host
        #: sending one constant config (Cargo evaluates its own expressions) builds it once.
        self._spare: list[ApiRequest] = []
        if self._constant is not None:
            first = action.handler(self._constant)
            static = action.request_problems(first)
            if static:
                self._constant = None
            else:
                self._spare.append(first)
        self._slots = tuple(self._slot(at) for at in locations) if not static else ()
        #: The handler, until the plan tiers up: then its compile hook's handler for this config's
        #: shape (constant parts encoded once), when it has one.
        self._handler = action.handler
        self._shape: Shape | None = None
        parents = {slot.location[:i] for slot in self._slots for i in range(1, len(slot.location))}
        self._copy_order = sorted(parents, key=len)  # containers to copy, outermost first
        self._compiled_fill = self._compile_fill() if self._slots and self._fast is not None else None
        #: The valid path as one generated function (reads, checks, the handler), made when the
        #: plan tiers up (see ``build``); until then, and for anything it declines, the general path.
        self._compiled: Any = None
        self._compile_checks: tuple[Any, Any] | None = None
        if self._slots and self._fast is not None and isinstance(self._template, dict):
            # Each record's verdict, narrowed to what changes per record: field by field when the
            # schema splits so, else the whole check with the constant fields' x- keywords decided.
            split = split_checks(action.schema, self._template, [slot.location for slot in self._slots])
            if split is not None:
                self._fast = split.joined()
            else:
                heads = {slot.location[0] for slot in self._slots}
                constant = frozenset(key for key in self._template if key not in heads)
                self._fast = specialize_fast_check(action.schema, self._template, constant) or self._fast
            if self._compiled_fill is not None and self._fast is not None:
                self._compile_checks = (split.by_key, split.whole) if split is not None else ((), (self._fast,))
        self.problems: tuple[Problem, ...] = tuple(static)
        if static:
            self._fast = None
        #: Generating code costs more than a build: a plan used once (a host's call with its own
        #: config) never pays it; the second build tiers the plan up.
        self._tiered = bool(static)
        self._seen = False

    def __repr__(self) -> str:
        return f"<ActionPlan {self.action.name} templates={len(self._slots)} problems={len(self.problems)}>"

    # -- per record --------------------------------------------------------------------------
    def build(self, *, record: Any = None, context: Mapping[str, Any] | None = None) -> ApiRequest:
        """The request for one record; raises ``InputError`` with every problem."""
        compiled = self._compiled if context is None else None
        if context is None and compiled is None and not self._tiered:
            if self._seen:
                compiled = self._tier_up()
            self._seen = True
        if compiled is not None:
            try:
                request = compiled(record)
            except (TypeError, ValueError):  # a value the encoder refuses: explained by the general path
                request = None
            if request is not None:
                return request
        request, problems = self._build(_context(record, context))
        if problems:
            raise InputError(problems, action=self.action.name)
        assert request is not None
        return request

    def check(self, *, record: Any = None, context: Mapping[str, Any] | None = None) -> list[Problem]:
        """Every problem with this config for one record (``[]`` when its request can be built)."""
        return self._build(_context(record, context))[1]

    def inputs(self, *, record: Any = None, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The rendered, validated values the handler receives (no request-size check)."""
        ctx = _context(record, context)
        if self._constant is not None:
            return dict(self._constant)
        if not self.problems:
            filled = self._fill(ctx)
            if filled is not None and self._fast is not None and self._fast(filled):
                return filled
        value, problems = self.action.check(self.config, ctx)
        if problems:
            raise InputError(problems, action=self.action.name)
        return dict(value)

    def _build(self, ctx: Mapping[str, Any]) -> tuple[ApiRequest | None, list[Problem]]:
        if self._constant is not None:
            try:
                return self._spare.pop(), []  # list.pop is atomic: no two threads get the same request
            except IndexError:
                if not self._tiered:
                    self._tier_up()
                request = self._handler(self._constant)
            if request.first_problem() is None:
                return request, []
            return self._explain(ctx)
        if not self.problems and self._fast is not None:
            filled = self._compiled_fill(ctx["record"]) if self._compiled_fill is not None and len(ctx) == 1 else None
            if filled is None:
                filled = self._fill(ctx)
            if filled is not None and self._fast(filled):
                try:
                    request = self._handler(filled)
                    if request.first_problem() is None:
                        return request, []
                except (TypeError, ValueError):  # a value the encoder refuses: explained below
                    pass
        return self._explain(ctx)

    def _explain(self, ctx: Mapping[str, Any]) -> tuple[ApiRequest | None, list[Problem]]:
        """The full path: render, validate with every problem explained, build, check the size."""
        value, problems = self.action.check(self.config, ctx)
        if problems:
            return None, problems
        request = self.action.handler(value)
        too_large = self.action.request_problems(request)
        return (None, too_large) if too_large else (request, [])

    # -- compiling -----------------------------------------------------------------------------
    def _tier_up(self) -> Any:
        """The handler compiled for this config's shape and the valid path as one function (None
        when there is none); once, even when two threads get here together (both compile the
        same code, and either result is right)."""
        self._handler = self._compile_handler(tuple(slot.location for slot in self._slots))
        if self._compile_checks is not None:
            by_key, whole = self._compile_checks
            slots = [(slot.location, slot.record_path or (), slot.field) for slot in self._slots]
            self._compiled = compile_build(self._template, slots, fit_value, json_problems, by_key, whole,
                                           self._handler, self._shape.mirrors if self._shape else None)
        self._tiered = True
        return self._compiled

    def _compile_handler(self, locations: tuple[tuple[PathPart, ...], ...]) -> Any:
        """The handler's compile hook for this config's shape; the handler when it has none, or
        when the hook declines the shape."""
        hook = self.action.compile_handler
        if hook is None or not isinstance(self._template, dict) or (locations and self._fast is None):
            return self.action.handler
        self._shape = Shape(self._template, frozenset(locations))
        try:
            compiled = hook(self._shape)
        except (TypeError, ValueError, KeyError):  # a constant the handler itself would refuse
            compiled = None
        return compiled if compiled is not None else self.action.handler

    # -- filling templates -------------------------------------------------------------------
    def _compile_fill(self) -> Any:
        """The generated filling function, when every template reads a record path directly."""
        if any(slot.record_path is None for slot in self._slots):
            return None
        slots = [(slot.location, slot.record_path or (), slot.field) for slot in self._slots]
        return compile_fill(self._template, slots, fit_value, json_problems)

    def _checks_without_jsonschema(self, locations: tuple[tuple[PathPart, ...], ...]) -> bool:
        """Whether the config is sure to have no problem before a record, judged without jinja2 or
        python-jsonschema: every template reads a record path (its syntax is sure), within the
        template size limits, and the compiled validator, blind to the templated values, says yes."""
        if not locations or self._fast is None:
            return False
        texts = [_get(self._template, at) for at in locations]
        if sum(map(len, texts)) > MAX_CONFIG_SOURCE or any(len(t) > MAX_TEMPLATE_SOURCE for t in texts):
            return False
        if any(record_path(text) is None for text in texts):
            return False
        check = static_fast_check(self.action.schema, locations)
        return check is not None and check(self._template)

    def _slot(self, at: tuple[PathPart, ...]) -> _Slot:
        text = _get(self._template, at)
        tree = self.action.tree
        field = tree.field_at(at) if tree.is_field_path(at) else None
        path = record_path(text)
        if path is not None and any(hasattr(dict, part) for part in path):
            path = None  # ``record.items`` is the dict's method to jinja2: let jinja2 read it
        return _Slot(at, text, path, field)

    def _fill(self, ctx: Mapping[str, Any]) -> Any:
        """The config with every template filled, or None when any of them needs the full path.

        Anything unusual (a value needing conversion, a template raising, a number with no text
        form) returns None: the full path then decides and explains, so the verdicts never differ.
        """
        values: dict[tuple[PathPart, ...], Any] = {}
        record = ctx.get("record")
        rendered: list[_Slot] = []
        for slot in self._slots:
            value: Any = _lookup(record, slot.record_path) if slot.record_path else _MISSING
            if value is _MISSING:
                rendered.append(slot)
            elif not self._take(slot, value, values):
                return None
        if rendered:
            from .templating import budget, render_value  # jinja2: only templates that are not record reads

            with budget():  # one template budget per record, as the full path spends it
                for slot in rendered:
                    try:
                        value = render_value(slot.text, ctx)
                    except Exception:
                        return None
                    if not self._take(slot, value, values):
                        return None
        return self._materialize(values)

    @staticmethod
    def _take(slot: _Slot, value: Any, values: dict[tuple[PathPart, ...], Any]) -> bool:
        """Put ``value`` in place as its field takes it; False when only the full path can judge it."""
        kind = type(value)
        if kind is float:
            if not math.isfinite(value):
                return False
        elif kind is str:
            if not value.isascii() and json_problems(value):
                return False  # a lone surrogate
        elif not (kind is int or kind is bool or value is None):
            return False  # dates, decimals, containers: converted by the full path
        if slot.field is not None:
            try:
                value = fit_value(value, slot.field)
            except ValueError:
                return False
        values[slot.location] = value
        return True

    def _materialize(self, values: Mapping[tuple[PathPart, ...], Any]) -> Any:
        """A copy of the template with ``values`` in place: only the containers above a template
        are copied; everything else is shared (handlers never change their inputs)."""
        template = self._template
        root = dict(template) if isinstance(template, dict) else list(template)
        copies: dict[tuple[PathPart, ...], Any] = {(): root}
        for parent in self._copy_order:
            holder = copies[parent[:-1]]
            child = holder[parent[-1]]
            holder[parent[-1]] = copies[parent] = dict(child) if isinstance(child, dict) else list(child)
        for location, value in values.items():
            copies[location[:-1]][location[-1]] = value
        return root


_MISSING = object()


def _lookup(record: Any, path: tuple[str, ...]) -> Any:
    """``record.a.b`` from plain dicts, where jinja2 would read the same item; else ``_MISSING``.

    jinja2 reads ``x.name`` as the attribute first, then the item; a dict's own attributes
    (``record.items``) and private names are left to jinja2 itself.
    """
    value = record
    for part in path:
        if type(value) is not dict or part not in value:
            return _MISSING
        value = value[part]
    return value


def _get(value: Any, at: tuple[PathPart, ...]) -> Any:
    for part in at:
        value = value[part]
    return value


def _context(record: Any, context: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if record is None and context is None:
        return _EMPTY_RECORD
    return {**(context or {}), "record": record if record is not None else {}}
