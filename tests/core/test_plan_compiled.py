"""A config compiled to a generated function builds what the general path builds, and only that.

The hypothesis differential test (test_plan_differential.py) compares the two paths on random
configs and records for every action; these pin down the compiled path's own promises.
"""

from __future__ import annotations

import pytest

from cio_connector.pipeline import codegen
from cio_connector.pipeline.plan import ActionPlan

UPSERT = {"matching_field": "email", "matching_value": "{{ record.email }}",
          "mappings": {"plan": "{{ record.plan }}", "seats": "{{ record.seats }}", "source": "crm"}}
RECORD = {"email": "ada@example.com", "plan": "pro", "seats": 3}


def _general(plan: ActionPlan, record: object) -> tuple:
    request, problems = plan._explain({"record": record})
    return (request.body if request else None), problems


def test_a_config_of_record_reads_is_built_by_generated_code(connector, monkeypatch):
    plan = ActionPlan(connector.actions["upsert_customer"], UPSERT)
    monkeypatch.setattr(plan, "_fill", lambda ctx: pytest.fail("the general filling ran"))
    monkeypatch.setattr(plan, "_explain", lambda ctx: pytest.fail("the full path ran"))
    request = plan.build(record=RECORD)
    assert request.json == {"type": "person", "identifiers": {"email": "ada@example.com"}, "action": "identify",
                            "attributes": {"plan": "pro", "seats": 3, "source": "crm"}}


@pytest.mark.parametrize("record", [
    {"email": "ada@example.com", "plan": "pro", "seats": "7"},      # fitted: "7" -> 7 is the field's to decide
    {"email": "ada@example.com", "plan": 42, "seats": 3},           # a number where text may go
    {"email": "ada@example.com", "plan": "pro"},                    # a value missing: jinja2 renders it
    {"email": "adé@example.com", "plan": "naïve", "seats": 3},      # non-ASCII text
    {"email": "not-an-email", "plan": "pro", "seats": 3},           # invalid: explained
    {"email": ["a@b.co"], "plan": "pro", "seats": 3},               # a list: converted or refused by the full path
])
def test_unusual_values_get_the_general_paths_verdict_and_bytes(connector, record):
    plan = ActionPlan(connector.actions["upsert_customer"], UPSERT)
    body, problems = _general(plan, record)
    assert plan.check(record=record) == problems
    if not problems:
        assert plan.build(record=record).body == body


def test_a_record_that_is_not_a_mapping_takes_the_general_path(connector):
    plan = ActionPlan(connector.actions["upsert_customer"], UPSERT)
    assert plan.check(record=["not", "a", "dict"]) == _general(plan, ["not", "a", "dict"])[1]


def test_config_text_is_bound_as_data_never_written_into_the_source(connector):
    hostile = "x'}); import os; os._exit(3) #"
    config = {"matching_field": "id", "matching_value": "{{ record.id }}",
              "mappings": {hostile: "{{ record.v }}", "b\"\\n": hostile}}
    plan = ActionPlan(connector.actions["upsert_customer"], config)
    assert plan._compiled_fill is not None
    request = plan.build(record={"id": "u1", "v": "ok"})
    assert request.json["attributes"] == {hostile: "ok", "b\"\\n": hostile}
    assert request.body == _general(plan, {"id": "u1", "v": "ok"})[0]


def test_configs_of_one_shape_share_compiled_code_but_not_values(connector):
    first = ActionPlan(connector.actions["upsert_customer"], UPSERT)
    other = ActionPlan(connector.actions["upsert_customer"], {**UPSERT, "mappings": {**UPSERT["mappings"], "source": "web"}})
    assert first._compiled_fill.__code__ is other._compiled_fill.__code__
    assert first.build(record=RECORD).json["attributes"]["source"] == "crm"
    assert other.build(record=RECORD).json["attributes"]["source"] == "web"


def test_constant_fields_are_checked_once_and_a_bad_one_is_still_explained(connector):
    """A constant over its byte limit leaves the per-record check whole: the full path explains it."""
    config = {"name": "n" * 101, "customer_id": "{{ record.id }}"}
    plan = ActionPlan(connector.actions["track_event"], config)
    problems = plan.check(record={"id": "u1"})
    assert [p.path for p in problems] == ["$.name"]
    assert problems == _general(plan, {"id": "u1"})[1]


@pytest.mark.parametrize("depth", [40, 300])
def test_a_config_nesting_past_what_python_compiles_keeps_the_general_path(depth):
    deep: dict = {"v": "{{ record.v }}"}
    for _ in range(depth):
        deep = {"k": deep}
    slots = [(("a", *["k"] * depth, "v"), ("v",), None)]
    fill = codegen.compile_fill({"a": deep}, slots, lambda value, field: value, lambda value: [])
    if depth < 100:
        assert fill is not None and fill({"v": 1})["a"]["k"]["k"]["k"] is not None
    else:
        assert fill is None  # past the parser's nesting limit: the plan fills the general way
