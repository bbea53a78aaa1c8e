"""``cio-connector spec``: one JSON document with everything a host or a form needs, from the manifests."""

from __future__ import annotations

import dataclasses
from typing import Any

from .._version import __version__
from ..runtime import Connector
from .cargo import action_form, connection_form
from .protocol import EXIT_INVALID, EXIT_OK, EXIT_REFUSED, EXIT_USAGE

__all__ = ["SPEC_VERSION", "spec_document", "ui_schemas"]

SPEC_VERSION = 1
ENTRY_POINT = {"group": "connectors", "name": "customerio"}


def ui_schemas(connector: Connector, action: str | None = None) -> dict[str, Any]:
    """The form renderings of an action (or, with None, the connection), keyed by renderer.

    The one place a new renderer is added: each entry is ``{jsonSchema, uiSchema}`` for that
    renderer's form library.
    """
    from ..declarative.config_schema import config_schema
    from ..forms.ui_schema import (
        jsonforms_connection_ui_schema,
        jsonforms_ui_schema,
        rjsf_connection_ui_schema,
        rjsf_ui_schema,
    )

    form = connection_form(connector) if action is None else action_form(connector, action)
    if action is None:
        schema: Any = dict(connector.connection_schema)
        rjsf, jsonforms = rjsf_connection_ui_schema(connector), jsonforms_connection_ui_schema(connector)
    else:
        schema = config_schema(connector.manifest, connector.actions[action].manifest)
        rjsf, jsonforms = rjsf_ui_schema(connector, action), jsonforms_ui_schema(connector, action)
    return {
        "cargo": form.model_dump(),
        "rjsf": {"jsonSchema": schema, "uiSchema": rjsf},
        "jsonforms": {"jsonSchema": schema, "uiSchema": jsonforms},
    }


def _options(connector: Connector, name: str) -> list[dict[str, Any]]:
    return [
        {"field": f.key, **dataclasses.asdict(f.options),
         "command": ["cio-connector", "options", name, f.key, "--connection", "FILE"]}
        for f in connector.actions[name].manifest.fields
        if f.options is not None
    ]


def spec_document(connector: Connector) -> dict[str, Any]:
    m = connector.manifest
    return {
        "spec_version": SPEC_VERSION,
        "connector": {
            "id": m.id,
            "name": m.name,
            "version": m.version,
            "package_version": __version__,
            "description": " ".join(m.description.split()),
            "regions": {key: {"label": r.label, "track": r.track, "app": r.app} for key, r in m.regions.items()},
            "entry_point": ENTRY_POINT,
        },
        "connection": {"schema": dict(connector.connection_schema), "ui": ui_schemas(connector)},
        "actions": {
            name: {
                "title": action.manifest.title,
                "description": " ".join(action.manifest.description.split()),
                "schema": dict(action.schema),
                "ui": ui_schemas(connector, name),
                "options": _options(connector, name),
                "idempotent": action.idempotent,
                "destructive": action.destructive,
            }
            for name, action in connector.actions.items()
        },
        "protocol": {
            "commands": {
                "check": "cio-connector check --connection FILE",
                "options": "cio-connector options ACTION FIELD --connection FILE",
                "execute": "cio-connector execute ACTION --config FILE --connection FILE [--record FILE] [--dry-run]",
            },
            "exit_codes": {
                str(EXIT_OK): "done",
                str(EXIT_INVALID): "invalid input: every problem listed, nothing sent",
                str(EXIT_USAGE): "usage: unknown command, action, field or option",
                str(EXIT_REFUSED): "Customer.io refused or failed",
            },
        },
    }
