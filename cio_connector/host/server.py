"""The Cargo-style integration server: ``create_app(connector)`` is a FastAPI app speaking the contract.

Answers, by what the caller does next:

    200  the contract's answer (authenticate's refusals too: ``{outcome: "error", errorMessage}``)
    400  the body, the config or the connection is invalid: every problem, nothing sent
    401  the shared secret is missing or wrong
    404  no such action or autocomplete
    413  the body is larger than the limit
    502  Customer.io refused (credentials, region, or the request): what it said, not retryable
    503  Customer.io failed for now (rate limit, outage): retryable, ``Retry-After`` when known
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..client.connection import Connection
from ..client.http import RetryPolicy
from ..errors import (
    ApiError,
    AuthenticationError,
    ConnectionConfigError,
    InputError,
    Problem,
    RegionMismatchError,
    RetryableApiError,
)
from ..loader import load_connector
from ..runtime import Connector
from .cargo import cargo_manifest, coerce_config, known_autocompletes, option_field
from .fastroute import ShortExecuteRoute
from .middleware import BODY_SECONDS, DEFAULT_MAX_BODY_BYTES, Guard, logger
from .models import (
    AuthenticatePayload,
    AuthenticateResult,
    AutocompletePayload,
    AutocompleteResult,
    AutocompleteResultItem,
    ErrorBody,
    ExecutePayload,
    ExecuteResult,
    Health,
    IntegrationManifest,
    ProblemBody,
)

__all__ = ["HostError", "create_app"]

CONFIG = "$.config"
CONNECTION = "$.connector.config"
_ERROR_TEXT = {
    400: "invalid body, config or connection (every problem; nothing sent)",
    401: "missing or wrong token",
    404: "unknown action or autocomplete",
    413: "request body too large",
    502: "Customer.io refused",
    503: "Customer.io failed for now; retry",
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries of the error answers a route can give."""
    return {status: {"model": ErrorBody, "description": _ERROR_TEXT[status]} for status in statuses}


class HostError(Exception):
    """An answer other than the contract's: its status and ``ErrorBody``."""

    def __init__(self, http_status: int, message: str, problems: Iterable[ProblemBody] = (), **extra: Any) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.body = ErrorBody(errorMessage=message, problems=list(problems), **extra)
        self.headers: dict[str, str] = {}


def _problems(problems: Iterable[Problem], under: str) -> list[ProblemBody]:
    return [ProblemBody(path=under + p.path[1:], message=p.message, label=p.label, code=p.code) for p in problems]


def _placed(problems: Iterable[Problem]) -> list[ProblemBody]:
    """Problems of a call, each under its place in the body: the connection's, or the config's."""
    return [
        *_problems((p for p in problems if p.source != "connection"), CONFIG),
        *_problems((p for p in problems if p.source == "connection"), CONNECTION),
    ]


def _sentence(headline: str, problems: list[ProblemBody]) -> str:
    details = "; ".join(f"{p.label or p.path}: {p.message}" for p in problems)
    return f"{headline}: {details}" if details else headline


def _invalid(headline: str, problems: list[ProblemBody]) -> HostError:
    return HostError(400, _sentence(headline, problems), problems)


def _from_api(exc: Exception, *, echo: bool = True) -> HostError:
    """What Customer.io said, as a 502 (refused) or 503 (try later).

    Without ``echo`` (the connection named endpoints the operator did not) only the status is passed
    on: what a server that is not Customer.io answered is never shown to the caller.
    """
    if not echo and isinstance(exc, ApiError):
        retryable = isinstance(exc, RetryableApiError)
        message = f"the custom endpoint answered HTTP {exc.status}; its answer is not shown"
        return HostError(503 if retryable else 502, message, status=exc.status, retryable=retryable)
    if isinstance(exc, AuthenticationError | RegionMismatchError):
        problems = _problems(exc.problems, CONNECTION)
        return HostError(502, f"Customer.io refused the connection: {exc}", problems, status=exc.status, retryable=False)
    assert isinstance(exc, ApiError)
    problems = _problems(exc.problems, CONFIG)
    if isinstance(exc, RetryableApiError):
        error = HostError(503, f"Customer.io failed, try again later: {exc}", problems, status=exc.status, retryable=True)
        if exc.retry_after is not None:
            error.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        return error
    return HostError(502, f"Customer.io refused the request: {exc}", problems, status=exc.status, retryable=False)


def _unauthenticated(message: str) -> AuthenticateResult:
    return AuthenticateResult(outcome="error", reason="unauthenticated", errorMessage=message)


def _base(url: str) -> str:
    return url.rstrip("/") + "/"


