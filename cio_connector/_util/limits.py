"""Bounds on the files a user names, shared by the YAML and JSON readers (and importing neither)."""

from __future__ import annotations

__all__ = ["MAX_YAML_BYTES", "MAX_YAML_DEPTH"]

#: Bytes of a YAML file we read at all; the shipped manifests are a few KB.
MAX_YAML_BYTES = 1_000_000
#: Nesting of mappings and lists; the manifest format needs under ten.
MAX_YAML_DEPTH = 64
