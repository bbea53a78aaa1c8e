"""Records handed from whatever produces them to the engine's event loop, without stalling either."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, Iterable
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
    """Records one by one, with ``IDLE`` whenever none arrived for ``idle`` seconds.

    A list or a regular file is read right here, in the loop, with a turn of the loop every
    ``YIELD_EVERY`` records. Any other sync iterable is read on a helper thread into a deque
    (appends and pops are atomic, so the hand-off costs no lock per record); the reader pauses
    while ``size`` records wait.
    """
    if isinstance(records, AsyncIterable):
        async for record in records:
            yield record
        return
    if reads_without_blocking(records):
        count = 0
        for record in records:
            yield record
            count += 1
            if count % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        return
    async for item in _threaded(records, size, idle):
        yield item


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
    count = 0
    try:
        while True:
            try:
                item = waiting.popleft()
            except IndexError:
                arrived.clear()
                if not waiting and not await loop.run_in_executor(None, arrived.wait, idle):
                    yield IDLE
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            if len(waiting) < size // 2:
                room.set()
            yield item
            count += 1
            if count % YIELD_EVERY == 0:
                await asyncio.sleep(0)
    finally:
        stop.set()
        room.set()
