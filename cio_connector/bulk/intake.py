"""Records handed from whatever produces them to the engine's event loop, without stalling either."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, Iterable
from typing import Any

__all__ = ["IDLE", "intake"]

#: Yielded when no record arrived for a while, so the engine can flush batches that waited long enough.
IDLE = object()
_END = object()


async def intake(records: Iterable[Any] | AsyncIterable[Any], size: int, idle: float) -> AsyncGenerator[Any, None]:
    """Records one by one, with ``IDLE`` whenever none arrived for ``idle`` seconds.

    A sync iterable is read on a helper thread into a deque (appends and pops are atomic, so the
    hand-off costs no lock per record); the reader pauses while ``size`` records wait.
    """
    if isinstance(records, AsyncIterable):
        async for record in records:
            yield record
        return
    waiting: deque[Any] = deque()
    arrived, room, stop = threading.Event(), threading.Event(), threading.Event()
    room.set()

    def produce() -> None:
        try:
            for record in records:
                waiting.append(record)
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
    finally:
        stop.set()
        room.set()
