"""Handlers compiled for a config's shape build the very requests their handlers build.

Every action, every choice of which fields come from the record (each subset of a rich config's
keys), several records: the plan's compiled path (generated reads and checks, the handler's compile
hook with constant parts encoded once) against the full path (render, explain, the handler itself).
"""

from __future__ import annotations

import itertools

import pytest

from cio_connector import load_connector
from cio_connector.pipeline.plan import ActionPlan
from cio_connector.pipeline.splice import Shape, Var, spliced

from .test_plan_differential import assert_same_request

CONNECTOR = load_connector()
ULID = "01HZY3J8E2V1W4X5Y6Z7A8B9C0"

#: A config per action using most of its fields, and records of values each field takes.
RICH = {
    "upsert_customer": {"matching_field": "email", "matching_value": "ada@example.com",
                        "mappings": {"plan": "pro", "created_at": "2024-05-01T12:00:00Z", "note": None}},
    "delete_customer": {"matching_field": "cio_id", "matching_value": "cio_a1b2c3"},
    "add_customer_to_segment": {"matching_field": "cio_id", "matching_value": "a1b2c3", "segment": 7},
    "remove_customer_from_segment": {"matching_field": "email", "matching_value": "ada@example.com", "segment": 7},
    "track_event": {"name": " purchase ", "customer_id": "cio_a1b2", "mappings": {"price": 23.5, "sku": "s"},
                    "timestamp": "2024-05-01T12:00:00Z", "event_id": "auto"},
    "track_page": {"customer_id": "ada@example.com", "page_url": "https://example.com/p", "mappings": {"t": "P"},
                   "timestamp": 1714564800, "event_id": ULID},
    "identify_object": {"object_type_id": "1", "object_id": "acme", "mappings": {"tier": "gold", "seats": 30}},
    "delete_object": {"object_type_id": "2", "object_id": "acme"},
    "add_relationship": {"matching_field": "id", "matching_value": "u-1", "object_type_id": "1", "object_id": "acme",
                         "relationship_mappings": {"role": "admin"}},
    "remove_relationship": {"matching_field": "email", "matching_value": "ada@example.com", "object_type_id": "1",
                            "object_id": "acme"},
    "add_device": {"matching_field": "id", "matching_value": "u-1", "device_token": "tok", "platform": "ios",
                   "last_used": "2024-05-01T12:00:00Z", "device_mappings": {"push_enabled": True, "gone": None}},
    "delete_device": {"matching_field": "cio_id", "matching_value": "cio_a1", "device_token": "tok"},
    "merge_customers": {"primary_field": "email", "primary_value": "ada@example.com", "secondary_field": "cio_id",
                        "secondary_value": "cio_b2"},
    "suppress_customer": {"matching_field": "id", "matching_value": "u-1"},
    "unsuppress_customer": {"matching_field": "cio_id", "matching_value": "b2"},
    "track_screen": {"customer_id": "u-1", "screen_name": " Checkout ", "mappings": {"step": 2}, "timestamp": 1714564800},
    "track_anonymous_event": {"anonymous_id": "anon-1", "name": " viewed ", "mappings": {"plan": "pro"},
                              "timestamp": "2024-05-01T12:00:00Z", "event_id": "auto"},
    "report_delivery_metric": {"delivery_id": "RPILAgABcRhIBqSp7kiPekGBIeVh", "metric": "clicked",
                               "href": "https://example.com/x", "timestamp": 1714564800},
    "send_transactional_email": {"transactional_message_id": 3, "matching_field": "email",
                                 "matching_value": "ada@example.com", "message_data": {"plan": "pro"},
                                 "subject": "Hi", "tracked": True},
    "send_transactional_sms": {"transactional_message_id": 4, "matching_field": "id", "matching_value": "u-1",
                               "to": "+15555550100", "message_data": {"code": 1234}},
    "send_transactional_push": {"transactional_message_id": 5, "matching_field": "id", "matching_value": "u-1",
                                "title": "Your plan", "message": "is ready", "message_data": {"n": 1}},
}