class _Routes:
    """The contract's routes over one connector; which endpoints may be used is the host's choice, not the caller's.

    A connection's ``endpoints`` must lie under a base URL the operator named (``allowed_endpoints``,
    ``serve --allow-endpoint``), or ``allow_custom_endpoints`` lets any through; otherwise a caller
    could aim the server at any port of its own machine and read what answers.
    """

    def __init__(self, connector: Connector, allow_custom_endpoints: bool, retry: RetryPolicy | None,
                 allowed_endpoints: Iterable[str] = ()) -> None:
        self.connector = connector
        self.allow_any = allow_custom_endpoints
        self.allowed = tuple(dict.fromkeys(_base(url) for url in allowed_endpoints))
        self.allow = True  # the connector's own check: endpoints reaching it were approved here
        if retry is not None:  # the host's policy for the connector's own clients
            connector.client_options = {**connector.client_options, "retry": retry}
        self.manifest = cargo_manifest(connector)

    def _connection(self, config: Mapping[str, Any]) -> Connection:
        """The body's connection, parsed once (``ConnectionConfigError`` listing every problem)."""
        refused = self._endpoint_problems(config)
        try:
            connection = self.connector.connection(dict(config), allow_custom_endpoints=self.allow)
        except ConnectionConfigError as exc:
            raise ConnectionConfigError([*exc.problems, *refused], headline=exc.headline) from None
        if refused:
            raise ConnectionConfigError(refused)
        return connection

    def _endpoint_problems(self, config: Mapping[str, Any]) -> list[Problem]:
        endpoints = config.get("endpoints") if isinstance(config, Mapping) else None
        if self.allow_any or not isinstance(endpoints, Mapping):
            return []
        allowed = ", ".join(self.allowed) or "none"
        message = (f"this server sends only to the endpoints its operator allows (serve --allow-endpoint URL); "
                   f"allowed: {allowed}")
        return [
            Problem(f"$.endpoints.{name}", message, code="endpoint")
            for name, url in endpoints.items()
            if isinstance(url, str) and url and not (self.allowed and _base(url).startswith(self.allowed))
        ]

    def _echo(self, config: Mapping[str, Any]) -> bool:
        """Customer.io's answers (or an endpoint the operator named) are passed on; any other server's are not."""
        endpoints = config.get("endpoints") if isinstance(config, Mapping) else None
        if not isinstance(endpoints, Mapping):
            return True
        urls = [url for url in endpoints.values() if isinstance(url, str) and url]
        return all(self.allowed and _base(url).startswith(self.allowed) for url in urls)

    def health(self) -> Health:
        m = self.connector.manifest
        return Health(status="ok", connector=m.id, version=m.version, actions=len(self.connector.actions))

    async def authenticate(self, payload: AuthenticatePayload) -> AuthenticateResult:
        """Every credential and the region, each failure named; a malformed connection is an error outcome too."""
        try:
            connection = self._connection(payload.connector.config)
        except ConnectionConfigError as exc:
            return _unauthenticated(_sentence("invalid connection", _problems(exc.problems, CONNECTION)))
        client = self.connector.aclient_for(connection)  # the kept client, with the host's retry policy
        report = await self.connector.acheck_connection(connection, client=client)
        if report.ok:
            return AuthenticateResult(outcome="success")
        return _unauthenticated("; ".join(check.message for check in report.checks if not check.ok))

    async def autocomplete(self, payload: AutocompletePayload) -> AutocompleteResult:
        target = option_field(self.connector, payload.slug, payload.params)
        if target is None:
            known = known_autocompletes(self.connector)
            if not any(entry.slug == payload.slug for entry in self.manifest.autocompletes):
                raise HostError(404, f"unknown autocomplete {payload.slug!r}; known: {', '.join(known)}")
            problem = ProblemBody(path="$.params", message=f"no field uses these params; known: {', '.join(known)}")
            raise _invalid("invalid autocomplete params", [problem])
        try:
            connection = self._connection(payload.connector.config)
        except ConnectionConfigError as exc:
            raise _invalid("invalid connection", _problems(exc.problems, CONNECTION)) from None
        try:
            options = await self.connector.aoptions(target.action, target.field, connection)
        except (ApiError, AuthenticationError, RegionMismatchError) as exc:
            raise _from_api(exc, echo=self._echo(payload.connector.config)) from None
        return AutocompleteResult(results=[AutocompleteResultItem(label=o["label"], value=str(o["value"])) for o in options])

    async def execute(self, slug: str, payload: ExecutePayload) -> ExecuteResult:
        if slug not in self.connector.actions:
            raise HostError(404, f"unknown action {slug!r}; known actions: {', '.join(self.connector.actions)}")
        config = coerce_config(self.connector, slug, payload.config)
        connection = dict(payload.connector.config)
        refused = self._endpoint_problems(connection)
        if refused:  # every problem at once: the config's and the connection's with the endpoints refused
            found = [*self.connector.problems(slug, config, connection, allow_custom_endpoints=self.allow),
                     *(replace(p, source="connection") for p in refused)]
            raise _invalid(f"invalid input for {slug}, nothing was sent", _placed(found))
        try:  # checked once, inside aexecute: config and connection together, the request built once
            result = await self.connector.aexecute(
                slug, config, connection, dry_run=payload.isDryExecution, allow_custom_endpoints=self.allow
            )
        except (ApiError, AuthenticationError, RegionMismatchError) as exc:
            raise _from_api(exc, echo=self._echo(connection)) from None
        except (InputError, ConnectionConfigError) as exc:
            # a connection httpx could not write has no field to blame: its headline says why
            problems = _placed(exc.problems) or _problems([Problem("$", exc.headline)], CONNECTION)
            raise _invalid(f"invalid input for {slug}, nothing was sent", problems) from None
        title = self.connector.actions[slug].manifest.title
        request = result.request
        if result.dry_run:
            summary = f"{title}: dry run, nothing sent ({request['method']} {request['url']})"
        else:
            summary = f"{title}: done (Customer.io answered {result.status})"
        return ExecuteResult(outcome="executed", title=summary, data=result.to_dict())


