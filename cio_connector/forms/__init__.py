"""Forms: config schemas for stored configs, UI schemas for form libraries, and a form page."""

from __future__ import annotations

from .config_schema import TEMPLATE, config_schema, is_templatable

__all__ = ["TEMPLATE", "config_schema", "is_templatable"]
