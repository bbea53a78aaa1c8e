"""Forms: config schemas for stored configs, UI schemas for form libraries, and a form page."""

from __future__ import annotations

from ..declarative.config_schema import TEMPLATE, config_schema, is_templatable
from .ui_schema import (
    jsonforms_connection_ui_schema,
    jsonforms_ui_schema,
    rjsf_connection_ui_schema,
    rjsf_ui_schema,
    ui_schemas,
    with_options,
)

__all__ = [
    "TEMPLATE",
    "config_schema",
    "is_templatable",
    "jsonforms_connection_ui_schema",
    "jsonforms_ui_schema",
    "rjsf_connection_ui_schema",
    "rjsf_ui_schema",
    "ui_schemas",
    "with_options",
]
