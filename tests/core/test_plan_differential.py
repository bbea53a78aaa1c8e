"""The fast valid path and the full checker agree on every verdict, and build identical requests.

The fast path (jsonschema-rs plus compiled x- keyword checks, direct record lookups) must never
accept what the full checker refuses, nor refuse what it accepts (a refusal only costs time, but
it would show that the two read a schema differently). Inputs mix valid and nearly valid values
with multibyte text, every kind of whitespace the engines disagree on, and limits +/- one.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cio_connector import load_connector
from cio_connector.errors import InputError
from cio_connector.pipeline.fields import check_config, json_problems
from cio_connector.pipeline.plan import ActionPlan
from cio_connector.pipeline.template_text import template_locations

CONNECTOR = load_connector()
ACTIONS = sorted(CONNECTOR.actions)

PIECES = [
    "a", "Z", "0", "9", "_", "-", ".", "@", "/", "?", "#", "$", " ", "\t", "\n", "\r", "\x0b", "\x0c",
    "\x1c", "\x1f", "\x85", "\u00a0", "\u1680", "\u2000", "\u2028", "\u202f", "\u3000", "\ufeff", "\u200b",
    "é", "漢", "😀", "cio_", "http://", "https://", "x.io", "a@b.co", "٣", "ａ",
]
EDGES = [
    "", " ", "  ", "\t", "\n", "cio_", "cio_abc", "abc123", "a@b.co", "a@b.co\n", "a @b.co", "a@b.c.", "@b.co",
    "a@b", "x" * 149, "x" * 150, "x" * 151, "é" * 75, "é" * 76, "😀" * 37, "😀" * 38, "https://x.io/p?q#f",
    "/pricing", "/ with space", "http://", "2024-05-01T12:00:00Z", "2024-02-30", "2024-02-29", "2023-02-29",
    "1969-12-31T23:59:59Z", "5138-11-16T09:46:40Z", "5138-11-16T09:46:41Z", "2024-05-01 12:00", "2024-05-01T25:00",
    "purchase", " purchase ", "n" * 100, "n" * 101,
]
texts = st.one_of(
    st.sampled_from(EDGES),
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
)
numbers = st.one_of(
    st.sampled_from([0, 1, -1, 7, 2147483647, 2147483648, 99_999_999_999, 100_000_000_000, 1.5, 7.0, 10**30]),
    st.integers(), st.floats(allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(texts, numbers, st.booleans(), st.none())
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3), max_leaves=6
)


def field_values(action: str, key: str) -> st.SearchStrategy:
    schema = CONNECTOR.actions[action].schema["properties"][key]
    choices = [option["const"] for option in schema.get("oneOf", []) if "const" in option]
    if choices:
        return st.one_of(st.sampled_from(choices), scalars)
    if schema.get("type") == "object":
        big = st.sampled_from([{"k": "v" * 999}, {"k": "v" * 1000}, {"k" * 150: 1}, {"k" * 151: 1}, {"": 1}])
        return st.one_of(big, st.dictionaries(texts, values, max_size=4), scalars)
    return st.one_of(texts, numbers, scalars)


@st.composite
def instances(draw, action: str) -> dict:
    schema = CONNECTOR.actions[action].schema
    instance = {}
    for key in schema["properties"]:
        required = key in schema["required"]
        if required and draw(st.integers(0, 19)) == 0:
            continue  # now and then a required field is missing
        if required or draw(st.booleans()):
            instance[key] = draw(field_values(action, key))
    if draw(st.integers(0, 19)) == 0:
        instance["unknown"] = 1
    return instance


def full_verdict(action: str, instance: dict) -> bool:
    chosen = CONNECTOR.actions[action]
    return not chosen.checker.problems(instance) and not json_problems(instance)


@pytest.mark.parametrize("action", ACTIONS)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_validator_agrees_with_the_full_checker(action, data):
    instance = data.draw(instances(action))
    fast = CONNECTOR.actions[action].fast_check
    assert fast is not None, "every shipped action has a fast path"
    # NaN never reaches the compiled check (filled values are screened), so compare JSON-safe data.
    assert fast(instance) == full_verdict(action, instance), instance


@st.composite
def templated(draw, action: str) -> tuple[dict, dict]:
    """A config whose fields may read the record (``{{ record.f_<key> }}``), and that record."""
    instance = draw(instances(action))
    config, record = {}, {}
    for key, value in instance.items():
        style = draw(st.sampled_from(["plain", "lookup", "jinja"]))
        if style == "plain" or key == "unknown":
            config[key] = value
        elif style == "lookup":
            config[key] = f"{{{{ record.f_{key} }}}}"
            record[f"f_{key}"] = value
        else:
            config[key] = f"{{{{ record.f_{key} | string }}}}" if isinstance(value, str) else f"{{{{ record.f_{key} }}}} "
            record[f"f_{key}"] = value
    if "mappings" in config and isinstance(config["mappings"], dict) and draw(st.booleans()):
        config["mappings"] = {**config["mappings"], "from_record": "{{ record.extra }}"}
        record["extra"] = draw(values)
    return config, record


@pytest.mark.parametrize("action", ACTIONS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_path_and_full_path_build_the_same_request(action, data):
    config, record = data.draw(templated(action))
    plan = ActionPlan(CONNECTOR.actions[action], config)
    slow_request, slow_problems = plan._explain({"record": record})
    fast_problems = plan.check(record=record)
    assert fast_problems == slow_problems
    assert [p.label for p in fast_problems] == [p.label for p in slow_problems]
    if not slow_problems:
        first, second = plan.build(record=record), plan.build(record=record)  # the second: tiered up
        assert_same_request(first, slow_request)
        assert_same_request(second, slow_request)


def assert_same_request(fast, slow) -> None:
    """Byte for byte, and every declaration a client or a host reads."""
    assert fast.body == slow.body
    assert fast == slow  # api, method, path, query and the body as data
    declared = ("field_map", "max_body_bytes", "not_found", "idempotent", "problems")
    assert {name: getattr(fast, name) for name in declared} == {name: getattr(slow, name) for name in declared}


def test_the_fast_path_is_taken_for_a_plain_valid_record(monkeypatch):
    config = {"matching_field": "email", "matching_value": "{{ record.email }}", "mappings": {"plan": "{{ record.plan }}"}}
    plan = CONNECTOR.plan("upsert_customer", config)
    monkeypatch.setattr(plan, "_explain", lambda ctx: pytest.fail("the full path ran for a valid record"))
    assert plan.build(record={"email": "ada@example.com", "plan": "pro"}).json["attributes"] == {"plan": "pro"}


def test_an_invalid_record_is_explained_by_the_full_checker():
    plan = CONNECTOR.plan("upsert_customer", {"matching_field": "email", "matching_value": "{{ record.email }}"})
    problems = plan.check(record={"email": "not-an-email"})
    assert [(p.path, p.label) for p in problems] == [("$.matching_value", "Matching Value")]
    assert "must be an email address" in problems[0].message


def test_plans_are_cached_by_content():
    config = {"matching_field": "id", "matching_value": "{{ record.id }}"}
    assert CONNECTOR.plan("delete_customer", config) is CONNECTOR.plan("delete_customer", dict(config))
    other = {**config, "matching_field": "email"}
    assert CONNECTOR.plan("delete_customer", config) is not CONNECTOR.plan("delete_customer", other)


def test_record_lookups_read_like_jinja2():
    """A dict's own attribute names are jinja2's to read (``record.items`` is the method there)."""
    config = {"matching_field": "id", "matching_value": "u", "mappings": {"v": "{{ record.items }}"}}
    plan = CONNECTOR.plan("upsert_customer", config)
    slow = plan._explain({"record": {"items": "x"}})
    assert plan.check(record={"items": "x"}) == slow[1]


def test_a_concrete_config_is_judged_by_the_compiled_validator_alone(monkeypatch):
    """What a host sends after evaluating its own expressions: no jsonschema on the valid path."""
    import cio_connector.pipeline.plan as plan_module

    monkeypatch.setattr(plan_module, "check_config", lambda *a, **k: pytest.fail("the full checker ran"))
    config = {"matching_field": "id", "matching_value": "u-7", "mappings": {"plan": "pro"}}
    plan = ActionPlan(CONNECTOR.actions["upsert_customer"], config)
    assert plan.problems == () and plan.build().json["identifiers"] == {"id": "u-7"}


def test_a_concrete_config_still_gets_a_fresh_generated_event_id_per_build():
    plan = CONNECTOR.plan("track_event", {"name": "purchase", "customer_id": "u1", "event_id": "auto"})
    first, second = plan.build(), plan.build()
    assert first.json["id"] != second.json["id"]
    assert first.idempotent and second.idempotent


def test_configs_equal_in_python_but_not_in_json_get_their_own_plans():
    base = {"matching_field": "id", "matching_value": "u1", "segment": 1}
    flagged = {**base, "segment": True}
    assert CONNECTOR.plan("add_customer_to_segment", base) is not CONNECTOR.plan("add_customer_to_segment", flagged)
    assert CONNECTOR.validate("add_customer_to_segment", {**base, "segment": True})  # a boolean is no segment id
    assert CONNECTOR.validate("add_customer_to_segment", base) == []


@pytest.mark.parametrize("action", ACTIONS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_templated_config_gets_the_full_checks_problems_without_a_record(action, data):
    """The compiled validator, blind to templated values, judges a config of record reads before
    any record; the full check (jinja2 and python-jsonschema) must find the very same problems."""
    config, _ = data.draw(templated(action))
    chosen = CONNECTOR.actions[action]
    if not any(template_locations(config)):
        return  # a concrete config: judged with its request built (the constant path), elsewhere
    plan = ActionPlan(chosen, config)
    assert list(plan.problems) == check_config(chosen.checker, chosen.tree, config, None)[1]


def test_a_config_of_record_reads_is_compiled_without_jinja2_or_jsonschema(monkeypatch):
    import cio_connector.pipeline.plan as plan_module

    monkeypatch.setattr(plan_module, "check_config", lambda *a, **k: pytest.fail("the full checker ran"))
    config = {"matching_field": "email", "matching_value": "{{ record.email }}",
              "mappings": {"plan": "{{ record.plan }}", "source": "crm"}}
    plan = ActionPlan(CONNECTOR.actions["upsert_customer"], config)
    assert plan.problems == ()
    assert plan.build(record={"email": "ada@example.com", "plan": "pro"}).json["attributes"] == {"plan": "pro", "source": "crm"}


@pytest.mark.parametrize(("config", "paths"), [
    ({"matching_field": "nope", "matching_value": "{{ record.email }}"}, ["$.matching_field"]),
    ({"matching_field": "email", "matching_value": "{{ record.email }}", "bogus": "{{ record.x }}"}, ["$.bogus"]),
    ({"matching_value": "{{ record.email }}"}, ["$.matching_field"]),
    # A name over its limit holding a template: the full check waits for the record, so nothing now.
    ({"matching_field": "email", "matching_value": "{{ record.email }}", "mappings": {"k" * 151: "{{ record.v }}"}}, []),
])
def test_a_config_the_compiled_validator_refuses_gets_the_full_checks_problems(config, paths):
    chosen = CONNECTOR.actions["upsert_customer"]
    problems = list(ActionPlan(chosen, config).problems)
    assert problems == check_config(chosen.checker, chosen.tree, config, None)[1]
    assert [p.path for p in problems] == paths


def test_a_request_with_a_problem_of_its_own_is_refused_on_the_compiled_path_too():
    """A send_at read from the record, past how far ahead Customer.io schedules: only the built
    request shows it, and the compiled path must not hand that request out."""
    config = {"transactional_message_id": 3, "matching_field": "id", "matching_value": "u1", "to": "a@b.co",
              "send_at": "{{ record.at }}"}
    plan = CONNECTOR.plan("send_transactional_email", config)
    with pytest.raises(InputError) as caught:
        plan.build(record={"at": 99_999_999_999})
    assert [(p.path, p.code) for p in caught.value.problems] == [("$.send_at", "too_far_ahead")]
    assert plan.build(record={"at": 1_700_000_000}).json["send_at"] == 1_700_000_000


def test_a_plan_used_once_generates_no_code_and_the_second_build_tiers_it_up(monkeypatch):
    import cio_connector.pipeline.plan as plan_module

    compiled = []
    real = plan_module.compile_build
    monkeypatch.setattr(plan_module, "compile_build", lambda *a, **k: compiled.append(1) or real(*a, **k))
    config = {"matching_field": "email", "matching_value": "{{ record.email }}", "mappings": {"plan": "{{ record.p }}"}}
    plan = ActionPlan(CONNECTOR.actions["upsert_customer"], config)
    first = plan.build(record={"email": "ada@example.com", "p": "pro"})
    assert compiled == [] and plan._handler is CONNECTOR.actions["upsert_customer"].handler
    second = plan.build(record={"email": "ada@example.com", "p": "pro"})
    assert compiled == [1] and plan._handler is not CONNECTOR.actions["upsert_customer"].handler
    assert_same_request(second, first)
