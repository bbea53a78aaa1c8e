"""``cio-connector demo``: every action, every matching field, against an in-process sandbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from .client.http import CioClient
from .errors import CioConnectorError
from .loader import load_connector
from .pipeline.request import ApiRequest
from .runtime import Connector

__all__ = ["run_demo"]

# The records a workflow would pass to the actions: configs below read them through templates.
RECORDS = {
    "ada": {
        "id": "user-1001", "email": "ada@example.com", "plan": "pro",
        "signed_up": dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC),
        "company": {"id": "engines", "name": "Analytical Engines Ltd", "seats": 40}, "phone_token": "apns-7f3a9c",
    },
    "linus": {"email": "linus+news@example.com", "plan": "free", "company": "Kernel Co"},
    "grace": {"id": "user-1002", "email": "grace@example.com", "plan": "team"},
}


@dataclass
class Step:
    action: str
    config: dict[str, Any]
    record: str | None = None
    note: str = ""


def _steps(
    segment: Callable[[str], int], cio_id: Callable[[str], str], object_type: Callable[[str], str]
) -> list[Callable[[], Step]]:
    """The play, in order; some steps need a value that only exists after earlier ones ran."""
    by_id = {"matching_field": "id", "matching_value": "{{ record.id }}"}
    by_email = {"matching_field": "email", "matching_value": "{{ record.email }}"}

    def by_cio(email: str, prefix: str = "") -> dict[str, str]:
        return {"matching_field": "cio_id", "matching_value": prefix + cio_id(email)}

    profile = {"email": "{{ record.email }}", "plan": "{{ record.plan }}"}
    company = {"name": "{{ record.company.name }}", "seats": "{{ record.company.seats }}"}
    purchase = {"name": "purchase", "customer_id": "{{ record.id }}", "mappings": {"sku": "socks", "price": 23.45},
                "event_id": "01HZY0R9W3J8Q4V5X6Y7Z8A9BC"}
    return [
        lambda: Step("upsert_customer", {**by_id, "mappings": {**profile, "created_at": "{{ record.signed_up }}"}}, "ada"),
        lambda: Step("upsert_customer", {**by_email, "mappings": {"plan": "{{ record.plan }}",
                                                                  "company": "{{ record.company }}"}}, "linus"),
        lambda: Step("upsert_customer", {**by_id, "mappings": profile}, "grace"),
        lambda: Step("upsert_customer", {**by_cio("ada@example.com"), "mappings": {"plan": "enterprise", "seats": 25}},
                     note="by CIO ID"),
        lambda: Step("add_customer_to_segment", {**by_id, "segment": segment("VIP customers")}, "ada"),
        lambda: Step("add_customer_to_segment", {**by_email, "segment": segment("Beta testers")}, "linus"),
        lambda: Step("add_customer_to_segment", {**by_cio("grace@example.com"), "segment": segment("Beta testers")}),
        lambda: Step("add_customer_to_segment", {**by_id, "segment": segment("Churn risk")}, "grace"),
        lambda: Step("remove_customer_from_segment", {**by_id, "segment": segment("Churn risk")}, "grace"),
        lambda: Step("remove_customer_from_segment", {**by_email, "segment": segment("Beta testers")}, "linus"),
        lambda: Step("remove_customer_from_segment", {**by_cio("grace@example.com", "cio_"),
                                                      "segment": segment("Beta testers")}),
        lambda: Step("track_event", {**purchase, "timestamp": "2024-05-01T12:00:00Z"}, "ada"),
        lambda: Step("track_event", purchase, "ada", note="same event id: deduplicated"),
        lambda: Step("track_event", {"name": "newsletter_opened", "customer_id": "{{ record.email }}"}, "linus"),
        lambda: Step("track_event", {"name": "seat_added", "customer_id": "cio_" + cio_id("ada@example.com"),
                                     "mappings": {"seats": 26}}),
        lambda: Step("track_anonymous_event", {"anonymous_id": "visitor-42", "name": "viewed_pricing",
                                               "mappings": {"plan": "pro"}, "event_id": "auto"},
                     note="before sign-up"),
        lambda: Step("send_transactional_email", {"transactional_message_id": 2, **by_email,
                                                  "message_data": {"order": "A-1001", "total": 23.45}},
                     "ada", note="Order receipt, to the matched email"),
        lambda: Step("track_page", {"customer_id": "{{ record.email }}", "page_url": "https://example.com/pricing",
                                    "mappings": {"title": "Pricing"}, "event_id": "auto"},
                     "ada", note="event_id auto: a fresh ULID"),
        lambda: Step("identify_object", {"object_type_id": object_type("Companies"), "object_id": "{{ record.company.id }}",
                                         "mappings": company}, "ada", note="an object: a company"),
        lambda: Step("add_relationship", {**by_id, "object_type_id": object_type("Companies"),
                                          "object_id": "{{ record.company.id }}", "relationship_mappings": {"role": "admin"}},
                     "ada"),
        lambda: Step("add_device", {**by_email, "device_token": "{{ record.phone_token }}", "platform": "ios",
                                    "device_mappings": {"app_version": "3.2", "push_enabled": True}}, "ada"),
        lambda: Step("track_screen", {"customer_id": "{{ record.id }}", "screen_name": "Billing", "event_id": "auto"}, "ada"),
        lambda: Step("delete_customer", by_email, "grace"),
        lambda: Step("delete_customer", by_cio("linus+news@example.com")),
    ]


def _matching(step: Step, rendered: dict[str, Any]) -> str:
    if "object_type_id" in rendered and "matching_field" not in rendered:
        return f"object {rendered['object_type_id']}/{rendered['object_id']}"
    if "matching_field" in rendered:
        return f"{rendered['matching_field']}={rendered['matching_value']}"
    if "anonymous_id" in rendered:
        return f"anonymous_id={rendered['anonymous_id']}"
    return f"customer_id={rendered.get('customer_id')}"


def run_demo(region: str = "us", out: TextIO | None = None) -> int:
    """Start the sandbox, check the connection, run the play, print requests, results and state."""
    import sys

    from .sandbox import SandboxServer

    out = out or sys.stdout

    def say(text: str = "") -> None:
        print(text, file=out)

    connector = load_connector()
    with SandboxServer(region="eu" if region == "eu" else "us") as sandbox:
        creds = sandbox.credentials
        connection = {
            "region": region,
            "site_id": creds.site_id,
            "track_api_key": creds.track_api_key,
            "app_api_key": creds.app_api_key,
            "endpoints": sandbox.endpoints(region),
        }
        say(f"Customer.io sandbox: a {region.upper()} workspace at {sandbox.url} (Track and App APIs)")
        say(f"  {connector.manifest.name} connector {connector.manifest.version}: {len(connector.actions)} actions\n")
        ok = _connection_checks(connector, connection, sandbox, say)
        conn = connector.connection(connection)
        with CioClient(conn) as client:
            options = connector.options("add_customer_to_segment", "segment", conn, client=client)
            say('Manual segments, as the "Segment" dropdown shows them (live from GET /v1/segments):')
            for option in options:
                say(f"  {option['value']:>4}  {option['label']}")
            types = connector.options("identify_object", "object_type_id", conn, client=client)
            say('Object types, as the "Object Type" dropdown shows them (live from GET /v1/object_types):')
            for option in types:
                say(f"  {option['value']:>4}  {option['label']}")
            say()
            ok = _play(connector, conn, client, options, types, say) and ok
        _state(sandbox.snapshot(), say)
    say("\nDemo finished: " + ("every action succeeded." if ok else "SOME STEPS FAILED (see above)."))
    return 0 if ok else 1


def _connection_checks(connector: Connector, connection: dict, sandbox: Any, say: Callable) -> bool:
    def show(title: str, data: dict) -> bool:
        report = connector.check_connection(data)
        say(title)
        for check in report.checks:
            say(f"  {'ok ' if check.ok else 'BAD'}  {check.name:<22} {check.message}")
        say()
        return report.ok

    other = "eu" if connection["region"] == "us" else "us"
    ok = show("Connection check (all four credentials and the region):", connection)
    show("What a wrong Track API key looks like:", {**connection, "track_api_key": "not-the-key"})
    show("What a wrong App API key looks like:", {**connection, "app_api_key": "not-the-key"})
    wrong_region = {**connection, "region": other, "endpoints": sandbox.endpoints(other)}
    show(f"What choosing the wrong region ({other.upper()}) looks like:", wrong_region)
    return ok


def _play(
    connector: Connector, conn: Any, client: CioClient, options: list[dict], types: list[dict], say: Callable
) -> bool:
    labels = {o["label"]: o["value"] for o in options}
    type_ids = {o["label"]: o["value"] for o in types}

    def cio_id(email: str) -> str:
        found = client.send(ApiRequest("app", "GET", "/v1/customers", query=(("email", email),))).json
        return found["results"][0]["cio_id"]

    say("Actions (configs use templates such as {{ record.email }}, rendered per record):")
    say(f"  {'#':>2}  {'action':<29} {'matching':<38} {'request':<60} result")
    ok = True
    for number, make in enumerate(_steps(labels.__getitem__, cio_id, type_ids.__getitem__), 1):
        step = make()
        record = RECORDS.get(step.record) if step.record else None
        try:
            rendered = connector.prepare(step.action, step.config, record=record)
            result = connector.execute(step.action, step.config, conn, record=record, client=client)
            path = result.request["url"].removeprefix(conn.track_url).removeprefix(conn.app_url)
            outcome = f"{result.status} ok" + (f" ({step.note})" if step.note else "")
        except CioConnectorError as exc:
            rendered, path, outcome, ok = {}, "-", f"FAILED: {exc}", False
        body = f"{'POST' if path != '-' else ''} {path}".strip()
        say(f"  {number:>2}  {step.action:<29} {_matching(step, rendered)[:38]:<38} {body[:60]:<60} {outcome}")
    say()
    return ok


def _state(snapshot: dict[str, Any], say: Callable) -> None:
    say("Sandbox state afterwards:")
    names = {s["id"]: s["name"] for s in snapshot["segments"]}
    say(f"  people ({len(snapshot['people'])}):")
    for person in snapshot["people"]:
        segments = ", ".join(names.get(s, str(s)) for s in person["segments"]) or "-"
        attributes = ", ".join(f"{k}={v}" for k, v in sorted(person["attributes"].items()))
        say(f"    cio_id={person['cio_id']} id={person['id']} email={person['email']}")
        say(f"      attributes: {attributes or '-'}")
        say(f"      segments:   {segments}")
        for device in person.get("devices", []):
            say(f"      device:     {device['platform']} {device['token']} {device['attributes']}")
        for related in person.get("relationships", []):
            say(f"      related to: object {related['identifiers']} {related.get('relationship_attributes', {})}")
    say(f"  events ({len(snapshot['events'])}):")
    for event in snapshot["events"]:
        say(f"    {event['type']:<6} {event['name']:<30} person={event['person']} data={event['data']}")
    say(f"  objects ({len(snapshot.get('objects', []))}):")
    for found in snapshot.get("objects", []):
        where = f"type {found['object_type_id']} id={found['object_id']}"
        say(f"    {where} attributes={found['attributes']} people={found['people']}")
    say("  manual segments:")
    for segment in snapshot["segments"]:
        if segment.get("type") == "manual":
            say(f"    {segment['id']:>4}  {segment['name']:<20} members={segment['members']}")
    say(f"  anonymous events ({len(snapshot.get('anonymous_events', []))}):")
    for event in snapshot.get("anonymous_events", []):
        say(f"    {event['type']:<6} {event['name']:<30} anonymous_id={event['anonymous_id']} data={event['data']}")
    say(f"  transactional deliveries ({len(snapshot.get('deliveries', []))}):")
    for delivery in snapshot.get("deliveries", []):
        say(f"    {delivery['delivery_id']} {delivery['channel']} message={delivery['transactional_message_id']} "
            f"to={delivery['to']} person={delivery['person']} data={delivery['message_data']}")
    failures = snapshot.get("failures", [])
    if failures:
        say(f"  activity-log failures: {len(failures)}")
