"""What an action does to the workspace, as MCP tool annotations: the one place it is decided."""

from __future__ import annotations

from dataclasses import dataclass

from ..runtime import Connector

__all__ = ["DESTRUCTIVE_VERBS", "ActionEffects", "action_effects"]

#: Verbs whose action takes something away (a person, a membership, a subscription, a duplicate).
DESTRUCTIVE_VERBS = frozenset({"delete", "remove", "suppress", "merge"})
#: Verbs whose action records something new each time it is called (an event, a page view).
_RECORDING_VERBS = frozenset({"track"})


@dataclass(frozen=True)
class ActionEffects:
    """MCP's hints for one action; every action reaches Customer.io, so the world is open."""

    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool = True


def action_effects(connector: Connector, action: str) -> ActionEffects:
    """The hints for ``action``: what its handler declares (``@handler(idempotent=...,
    destructive=...)``, carried by the loaded ``Action``).

    Switch-over point: where a handler registry does not declare them yet, they are derived from
    the action's leading verb (``delete_customer`` -> delete, ``track_event`` -> track). Nothing
    else in the MCP server decides them.
    """
    loaded = connector.action(action)  # an unknown name raises, listing the known ones
    verb = action.split("_", 1)[0]
    destructive = getattr(loaded, "destructive", None)
    idempotent = getattr(loaded, "idempotent", None)
    return ActionEffects(
        read_only=False,
        destructive=verb in DESTRUCTIVE_VERBS if destructive is None else bool(destructive),
        idempotent=verb not in _RECORDING_VERBS if idempotent is None else bool(idempotent),
    )
