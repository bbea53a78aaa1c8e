"""Async sends: httpx's own pool against httpx over an aiohttp transport (httpx-aiohttp), side by side.

    ./dev python benchmarks/bench_async_transport.py [--requests 2000] [--concurrency 1,32]

The host server's sent executes spend most of their CPU in httpx/httpcore/anyio pool bookkeeping.
This posts the same pre-built Track v2 upsert body to one TLS sandbox in its own process through
``httpx.AsyncClient`` with its default transport and with ``httpx_aiohttp.AiohttpTransport``
(pip install httpx-aiohttp; the ``bench`` extra), at each concurrency, in turns, and prints
requests/s, p50/p99 latency and this process's CPU per request. The machine is shared: read the
ratios of one run, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import ssl
import statistics
import sys
import time
from collections.abc import Callable

import httpx

sys.path.insert(0, os.path.dirname(__file__))
from bench_send import sandbox_process  # noqa: E402

from cio_connector.sandbox import DEMO_CREDENTIALS  # noqa: E402

BODY = b'{"type":"person","identifiers":{"id":"u-%d"},"action":"identify","attributes":{"plan":"pro"}}'


async def _run(
    make_client: Callable[[], httpx.AsyncClient], url: str, n: int, concurrency: int
) -> tuple[float, list[float], float]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    async with make_client() as client:
        async def one(i: int) -> None:
            async with gate:
                started = time.perf_counter()
                response = await client.post(url, content=BODY % i)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(one(i) for i in range(min(50, n))))  # warm the pool
        latencies.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - wall, latencies, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", default="1,32")
    args = parser.parse_args()
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        sys.exit("this benchmark needs httpx-aiohttp: pip install httpx-aiohttp")
    creds = DEMO_CREDENTIALS
    auth = "Basic " + base64.b64encode(f"{creds.site_id}:{creds.track_api_key}".encode()).decode()
    headers = {"Authorization": auth, "Content-Type": "application/json"}
    with sandbox_process() as (base, ca):
        url = f"{base}/us/api/v2/entity"
        context = ssl.create_default_context(cafile=ca)
        contenders = {
            "httpx (httpcore pool)": lambda c: httpx.AsyncClient(verify=context, headers=headers,
                                                                 limits=httpx.Limits(max_connections=c)),
            "httpx + aiohttp transport": lambda c: httpx.AsyncClient(
                transport=AiohttpTransport(verify=context, limits=httpx.Limits(max_connections=c)), headers=headers),
        }
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            print(f"{args.requests} upserts, {concurrency} in flight, TLS sandbox in its own process")
            rates: dict[str, float] = {}
            for label, make in contenders.items():
                client = lambda make=make, concurrency=concurrency: make(concurrency)  # noqa: E731
                wall, latencies, cpu = asyncio.run(_run(client, url, args.requests, concurrency))
                rates[label] = args.requests / wall
                cuts = statistics.quantiles(latencies, n=100)
                print(f"   {label:<28} {rates[label]:>7,.0f} req/s  p50 {cuts[49] * 1000:6.1f} ms  p99 {cuts[98] * 1000:6.1f} ms"
                      f"  client CPU {cpu / args.requests * 1e6:6.0f} us/request")
            first, second = rates.values()
            print(f"   aiohttp transport / httpx pool: {second / first:.2f}x")


if __name__ == "__main__":
    main()