def _variants(action: str):
    """(config, record) for every subset of top-level keys read from the record, and for map
    values read from the record."""
    rich = RICH[action]
    keys = list(rich)
    for count in range(len(keys) + 1):
        for chosen in itertools.combinations(keys, count):
            config, record = {}, {}
            for key, value in rich.items():
                if key in chosen and not isinstance(value, dict):
                    config[key], record[f"r_{key}"] = f"{{{{ record.r_{key} }}}}", value
                elif key in chosen:  # a map whose values come from the record
                    config[key] = {name: f"{{{{ record.m_{key}_{name} }}}}" for name in value}
                    record.update({f"m_{key}_{name}": item for name, item in value.items()})
                else:
                    config[key] = value
            yield config, record


CASES = [(action, config, record) for action in sorted(RICH) for config, record in _variants(action)]


def test_every_action_is_covered_and_declares_a_compile_hook():
    assert set(RICH) == set(CONNECTOR.actions)
    assert all(CONNECTOR.actions[name].compile_handler is not None for name in RICH)


@pytest.mark.parametrize(("action", "config", "record"), CASES, ids=lambda value: value if isinstance(value, str) else "")
def test_the_compiled_path_builds_the_handlers_request(action, config, record):
    plan = ActionPlan(CONNECTOR.actions[action], config)
    slow, problems = plan._explain({"record": record})
    assert problems == [], problems
    first = plan.build(record=record)  # the general path (a plan used once generates no code)
    fast = plan.build(record=record)  # tiered up: the compiled path
    if RICH[action].get("event_id") == "auto":  # a fresh ULID each: compare the rest
        assert fast.json["id"] != slow.json["id"]
        fast_id, slow_id = fast.json["id"], slow.json["id"]
        assert fast.body.replace(fast_id.encode(), b"ID") == slow.body.replace(slow_id.encode(), b"ID")
        return
    assert_same_request(first, slow)
    assert_same_request(fast, slow)


def test_the_common_shapes_take_the_compiled_handler():
    """A matching field chosen in the config and identifiers from the record: the hook applies."""
    for action, rich in RICH.items():
        config = {key: ("{{ record.v }}" if key in ("matching_value", "customer_id", "object_id", "delivery_id",
                                                      "primary_value", "anonymous_id") else value)
                  for key, value in rich.items()}
        plan = ActionPlan(CONNECTOR.actions[action], config)
        plan._tier_up()
        assert plan._handler is not CONNECTOR.actions[action].handler, action


def test_a_shape_the_hook_does_not_handle_runs_the_handler():
    """The matching field read from the record decides the identifiers' key per record."""
    config = {"matching_field": "{{ record.f }}", "matching_value": "{{ record.v }}"}
    plan = ActionPlan(CONNECTOR.actions["delete_customer"], config)
    plan._tier_up()
    assert plan._handler is CONNECTOR.actions["delete_customer"].handler
    assert plan.build(record={"f": "email", "v": "ada@example.com"}).json["identifiers"] == {"email": "ada@example.com"}


def test_a_spliced_body_is_the_compact_json_of_its_data():
    build = spliced({"a": [Var(("x",)), {"b": Var(("y",), convert=str.upper)}], "c": "é"},
                    api="track", method="POST", path="/p")
    assert build is not None
    request = build({"x": 1.5e-7, "y": "q\n"})
    assert request.json == {"a": [1.5e-7, {"b": "Q\n"}], "c": "é"}
    assert request.body == b'{"a":[1.5e-07,{"b":"Q\\n"}],"c":"\xc3\xa9"}'


def test_a_shape_names_what_changes_per_record():
    shape = Shape({"k": "v", "m": {"a": "{{ record.a }}", "b": 1}}, frozenset({("m", "a")}))
    assert shape.fixed("k") and not shape.fixed("m") and "m" in shape and "z" not in shape
    assert shape.mirror("m") == {"a": Var(("m", "a")), "b": 1}
    with pytest.raises(ValueError, match="changes per record"):
        shape.value("m")
