"""Ajv 8 (Ajv2020, strict) with schemas/ajv-keywords.mjs and the Python runtime agree on every config here."""

from __future__ import annotations

import json
import subprocess

import pytest

from cio_connector.pipeline.templating import template_locations

from .conftest import HERE, ROOT, SCHEMAS, generated_schemas, run_node

ID = {"matching_field": "id", "matching_value": "user-42"}
EMAIL = {"matching_field": "email", "matching_value": "ada@example.com"}
EVENT = {"name": "purchase", "customer_id": "42"}
PAGE = {"customer_id": "42", "page_url": "/pricing"}

# (action, config); the verdict each side gives is compared, never written down here.
CONFIGS = [
    ("upsert_customer", ID),
    ("upsert_customer", EMAIL),
    ("upsert_customer", {"matching_field": "email", "matching_value": "{{ record.email }}"}),  # the README's own
    ("upsert_customer", {"matching_field": "email", "matching_value": "not-an-email"}),
    ("upsert_customer", {"matching_field": "email", "matching_value": "ada@exämple.com"}),
    ("upsert_customer", {"matching_field": "cio_id", "matching_value": "cio_03000001"}),
    ("upsert_customer", {"matching_field": "cio_id", "matching_value": "cio-03000001"}),
    ("upsert_customer", {"matching_field": "cio_id", "matching_value": "{{ record.cio }}"}),
    ("upsert_customer", {**ID, "matching_value": "x" * 150}),
    ("upsert_customer", {**ID, "matching_value": "x" * 151}),  # 151 characters: passed in a browser before
    ("upsert_customer", {**ID, "matching_value": "é" * 75}),  # 150 bytes
    ("upsert_customer", {**ID, "matching_value": "é" * 76}),  # 76 characters, 152 bytes
    ("upsert_customer", {**ID, "matching_value": "😀" * 38}),  # 152 bytes in 38 characters (76 UTF-16 units)
    ("upsert_customer", {**ID, "matching_value": "😀" * 37 + "xx"}),  # 150 bytes
    ("upsert_customer", {**ID, "matching_value": "   "}),
    ("upsert_customer", {**ID, "matching_value": "\u00a0\u3000"}),  # blank to a browser and to Python
    ("upsert_customer", {**ID, "matching_value": "\x1c"}),  # blank to Python's \s, not to a browser's
    ("upsert_customer", {**ID, "matching_value": "user\n"}),
    ("upsert_customer", {**ID, "mappings": {"plan": "{{ record.plan }}", "seats": 3, "tags": ["a", "b"]}}),
    ("upsert_customer", {**ID, "mappings": {"bio": "é" * 500}}),
    ("upsert_customer", {**ID, "mappings": {"bio": "é" * 500 + "x"}}),
    ("upsert_customer", {**ID, "mappings": {"tags": ["x" * 996]}}),  # 1,000 bytes as compact JSON
    ("upsert_customer", {**ID, "mappings": {"tags": ["x" * 997]}}),
    ("upsert_customer", {**ID, "mappings": {"ratio": [0.1, 1e-7, 2.5e20, -3.75]}}),
    ("upsert_customer", {**ID, "mappings": {"é" * 75: 1}}),
    ("upsert_customer", {**ID, "mappings": {"é" * 75 + "x": 1}}),
    ("upsert_customer", {**ID, "mappings": "{{ record.attributes }}"}),
    ("upsert_customer", {**ID, "extra": 1}),
    ("upsert_customer", {"matching_field": "phone", "matching_value": "1"}),
    ("delete_customer", {"matching_value": "user-42"}),
    ("add_customer_to_segment", {**ID, "segment": 7}),
    ("add_customer_to_segment", {**ID, "segment": "{{ record.segment }}"}),
    ("add_customer_to_segment", {**ID, "segment": "7"}),
    ("add_customer_to_segment", {**ID, "segment": 0}),
    ("add_customer_to_segment", {**ID, "segment": 2147483648}),
    ("remove_customer_from_segment", {**EMAIL, "segment": 1}),
    ("track_event", EVENT),
    ("track_event", {**EVENT, "name": "é" * 50}),
    ("track_event", {**EVENT, "name": "é" * 50 + "x"}),
    ("track_event", {**EVENT, "name": " \t"}),
    ("track_event", {**EVENT, "customer_id": "cio_"}),
    ("track_event", {**EVENT, "timestamp": "2024-05-01T12:00:00Z"}),
    ("track_event", {**EVENT, "timestamp": "2024-05-01"}),
    ("track_event", {**EVENT, "timestamp": "2024-02-29T10:00:00+05:30"}),
    ("track_event", {**EVENT, "timestamp": "2023-02-29T10:00:00Z"}),
    ("track_event", {**EVENT, "timestamp": "0000-01-01"}),
    ("track_event", {**EVENT, "timestamp": "1970-01-01T00:30:00+01:00"}),
    ("track_event", {**EVENT, "timestamp": "1969-12-31T23:59:59.5Z"}),  # -0.5 s truncates to 0, as int() does
    ("track_event", {**EVENT, "timestamp": "5138-11-16T09:46:39Z"}),
    ("track_event", {**EVENT, "timestamp": "5138-11-16T09:46:40Z"}),
    ("track_event", {**EVENT, "timestamp": 1714564800}),
    ("track_event", {**EVENT, "timestamp": 1714564800000}),
    ("track_event", {**EVENT, "timestamp": "{{ record.at }}"}),
    ("track_event", {**EVENT, "timestamp": "yesterday"}),
    ("track_event", {**EVENT, "event_id": "01HXYZ"}),
    ("track_page", PAGE),
    ("track_page", {**PAGE, "page_url": "https://example.com/ü" + "x" * 77}),  # 100 bytes
    ("track_page", {**PAGE, "page_url": "https://example.com/ü" + "x" * 78}),
    ("track_page", {**PAGE, "page_url": "pricing"}),
    ("track_page", {**PAGE, "page_url": "{{ record.url }}"}),
]


