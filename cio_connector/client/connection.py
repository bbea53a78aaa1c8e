"""The connection: region and credentials, checked, with the hosts they may be sent to."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from ..declarative.fastcheck import compile_fast_check
from ..declarative.jsonsafe import normalize
from ..declarative.models import ConnectorManifest
from ..errors import ConnectionConfigError, Problem
from ..facts import REGIONS
from ..pipeline.fields import FieldTree, check_config

__all__ = ["Connection", "ConnectionParser", "MASK", "MAX_ENDPOINT_LENGTH", "is_loopback_url"]

MASK = "********"


@dataclass(frozen=True)
class Connection:
    """A checked connection. Secrets are kept out of ``repr`` and never logged."""

    region: str
    site_id: str
    track_api_key: str = field(repr=False)
    app_api_key: str = field(repr=False)
    track_url: str = ""
    app_url: str = ""
    custom_endpoints: bool = False

    def cache_key(self) -> tuple[str, ...]:
        """Identifies the workspace without holding the secret itself."""
        digest = hashlib.sha256(f"{self.app_url}\0{self.app_api_key}".encode()).hexdigest()
        return (self.region, self.app_url, digest)


#: Longer than any base URL a person would type; a longer one is a mistake or an attack.
MAX_ENDPOINT_LENGTH = 2_048


def is_loopback_url(url: str) -> bool:
    """``localhost`` or a literal loopback address; names that a resolver might send elsewhere are not."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # a malformed address is not a loopback one
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _endpoint_problem(url: str, allow_custom: bool) -> str | None:
    if len(url) > MAX_ENDPOINT_LENGTH:
        return f"is {len(url):,} characters; at most {MAX_ENDPOINT_LENGTH:,} allowed"
    if not url.isascii() or not url.isprintable():
        return "must be a plain ASCII URL (punycode for international host names)"
    try:
        parts = urlsplit(url)
        hostname, _ = parts.hostname, parts.port  # both raise on a malformed host or port
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not hostname:
        return "must be an absolute http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password: credentials belong in their own fields"
    if "?" in url or "#" in url:  # even an empty one: the API path would be appended after it
        return "must be a base URL without a query or fragment"
    if "[" in parts.netloc and not _is_ip_literal(hostname):
        return "has a bracketed host that is not an IPv6 address"
    if not allow_custom and not is_loopback_url(url):
        return (
            "custom endpoints must be a loopback address (127.0.0.1, [::1], localhost) unless allowed "
            "(--allow-custom-endpoints, allow_custom_endpoints=True); credentials are never sent elsewhere"
        )
    return None


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.IPv6Address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


class ConnectionParser:
    """Turns connection JSON into a ``Connection``, listing every problem at once."""

    def __init__(self, manifest: ConnectorManifest, schema: Mapping[str, Any]) -> None:
        self.manifest = manifest
        self.schema = schema
        self.tree = FieldTree(manifest.connection.fields)

    @cached_property
    def checker(self) -> Any:
        """The connection's full checker (jsonschema is imported on first use)."""
        from ..declarative.validation import SchemaChecker

        return SchemaChecker(self.schema, label_for=self.tree.label_for, is_secret=self.tree.is_secret)

    @cached_property
    def fast_check(self) -> Any:
        """The compiled yes/no validator: a valid connection never imports python-jsonschema."""
        return compile_fast_check(self.schema)

    def problems(self, data: Any, *, allow_custom_endpoints: bool = False) -> list[Problem]:
        problems: list[Problem] = []
        if not self._surely_valid(data):
            _, problems = check_config(self.checker, self.tree, data, None, templates=False)
        if problems or not isinstance(data, Mapping):
            return problems
        endpoints = data.get("endpoints") or {}
        for name in ("track", "app"):
            url = endpoints.get(name)
            message = isinstance(url, str) and url and _endpoint_problem(url, allow_custom_endpoints)
            if message:
                problems.append(
                    Problem(
                        f"$.endpoints.{name}",
                        message,
                        label=self.tree.label_for(("endpoints", name)),
                        code="endpoint",
                        location=("endpoints", name),
                    )
                )
        return problems

    def _surely_valid(self, data: Any) -> bool:
        if not isinstance(data, Mapping) or self.fast_check is None:
            return False
        value, unsafe = normalize(data)
        return not unsafe and bool(self.fast_check(value))

    def parse(self, data: Any, *, allow_custom_endpoints: bool = False) -> Connection:
        problems = self.problems(data, allow_custom_endpoints=allow_custom_endpoints)
        if problems:
            raise ConnectionConfigError(problems)
        region = REGIONS[data["region"]]
        endpoints = data.get("endpoints") or {}
        return Connection(
            region=data["region"],
            site_id=data["site_id"],
            track_api_key=data["track_api_key"],
            app_api_key=data["app_api_key"],
            track_url=(endpoints.get("track") or region.track).rstrip("/"),
            app_url=(endpoints.get("app") or region.app).rstrip("/"),
            custom_endpoints=bool(endpoints),
        )
