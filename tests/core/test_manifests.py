"""Every shipped manifest loads, and says exactly what issues 2 and 17 specify: names, keys, requiredness, facts."""

from __future__ import annotations

import pytest

from cio_connector import facts
from cio_connector.declarative.manifest import ActionManifest, Field, load_action_manifest
from cio_connector.declarative.patterns import portable_pattern
from cio_connector.handlers.events import AUTO_EVENT_ID, EVENT_ID_PATTERN

from .conftest import ACTION_FILES, ACTION_NAMES

# action -> (required keys, optional keys), in manifest order: hosts store configs under these names.
SPEC: dict[str, tuple[list[str], list[str]]] = {
    "upsert_customer": (["matching_field", "matching_value"], ["mappings"]),
    "delete_customer": (["matching_field", "matching_value"], []),
    "add_customer_to_segment": (["matching_field", "matching_value", "segment"], []),
    "remove_customer_from_segment": (["matching_field", "matching_value", "segment"], []),
    "track_event": (["name", "customer_id"], ["mappings", "timestamp", "event_id"]),
    "track_page": (["customer_id", "page_url"], ["mappings", "timestamp", "event_id"]),
    "identify_object": (["object_type_id", "object_id"], ["mappings"]),
    "delete_object": (["object_type_id", "object_id"], []),
    "add_relationship": (["matching_field", "matching_value", "object_type_id", "object_id"], ["relationship_mappings"]),
    "remove_relationship": (["matching_field", "matching_value", "object_type_id", "object_id"], []),
    "add_device": (["matching_field", "matching_value", "device_token", "platform"], ["last_used", "device_mappings"]),
    "delete_device": (["matching_field", "matching_value", "device_token"], []),
    "merge_customers": (["primary_field", "primary_value", "secondary_field", "secondary_value"], []),
    "suppress_customer": (["matching_field", "matching_value"], []),
    "unsuppress_customer": (["matching_field", "matching_value"], []),
    "track_screen": (["customer_id", "screen_name"], ["mappings", "timestamp", "event_id"]),
    "track_anonymous_event": (["name"], ["anonymous_id", "mappings", "timestamp", "event_id"]),
    "report_delivery_metric": (["delivery_id", "metric"], ["recipient", "reason", "href", "timestamp"]),
    "send_transactional_email": (
        ["transactional_message_id", "matching_field", "matching_value"],
        ["to", "message_data", "subject", "from", "send_at", "send_to_unsubscribed", "tracked", "queue_draft",
         "disable_message_retention"],
    ),
    "send_transactional_sms": (
        ["transactional_message_id", "matching_field", "matching_value", "to"], ["message_data", "send_at"]
    ),
    "send_transactional_push": (
        ["transactional_message_id", "matching_field", "matching_value"], ["message_data", "title", "message", "to", "send_at"]
    ),
}

FIELD_ORDER = {
    "upsert_customer": ["matching_field", "matching_value", "mappings"],
    "delete_customer": ["matching_field", "matching_value"],
    "add_customer_to_segment": ["matching_field", "matching_value", "segment"],
    "remove_customer_from_segment": ["matching_field", "matching_value", "segment"],
    "track_event": ["name", "customer_id", "mappings", "timestamp", "event_id"],
    "track_page": ["customer_id", "page_url", "mappings", "timestamp", "event_id"],
    "identify_object": ["object_type_id", "object_id", "mappings"],
    "delete_object": ["object_type_id", "object_id"],
    "add_relationship": ["matching_field", "matching_value", "object_type_id", "object_id", "relationship_mappings"],
    "remove_relationship": ["matching_field", "matching_value", "object_type_id", "object_id"],
    "add_device": ["matching_field", "matching_value", "device_token", "platform", "last_used", "device_mappings"],
    "delete_device": ["matching_field", "matching_value", "device_token"],
    "merge_customers": ["primary_field", "primary_value", "secondary_field", "secondary_value"],
    "suppress_customer": ["matching_field", "matching_value"],
    "unsuppress_customer": ["matching_field", "matching_value"],
    "track_screen": ["customer_id", "screen_name", "mappings", "timestamp", "event_id"],
    "track_anonymous_event": ["anonymous_id", "name", "mappings", "timestamp", "event_id"],
    "report_delivery_metric": ["delivery_id", "metric", "recipient", "reason", "href", "timestamp"],
    "send_transactional_email": [
        "transactional_message_id", "matching_field", "matching_value", "to", "message_data", "subject", "from",
        "send_at", "send_to_unsubscribed", "tracked", "queue_draft", "disable_message_retention",
    ],
    "send_transactional_sms": ["transactional_message_id", "matching_field", "matching_value", "to", "message_data", "send_at"],
    "send_transactional_push": [
        "transactional_message_id", "matching_field", "matching_value", "message_data", "title", "message", "to", "send_at",
    ],
}