@pytest.fixture(scope="module")
def ajv(node):
    schemas = generated_schemas()
    cases = []
    for action, config in CONFIGS:
        cases.append([f"config/{action}.json", config])
        cases.append([f"actions/{action}.json", config])
    answer = run_node(node, "verdicts.mjs", {"schemas": schemas, "cases": cases})
    assert answer["warnings"] == [], "strict mode complained"
    verdicts = answer["verdicts"]
    return {i: (verdicts[2 * i], verdicts[2 * i + 1]) for i in range(len(CONFIGS))}


def test_every_generated_schema_compiles_in_strict_mode(ajv):
    assert ajv  # the fixture compiled each schema with strict: true and saw no warning


@pytest.mark.parametrize(("index", "case"), list(enumerate(CONFIGS)), ids=[f"{a}-{i}" for i, (a, _) in enumerate(CONFIGS)])
def test_ajv_and_the_runtime_agree(index, case, ajv, connector):
    action, config = case
    python_problems = connector.validate(action, config)
    on_config, on_input = ajv[index]
    assert on_config["valid"] == (python_problems == []), (python_problems, on_config["errors"])
    if not any(template_locations(config)):  # a concrete config: the input schema says the same
        assert on_input["valid"] == (python_problems == []), (python_problems, on_input["errors"])


def test_the_table_has_both_verdicts_and_templates(connector):
    verdicts = [connector.validate(action, config) == [] for action, config in CONFIGS]
    assert 15 < sum(verdicts) < len(CONFIGS) - 15
    assert sum(bool(list(template_locations(config))) for _, config in CONFIGS) >= 6


def test_the_forms_guides_three_line_ajv_set_up_compiles_every_schema(node):
    readme = (ROOT / "docs" / "forms.md").read_text()
    snippet = readme.split("```js\n", 1)[1].split("```", 1)[0]
    assert len(snippet.strip().splitlines()) == 3
    lines = ["import fs from 'node:fs'", snippet.replace("./schemas/", "../../schemas/")]
    for name in generated_schemas():
        lines.append(f"ajv.compile(JSON.parse(fs.readFileSync({json.dumps(str(SCHEMAS / name))}, 'utf8')))")
    check = HERE / "readme-check.mjs"  # beside node_modules, so the imports resolve
    check.write_text("\n".join([*lines, "console.log('ok')", ""]))
    try:
        done = subprocess.run([node, str(check)], cwd=HERE, capture_output=True, text=True, timeout=60)
    finally:
        check.unlink()
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr
