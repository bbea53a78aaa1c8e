"""Each new action x matching field x region builds the exact request, valid against Customer.io's specs."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import httpx
import pytest

from cio_connector import FatalApiError, InputError, RetryableApiError

from ..client.conftest import SECRETS, Recorder, connection
from ..contract.app_spec import validate_app_request
from ..contract.track_spec import validate_track_request

TRACK = {"us": "https://track.customer.io", "eu": "https://track-eu.customer.io"}
APP = {"us": "https://api.customer.io", "eu": "https://api-eu.customer.io"}
MATCHING = [
    ("id", "42", {"id": "42"}),
    ("email", "jane@example.com", {"email": "jane@example.com"}),
    ("cio_id", "a3000001", {"cio_id": "a3000001"}),
    ("cio_id", "cio_a3000001", {"cio_id": "a3000001"}),
]
ULID = "01HZY5Q7W9X2B3C4D5E6F7G8H9"
SENT = {"delivery_id": "RPILAgUBcRhIBqSfeiIwdIYJKxTY", "queued_at": 1_700_000_000}
SOON = int(time.time()) // 60 * 60 + 7 * 86_400  # a whole minute a week ahead
SOON_ISO = datetime.fromtimestamp(SOON, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate(method: str, url: str, body) -> None:
    """Against Customer.io's own spec: the Track one for /api/..., the App one for /v1/..."""
    if "/api/" in url:
        validate_track_request(method, url, body)
    else:
        validate_app_request(method, url, body)


def send(connector, recorder: Recorder, action: str, config: dict, region: str = "us", **kwargs):
    """Execute once as a dry run and once for real; both requests must fit the spec, and agree."""
    conn = connector.connection(connection(region))
    with recorder.client(conn) as client:
        before = len(recorder.requests)
        dry = connector.execute(action, config, conn, client=client, dry_run=True, **kwargs)
        assert len(recorder.requests) == before  # a dry run sends nothing
        validate(dry.request["method"], dry.request["url"], dry.request["json"])
        result = connector.execute(action, config, conn, client=client, **kwargs)
    request = recorder.last
    body = recorder.last_json()
    validate(request.method, str(request.url), body)
    assert (dry.request["url"], set(dry.request["json"])) == (str(request.url), set(body))
    return result, request, body


@pytest.fixture
def answering() -> Recorder:
    return Recorder(respond=lambda request: httpx.Response(200, json=SENT))


@pytest.mark.parametrize("region", TRACK)
def test_an_anonymous_event_is_a_v1_event_with_data(connector, recorder, region):
    config = {"anonymous_id": "anon-1", "name": " watched_video ", "mappings": {"video": "intro"},
              "timestamp": "2023-11-14T22:13:20Z", "event_id": ULID}
    _, request, body = send(connector, recorder, "track_anonymous_event", config, region)
    assert (request.method, str(request.url)) == ("POST", f"{TRACK[region]}/api/v1/events")
    assert body == {"name": "watched_video", "anonymous_id": "anon-1", "data": {"video": "intro"},
                    "timestamp": 1_700_000_000, "id": ULID}
    site, key = base64.b64decode(request.headers["authorization"].split()[1]).decode().split(":")
    assert (site, key) == ("site-123", SECRETS["track_api_key"])


def test_an_anonymous_event_sends_only_what_was_given(connector, recorder):
    _, _, body = send(connector, recorder, "track_anonymous_event", {"name": "invite"})
    assert body == {"name": "invite"}


def test_event_id_auto_gives_each_anonymous_event_a_fresh_ulid(connector, recorder):
    first = send(connector, recorder, "track_anonymous_event", {"name": "x", "event_id": "auto"})[2]["id"]
    second = send(connector, recorder, "track_anonymous_event", {"name": "x", "event_id": "auto"})[2]["id"]
    assert first != second and len(first) == 26


@pytest.mark.parametrize("region", TRACK)
def test_a_delivery_metric_is_a_v1_metric(connector, recorder, region):
    config = {"delivery_id": "RPILAgUBcRhIBqSfeiIwdIYJKxTY", "metric": "clicked", "recipient": "ada@example.com",
              "href": "https://example.com/offer", "timestamp": 1_700_000_000}
    _, request, body = send(connector, recorder, "report_delivery_metric", config, region)
    assert (request.method, str(request.url)) == ("POST", f"{TRACK[region]}/api/v1/metrics")
    assert body == {"delivery_id": "RPILAgUBcRhIBqSfeiIwdIYJKxTY", "metric": "clicked",
                    "timestamp": 1_700_000_000, "recipient": "ada@example.com", "href": "https://example.com/offer"}


