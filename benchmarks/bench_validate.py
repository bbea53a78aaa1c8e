"""Validation + request building throughput, side by side with bare jsonschema on the same schema.

    ./dev python benchmarks/bench_validate.py [--seconds 1.0]

Reports configs/second for each action three ways: bare ``jsonschema`` iter_errors (the floor: no
rendering, no problem translation), ``Connector.validate`` (static), and ``Connector.build_request``
with a record (render templates, validate, run the handler), and the ratios between them. Also the
peak memory of building 10,000 requests (tracemalloc). Numbers are for one shared, noisy machine:
compare the ratios, not the absolute values.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

from jsonschema import Draft202012Validator

from cio_connector import load_connector

RECORD = {"id": "user-1001", "email": "ada@example.com", "plan": "pro", "seats": 3, "token": "tok-5f1c0a",
          "phone": "+15555550100", "delivery": "RPILAgABcRhIBqSp7kiPekGBIeVh"}
CONFIGS = {
    "upsert_customer": {"matching_field": "email", "matching_value": "{{ record.email }}",
                        "mappings": {"plan": "{{ record.plan }}", "seats": "{{ record.seats }}", "source": "crm"}},
    "delete_customer": {"matching_field": "id", "matching_value": "{{ record.id }}"},
    "add_customer_to_segment": {"matching_field": "email", "matching_value": "{{ record.email }}", "segment": 7},
    "remove_customer_from_segment": {"matching_field": "id", "matching_value": "{{ record.id }}", "segment": 7},
    "track_event": {"name": "purchase", "customer_id": "{{ record.id }}", "mappings": {"price": 23.45, "sku": "socks"},
                    "timestamp": "2024-05-01T12:00:00Z"},
    "track_page": {"customer_id": "{{ record.email }}", "page_url": "https://example.com/pricing",
                   "mappings": {"title": "Pricing"}},
    "identify_object": {"object_type_id": "1", "object_id": "{{ record.id }}",
                        "mappings": {"plan": "{{ record.plan }}", "seats": "{{ record.seats }}"}},
    "delete_object": {"object_type_id": "1", "object_id": "{{ record.id }}"},
    "add_relationship": {"matching_field": "email", "matching_value": "{{ record.email }}", "object_type_id": "1",
                         "object_id": "acme", "relationship_mappings": {"role": "admin"}},
    "remove_relationship": {"matching_field": "email", "matching_value": "{{ record.email }}", "object_type_id": "1",
                            "object_id": "acme"},
    "add_device": {"matching_field": "id", "matching_value": "{{ record.id }}", "device_token": "{{ record.token }}",
                   "platform": "ios"},
    "delete_device": {"matching_field": "id", "matching_value": "{{ record.id }}", "device_token": "{{ record.token }}"},
    "merge_customers": {"primary_field": "email", "primary_value": "{{ record.email }}", "secondary_field": "id",
                        "secondary_value": "{{ record.id }}"},
    "suppress_customer": {"matching_field": "email", "matching_value": "{{ record.email }}"},
    "unsuppress_customer": {"matching_field": "email", "matching_value": "{{ record.email }}"},
    "track_screen": {"customer_id": "{{ record.id }}", "screen_name": "Checkout", "mappings": {"plan": "{{ record.plan }}"}},
    "track_anonymous_event": {"anonymous_id": "{{ record.id }}", "name": "viewed_pricing",
                              "mappings": {"plan": "{{ record.plan }}"}},
    "report_delivery_metric": {"delivery_id": "{{ record.delivery }}", "metric": "opened"},
    "send_transactional_email": {"transactional_message_id": 3, "matching_field": "email",
                                 "matching_value": "{{ record.email }}", "to": "{{ record.email }}",
                                 "message_data": {"plan": "{{ record.plan }}"}},
    "send_transactional_sms": {"transactional_message_id": 4, "matching_field": "id", "matching_value": "{{ record.id }}",
                               "to": "{{ record.phone }}", "message_data": {"plan": "{{ record.plan }}"}},
    "send_transactional_push": {"transactional_message_id": 5, "matching_field": "id",
                                "matching_value": "{{ record.id }}", "title": "Your plan",
                                "message_data": {"plan": "{{ record.plan }}"}},
}


def rate(function: Callable[[], object], seconds: float) -> float:
    """Calls per second over at least ``seconds`` (after a short warm-up)."""
    for _ in range(50):
        function()
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(100):
            function()
        calls += 100
    return calls / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args()
    connector = load_connector()
    print(f"{'action':<30} {'jsonschema/s':>13} {'validate/s':>11} {'build/s':>9} {'validate÷js':>12} {'build÷js':>9}")
    for name, config in CONFIGS.items():
        rendered = connector.prepare(name, config, record=RECORD)
        bare = Draft202012Validator(connector.actions[name].schema)
        floor = rate(lambda bare=bare, rendered=rendered: list(bare.iter_errors(rendered)), args.seconds)
        static = rate(lambda name=name, config=config: connector.validate(name, config), args.seconds)
        build = rate(lambda name=name, config=config: connector.build_request(name, config, record=RECORD), args.seconds)
        print(f"{name:<30} {floor:>13,.0f} {static:>11,.0f} {build:>9,.0f} {static / floor:>12.2f} {build / floor:>9.2f}")
    tracemalloc.start()
    for _ in range(10_000):
        connector.build_request("upsert_customer", CONFIGS["upsert_customer"], record=RECORD)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak traced memory while building 10,000 upsert requests: {peak / 1024:,.0f} KiB")


if __name__ == "__main__":
    main()
