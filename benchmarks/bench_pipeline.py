"""The action pipeline side by side with its baselines, in one run (issue: one pipeline, compiled once).

    ./dev python benchmarks/bench_pipeline.py [--seconds 0.5] [--requests 300] [--stream 200000]

1. Valid-path build per record, each action: ``plan.build(record=...)`` (and ``build_request``,
   which finds the cached plan by content) against bare python-jsonschema ``iter_errors`` on the
   rendered input (the floor of the old path). Targets: upsert 0.03x, track_event 0.08x, track_page 0.10x,
   every other action 0.10x bare jsonschema's time; beside them the floor (the compiled verdict plus
   encoding the body).
2. Invalid-path cost: explaining a bad record, against the same bare jsonschema.
3. ``execute`` per record (connection passed as a dict every call, as a host does) against the
   official ``customerio`` client's ``identify``, both on one TLS sandbox in its own process; and
   ``aexecute`` with 10 in flight against the ``execute`` loop.
4. Cold start in fresh interpreters (median of 7): ``load_connector()`` and ``cio-connector --help``
   against ``import customerio``, and ``cio-connector run --dry-run`` over one record. Targets:
   ``load_connector()`` at most 0.8x; the one-record dry run at most 0.15 s.
5. Peak traced memory over ``--stream`` streamed builds, at a tenth of the way and at the end.

``--no-orjson`` runs it all with the stdlib's encoder alone (orjson hidden), to weigh orjson's part.

The machine is shared and noisy: read the ratios, measured side by side, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable

import jsonschema_rs
from jsonschema import Draft202012Validator

sys.path.insert(0, os.path.dirname(__file__))
if "--no-orjson" in sys.argv:  # the stdlib alone: splicing and encoding without orjson, to weigh it
    sys.modules["orjson"] = None  # type: ignore[assignment]

from bench_send import sandbox_process  # noqa: E402
from bench_validate import CONFIGS, RECORD  # noqa: E402

from cio_connector import load_connector  # noqa: E402
from cio_connector._util.jsonbytes import compact_json  # noqa: E402
from cio_connector.sandbox import DEMO_CREDENTIALS  # noqa: E402

INVALID = {
    "upsert_customer": {"email": "not-an-email", "plan": "pro", "seats": 3},
    "delete_customer": {"id": "   "},
    "add_customer_to_segment": {"email": "nope"},
    "remove_customer_from_segment": {"id": ""},
    "track_event": {"id": "cio_"},
    "track_page": {"email": ""},
    # The other actions read the identifiers above too: a record without them leaves a required field blank.
    **{name: {} for name in CONFIGS if name not in ("upsert_customer", "delete_customer", "add_customer_to_segment",
                                                    "remove_customer_from_segment", "track_event", "track_page")},
}


def per_call(function: Callable[[], object], seconds: float) -> float:
    """CPU seconds per call (this process only: other load on a shared machine does not count),
    the best of three runs of at least ``seconds`` each, after a warm-up."""
    for _ in range(200):
        function()
    best = float("inf")
    for _ in range(3):
        calls, start = 0, time.process_time()
        while (elapsed := time.process_time() - start) < seconds:
            for _ in range(200):
                function()
            calls += 200
        best = min(best, elapsed / calls)
    return best


#: The issue's targets: valid-path build time over bare jsonschema's, per action (others 0.10).
TARGETS = {"upsert_customer": 0.03, "track_event": 0.08, "track_page": 0.10}


def builds(connector, seconds: float, only: frozenset[str] = frozenset()) -> None:
    print("1-2. per record, microseconds (ratio = our time / bare jsonschema's time)")
    print("   floor = the compiled yes/no verdict on the rendered inputs + encoding the request's body (compact_json)")
    print(f"   {'action':<30} {'jsonschema':>10} {'floor':>7} {'plan.build':>10} {'build_req':>10} {'invalid':>10}"
          f" {'floor÷js':>9} {'build÷js':>9} {'target':>7} {'invalid÷js':>10}")
    for name, config in CONFIGS.items():
        if only and name not in only:
            continue
        rendered = connector.prepare(name, config, record=RECORD)
        bare = Draft202012Validator(connector.actions[name].schema)
        plan = connector.plan(name, config)
        verdict = jsonschema_rs.Draft202012Validator(dict(connector.actions[name].schema), validate_formats=False).is_valid
        body = plan.build(record=RECORD).json
        js = per_call(lambda bare=bare, rendered=rendered: list(bare.iter_errors(rendered)), seconds)
        floor = per_call(lambda verdict=verdict, rendered=rendered, body=body: (verdict(rendered), compact_json(body)), seconds)
        fast = per_call(lambda plan=plan: plan.build(record=RECORD), seconds)
        via_connector = per_call(lambda name=name, config=config: connector.build_request(name, config, record=RECORD), seconds)
        bad = INVALID[name]
        assert plan.check(record=bad), f"{name}: the invalid record is valid"
        invalid = per_call(lambda plan=plan, bad=bad: plan.check(record=bad), seconds / 2)
        target = TARGETS.get(name, 0.10)
        verdict_text = "met" if fast / js <= target else "MISSED"
        print(f"   {name:<30} {js * 1e6:>10.1f} {floor * 1e6:>7.2f} {fast * 1e6:>10.2f} {via_connector * 1e6:>10.2f}"
              f" {invalid * 1e6:>10.1f} {floor / js:>9.3f} {fast / js:>9.3f} {target:>7.2f} {invalid / js:>10.2f}"
              f"  {verdict_text}")


def sends(connector, n: int) -> None:
    from customerio import CustomerIO

    with sandbox_process() as (url, ca):
        import httpx

        os.environ["REQUESTS_CA_BUNDLE"] = ca
        creds = DEMO_CREDENTIALS
        port = int(url.rsplit(":", 1)[1])
        data = {"region": "us", "site_id": creds.site_id, "track_api_key": creds.track_api_key,
                "app_api_key": creds.app_api_key, "endpoints": {"track": f"{url}/us", "app": f"{url}/us"}}
        connector.client_options = {"verify": ca}
        control = httpx.Client(base_url=f"{url}/_sandbox", verify=ca)
        config = {"matching_field": "id", "matching_value": "{{ record.id }}",
                  "mappings": {"plan": "{{ record.plan }}", "seats": "{{ record.seats }}"}}

        def official() -> None:
            with CustomerIO(creds.site_id, creds.track_api_key, host="127.0.0.1", port=port, retries=0) as client:
                for i in range(n):
                    client.identify(f"official-{i}", plan="pro", seats=i)

        def execute() -> None:
            for i in range(n):
                record = {"id": f"sync-{i}", "plan": "pro", "seats": i}
                connector.execute("upsert_customer", dict(config), dict(data), record=record)

        def aexecute() -> None:
            async def run() -> None:
                gate = asyncio.Semaphore(10)

                async def one(i: int) -> None:
                    async with gate:
                        record = {"id": f"async-{i}", "plan": "pro", "seats": i}
                        await connector.aexecute("upsert_customer", config, data, record=record)

                await asyncio.gather(*(one(i) for i in range(n)))
                await connector.aclose()

            asyncio.run(run())

        jobs = [("official customerio identify (sync)", official), ("execute per record (sync)", execute),
                ("aexecute, 10 in flight", aexecute)]
        # Loopback answers in well under a millisecond, so it measures CPU per request; a network
        # answers in tens of milliseconds, which is what sending in flight is for.
        for latency in (0.0, 0.02):
            rates = {}
            for label, job in jobs:
                control.post("/reset").raise_for_status()  # (clears faults too)
                control.put("/faults", json={"delay_rate": 1.0 if latency else 0.0, "delay_seconds": latency}).raise_for_status()
                start = time.perf_counter()
                job()
                rates[label] = n / (time.perf_counter() - start)
                assert len(control.get("/state").json()["people"]) == n, label
            base = rates["official customerio identify (sync)"]
            where = f"{latency * 1000:.0f} ms added per answer" if latency else "loopback"
            print(f"3. {n} upserts each on one TLS sandbox process ({where})")
            for label, rate in rates.items():
                print(f"   {label:<38} {rate:>8,.0f} /s  {rate / base:>5.2f}x official")
            print(f"   aexecute x10 / execute: {rates['aexecute, 10 in flight'] / rates['execute per record (sync)']:.2f}x")
        connector.close()


def cold_start() -> None:
    python = sys.executable
    folder = tempfile.mkdtemp()
    files = {name: os.path.join(folder, name) for name in ("config.json", "connection.json", "records.jsonl")}
    connection = {"region": "us", "site_id": "s", "track_api_key": "t", "app_api_key": "a"}
    for name, data in (("config.json", CONFIGS["upsert_customer"]), ("connection.json", connection)):
        with open(files[name], "w") as out:
            json.dump(data, out)
    with open(files["records.jsonl"], "w") as out:
        out.write(json.dumps(RECORD) + "\n")
    cli = os.path.join(os.path.dirname(python), "cio-connector")
    jobs = {
        "import customerio": [python, "-c", "import customerio"],
        "load_connector()": [python, "-c", "import cio_connector; cio_connector.load_connector()"],
        "cio-connector --help": [python, "-m", "cio_connector.cli", "--help"],
        "run --dry-run, 1 record": [cli, "run", "upsert_customer", "--dry-run", "--quiet", "--config", files["config.json"],
                                    "--connection", files["connection.json"], "--records", files["records.jsonl"]],
    }
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(7):  # interleaved, so a busy moment hurts all alike
        for name, command in jobs.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["import customerio"])
    print("4. cold start, fresh interpreter, median of 7 (targets: load_connector() <= 0.8x import customerio;"
          " run --dry-run on one record <= 0.15 s)")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"   {name:<24} {median * 1000:>6.0f} ms  {median / base:>5.2f}x import customerio"
              f"  (range {min(values) * 1000:.0f}-{max(values) * 1000:.0f} ms)")


def memory(connector, count: int) -> None:
    plan = connector.plan("upsert_customer", CONFIGS["upsert_customer"])
    tracemalloc.start()
    marks = {}
    for i in range(count):
        plan.build(record={"email": f"user{i}@example.com", "plan": "pro", "seats": i})
        if i + 1 in (count // 10, count):
            marks[i + 1] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print("5. peak traced memory over streamed builds: " + ", ".join(f"{k:,}: {v / 1024:,.0f} KiB" for k, v in marks.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=0.3, help="time per per-record measurement")
    parser.add_argument("--requests", type=int, default=300, help="sends per client in part 3")
    parser.add_argument("--stream", type=int, default=200_000, help="builds in part 5")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: builds,sends,cold,memory")
    parser.add_argument("--no-orjson", action="store_true", help="hide orjson: every body by the stdlib")
    parser.add_argument("--only", default="", help="comma-separated actions to measure in parts 1-2 (default: all)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    connector = load_connector()
    if "builds" not in skip:
        builds(connector, args.seconds, frozenset(filter(None, args.only.split(","))))
    if "sends" not in skip:
        sends(connector, args.requests)
    if "cold" not in skip:
        cold_start()
    if "memory" not in skip:
        memory(connector, args.stream)


if __name__ == "__main__":
    main()