def create_app(
    connector: Connector | None = None,
    *,
    token: str | None = None,
    routers: Iterable[Any] = (),
    allow_custom_endpoints: bool = False,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    default_connection: Mapping[str, Any] | None = None,
    retry: RetryPolicy | None = None,
    allowed_endpoints: Iterable[str] = (),
    allowed_hosts: Iterable[str] | None = None,
    body_seconds: float = BODY_SECONDS,
) -> FastAPI:
    """The integration server for ``connector`` (the shipped one by default).

    ``routers`` are mounted as they are (the form page); they read ``app.state.connector`` and
    ``app.state.default_connection`` (the in-process sandbox's connection with ``serve --sandbox``).
    With ``token``, every route but ``/health`` needs ``Authorization: Bearer <token>``. ``retry``
    is the client's policy inside one call (``RetryPolicy(max_retries=0)`` leaves retrying to the host).
    A connection's ``endpoints`` must lie under one of ``allowed_endpoints`` (or ``allow_custom_endpoints``
    lets any through). Without a token, state-changing requests must come with a ``Host`` in
    ``allowed_hosts`` (when given; ``serve`` gives loopback names and its own) and no foreign ``Origin``;
    a body must arrive within ``body_seconds``.
    """
    connector = connector or load_connector()
    routes = _Routes(connector, allow_custom_endpoints, retry, allowed_endpoints)
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await connector.aclose()

    app = FastAPI(
        lifespan=lifespan,
        title=f"{connector.manifest.name} integration (Cargo custom-integration contract)",
        version=__version__,
        description=__doc__,
    )
    app.state.connector = connector
    app.state.default_connection = dict(default_connection) if default_connection is not None else None
    app.add_api_route("/health", routes.health, methods=["GET"], response_model=Health)
    app.add_api_route(
        "/manifest", lambda: routes.manifest, methods=["GET"], response_model=IntegrationManifest,
        response_model_exclude_none=True, summary="the IntegrationManifest, generated from our manifests",
    )
    app.add_api_route(
        "/authenticate", routes.authenticate, methods=["POST"], response_model=AuthenticateResult,
        response_model_exclude_none=True, responses=_errors(400, 401, 413),
    )
    app.add_api_route(
        "/autocomplete", routes.autocomplete, methods=["POST"], response_model=AutocompleteResult,
        response_model_exclude_none=True, responses=_errors(400, 401, 404, 413, 502, 503),
    )
    app.router.add_api_route(  # the router's method: it takes the route class
        "/actions/{slug}/execute", routes.execute, methods=["POST"], response_model=ExecuteResult,
        response_model_exclude_none=True, responses=_errors(400, 401, 404, 413, 502, 503),
        route_class_override=ShortExecuteRoute,
    )
    for router in routers:  # FastAPI routers, or plain Starlette ones (the form page)
        if isinstance(router, APIRouter):
            app.include_router(router)
        else:
            app.router.routes.extend(router.routes)
    _handle_errors(app)
    _document_400_not_422(app)
    hosts = None if allowed_hosts is None else tuple(allowed_hosts)
    app.add_middleware(Guard, token=token, max_body_bytes=max_body_bytes, allowed_hosts=hosts, body_seconds=body_seconds)
    return app


def _document_400_not_422(app: FastAPI) -> None:
    """FastAPI documents a 422 for every body; this app answers a body that breaks the contract with 400."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI caches it; popping again is a no-op
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation.get("responses", {}).pop("422", None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _handle_errors(app: FastAPI) -> None:
    def answer(error: HostError) -> JSONResponse:
        return JSONResponse(error.body.model_dump(exclude_none=True), status_code=error.http_status, headers=error.headers)

    async def host_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HostError)
        return answer(exc)

    async def invalid_body(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            # pydantic's messages name the expected type, never echo a value ("input" is left out)
            ProblemBody(path="$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"][1:]), message=e["msg"])
            for e in exc.errors()
        ]
        return answer(_invalid("the body does not follow the contract", problems))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return answer(HostError(exc.status_code, str(exc.detail)))

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.error("unexpected %s in %s %s", type(exc).__name__, request.method, request.url.path)
        return answer(HostError(500, "Internal Server Error"))

    app.add_exception_handler(HostError, host_error)
    app.add_exception_handler(RequestValidationError, invalid_body)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