MATCHING_ACTIONS = [name for name, keys in FIELD_ORDER.items() if "matching_field" in keys]
SEGMENT_ACTIONS = ["add_customer_to_segment", "remove_customer_from_segment"]
OBJECT_ACTIONS = ["identify_object", "delete_object", "add_relationship", "remove_relationship"]
ATTRIBUTE_LIMITS = [
    ("max_properties", facts.MAX_ATTRIBUTES),
    ("key_max_bytes", facts.ATTRIBUTE_NAME_MAX_BYTES),
    ("value_max_bytes", facts.ATTRIBUTE_VALUE_MAX_BYTES),
    ("max_bytes", facts.ENTITY_MAX_BYTES),
]

# (action, field, constraint) -> the documented Customer.io limit it encodes.
LIMITS = [
    *[(name, "matching_value", "max_bytes", facts.IDENTIFIER_MAX_BYTES) for name in MATCHING_ACTIONS],
    ("upsert_customer", "mappings", "max_properties", facts.MAX_ATTRIBUTES),
    ("upsert_customer", "mappings", "key_max_bytes", facts.ATTRIBUTE_NAME_MAX_BYTES),
    ("upsert_customer", "mappings", "value_max_bytes", facts.ATTRIBUTE_VALUE_MAX_BYTES),
    ("track_event", "name", "max_bytes", facts.EVENT_NAME_MAX_BYTES),
    ("track_event", "customer_id", "max_bytes", facts.IDENTIFIER_MAX_BYTES),
    ("upsert_customer", "mappings", "max_bytes", facts.ENTITY_MAX_BYTES),
    ("track_event", "mappings", "max_bytes", facts.ENTITY_MAX_BYTES),
    ("track_page", "customer_id", "max_bytes", facts.IDENTIFIER_MAX_BYTES),
    ("track_page", "page_url", "max_bytes", facts.EVENT_NAME_MAX_BYTES),
    ("track_page", "mappings", "max_bytes", facts.ENTITY_MAX_BYTES),
    *[(name, "object_id", "max_bytes", facts.IDENTIFIER_MAX_BYTES) for name in OBJECT_ACTIONS],
    ("merge_customers", "primary_value", "max_bytes", facts.IDENTIFIER_MAX_BYTES),
    ("merge_customers", "secondary_value", "max_bytes", facts.IDENTIFIER_MAX_BYTES),
    *[("identify_object", "mappings", c, v) for c, v in ATTRIBUTE_LIMITS],
    *[("add_relationship", "relationship_mappings", c, v) for c, v in ATTRIBUTE_LIMITS],
    *[("add_device", "device_mappings", c, v) for c, v in ATTRIBUTE_LIMITS],
    ("track_screen", "customer_id", "max_bytes", facts.IDENTIFIER_MAX_BYTES),
    ("track_screen", "screen_name", "max_bytes", facts.EVENT_NAME_MAX_BYTES),
    ("track_screen", "mappings", "max_bytes", facts.ENTITY_MAX_BYTES),
    ("track_anonymous_event", "name", "max_bytes", facts.EVENT_NAME_MAX_BYTES),
    ("track_anonymous_event", "anonymous_id", "max_bytes", facts.IDENTIFIER_MAX_BYTES),
    ("track_anonymous_event", "mappings", "max_bytes", facts.EVENT_DATA_MAX_BYTES),
    ("send_transactional_sms", "to", "pattern", facts.E164_PATTERN),
]


