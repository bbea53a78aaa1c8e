"""What the host hop costs: an action through ``cio-connector serve`` beside the same action in-process.

    ./dev python benchmarks/bench_host.py [--requests 300]

The sandbox and the integration server each run in their own process on loopback. Three pairs,
sequential requests: a dry run (validate + build + describe) in-process against POST
/actions/upsert_customer/execute with isDryExecution, then a real upsert sent by a shared
CioClient against the same upsert through the server (which opens a client per call), then the
JSON CLI (one process per call) against the in-process call. The machine's cores are shared, so
read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from cio_connector import CioClient, load_connector
from cio_connector.sandbox import DEMO_CREDENTIALS

# The CLI with httpx-aiohttp hidden, so its async sends go through httpx's own pool (as before).
WITHOUT_AIOHTTP = "import sys; sys.modules['httpx_aiohttp'] = None; from cio_connector.cli import main; sys.exit(main())"


@contextmanager
def child(*args: str, ready: str, aiohttp: bool = True) -> Iterator[list[str]]:
    start = ["-m", "cio_connector.cli"] if aiohttp else ["-c", WITHOUT_AIOHTTP]
    process = subprocess.Popen([sys.executable, *start, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while not any(ready in line for line in lines):
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"{args} exited: {lines}")
            lines.append(line)
        yield lines
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:  # a busy machine: the figures are printed already
            process.kill()
            process.wait()


Call = Callable[[int], object]


def side_by_side(count: int, direct: Call, hosted: Call, rounds: int = 5) -> tuple[float, float]:
    """Calls per second of each, measured in alternating rounds so load on the machine hits both alike."""
    direct(-1), hosted(-1)  # warm up: imports, connections, caches
    spent = [0.0, 0.0]
    per_round = max(1, count // rounds)
    for round_ in range(rounds):
        for side, call in enumerate((direct, hosted)):
            start = time.perf_counter()
            for index in range(round_ * per_round, (round_ + 1) * per_round):
                call(index)
            spent[side] += time.perf_counter() - start
    done = per_round * rounds
    return done / spent[0], done / spent[1]


# A trivial FastAPI route on uvicorn, as the host server runs (one worker, no access log): the
# floor a server hop costs, to set a dry-run execute beside.
TRIVIAL = """
import socket, sys, uvicorn
from fastapi import FastAPI
app = FastAPI()

