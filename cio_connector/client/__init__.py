"""Talking to Customer.io: the connection, the one sender (sync and async), status policy, checks, options."""

__all__: list[str] = []