@pytest.mark.parametrize("region", APP)
@pytest.mark.parametrize(("field", "value", "identifiers"), MATCHING)
def test_a_transactional_email_names_the_person_and_the_recipient(connector, answering, region, field, value, identifiers):
    config = {"transactional_message_id": 2, "matching_field": field, "matching_value": value,
              "to": '"Jane Doe" <jane@example.com>', "message_data": {"order": "A-1"}, "subject": "Your order",
              "from": "shop@example.com", "send_at": SOON_ISO, "send_to_unsubscribed": False,
              "tracked": True, "queue_draft": False, "disable_message_retention": True}
    result, request, body = send(connector, answering, "send_transactional_email", config, region)
    assert (request.method, str(request.url)) == ("POST", f"{APP[region]}/v1/send/email")
    assert request.headers["authorization"] == f"Bearer {SECRETS['app_api_key']}"
    assert body == {"transactional_message_id": 2, "identifiers": identifiers, "to": '"Jane Doe" <jane@example.com>',
                    "message_data": {"order": "A-1"}, "subject": "Your order", "from": "shop@example.com",
                    "send_to_unsubscribed": False, "tracked": True, "queue_draft": False,
                    "disable_message_retention": True, "send_at": SOON}
    assert result.response == SENT


def test_an_email_to_a_person_matched_by_email_goes_to_that_address(connector, answering):
    config = {"transactional_message_id": 1, "matching_field": "email", "matching_value": "ada@example.com"}
    _, _, body = send(connector, answering, "send_transactional_email", config)
    assert body == {"transactional_message_id": 1, "identifiers": {"email": "ada@example.com"}, "to": "ada@example.com"}


@pytest.mark.parametrize(("field", "value", "label"), [("id", "42", "External ID"), ("cio_id", "a3000001", "CIO ID")])
def test_an_email_to_a_person_matched_otherwise_needs_to(connector, recorder, field, value, label):
    config = {"transactional_message_id": 1, "matching_field": field, "matching_value": value}
    with pytest.raises(InputError) as caught:
        connector.execute("send_transactional_email", config, connector.connection(connection()),
                          client=recorder.client(connector.connection(connection())))
    (problem,) = caught.value.problems
    assert problem.path == "$.to" and f"is required when Matching Field Name is {label}" in problem.message
    assert recorder.requests == []


@pytest.mark.parametrize("region", APP)
@pytest.mark.parametrize(("field", "value", "identifiers"), MATCHING)
def test_a_transactional_sms_goes_to_an_e164_number(connector, answering, region, field, value, identifiers):
    config = {"transactional_message_id": 3, "matching_field": field, "matching_value": value, "to": "+15551234567",
              "message_data": {"code": "123456"}}
    _, request, body = send(connector, answering, "send_transactional_sms", config, region)
    assert str(request.url) == f"{APP[region]}/v1/send/sms"
    assert body == {"transactional_message_id": 3, "identifiers": identifiers, "to": "+15551234567",
                    "message_data": {"code": "123456"}}


@pytest.mark.parametrize("region", APP)
@pytest.mark.parametrize(("field", "value", "identifiers"), MATCHING)
def test_a_transactional_push_goes_to_the_persons_devices(connector, answering, region, field, value, identifiers):
    config = {"transactional_message_id": 4, "matching_field": field, "matching_value": value, "title": "New sign-in",
              "message": "Was it you?", "to": "last_used", "send_at": SOON}
    _, request, body = send(connector, answering, "send_transactional_push", config, region)
    assert str(request.url) == f"{APP[region]}/v1/send/push"
    assert body == {"transactional_message_id": 4, "identifiers": identifiers, "title": "New sign-in",
                    "message": "Was it you?", "to": "last_used", "send_at": SOON}


BAD = [
    ("send_transactional_sms", {"to": "5551234567"}, "$.to", "E.164"),
    ("send_transactional_email", {"to": "a@example.com, b@example.com"}, "$.to", "one email address"),
    ("send_transactional_email", {"from": "not an address"}, "$.from", "one email address"),
    ("send_transactional_email", {"transactional_message_id": 0}, "$.transactional_message_id", ""),
    ("send_transactional_email", {"send_at": "next week"}, "$.send_at", "ISO-8601"),
    ("send_transactional_email", {"tracked": "yes"}, "$.tracked", ""),
    ("send_transactional_push", {"to": "all devices"}, "$.to", "no spaces"),
]
BASE = {
    "send_transactional_email": {"transactional_message_id": 1, "matching_field": "email", "matching_value": "a@b.co"},
    "send_transactional_sms": {"transactional_message_id": 3, "matching_field": "id", "matching_value": "42",
                               "to": "+15551234567"},
    "send_transactional_push": {"transactional_message_id": 4, "matching_field": "id", "matching_value": "42"},
}