@app.post("/echo")
async def echo(body: dict) -> dict:
    return {"ok": True, "keys": len(body)}

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP: asyncio sets NODELAY
listener.bind(("127.0.0.1", 0)); listener.listen(128)
print(f"listening on http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[listener])
"""


@contextmanager
def trivial_server() -> Iterator[str]:
    process = subprocess.Popen([sys.executable, "-c", TRIVIAL], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    try:
        found = re.search(r"listening on (http://\S+)", process.stdout.readline())
        if not found:
            raise RuntimeError("the trivial FastAPI server did not start")
        yield found.group(1)
    finally:
        process.kill()
        process.wait()


def concurrent_sends(hosts: dict[str, str], payload: Callable[[int], dict], count: int, in_flight: int) -> None:
    """Sent executes, ``in_flight`` at a time, against each server in alternating rounds: requests/s and p99."""
    import asyncio

    latencies: dict[str, list[float]] = {label: [] for label in hosts}
    spent = dict.fromkeys(hosts, 0.0)

    async def round_(label: str, host: str, start: int, n: int) -> None:
        gate = asyncio.Semaphore(in_flight)
        limits = httpx.Limits(max_connections=in_flight)
        async with httpx.AsyncClient(base_url=host, timeout=60, limits=limits) as http:
            async def one(index: int, timed: bool) -> None:
                async with gate:
                    began = time.perf_counter()
                    (await http.post("/actions/upsert_customer/execute", json=payload(index))).raise_for_status()
                    if timed:
                        latencies[label].append(time.perf_counter() - began)

            await asyncio.gather(*(one(i, False) for i in range(start, start + in_flight)))  # warm: connections
            began = time.perf_counter()
            await asyncio.gather(*(one(i, True) for i in range(start + in_flight, start + in_flight + n)))
            spent[label] += time.perf_counter() - began

    rounds = 3
    for r in range(rounds):
        for label, host in hosts.items():
            asyncio.run(round_(label, host, r * 100_000, count // rounds))
    base = next(iter(hosts))
    print(f"sent executes through the host server, {in_flight} in flight, {count // rounds * rounds} each")
    for label in hosts:
        rate = count // rounds * rounds / spent[label]
        p99 = statistics.quantiles(latencies[label], n=100)[98] * 1000
        base_rate = count // rounds * rounds / spent[base]
        print(f"   {label:<40} {rate:>7.0f} /s  p99 {p99:6.1f} ms  {rate / base_rate:5.2f}x {base}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrent", type=int, default=1200, help="sent executes per server at 32 in flight")
    options = parser.parse_args()
    count = options.requests
    connector = load_connector()
    with socket.socket() as probe:  # a free port, so serve can be told the sandbox is an endpoint it allows
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        child("sandbox", "--port", str(port), ready="Press Ctrl-C") as sandbox_lines,
        child("serve", "--port", "0", f"--allow-endpoint=http://127.0.0.1:{port}", ready="listening on") as host_lines,
    ):
        sandbox = re.search(r"http://\S+", sandbox_lines[0]).group(0)  # type: ignore[union-attr]
        host = re.search(r"listening on (http://\S+)", host_lines[0]).group(1)  # type: ignore[union-attr]
        creds = DEMO_CREDENTIALS
        connection = {
            "region": "us",
            "site_id": creds.site_id,
            "track_api_key": creds.track_api_key,
            "app_api_key": creds.app_api_key,
            "endpoints": {"track": f"{sandbox}/us", "app": f"{sandbox}/us"},
        }

        def config(index: int) -> dict:
            return {"matching_field": "id", "matching_value": f"user-{index}", "mappings": {"plan": "pro", "seats": index}}

        def body(index: int, dry: bool) -> dict:
            return {
                "connector": {"uuid": "b", "workspaceUuid": "b", "config": connection},
                "config": config(index),
                "isDryExecution": dry,
            }

        with httpx.Client(base_url=host, timeout=30) as http, CioClient(connector.connection(connection)) as client:

            def direct_dry(i: int) -> object:
                return connector.execute("upsert_customer", config(i), connection, dry_run=True)

            def direct_send(i: int) -> object:
                return connector.execute("upsert_customer", config(i), connection, client=client)

            def hosted(dry: bool) -> Callable[[int], object]:
                return lambda i: http.post("/actions/upsert_customer/execute", json=body(i, dry)).raise_for_status()

            with trivial_server() as trivial, httpx.Client(base_url=trivial, timeout=30) as plain:
                echo = lambda i: plain.post("/echo", json=body(i, True)).raise_for_status()  # noqa: E731
                floor, dry = side_by_side(count, echo, hosted(True))
            print(f"dry-run execute through serve: {dry:.0f}/s against a trivial FastAPI route's {floor:.0f}/s:"
                  f" {dry / floor:.2f}x (target 0.7x)")
            rows = [
                ("dry run", *side_by_side(count, direct_dry, hosted(True))),
                ("sent to the sandbox", *side_by_side(count, direct_send, hosted(False))),
            ]
            with tempfile.TemporaryDirectory() as folder:
                conn_file = Path(folder) / "connection.json"
                conn_file.write_text(json.dumps(connection))
                command = [sys.executable, "-m", "cio_connector.cli", "execute", "upsert_customer", "--config", "-"]

                def cli(index: int) -> None:
                    run = [*command, "--connection", str(conn_file)]
                    subprocess.run(run, input=json.dumps(config(index)), capture_output=True, check=True, text=True)

                rows.append(("JSON CLI, one process a call", *side_by_side(max(5, count // 30), direct_send, cli)))
            with child("serve", "--port", "0", ready="listening on", aiohttp=False) as before_lines:
                before = re.search(r"listening on (http://\S+)", before_lines[0]).group(1)  # type: ignore[union-attr]
                servers = {"httpx's own async pool (before)": before, "httpx over aiohttp's pool (now)": host}
                concurrent_sends(servers, lambda i: body(i, False), options.concurrent, 32)
    print(f"{'':32} {'in-process /s':>14} {'hosted /s':>12} {'hosted / direct':>18}")
    for name, direct, hosted in rows:
        print(f"{name:32} {direct:14.0f} {hosted:12.1f} {hosted / direct:18.3f}")


if __name__ == "__main__":
    main()
