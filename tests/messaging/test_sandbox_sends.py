"""The sandbox's transactional sends: what Customer.io answers, what it refuses, what a test can read."""

from __future__ import annotations

import time

import httpx
import pytest

from cio_connector.sandbox import SandboxServer

from ..contract.app_spec import validate_app_response
from ..sandbox.conftest import APP_HEADERS, HTTP

DAY = 86_400
EMAIL = {"transactional_message_id": 1, "to": "ada@example.com", "identifiers": {"email": "ada@example.com"}}
SMS = {"transactional_message_id": 3, "to": "+15551234567", "identifiers": {"id": "42"}}
PUSH = {"transactional_message_id": 4, "identifiers": {"id": "42"}}


def test_the_transactional_list_names_every_template(app: httpx.Client) -> None:
    answer = app.get("/v1/transactional")
    assert answer.status_code == 200
    validate_app_response("GET", "/v1/transactional", 200, answer.json())
    messages = answer.json()["messages"]
    assert [(m["id"], m["name"]) for m in messages] == [
        (1, "Password reset"), (2, "Order receipt"), (3, "Login code"), (4, "New sign-in"),
    ]


@pytest.mark.parametrize(("channel", "body"), [("email", EMAIL), ("sms", SMS), ("push", PUSH)])
def test_a_send_answers_a_delivery_id_and_is_kept(sandbox: SandboxServer, app: httpx.Client, track: httpx.Client,
                                                  channel: str, body: dict) -> None:
    track.put("/api/v1/customers/42", json={"email": "ada@example.com"})
    answer = app.post(f"/v1/send/{channel}", json={**body, "message_data": {"code": "1234"}})
    assert answer.status_code == 200, answer.text
    validate_app_response("POST", f"/v1/send/{channel}", 200, answer.json())
    sent = answer.json()
    assert set(sent) == {"delivery_id", "queued_at"} and abs(sent["queued_at"] - time.time()) < 5
    (delivery,) = sandbox.state.messaging.deliveries()
    assert delivery["delivery_id"] == sent["delivery_id"] and delivery["channel"] == channel
    assert delivery["transactional_message_id"] == body["transactional_message_id"]
    assert delivery["person"] == sandbox.state.find("42")["cio_id"]
    assert (delivery["message_data"], delivery["status"]) == ({"code": "1234"}, "sent")


def test_delivery_ids_differ(app: httpx.Client) -> None:
    ids = {app.post("/v1/send/email", json=EMAIL).json()["delivery_id"] for _ in range(5)}
    assert len(ids) == 5


def test_a_trigger_name_names_a_template_case_insensitively(sandbox: SandboxServer, app: httpx.Client) -> None:
    assert app.post("/v1/send/email", json={**EMAIL, "transactional_message_id": "Order_Receipt"}).status_code == 200
    assert sandbox.state.messaging.deliveries()[0]["transactional_message_id"] == 2


def test_a_future_send_at_is_scheduled_and_answered(sandbox: SandboxServer, app: httpx.Client) -> None:
    when = int(time.time()) + 10 * DAY
    sent = app.post("/v1/send/email", json={**EMAIL, "send_at": when}).json()
    assert sent["send_at"] == when
    assert sandbox.state.messaging.deliveries()[0]["status"] == "scheduled"
    past = app.post("/v1/send/email", json={**EMAIL, "send_at": 1_600_000_000}).json()
    assert "send_at" not in past  # a past time sends at once


REFUSED = [
    ("email", {**EMAIL, "send_at": int(time.time()) + 91 * DAY}, 400, "more than 90 days"),
    ("email", {**EMAIL, "send_at": "tomorrow"}, 400, "send_at must be a unix timestamp"),
    ("email", {**EMAIL, "to": ",".join(f"p{i}@example.com" for i in range(16))}, 400, "up to 15 total recipients"),
    ("email", {**EMAIL, "to": ",".join(f"p{i}@example.com" for i in range(10)),
               "cc": ",".join(f"c{i}@example.com" for i in range(6))}, 400, "got 16"),
    ("email", {k: v for k, v in EMAIL.items() if k != "to"}, 400, "to is required"),
    ("email", {**EMAIL, "to": "not an address"}, 400, "is not a valid email address"),
    ("email", {**EMAIL, "transactional_message_id": 99}, 404, "not found"),
    ("email", {**EMAIL, "transactional_message_id": "no_such_trigger"}, 404, "not found"),
    ("email", {**EMAIL, "transactional_message_id": 3}, 400, "is a sms message, not email"),
    ("email", {**EMAIL, "transactional_message_id": True}, 400, "integer id or a trigger name"),
    ("email", {k: v for k, v in EMAIL.items() if k != "transactional_message_id"}, 400, "must include body, subject, from"),
    ("email", {**EMAIL, "identifiers": {"id": "1", "email": "a@b.co"}}, 400, "cannot pass multiple identifiers"),
    ("email", {**EMAIL, "tracked": "yes"}, 400, "tracked must be a boolean"),
    ("email", {**EMAIL, "message_data": [1]}, 400, "message_data must be an object"),
    ("email", {**EMAIL, "attachments": {"a.txt": "not base64!"}}, 400, 'Attachment must be base64 encoded: "a.txt"'),
    ("sms", {**SMS, "to": "5551234567"}, 400, "E.164"),
    ("sms", {**SMS, "to": "+1 555 123 4567"}, 400, "E.164"),
    ("sms", {k: v for k, v in SMS.items() if k != "identifiers"}, 400, "identifiers is required"),
    ("sms", {k: v for k, v in SMS.items() if k != "transactional_message_id"}, 400, "transactional_message_id is required"),
    ("push", {**PUSH, "sound": "loud"}, 400, "sound must be default or none"),
    ("push", {**PUSH, "custom_device": {"token": "t", "platform": "windows"}}, 400, "platform must be ios or android"),
    ("push", {**PUSH, "transactional_message_id": 1}, 400, "is a email message, not push"),
]