def _field(manifest: ActionManifest, key: str) -> Field:
    found = manifest.field(key)
    assert found is not None, f"{manifest.name} has no field {key!r}"
    return found


def test_the_shipped_actions_are_exactly_those_of_issues_2_and_17(connector):
    assert list(connector.actions) == list(SPEC)
    assert sorted(ACTION_NAMES) == sorted(SPEC)
    assert connector.manifest.actions == tuple(SPEC)


def test_connector_identity_and_regions(connector):
    m = connector.manifest
    assert (m.id, m.name) == ("customerio", "Customer.io")
    assert m.version and m.description
    assert {key: (r.label, r.track, r.app) for key, r in m.regions.items()} == {
        "us": ("US", "https://track.customer.io", "https://api.customer.io"),
        "eu": ("EU", "https://track-eu.customer.io", "https://api-eu.customer.io"),
    }


def test_connection_fields(connector):
    fields = {f.key: f for f in connector.manifest.connection.fields}
    assert ["region", "app_api_key", "site_id", "track_api_key"] == [k for k in fields if k != "endpoints"]
    region = fields["region"]
    assert region.type == "enum" and region.required
    assert [(c.value, c.label) for c in region.choices] == [("us", "US"), ("eu", "EU")]
    assert {k for k, f in fields.items() if f.secret} == {"app_api_key", "track_api_key"}
    assert all(fields[k].required for k in ("app_api_key", "site_id", "track_api_key"))


@pytest.mark.parametrize("path", ACTION_FILES, ids=ACTION_NAMES)
def test_every_shipped_manifest_loads_on_its_own(path, connector_manifest):
    manifest = load_action_manifest(path, connector_manifest)
    assert manifest.name == path.stem
    assert manifest.source == f"actions/{path.name}"
    assert manifest.title and manifest.description


@pytest.mark.parametrize("name", list(SPEC))
def test_field_keys_and_order(connector, name):
    assert [f.key for f in connector.actions[name].manifest.fields] == FIELD_ORDER[name]


@pytest.mark.parametrize("name", list(SPEC))
def test_required_and_optional_fields(connector, name):
    required, optional = SPEC[name]
    fields = connector.actions[name].manifest.fields
    assert [f.key for f in fields if f.required] == required
    assert [f.key for f in fields if not f.required] == optional


@pytest.mark.parametrize("name", list(SPEC))
def test_every_field_has_a_label_and_no_action_field_is_secret(connector, name):
    for field in connector.actions[name].manifest.fields:
        assert field.label.strip(), field.key
        assert not field.secret, field.key


@pytest.mark.parametrize("name", MATCHING_ACTIONS)
def test_matching_field_is_the_labelled_enum(connector, name):
    field = _field(connector.actions[name].manifest, "matching_field")
    assert field.type == "enum"
    assert [(c.value, c.label) for c in field.choices] == [
        ("id", "External ID"),
        ("email", "Email"),
        ("cio_id", "CIO ID"),
    ]


@pytest.mark.parametrize("name", MATCHING_ACTIONS)
def test_matching_rules_are_declared_in_the_manifest(connector, name):
    rules = {(r.when.field, r.when.equals): r.then for r in connector.actions[name].manifest.rules
             if r.then.field == "matching_value"}
    assert set(rules) == {("matching_field", "email"), ("matching_field", "cio_id")}
    assert rules["matching_field", "email"].field == "matching_value"
    assert rules["matching_field", "email"].constraints.format == "email"
    assert rules["matching_field", "cio_id"].field == "matching_value"
    assert rules["matching_field", "cio_id"].constraints.pattern


