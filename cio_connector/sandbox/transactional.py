"""Transactional messages, their deliveries and reported metrics: the sandbox's record of sends."""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CHANNELS",
    "DEFAULT_TRANSACTIONAL",
    "Channel",
    "Delivery",
    "MessageExists",
    "Messaging",
    "TransactionalMessage",
    "UnknownMessage",
    "WrongChannel",
]

Channel = Literal["email", "sms", "push"]
CHANNELS: tuple[Channel, ...] = ("email", "sms", "push")
_DELIVERY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_DELIVERY_ID_LENGTH = 28  # like the spec's example "RPILAgUBcRhIBqSfeiIwdIYJKxTY"
# What a send with no transactional_message_id is counted under (the spec: "attributes metrics to 1").
_UNNAMED_MESSAGE = 1


class MessageExists(ValueError):
    """A seed names a template id or trigger name that is already taken."""


class UnknownMessage(LookupError):
    """No transactional message has that id or trigger name."""


class WrongChannel(ValueError):
    """The message exists but is composed for another channel (an SMS template sent as an email)."""


@dataclass(frozen=True)
class TransactionalMessage:
    """A transactional message template: what ``GET /v1/transactional`` lists, plus its channel and
    trigger name (a send may name it by either, the trigger name case-insensitively)."""

    id: int
    name: str
    channel: Channel
    trigger: str
    description: str = ""

    def to_api(self, created_at: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "send_to_unsubscribed": True,
            "link_tracking": True,
            "open_tracking": self.channel == "email",
            "hide_message_body": False,
            "queue_drafts": False,
            "created_at": created_at,
            "updated_at": created_at,
        }


DEFAULT_TRANSACTIONAL: tuple[TransactionalMessage, ...] = (
    TransactionalMessage(1, "Password reset", "email", "password_reset", "A link to choose a new password"),
    TransactionalMessage(2, "Order receipt", "email", "order_receipt", "What was bought, and the invoice"),
    TransactionalMessage(3, "Login code", "sms", "login_code", "A one-time sign-in code"),
    TransactionalMessage(4, "New sign-in", "push", "new_sign_in", "Did you just sign in on a new device?"),
)


@dataclass
class Delivery:
    """One send: an instance of a message for one person (``delivery_id`` as the answer gave it)."""

    delivery_id: str
    channel: Channel
    message_id: int
    identifiers: dict[str, str] | None
    person: str | None  # cio_id of the person it went to, None when nobody matched
    to: Any
    message_data: dict[str, Any]
    queued_at: int
    send_at: int | None
    overrides: dict[str, Any]
    status: Literal["sent", "scheduled", "draft"]
    metrics: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "channel": self.channel,
            "transactional_message_id": self.message_id,
            "identifiers": copy.deepcopy(self.identifiers),
            "person": self.person,
            "to": self.to,
            "message_data": copy.deepcopy(self.message_data),
            "queued_at": self.queued_at,
            "send_at": self.send_at,
            "overrides": copy.deepcopy(self.overrides),
            "status": self.status,
            "metrics": copy.deepcopy(self.metrics),
        }


class Messaging:
    """Templates, deliveries and metrics behind one lock; ``now`` is the workspace clock."""

    def __init__(self, now: Callable[[], int], messages: Iterable[TransactionalMessage] = DEFAULT_TRANSACTIONAL):
        self._now = now
        self._lock = threading.Lock()
        self._created_at = now()
        self._messages = {message.id: message for message in messages}
        self._deliveries: dict[str, Delivery] = {}
        self._metrics: list[dict[str, Any]] = []

    def now(self) -> int:
        return self._now()

    # -- templates -------------------------------------------------------------------------------

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [m.to_api(self._created_at) for m in sorted(self._messages.values(), key=lambda m: m.id)]

    def add_messages(self, messages: Iterable[TransactionalMessage]) -> list[dict[str, Any]]:
        """Add templates (all of them, or none when one's id or trigger name is taken)."""
        messages = list(messages)
        with self._lock:
            ids, triggers = set(self._messages), {m.trigger.casefold() for m in self._messages.values()}
            for message in messages:
                if message.id in ids or message.trigger.casefold() in triggers:
                    raise MessageExists(f"transactional message {message.id} ({message.trigger!r}) already exists")
                ids.add(message.id)
                triggers.add(message.trigger.casefold())
            for message in messages:
                self._messages[message.id] = message
            return [message.to_api(self._created_at) for message in messages]

    def resolve(self, reference: int | str | None, channel: Channel, *, auto_create: bool = False) -> int:
        """The id of the template a send names, by id or trigger name; raises UnknownMessage or WrongChannel.

        With ``auto_create`` an unknown trigger name gets an empty template of this channel, as
        Customer.io's ``auto_create`` does; numeric ids never do.
        """
        with self._lock:
            if reference is None:
                return _UNNAMED_MESSAGE
            if isinstance(reference, int):
                found = self._messages.get(reference)
            else:
                wanted = reference.strip().casefold()
                found = next((m for m in self._messages.values() if m.trigger.casefold() == wanted), None)
                if found is None and auto_create:
                    found = TransactionalMessage(max(self._messages, default=0) + 1, reference, channel, reference)
                    self._messages[found.id] = found
            if found is None:
                raise UnknownMessage(reference)
            if found.channel != channel:
                raise WrongChannel(f"transactional message {found.id} is a {found.channel} message, not {channel}")
            return found.id

    # -- deliveries ------------------------------------------------------------------------------

    def deliver(
        self,
        channel: Channel,
        message_id: int,
        *,
        identifiers: dict[str, str] | None,
        person: str | None,
        to: Any,
        message_data: dict[str, Any] | None,
        send_at: int | None,
        overrides: dict[str, Any],
    ) -> Delivery:
        """Queue a send; a ``send_at`` in the future schedules it, ``queue_draft`` holds it."""
        with self._lock:
            now = self._now()
            delivery_id = _new_delivery_id()
            while delivery_id in self._deliveries:
                delivery_id = _new_delivery_id()
            scheduled = send_at is not None and send_at > now
            status: Literal["sent", "scheduled", "draft"] = (
                "draft" if overrides.get("queue_draft") is True else "scheduled" if scheduled else "sent"
            )
            delivery = Delivery(
                delivery_id, channel, message_id, copy.deepcopy(identifiers), person, to,
                copy.deepcopy(message_data or {}), now, send_at if scheduled else None,
                copy.deepcopy(overrides), status,
            )
            self._deliveries[delivery_id] = delivery
            return delivery

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [delivery.to_dict() for delivery in self._deliveries.values()]

    def delivery(self, delivery_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._deliveries.get(delivery_id)
            return found.to_dict() if found else None

    def channel_of(self, delivery_id: str) -> Channel | None:
        with self._lock:
            found = self._deliveries.get(delivery_id)
            return found.channel if found else None

    # -- metrics ---------------------------------------------------------------------------------

    def record_metric(self, metric: dict[str, Any]) -> dict[str, Any]:
        """Keep a reported metric; one for a delivery the workspace sent is also filed under it."""
        with self._lock:
            entry = {**copy.deepcopy(metric), "received_at": self._now()}
            entry.setdefault("timestamp", entry["received_at"])
            found = self._deliveries.get(metric["delivery_id"])
            entry["known_delivery"] = found is not None
            self._metrics.append(entry)
            if found is not None:
                found.metrics.append(copy.deepcopy(entry))
            return copy.deepcopy(entry)

    def metrics(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._metrics)


def _new_delivery_id() -> str:
    return "".join(secrets.choice(_DELIVERY_ID_ALPHABET) for _ in range(_DELIVERY_ID_LENGTH))