@pytest.mark.parametrize(("channel", "body", "status", "says"), REFUSED, ids=[r[3][:30] for r in REFUSED])
def test_what_customerio_refuses_is_refused_and_not_kept(sandbox: SandboxServer, app: httpx.Client,
                                                          channel: str, body: dict, status: int, says: str) -> None:
    answer = app.post(f"/v1/send/{channel}", json=body)
    assert answer.status_code == status, answer.text
    assert says in answer.json()["meta"]["error"]
    assert sandbox.state.messaging.deliveries() == []


def test_an_attachment_of_two_megabytes_is_too_large(app: httpx.Client) -> None:
    import base64

    big = base64.b64encode(b"x" * 2_000_000).decode()
    answer = app.post("/v1/send/email", json={**EMAIL, "attachments": {"big.csv": big}})
    assert answer.status_code == 413 and "exceeds the limit" in answer.json()["meta"]["error"]


def test_auto_create_makes_a_template_for_an_unknown_trigger_name(sandbox: SandboxServer, app: httpx.Client) -> None:
    body = {**EMAIL, "transactional_message_id": "welcome_back", "auto_create": True}
    assert app.post("/v1/send/email", json=body).status_code == 200
    assert app.get("/v1/transactional").json()["messages"][-1]["name"] == "welcome_back"


def test_sends_need_the_app_key_and_the_right_region(sandbox: SandboxServer, eu_sandbox: SandboxServer) -> None:
    url = sandbox.endpoints("us")["app"] + "/v1/send/email"
    assert HTTP.post(url, json=EMAIL).status_code == 401
    assert HTTP.post(url, json=EMAIL, headers={"Authorization": "Bearer wrong"}).status_code == 401
    eu_on_us = eu_sandbox.endpoints("us")["app"] + "/v1/send/email"
    moved = HTTP.post(eu_on_us, json=EMAIL, headers=APP_HEADERS)
    assert moved.status_code == 301 and moved.headers["location"].endswith("/eu/v1/send/email")
    assert sandbox.state.messaging.deliveries() == [] and eu_sandbox.state.messaging.deliveries() == []


def test_sends_have_their_own_rate_limit_beside_the_app_apis(control: httpx.Client, app: httpx.Client) -> None:
    control.put("/rate_limits", json={"app": 1, "transactional": 2})
    statuses = [app.post("/v1/send/email", json=EMAIL).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert app.get("/v1/transactional").status_code == 200  # the other App calls' budget is untouched
    assert app.get("/v1/segments").status_code == 429
    limited = app.post("/v1/send/email", json=EMAIL)
    assert limited.json()["errors"][0]["detail"] == "Your request is over the 2-per-second limit."


def test_the_customerio_preset_allows_100_sends_and_10_other_calls_a_second(control: httpx.Client) -> None:
    limits = control.put("/rate_limits", json={"preset": "customerio"}).json()
    assert (limits["transactional"], limits["app"]) == (100, 10)


def test_templates_can_be_seeded_and_reset_restores_the_defaults(sandbox: SandboxServer, control: httpx.Client,
                                                                  app: httpx.Client) -> None:
    seed = {"messages": [{"id": 10, "name": "Shipping update", "channel": "sms", "trigger": "shipped"}]}
    assert control.post("/transactional", json=seed).status_code == 200
    assert app.post("/v1/send/sms", json={**SMS, "transactional_message_id": "SHIPPED"}).status_code == 200
    assert sandbox.state.messaging.deliveries()[0]["transactional_message_id"] == 10
    assert control.post("/transactional", json=seed).status_code == 409  # taken: nothing replaced
    control.post("/reset")
    assert [m["id"] for m in app.get("/v1/transactional").json()["messages"]] == [1, 2, 3, 4]


@pytest.mark.parametrize(("messages", "says"), [
    ({}, "messages must be an array"),
    ([{"id": 0, "name": "x", "channel": "sms"}], "messages[0].id must be a positive integer"),
    ([{"id": 9, "name": " ", "channel": "sms"}], "messages[0].name must be a non-empty string"),
    ([{"id": 9, "name": "x", "channel": "fax"}], "messages[0].channel must be one of email, sms, push"),
])
def test_bad_template_seeds_are_refused(control: httpx.Client, messages: object, says: str) -> None:
    answer = control.post("/transactional", json={"messages": messages})
    assert answer.status_code == 400 and answer.json()["error"] == says
