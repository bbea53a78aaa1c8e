"""What ``POST /v1/send/{email,sms,push}`` refuses, checked as Customer.io documents it (App send spec)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from .customerio_rules import (
    ATTACHMENTS_MAX_BYTES,
    EMAIL_RECIPIENTS_MAX,
    SEND_AT_MAX_DAYS_AHEAD,
    looks_like_e164,
    looks_like_email,
)
from .identity import Identifier, identifier_from_object
from .transactional import Channel
from .validation import identifier_problem

__all__ = ["SendRefused", "SendRequest", "check_send", "recipients"]

_DAY = 86_400
_BOOLEANS = ("send_to_unsubscribed", "tracked", "queue_draft", "disable_message_retention", "auto_create",
             "fake_bcc", "disable_css_preprocessing")
_EMAIL_TEXTS = ("subject", "from", "body", "body_amp", "body_plain", "reply_to", "preheader", "language", "headers")
_PUSH_TEXTS = ("title", "message", "image_url", "link", "language")
_SMS_TEXTS = ("from", "language")
_PUSH_SOUNDS = ("default", "none")
_PLATFORMS = ("ios", "android")
_ADDRESS = re.compile(r"<([^<>]*)>\s*$")


class SendRefused(Exception):
    """A send Customer.io answers with an error: the status and the ``meta.error`` text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class SendRequest:
    """A send body that passed the shape checks, with the parts the workspace acts on."""

    channel: Channel
    message: int | str | None
    identifier: Identifier | None
    to: Any
    message_data: dict[str, Any] | None
    send_at: int | None
    auto_create: bool
    overrides: dict[str, Any]


def _bad(message: str) -> SendRefused:
    return SendRefused(400, message)


def recipients(value: str) -> list[str]:
    """Comma-separated recipients; a comma inside a quoted display name does not split."""
    found: list[str] = []
    current: list[str] = []
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            found.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    found.append("".join(current).strip())
    return [item for item in found if item]


def _address(recipient: str) -> str:
    """The address of ``"Name" <a@b.co>`` or of a bare ``a@b.co``."""
    match = _ADDRESS.search(recipient)
    return match.group(1).strip() if match else recipient


def _email_recipients(body: dict[str, Any]) -> int:
    total = 0
    for key in ("to", "cc", "bcc"):
        value = body.get(key)
        if value is None and key != "to":
            continue
        if not isinstance(value, str) or not value.strip():
            raise _bad(f"{key} must be a string of email addresses" if key != "to" else "to is required")
        for recipient in recipients(value):
            if not looks_like_email(_address(recipient)):
                raise _bad(f"{key}: {recipient!r} is not a valid email address")
            total += 1
    if total > EMAIL_RECIPIENTS_MAX:
        raise _bad(f"you can include up to {EMAIL_RECIPIENTS_MAX} total recipients across to, cc, and bcc; got {total}")
    return total


def _message(body: dict[str, Any], channel: Channel) -> int | str | None:
    reference = body.get("transactional_message_id")
    if reference is None:
        if channel != "email":
            raise _bad("transactional_message_id is required")
        missing = [key for key in ("body", "subject", "from") if not isinstance(body.get(key), str)]
        if missing:  # a message composed entirely in the request must bring its content
            raise _bad(f"without a transactional_message_id the request must include {', '.join(missing)}")
        return None
    if isinstance(reference, bool) or not isinstance(reference, int | str):
        raise _bad("transactional_message_id must be an integer id or a trigger name")
    if isinstance(reference, str) and not reference.strip():
        raise _bad("transactional_message_id cannot be blank")
    if isinstance(reference, int) and reference < 1:
        raise _bad("transactional_message_id must be a positive integer")
    return reference


