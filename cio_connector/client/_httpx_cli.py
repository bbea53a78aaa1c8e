"""httpx without its command-line client: ``import httpx`` loads ``httpx._main`` (click, rich,
pygments) whenever they are installed, about a fifth of a bulk run's start-up, for a CLI we never run.

Before httpx is first imported, ``httpx._main`` is registered as a stand-in whose ``main`` (and any
other name) loads the real module on first use, so ``httpx.main()`` and ``import httpx._main`` still
work as before; they just pay for it when used. Nothing changes if httpx was imported already.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ["defer_httpx_cli"]

_NAME = "httpx._main"


def _real() -> types.ModuleType:
    stand_in = sys.modules.get(_NAME)
    if isinstance(stand_in, _StandIn):
        del sys.modules[_NAME]
    return importlib.import_module(_NAME)


class _StandIn(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ and the like: not a use
            raise AttributeError(name)
        return getattr(_real(), name)


def _main(*args: Any, **kwargs: Any) -> Any:
    """httpx's command-line client, loaded when it is first run."""
    return _real().main(*args, **kwargs)


def defer_httpx_cli() -> None:
    """Register the stand-in, unless httpx (or its CLI) is loaded already."""
    if "httpx" in sys.modules or _NAME in sys.modules:
        return
    stand_in = _StandIn(_NAME, __doc__)
    stand_in.main = _main  # type: ignore[attr-defined]
    sys.modules[_NAME] = stand_in
