"""The connector's limits and the sandbox's agree: at the limit both accept; one past it the
connector refuses before sending, and the sandbox, sent the same request anyway, refuses too."""

from __future__ import annotations

import time

import pytest

from cio_connector import FatalApiError, InputError
from cio_connector._util.jsonbytes import json_size
from cio_connector.facts import ENTITY_MAX_BYTES, EVENT_DATA_MAX_BYTES, SEND_AT_MAX_DAYS_AHEAD
from cio_connector.handlers.events import track_event

E = "é"  # two UTF-8 bytes: limits count bytes, not characters


def upsert(value="p-1", **mappings):
    return "upsert_customer", {"matching_field": "id", "matching_value": value, "mappings": mappings}


def event(name="purchase", **mappings):
    return "track_event", {"name": name, "customer_id": "p-1", "mappings": mappings}


def event_of_size(size):
    """A track_event config whose Track v2 entity is exactly ``size`` bytes of compact JSON."""
    action, config = event(blob="")
    padding = size - json_size(track_event(config).json)
    return event(blob="b" * padding)


def page(url):
    return "track_page", {"customer_id": "p-1", "page_url": url}


def anonymous(size):
    """A track_anonymous_event config whose v1 ``data`` is exactly ``size`` bytes of compact JSON."""
    return "track_anonymous_event", {"name": "visited", "mappings": {"blob": "b" * (size - len('{"blob":""}'))}}


def sms_at(days_ahead):
    send_at = int(time.time() + days_ahead * 86_400)
    return "send_transactional_sms", {"transactional_message_id": 3, "matching_field": "id", "matching_value": "p-1",
                                      "to": "+15551234567", "send_at": send_at}


CASES = {
    "identifier bytes": (upsert(E * 75), upsert(E * 75 + "x"), "$.matching_value"),
    "attribute name bytes": (upsert(**{E * 75: 1}), upsert(**{E * 75 + "x": 1}), "$.mappings"),
    "attribute value bytes": (upsert(note=E * 500), upsert(note=E * 500 + "x"), "$.mappings.note"),
    "attribute count": (upsert(**{f"a{i}": i for i in range(300)}), upsert(**{f"a{i}": i for i in range(301)}), "$.mappings"),
    "event name bytes": (event(E * 50), event(E * 50 + "x"), "$.name"),
    "page name bytes": (page("https://example.com/" + "p" * 80), page("https://example.com/" + "p" * 81), "$.page_url"),
    "entity bytes": (event_of_size(ENTITY_MAX_BYTES), event_of_size(ENTITY_MAX_BYTES + 1), "$.mappings"),
    "entity bytes read as KiB": (event_of_size(ENTITY_MAX_BYTES), event_of_size(32 * 1024), "$.mappings"),
    "v1 event data bytes": (anonymous(EVENT_DATA_MAX_BYTES), anonymous(EVENT_DATA_MAX_BYTES + 1), "$.mappings"),
    "send_at days ahead": (sms_at(SEND_AT_MAX_DAYS_AHEAD - 1), sms_at(SEND_AT_MAX_DAYS_AHEAD + 1), "$.send_at"),
}


@pytest.mark.parametrize("case", CASES)
def test_limits_agree(connector, conn, client, sandbox, case):
    (action, fits), (_, over), path = CASES[case]
    connector.execute(*upsert(), conn, client=client)
    assert connector.execute(action, fits, conn, client=client).status == 200

    with pytest.raises(InputError) as refused:
        connector.execute(action, over, conn, client=client)
    assert any(p.path.startswith(path) for p in refused.value.problems), refused.value

    raw = connector.actions[action].handler(over)  # the same request, validation skipped
    with pytest.raises(FatalApiError) as rejected:
        client.send(raw)
    assert rejected.value.status == 400