def _identifier(body: dict[str, Any], channel: Channel) -> Identifier | None:
    value = body.get("identifiers")
    if value is None:
        if channel != "email":  # email's spec requires only `to`
            raise _bad("identifiers is required")
        return None
    if isinstance(value, dict) and len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "cio_id" and isinstance(raw, int) and not isinstance(raw, bool):
            value = {"cio_id": str(raw)}  # the spec's own example sends 3000001
    try:
        # Taken literally, like Track v2: the spec's cio_id example is the bare 3000001.
        target = identifier_from_object(value, cio_prefix=False)
    except ValueError as exc:
        raise _bad(f"identifiers: {exc}") from None
    if (problem := identifier_problem(target.value, label=f"identifiers.{target.type}")) is not None:
        raise _bad(problem)
    return target


def _send_at(body: dict[str, Any], now: int) -> int | None:
    value = body.get("send_at")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad("send_at must be a unix timestamp in seconds")
    if value > now + SEND_AT_MAX_DAYS_AHEAD * _DAY:
        raise _bad(f"send_at cannot be more than {SEND_AT_MAX_DAYS_AHEAD} days in the future")
    return value


def _types(body: dict[str, Any], texts: tuple[str, ...], objects: tuple[str, ...]) -> None:
    for key in _BOOLEANS:
        if key in body and not isinstance(body[key], bool):
            raise _bad(f"{key} must be a boolean")
    for key in texts:
        if key in body and not isinstance(body[key], str):
            raise _bad(f"{key} must be a string")
    for key in objects:
        if key in body and not isinstance(body[key], dict):
            raise _bad(f"{key} must be an object")


def _attachments(body: dict[str, Any]) -> None:
    attachments = body.get("attachments")
    if attachments is None:
        return
    total = 0
    for name, content in attachments.items():
        if not isinstance(content, str):
            raise _bad(f'Attachment must be base64 encoded: "{name}"')
        try:
            total += len(base64.b64decode(content, validate=True))
        except (binascii.Error, ValueError):
            raise _bad(f'Attachment must be base64 encoded: "{name}"') from None
    if total >= ATTACHMENTS_MAX_BYTES:
        raise SendRefused(413, "Total attachment size exceeds the limit")


def _push(body: dict[str, Any]) -> Any:
    to = body.get("to", "all")
    if not isinstance(to, str) or not to.strip():
        raise _bad("to must be all, last_used or a device token")
    if "sound" in body and body["sound"] not in _PUSH_SOUNDS:
        raise _bad("sound must be default or none")
    device = body.get("custom_device")
    if device is not None:
        if not isinstance(device, dict) or not isinstance(device.get("token"), str) or not device["token"]:
            raise _bad("custom_device.token is required")
        if device.get("platform") not in _PLATFORMS:
            raise _bad("custom_device.platform must be ios or android")
    return to


def check_send(channel: Channel, body: dict[str, Any], now: int) -> SendRequest:
    """The send, or SendRefused with what Customer.io would answer (400, or 413 for attachments)."""
    if channel == "email":
        _types(body, _EMAIL_TEXTS, ("message_data", "attachments"))
        _email_recipients(body)
        _attachments(body)
        to: Any = body["to"]
        overrides = {k: body[k] for k in (*_EMAIL_TEXTS, *_BOOLEANS, "cc", "bcc") if k in body}
    elif channel == "sms":
        _types(body, _SMS_TEXTS, ("message_data",))
        to = body.get("to")
        if not isinstance(to, str) or not to.strip():
            raise _bad("to is required")
        if not looks_like_e164(to) and "{{" not in to:  # Liquid ({{customer.phone}}) is resolved later
            raise _bad("Invalid phone number format. Phone numbers must be in E.164 format.")
        overrides = {k: body[k] for k in (*_SMS_TEXTS, *_BOOLEANS) if k in body}
    else:
        _types(body, _PUSH_TEXTS, ("message_data", "custom_data", "custom_payload"))
        to = _push(body)
        overrides = {k: body[k] for k in (*_PUSH_TEXTS, *_BOOLEANS, "sound", "custom_data") if k in body}
    return SendRequest(
        channel=channel,
        message=_message(body, channel),
        identifier=_identifier(body, channel),
        to=to,
        message_data=body.get("message_data"),
        send_at=_send_at(body, now),
        auto_create=body.get("auto_create") is True,
        overrides=overrides,
    )