def test_the_matching_pair_is_defined_once_and_reused(connector):
    group = connector.manifest.field_groups["matching"]
    assert [f.key for f in group.fields] == ["matching_field", "matching_value"]
    for name in MATCHING_ACTIONS:
        fields = connector.actions[name].manifest.fields
        start = [f.key for f in fields].index("matching_field")
        assert fields[start : start + 2] == group.fields


@pytest.mark.parametrize("name", SEGMENT_ACTIONS)
def test_segment_has_dynamic_manual_segment_options(connector, name):
    segment = _field(connector.actions[name].manifest, "segment")
    assert segment.required
    assert segment.options is not None
    assert segment.options.source == "segments"
    assert segment.options.filter == {"type": "manual"}


@pytest.mark.parametrize(
    ("name", "key", "kind"),
    [
        ("upsert_customer", "mappings", "attributes"),
        ("track_event", "mappings", "attributes"),
        ("track_page", "mappings", "attributes"),
        ("track_event", "timestamp", "datetime"),
        ("track_page", "timestamp", "datetime"),
        ("track_page", "page_url", "url"),
        ("track_event", "event_id", "string"),
        ("track_page", "event_id", "string"),
    ],
)
def test_field_types(connector, name, key, kind):
    assert _field(connector.actions[name].manifest, key).type == kind


@pytest.mark.parametrize(("name", "key", "constraint", "limit"), LIMITS, ids=lambda v: str(v))
def test_numeric_limits_equal_the_named_constants(connector, name, key, constraint, limit):
    field = _field(connector.actions[name].manifest, key)
    assert getattr(field.constraints, constraint) == limit


# -- the manifests spell Customer.io's facts exactly as cio_connector.facts does -------------------

@pytest.mark.parametrize("name", MATCHING_ACTIONS)
def test_the_cio_id_rule_is_the_facts_pattern(connector, name):
    rules = {(r.when.field, r.when.equals): r.then for r in connector.actions[name].manifest.rules
             if r.then.field == "matching_value"}
    assert rules["matching_field", "cio_id"].constraints.pattern == facts.CIO_ID_INPUT_PATTERN


@pytest.mark.parametrize("name", ["track_event", "track_page"])
def test_event_id_is_a_ulid_or_auto(connector, name):
    field = _field(connector.actions[name].manifest, "event_id")
    assert field.constraints.pattern == EVENT_ID_PATTERN
    assert EVENT_ID_PATTERN == f"^({AUTO_EVENT_ID}|{facts.ULID_PATTERN[1:-1]})$"
    assert "ULID" in field.constraints.pattern_message and AUTO_EVENT_ID in field.constraints.pattern_message


def test_the_email_format_is_the_facts_pattern(connector):
    schema = connector.actions["upsert_customer"].schema
    email_rule = next(rule["then"] for rule in schema["allOf"] if rule["if"]["properties"]["matching_field"]["const"] == "email")
    # as the facts spell it, with its \s written out for every engine (patterns.portable_pattern)
    assert email_rule["properties"]["matching_value"]["pattern"] == portable_pattern(facts.EMAIL_PATTERN)


@pytest.mark.parametrize("name", list(SPEC))
def test_no_action_field_is_both_required_and_defaulted(connector, name):
    """A default on a required field is never used by the runtime, yet a form pre-fills it: the two
    would disagree about a config that leaves the field out."""
    for field in connector.actions[name].manifest.fields:
        assert not (field.required and field.default is not None), field.key
        schema = connector.actions[name].schema
        assert not (field.key in schema["required"] and "default" in schema["properties"][field.key]), field.key


def test_no_connection_field_is_both_required_and_defaulted(connector):
    """Region above all: a default of US would send an EU workspace's data through US servers before
    Customer.io's redirect could say so, so the region is always chosen, never assumed."""
    for field in connector.manifest.connection.fields:
        assert not (field.required and field.default is not None), field.key
    assert "default" not in connector.connection_schema["properties"]["region"]
