"""Records handed from whatever produces them to the engine's event loop, without stalling either."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, Iterable, Iterator
from typing import Any

__all__ = ["IDLE", "YIELD_EVERY", "intake"]

#: Yielded when no record arrived for a while, so the engine can flush batches that waited long enough.
IDLE = object()
#: Records handed over between two turns of the event loop: launched batches get written while
#: the next ones are read and built, instead of waiting until every send slot is taken.
YIELD_EVERY = 64
_END = object()


def reads_without_blocking(records: Any) -> bool:
    """Whether iterating ``records`` never waits on anyone: a list, or a reader of a regular file
    (one that says so with ``regular``). A pipe, a socket or a host's generator may wait."""
    return isinstance(records, (list, tuple)) or getattr(records, "regular", False) is True


async def intake(records: Iterable[Any] | AsyncIterable[Any], size: int, idle: float) -> AsyncGenerator[Any, None]:
    """Records in runs (lists of at most ``YIELD_EVERY``), with ``IDLE`` whenever none arrived for ``idle`` seconds.

    The event loop gets a turn between two runs. A list or a regular file is read right here, in
    the loop. Any other sync iterable may wait (a pipe, a host's generator reading a database), so
    it is read on a helper thread into a deque (appends and pops are atomic: the hand-off costs no
    lock per record), and whatever has arrived is taken as one run; the reader pauses while ``size``
    records wait. Records read before the source fails are handed over before its error.
    """
    if isinstance(records, AsyncIterable):
        async for record in records:
            yield [record]
        return
    if reads_without_blocking(records):
        iterator = iter(records)
        while True:
            run, error = _next_run(iterator, YIELD_EVERY)
            if run:
                yield run
            if error is not None:
                raise error
            if len(run) < YIELD_EVERY:
                return
            await asyncio.sleep(0)
    async for item in _threaded(records, size, idle):
        yield item


def _next_run(iterator: Iterator[Any], limit: int) -> tuple[list[Any], Exception | None]:
    """Up to ``limit`` records, and the error that stopped the source early (if one did)."""
    run: list[Any] = []
    try:
        for record in iterator:
            run.append(record)
            if len(run) >= limit:
                break
    except Exception as exc:  # noqa: BLE001 - raised by the caller once the records before it are handed over
        return run, exc
    return run, None


async def _threaded(records: Iterable[Any], size: int, idle: float) -> AsyncGenerator[Any, None]:
    waiting: deque[Any] = deque()
    arrived, room, stop = threading.Event(), threading.Event(), threading.Event()
    room.set()

    def produce() -> None:
        try:
            for record in records:
                waiting.append(record)
                if not arrived.is_set():  # setting a set Event still takes its lock: skip it
                    arrived.set()
                while len(waiting) >= size and not stop.is_set():
                    room.clear()
                    if len(waiting) >= size:
                        room.wait(0.1)
                if stop.is_set():
                    return
            waiting.append(_END)
        except BaseException as exc:  # handed to the consumer, which raises it in the caller's task
            waiting.append(exc)
        arrived.set()

    threading.Thread(target=produce, name="cio-bulk-reader", daemon=True).start()
    loop = asyncio.get_running_loop()
    try:
        while True:
            if not waiting:
                arrived.clear()
                if not waiting and not await loop.run_in_executor(None, arrived.wait, idle):
                    yield IDLE
                continue
            run: list[Any] = []
            ended: Any = None
            while waiting and len(run) < YIELD_EVERY:
                item = waiting.popleft()
                if item is _END or isinstance(item, BaseException):
                    ended = item
                    break
                run.append(item)
            if not room.is_set() and len(waiting) < size // 2:
                room.set()
            if run:
                yield run
            if ended is _END:
                return
            if ended is not None:
                raise ended
            await asyncio.sleep(0)
    finally:
        stop.set()
        room.set()
