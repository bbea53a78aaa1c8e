"""Send a transactional email, SMS or push (App API ``POST /v1/send/{email,sms,push}``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .._util.timestamps import unix_seconds
from ..errors import Problem
from ..facts import SEND_AT_MAX_DAYS_AHEAD
from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest
from ..pipeline.splice import Shape, Var, spliced
from .identity import identifiers_for, identifiers_template

__all__ = ["SEND_PATHS", "send_transactional_email", "send_transactional_push", "send_transactional_sms"]

SEND_PATHS = {channel: f"/v1/send/{channel}" for channel in ("email", "sms", "push")}
_DAY = 86_400
# Characters that split or wrap recipients in ``to`` ("Name" <a@b.co>, a@b.co, c@d.co).
_RECIPIENT_MARKS = (",", '"', "<", ">")

_COMMON = {
    "transactional_message_id": "$.transactional_message_id",
    "identifiers": "$.matching_value",
    "message_data": "$.message_data",
    "send_at": "$.send_at",
    "to": "$.to",
}
# Sent under the same name when given; otherwise the template's own setting applies.
_EMAIL_OPTIONAL = ("subject", "from", "send_to_unsubscribed", "tracked", "queue_draft", "disable_message_retention")
_PUSH_OPTIONAL = ("title", "message", "to")
_EMAIL_FIELDS = {**_COMMON, **{key: f"$.{key}" for key in _EMAIL_OPTIONAL}}
_PUSH_FIELDS = {**_COMMON, **{key: f"$.{key}" for key in _PUSH_OPTIONAL}}


def _send_at(value: Any) -> tuple[int, tuple[Problem, ...]]:
    """Unix seconds, and the problem when that is further ahead than Customer.io schedules."""
    at = unix_seconds(value)
    ahead = at - time.time()
    if ahead <= SEND_AT_MAX_DAYS_AHEAD * _DAY:
        return at, ()
    message = (
        f"is {ahead / _DAY:,.1f} days ahead; Customer.io schedules a send at most "
        f"{SEND_AT_MAX_DAYS_AHEAD} days ahead"
    )
    return at, (Problem("$.send_at", message, code="too_far_ahead", location=("send_at",)),)


def _send(channel: str, inputs: Mapping[str, Any], optional: tuple[str, ...], fields: Mapping[str, str],
          **extra: Any) -> ApiRequest:
    """One send: a repeat would be a second message, and a 404 names the template."""
    body: dict[str, Any] = {
        "transactional_message_id": inputs["transactional_message_id"],
        "identifiers": identifiers_for(inputs["matching_field"], inputs["matching_value"]),
        **extra,
    }
    if inputs.get("message_data"):
        body["message_data"] = dict(inputs["message_data"])
    for key in optional:
        if inputs.get(key) is not None:
            body[key] = inputs[key]
    problems: tuple[Problem, ...] = ()
    if inputs.get("send_at") is not None:
        body["send_at"], problems = _send_at(inputs["send_at"])
    return ApiRequest(
        "app", "POST", SEND_PATHS[channel], json=body, field_map=tuple(fields.items()),
        not_found="transactional_message_id", idempotent=False, problems=problems,
    )


def _one_recipient(address: str) -> str:
    """The Matching Value as the recipient; one that would read as several is the handler's to
    explain (ValueError sends the record down the general path)."""
    if any(mark in address for mark in _RECIPIENT_MARKS):
        raise ValueError("Matching Value would not read as one recipient")
    return address


def _compile_send(channel: str, optional: tuple[str, ...], fields: Mapping[str, str]) -> Any:
    """``_send`` for inputs of a shape; a ``send_at`` (checked against the clock per request) and
    an email's recipient taken from a Matching Value read from the record run the handler."""

    def compile_send(shape: Shape) -> Any:
        identifiers = identifiers_template(shape, "matching_field", "matching_value")
        if identifiers is None or "transactional_message_id" not in shape or "send_at" in shape:
            return None
        body: dict[str, Any] = {"transactional_message_id": shape.mirror("transactional_message_id"),
                                "identifiers": identifiers}
        if channel == "email":
            to = shape.mirror("to") if "to" in shape else None
            if to is None and shape.value("matching_field") == "email":
                to = shape.mirror("matching_value")
                if isinstance(to, Var):
                    to = Var(to.path, convert=_one_recipient)
                elif any(mark in to for mark in _RECIPIENT_MARKS):
                    return None
            body["to"] = to
        elif channel == "sms":
            if "to" not in shape:
                return None
            body["to"] = shape.mirror("to")
        if "message_data" in shape:
            data = shape.mirror("message_data")
            if not isinstance(data, dict):
                return None
            if data:
                body["message_data"] = data
        for key in optional:  # a record's value is never null here: the schema types each one
            if key in shape and (value := shape.mirror(key)) is not None:
                body[key] = value
        return spliced(body, api="app", method="POST", path=SEND_PATHS[channel], field_map=tuple(fields.items()),
                       not_found="transactional_message_id", idempotent=False)

    return compile_send


@handler("send_transactional_email", field_map=_EMAIL_FIELDS, idempotent=False,
         compile=_compile_send("email", _EMAIL_OPTIONAL, _EMAIL_FIELDS))
def send_transactional_email(inputs: Mapping[str, Any]) -> ApiRequest:
    """``to`` is the person's own address when they are matched by email (the manifest requires
    it otherwise), unless that address would read as more than one recipient."""
    to = inputs.get("to")
    if to is None and inputs["matching_field"] == "email":
        to = inputs["matching_value"]
        if any(mark in to for mark in _RECIPIENT_MARKS):
            request = _send("email", inputs, _EMAIL_OPTIONAL, _EMAIL_FIELDS, to=to)
            message = ("is required: Matching Value holds a comma, quote or angle bracket, so as the "
                       "recipient it would not read as one address")
            problem = Problem("$.to", message, code="required", location=("to",))
            return replace(request, problems=(*request.problems, problem))
    return _send("email", inputs, _EMAIL_OPTIONAL, _EMAIL_FIELDS, to=to)


@handler("send_transactional_sms", field_map=_COMMON, idempotent=False, compile=_compile_send("sms", (), _COMMON))
def send_transactional_sms(inputs: Mapping[str, Any]) -> ApiRequest:
    return _send("sms", inputs, (), _COMMON, to=inputs["to"])


@handler("send_transactional_push", field_map=_PUSH_FIELDS, idempotent=False,
         compile=_compile_send("push", _PUSH_OPTIONAL, _PUSH_FIELDS))
def send_transactional_push(inputs: Mapping[str, Any]) -> ApiRequest:
    return _send("push", inputs, _PUSH_OPTIONAL, _PUSH_FIELDS)