@pytest.mark.parametrize(("action", "change", "path", "says"), BAD)
def test_bad_input_to_a_send_is_a_problem_at_its_path_and_nothing_is_sent(connector, recorder, action, change, path, says):
    conn = connector.connection(connection())
    with pytest.raises(InputError) as caught:
        connector.execute(action, {**BASE[action], **change}, conn, client=recorder.client(conn))
    assert [p.path for p in caught.value.problems] == [path]
    assert says in caught.value.problems[0].message
    assert recorder.requests == []


@pytest.mark.parametrize(("action", "config", "path"), [
    ("track_anonymous_event", {"name": " "}, "$.name"),
    ("track_anonymous_event", {"name": "x", "event_id": "12345"}, "$.event_id"),
    ("track_anonymous_event", {"name": "x", "mappings": {"k": "v" * 100_000}}, "$.mappings"),
    ("report_delivery_metric", {"delivery_id": "d", "metric": "liked"}, "$.metric"),
    ("report_delivery_metric", {"metric": "opened"}, "$.delivery_id"),
    ("report_delivery_metric", {"delivery_id": "d", "metric": "clicked", "href": "not a url"}, "$.href"),
])
def test_bad_input_to_a_v1_action_is_a_problem_at_its_path(connector, recorder, action, config, path):
    conn = connector.connection(connection())
    with pytest.raises(InputError) as caught:
        connector.execute(action, config, conn, client=recorder.client(conn))
    assert path in [p.path for p in caught.value.problems]
    assert recorder.requests == []


def test_a_send_whose_answer_was_lost_is_not_retried(connector):
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    lost = Recorder(respond=fail)
    conn = connector.connection(connection())
    with pytest.raises(RetryableApiError), lost.client(conn, retries=3) as client:
        connector.execute("send_transactional_sms", BASE["send_transactional_sms"], conn, client=client)
    assert len(lost.requests) == 1


def test_a_send_refused_before_processing_is_retried(connector):
    answers = iter([httpx.Response(429, json={}), httpx.Response(200, json=SENT)])
    busy = Recorder(respond=lambda request: next(answers))
    conn = connector.connection(connection())
    with busy.client(conn, retries=3) as client:
        result = connector.execute("send_transactional_push", BASE["send_transactional_push"], conn, client=client)
    assert len(busy.requests) == 2 and result.response == SENT


def test_an_unknown_template_is_blamed_on_the_transactional_message_field(connector):
    missing = Recorder(respond=lambda request: httpx.Response(404, json={"meta": {"error": "transactional message 9 not found"}}))
    conn = connector.connection(connection())
    with pytest.raises(FatalApiError) as caught, missing.client(conn) as client:
        connector.execute("send_transactional_email", {**BASE["send_transactional_email"], "transactional_message_id": 9},
                          conn, client=client)
    assert caught.value.problems[0].path == "$.transactional_message_id"


def test_a_send_at_more_than_90_days_ahead_is_refused_before_sending(connector, recorder):
    conn = connector.connection(connection())
    late = int(time.time()) + 91 * 86_400
    with pytest.raises(InputError) as caught:
        connector.execute("send_transactional_sms", {**BASE["send_transactional_sms"], "send_at": late}, conn,
                          client=recorder.client(conn))
    assert caught.value.problems[0].path == "$.send_at" and "90 days" in caught.value.problems[0].message
    assert recorder.requests == []


def test_a_matching_email_with_quotes_or_commas_is_refused_before_anything_is_sent(connector, recorder):
    conn = connector.connection(connection())
    config = {**BASE["send_transactional_email"], "matching_value": '"a,b"@example.com'}
    with pytest.raises(InputError) as caught:
        connector.execute("send_transactional_email", config, conn, client=recorder.client(conn))
    # The stricter email rule (no quotes or commas) refuses such an address as the match itself.
    (problem,) = caught.value.problems
    assert problem.path == "$.matching_value"
    assert recorder.requests == []
