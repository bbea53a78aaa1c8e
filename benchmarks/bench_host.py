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


@contextmanager
def child(*args: str, ready: str) -> Iterator[list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "cio_connector.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
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
        process.wait(10)


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    count = parser.parse_args().requests
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
    print(f"{'':32} {'in-process /s':>14} {'hosted /s':>12} {'hosted / direct':>18}")
    for name, direct, hosted in rows:
        print(f"{name:32} {direct:14.0f} {hosted:12.1f} {hosted / direct:18.3f}")


if __name__ == "__main__":
    main()
