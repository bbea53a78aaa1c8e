"""The load-time dataclasses (``models``) say exactly what the format's pydantic models (``manifest_format``) say."""

from __future__ import annotations

import dataclasses
import typing

import pytest
from pydantic_core import PydanticUndefined

from cio_connector._util.bundle import bundle_root
from cio_connector.declarative import manifest_format, models
from cio_connector.loader import load_manifests

PAIRS = [
    "Choice",
    "Constraints",
    "DynamicOptions",
    "Field",
    "When",
    "Then",
    "Rule",
    "FieldGroup",
    "ConnectionSpec",
    "ConnectorManifest",
    "ActionManifest",
]


def _default(spec: dataclasses.Field) -> object:
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return PydanticUndefined


@pytest.mark.parametrize("name", PAIRS)
def test_each_dataclass_has_the_format_models_keys_and_defaults(name: str) -> None:
    loaded = getattr(models, name)
    strict = getattr(manifest_format, name)
    ours = {spec.name: _default(spec) for spec in dataclasses.fields(loaded)}
    theirs = {key: info.get_default(call_default_factory=True) for key, info in strict.model_fields.items()}
    assert set(ours) == set(theirs)
    for key, default in ours.items():
        expected = theirs[key]
        if isinstance(expected, manifest_format.ManifestModel):  # e.g. ``constraints: Constraints()``
            assert default == getattr(models, type(expected).__name__)()
        else:
            assert default == expected, key


def test_the_closed_sets_of_values_agree() -> None:
    assert typing.get_args(models.FieldType) == typing.get_args(manifest_format.FieldType)
    for name, key in (("DynamicOptions", "source"), ("Constraints", "format")):
        strict = manifest_format.__dict__[name].model_fields[key].annotation
        loaded = typing.get_type_hints(getattr(models, name))[key]
        assert set(typing.get_args(strict)) - {type(None)} == set(typing.get_args(loaded)) - {type(None)}, name


def test_every_shipped_manifest_round_trips_through_the_compiled_form() -> None:
    compiled = load_manifests(bundle_root())
    for action in compiled.actions.values():
        assert models.model_from_data(models.ActionManifest, models.model_data(action)) == action
    manifest = compiled.manifest
    assert models.model_from_data(models.ConnectorManifest, models.model_data(manifest)) == manifest


def test_a_rule_that_only_requires_a_field_is_represented() -> None:
    then = models.Then(field="to", message="to is required", required=True)
    assert models.model_from_data(models.Then, models.model_data(then)) == then
    assert then.constraints == models.Constraints()
