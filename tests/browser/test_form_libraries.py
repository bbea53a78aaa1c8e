"""react-jsonschema-form 6 and JSON Forms 3 (vanilla) render every action's config schema with our UI schemas."""

from __future__ import annotations

import json
import re

import pytest

from cio_connector.forms import jsonforms_connection_ui_schema, jsonforms_ui_schema, rjsf_connection_ui_schema, rjsf_ui_schema
from cio_connector.forms.ui_schema import with_options

from .conftest import HERE, SCHEMAS

ACTIONS = sorted(p.stem for p in (SCHEMAS / "config").glob("*.json"))

SELECTS = """() => Object.fromEntries([...document.querySelectorAll('#rjsf select')]
    .map(s => [s.id, [...s.options].map(o => o.textContent)]))"""
JSONFORMS_SELECTS = """() => [...document.querySelectorAll('#jsonforms select')]
    .map(s => [...s.options].map(o => o.label || o.textContent))"""
CONTROLS = "() => [...document.querySelectorAll('#jsonforms .control')].map(c => c.id)"


@pytest.fixture(scope="module")
def harness(browser, harness_bundle):
    """One page for the module (loading the bundle is most of the time); each render remounts both forms."""
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda message: page.console_messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: page.console_messages.append(f"pageerror: {error}"))
    page.goto((HERE / "harness.html").as_uri())
    page.add_script_tag(path=str(harness_bundle))
    yield page
    context.close()


def _render(page, schema, rjsf_ui, jsonforms_ui, data):
    args = {"schema": schema, "rjsfUi": rjsf_ui, "jsonformsUi": jsonforms_ui, "formData": data}
    page.evaluate("args => renderForms(args)", args)
    page.wait_for_function("() => document.querySelector('#rjsf form') && document.querySelector('#jsonforms .control')")


@pytest.mark.parametrize("action", ACTIONS)
def test_every_field_renders_with_labelled_dropdowns(action, harness, connector, forms_site, output_dir):
    schema = json.loads((SCHEMAS / "config" / f"{action}.json").read_text())
    fields = connector.action(action).manifest.fields
    live = {}  # the live choices (manual segments, object types, transactional messages), as a host fills them
    for field in (f for f in fields if f.options):
        live[field.key] = connector.options(action, field.key, forms_site.sandbox.connection())
        schema = with_options(schema, field.key, live[field.key])
    data = {"matching_field": "email"} if "matching_field" in schema["properties"] else {}
    _render(harness, schema, rjsf_ui_schema(connector, action), jsonforms_ui_schema(connector, action), data)
    harness.screenshot(path=str(output_dir / f"libraries-{action}.png"), full_page=True)

    selects = harness.evaluate(SELECTS)
    for f in fields:  # every field: an input or a branch choice in RJSF, a control in JSON Forms
        assert harness.locator(f"#rjsf [id^='root_{f.key}']").count() >= 1, f.key
    controls = [re.sub(r"[0-9]+$", "", c) for c in harness.evaluate(CONTROLS)]  # JSON Forms numbers repeated ids
    assert controls == [f"#/properties/{f.key}" for f in fields]
    assert "No applicable" not in harness.inner_text("#jsonforms")
    for key, labels in selects.items():
        assert not any(label.startswith("Option ") for label in labels), (key, labels)
    if "matching_field" in schema["properties"]:
        # required without a default: a blank "choose one" entry first, then the labelled choices
        assert selects["root_matching_field"] == ["", "External ID", "Email", "CIO ID"]
        assert selects["root_matching_value__anyof_select"] == ["Value", "Template"]
        assert harness.evaluate(JSONFORMS_SELECTS)[0][-3:] == ["External ID", "Email", "CIO ID"]
        # The JSON Forms hint for the chosen matching field, and only that one.
        assert "must be an email address" in harness.inner_text("#jsonforms")
        assert "must be a CIO ID" not in harness.inner_text("#jsonforms")
    if "timestamp" in schema["properties"]:
        assert selects["root_timestamp__anyof_select"] == ["Unix seconds", "ISO-8601 date-time", "Template"]
    if "mappings" in schema["properties"]:  # free-form attributes: RJSF offers to add entries
        assert harness.locator("#rjsf fieldset#root_mappings button.btn-add").count() == 1
    for key, options in live.items():
        assert selects[f"root_{key}"][1:] == [o["label"] for o in options]
        assert len(options) == {"segment": 3, "object_type_id": 2, "transactional_message_id": 4}[key]
    assert not [m for m in harness.console_messages if "error" in m or "No resolver" in m]


def test_connection_form_masks_secrets_and_hides_sandbox_endpoints(harness, connector, output_dir):
    schema = json.loads((SCHEMAS / "connection.json").read_text())
    _render(harness, schema, rjsf_connection_ui_schema(connector), jsonforms_connection_ui_schema(connector), {"region": "us"})
    harness.screenshot(path=str(output_dir / "libraries-connection.png"), full_page=True)
    for form in ("#rjsf", "#jsonforms"):
        assert harness.locator(f"{form} input[type=password]").count() == 2
        assert "Custom endpoints" not in harness.inner_text(form)
    assert harness.evaluate(SELECTS)["root_region"] == ["", "US", "EU"]  # required, no default: a blank entry first


def test_rjsf_validation_refuses_a_concrete_bad_value_and_takes_a_template(harness):
    schema = json.loads((SCHEMAS / "config" / "upsert_customer.json").read_text())
    def check(matching_field, matching_value):
        data = {"matching_field": matching_field, "matching_value": matching_value}
        return harness.evaluate("args => validateWithRjsf(args.schema, args.data)", {"schema": schema, "data": data})

    bad, good, too_long = check("email", "not-an-email"), check("email", "{{ record.email }}"), check("id", "é" * 76)
    assert bad and good == []
    assert any("x-maxBytes" in e or "bytes" in e for e in too_long), too_long
