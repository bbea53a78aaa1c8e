"""Handing records to the engine's loop: in order, in runs, with the loop given a turn between runs."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from cio_connector.bulk.intake import IDLE, YIELD_EVERY, intake, reads_without_blocking
from cio_connector.bulk.records import RecordFile


async def _drain_beside_a_ticker(records) -> tuple[list, int]:
    """Every record the intake hands over, and how many turns a task beside it got meanwhile."""
    turns = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal turns
        while not done.is_set():
            turns += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    start = turns
    runs = [item async for item in intake(records, 4096, 5.0) if item is not IDLE]
    assert all(0 < len(run) <= YIELD_EVERY for run in runs)
    seen = [record for run in runs for record in run]
    done.set()
    await ticker
    return seen, turns - start


def _reader_threads() -> int:
    return sum(thread.name == "cio-bulk-reader" for thread in threading.enumerate())


def test_a_list_is_read_in_the_loop_which_gets_a_turn_every_so_many_records():
    records = [{"i": i} for i in range(4 * YIELD_EVERY)]
    before = _reader_threads()

    async def run() -> tuple[list, int, int]:
        seen, turns = await _drain_beside_a_ticker(records)
        return seen, turns, _reader_threads()

    seen, turns, threads = asyncio.run(run())
    assert seen == records
    assert turns >= 3  # launched batches get written while the next records are built
    assert threads == before


def test_a_generator_is_read_on_a_helper_thread_in_order_and_the_loop_still_gets_turns():
    seen, turns = asyncio.run(_drain_beside_a_ticker({"i": i} for i in range(4 * YIELD_EVERY)))
    assert seen == [{"i": i} for i in range(4 * YIELD_EVERY)]
    assert turns >= 3


def test_a_failing_generator_raises_in_the_consumer():
    def broken():
        yield {"i": 0}
        raise RuntimeError("the host's iterator broke")

    with pytest.raises(RuntimeError, match="broke"):
        asyncio.run(_drain_beside_a_ticker(broken()))


class _BreaksAfter:
    """A source that fails after ``count`` records; ``regular`` says whether it is read in the loop."""

    def __init__(self, count: int, regular: bool) -> None:
        self.count, self.regular = count, regular

    def __iter__(self):
        yield from ({"i": i} for i in range(self.count))
        raise ValueError("line 71: not JSON")


@pytest.mark.parametrize("regular", [True, False], ids=["in the loop", "on a helper thread"])
def test_records_read_before_a_source_fails_are_handed_over_before_its_error(regular):
    handed: list = []

    async def drain() -> None:
        async for run in intake(_BreaksAfter(YIELD_EVERY + 6, regular), 4096, 5.0):
            if run is not IDLE:
                handed.extend(run)

    with pytest.raises(ValueError, match="line 71"):
        asyncio.run(drain())
    assert handed == [{"i": i} for i in range(YIELD_EVERY + 6)]


def test_a_regular_file_reads_without_blocking_and_a_pipe_does_not(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b"}\n')
    with RecordFile(path) as records:
        assert records.regular and reads_without_blocking(records)
        seen, _ = asyncio.run(_drain_beside_a_ticker(records))
    assert seen == [{"id": "a"}, {"id": "b"}]
    read, write = os.pipe()
    os.write(write, b'{"id": "c"}\n')
    os.close(write)
    with os.fdopen(read, "rb", buffering=0) as pipe, RecordFile("-", stdin=pipe) as records:
        assert not records.regular and not reads_without_blocking(records)
        assert list(records) == [{"id": "c"}]
