"""Every action x matching field x region against the sandbox; the state afterwards is asserted."""

from __future__ import annotations

import pytest

from cio_connector import FatalApiError, InputError

from .conftest import connection_for


def run(connector, conn, client, action, config, record=None):
    return connector.execute(action, config, conn, client=client, record=record)


def upsert(connector, conn, client, field, value, **attributes):
    config = {"matching_field": field, "matching_value": value, "mappings": attributes}
    return run(connector, conn, client, "upsert_customer", config)


def person(sandbox, key: str):
    return sandbox.state.find(key)


def test_upsert_by_id_creates_then_updates(connector, conn, client, sandbox):
    assert upsert(connector, conn, client, "id", "user-1", email="ada@example.com", plan="pro").status == 200
    upsert(connector, conn, client, "id", "user-1", plan="enterprise", seats=3)
    found = person(sandbox, "user-1")
    assert (found["id"], found["email"]) == ("user-1", "ada@example.com")
    assert found["attributes"]["plan"] == "enterprise" and found["attributes"]["seats"] == 3
    assert len(sandbox.snapshot()["people"]) == 1


def test_upsert_by_email_matches_case_insensitively(connector, conn, client, sandbox):
    upsert(connector, conn, client, "email", "Jane@Example.com", plan="free")
    upsert(connector, conn, client, "email", "jane@example.com", plan="pro")
    people = sandbox.snapshot()["people"]
    assert len(people) == 1 and people[0]["attributes"]["plan"] == "pro"


@pytest.mark.parametrize("prefixed", [False, True])
def test_upsert_by_cio_id_updates_the_existing_person(connector, conn, client, sandbox, prefixed):
    upsert(connector, conn, client, "id", "user-7", plan="free")
    cio_id = person(sandbox, "user-7")["cio_id"]
    upsert(connector, conn, client, "cio_id", ("cio_" + cio_id) if prefixed else cio_id, plan="pro", email="seven@example.com")
    found = person(sandbox, "user-7")
    assert found["cio_id"] == cio_id and found["attributes"]["plan"] == "pro" and found["email"] == "seven@example.com"


def test_an_id_that_looks_like_an_email_stays_an_id(connector, conn, client, sandbox):
    upsert(connector, conn, client, "id", "ops@example.com", plan="x")
    found = sandbox.snapshot()["people"][0]
    assert found["id"] == "ops@example.com" and found["email"] is None


@pytest.mark.parametrize("field", ["id", "email", "cio_id"])
def test_delete_by_each_matching_field(connector, conn, client, sandbox, field):
    upsert(connector, conn, client, "id", "gone-1", email="gone@example.com")
    value = {"id": "gone-1", "email": "gone@example.com", "cio_id": person(sandbox, "gone-1")["cio_id"]}[field]
    assert run(connector, conn, client, "delete_customer", {"matching_field": field, "matching_value": value}).status == 200
    assert sandbox.snapshot()["people"] == []


@pytest.mark.parametrize("field", ["id", "email", "cio_id"])
def test_segment_membership_by_each_matching_field(connector, conn, client, sandbox, field):
    upsert(connector, conn, client, "id", "seg-1", email="seg@example.com")
    who = person(sandbox, "seg-1")
    value = {"id": "seg-1", "email": "seg@example.com", "cio_id": who["cio_id"]}[field]
    options = connector.options("add_customer_to_segment", "segment", conn, client=client)
    segment = options[0]["value"]
    config = {"matching_field": field, "matching_value": value, "segment": segment}
    run(connector, conn, client, "add_customer_to_segment", config)
    assert person(sandbox, "seg-1")["segments"] == [segment]
    run(connector, conn, client, "remove_customer_from_segment", config)
    assert person(sandbox, "seg-1")["segments"] == []


@pytest.mark.parametrize("form", ["bare", "prefixed"])
def test_segment_membership_by_cio_id_takes_either_form(connector, conn, client, sandbox, form):
    upsert(connector, conn, client, "id", "seg-3")
    cio_id = person(sandbox, "seg-3")["cio_id"]
    value = cio_id if form == "bare" else f"cio_{cio_id}"
    config = {"matching_field": "cio_id", "matching_value": value, "segment": 1}
    run(connector, conn, client, "add_customer_to_segment", config)
    assert person(sandbox, "seg-3")["segments"] == [1]
    run(connector, conn, client, "remove_customer_from_segment", config)
    assert person(sandbox, "seg-3")["segments"] == []


