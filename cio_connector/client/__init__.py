"""Talking to Customer.io: the connection, the one sender (sync and async), status policy, checks, options."""

from ._httpx_cli import defer_httpx_cli

defer_httpx_cli()  # before any module of this package imports httpx

__all__: list[str] = []
