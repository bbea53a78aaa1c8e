"""What a manifest may say, written once: strict pydantic models whose constraints the meta-schemas are rendered from.

``meta_schema.meta_schema_files`` turns these models into ``schemas/*-manifest.schema.json``; the
loader checks a file against the committed meta-schema (fast, positioned messages), then parses it
with these models. A test feeds both the same manifests and fails when their verdicts differ.

What JSON Schema says beside a model and pydantic cannot read off a type (a conditional such as
"only a field of type enum may have choices") is written twice, side by side: the schema words in
``meta_extra`` and the same rule in a validator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, GetCoreSchemaHandler, Tag, model_validator
from pydantic import Field as PydanticField
from pydantic_core import core_schema

from ..facts import REGIONS, RegionHosts
from .patterns import ecma_regex

__all__ = [
    "NAME_PATTERN",
    "ActionFile",
    "ActionManifest",
    "Choice",
    "ConnectionSpec",
    "ConnectorFile",
    "ConnectorManifest",
    "Constraints",
    "DynamicOptions",
    "Field",
    "FieldGroup",
    "FieldOrUse",
    "FieldType",
    "FieldUse",
    "ManifestModel",
    "Matches",
    "Rule",
    "Then",
    "When",
]

NAME_PATTERN = "^[a-z][a-z0-9_]*$"
VERSION_PATTERN = r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$"


@dataclass(frozen=True)
class Matches:
    """A string matching ``pattern`` as the meta-schema check reads it (ECMA-262: ``\\d`` is 0-9 only)."""

    pattern: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        regex, pattern = ecma_regex(self.pattern), self.pattern

        def check(value: str) -> str:
            if not regex.search(value):
                raise ValueError(f"does not match the pattern {pattern}")
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))


#: An identifier: action names, field keys, group names.
Name = Annotated[str, Matches(NAME_PATTERN)]
#: Text a person reads, never empty.
Text = Annotated[str, PydanticField(min_length=1)]

FieldType = Literal[
    "string", "integer", "number", "boolean", "attributes", "datetime", "url", "email", "enum", "object"
]


_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)
#: For the models of a whole file, which loading never uses (it checks the meta-schema, then parses
#: the manifest models): built when first used, so they add nothing to ``load_connector()``.
_FILE = ConfigDict(**_STRICT, defer_build=True)


class ManifestModel(BaseModel):
    """Strict and frozen; a key the file leaves out is absent, never ``null``."""

    model_config = _STRICT

    #: The name under the meta-schema's ``$defs`` (None: written inline where used).
    meta_def: ClassVar[str | None] = None
    #: The meta-schema's description of the object.
    meta_description: ClassVar[str | None] = None
    #: Keywords the meta-schema adds after ``properties`` (each mirrored by a validator below).
    meta_extra: ClassVar[dict[str, Any]] = {}

    @model_validator(mode="after")
    def _null_is_not_absent(self) -> Self:
        """JSON Schema refuses ``null`` where it names a type; a key left out is how to say "none"."""
        for key in self.model_fields_set:
            if getattr(self, key) is None and type(self).model_fields[key].annotation is not Any:
                raise ValueError(f"{key}: must not be null")
        return self


def _integral(value: Any) -> Any:
    """JSON Schema counts 2.0 as an integer; so do the models."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


#: An integer as JSON Schema reads one (2.0 included; never true or false).
Int = Annotated[int, BeforeValidator(_integral)]
#: A choice's value.
ChoiceValue = Annotated[str | int, BeforeValidator(_integral)]
#: A value a rule or a filter compares with.
Scalar = Annotated[str | int | bool, BeforeValidator(_integral)]


class Choice(ManifestModel):
    meta_def: ClassVar[str | None] = "choice"

    value: ChoiceValue
    label: Text
    description: str | None = None


class Constraints(ManifestModel):
    model_config = ConfigDict(**_STRICT, allow_inf_nan=False)
    meta_def: ClassVar[str | None] = "constraints"
    meta_description: ClassVar[str | None] = (
        "Value constraints; byte limits count UTF-8 bytes (strings) or compact JSON bytes (other values)."
    )
    meta_extra: ClassVar[dict[str, Any]] = {"dependentRequired": {"pattern_message": ["pattern"]}}

    min_length: Int | None = PydanticField(default=None, ge=0)
    max_length: Int | None = PydanticField(default=None, ge=1)
    max_bytes: Int | None = PydanticField(default=None, ge=1)
    pattern: str | None = PydanticField(default=None, json_schema_extra={"format": "regex"})
    pattern_message: Text | None = None
    format: Literal["email", "date-time", "uri"] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_properties: Int | None = PydanticField(default=None, ge=1)
    key_max_bytes: Int | None = PydanticField(default=None, ge=1)
    value_max_bytes: Int | None = PydanticField(default=None, ge=1)

    @model_validator(mode="after")
    def _message_needs_pattern(self) -> Constraints:
        if "pattern_message" in self.model_fields_set and "pattern" not in self.model_fields_set:
            raise ValueError("pattern_message needs 'pattern' as well")
        return self


class DynamicOptions(ManifestModel):
    meta_def: ClassVar[str | None] = "dynamic_options"
    meta_description: ClassVar[str | None] = "Choices fetched at run time from the connected workspace."

    source: Literal["segments", "object_types", "transactional_messages"]
    filter: dict[str, Scalar] = PydanticField(default_factory=dict)


