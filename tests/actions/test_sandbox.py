"""The sandbox's Track v2 objects, relationships, devices, merge and suppress, as Customer.io answers them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cio_connector.sandbox import DEMO_CREDENTIALS, SandboxServer

ACME = {"object_type_id": "1", "object_id": "acme"}
TRACK_AUTH = (DEMO_CREDENTIALS.site_id, DEMO_CREDENTIALS.track_api_key)


@pytest.fixture
def track(us_sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=us_sandbox.endpoints("us")["track"], auth=TRACK_AUTH) as client:
        yield client


def entity(track: httpx.Client, body: dict) -> httpx.Response:
    return track.post("/api/v2/entity", json=body)


def obj(action: str, identifiers: dict | None = None, **fields: object) -> dict:
    return {"type": "object", "identifiers": identifiers or ACME, "action": action, **fields}


def person(identifiers: dict, action: str, **fields: object) -> dict:
    return {"type": "person", "identifiers": identifiers, "action": action, **fields}


def ok(response: httpx.Response) -> None:
    assert (response.status_code, response.json()) == (200, {}), response.text


# -- objects --------------------------------------------------------------------------------------


def test_an_object_is_created_updated_and_deleted_with_its_relationships(us_sandbox, track):
    ok(
        entity(
            track,
            obj(
                "identify",
                attributes={"name": "Acme", "plan": "pro"},
                cio_relationships=[{"identifiers": {"email": "ada@example.com"}, "relationship_attributes": {"role": "admin"}}],
            ),
        )
    )
    ok(entity(track, obj("identify", attributes={"plan": "", "seats": 50})))  # "" removes an attribute
    (found,) = us_sandbox.state.objects()
    ada = us_sandbox.state.find("ada@example.com")
    assert (found["attributes"], found["people"]) == ({"name": "Acme", "seats": 50}, [ada["cio_id"]])
    assert ada["relationships"] == [{"identifiers": ACME, "relationship_attributes": {"role": "admin"}}]
    ok(entity(track, obj("identify", {"cio_object_id": found["cio_object_id"]}, attributes={"seats": 51})))
    assert us_sandbox.state.object("1", "acme")["attributes"]["seats"] == 51
    ok(entity(track, obj("delete")))
    assert us_sandbox.state.objects() == [] and us_sandbox.state.find("ada@example.com")["relationships"] == []


@pytest.mark.parametrize(
    ("identifiers", "field", "says"),
    [
        ({"object_type_id": "9", "object_id": "acme"}, "identifiers.object_type_id", "object type '9' does not exist"),
        ({"object_type_id": 1, "object_id": "acme"}, "identifiers.object_type_id", "string of digits"),
        ({"object_type_id": "1", "object_id": ""}, "identifiers.object_id", "non-empty"),
        ({"object_type_id": "1", "object_id": "x" * 151}, "identifiers.object_id", "150 bytes"),
        ({"object_type_id": "1"}, "identifiers.object_id", "non-empty"),
        ({"cio_object_id": "obnope"}, "identifiers.cio_object_id", "no object has this cio_object_id"),
        ({"id": "42"}, "identifiers.id", "unknown object identifier"),
    ],
)
def test_object_identifiers_customerio_refuses(us_sandbox, track, identifiers, field, says):
    response = entity(track, obj("identify", identifiers, attributes={"name": "x"}))
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == field and says in error["message"]
    assert us_sandbox.state.objects() == []


def test_object_shapes_customerio_refuses(track):
    cases = [
        (obj("upsert"), "action"),
        (obj("add_relationships"), "cio_relationships"),
        (
            obj("add_relationships", cio_relationships=[{"identifiers": {"id": "1", "email": "a@b.co"}}]),
            "cio_relationships.0.identifiers",
        ),
        (obj("identify", attributes=["x"]), "attributes"),
        (obj("identify", attributes={"k" * 151: 1}), "attributes"),
        (obj("identify", attributes={"big": "v" * 1001}), "attributes"),
    ]
    for body, field in cases:
        response = entity(track, body)
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == field, (body, response.text)


def test_the_app_api_lists_object_types_and_counts_objects(us_sandbox, track):
    ok(entity(track, obj("identify")))
    headers = {"Authorization": f"Bearer {DEMO_CREDENTIALS.app_api_key}"}
    with httpx.Client(base_url=us_sandbox.endpoints("us")["app"], headers=headers) as app:
        types = app.get("/v1/object_types").json()["types"]
        (workspace,) = app.get("/v1/workspaces").json()["workspaces"]
        refused = httpx.get(f"{us_sandbox.endpoints('us')['app']}/v1/object_types")
    assert [(t["id"], t["name"]) for t in types] == [("1", "Companies"), ("2", "Workspaces")]
    assert (workspace["object_types"], workspace["objects"]) == (2, 1)
    assert refused.status_code == 401


# -- relationships ----------------------------------------------------------------------------------


def test_a_person_relates_to_objects_creating_missing_ones(us_sandbox, track):
    related = [
        {"identifiers": ACME, "relationship_attributes": {"role": "admin"}},
        {"identifiers": {"object_type_id": "2", "object_id": "ws-1"}},
    ]
    ok(entity(track, person({"email": "ada@example.com"}, "add_relationships", cio_relationships=related)))
    ok(
        entity(
            track,
            person(
                {"email": "ada@example.com"},
                "add_relationships",
                cio_relationships=[{"identifiers": ACME, "relationship_attributes": {"seat": 3}}],
            ),
        )
    )
    ada = us_sandbox.state.find("ada@example.com")
    assert sorted((o["object_type_id"], o["object_id"]) for o in us_sandbox.state.objects()) == [("1", "acme"), ("2", "ws-1")]
    assert {"identifiers": ACME, "relationship_attributes": {"role": "admin", "seat": 3}} in ada["relationships"]
    ok(entity(track, person({"cio_id": ada["cio_id"]}, "delete_relationships", cio_relationships=[{"identifiers": ACME}])))
    assert us_sandbox.state.find("ada@example.com")["relationships"] == [
        {"identifiers": {"object_type_id": "2", "object_id": "ws-1"}}
    ]
    assert len(us_sandbox.state.objects()) == 2  # removing a relationship keeps the object


def test_relating_to_an_unknown_object_type_is_refused_and_nobody_is_logged(us_sandbox, track):
    unknown = [{"identifiers": {"object_type_id": "7", "object_id": "x"}}]
    response = entity(track, person({"email": "ada@example.com"}, "add_relationships", cio_relationships=unknown))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cio_relationships.0.identifiers.object_type_id"
    ok(entity(track, person({"id": "nobody"}, "add_relationships", cio_relationships=[{"identifiers": ACME}])))
    assert "nobody matches" in us_sandbox.state.failures()[-1]["reason"]


# -- devices ------------------------------------------------------------------------------------------


def test_devices_are_added_updated_moved_and_deleted(us_sandbox, track):
    device = {"token": "tok-1", "platform": "ios", "last_used": 1_714_564_800, "attributes": {"app_version": "2.1"}}
    ok(entity(track, person({"email": "ada@example.com"}, "add_device", device=device)))
    ok(
        entity(
            track,
            person(
                {"email": "ada@example.com"},
                "add_device",
                device={"token": "tok-1", "platform": "ios", "attributes": {"push_enabled": "true"}},
            ),
        )
    )
    (stored,) = us_sandbox.state.find("ada@example.com")["devices"]
    assert stored["attributes"] == {"app_version": "2.1", "push_enabled": "true"} and stored["platform"] == "ios"
    ok(entity(track, person({"id": "dup-7"}, "add_device", device={"token": "tok-1", "platform": "ios"})))
    assert us_sandbox.state.find("ada@example.com")["devices"] == []  # a token belongs to one person
    ok(entity(track, person({"id": "dup-7"}, "delete_device", device={"token": "tok-1"})))
    assert us_sandbox.state.find("dup-7")["devices"] == []


@pytest.mark.parametrize(
    ("device", "field"),
    [
        (None, "device"),
        ({"platform": "ios"}, "device.token"),
        ({"token": "t", "platform": "windows"}, "device.platform"),
        ({"token": "t", "platform": "ios", "attributes": {"build": 42}}, "device.attributes.build"),
    ],
)
def test_device_shapes_customerio_refuses(us_sandbox, track, device, field):
    body = person({"email": "ada@example.com"}, "add_device")
    if device is not None:
        body["device"] = device
    response = entity(track, body)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == field
    assert us_sandbox.state.find("ada@example.com")["devices"] == []


def test_the_v1_device_routes_take_the_token_as_device_id(us_sandbox, track):
    ok(track.put("/api/v1/customers/ada%40example.com/devices", json={"device": {"id": "tok-9", "platform": "android"}}))
    assert [d["token"] for d in us_sandbox.state.find("ada@example.com")["devices"]] == ["tok-9"]
    refused = track.put("/api/v1/customers/ada%40example.com/devices", json={"device": {"platform": "android"}})
    assert refused.status_code == 400 and "device.id" in refused.json()["meta"]["errors"][0]
    ok(track.delete("/api/v1/customers/ada%40example.com/devices/tok-9"))
    assert us_sandbox.state.find("ada@example.com")["devices"] == []


# -- merge and suppress --------------------------------------------------------------------------------


def test_merge_folds_the_secondary_into_the_primary(us_sandbox, track):
    ok(entity(track, person({"id": "dup-7"}, "add_device", device={"token": "tok-2", "platform": "android"})))
    ok(
        entity(
            track, {"type": "person", "action": "merge", "primary": {"email": "ada@example.com"}, "secondary": {"id": "dup-7"}}
        )
    )
    (ada,) = us_sandbox.state.people()
    assert (ada["id"], ada["email"], ada["attributes"]) == ("dup-7", "ada@example.com", {"plan": "pro", "city": "Lyon"})
    assert [d["token"] for d in ada["devices"]] == ["tok-2"]
    assert [m["outcome"] for m in us_sandbox.state.merges()] == ["merged"]


def test_a_merge_whose_primary_does_not_exist_does_nothing_and_says_so(us_sandbox, track):
    merge = {"type": "person", "action": "merge", "primary": {"id": "ghost"}, "secondary": {"id": "dup-7"}}
    ok(entity(track, merge))  # the Track spec: "your request won't do anything"; it is not refused with an error
    assert us_sandbox.state.find("dup-7") is not None
    (logged,) = us_sandbox.state.merges()
    assert logged["outcome"] == "refused: the primary person does not exist"
    assert "primary person does not exist" in us_sandbox.state.failures()[-1]["reason"]


def test_merge_shapes_customerio_refuses(track):
    no_secondary = {"type": "person", "action": "merge", "primary": {"id": "a"}}
    two_ids = {"type": "person", "action": "merge", "primary": {"id": "a", "email": "a@b.co"}, "secondary": {"id": "b"}}
    assert entity(track, no_secondary).json()["errors"][0]["field"] == "secondary"
    assert entity(track, two_ids).json()["errors"][0]["field"] == "primary"


def test_suppress_deletes_the_person_and_keeps_their_identifiers_out(us_sandbox, track):
    ok(entity(track, person({"id": "dup-7"}, "identify", attributes={"email": "dup@example.com"})))
    ok(entity(track, person({"id": "dup-7"}, "suppress")))
    assert us_sandbox.state.find("dup-7") is None
    assert us_sandbox.state.suppressed()[0]["identifiers"] == {"id": "dup-7", "email": "dup@example.com"}
    for body in (
        person({"email": "DUP@example.com"}, "identify", attributes={"plan": "x"}),
        person({"id": "other"}, "identify", attributes={"email": "dup@example.com"}),
        person({"id": "dup-7"}, "event", name="signup"),
    ):
        ok(entity(track, body))  # "Any future API calls ... referencing the specified ID are ignored"
    assert us_sandbox.state.find("dup-7") is None and us_sandbox.state.find("other") is None
    assert us_sandbox.state.events() == []
    assert sum("suppressed" in f["reason"] for f in us_sandbox.state.failures()) == 3
    ok(entity(track, person({"email": "dup@example.com"}, "unsuppress")))  # frees the ID too
    assert us_sandbox.state.suppressed() == []
    ok(entity(track, person({"id": "dup-7"}, "identify")))
    fresh = us_sandbox.state.find("dup-7")
    assert fresh is not None and fresh["attributes"] == {}  # a new profile, none of the old history


def test_suppressing_nobody_still_blocks_the_identifier(us_sandbox, track):
    ok(track.post("/api/v1/customers/ghost%40example.com/suppress", json={}))
    ok(track.put("/api/v1/customers/ghost%40example.com", json={"plan": "x"}))
    assert us_sandbox.state.find("ghost@example.com") is None
    ok(track.post("/api/v1/customers/ghost%40example.com/unsuppress", json={}))
    ok(track.put("/api/v1/customers/ghost%40example.com", json={"plan": "x"}))
    assert us_sandbox.state.find("ghost@example.com") is not None


def test_a_batch_mixing_people_and_objects_reports_each_refusal_by_index(us_sandbox, track):
    batch = [
        obj("identify", attributes={"name": "Acme"}),
        obj("identify", {"object_type_id": "5", "object_id": "x"}),
        person({"email": "ada@example.com"}, "add_relationships", cio_relationships=[{"identifiers": ACME}]),
        person({"email": "ada@example.com"}, "add_device", device={"token": "t"}),
        {"type": "person", "action": "merge", "primary": {"email": "ada@example.com"}, "secondary": {"id": "dup-7"}},
    ]
    response = track.post("/api/v2/batch", json={"batch": batch})
    assert response.status_code == 207
    assert [(e["batch_index"], e["field"]) for e in response.json()["errors"]] == [
        (1, "identifiers.object_type_id"),
        (3, "device.platform"),
    ]
    (ada,) = us_sandbox.state.people()
    assert ada["relationships"] == [{"identifiers": ACME}] and ada["id"] == "dup-7"


def test_the_snapshot_holds_what_a_test_reads(us_sandbox, track):
    ok(entity(track, obj("identify")))
    snapshot = us_sandbox.snapshot()
    assert {"object_types", "objects", "suppressed", "merges"} <= set(snapshot)
    assert snapshot["objects"][0]["object_id"] == "acme"


def test_a_person_identify_with_relationships_relates_them_after_checking_every_object(us_sandbox, track):
    related = [{"identifiers": ACME, "relationship_attributes": {"role": "owner"}}]
    ok(entity(track, person({"id": "new-1"}, "identify", attributes={"plan": "pro"}, cio_relationships=related)))
    found = us_sandbox.state.find("new-1")
    assert found["relationships"] == related and us_sandbox.state.object("1", "acme")["people"] == [found["cio_id"]]
    unknown = [{"identifiers": {"object_type_id": "8", "object_id": "x"}}]
    response = entity(track, person({"id": "new-2"}, "identify", cio_relationships=unknown))
    assert response.status_code == 400 and us_sandbox.state.find("new-2") is None
