"""A bulk run's start-up: a dry run imports no HTTP stack, and nothing the valid path does not use."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from cio_connector.client.describe import _host_header, user_agent

UPSERT = {"matching_field": "id", "matching_value": "{{ record.id }}", "mappings": {"plan": "{{ record.plan }}"}}
#: Loaded only to send (httpx and its pools), to explain a failure (jsonschema, jinja2), to draw (rich), or to
#: read a YAML file (yaml): a dry run over JSON files with valid records needs none of them.
NOT_FOR_A_DRY_RUN = ("httpx", "httpcore", "anyio", "aiohttp", "httpx_aiohttp", "h11", "jsonschema", "referencing",
                     "jinja2", "rich", "pydantic", "yaml", "cio_connector.client.http", "cio_connector.client.policy")

PROBE = """
import json, sys
from cio_connector.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps({"code": code, "loaded": sorted(sys.modules)}), file=sys.stderr)
"""


def dry_run(tmp_path, records: str, *extra: str) -> tuple[list[dict], dict]:
    (tmp_path / "config.json").write_text(json.dumps(UPSERT))
    (tmp_path / "connection.json").write_text(json.dumps({"region": "us", "site_id": "s", "track_api_key": "t",
                                                           "app_api_key": "a", **dict(extra_connection(extra))}))
    (tmp_path / "records.jsonl").write_text(records)
    command = [sys.executable, "-c", PROBE, "run", "upsert_customer", "--dry-run", "--quiet",
               "--config", str(tmp_path / "config.json"), "--connection", str(tmp_path / "connection.json"),
               "--records", str(tmp_path / "records.jsonl")]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    described = [json.loads(line) for line in done.stdout.splitlines()]
    return described, json.loads(done.stderr.strip().splitlines()[-1])


def extra_connection(extra: tuple[str, ...]) -> dict:
    return {"endpoints": {"track": extra[0], "app": extra[0]}} if extra else {}


def test_a_dry_run_over_valid_records_imports_no_http_stack_validator_template_engine_or_progress_bar(tmp_path):
    described, probe = dry_run(tmp_path, '{"id": "u1", "plan": "pro"}\n{"id": "u2", "plan": "team"}\n')
    assert probe["code"] == 0
    assert [d["json"]["batch"][0]["identifiers"] for d in described] == [{"id": "u1"}]
    assert described[0]["headers"]["user-agent"] == user_agent() == f"cio-connector/0.1.0 httpx/{httpx.__version__}"
    assert described[0]["headers"]["host"] == "track.customer.io"
    assert [name for name in NOT_FOR_A_DRY_RUN if name in probe["loaded"]] == []


def test_a_dry_run_with_an_invalid_record_still_explains_it(tmp_path):
    described, probe = dry_run(tmp_path, '{"id": "u1", "plan": "pro"}\n{"id": "", "plan": "team"}\n')
    assert probe["code"] == 1
    assert [d["records"] for d in described] == [[0]]


@pytest.mark.parametrize("url", [
    "https://track.customer.io/api/v2/batch", "http://127.0.0.1:8080/us/api", "http://localhost:80/x", "https://h:443",
    "https://h:0443/a", "http://h:0/a", "http://h:65535/a", "http://h:99999/a", "http://a..b/x", "http://H.Example/x",
    "https://xn--bcher-kva.example/x", "http://h-/x", "http://-h/x", "http://[::1]:8080/x", "http://[::1]/x",
    "http://1.2.3/x", "http://123/x", "http://h.:8080/x", "http://h?q=1", "http://h:8080?q", "http://0x7f.1/x",
    "http://999.1.1.1/x", "http://01.2.3.4/x", "http://a_b.example/x",
])
def test_the_host_header_is_the_one_httpx_sends(url):
    try:
        expected = httpx.URL(url).netloc.decode("ascii")
    except httpx.InvalidURL:
        with pytest.raises(httpx.InvalidURL):
            _host_header(url)
    else:
        assert _host_header(url) == expected