def _only_for(kind: str, key: str) -> dict[str, Any]:
    """A field of type ``kind`` needs ``key``; any other type may not have it."""
    return {
        "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
        "then": {"required": [key]},
        "else": {"properties": {key: {"not": {}, "x-message": f"only a field of type {kind} may have {key}"}}},
    }


class Field(ManifestModel):
    meta_def: ClassVar[str | None] = "field"
    meta_extra: ClassVar[dict[str, Any]] = {"allOf": [_only_for("enum", "choices"), _only_for("object", "fields")]}

    key: Name = PydanticField(description="The name the config stores the value under.")
    label: Text
    type: FieldType
    description: str | None = None
    placeholder: str | None = None
    required: bool = False
    secret: bool = PydanticField(default=False, description="Never echoed; rendered as a password input (writeOnly).")
    advanced: bool = PydanticField(default=False, description="Hidden behind an 'advanced' toggle in forms.")
    default: Any = None
    choices: tuple[Choice, ...] | None = PydanticField(default=None, min_length=1)
    constraints: Constraints = Constraints()
    options: DynamicOptions | None = None
    fields: tuple[Field, ...] | None = PydanticField(default=None, min_length=1)

    @model_validator(mode="after")
    def _kind_decides_choices_and_fields(self) -> Field:
        for kind, key in (("enum", "choices"), ("object", "fields")):
            given = key in self.model_fields_set
            if self.type == kind and not given:
                raise ValueError(f"{key}: is required")
            if self.type != kind and given:
                raise ValueError(f"{key}: only a field of type {kind} may have {key}")
        return self


class FieldUse(ManifestModel):
    """``use: <group>`` in an action's fields: the group's fields, expanded in place at load."""

    model_config = _FILE

    use: Name = PydanticField(description="A field group of connector.yaml.")


def _field_or_use(value: Any) -> str:
    return "use" if isinstance(value, dict) and "use" in value else "field"


#: An action file's ``fields`` entry: with a ``use`` key a group reference, otherwise a field.
FieldOrUse = Annotated[
    Annotated[FieldUse, Tag("use")] | Annotated[Field, Tag("field")], Discriminator(_field_or_use)
]


class When(ManifestModel):
    field: str
    equals: Scalar


class Then(ManifestModel):
    meta_extra: ClassVar[dict[str, Any]] = {
        "anyOf": [{"required": ["constraints"]}, {"required": ["required"], "properties": {"required": {"const": True}}}]
    }

    field: str
    constraints: Constraints = Constraints()
    #: The field must be given when the rule applies (``to`` of an email unless matched by email).
    required: bool = PydanticField(
        default=False, description="The field must be given (a rule can require what the field alone leaves optional)."
    )
    message: Text

    @model_validator(mode="after")
    def _constrains_or_requires(self) -> Then:
        if "constraints" not in self.model_fields_set and not self.required:
            raise ValueError("a rule's then needs constraints, or required: true")
        return self


class Rule(ManifestModel):
    meta_def: ClassVar[str | None] = "rule"
    meta_description: ClassVar[str | None] = (
        "A cross-field rule: when one field has a value, another must meet extra constraints or be given."
    )

    when: When
    then: Then


class FieldGroup(ManifestModel):
    description: str | None = None
    fields: tuple[Field, ...] = PydanticField(min_length=1)
    rules: tuple[Rule, ...] = ()


class ConnectionSpec(ManifestModel):
    fields: tuple[Field, ...] = PydanticField(min_length=1)


class ConnectorFile(ManifestModel):
    """What connector.yaml may say: identity, connection fields, shared field groups, actions."""

    model_config = _FILE
    meta_description: ClassVar[str | None] = __doc__

    id: Name
    name: Text
    version: Annotated[str, Matches(VERSION_PATTERN)]
    description: Text
    connection: ConnectionSpec
    field_groups: dict[Name, FieldGroup] = PydanticField(default_factory=dict)
    actions: tuple[Name, ...] = PydanticField(min_length=1, json_schema_extra={"uniqueItems": True})

    @model_validator(mode="after")
    def _actions_listed_once(self) -> ConnectorFile:
        if len(set(self.actions)) != len(self.actions):
            raise ValueError("actions: has non-unique elements")
        return self


class ConnectorManifest(ConnectorFile):
    """connector.yaml as loaded: the file and where it came from."""

    model_config = ConfigDict(**_STRICT, defer_build=False)
    source: str = ""

    @property
    def regions(self) -> Mapping[str, RegionHosts]:
        """Customer.io's data centers and their hosts: facts, not manifest data (``facts.REGIONS``)."""
        return REGIONS


class ActionFile(ManifestModel):
    """What an actions/*.yaml file may say. Field keys become config keys; the generated input schema
    lives in schemas/actions/."""

    model_config = _FILE
    meta_description: ClassVar[str | None] = __doc__

    name: Name
    title: Text
    description: Text
    fields: tuple[FieldOrUse, ...] = PydanticField(min_length=1)
    rules: tuple[Rule, ...] = ()


class ActionManifest(ManifestModel):
    """An action with its field groups expanded in place (``use: matching`` -> the two fields)."""

    name: Name
    title: Text
    description: Text
    fields: tuple[Field, ...] = PydanticField(min_length=1)
    rules: tuple[Rule, ...] = ()
    source: str = ""

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)
