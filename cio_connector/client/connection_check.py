"""Connection check: every credential and the region, each failure named precisely.

The two calls are fixed; what they mean is decided by ``report`` from their outcomes, so the sync
and async checks share every rule and differ only in how they send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import AuthenticationError, CioConnectorError, RegionMismatchError
from ..pipeline.request import ApiRequest
from .connection import Connection
from .http import ApiResponse, AsyncCioClient, CioClient

__all__ = ["APP_CHECK", "Check", "ConnectionReport", "TRACK_CHECK", "report", "run_checks", "run_checks_async"]

TRACK_CHECK = ApiRequest("track", "GET", "/api/v1/accounts/region")
APP_CHECK = ApiRequest("app", "GET", "/v1/segments")

Outcome = ApiResponse | CioConnectorError


@dataclass(frozen=True)
class Check:
    """One check: ``name`` is the credential or aspect it proves (e.g. ``app_api_key``)."""

    name: str
    ok: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "message": self.message}


@dataclass(frozen=True)
class ConnectionReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [check.to_dict() for check in self.checks]}


def run_checks(connection: Connection, client: CioClient) -> ConnectionReport:
    """Track pair via ``GET /api/v1/accounts/region``, then the App key via ``GET /v1/segments``."""
    return report(connection, _outcome(client, TRACK_CHECK), _outcome(client, APP_CHECK))


async def run_checks_async(connection: Connection, client: AsyncCioClient) -> ConnectionReport:
    outcomes: list[Outcome] = []
    for request in (TRACK_CHECK, APP_CHECK):
        try:
            outcomes.append(await client.send(request))
        except CioConnectorError as exc:
            outcomes.append(exc)
    return report(connection, *outcomes)


def _outcome(client: CioClient, request: ApiRequest) -> Outcome:
    try:
        return client.send(request)
    except CioConnectorError as exc:
        return exc


def report(connection: Connection, track: Outcome, app: Outcome) -> ConnectionReport:
    """What the two answers say about each credential and the region."""
    track_checks = _track(connection, track)
    app_check = _app(app)
    wrong_region = next((c for c in track_checks if c.name == "region" and not c.ok), None)
    if wrong_region and not app_check.ok and isinstance(app, AuthenticationError):
        # Customer.io refuses a key sent to the other data center; say where the fix is.
        app_check = Check("app_api_key", False, f"App API key was refused in {connection.region.upper()}; {wrong_region.message}")
    return ConnectionReport((*track_checks, app_check))


def _track(connection: Connection, outcome: Outcome) -> list[Check]:
    name = "site_id+track_api_key"
    if isinstance(outcome, AuthenticationError):
        return [Check(name, False, f"Site ID or Track API key is wrong (Customer.io answered {outcome.status})")]
    if isinstance(outcome, RegionMismatchError):
        return [Check(name, True, "Site ID and Track API key accepted"), Check("region", False, str(outcome))]
    if isinstance(outcome, Exception):
        return [Check(name, False, f"could not check the Track credentials: {outcome}")]
    checks = [Check(name, True, "Site ID and Track API key accepted")]
    actual = str((outcome.json or {}).get("region") or "").lower()
    if actual and actual != connection.region:
        checks.append(Check("region", False, f"this workspace is in {actual.upper()}: choose {actual.upper()} as the region"))
    else:
        checks.append(Check("region", True, f"workspace is in {connection.region.upper()}"))
    return checks


def _app(outcome: Outcome) -> Check:
    if isinstance(outcome, AuthenticationError):
        if outcome.status == 403:
            return Check("app_api_key", False, "App API key was refused (403): it may lack permission to read segments")
        return Check("app_api_key", False, f"App API key is wrong (Customer.io answered {outcome.status})")
    if isinstance(outcome, RegionMismatchError):
        region = (outcome.actual_region or "").upper()
        return Check("app_api_key", False, f"App API key belongs to a workspace in {region}: choose {region} as the region")
    if isinstance(outcome, Exception):
        return Check("app_api_key", False, f"could not check the App API key: {outcome}")
    return Check("app_api_key", True, "App API key accepted")
