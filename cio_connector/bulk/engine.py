"""The delivery engine: records -> handler requests -> batches -> rate-budgeted, retried sends -> ledger.

One asyncio engine serves both APIs: ``adeliver`` awaits it, ``deliver`` runs it with
``asyncio.run``. Records arrive in runs (``intake``): a list or a regular file read in the loop,
which gets a turn between runs so launched batches are written while the next are built; any
other synchronous iterator on a helper thread into a bounded queue, so a slow pipe never stalls
batches already waiting (they still flush after ``linger``). Memory stays flat: at most
``queue_size`` records waiting, ``concurrency`` batches in flight. A dry run makes no HTTP client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..client.describe import describe_request
from ..errors import CioConnectorError, ConnectionConfigError, InputError, RetryableApiError
from ..facts import (
    APP_REQUESTS_PER_SECOND,
    BATCH_MAX_BYTES,
    ENTITY_MAX_BYTES,
    SEGMENT_IDS_PER_REQUEST,
    TRACK_REQUESTS_PER_SECOND,
)
from ..pipeline.request import ApiRequest
from .batching import Batch, Packer, Ticket, TooLarge
from .budget import Budget, RateSettings, open_budget
from .intake import IDLE, intake
from .ledger import Failure, Ledger, Summary

if TYPE_CHECKING:  # the HTTP stack is imported when a run sends: a dry run never loads it
    from ..client.attempts import Delivery, RetryPolicy
    from ..client.http import AsyncCioClient, AsyncTransport
    from ..client.policy import ItemError

__all__ = ["BulkOptions", "BulkRun", "adeliver", "deliver"]


def _bulk_retry() -> RetryPolicy:
    from ..client.attempts import RetryPolicy

    return RetryPolicy(max_retries=6, base_delay=0.2, max_delay=5.0, max_retry_after=30.0, deadline=300.0)


@dataclass(frozen=True)
class BulkOptions:
    """How a run batches, paces and retries. Rates are requests (not records) per second."""

    concurrency: int = 8
    linger: float = 0.2
    track_rate: float = TRACK_REQUESTS_PER_SECOND
    app_rate: float = APP_REQUESTS_PER_SECOND
    track_burst: float | None = None
    app_burst: float | None = None
    rate_store: str | None = None
    #: A batch is tried for at most ``deadline`` seconds (waits for the rate budget not counted).
    retry: RetryPolicy = field(default_factory=_bulk_retry)
    #: Seconds one attempt may wait for its answer.
    timeout: float = 30.0
    item_max_bytes: int = ENTITY_MAX_BYTES
    batch_max_bytes: int = BATCH_MAX_BYTES
    ids_per_call: int = SEGMENT_IDS_PER_REQUEST
    queue_size: int = 4096
    dry_run: bool = False

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")


class BulkRun:
    """One action over many records. ``interrupt()`` (Ctrl-C) stops reading, flushes and settles what was read."""

    def __init__(
        self,
        connector: Any,
        action: str,
        config: Any,
        connection: Any,
        *,
        options: BulkOptions | None = None,
        on_failure: Callable[[Failure], None] | None = None,
        on_request: Callable[[dict[str, Any]], None] | None = None,
        on_progress: Callable[[Summary], None] | None = None,
        transport: AsyncTransport | None = None,
        allow_custom_endpoints: bool = False,
    ) -> None:
        problems = connector.validate(action, config)
        if problems:
            raise InputError(problems, action=action)
        self.options = options or BulkOptions()
        self.action = action
        self.connection = connector.connection(connection, allow_custom_endpoints=allow_custom_endpoints)
        self.ledger = Ledger(action, dry_run=self.options.dry_run, on_failure=on_failure)
        self._build = _builder(connector, action, config)
        self._on_request = on_request
        self._on_progress = on_progress
        self._transport = transport
        self._stopping = False
        self._refused: str | None = None
        self._ready: list[Batch] = []

    @property
    def summary(self) -> Summary:
        return self.ledger.summary

    @property
    def stopping(self) -> bool:
        """Interrupted, or aborted by refused credentials: read no more records, retry no batch."""
        return self._stopping

    def interrupt(self) -> None:
        self._stopping = True
        self.summary.interrupted = True

    async def run(self, records: Iterable[Any] | AsyncIterable[Any]) -> Summary:
        opts = self.options
        self._packer = Packer(item_max_bytes=opts.item_max_bytes, batch_max_bytes=opts.batch_max_bytes,
                              ids_per_call=opts.ids_per_call, linger=opts.linger)
        self._slots = asyncio.Semaphore(opts.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        workspace = f"{self.connection.region}:{self.connection.site_id}"
        rates = {"track": RateSettings.of(opts.track_rate, opts.track_burst),
                 "app": RateSettings.of(opts.app_rate, opts.app_burst)}
        self._budgets: dict[str, Budget] = {
            api: open_budget(api, settings, store=opts.rate_store, workspace=workspace) for api, settings in rates.items()
        }
        self._pacing = {api: _Pacing(self, budget) for api, budget in self._budgets.items()}
        self._client: AsyncCioClient | None = None
        if not opts.dry_run:  # nothing is sent: no HTTP client is made, nor its stack imported
            from ..client.http import async_client

            self._client = async_client(self.connection, in_flight=opts.concurrency, timeout=opts.timeout,
                                        retry=opts.retry, transport=self._transport)
        unreadable: Exception | None = None
        try:
            try:
                await self._read(records)
            except Exception as exc:  # noqa: BLE001 - the input broke: settle what was read, then say why
                unreadable = exc
                why = "; ".join(p.message for p in exc.problems) if isinstance(exc, InputError) else str(exc)
                self.summary.aborted = f"reading records stopped: {why}"
            for batch in self._packer.drain():
                await self._launch(batch)
            while self._tasks:
                await asyncio.gather(*list(self._tasks))
        finally:
            if self._client is not None:
                await self._client.aclose()
            for budget in self._budgets.values():
                await budget.aclose()
        summary = self.ledger.finish()
        self._progress()
        if unreadable is not None and not isinstance(unreadable, CioConnectorError):
            raise unreadable  # a host's own iterator failed: everything read is settled, the error is theirs
        return summary

    # -- reading and packing -----------------------------------------------------------------

    async def _read(self, records: Iterable[Any] | AsyncIterable[Any]) -> None:
        index = 0
        async with aclosing(intake(records, self.options.queue_size, self.options.linger / 2)) as stream:
            async for run in stream:
                if self._stopping:
                    return
                if run is IDLE:
                    await self._flush_due()
                    continue
                for record in run:
                    if self._stopping:
                        return
                    self._take(index, record)
                    index += 1
                    if self._ready:
                        ready, self._ready = self._ready, []
                        for batch in ready:
                            await self._launch(batch)
                    if index % 256 == 0:
                        await self._flush_due()
                        self._progress()

    def _take(self, index: int, record: Any) -> None:
        self.ledger.opened(index)
        try:
            request = self._build(record)
        except Exception as exc:  # noqa: BLE001 - any record that cannot be built is failed with why, not lost
            self.ledger.failed(Ticket(index, record), type(exc).__name__, str(exc), 0, _problems_of(exc))
            return
        packed = self._packer.add(index, record, request)
        if isinstance(packed, TooLarge):
            message = f"the request item is {packed.size:,} bytes; Customer.io accepts at most {packed.limit:,} per item"
            problem = {"path": "$", "field": None, "reason": "too_large", "message": message}
            self.ledger.failed(Ticket(index, record), "InputError", message, 0, (problem,))
        elif packed:
            self._ready.extend(packed)

    async def _flush_due(self) -> None:
        for batch in self._packer.due():
            await self._launch(batch)

    async def _launch(self, batch: Batch) -> None:
        await self._slots.acquire()
        task = asyncio.create_task(self._deliver(batch))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        await asyncio.sleep(0)  # let the new task write its request while the next batch is built

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slots.release()
        self._progress()

    def _progress(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.summary)

    # -- sending ------------------------------------------------------------------------------

    async def _deliver(self, batch: Batch) -> None:
        try:
            await self._send(batch)
        except Exception as exc:  # noqa: BLE001 - e.g. the rate store went away: the batch fails, with why
            self._fail_all(batch, type(exc).__name__, f"not delivered: {exc}", 0)

    async def _send(self, batch: Batch) -> None:
        """One batch through the client's one send loop (retries, deadline, idempotency), paced by its API's budget."""
        if self._refused:
            return self._fail_all(batch, "ConnectionConfigError", f"not sent: {self._refused}", 0)
        request = batch.request()
        if self.options.dry_run:
            if self._on_request is not None:
                self._on_request({**describe_request(self.connection, request), "records": [t.index for t in batch.tickets]})
            self.ledger.delivered(batch.tickets)
            return
        assert self._client is not None
        delivery = await self._client.deliver(request, action=self.action, pacing=self._pacing[batch.api])
        self.summary.retries += max(delivery.attempts - 1, 0)
        if delivery.error is None:
            return self._settle(batch, delivery)
        error = delivery.error
        if isinstance(error, ConnectionConfigError):
            self._refused = self.summary.aborted = str(error)  # every later call would fail the same way
            self._stopping = True
        message = f"{error} ({delivery.gave_up})" if delivery.gave_up else str(error)
        return self._fail_all(batch, type(error).__name__, message, delivery.attempts, _problems_of(error))

    def _settle(self, batch: Batch, delivery: Delivery) -> None:
        """A 2xx: items named by ``batch_index`` in ``errors`` failed (207, or 2xx with errors); the rest landed."""
        if not delivery.refused:
            return self.ledger.delivered(batch.tickets)
        by_index: dict[int, list[ItemError]] = {}
        unplaced = []
        for error in delivery.refused:
            where = error.batch_index if batch.kind == "v2" else None
            if where is not None and 0 <= where < len(batch):
                by_index.setdefault(where, []).append(error)
            else:
                unplaced.append(error)
        attempts = delivery.attempts
        if unplaced:  # errors Customer.io did not pin on an item: no item can be called delivered
            problems = tuple(_problem(batch.tickets[0], e) for e in unplaced)
            return self._fail_all(batch, "FatalApiError", _message(problems), attempts, problems)
        landed = []
        for position, ticket in enumerate(batch.tickets):
            if position in by_index:
                problems = tuple(_problem(ticket, e) for e in by_index[position])
                self.ledger.failed(ticket, "FatalApiError", _message(problems), attempts, problems)
            else:
                landed.append(ticket)
        self.ledger.delivered(landed)

    def _fail_all(self, batch: Batch, error: str, message: str, attempts: int, problems: tuple[dict[str, Any], ...] = ()) -> None:
        for ticket in batch.tickets:
            self.ledger.failed(ticket, error, message, attempts, problems)


class _Pacing:
    """One API's rate budget around each attempt: counted as a request; a 429 slows the budget; no retry once stopping."""

    def __init__(self, run: BulkRun, budget: Budget) -> None:
        self._run, self._budget = run, budget

    async def before_attempt(self) -> None:
        await self._budget.acquire()
        self._run.summary.requests += 1

    async def after_failure(self, error: RetryableApiError) -> bool:
        if error.status == 429:
            await self._budget.penalize(error.retry_after)
        return not self._run.stopping


