"""Bulk delivery side by side: ``run`` (the bulk engine) vs the official client and raw httpx, plus streamed memory.

    ./dev python benchmarks/bench_bulk.py [--records 100000] [--identify 300] [--memory-records 1000000] [--rounds 1]

One TLS sandbox in its own process on loopback (the official client only speaks HTTPS) serves every
contender in turn, reset between them; each contender must leave exactly its records in the
sandbox. Rows:
  * ``cio-connector run upsert_customer`` in its own process over a JSONL file (start-up included),
    and the same engine through the Python API (``bulk.deliver``) fed a generator: every record
    templated, validated and built by the handler, packed into v2 /batch bodies, rate-budgeted
    (Track 1000 req/s), 8 in flight; and the engine fed requests built before the clock started,
    the ceiling once building a request is cheap (the lead's compiled plans);
  * the official ``customerio`` client: one ``identify`` call per record (v1), sequential;
  * its ``batch()`` fed hand-made lists of v2 operations just under 500,000 bytes, sequential;
  * raw httpx posting pre-built 500 KB /batch bodies (built before the clock starts, no validation).
Then peak memory of the bulk engine streaming ``--memory-records`` records from a JSONL file in a
child process, with a null transport (every call answered 200 at once, nothing sent), so the
figure is the engine's own; RSS is also sampled along the way to show it stays flat.
The sandbox shares the machine's cores with the contenders: read the ratios, not the absolutes.
Beside each rate: the contender's own CPU per record (client side) and the sandbox's CPU for the
same work. Raw httpx's client does almost nothing, so when fewer than two cores are free (other
work on the machine) our client's CPU adds to the wall time instead of overlapping the sandbox's:
the CPU columns show which it was. ``--rounds N`` measures every contender N times, interleaved.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

import httpx

from cio_connector import load_connector
from cio_connector.bulk import BulkOptions, deliver
from cio_connector.sandbox import DEMO_CREDENTIALS

sys.path.insert(0, os.path.dirname(__file__))
from bench_send import sandbox_process  # noqa: E402  (one way to run the sandbox process)

CONFIG = {"matching_field": "id", "matching_value": "{{ record.id }}",
          "mappings": {"plan": "{{ record.plan }}", "seats": "{{ record.seats }}"}}
BATCH_LIMIT = 500_000


def record(prefix: str, i: int) -> dict:
    return {"id": f"{prefix}-{i}", "plan": "pro", "seats": i}


def item(prefix: str, i: int) -> dict:
    return {"type": "person", "identifiers": {"id": f"{prefix}-{i}"}, "action": "identify",
            "attributes": {"plan": "pro", "seats": i}}


def hand_made_batches(prefix: str, n: int) -> list[list[dict]]:
    """v2 operations in lists whose JSON body stays under 500,000 bytes, measured as requests' ``json=`` writes it."""
    batches, current, size = [], [], 12
    for i in range(n):
        op = item(prefix, i)
        length = len(json.dumps(op)) + 2  # default separators (", ", ": "), as the official client sends
        if size + length > BATCH_LIMIT:
            batches.append(current)
            current, size = [], 12
        current.append(op)
        size += length
    return batches + [current] if current else batches


def raw_bodies(prefix: str, n: int) -> list[bytes]:
    return [json.dumps({"batch": batch}, separators=(",", ":")).encode() for batch in hand_made_batches(prefix, n)]


def measure(label: str, count: int, job, control: httpx.Client, results: dict, cpu: dict) -> None:
    control.post("/reset").raise_for_status()
    mine, sandbox = _own_cpu(), _sandbox_cpu()
    started = time.perf_counter()
    job()
    seconds = time.perf_counter() - started
    cpu[label] = ((_own_cpu() - mine) / count, None if sandbox is None else (_sandbox_cpu() or 0.0) - sandbox)
    people = len(control.get("/state").json()["people"])
    assert people == count, f"{label}: {people} people in the sandbox, expected {count}"
    results[label] = count / seconds


def _own_cpu() -> float:
    """CPU seconds of this process and its finished children (``run`` is one)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _sandbox_cpu() -> float | None:
    """CPU seconds the sandbox process (our child) has used so far; None where /proc cannot say."""
    try:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[1]) != os.getpid():
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if b"cio_connector.sandbox" in cmdline.read():
                    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return None


def memory_child(path: str, count: int) -> None:
    """Runs in a child process: stream ``path`` through the engine with a null transport; print peak RSS."""
    from cio_connector.bulk.records import RecordFile

    samples: list[tuple[int, float]] = []
    page = os.sysconf("SC_PAGE_SIZE")
    next_sample = [count // 10]

    def on_progress(summary) -> None:
        progress["read"] = summary.read
        if summary.read >= next_sample[0]:
            with open("/proc/self/statm") as statm:
                samples.append((summary.read, int(statm.read().split()[1]) * page / 2**20))
            next_sample[0] += count // 10

    progress = {"read": 0, "peak": (0.0, 0)}

    def watch() -> None:  # RSS every 20 ms: where the peak happens, not only how high it is
        while True:
            with open("/proc/self/statm") as statm:
                rss = int(statm.read().split()[1]) * page / 2**20
            if rss > progress["peak"][0]:
                progress["peak"] = (rss, progress["read"])
            time.sleep(0.02)

    threading.Thread(target=watch, daemon=True).start()
    null = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    conn = {"region": "us", "site_id": "s", "track_api_key": "t", "app_api_key": "a",
            "endpoints": {"track": "http://127.0.0.1:9", "app": "http://127.0.0.1:9"}}
    started = time.perf_counter()
    with RecordFile(path) as records:
        summary = deliver(load_connector(), "upsert_customer", CONFIG, conn, records, transport=null, on_progress=on_progress)
    seconds = time.perf_counter() - started
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec, so it
    # would report the benchmark's own footprint; VmHWM is this program's peak alone.
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    print(json.dumps({"delivered": summary.delivered, "seconds": seconds, "peak_mb": peak, "samples": samples,
                      "peak_at": progress["peak"][1], "watched_peak_mb": progress["peak"][0]}))


def memory_run(count: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "records.jsonl")
        with open(path, "w") as out:
            for i in range(count):
                out.write(json.dumps(record("mem", i)) + "\n")
        size = os.path.getsize(path)
        output = subprocess.run([sys.executable, __file__, "--memory-child", path, "--memory-records", str(count)],
                                check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["file_mb"] = size / 2**20
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--identify", type=int, default=300, help="calls for the official per-call identify loop")
    parser.add_argument("--memory-records", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=BulkOptions().concurrency, help="requests in flight for run")
    parser.add_argument("--rounds", type=int, default=1, help="measure every contender this many times, interleaved")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        return memory_child(args.memory_child, args.memory_records)

    from customerio import CustomerIO

    n, connector = args.records, load_connector()
    with sandbox_process() as (url, ca):
        os.environ["REQUESTS_CA_BUNDLE"] = ca
        os.environ.pop("CURL_CA_BUNDLE", None)
        creds = DEMO_CREDENTIALS
        port = int(url.rsplit(":", 1)[1])
        conn = {"region": "us", "site_id": creds.site_id, "track_api_key": creds.track_api_key,
                "app_api_key": creds.app_api_key, "endpoints": {"track": f"{url}/us", "app": f"{url}/us"}}
        control = httpx.Client(base_url=f"{url}/_sandbox", verify=ca, timeout=120)  # /state holds every person

        folder = tempfile.mkdtemp()
        files = {name: os.path.join(folder, name) for name in ("config.json", "connection.json", "records.jsonl", "summary.json")}
        with open(files["config.json"], "w") as out:
            json.dump(CONFIG, out)
        with open(files["connection.json"], "w") as out:
            json.dump(conn, out)
        with open(files["records.jsonl"], "w") as out:
            out.writelines(json.dumps(record("bulk", i)) + "\n" for i in range(n))

        def bulk() -> None:
            """The command itself, in its own process, reading a JSONL file (its start-up time included)."""
            command = ["cio-connector", "run", "upsert_customer", "--quiet", "--config", files["config.json"],
                       "--connection", files["connection.json"], "--records", files["records.jsonl"],
                       "--summary-json", files["summary.json"], "--concurrency", str(args.concurrency)]
            subprocess.run(command, check=True, env={**os.environ, "SSL_CERT_FILE": ca})  # httpx trusts SSL_CERT_FILE
            with open(files["summary.json"]) as summary:
                assert json.load(summary)["delivered"] == n

        def bulk_api() -> None:
            summary = deliver(connector, "upsert_customer", CONFIG, conn, (record("bulk", i) for i in range(n)),
                              transport=httpx.AsyncHTTPTransport(verify=ca), options=BulkOptions(concurrency=args.concurrency))
            assert summary.delivered == n, summary.to_dict()

        prebuilt = {f"pre-{i}": connector.build_request("upsert_customer", CONFIG, record=record("pre", i)) for i in range(n)}

        class Prebuilt:
            """The real connector, except that each record's request was built before the clock started."""

            validate, connection = connector.validate, connector.connection

            def build_request(self, action: str, config: dict, *, record: dict):
                return prebuilt[record["id"]]

        def engine_ceiling() -> None:
            summary = deliver(Prebuilt(), "upsert_customer", CONFIG, conn, (record("pre", i) for i in range(n)),
                              transport=httpx.AsyncHTTPTransport(verify=ca), options=BulkOptions(concurrency=args.concurrency))
            assert summary.delivered == n, summary.to_dict()

        def official_identify() -> None:
            with CustomerIO(creds.site_id, creds.track_api_key, host="127.0.0.1", port=port, retries=0) as client:
                for i in range(args.identify):
                    client.identify(f"official-{i}", plan="pro", seats=i)

        batches = hand_made_batches("batch", n)

        def official_batch() -> None:
            with CustomerIO(creds.site_id, creds.track_api_key, host="127.0.0.1", port=port, retries=0) as client:
                for operations in batches:
                    client.batch(operations)

        bodies = raw_bodies("raw", n)

        def raw() -> None:
            import base64

            auth = "Basic " + base64.b64encode(f"{creds.site_id}:{creds.track_api_key}".encode()).decode()
            with httpx.Client(verify=ca, headers={"Authorization": auth, "Content-Type": "application/json"}) as http:
                for body in bodies:
                    http.post(f"{url}/us/api/v2/batch", content=body).raise_for_status()

        # The fixtures above (pre-built requests, hand-made batches, raw bodies: a few hundred thousand
        # objects) live through every contender: frozen, so no contender pays for the collector walking them.
        gc.collect()
        gc.freeze()
        contenders = [
            ("cio-connector run (the command)", n, bulk),
            ("cio-connector bulk.deliver (Python API)", n, bulk_api),
            ("bulk engine, requests pre-built (ceiling)", n, engine_ceiling),
            ("official client: identify per call", args.identify, official_identify),
            ("official client: batch(), hand-made", n, official_batch),
            ("raw httpx: pre-built 500 KB bodies", n, raw),
        ]
        rounds: list[tuple[dict[str, float], dict[str, tuple[float, float | None]]]] = []
        for _ in range(args.rounds):
            results: dict[str, float] = {}
            cpu: dict[str, tuple[float, float | None]] = {}
            for label, count, job in contenders:
                measure(label, count, job, control, results, cpu)
            rounds.append((results, cpu))
        control.close()

    print(f"upsert_customer, {n:,} records ({args.identify} for the per-call loop), TLS sandbox in its own process")
    targets = []
    for number, (results, cpu) in enumerate(rounds, 1):
        ours = results["cio-connector run (the command)"]
        if args.rounds > 1:
            print(f" round {number}")
        print(f"  {'':<42} {'records/s':>9} {'':<22} {'client CPU/record':>17} {'sandbox CPU':>11}")
        for label, per_second in results.items():
            ratio = "" if label.startswith(("cio", "bulk")) else f"run is {ours / per_second:6.2f}x this"
            client, sandbox = cpu[label]
            print(f"  {label:<42} {per_second:>9,.0f} {ratio:<22} {client * 1e6:>14.1f} us"
                  f" {'' if sandbox is None else f'{sandbox:>9.2f} s'}")
        identify = results["official client: identify per call"]
        raw_rate = results["raw httpx: pre-built 500 KB bodies"]
        api = results["cio-connector bulk.deliver (Python API)"]
        targets.append((ours / identify, api / raw_rate, ours / raw_rate))
        print(f"  targets: run >= 50x the per-call identify: {ours / identify:.1f}x;"
              f" bulk.deliver >= 0.85x raw httpx posts: {api / raw_rate:.2f}x (run: {ours / raw_rate:.2f}x)")
    if args.rounds > 1:
        spans = [f"{min(t[i] for t in targets):.2f}-{max(t[i] for t in targets):.2f}x" for i in range(3)]
        print(f" over {args.rounds} rounds: run/identify {spans[0]}, bulk.deliver/raw {spans[1]}, run/raw {spans[2]}")
    if args.memory_records:
        mem = memory_run(args.memory_records)
        flat = ", ".join(f"{read // 1000:,}k: {mb:.0f} MB" for read, mb in mem["samples"])
        print(f"memory: {mem['delivered']:,} records streamed from a {mem['file_mb']:.0f} MB JSONL file, null transport: "
              f"peak RSS {mem['peak_mb']:.0f} MB in {mem['seconds']:.0f} s ({mem['delivered'] / mem['seconds']:,.0f} records/s)")
        print(f"  RSS along the way: {flat}; highest seen {mem['watched_peak_mb']:.0f} MB at record {mem['peak_at']:,}")


if __name__ == "__main__":
    main()
