"""Packing: v2 items by serialized bytes under both caps, ULIDs on events, segment ids grouped, linger."""

from __future__ import annotations

import json

from cio_connector._util.ulid import is_ulid
from cio_connector.bulk.batching import BATCH_PATH, Packer, TooLarge
from cio_connector.facts import ENTITY_MAX_BYTES
from cio_connector.pipeline.request import ApiRequest


def entity(action: str = "identify", **extra) -> ApiRequest:
    body = {"type": "person", "identifiers": {"id": "u1"}, "action": action, **extra}
    return ApiRequest("track", "POST", "/api/v2/entity", json=body, field_map=(("identifiers", "$.matching_value"),))


def segment(segment_id: int, value: str, id_type: str = "email", op: str = "add_customers") -> ApiRequest:
    path = f"/api/v1/segments/{segment_id}/{op}"
    return ApiRequest("track", "POST", path, query=(("id_type", id_type),), json={"ids": [value]})


def test_batches_never_pass_the_byte_cap_and_lose_no_item():
    packer = Packer(batch_max_bytes=2_000)
    full = []
    for i in range(200):
        out = packer.add(i, {"i": i}, entity(attributes={"n": i, "pad": "x" * (i % 37)}))
        assert not isinstance(out, TooLarge)
        full += out
    full += packer.drain()
    assert all(len(batch.body()) <= 2_000 for batch in full)
    assert [t.index for batch in full for t in batch.tickets] == list(range(200))
    items = [item for batch in full for item in json.loads(batch.body())["batch"]]
    assert [item["attributes"]["n"] for item in items] == list(range(200))
    assert all(batch.path == BATCH_PATH and batch.kind == "v2" for batch in full)
    assert len(full[0].body()) > 2_000 - 120  # filled, not split early


def test_an_item_over_the_entity_cap_is_refused_with_its_size():
    out = Packer().add(0, {}, entity(attributes={"blob": "x" * ENTITY_MAX_BYTES}))
    assert isinstance(out, TooLarge) and out.size > ENTITY_MAX_BYTES and out.limit == ENTITY_MAX_BYTES


def test_events_and_pages_get_a_ulid_unless_the_config_gave_an_id():
    packer = Packer()
    packer.add(0, {}, entity("event", name="buy"))
    packer.add(1, {}, entity("page", name="https://x"))
    packer.add(2, {}, entity("event", name="buy", id="given-id"))
    packer.add(3, {}, entity("identify"))
    items = json.loads(packer.drain()[0].body())["batch"]
    assert is_ulid(items[0]["id"]) and is_ulid(items[1]["id"]) and items[0]["id"] != items[1]["id"]
    assert items[2]["id"] == "given-id"
    assert "id" not in items[3]


def test_segment_ids_group_per_segment_operation_and_id_type_up_to_the_cap():
    packer = Packer(ids_per_call=3)
    full = []
    for i in range(7):
        full += packer.add(i, {}, segment(5, f"p{i}@example.com"))
    packer.add(7, {}, segment(5, "x", id_type="id"))
    packer.add(8, {}, segment(6, "y@example.com"))
    packer.add(9, {}, segment(5, "z@example.com", op="remove_customers"))
    emails = [f"p{i}@example.com" for i in range(7)]
    assert [json.loads(b.body())["ids"] for b in full] == [emails[0:3], emails[3:6]]
    rest = {(b.path, b.query): json.loads(b.body())["ids"] for b in packer.drain()}
    assert rest == {
        ("/api/v1/segments/5/add_customers", (("id_type", "email"),)): ["p6@example.com"],
        ("/api/v1/segments/5/add_customers", (("id_type", "id"),)): ["x"],
        ("/api/v1/segments/6/add_customers", (("id_type", "email"),)): ["y@example.com"],
        ("/api/v1/segments/5/remove_customers", (("id_type", "email"),)): ["z@example.com"],
    }


def test_other_requests_go_alone():
    out = Packer().add(0, {}, ApiRequest("app", "GET", "/v1/segments"))
    assert isinstance(out, list) and len(out) == 1 and out[0].kind == "single"


def test_a_part_filled_batch_is_due_after_linger():
    now = [100.0]
    packer = Packer(linger=0.5, clock=lambda: now[0])
    packer.add(0, {}, entity())
    assert packer.due() == []
    now[0] += 0.5
    assert [len(b) for b in packer.due()] == [1]
    assert packer.pending == 0
