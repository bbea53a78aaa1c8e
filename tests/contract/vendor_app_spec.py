"""Vendor the App API operations the connector calls (transactional sends and their list), without prose.

The Track generator's cleaning is reused as is; only the sources (two YAML documents) and the
operations differ.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

if __package__:
    from .vendor_track_spec import clean_operation, clean_parameters, clean_schema, schema_refs
else:  # run as a script
    from vendor_track_spec import clean_operation, clean_parameters, clean_schema, schema_refs  # type: ignore[no-redef]

OUTPUT = Path(__file__).with_name("app-openapi-subset.json")
VENDORED_ON = "2026-12-03"
#: source document name -> its operations the connector calls
OPERATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "journeys-app-send.openapi.yml": {
        "/v1/send/email": ("post",),
        "/v1/send/sms": ("post",),
        "/v1/send/push": ("post",),
    },
    "journeys-app-transactional.openapi.yml": {"/v1/transactional": ("get",)},
}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def build_subset(specs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for source, operations in OPERATIONS.items():
        spec = specs[source]
        for path, methods in operations.items():
            item = spec["paths"][path]
            kept: dict[str, Any] = {}
            if "parameters" in item:
                kept["parameters"] = clean_parameters(spec, item["parameters"])
            for method in methods:
                kept[method] = clean_operation(spec, item[method])
            paths[path] = kept
        todo = schema_refs(paths)
        while todo:
            name = todo.pop().removeprefix("#/components/schemas/")
            if name not in schemas and name in spec.get("components", {}).get("schemas", {}):
                schemas[name] = clean_schema(spec["components"]["schemas"][name])
                todo |= schema_refs(schemas[name])
    versions = sorted({specs[source]["info"]["version"] for source in OPERATIONS})
    return {
        "x-vendored-from": {
            "source": "Customer.io's published App API OpenAPI documents (sends and transactional "
                      "messages), via the copies in shared/reference/" + " and shared/reference/".join(OPERATIONS),
            "info.version": ", ".join(versions),
            "date": VENDORED_ON,
            "generator": "tests/contract/vendor_app_spec.py",
            "kept": "the operations listed in the generator, cleaned as vendor_track_spec.py cleans them",
            "stripped": "prose, x-* keywords, servers, security, x-codeSamples and every other path",
        },
        "openapi": "3.1.0",
        "info": {"title": "Customer.io App API (subset)", "version": ", ".join(versions)},
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def render(subset: dict[str, Any]) -> str:
    return json.dumps(subset, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: python {argv[0]} /path/to/shared/reference", file=sys.stderr)
        return 2
    folder = Path(argv[1])
    text = render(build_subset({name: load(folder / name) for name in OPERATIONS}))
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
