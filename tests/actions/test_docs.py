"""The README's action table says what each handler declares, and names every shipped action once."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import CONFIGS

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(?P<name>\w+)` \| [^|]+ \| (?P<endpoint>[^|]+) \| (?P<idempotent>yes|no) \| (?P<destructive>yes|no) \|$")


def rows() -> dict[str, dict[str, str]]:
    section = README.read_text().split("\n## Actions\n", 1)[1].split("\n## ", 1)[0]
    found = [match.groupdict() for line in section.splitlines() if (match := ROW.match(line))]
    assert len({row["name"] for row in found}) == len(found), "an action listed twice"
    return {row["name"]: row for row in found}


def test_every_action_has_one_row_in_manifest_order(connector):
    assert list(rows()) == list(connector.actions)


def test_each_row_says_what_the_handler_declares(connector):
    for name, row in rows().items():
        action = connector.actions[name]
        assert (row["idempotent"] == "yes") is action.idempotent, name
        assert (row["destructive"] == "yes") is action.destructive, name


#: A valid config for every action, to check the endpoint its row names.
EXAMPLES = {
    "upsert_customer": {"matching_field": "id", "matching_value": "1"},
    "delete_customer": {"matching_field": "id", "matching_value": "1"},
    "add_customer_to_segment": {"matching_field": "id", "matching_value": "1", "segment": 1},
    "remove_customer_from_segment": {"matching_field": "id", "matching_value": "1", "segment": 1},
    "track_event": {"name": "x", "customer_id": "1"},
    "track_page": {"customer_id": "1", "page_url": "/x"},
    **CONFIGS,
    # issue 17's Track v1 and App API ones
    "track_anonymous_event": {"name": "x"},
    "report_delivery_metric": {"delivery_id": "d", "metric": "opened"},
    "send_transactional_email": {"transactional_message_id": 1, "matching_field": "email", "matching_value": "a@b.co"},
    "send_transactional_sms": {"transactional_message_id": 3, "matching_field": "id", "matching_value": "1",
                               "to": "+15551234567"},
    "send_transactional_push": {"transactional_message_id": 4, "matching_field": "id", "matching_value": "1"},
}


def test_each_row_names_the_endpoint_the_handler_calls(connector):
    listed = rows()
    for name, config in EXAMPLES.items():
        request, endpoint = connector.build_request(name, config), listed[name]["endpoint"].strip()
        if request.path == "/api/v2/entity":
            assert endpoint == f"Track v2 `{request.json['type']}` `{request.json['action']}`", name
        else:  # "Track v1 `POST /api/v1/segments/{id}/add_customers`", with segment 1
            method, path = endpoint.split("`")[1].split(" ", 1)
            assert (request.method, request.path) == (method, re.sub(r"\{\w+\}", "1", path)), name
