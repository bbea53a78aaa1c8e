"""Time and peak memory (tracemalloc) of every hostile probe of issue 9; each should end within
0.2 s and 50 MB. Run: ./dev python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cio_connector import load_connector  # noqa: E402
from tests.hostile.test_templates import PROBES as TEMPLATE_PROBES  # noqa: E402
from tests.hostile.test_values import PROBES as VALUE_PROBES  # noqa: E402

TIME_BOUND, MEMORY_BOUND = 0.2, 50e6


def measure(call) -> tuple[float, float]:
    """(seconds, peak bytes): time from a plain run (tracemalloc slows Python code several-fold),
    memory from a second run under tracemalloc."""
    start = time.perf_counter()
    call()
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    connector = load_connector()
    connector.validate("upsert_customer", {"matching_field": "id", "matching_value": "{{ 1 }}"}, record={})  # warm-up
    rows = []
    record = {"big": "b" * 60_000, "huge": 10**2000}
    for template, _ in TEMPLATE_PROBES:
        config = {"matching_field": "id", "matching_value": "42", "mappings": {"plan": template}}
        rows.append((template[:60], *measure(partial(connector.validate, "upsert_customer", config, record=record))))
    many = {"matching_field": "id", "matching_value": "42", "mappings": {f"k{i}": "{{ 'x' * 99999 }}" for i in range(300)}}
    probe = partial(connector.validate, "upsert_customer", many, record={})
    rows.append(("300 mapping values just under the cap", *measure(probe)))
    for action, config, probe_record, expected in VALUE_PROBES:
        probe = partial(connector.validate, action, config, record=probe_record)
        rows.append((f"{action}: {expected[0][1][:50]}", *measure(probe)))
    worst_time = max(row[1] for row in rows)
    worst_memory = max(row[2] for row in rows)
    for name, elapsed, peak in rows:
        print(f"{elapsed * 1000:8.1f} ms {peak / 1e6:7.2f} MB  {name!r}")
    print(f"{len(rows)} probes; slowest {worst_time * 1000:.1f} ms (bound {TIME_BOUND * 1000:.0f} ms), "
          f"largest peak {worst_memory / 1e6:.2f} MB (bound {MEMORY_BOUND / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
