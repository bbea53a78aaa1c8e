"""Handlers declare idempotence and destructiveness; requests, hosts and tools read it from there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from cio_connector.host.cargo import cargo_manifest
from cio_connector.host.spec import spec_document
from cio_connector.pipeline.registry import HandlerRegistry, handler
from cio_connector.pipeline.request import ApiRequest

DESTRUCTIVE = {
    "delete_customer",
    "remove_customer_from_segment",
    "delete_object",
    "remove_relationship",
    "delete_device",
    "merge_customers",
    "suppress_customer",
}
NOT_IDEMPOTENT = {
    "merge_customers", "track_event", "track_page", "track_screen", "track_anonymous_event",
    "send_transactional_email", "send_transactional_sms", "send_transactional_push",
}


def _request(inputs: Mapping[str, Any]) -> ApiRequest:
    return ApiRequest("track", "POST", "/api/v2/entity", json=dict(inputs))


def test_an_undeclared_handler_is_idempotent_and_not_destructive():
    spec = HandlerRegistry([handler("plain")(_request)]).spec("plain")
    assert (spec.idempotent, spec.destructive) == (True, False)
    assert spec.build({"action": "identify"}).idempotent is True


def test_a_non_idempotent_handler_is_resent_only_with_customerios_dedupe_id():
    spec = HandlerRegistry([handler("once", idempotent=False, destructive=True)(_request)]).spec("once")
    assert (spec.idempotent, spec.destructive) == (False, True)
    assert spec.build({"action": "merge"}).idempotent is False
    assert spec.build({"action": "event", "id": "01HZY5Q7W9X2B3C4D5E6F7G8H9"}).idempotent is True


def test_adding_a_handler_under_another_name_keeps_what_it_declared():
    registry = HandlerRegistry()
    registry.add(handler("once", idempotent=False)(_request), name="twice")
    assert registry.spec("twice").idempotent is False and registry.spec("twice").name == "twice"


@pytest.mark.parametrize("name", ["merge_customers", "suppress_customer", "identify_object", "track_screen", "upsert_customer"])
def test_the_loaded_action_carries_the_declaration(connector, name):
    action = connector.actions[name]
    assert action.destructive is (name in DESTRUCTIVE) and action.idempotent is (name not in NOT_IDEMPOTENT)


def test_every_shipped_action_declares_what_issue_17_asks(connector):
    assert {name for name, a in connector.actions.items() if a.destructive} == DESTRUCTIVE
    assert {name for name, a in connector.actions.items() if not a.idempotent} == NOT_IDEMPOTENT


def test_the_spec_document_and_the_cargo_manifest_read_the_declaration(connector):
    document = spec_document(connector)
    manifest = cargo_manifest(connector).model_dump(exclude_none=True)
    for name, action in connector.actions.items():
        assert document["actions"][name]["destructive"] is action.destructive
        assert document["actions"][name]["idempotent"] is action.idempotent
        attempts = manifest["actions"][name]["retry"]["maximumAttempts"]
        assert (attempts == 1) is (not action.idempotent)