def test_options_list_only_manual_segments_sorted(connector, conn, client, sandbox):
    connector.options_cache.clear()
    options = connector.options("add_customer_to_segment", "segment", conn, client=client)
    manual = sorted((s for s in sandbox.snapshot()["segments"] if s["type"] == "manual"), key=lambda s: s["name"].casefold())
    assert options == [{"value": s["id"], "label": s["name"]} for s in manual]


def test_unknown_and_dynamic_segments_are_rejected_by_customerio(connector, conn, client, sandbox):
    upsert(connector, conn, client, "id", "seg-2")
    dynamic = next(s["id"] for s in sandbox.snapshot()["segments"] if s["type"] == "dynamic")
    by_id = {"matching_field": "id", "matching_value": "seg-2"}
    with pytest.raises(FatalApiError) as unknown:
        run(connector, conn, client, "add_customer_to_segment", {**by_id, "segment": 999_999})
    assert unknown.value.status == 404
    assert [(p.path, p.message) for p in unknown.value.problems] == [("$.segment", "segment 999999 not found")]
    with pytest.raises(FatalApiError) as data_driven:
        run(connector, conn, client, "add_customer_to_segment", {**by_id, "segment": dynamic})
    assert data_driven.value.status == 400


EVENT_IDS = {"id": "01HZ0000000000000000000001", "email": "01HZ0000000000000000000002", "cio_id": "01hz0000000000000000000003"}


@pytest.mark.parametrize("shape", ["id", "email", "cio_id"])
def test_track_event_for_each_identifier_shape(connector, conn, client, sandbox, shape):
    upsert(connector, conn, client, "id", "ev-1", email="ev@example.com")
    customer_id = {"id": "ev-1", "email": "ev@example.com", "cio_id": "cio_" + person(sandbox, "ev-1")["cio_id"]}[shape]
    config = {"name": "purchase", "customer_id": customer_id, "mappings": {"price": 9.5}, "timestamp": 1_700_000_000,
              "event_id": EVENT_IDS[shape]}
    run(connector, conn, client, "track_event", config)
    run(connector, conn, client, "track_event", config)  # same event_id: Customer.io ignores the repeat
    events = sandbox.state.events("ev-1")
    assert [(e["type"], e["name"], e["data"], e["timestamp"]) for e in events] == [
        ("event", "purchase", {"price": 9.5}, 1_700_000_000),
    ]


def test_track_page_records_a_page_view(connector, conn, client, sandbox):
    upsert(connector, conn, client, "email", "pv@example.com")
    config = {"customer_id": "pv@example.com", "page_url": "https://example.com/pricing", "mappings": {"title": "Pricing"}}
    run(connector, conn, client, "track_page", config)
    events = sandbox.state.events("pv@example.com")
    assert [(e["type"], e["name"], e["data"]) for e in events] == [("page", "https://example.com/pricing", {"title": "Pricing"})]


def test_templates_render_from_the_record(connector, conn, client, sandbox):
    record = {"email": "t@example.com", "plan": "pro", "seats": 4}
    config = {"matching_field": "email", "matching_value": "{{ record.email }}",
              "mappings": {"plan": "{{ record.plan | upper }}", "seats": "{{ record.seats }}"}}
    run(connector, conn, client, "upsert_customer", config, record=record)
    assert person(sandbox, "t@example.com")["attributes"] == {"plan": "PRO", "seats": 4}


def test_invalid_input_never_reaches_the_sandbox(connector, conn, client, sandbox):
    before = sandbox.snapshot()["requests"]
    with pytest.raises(InputError):
        run(connector, conn, client, "track_event", {"name": "x" * 101, "customer_id": "1"})
    assert sandbox.snapshot()["requests"] == before


def test_hostile_identifiers_round_trip(connector, conn, client, sandbox):
    for value in ["a+b@example.com", "x/../y", "%2F", "with space", "José"]:
        field = "email" if "@" in value else "id"
        upsert(connector, conn, client, field, value, seen=True)
        assert person(sandbox, value) is not None, value
        run(connector, conn, client, "add_customer_to_segment", {"matching_field": field, "matching_value": value, "segment": 1})
        assert person(sandbox, value)["segments"] == [1]


def test_connection_check_against_the_sandbox(connector, sandbox, region):
    other = "eu" if region == "us" else "us"
    good = connector.check_connection(connection_for(sandbox))
    assert good.ok, good.to_dict()
    wrong_region = connector.check_connection(connection_for(sandbox, other))
    checks = {c.name: c for c in wrong_region.checks}
    assert not checks["region"].ok and f"choose {region.upper()}" in checks["region"].message
    wrong_key = connector.check_connection(connection_for(sandbox, app_api_key="nope"))
    assert {c.name: c.ok for c in wrong_key.checks}["app_api_key"] is False
