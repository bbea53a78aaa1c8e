"""What a request would send, described without importing an HTTP stack: dry runs send nothing.

The sender (``http``) builds its headers here too, so a description and the request sent cannot drift.
"""

from __future__ import annotations

import base64
import importlib.util
import ipaddress
import json
import re
import sys
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlencode

from .._version import __version__
from ..pipeline.request import ApiRequest
from .connection import MASK, Connection

__all__ = ["auth_header", "describe_request", "request_headers", "request_url", "user_agent"]


@cache
def user_agent() -> str:
    """``cio-connector/<ours> httpx/<httpx's>``, read from httpx's own version file when httpx is not loaded yet."""
    return f"cio-connector/{__version__} httpx/{_httpx_version()}"


def _httpx_version() -> str:
    loaded = sys.modules.get("httpx")
    if loaded is not None:
        return str(loaded.__version__)
    try:  # httpx keeps its version in httpx/__version__.py; running that file alone costs nothing
        spec = importlib.util.find_spec("httpx")
        folder = (spec.submodule_search_locations or [])[0] if spec else None
        version_spec = folder and importlib.util.spec_from_file_location("_cio_httpx_version", f"{folder}/__version__.py")
        if version_spec and version_spec.loader:
            module = importlib.util.module_from_spec(version_spec)
            version_spec.loader.exec_module(module)
            return str(module.__version__)
    except (ImportError, OSError, AttributeError, IndexError):
        pass
    import httpx  # an unusual installation: ask httpx itself

    return str(httpx.__version__)


def auth_header(connection: Connection, api: str) -> str:
    if api == "app":
        return f"Bearer {connection.app_api_key}"
    pair = f"{connection.site_id}:{connection.track_api_key}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def request_url(connection: Connection, request: ApiRequest) -> str:
    base = connection.app_url if request.api == "app" else connection.track_url
    return base + request.path


def request_headers(request: ApiRequest, authorization: str) -> dict[str, str]:
    headers = {"Authorization": authorization, "User-Agent": user_agent(), "Accept": "application/json"}
    if request.body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def describe_request(connection: Connection, request: ApiRequest) -> dict[str, Any]:
    """What would be sent, for dry runs and logs: credentials masked, nothing else hidden."""
    scheme = "Bearer" if request.api == "app" else "Basic"
    url = request_url(connection, request)
    if request.query:
        url += "?" + urlencode(request.query)
    headers = {"host": _host_header(url)}
    headers.update((name.lower(), value) for name, value in request_headers(request, f"{scheme} {MASK}").items())
    if request.body is not None:
        headers["content-length"] = str(len(request.body))
    return {"method": request.method, "url": url, "headers": headers, "json": _json_of(request)}


#: A plain http(s) origin: a lower-case DNS name or IPv4 address and an optional port.
_PLAIN_ORIGIN = re.compile(r"(https?)://([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::([0-9]{1,5}))?(?=[/?]|$)")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_DOTTED_QUAD = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def _host_header(url: str) -> str:
    """The ``Host`` header httpx would send: the URL's host, and its port unless the scheme's default."""
    match = _PLAIN_ORIGIN.match(url)
    if match is None:
        return _host_header_by_httpx(url)
    scheme, host, port = match.groups()
    if _DOTTED_QUAD.fullmatch(host) and not _is_ipv4(host):
        return _host_header_by_httpx(url)  # httpx refuses it: let it say so
    if port is None or int(port) == _DEFAULT_PORTS[scheme]:
        return host
    return f"{host}:{int(port)}" if int(port) <= 65535 else _host_header_by_httpx(url)


@lru_cache(maxsize=64)
def _host_header_by_httpx(url: str) -> str:
    """Any other URL (upper case, IPv6, punycode edge cases): httpx's own reading, so nothing drifts."""
    import httpx

    return httpx.URL(url).netloc.decode("ascii")


def _json_of(request: ApiRequest) -> Any:
    """The body as JSON; a request packed from parts encoded elsewhere (a bulk batch) carries only its bytes."""
    if request.json is not None or request.body is None:
        return request.json
    return json.loads(request.body)
