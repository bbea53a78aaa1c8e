"""The form page in headless Chromium: fill, see each problem beside its field, then the sandbox change."""

from __future__ import annotations

import json

from cio_connector.sandbox.config import SegmentSeed


def _open(page, site, action):
    page.goto(f"{site.url}/forms?action={action}")
    page.wait_for_selector("#form")


def _run(page):
    page.click("#submit")
    page.wait_for_function("() => document.querySelector('.error:not(:empty)') || !document.getElementById('outcome').hidden")


def test_upsert_shows_the_field_error_then_a_dry_run_then_the_change(page, forms_site, output_dir):
    _open(page, forms_site, "upsert_customer")
    page.select_option("#in-matching_field", "email")
    assert page.is_visible("#field-matching_value .hint[data-when=email]")  # the hint for the chosen field
    page.fill("#in-matching_value", "not-an-email")
    page.fill("#in-mappings", json.dumps({"plan": "{{ record.plan }}"}))
    page.fill("#in-__record", json.dumps({"plan": "pro"}))
    _run(page)
    page.screenshot(path=str(output_dir / "page-upsert-invalid.png"), full_page=True)
    assert page.inner_text("#error-matching_value") == "must be an email address when Matching Field Name is Email"
    assert "invalid" in page.get_attribute("#field-matching_value", "class")
    assert page.inner_text("#error-mappings") == ""

    page.fill("#in-matching_value", "ada@example.com")
    _run(page)
    assert page.get_attribute("#outcome", "data-state") == "dry-run"
    assert '"plan": "pro"' in page.inner_text("#outcome-body")
    assert forms_site.sandbox.state.find("ada@example.com") is None  # a dry run sends nothing

    page.check("#send")
    _run(page)
    page.wait_for_selector("#outcome[data-state=sent]")
    page.screenshot(path=str(output_dir / "page-upsert-sent.png"), full_page=True)
    assert page.inner_text("#error-matching_value") == ""
    assert forms_site.sandbox.state.find("ada@example.com")["attributes"] == {"plan": "pro"}


def test_add_to_segment_picks_from_the_live_manual_segments(page, forms_site, output_dir):
    forms_site.sandbox.state.add_segments([SegmentSeed("Newsletter readers", "manual", 42)])
    forms_site.connector.options_cache.clear()
    forms_site.connector.execute(
        "upsert_customer", {"matching_field": "id", "matching_value": "user-7"}, _connection(forms_site)
    )
    _open(page, forms_site, "add_customer_to_segment")
    page.wait_for_selector("#in-segment[data-loaded]")
    labels = page.eval_on_selector_all("#in-segment option", "options => options.map(o => o.textContent)")
    assert labels == ["Choose…", "Beta testers (2)", "Churn risk (3)", "Newsletter readers (42)", "VIP customers (1)"]

    page.fill("#in-matching_value", "{{ record.id }}")
    page.fill("#in-__record", json.dumps({"id": "user-7"}))
    _run(page)  # no segment chosen yet
    assert page.inner_text("#error-segment") == "is required"

    page.select_option("#in-segment", "42")
    page.check("#send")
    _run(page)
    page.wait_for_selector("#outcome[data-state=sent]")
    page.screenshot(path=str(output_dir / "page-add-to-segment-sent.png"), full_page=True)
    person = forms_site.sandbox.state.find("user-7")
    assert person["cio_id"] in forms_site.sandbox.state.segment(42)["members"]


def _connection(site):
    return site.sandbox.connection()


def test_the_page_loads_without_a_console_error_and_says_each_problem_once(page, forms_site):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _open(page, forms_site, "upsert_customer")
    page.wait_for_load_state("networkidle")  # the favicon request, had there been one, has failed by now
    assert errors == []
    _run(page)  # nothing filled in: the form library and the runtime both find the value missing
    assert page.inner_text("#error-matching_value") == "is required"
