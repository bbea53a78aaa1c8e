"""The form page: pick an action, fill the form generated from its schemas, see problems, then the result.

Server-rendered with jinja2 from the manifests and the config schemas, checked by the connector
itself: the messages beside each field are the runtime's own, and nothing needs building.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route, Router

from ..declarative.config_schema import config_schema, is_templatable
from ..declarative.models import Field
from ..errors import CioConnectorError, InputError, Problem
from ..runtime import Connector
from .ui_schema import template_help

__all__ = ["FormField", "form_fields", "forms_router"]

_FIRST_KEY = re.compile(r"^\$\.([A-Za-z_][A-Za-z0-9_]*)")

#: Returns the connection the page runs actions with (a dict as ``Connector.connection`` takes).
ConnectionProvider = Callable[[], "Mapping[str, Any] | Awaitable[Mapping[str, Any]]"]


@dataclass(frozen=True)
class FormField:
    """What the template needs to draw one input."""

    key: str
    label: str
    widget: str  # select, options, text, json
    required: bool
    description: str = ""
    placeholder: str = ""
    help: str = ""
    choices: tuple[tuple[Any, str], ...] = ()
    options_url: str = ""
    max_length: int | None = None
    default: Any = None
    value_type: str = "string"  # how the page turns the text back into JSON: string, integer, number, timestamp, json
    hints: tuple[tuple[Any, str], ...] = field(default=())  # (matching value, hint) shown for the chosen choice


def _widget(f: Field) -> tuple[str, str]:
    if f.type == "enum":
        return "select", "string"
    if f.options:
        return "options", "integer"
    if f.type in ("attributes", "object"):
        return "json", "json"
    if f.type == "datetime":
        return "text", "timestamp"
    if f.type in ("integer", "number"):
        return "text", f.type
    return "text", "string"


def form_fields(connector: Connector, action: str) -> list[FormField]:
    manifest = connector.action(action).manifest
    properties = config_schema(connector.manifest, manifest)["properties"]
    fields = []
    for f in manifest.fields:
        widget, value_type = _widget(f)
        prop = properties[f.key]
        value_branch = next((b for b in prop.get("anyOf", ()) if b.get("title") == "Value"), prop)
        hints = tuple((r.when.equals, r.then.message) for r in manifest.rules if r.then.field == f.key)
        fields.append(
            FormField(
                key=f.key,
                label=f.label,
                widget=widget,
                required=f.required,
                description=" ".join((f.description or "").split()),
                placeholder=f.placeholder or "",
                help=template_help(f.key) if is_templatable(f) and widget != "options" else "",
                choices=tuple((c.value, c.label) for c in f.choices or ()),
                options_url=f"/forms/options/{action}/{f.key}" if f.options else "",
                max_length=value_branch.get("maxLength"),
                default=f.default,
                value_type=value_type,
                hints=hints,
            )
        )
    return fields


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("cio_connector.forms", "templates"), autoescape=select_autoescape(["html"]))


def _problem_json(problem: Problem) -> dict[str, Any]:
    """A problem for the page: ``field`` names the input to show it beside (None: the whole form)."""
    head = problem.location[0] if problem.location else _FIRST_KEY.match(problem.path)
    if isinstance(head, re.Match):
        head = head.group(1)
    return {"field": head, "path": problem.path, "label": problem.label, "message": problem.message}


async def _connection(provider: ConnectionProvider) -> Mapping[str, Any]:
    value = provider()
    return await value if isinstance(value, Awaitable) else value


def forms_router(connector: Connector, connection_provider: ConnectionProvider) -> Router:
    """Routes under ``/forms``: the page, live options for a field, and running an action.

    Mount on a Starlette or FastAPI app: ``app.router.routes.extend(forms_router(...).routes)``.
    """

    async def page(request: Request) -> HTMLResponse:
        names = list(connector.actions)
        chosen = request.query_params.get("action") or names[0]
        if chosen not in connector.actions:
            return HTMLResponse(f"unknown action; known actions: {', '.join(names)}", status_code=404)
        manifest = connector.action(chosen).manifest
        html = _templates().get_template("forms.html").render(
            actions=[(name, connector.action(name).manifest.title) for name in names],
            action=chosen,
            title=manifest.title,
            description=" ".join(manifest.description.split()),
            fields=form_fields(connector, chosen),
            run_url=f"/forms/run/{chosen}",
        )
        return HTMLResponse(html)

    async def options(request: Request) -> JSONResponse:
        action, key = request.path_params["action"], request.path_params["field"]
        try:
            found = await connector.aoptions(action, key, await _connection(connection_provider))
        except InputError as exc:
            return JSONResponse({"problems": [_problem_json(p) for p in exc.problems]}, status_code=404)
        except CioConnectorError as exc:
            return JSONResponse({"error": str(exc)}, status_code=502)
        return JSONResponse(found)

    async def run(request: Request) -> JSONResponse:
        action = request.path_params["action"]
        try:
            body = await request.json()
        except ValueError:  # not JSON, or not UTF-8 at all
            return JSONResponse({"error": "the body must be JSON (UTF-8): {config, record, send}"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body must be a JSON object: {config, record, send}"}, status_code=400)
        config, record, send = body.get("config"), body.get("record") or {}, body.get("send") is True
        try:
            problems = connector.validate(action, config, record=record)
            if problems:
                return JSONResponse({"problems": [_problem_json(p) for p in problems]}, status_code=422)
            connection = await _connection(connection_provider)
            result = await connector.aexecute(action, config, connection, record=record, dry_run=not send)
        except InputError as exc:
            return JSONResponse({"problems": [_problem_json(p) for p in exc.problems]}, status_code=422)
        except CioConnectorError as exc:
            return JSONResponse({"error": str(exc)}, status_code=502)
        return JSONResponse({"result": result.to_dict()})

    return Router(
        routes=[
            Route("/forms", page, methods=["GET"]),
            Route("/forms/options/{action}/{field}", options, methods=["GET"]),
            Route("/forms/run/{action}", run, methods=["POST"]),
        ]
    )
