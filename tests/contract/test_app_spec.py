"""Tests for the App API spec helper and its vendored subset (transactional sends and their list)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from . import vendor_app_spec
from .app_spec import SUBSET_PATH, load_app_spec, validate_app_request, validate_app_response

REPO = Path(__file__).resolve().parents[2]
WHO = {"identifiers": {"id": "42"}}

VALID: list[tuple[str, str, Any]] = [
    ("POST", "/v1/send/email", {"transactional_message_id": 2, "to": "a@b.co", **WHO, "message_data": {"x": 1},
                                "send_at": 1700000000, "tracked": True, "from": "s@b.co", "subject": "Hi"}),
    ("POST", "/v1/send/email", {"transactional_message_id": "pwdreset", "to": '"A" <a@b.co>'}),
    ("POST", "https://api-eu.customer.io/v1/send/sms", {"transactional_message_id": 3, "to": "+15551234567", **WHO}),
    ("POST", "http://127.0.0.1:5000/us/v1/send/push", {"transactional_message_id": 4, **WHO, "to": "last_used",
                                                        "title": "T", "message": "M"}),
    ("GET", "/v1/transactional", None),
]


@pytest.mark.parametrize(("method", "url", "body"), VALID, ids=lambda v: v[:40] if isinstance(v, str) else "")
def test_valid_requests_pass(method: str, url: str, body: Any) -> None:
    validate_app_request(method, url, body)


INVALID: list[tuple[str, str, Any, str]] = [
    ("POST", "/v1/send/email", {"transactional_message_id": 2, **WHO}, "$: 'to' is a required property"),
    ("POST", "/v1/send/email", {"to": "a@b.co", "identifiers": {"id": "1", "email": "a@b.co"}},
     "$.identifiers: {'id': '1', 'email': 'a@b.co'} is valid under each of"),
    ("POST", "/v1/send/email", {"to": "a@b.co", "send_at": "2030-01-01"}, "$.send_at: '2030-01-01' is not of type 'integer'"),
    ("POST", "/v1/send/sms", {"transactional_message_id": 3, **WHO}, "'to' is a required property"),
    ("POST", "/v1/send/sms", {"to": "+15551234567", **WHO}, "'transactional_message_id' is a required property"),
    ("POST", "/v1/send/push", {"transactional_message_id": 4}, "'identifiers' is a required property"),
    ("POST", "/v1/send/push", {"transactional_message_id": 4.5, **WHO}, "is not valid under any of the given schemas"),
    ("POST", "/v1/send/whatsapp", {}, "no operation in the App spec subset"),
    ("GET", "/v1/transactional", {}, "listTransactional takes no request body"),
]


@pytest.mark.parametrize(("method", "url", "body", "expected"), INVALID, ids=lambda v: v[:40] if isinstance(v, str) else "")
def test_invalid_requests_fail_saying_why(method: str, url: str, body: Any, expected: str) -> None:
    with pytest.raises(AssertionError) as caught:
        validate_app_request(method, url, body)
    assert expected in str(caught.value), str(caught.value)


def test_answers_are_checked_against_the_documented_statuses() -> None:
    validate_app_response("POST", "/v1/send/email", 200, {"delivery_id": "d", "queued_at": 1700000000})
    with pytest.raises(AssertionError, match="'soon' is not of type 'integer'"):
        validate_app_response("POST", "/v1/send/email", 200, {"delivery_id": "d", "queued_at": "soon"})
    with pytest.raises(AssertionError, match="status 404 is not documented"):
        validate_app_response("POST", "/v1/send/sms", 404, {})


def test_vendored_subset_is_small_and_holds_only_the_operations_called() -> None:
    doc = load_app_spec()
    assert SUBSET_PATH.stat().st_size < 60_000
    wanted = {path: sorted(methods) for operations in vendor_app_spec.OPERATIONS.values() for path, methods in operations.items()}
    assert {path: sorted(set(ops) - {"parameters"}) for path, ops in doc["paths"].items()} == wanted


def _source_folder() -> Path | None:
    candidates = [os.environ.get("CIO_APP_SPECS"), REPO.parent / "shared/reference"]
    return next((Path(c) for c in candidates if c and all((Path(c) / n).is_file() for n in vendor_app_spec.OPERATIONS)), None)


def test_vendored_subset_matches_the_generator_output() -> None:
    folder = _source_folder()
    if folder is None:
        pytest.skip("App OpenAPI sources not found (set CIO_APP_SPECS to the folder holding them)")
    specs = {name: vendor_app_spec.load(folder / name) for name in vendor_app_spec.OPERATIONS}
    fresh = vendor_app_spec.render(vendor_app_spec.build_subset(specs))
    assert SUBSET_PATH.read_text(encoding="utf-8") == fresh, (
        f"{SUBSET_PATH.name} is stale: run python tests/contract/vendor_app_spec.py <folder with the App specs>")
