"""A loaded action: its manifest, generated schema and handler, and the checks that use them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..declarative.fastcheck import FastCheck, compile_fast_check
from ..declarative.models import ActionManifest
from ..errors import Problem
from .fields import FieldTree, check_config
from .registry import Handler
from .request import ApiRequest

if TYPE_CHECKING:
    from ..declarative.validation import SchemaChecker
    from .splice import Compiler

__all__ = ["Action"]


@dataclass(frozen=True)
class Action:
    manifest: ActionManifest
    schema: Mapping[str, Any]
    handler: Handler
    #: As the handler declares them (``@handler``): what hosts, tools and docs show.
    idempotent: bool = True
    destructive: bool = False
    #: The handler's compile hook (``@handler(compile=...)``): the handler for one config's shape.
    compile_handler: Compiler | None = field(default=None, compare=False)
    tree: FieldTree = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tree", FieldTree(self.manifest.fields))

    @cached_property
    def checker(self) -> SchemaChecker:
        """The full checker, which explains every problem (jsonschema is imported on first use)."""
        from ..declarative.validation import SchemaChecker

        return SchemaChecker(self.schema, label_for=self.tree.label_for, is_secret=self.tree.is_secret)

    @property
    def name(self) -> str:
        return self.manifest.name

    def check(self, config: Any, context: Mapping[str, Any] | None) -> tuple[Any, list[Problem]]:
        """The full path: render ``config`` against ``context`` and explain every problem."""
        return check_config(self.checker, self.tree, config, context)

    @cached_property
    def fast_check(self) -> FastCheck | None:
        """The compiled yes/no validator (compiled on first use: it costs milliseconds)."""
        return compile_fast_check(self.schema)

    def request_problems(self, request: ApiRequest) -> list[Problem]:
        """What the built request shows (a body over what its endpoint accepts, a time too far
        ahead), each labelled with the field it came from."""
        found = list(request.problems) or [p for p in (request.size_problem(),) if p is not None]
        return [replace(problem, label=self.tree.label_for(problem.location)) for problem in found]
