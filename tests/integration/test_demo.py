"""The README's main job: ``cio-connector demo`` succeeds and shows every action and the state."""

from __future__ import annotations

import io
import re

import pytest

from cio_connector.cli import main
from cio_connector.demo import run_demo

ACTIONS = [
    "upsert_customer", "delete_customer", "add_customer_to_segment", "remove_customer_from_segment", "track_event", "track_page",
    "identify_object", "add_relationship", "add_device", "track_screen",
]


@pytest.mark.parametrize("region", ["us", "eu"])
def test_demo_runs_every_action_and_prints_the_state(region):
    out = io.StringIO()
    assert run_demo(region=region, out=out) == 0
    text = out.getvalue()
    for action in ACTIONS:
        assert re.search(rf"^\s+\d+\s+{action}\s.*\s200 ok", text, re.M), action
    for field in ("id=", "email=", "cio_id="):
        assert re.search(rf"upsert_customer\s+{field}", text)
    assert "Site ID or Track API key is wrong" in text
    assert "App API key is wrong" in text
    assert f"choose {region.upper()} as the region" in text
    assert "Sandbox state afterwards:" in text and "people (1):" in text
    assert "every action succeeded" in text
    assert "FAILED" not in text
    assert "objects (1):" in text and "id=engines" in text and "device:     ios apns-7f3a9c" in text


def test_demo_through_the_command_line(capsys):
    assert main(["demo"]) == 0
    assert "every action succeeded" in capsys.readouterr().out
