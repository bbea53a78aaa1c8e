"""Vendor the subset of Customer.io's Track OpenAPI spec that the contract tests use, without prose."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).with_name("track-openapi-subset.json")
VENDORED_ON = "2026-11-28"
OPERATIONS: dict[str, tuple[str, ...]] = {
    "/api/v1/accounts/region": ("get",),
    "/api/v1/customers/{identifier}": ("put", "delete"),
    "/api/v1/customers/{identifier}/events": ("post",),
    "/api/v1/segments/{segment_id}/add_customers": ("post",),
    "/api/v1/segments/{segment_id}/remove_customers": ("post",),
    "/api/v1/merge_customers": ("post",),
    "/api/v1/events": ("post",),
    "/api/v1/metrics": ("post",),
    "/api/v2/entity": ("post",),
    "/api/v2/batch": ("post",),
}
# Annotation keywords dropped from schema objects (never from a `properties` map, whose keys are names).
PROSE = {"description", "summary", "example", "examples", "externalDocs", "$comment"}
SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "dependentSchemas"}
SCHEMA_ONE = {"items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
              "not", "contains", "propertyNames", "if", "then", "else"}
SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
VERBATIM = {"enum", "const", "default", "required", "discriminator", "dependentRequired"}
PARAM_KEYS = ("name", "in", "required", "deprecated", "allowEmptyValue", "style", "explode")


def clean_schema(schema: Any) -> Any:
    """Drop prose/extension keywords from a JSON Schema, recursing only through schema positions."""
    if not isinstance(schema, dict):
        return schema  # boolean schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in PROSE or key.startswith("x-"):
            continue
        if key in SCHEMA_MAPS:
            out[key] = {name: clean_schema(sub) for name, sub in value.items()}
        elif key in SCHEMA_ONE:
            out[key] = clean_schema(value)
        elif key in SCHEMA_LISTS:
            out[key] = [clean_schema(sub) for sub in value]
        elif key in VERBATIM or not isinstance(value, (dict, list)) or key == "type":
            out[key] = value
        else:
            raise ValueError(f"unexpected schema keyword {key!r}; teach vendor_track_spec.py about it")
    return out


def resolve(spec: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (parameters, responses, request bodies) to its target."""
    while "$ref" in obj:
        node: Any = spec
        for part in obj["$ref"].removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        obj = node
    return obj


def clean_parameters(spec: dict[str, Any], params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for raw in params:
        param = resolve(spec, raw)
        kept = {k: param[k] for k in PARAM_KEYS if k in param}
        kept["schema"] = clean_schema(param.get("schema", {}))
        out.append(kept)
    return out


def json_content(content: dict[str, Any]) -> dict[str, Any]:
    media = content.get("application/json")
    return {} if media is None else {"content": {"application/json": {"schema": clean_schema(media["schema"])}}}


def clean_operation(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": op["operationId"]}
    if "parameters" in op:
        out["parameters"] = clean_parameters(spec, op["parameters"])
    if "requestBody" in op:
        body = resolve(spec, op["requestBody"])
        out["requestBody"] = {**({"required": body["required"]} if "required" in body else {}),
                              **json_content(body.get("content", {}))}
    out["responses"] = {code: json_content(resolve(spec, resp).get("content", {}))
                        for code, resp in op["responses"].items()}
    return out


def schema_refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(schema_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(schema_refs(v) for v in node))
    return set()


def build_subset(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in OPERATIONS.items():
        item = spec["paths"][path]
        kept: dict[str, Any] = {}
        if "parameters" in item:
            kept["parameters"] = clean_parameters(spec, item["parameters"])
        for method in methods:
            kept[method] = clean_operation(spec, item[method])
        paths[path] = kept
    all_schemas = spec["components"]["schemas"]
    schemas: dict[str, Any] = {}
    todo = schema_refs(paths)
    while todo:
        ref = todo.pop()
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix):
            raise ValueError(f"unsupported $ref {ref!r} inside a schema")
        name = ref[len(prefix):]
        if name not in schemas:
            schemas[name] = clean_schema(all_schemas[name])
            todo |= schema_refs(schemas[name])
    return {
        "x-vendored-from": {
            "source": "Customer.io's published Track API OpenAPI document "
                      "(https://docs.customer.io/files/journeys-track.json), via the copy in "
                      "shared/reference/journeys-track.openapi.json",
            "info.version": spec["info"]["version"],
            "date": VENDORED_ON,
            "generator": "tests/contract/vendor_track_spec.py",
            "kept": "openapi, info.title/version, the operations listed in the generator; their "
                    "resolved path/operation parameters, JSON request bodies, response codes with "
                    "JSON schemas, and the components.schemas they reach via $ref; schema "
                    "`title`s are kept (they name oneOf branches in error messages)",
            "stripped": "description, summary, example(s), externalDocs, $comment and x-* keywords of "
                        "schema/parameter/operation objects; tags, servers, security, x-codeSamples; "
                        "all other paths and unreachable components",
        },
        "openapi": spec["openapi"],
        "info": {"title": spec["info"]["title"], "version": spec["info"]["version"]},
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def render(subset: dict[str, Any]) -> str:
    return json.dumps(subset, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: python {argv[0]} /path/to/journeys-track.openapi.json", file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    text = render(build_subset(spec))
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