def deliver(connector: Any, action: str, config: Any, connection: Any, records: Iterable[Any], **kwargs: Any) -> Summary:
    """Run ``action`` over ``records`` and return the summary; ``kwargs`` as for ``BulkRun``."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(BulkRun(connector, action, config, connection, **kwargs).run(records))
    raise RuntimeError("deliver() was called inside a running event loop; await adeliver() instead")


async def adeliver(connector: Any, action: str, config: Any, connection: Any, records: Iterable[Any] | AsyncIterable[Any],
                   **kwargs: Any) -> Summary:
    """``deliver`` for asyncio hosts; ``records`` may be a sync or an async iterable."""
    return await BulkRun(connector, action, config, connection, **kwargs).run(records)


def _builder(connector: Any, action: str, config: Any) -> Callable[[Any], ApiRequest]:
    """The fastest public way to build a record's request: a compiled plan when the connector has one."""
    plan = getattr(connector, "plan", None)
    if callable(plan):
        compiled = plan(action, config)
        return lambda record: compiled.build(record=record)
    return lambda record: connector.build_request(action, config, record=record)


def _problem(ticket: Ticket, error: ItemError) -> dict[str, Any]:
    path = ticket.config_path_for(error.field) or "$"
    return {"path": path, "field": error.field, "reason": error.reason, "message": error.message}


def _message(problems: tuple[dict[str, Any], ...]) -> str:
    return "; ".join(f"{p['path']}: {p['message']}" for p in problems) or "rejected"


def _problems_of(exc: Exception) -> tuple[dict[str, Any], ...]:
    return tuple({"path": p.path, "field": None, "reason": p.code, "message": p.message} for p in getattr(exc, "problems", []))
