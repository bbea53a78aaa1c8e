"""Hostile names (control characters, ESC/OSC sequences, NUL) in a file name, a step id or a key reach
every output format escaped for where it goes: a terminal, XML, a URI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cio_connector.cli import main

# ESC ] 0 ; ... BEL retitles a terminal; ESC [ 2 J clears it; a newline fakes a line of its own.
NAME = "evil\x1b]0;owned\x07\n\u202e.yaml"
STEPS = '''steps:
  - id: "a\\0b\\e[2J"
    action: upsert_customer
    config:
      matching_field: email
      matching_value: nope
      "x\\e]8;;http://evil\\a": 1
'''


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    (tmp_path / NAME).write_text(STEPS)
    return NAME


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["validate", *args]) == 1
    return capsys.readouterr().out


def test_human_output_writes_no_raw_control_character_to_the_terminal(hostile, capsys):
    out = _validate(capsys, hostile)
    assert not any(ch in out for ch in "\x00\x07\x1b\u202e")
    assert "evil\\x1b]0;owned\\x07\\x0a\\u202e.yaml:" in out and "a\\x00b\\x1b[2J" in out
    assert all(line.startswith(("evil", "1 problem", "2 problems", "3 problems")) for line in out.splitlines())


def test_junit_is_well_formed_xml_whatever_the_names(hostile, capsys):
    out = _validate(capsys, hostile, "--format", "junit")
    case = ET.fromstring(out).find("testsuite/testcase")
    assert case is not None and case.get("name") == "evil\\x1b]0;owned\\x07\n\u202e.yaml"


def test_github_annotations_carry_no_raw_control_character(hostile, capsys):
    out = _validate(capsys, hostile, "--format", "github")
    assert not any(ch in out for ch in "\x00\x07\x1b") and "file=evil\\x1b]0;owned\\x07%0A" in out


def test_sarif_artifact_uris_are_percent_encoded(hostile, capsys):
    document = json.loads(_validate(capsys, hostile, "--format", "sarif"))
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"] for loc in r["locations"]}
    assert uris == {"evil%1B%5D0%3Bowned%07%0A%E2%80%AE.yaml"}


def test_json_keeps_the_names_exactly_as_json_escapes(hostile, capsys):
    document = json.loads(_validate(capsys, hostile, "--format", "json"))
    assert document["files"][0]["file"] == NAME
