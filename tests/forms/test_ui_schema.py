"""UI schemas for react-jsonschema-form and JSON Forms, generated from the manifests."""

from __future__ import annotations

import pytest

from cio_connector.forms import (
    config_schema,
    jsonforms_connection_ui_schema,
    jsonforms_ui_schema,
    rjsf_connection_ui_schema,
    rjsf_ui_schema,
    with_options,
)

ACTIONS = [
    "upsert_customer", "delete_customer", "add_customer_to_segment", "remove_customer_from_segment", "track_event", "track_page",
]


def _schema(connector, action):
    return config_schema(connector.manifest, connector.action(action).manifest)


@pytest.mark.parametrize("action", ACTIONS)
def test_rjsf_orders_every_field_and_labels_every_anyof_branch(connector, action):
    ui, schema = rjsf_ui_schema(connector, action), _schema(connector, action)
    assert ui["ui:order"] == list(schema["properties"])
    for key, prop in schema["properties"].items():
        if "anyOf" in prop:
            titles = [branch["ui:title"] for branch in ui[key]["anyOf"]]
            assert titles == [branch["title"] for branch in prop["anyOf"]]
            assert titles[-1] == "Template" and ui[key]["anyOf"][-1]["ui:placeholder"].startswith("{{ record.")
            assert "ui:help" in ui[key]


def test_rjsf_segment_is_a_select_filled_from_the_options_source(connector):
    value = rjsf_ui_schema(connector, "add_customer_to_segment")["segment"]["anyOf"][0]
    assert value["ui:widget"] == "select"
    assert value["ui:options"]["optionsSource"] == {
        "source": "segments", "filter": {"type": "manual"}, "route": "options/add_customer_to_segment/segment",
    }


def test_rjsf_connection_masks_secrets_and_hides_advanced_fields(connector):
    ui = rjsf_connection_ui_schema(connector)
    assert {key for key, value in ui.items() if isinstance(value, dict) and value.get("ui:widget") == "password"} == {
        "app_api_key", "track_api_key",
    }
    assert ui["endpoints"] == {"ui:widget": "hidden"}


@pytest.mark.parametrize("action", ACTIONS)
def test_jsonforms_has_one_control_per_field_in_order(connector, action):
    ui, schema = jsonforms_ui_schema(connector, action), _schema(connector, action)
    assert ui["type"] == "VerticalLayout"
    controls = [e["scope"] for e in ui["elements"] if e["type"] == "Control"]
    assert controls == [f"#/properties/{key}" for key in schema["properties"]]


@pytest.mark.parametrize("action", [a for a in ACTIONS if "customer" in a and "track" not in a])
def test_jsonforms_shows_the_hint_of_the_chosen_matching_field(connector, action):
    hints = [e for e in jsonforms_ui_schema(connector, action)["elements"] if e["type"] == "Label"]
    rules = _schema(connector, action)["allOf"]
    keyed_on = [r["if"]["properties"]["matching_field"]["const"] for r in rules]
    assert [h["rule"]["condition"]["schema"]["const"] for h in hints] == keyed_on
    assert all(h["rule"]["effect"] == "SHOW" and h["rule"]["condition"]["scope"] == "#/properties/matching_field" for h in hints)
    assert hints[0]["text"] == "Matching Value must be an email address when Matching Field Name is Email"


def test_jsonforms_connection_masks_secrets_and_hides_endpoints(connector):
    elements = {e["scope"]: e for e in jsonforms_connection_ui_schema(connector)["elements"]}
    assert elements["#/properties/app_api_key"]["options"]["format"] == "password"
    assert elements["#/properties/endpoints"]["rule"]["effect"] == "HIDE"
    assert "rule" not in elements["#/properties/region"]


def test_with_options_offers_labelled_choices_in_the_value_branch_only(connector):
    schema = _schema(connector, "add_customer_to_segment")
    filled = with_options(schema, "segment", [{"value": 2, "label": "Beta testers"}])
    value, template = filled["properties"]["segment"]["anyOf"]
    assert value["oneOf"] == [{"const": 2, "title": "Beta testers"}] and "oneOf" not in template
    assert "oneOf" not in schema["properties"]["segment"]["anyOf"][0]  # the original is left alone
    assert with_options(schema, "segment", []) == schema
