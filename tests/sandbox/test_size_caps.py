"""Track v2's caps, read as decimal: an entity of 32,000 bytes and a batch of 500,000 pass, one more
byte does not (Customer.io writes "32kb" and "500kb"; its own Go client reads 32000 and 500000)."""

from __future__ import annotations

import json

import httpx
import pytest

# An event: its data has no per-value limit, so one attribute can pad it to any size.
EVENT = {"type": "person", "identifiers": {"id": "42"}, "action": "event", "name": "padded"}


def body_of_size(size: int) -> bytes:
    """One event entity, padded to exactly ``size`` bytes of compact JSON."""
    return _padded([], size)


def batch_of_size(size: int) -> bytes:
    """A batch of small entities, the last one padded so the whole body is exactly ``size`` bytes."""
    item = {**EVENT, "attributes": {"pad": "p" * 800}}
    each = len(json.dumps(item, separators=(",", ":"))) + 1
    return _padded([item] * ((size - 16_000) // each), size)  # the last item takes the rest, under 32,000


def _padded(items: list[dict], size: int) -> bytes:
    def encode(pad: int) -> bytes:
        last = {**EVENT, "attributes": {"pad": "p" * pad}}
        value = {"batch": [*items, last]} if items else last
        return json.dumps(value, separators=(",", ":")).encode()

    return encode(size - len(encode(0)))


@pytest.mark.parametrize(("size", "status"), [(32_000, 200), (32_001, 400), (32_768, 400)])
def test_entity_cap(track: httpx.Client, size: int, status: int) -> None:
    body = body_of_size(size)
    assert len(body) == size
    response = track.post("/api/v2/entity", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    if status == 400:
        message = "/entity requests must be 32000 bytes or smaller"
        assert response.json() == {"errors": [{"reason": "too_large", "field": "body", "message": message}]}


@pytest.mark.parametrize(("size", "status"), [(500_000, 200), (500_001, 400), (512_000, 400)])
def test_batch_cap(track: httpx.Client, size: int, status: int) -> None:
    body = batch_of_size(size)
    assert len(body) == size
    response = track.post("/api/v2/batch", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
