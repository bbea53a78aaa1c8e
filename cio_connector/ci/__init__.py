"""Checks for CI: ``validate`` stored action configs, ``lint`` a plugin, ``diff`` schema versions."""

from __future__ import annotations

__all__: list[str] = []
