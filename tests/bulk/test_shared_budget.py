"""Two ``run`` processes sharing one Redis budget stay within it together, measured from the sandbox's request log."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import connection_for

RATE = 15  # requests per second for both processes together
BURST = 1.5  # a tenth of the rate


def windows(stamps: list[float], width: float = 1.0) -> int:
    """The most requests in any ``width``-second window."""
    stamps = sorted(stamps)
    most, start = 0, 0
    for end, at in enumerate(stamps):
        while at - stamps[start] >= width:
            start += 1
        most = max(most, end - start + 1)
    return most


@pytest.mark.slow
def test_two_runs_with_one_rate_store_share_one_budget(sandbox, redis_url, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"matching_field": "id", "matching_value": "{{ record.id }}"}))
    (tmp_path / "connection.json").write_text(json.dumps(connection_for(sandbox)))
    children = []
    for worker in ("a", "b"):
        records = tmp_path / f"{worker}.jsonl"
        records.write_text("".join(json.dumps({"id": f"{worker}{i}"}) + "\n" for i in range(300)))
        command = [sys.executable, "-m", "cio_connector.cli", "run", "upsert_customer", "--quiet",
                   "--config", str(tmp_path / "config.json"), "--connection", str(tmp_path / "connection.json"),
                   "--records", str(records), "--summary-json", str(tmp_path / f"{worker}.summary.json"),
                   "--rate-store", redis_url, "--track-rate", str(RATE), "--batch-max-bytes", "700"]
        children.append(subprocess.Popen(command, stderr=subprocess.PIPE, text=True))
    for child in children:
        assert child.wait(120) == 0, child.stderr.read() if child.stderr else ""
    summaries = [json.loads((tmp_path / f"{w}.summary.json").read_text()) for w in ("a", "b")]
    assert [s["delivered"] for s in summaries] == [300, 300]
    assert all(s["requests"] >= 30 for s in summaries)  # both really competed for the budget

    stamps = [entry["at"] for entry in sandbox.controls.requests() if entry["path"].endswith("/api/v2/batch")]
    assert len(stamps) == sum(s["requests"] for s in summaries)
    # One shared budget allows 15 a second (plus a burst of 1.5); two private ones would allow 30.
    # The log stamps each answer, not the moment the budget let the request go, and a loaded machine
    # bunches answers (most at the start, while connections open): so the whole run's rate is the
    # measure, and the busiest 2-second window gets 6 requests of slack (two private budgets: ~60).
    assert (len(stamps) - 1) / (max(stamps) - min(stamps)) <= RATE * 1.15
    assert windows(stamps, 2.0) <= 2 * RATE + BURST + 6
    assert len(sandbox.state.people()) == 600
