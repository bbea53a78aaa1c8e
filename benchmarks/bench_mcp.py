"""What an MCP tool call costs beside the same action through ``Connector.aexecute``.

    ./dev python benchmarks/bench_mcp.py [--requests 300]

The sandbox runs in its own process on loopback. Each row times the same upserts both ways in
alternating rounds of one run: directly (``aexecute``, the connector's kept client) and as an MCP
``tools/call`` through the SDK's own client, in this process (2026 per-request envelope), over
stdio to a ``cio-connector mcp`` subprocess (what a desktop agent runs), and over streamable HTTP
to ``cio-connector mcp --http``. The dry-run rows send nothing: they isolate the server's own
layer (``ToolRunner.call``, no SDK) and the SDK's protocol round trip in-process (both ends,
including the client's check of the result against the output schema). The ratio is time per
MCP call over time per direct call. Two cores are shared, so read the ratios.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from cio_connector import load_connector
from cio_connector.mcp import ServerConnection, ToolRunner
from cio_connector.mcp.server import create_server
from cio_connector.sandbox import DEMO_CREDENTIALS

TOKEN = "bench-token"
Call = Callable[[int], Awaitable[object]]


@contextmanager
def child(*args: str, ready: str) -> Iterator[str]:
    """A ``cio-connector`` subprocess; yields the first URL it prints once ``ready`` shows."""
    command = [sys.executable, "-m", "cio_connector.cli", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while not any(ready in line for line in lines):
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"{args} exited: {lines}")
            lines.append(line)
        yield next(m.group(0) for line in lines if (m := re.search(r"http://\S+", line)))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def side_by_side(count: int, direct: Call, mcp: Call, rounds: int = 5) -> tuple[float, float]:
    """Seconds per call of each, in alternating rounds so load on the machine hits both alike."""
    await direct(-1), await mcp(-1)  # warm up: imports, connections, plans
    spent = [0.0, 0.0]
    per_round = max(1, count // rounds)
    for round_ in range(rounds):
        for side, call in enumerate((direct, mcp)):
            start = time.perf_counter()
            for index in range(round_ * per_round, (round_ + 1) * per_round):
                await call(index)
            spent[side] += time.perf_counter() - start
    done = per_round * rounds
    return spent[0] / done, spent[1] / done


def arguments(index: int) -> dict[str, Any]:
    return {"matching_field": "id", "matching_value": f"user-{index}", "mappings": {"plan": "pro", "seats": index}}


@asynccontextmanager
async def checked(client: Client) -> AsyncIterator[Callable[[bool], Call]]:
    def tool(dry: bool) -> Call:
        async def call(index: int) -> object:
            result = await client.call_tool("upsert_customer", {**arguments(index), "dry_run": dry})
            if result.is_error:
                raise RuntimeError(result.content[0].text)  # type: ignore[union-attr]
            return result

        return call

    yield tool


async def measure(count: int, connection: dict[str, Any], folder: Path) -> list[tuple[str, float, float]]:
    connector = load_connector()

    def direct(dry: bool) -> Call:
        return lambda i: connector.aexecute("upsert_customer", arguments(i), connection, dry_run=dry)

    rows = []
    runner = ToolRunner(load_connector(), ServerConnection(connection, "bench"))

    def ours(dry: bool) -> Call:  # the server's own layer: arguments -> pipeline -> outcome, no protocol
        return lambda i: runner.call("upsert_customer", {**arguments(i), "dry_run": dry})

    rows.append(("dry run, ToolRunner.call (no SDK)", *await side_by_side(count, direct(True), ours(True))))
    async with Client(create_server(runner)) as client, checked(client) as tool:
        rows.append(("dry run, in-process MCP client", *await side_by_side(count, direct(True), tool(True))))
        rows.append(("sent, in-process MCP client", *await side_by_side(count, direct(False), tool(False))))
    await runner.aclose()
    conn_file = folder / "connection.json"
    conn_file.write_text(json.dumps(connection))
    command = ["-m", "cio_connector.cli", "mcp", "--connection", str(conn_file)]
    params = StdioServerParameters(command=sys.executable, args=command)
    with open(folder / "stderr.txt", "w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client, checked(client) as tool:
            rows.append(("sent, stdio subprocess", *await side_by_side(count, direct(False), tool(False))))
    http_args = ("mcp", "--http", "--port", "0", "--token", TOKEN, "--connection", str(conn_file))
    with child(*http_args, ready="token:") as url:
        async with httpx2.AsyncClient(headers={"authorization": f"Bearer {TOKEN}"}, timeout=30) as http:
            async with Client(streamable_http_client(url, http_client=http)) as client, checked(client) as tool:
                rows.append(("sent, streamable HTTP subprocess", *await side_by_side(count, direct(False), tool(False))))
    await connector.aclose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    count = parser.parse_args().requests
    creds = DEMO_CREDENTIALS
    with child("sandbox", "--port", "0", ready="Press Ctrl-C") as sandbox, tempfile.TemporaryDirectory() as folder:
        connection = {
            "region": "us", "site_id": creds.site_id, "track_api_key": creds.track_api_key,
            "app_api_key": creds.app_api_key, "endpoints": {"track": f"{sandbox}/us", "app": f"{sandbox}/us"},
        }
        rows = anyio.run(measure, count, connection, Path(folder))
    print(f"{'upsert_customer, ' + str(count) + ' calls':34} {'aexecute ms':>12} {'MCP call ms':>12} {'MCP / aexecute':>15}")
    for name, direct, mcp in rows:
        print(f"{name:34} {direct * 1000:12.3f} {mcp * 1000:12.3f} {mcp / direct:15.2f}")


if __name__ == "__main__":
    main()
