"""No secret value ever appears in a problem, an error, a repr, or a dry run's output."""

from __future__ import annotations

import base64

import pytest

from cio_connector import ConnectionConfigError, Problem
from cio_connector.declarative.validation import SchemaChecker

APP_KEY = "app-KEY-5ecr3t-0f-the-app-api"
TRACK_KEY = "trk-KEY-5ecr3t-0f-the-track-api"
GOOD = {"region": "us", "site_id": "site-123", "app_api_key": APP_KEY, "track_api_key": TRACK_KEY}


def _leaks(text: str, *secrets: str) -> list[str]:
    return [s for s in secrets if s in text]


def _everything(problems: list[Problem]) -> str:
    return "\n".join(f"{p}|{p!r}|{p.to_dict()}|{p.location}" for p in problems)


BROKEN_SECRETS = [
    pytest.param("with a space", id="space"),
    pytest.param("tab\tinside", id="tab"),
    pytest.param("x" * 513, id="too-long"),
    pytest.param("ünïcödé with space " * 40, id="too-long-and-spaces"),
    pytest.param(" leading", id="leading-space"),
]


@pytest.mark.parametrize("secret", BROKEN_SECRETS)
@pytest.mark.parametrize("key", ["app_api_key", "track_api_key"])
def test_a_secret_breaking_its_constraints_is_never_echoed(connector, key, secret):
    connection = {**GOOD, key: secret}
    problems = connector.validate_connection(connection)
    assert problems and {p.path for p in problems} == {f"$.{key}"}
    assert {p.label for p in problems} == {"App API Key" if key == "app_api_key" else "Track API Key"}
    assert _leaks(_everything(problems), secret, APP_KEY, TRACK_KEY) == []
    with pytest.raises(ConnectionConfigError) as caught:
        connector.connection(connection)
    rendered = f"{caught.value}|{caught.value!r}|{caught.value.args}|{_everything(list(caught.value.problems))}"
    assert _leaks(rendered, secret, APP_KEY, TRACK_KEY) == []


def test_broken_secrets_next_to_other_problems_are_never_echoed(connector):
    connection = {"region": "mars", "site_id": "has space", "app_api_key": "a b", "track_api_key": "c d",
                  "extra": "e f", "endpoints": {"track": "ftp://nope", "app": "x"}}
    problems = connector.validate_connection(connection)
    assert [p.path for p in problems] == [
        "$.region", "$.app_api_key", "$.site_id", "$.track_api_key", "$.endpoints.app", "$.endpoints.track", "$.extra",
    ]
    text = _everything(problems)
    assert _leaks(text, "a b", "c d") == []
    assert "'mars' is not one of" in text  # non-secret values may be quoted back


@pytest.mark.parametrize("secret", ["", 123, None, ["a-list"], {"key": "in-a-dict"}])
def test_wrong_types_for_secrets_say_what_is_wrong_without_the_value(connector, secret):
    problems = connector.validate_connection({**GOOD, "app_api_key": secret})
    assert [p.path for p in problems] == ["$.app_api_key"]
    assert "a-list" not in _everything(problems) and "in-a-dict" not in _everything(problems)


def test_a_message_that_would_quote_a_secret_is_redacted():
    # No shipped secret has choices today; the checker must still never quote one back.
    schema = {"type": "object", "properties": {"key": {"oneOf": [{"const": "a", "title": "A"}]}, "open": {"const": "b"}}}
    checker = SchemaChecker(schema, is_secret=lambda parts: parts == ("key",))
    problems = checker.problems({"key": APP_KEY, "open": "visible"})
    assert [(p.path, p.message) for p in problems] == [("$.key", "is invalid"), ("$.open", "must be 'b'")]
    assert _leaks(_everything(problems), APP_KEY) == []


def test_connection_repr_and_str_hold_no_secret(connector):
    conn = connector.connection(GOOD)
    for text in (repr(conn), str(conn), repr(conn.cache_key()), str(conn.cache_key())):
        assert _leaks(text, APP_KEY, TRACK_KEY) == []
    assert (conn.app_api_key, conn.track_api_key) == (APP_KEY, TRACK_KEY)


@pytest.mark.parametrize(
    ("action", "config"),
    [
        ("upsert_customer", {"matching_field": "email", "matching_value": "ada@example.com", "mappings": {"plan": "pro"}}),
        ("delete_customer", {"matching_field": "id", "matching_value": "42"}),
        ("add_customer_to_segment", {"matching_field": "id", "matching_value": "42", "segment": 7}),
        ("remove_customer_from_segment", {"matching_field": "cio_id", "matching_value": "cio_1", "segment": 7}),
        ("track_event", {"name": "purchase", "customer_id": "42", "event_id": "01HXJ5Z9Q4W6ZK3V8N2M7R1T0Y"}),
        ("track_page", {"customer_id": "42", "page_url": "/pricing"}),
    ],
)
@pytest.mark.parametrize("region", ["us", "eu"])
def test_dry_run_masks_the_authorization_header(connector, action, config, region):
    result = connector.execute(action, config, {**GOOD, "region": region}, dry_run=True)
    assert result.dry_run is True
    data = result.to_dict()
    headers = {k.lower(): v for k, v in data["request"]["headers"].items()}
    assert headers["authorization"].split(" ", 1)[1] == "********"
    basic = base64.b64encode(f"site-123:{TRACK_KEY}".encode()).decode()
    text = f"{data}|{result!r}"
    assert _leaks(text, APP_KEY, TRACK_KEY, basic, basic[:20]) == []


def test_execute_with_a_bad_connection_raises_without_the_secret(connector):
    with pytest.raises(ConnectionConfigError) as caught:
        connector.execute("delete_customer", {"matching_field": "id", "matching_value": "1"},
                          {**GOOD, "track_api_key": f"{TRACK_KEY} oops"}, dry_run=True)
    assert _leaks(f"{caught.value}|{caught.value!r}", TRACK_KEY) == []


def test_action_problems_do_not_echo_a_secret_used_as_a_value(connector):
    # Someone pastes a key into a config field by mistake: the byte-limit message gives sizes, not the value.
    problems = connector.validate("delete_customer", {"matching_field": "id", "matching_value": TRACK_KEY * 10})
    assert _leaks(_everything(problems), TRACK_KEY) == []
