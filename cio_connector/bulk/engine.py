"""The delivery engine: records -> handler requests -> batches -> rate-budgeted, retried sends -> ledger.

One asyncio engine serves both APIs: ``adeliver`` awaits it, ``deliver`` runs it with
``asyncio.run``. A synchronous record iterator is read on a helper thread into a bounded queue,
so a slow pipe never stalls batches already waiting (they still flush after ``linger``), and
memory stays flat: at most ``queue_size`` records waiting, ``concurrency`` batches in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..client.http import USER_AGENT, RetryPolicy, http_request
from ..client.policy import interpret, transport_error
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

__all__ = ["BulkOptions", "BulkRun", "adeliver", "deliver"]

_NOT_PROCESSED = frozenset({429, 503})  # Customer.io said it did not process the call


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
    retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(max_retries=6, base_delay=0.2, max_delay=5.0, max_retry_after=30.0)
    )
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
        transport: httpx.AsyncBaseTransport | None = None,
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
        self._targets: dict[tuple[Any, ...], tuple[str, dict[str, str]]] = {}

    @property
    def summary(self) -> Summary:
        return self.ledger.summary

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
        limits = httpx.Limits(max_connections=opts.concurrency, max_keepalive_connections=opts.concurrency)
        self._http = httpx.AsyncClient(transport=self._transport, timeout=httpx.Timeout(opts.timeout, connect=5.0),
                                       follow_redirects=False, limits=limits)
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
            await self._http.aclose()
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
            async for record in stream:
                if self._stopping:
                    break
                if record is IDLE:
                    await self._flush_due()
                    continue
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
            await self._attempts(batch)
        except Exception as exc:  # noqa: BLE001 - e.g. the rate store went away: the batch fails, with why
            self._fail_all(batch, type(exc).__name__, f"not delivered: {exc}", 0)

    async def _attempts(self, batch: Batch) -> None:
        if self._refused:
            return self._fail_all(batch, "ConnectionConfigError", f"not sent: {self._refused}", 0)
        body = batch.body()
        if self.options.dry_run:
            if self._on_request is not None:
                self._on_request(self._describe(batch, body))
            self.ledger.delivered(batch.tickets)
            return
        attempts = 0
        while True:
            attempts += 1
            budget = self._budgets[batch.api]
            await budget.acquire()
            self.summary.requests += 1
            try:
                payload = await self._post(batch, body)
            except RetryableApiError as exc:
                if exc.status == 429:
                    await budget.penalize(exc.retry_after)
                delay = None if self._stopping else self.options.retry.delay(attempts, exc.retry_after)
                if delay is None:
                    reason = "interrupted before retrying" if self._stopping else f"gave up after {attempts} attempts"
                    if not (exc.not_sent or exc.status in _NOT_PROCESSED):
                        reason += "; the last attempt may have landed"
                    return self._fail_all(batch, type(exc).__name__, f"{exc} ({reason})", attempts)
                self.summary.retries += 1
                await asyncio.sleep(delay)
                continue
            except CioConnectorError as exc:
                if isinstance(exc, ConnectionConfigError):
                    self._refused = self.summary.aborted = str(exc)  # every later call would fail the same way
                    self._stopping = True
                return self._fail_all(batch, type(exc).__name__, str(exc), attempts, _problems_of(exc))
            return self._settle(batch, payload, attempts)

    async def _post(self, batch: Batch, body: bytes) -> Any:
        stub = batch.request()
        url, headers = self._target(stub)
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_error(exc, stub, action=self.action) from None
        if 200 <= response.status_code < 300:
            try:
                return response.json() if response.content else {}
            except ValueError:
                return {}
        interpret(response, stub, self.connection, action=self.action)  # raises the mapped error
        return {}

    def _target(self, stub: ApiRequest) -> tuple[str, dict[str, str]]:
        """URL and headers (auth included) for one destination, built once with the client's own builder."""
        key = (stub.api, stub.path, stub.query)
        if key not in self._targets:
            built = http_request(self.connection, stub)
            headers = {"Authorization": built.headers["authorization"], "User-Agent": USER_AGENT,
                       "Accept": "application/json", "Content-Type": "application/json"}
            self._targets[key] = (str(built.url), headers)
        return self._targets[key]

    def _settle(self, batch: Batch, payload: Any, attempts: int) -> None:
        """A 2xx: items named by ``batch_index`` in ``errors`` failed (207, or 2xx with errors); the rest landed."""
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if not isinstance(errors, list) or not errors:
            return self.ledger.delivered(batch.tickets)
        by_index: dict[int, list[dict[str, Any]]] = {}
        unplaced = []
        for error in errors:
            where = error.get("batch_index") if isinstance(error, dict) and batch.kind == "v2" else None
            if isinstance(where, int) and 0 <= where < len(batch):
                by_index.setdefault(where, []).append(error)
            else:
                unplaced.append(error)
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

    def _describe(self, batch: Batch, body: bytes) -> dict[str, Any]:
        url, headers = self._target(batch.request())
        scheme = headers["Authorization"].split(" ", 1)[0]
        return {"method": batch.method, "url": url, "headers": {**headers, "Authorization": f"{scheme} ***"},
                "records": [ticket.index for ticket in batch.tickets], "body": body.decode()}


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


def _problem(ticket: Ticket, error: Any) -> dict[str, Any]:
    if not isinstance(error, dict):
        return {"path": "$", "field": None, "reason": None, "message": str(error)}
    field_name = error.get("field")
    return {
        "path": ticket.config_path_for(field_name) or "$",
        "field": field_name,
        "reason": error.get("reason"),
        "message": str(error.get("message") or error.get("detail") or "rejected"),
    }


def _message(problems: tuple[dict[str, Any], ...]) -> str:
    return "; ".join(f"{p['path']}: {p['message']}" for p in problems) or "rejected"


def _problems_of(exc: Exception) -> tuple[dict[str, Any], ...]:
    return tuple({"path": p.path, "field": None, "reason": p.code, "message": p.message} for p in getattr(exc, "problems", []))
