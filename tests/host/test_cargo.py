"""The IntegrationManifest is generated from our manifests and has the contract's shape and forms."""

from __future__ import annotations

import jsonschema
import pytest

from cio_connector.facts import TRACK_REQUESTS_PER_SECOND
from cio_connector.host.cargo import (
    AUTOCOMPLETE_WIDGET,
    EXPRESSION_REF,
    EXPRESSION_WIDGET,
    cargo_manifest,
    coerce_config,
    option_field,
)

from .conftest import CONFIGS, MANIFEST_SCHEMA


@pytest.fixture(scope="module")
def manifest(connector) -> dict:
    return cargo_manifest(connector).model_dump(exclude_none=True)


def test_the_manifest_has_the_contract_shape(manifest):
    jsonschema.Draft202012Validator.check_schema(MANIFEST_SCHEMA)
    errors = sorted(jsonschema.Draft202012Validator(MANIFEST_SCHEMA).iter_errors(manifest), key=str)
    assert errors == []


def test_the_schema_of_the_contract_refuses_what_the_contract_refuses(manifest):
    validator = jsonschema.Draft202012Validator(MANIFEST_SCHEMA)
    broken = {**manifest, "actions": {"upsert_customer": {"name": "x", "description": "y"}}}
    assert any("'config' is a required property" in e.message for e in validator.iter_errors(broken))
    assert not validator.is_valid({**manifest, "connector": {"config": {"jsonSchema": {}}}})
    assert not validator.is_valid({**manifest, "connector": {**manifest["connector"], "rateLimit": {"unit": "week", "max": 1}}})
    assert not validator.is_valid({**manifest, "icon": "https://example.com/icon.png"})


def test_every_action_is_keyed_by_its_name_with_its_title(manifest, connector):
    assert list(manifest["actions"]) == list(connector.actions)
    for name, entry in manifest["actions"].items():
        assert entry["name"] == connector.actions[name].manifest.title
        assert entry["config"]["jsonSchema"]["required"] == connector.actions[name].schema["required"]


def test_the_connection_form_labels_the_region_and_hides_secrets_and_endpoints(manifest):
    form = manifest["connector"]["config"]
    region = form["jsonSchema"]["properties"]["region"]
    assert region["type"] == "string" and region["oneOf"] == [{"const": "us", "title": "US"}, {"const": "eu", "title": "EU"}]
    for secret in ("app_api_key", "track_api_key"):
        assert form["uiSchema"][secret] == {"ui:widget": "password"}
        assert form["jsonSchema"]["properties"][secret]["writeOnly"] is True
    assert "ui:widget" not in form["uiSchema"].get("site_id", {})
    endpoints = form["uiSchema"]["endpoints"]
    assert endpoints["ui:widget"] == "hidden" and endpoints["ui:options"] == {"advanced": True}
    assert endpoints["track"] == endpoints["app"] == {"ui:widget": "hidden"}
    assert form["uiSchema"]["ui:order"] == ["region", "app_api_key", "site_id", "track_api_key", "endpoints"]
    assert "$schema" not in form["jsonSchema"] and "$id" not in form["jsonSchema"]


@pytest.mark.parametrize("action", ["add_customer_to_segment", "remove_customer_from_segment"])
def test_the_segment_is_an_autocomplete_of_manual_segments(manifest, action):
    form = manifest["actions"][action]["config"]
    assert form["uiSchema"]["segment"] == {
        "ui:widget": AUTOCOMPLETE_WIDGET,
        "ui:options": {"slug": "segments", "params": {"type": "manual"}},
    }
    # Cargo's autocomplete values are strings: the form takes the id as digits
    assert form["jsonSchema"]["properties"]["segment"]["type"] == "string"
    (entry,) = [a for a in manifest["autocompletes"] if a["slug"] == "segments"]
    params = entry["params"]["jsonSchema"]
    assert jsonschema.Draft202012Validator(params).is_valid({"type": "manual"})
    assert not jsonschema.Draft202012Validator(params).is_valid({"type": "dynamic"})
    assert entry["cacheExpirationInSeconds"] == 60


def test_the_matching_field_is_a_labelled_dropdown(manifest):
    form = manifest["actions"]["upsert_customer"]["config"]
    field = form["jsonSchema"]["properties"]["matching_field"]
    assert field["oneOf"] == [
        {"const": "id", "title": "External ID"},
        {"const": "email", "title": "Email"},
        {"const": "cio_id", "title": "CIO ID"},
    ]
    assert form["uiSchema"]["matching_field"] == {"ui:widget": "select"}


def test_values_from_workflow_data_are_expressions_and_their_rules_are_checked_at_execute(manifest):
    form = manifest["actions"]["upsert_customer"]["config"]
    assert form["jsonSchema"]["properties"]["matching_value"] == {
        "$ref": EXPRESSION_REF,
        "title": "Matching Value",
        "description": "The value to identify the customer.",
    }
    assert form["uiSchema"]["matching_value"] == {"ui:widget": EXPRESSION_WIDGET}
    # "must be an email when Email" would judge the expression, not its value: not in the form
    assert "allOf" not in form["jsonSchema"]
    mappings = form["jsonSchema"]["properties"]["mappings"]
    assert mappings["additionalProperties"] == {"$ref": EXPRESSION_REF}
    assert form["uiSchema"]["mappings"] == {"additionalProperties": {"ui:widget": EXPRESSION_WIDGET}}
    page = manifest["actions"]["track_page"]["config"]
    assert page["uiSchema"]["page_url"] == {"ui:widget": EXPRESSION_WIDGET}


def test_limits_come_from_customerio_published_limits(manifest, connector):
    assert manifest["connector"]["rateLimit"] == {"unit": "second", "max": TRACK_REQUESTS_PER_SECOND}
    # the connector-wide limit is the Track API's: most actions send to Track, and the App API's
    # sends (100/s) are limited by Customer.io apart, which a host's one connector-wide limit cannot say
    apis = {name: connector.build_request(name, coerce_config(connector, name, config)).api for name, config in CONFIGS.items()}
    assert {name for name, api in apis.items() if api == "app"} == {
        "send_transactional_email", "send_transactional_sms", "send_transactional_push"}
    for name, entry in manifest["actions"].items():
        if connector.actions[name].idempotent:
            assert entry["retry"]["maximumAttempts"] >= 1 and entry["retry"]["backoffCoefficient"] >= 1
        else:  # a send, a merge or an event without an id that may have landed is not tried again
            assert entry["retry"] == {"maximumAttempts": 1}


def test_autocomplete_values_become_integers_again_only_where_the_field_is_an_integer(connector):
    config = {"matching_field": "id", "matching_value": "42", "segment": "7"}
    assert coerce_config(connector, "add_customer_to_segment", config) == {**config, "segment": 7}
    assert coerce_config(connector, "add_customer_to_segment", {**config, "segment": "0"})["segment"] == 0  # then "must be >= 1"
    assert coerce_config(connector, "add_customer_to_segment", {**config, "segment": "-1"})["segment"] == "-1"
    assert coerce_config(connector, "add_customer_to_segment", {**config, "segment": "1\n"})["segment"] == "1\n"
    assert coerce_config(connector, "upsert_customer", config) == config
    assert coerce_config(connector, "no_such_action", config) == config


def test_an_autocomplete_request_names_its_field(connector):
    found = option_field(connector, "segments", {"type": "manual"})
    assert found is not None and found.field == "segment"
    assert option_field(connector, "segments", {"type": "dynamic"}) is None
    assert option_field(connector, "people", {}) is None
