"""End-to-end sends against the sandbox, side by side with Customer.io's official Python client.

    ./dev python benchmarks/bench_send.py [--requests 300]

Both talk to the same TLS sandbox, run in its own process on loopback (the official client only
speaks HTTPS), one identify per request, sequentially; the async connector also runs with 10
requests in flight. Reports requests/second and the ratio to the official client. The sandbox
shares the machine's two cores with the client, so read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from customerio import CustomerIO

from cio_connector import AsyncCioClient, CioClient, load_connector
from cio_connector.sandbox import DEMO_CREDENTIALS


@contextmanager
def sandbox_process() -> Iterator[tuple[str, str]]:
    """(base URL, CA path) of a TLS sandbox in a child process; stopped with Ctrl-C, killed if it lingers."""
    with tempfile.TemporaryDirectory() as certs:
        command = [sys.executable, "-m", "cio_connector.sandbox", "--tls", "--port", "0", "--cert-dir", certs]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert child.stdout is not None
            found = re.search(r"https://127\.0\.0\.1:\d+", child.stdout.readline())
            assert found, "the sandbox did not print its URL"
            ca = next(os.path.join(certs, f) for f in os.listdir(certs) if "ca" in f and f.endswith(".pem"))
            yield found.group(0), ca
        finally:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    n = parser.parse_args().requests
    connector = load_connector()
    with sandbox_process() as (url, ca):
        os.environ["REQUESTS_CA_BUNDLE"] = ca
        os.environ.pop("CURL_CA_BUNDLE", None)
        creds = DEMO_CREDENTIALS
        port = int(url.rsplit(":", 1)[1])
        data = {"region": "us", "site_id": creds.site_id, "track_api_key": creds.track_api_key,
                "app_api_key": creds.app_api_key, "endpoints": {"track": f"{url}/us", "app": f"{url}/us"}}
        conn = connector.connection(data)
        control = httpx.Client(base_url=f"{url}/_sandbox", verify=ca)

        def official() -> None:
            with CustomerIO(creds.site_id, creds.track_api_key, host="127.0.0.1", port=port, retries=0) as client:
                for i in range(n):
                    client.identify(f"official-{i}", plan="pro", seats=i)

        def ours() -> None:
            with CioClient(conn, verify=ca) as client:
                for i in range(n):
                    config = {"matching_field": "id", "matching_value": f"ours-{i}", "mappings": {"plan": "pro", "seats": i}}
                    connector.execute("upsert_customer", config, conn, client=client)

        def ours_async() -> None:
            async def run() -> None:
                async with AsyncCioClient(conn, verify=ca) as client:
                    gate = asyncio.Semaphore(10)

                    async def one(i: int) -> None:
                        config = {"matching_field": "id", "matching_value": f"async-{i}", "mappings": {"plan": "pro", "seats": i}}
                        request = connector.build_request("upsert_customer", config)
                        async with gate:
                            await client.send(request, action="upsert_customer")

                    await asyncio.gather(*(one(i) for i in range(n)))

            asyncio.run(run())

        results = {}
        for name, job in [("official customerio client (v1)", official), ("cio-connector sync (v2)", ours),
                          ("cio-connector async x10 (v2)", ours_async)]:
            control.post("/reset").raise_for_status()
            seconds = timed(job)
            assert len(control.get("/state").json()["people"]) == n, name
            results[name] = n / seconds
        base = results["official customerio client (v1)"]
        print(f"{n} identify requests each, TLS sandbox on loopback")
        for name, per_second in results.items():
            print(f"  {name:<34} {per_second:>8,.0f} req/s   {per_second / base:>5.2f}x official")


if __name__ == "__main__":
    main()
