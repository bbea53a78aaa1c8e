"""Connection check: every credential and the region, each failure named precisely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .connection import Connection
from .errors import ApiError, AuthenticationError, RegionMismatchError
from .http import CioClient
from .request import ApiRequest

__all__ = ["Check", "ConnectionReport", "run_checks"]


@dataclass(frozen=True)
class Check:
    """One check: ``name`` is the credential or aspect it proves (e.g. ``track_api_key``)."""

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


REGION_PATH = "/api/v1/accounts/region"
APP_CHECK_PATH = "/v1/segments"


def run_checks(connection: Connection, client: CioClient) -> ConnectionReport:
    """Track pair via ``GET /api/v1/accounts/region``, then the App key via ``GET /v1/segments``."""
    track = _track(connection, client)
    app = _app(connection, client)
    wrong_region = next((c for c in track if c.name == "region" and not c.ok), None)
    if wrong_region and not app[0].ok and "wrong" in app[0].message:
        # Customer.io refuses a key sent to the other data center; say where the fix is.
        app = [Check("app_api_key", False, f"App API key was refused in {connection.region.upper()}; {wrong_region.message}")]
    return ConnectionReport((*track, *app))


def _track(connection: Connection, client: CioClient) -> list[Check]:
    name = "site_id+track_api_key"
    try:
        body = client.send(ApiRequest("track", "GET", REGION_PATH)).json or {}
    except AuthenticationError:
        return [Check(name, False, "Site ID or Track API key is wrong (Customer.io answered 401)")]
    except RegionMismatchError as exc:
        return [Check(name, True, "Site ID and Track API key accepted"), Check("region", False, str(exc))]
    except ApiError as exc:
        return [Check(name, False, f"could not check the Track credentials: {exc}")]
    checks = [Check(name, True, "Site ID and Track API key accepted")]
    actual = str(body.get("region") or "").lower()
    if actual and actual != connection.region:
        checks.append(
            Check("region", False, f"this workspace is in {actual.upper()}: choose {actual.upper()} as the region")
        )
    else:
        checks.append(Check("region", True, f"workspace is in {connection.region.upper()}"))
    return checks


def _app(connection: Connection, client: CioClient) -> list[Check]:
    try:
        client.send(ApiRequest("app", "GET", APP_CHECK_PATH))
    except AuthenticationError:
        return [Check("app_api_key", False, "App API key is wrong (Customer.io answered 401)")]
    except RegionMismatchError as exc:
        region = (exc.actual_region or "").upper()
        return [
            Check("app_api_key", False, f"App API key belongs to a workspace in {region}: choose {region} as the region")
        ]
    except ApiError as exc:
        return [Check("app_api_key", False, f"could not check the App API key: {exc}")]
    return [Check("app_api_key", True, "App API key accepted")]
