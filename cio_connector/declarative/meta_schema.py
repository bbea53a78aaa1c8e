"""The manifest meta-schemas, rendered from the models of ``manifest_format`` (committed under schemas/)."""

from __future__ import annotations

import json
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic.fields import FieldInfo

from .manifest_format import (
    ActionFile,
    Choice,
    ConnectorFile,
    Constraints,
    DynamicOptions,
    Field,
    FieldOrUse,
    ManifestModel,
    Rule,
)
from .schema import DRAFT

__all__ = ["ACTION_META", "CONNECTOR_META", "META_FILES", "meta_schema_files", "meta_schema_texts", "meta_uri"]

ACTION_META = "action-manifest.schema.json"
CONNECTOR_META = "connector-manifest.schema.json"
META_FILES = (ACTION_META, CONNECTOR_META)

#: ``$defs`` of the action meta-schema, in the order they are written.
_DEFS: tuple[Any, ...] = (Field, FieldOrUse, Choice, Constraints, DynamicOptions, Rule)
_FIELD_OR_USE = "field_or_use"
_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def meta_uri(name: str) -> str:
    return f"https://cio-connector.local/schemas/{name}"


def meta_schema_files() -> dict[str, dict[str, Any]]:
    """Both meta-schemas by file name. The connector's refers to the action's ``$defs``."""
    action = _Renderer("#/$defs/")
    action_body = action.model(ActionFile)
    defs = {_def_name(kind): action.defs[_def_name(kind)] for kind in _DEFS}
    connector_body = _Renderer(f"{ACTION_META}#/$defs/").model(ConnectorFile)
    return {
        ACTION_META: {**_head(ACTION_META, "action", action_body), "$defs": defs},
        CONNECTOR_META: _head(CONNECTOR_META, "connector", connector_body),
    }


def meta_schema_texts() -> dict[str, str]:
    """Both meta-schemas as the exact text ``cio-connector schemas`` commits."""
    return {name: json.dumps(doc, indent=2, ensure_ascii=False) + "\n" for name, doc in meta_schema_files().items()}


def _head(name: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "$id": meta_uri(name),
        "title": f"cio-connector {kind} manifest",
        "description": body.pop("description"),
        **body,
    }


def _def_name(kind: Any) -> str:
    return _FIELD_OR_USE if kind is FieldOrUse else kind.meta_def


class _Renderer:
    """Walks model fields into JSON Schema; models with a ``meta_def`` become ``$ref``s to ``$defs``."""

    def __init__(self, ref_base: str) -> None:
        self.ref_base = ref_base
        self.defs: dict[str, dict[str, Any]] = {}

    def model(self, model: type[ManifestModel]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "additionalProperties": False}
        required = [name for name, info in model.model_fields.items() if info.is_required()]
        if required:
            schema["required"] = required
        if model.meta_description:
            schema["description"] = " ".join(model.meta_description.split())
        schema["properties"] = {name: self.field(info) for name, info in model.model_fields.items()}
        return {**schema, **model.meta_extra}

    def field(self, info: FieldInfo) -> dict[str, Any]:
        schema = self.annotation(info.annotation, info.metadata)
        if isinstance(info.json_schema_extra, dict):
            schema.update(info.json_schema_extra)
        if "items" in schema:  # after the array's own keywords, as a reader looks for them
            schema["items"] = schema.pop("items")
        if info.description:
            schema["description"] = info.description
        return schema

    def annotation(self, annotation: Any, metadata: list[Any] = ()) -> dict[str, Any]:  # type: ignore[assignment]
        origin, args = get_origin(annotation), get_args(annotation)
        if annotation is FieldOrUse:
            return self.ref(FieldOrUse)
        if origin is Annotated:
            return self.annotation(args[0], [*args[1:], *metadata])
        if origin in (Union, types.UnionType):
            present = [arg for arg in args if arg is not type(None)]  # absent, never null
            if len(present) > 1:
                return _constrained({"type": [_SCALARS[arg] for arg in present]}, metadata)
            return self.annotation(present[0], metadata)
        if annotation is Any:
            return {}
        if origin is Literal:
            return {"enum": list(args)}
        if annotation in _SCALARS:
            return _constrained({"type": _SCALARS[annotation]}, metadata)
        if origin is tuple:
            return {**_constrained({"type": "array"}, metadata, items=True), "items": self.annotation(args[0])}
        if origin is dict:
            schema: dict[str, Any] = {"type": "object"}
            names = self.annotation(args[0])
            names.pop("type")
            if names:
                schema["propertyNames"] = names
            return {**schema, "additionalProperties": self.annotation(args[1])}
        if isinstance(annotation, type) and issubclass(annotation, ManifestModel):
            return self.ref(annotation) if annotation.meta_def else self.model(annotation)
        raise TypeError(f"no meta-schema for {annotation!r}")

    def ref(self, kind: Any) -> dict[str, Any]:
        name = _def_name(kind)
        if name not in self.defs:
            self.defs[name] = {}  # a recursive reference finds it while it is written
            self.defs[name] = self.field_or_use() if kind is FieldOrUse else self.model(kind)
        return {"$ref": f"{self.ref_base}{name}"}

    def field_or_use(self) -> dict[str, Any]:
        """``use: <group>`` when the key is there, else a field: keyed, so errors blame the right branch."""
        use, field = (get_args(tagged)[0] for tagged in get_args(get_args(FieldOrUse)[0]))
        then = self.model(use)
        then.pop("required")  # the ``if`` already requires it
        return {"if": {"type": "object", "required": ["use"]}, "then": then, "else": self.ref(field)}


def _constrained(schema: dict[str, Any], metadata: list[Any], *, items: bool = False) -> dict[str, Any]:
    for item in metadata:
        if isinstance(item, annotated_types.MinLen):
            schema["minItems" if items else "minLength"] = item.min_length
        elif isinstance(item, annotated_types.Ge):
            schema["minimum"] = item.ge
        elif getattr(item, "pattern", None) is not None:
            schema["pattern"] = item.pattern
        elif isinstance(item, FieldInfo):
            _constrained(schema, item.metadata, items=items)
    return schema
