"""`cio-connector validate`: each fixture's problems at their exact file:line:column, and the exit codes."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from cio_connector import load_connector
from cio_connector.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
DEFERRED_NOTE = (
    "note: {n} templated value{s} checked for syntax only; {theirs} checked when a record is rendered "
    "(pass --record-schema FILE to check the record fields they use)"
)
KNOWN_ACTIONS = ", ".join(load_connector().actions)


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    monkeypatch.delenv("NO_COLOR", raising=False)


def validate(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(["validate", *args])
    return code, capsys.readouterr().out.splitlines()


def note(n: int) -> str:
    return DEFERRED_NOTE.format(n=n, s="s" if n != 1 else "", theirs="their values are" if n != 1 else "its value is")


def test_valid_files_yaml_json_and_steps_pass_with_the_deferred_note(capsys):
    code, lines = validate(capsys, "valid")
    assert code == 0
    assert lines == [note(6), "3 files checked: no problems"]


INVALID = {
    "values.yaml": [
        "invalid/values.yaml:5:23: identify.matching_field: 'emial' is not one of: id (External ID), email (Email), "
        "cio_id (CIO ID); did you mean 'email'?",
        "invalid/values.yaml:11:23: segment.matching_value: must be an email address when Matching Field Name is Email",
        "invalid/values.yaml:12:16: segment.segment: must be at least 1",
    ],
    "names.json": [
        "invalid/names.json:2:27: one: unknown action 'upsert_custmer'; did you mean 'upsert_customer'? "
        f"known actions: {KNOWN_ACTIONS}",
        "invalid/names.json:4:74: two.timestmp: unknown field; did you mean 'timestamp'? "
        "known fields: name, customer_id, mappings, timestamp, event_id",
    ],
    "template.yaml": [
        "invalid/template.yaml:3:9: track_event.name: template error: unexpected end of template, "
        "expected 'end of print statement'.",
    ],
    "shape.yaml": [
        "invalid/shape.yaml:5:11: steps[0].note: unknown field; known fields: id, action, config, description",
        "invalid/shape.yaml:6:5: steps[1].config: is required",
        "invalid/shape.yaml:6:9: steps[1].id: step id 'first' is already used by steps[0]",
        "invalid/shape.yaml:8:9: steps[2].id: does not match the pattern ^[A-Za-z0-9_-]+$",
    ],
    "single_shape.yaml": [
        "invalid/single_shape.yaml:1:1: config: is required",
        "invalid/single_shape.yaml:2:8: confg: unknown field; did you mean 'config'? known fields: action, config, description",
    ],
    "syntax.yaml": ["invalid/syntax.yaml:4:18: $: not valid YAML: mapping values are not allowed in this context"],
    "syntax.json": ["invalid/syntax.json:2:36: $: not valid JSON: expected ',' or '}'"],
    "duplicate.json": ["invalid/duplicate.json:2:61: $: not valid JSON: duplicate key 'matching_field'"],
    "duplicate.yaml": ["invalid/duplicate.yaml:5:3: $: not valid YAML: duplicate key 'matching_field'"],
    "alias.yaml": ["invalid/alias.yaml:4:13: $: not valid YAML: anchors and aliases are not allowed in a config file"],
    "empty.yaml": ["invalid/empty.yaml:1:1: $: empty; expected 'action' and 'config', or 'steps'"],
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_each_invalid_fixture_reports_every_problem_at_its_node(capsys, name):
    code, lines = validate(capsys, f"invalid/{name}")
    problems = [line for line in lines if not line.startswith("note:")]
    assert code == 1
    count = len(INVALID[name])
    assert problems == [*INVALID[name], f"{count} problem{'s' if count != 1 else ''} in 1 of 1 file"]


def test_a_folder_reports_every_file_in_order(capsys):
    code, lines = validate(capsys, "invalid")
    expected = [line for name in sorted(INVALID) for line in INVALID[name]]
    assert code == 1
    assert lines == [*expected, note(3), f"{len(expected)} problems in 11 of 11 files"]


def test_globs_pick_files_and_folders_are_searched_recursively(capsys):
    code, lines = validate(capsys, "valid/*.json", "invalid/syntax.*")
    assert code == 1
    assert lines[:2] == [INVALID["syntax.json"][0], INVALID["syntax.yaml"][0]]
    assert lines[-1] == "2 problems in 2 of 3 files"


def test_json_format_lists_problems_and_deferred_values(capsys):
    code, lines = validate(capsys, "invalid/values.yaml", "valid/concrete.yml", "--format", "json")
    report = json.loads("\n".join(lines))
    assert code == 1 and report["valid"] is False
    first, second = report["files"]
    assert second == {"file": "valid/concrete.yml", "valid": True, "problems": [], "deferred": []}
    assert [(p["line"], p["column"], p["where"], p["code"]) for p in first["problems"]] == [
        (5, 23, "identify.matching_field", "oneOf"),
        (11, 23, "segment.matching_value", "pattern"),
        (12, 16, "segment.segment", "minimum"),
    ]
    assert first["problems"][2]["message"] == "must be at least 1"
    assert first["deferred"] == [
        {
            "file": "invalid/values.yaml",
            "line": 6,
            "column": 23,
            "where": "identify.matching_value",
            "message": "template checked for syntax only (uses record.email); its value is checked when a record is rendered",
            "level": "note",
            "code": "deferred",
            "references": ["record.email"],
        }
    ]
    assert report["notes"] == [note(1).removeprefix("note: ")]


def test_github_format_is_workflow_annotations(capsys):
    code, lines = validate(capsys, "invalid/values.yaml", "--format", "github")
    assert code == 1
    assert lines == [
        "::error file=invalid/values.yaml,line=5,col=23::identify.matching_field: 'emial' is not one of: "
        "id (External ID), email (Email), cio_id (CIO ID); did you mean 'email'?",
        "::error file=invalid/values.yaml,line=11,col=23::segment.matching_value: must be an email address "
        "when Matching Field Name is Email",
        "::error file=invalid/values.yaml,line=12,col=16::segment.segment: must be at least 1",
        "::notice::" + note(1).removeprefix("note: "),
    ]


def test_github_format_escapes_what_would_end_a_command(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a,b:c.yaml").write_text("action: track_event\nconfig: {name: '100%', customer_id: '{{ x'}\n")
    code, lines = validate(capsys, "a,b:c.yaml", "--format", "github")
    assert code == 1
    assert lines[0].startswith("::error file=a%2Cb%3Ac.yaml,line=2,col=37::track_event.customer_id: template error")
    from cio_connector.ci.findings import FileResult, Finding
    from cio_connector.ci.report import github

    multiline = FileResult("a.yaml", [Finding("a.yaml", "100% wrong\nsecond line", where="s.f", line=1, column=1)])
    assert github([multiline], []) == "::error file=a.yaml,line=1,col=1::s.f: 100%25 wrong%0Asecond line\n"


def test_junit_format_has_one_case_per_file(capsys):
    import xml.etree.ElementTree as ET

    code, lines = validate(capsys, "invalid/values.yaml", "valid/concrete.yml", "nowhere.yaml", "--format", "junit")
    root = ET.fromstring("\n".join(lines))
    suite = root.find("testsuite")
    assert code == 2  # an unreadable file outranks invalid ones
    assert suite is not None and suite.attrib == {"name": "cio-connector", "tests": "3", "failures": "1", "errors": "1"}
    cases = {case.attrib["name"]: case for case in suite.iter("testcase")}
    failure = cases["invalid/values.yaml"].find("failure")
    assert failure is not None and failure.attrib["type"] == "oneOf"
    assert failure.attrib["message"].startswith("3 problems: invalid/values.yaml:5:23: identify.matching_field:")
    assert failure.text.splitlines() == INVALID["values.yaml"]
    assert list(cases["valid/concrete.yml"]) == []
    error = cases["nowhere.yaml"].find("error")
    assert error is not None and error.attrib["message"] == "nowhere.yaml: cannot read: No such file or directory"


def test_sarif_format_is_code_scanning_2_1_0(capsys):
    code, lines = validate(capsys, "invalid/values.yaml", "--format", "sarif")
    sarif = json.loads("\n".join(lines))
    run = sarif["runs"][0]
    assert code == 1 and sarif["version"] == "2.1.0"
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["minimum", "oneOf", "pattern"]
    results = [
        (
            r["ruleId"],
            r["level"],
            r["message"]["text"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"],
        )
        for r in run["results"]
    ]
    assert results == [
        (
            "oneOf",
            "error",
            INVALID["values.yaml"][0].split(": ", 1)[1],
            "invalid/values.yaml",
            {"startLine": 5, "startColumn": 23},
        ),
        (
            "pattern",
            "error",
            INVALID["values.yaml"][1].split(": ", 1)[1],
            "invalid/values.yaml",
            {"startLine": 11, "startColumn": 23},
        ),
        (
            "minimum",
            "error",
            INVALID["values.yaml"][2].split(": ", 1)[1],
            "invalid/values.yaml",
            {"startLine": 12, "startColumn": 16},
        ),
    ]
    assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"] == note(1).removeprefix("note: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.yaml"], "error: nowhere.yaml: cannot read: No such file or directory"),
        (["missing/*.yaml"], "error: missing/*.yaml: no file matches"),
        (
            ["valid", "--record-schema", "nowhere.json"],
            "error: --record-schema nowhere.json: cannot read: No such file or directory",
        ),
    ],
)
def test_usage_and_unreadable_files_exit_2(capsys, args, message):
    code = main(["validate", *args])
    captured = capsys.readouterr()
    assert code == 2
    assert message in captured.out + captured.err


def test_a_file_that_is_not_utf8_is_unreadable(tmp_path, capsys):
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("action: track_event\nconfig: {name: caf\xe9}\n".encode("latin-1"))
    code, lines = validate(capsys, str(bad))
    assert code == 2
    assert lines[0] == f"error: {bad}: not UTF-8 text (byte 38)"


def test_unknown_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "valid", "--format", "xml"])
    assert exc.value.code == 2


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    from cio_connector.ci.report import use_colour

    class Terminal:
        def isatty(self) -> bool:
            return True

    assert use_colour(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Terminal())
    monkeypatch.delenv("NO_COLOR")
    assert not use_colour(io.StringIO())  # a pipe or a file: plain text


def test_human_colour_wraps_position_place_and_message():
    from cio_connector.ci.findings import FileResult, Finding
    from cio_connector.ci.report import human

    result = FileResult("a.yaml", [Finding("a.yaml", "must be at least 1", where="s.segment", line=3, column=4)])
    assert human([result], [], colour=True).splitlines()[0] == (
        "\x1b[1ma.yaml:3:4:\x1b[0m \x1b[36ms.segment:\x1b[0m \x1b[31mmust be at least 1\x1b[0m"
    )
    assert human([result], [], colour=False).splitlines()[0] == "a.yaml:3:4: s.segment: must be at least 1"


RECORD_PROBLEMS = [
    "records/uses.yaml:6:23: identify.matching_value: record.emial is not in the record schema; did you mean 'record.email'?",
    "records/uses.yaml:9:15: identify.mappings.town: record.address.town is not in the record schema",
    "records/uses.yaml:15:23: segment.matching_value: record.nickname may be null; Matching Value needs a string",
    "records/uses.yaml:16:16: segment.segment: record.segment_name is a string in the record schema; Segment needs an integer",
]


def test_record_schema_checks_every_record_field_a_template_reads(capsys):
    code, lines = validate(capsys, "records", "--record-schema", "record.schema.json")
    assert code == 1
    assert lines == [
        *RECORD_PROBLEMS,
        "records/uses.yaml:24:23: examples.matching_value: must be a CIO ID (letters and digits, optionally prefixed cio_) "
        "when Matching Field Name is CIO ID (rendered with the record schema's example: record.vip_code = 'VIP 7')",
        "note: 11 templated values: record fields checked against the record schema and, where it gives examples, "
        "rendered with them; other value checks run when a record is rendered",
        "5 problems in 1 of 1 file",
    ]


def test_without_a_record_schema_the_same_file_defers_its_template_checks(capsys):
    code, lines = validate(capsys, "records")
    assert code == 0
    assert lines == [note(11), "1 file checked: no problems"]


def test_record_references_come_from_the_template_syntax_tree():
    from cio_connector.ci.records import template_use

    use = template_use("{% for t in record.tags %}{{ t.name }}{% endfor %} {{ record['first name'] ~ record.last }}")
    assert use is not None and use.references == (("tags",), ("first name",), ("last",)) and use.alone is None
    assert template_use("  {{ record.address.city }} ").alone == ("address", "city")
    assert template_use("{{ record.age | string }}").alone is None
    assert template_use("{{ oops") is None


FIXTURE_FILES = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.*"))
#: Fixtures that never parse: refused with a syntax finding before any shape check runs.
UNPARSEABLE = {"invalid/alias.yaml", "invalid/duplicate.json", "invalid/duplicate.yaml", "invalid/syntax.json",
               "invalid/syntax.yaml"}
#: Fixtures that parse but are not shaped like a config file (the record schema is not one either).
MISSHAPEN = {"invalid/empty.yaml", "invalid/shape.yaml", "invalid/single_shape.yaml", "record.schema.json"}


@pytest.mark.parametrize("path", [p for p in FIXTURE_FILES if p not in UNPARSEABLE])
def test_the_quick_shape_check_never_passes_what_the_schema_refuses(path):
    from cio_connector.ci.configfile import _shape_checker, plainly_valid, read_config_file
    from cio_connector.ci.findings import Finding

    doc = read_config_file(FIXTURES / path, path)
    assert not isinstance(doc, Finding), f"{path} does not parse ({doc}); list it in UNPARSEABLE"
    refused = bool(_shape_checker().problems(doc.data))
    assert refused == (path in MISSHAPEN)
    assert plainly_valid(doc.data) == (not refused)


@pytest.mark.parametrize("path", sorted(UNPARSEABLE))
def test_a_file_that_does_not_parse_never_reaches_the_shape_check(path):
    from cio_connector.ci.configfile import read_config_file
    from cio_connector.ci.findings import Finding

    finding = read_config_file(FIXTURES / path, path)
    assert isinstance(finding, Finding)
    assert (finding.file, finding.code, finding.level) == (path, "syntax", "error")
    assert finding.message.startswith(("not valid YAML: ", "not valid JSON: "))
    assert finding.line and finding.column


@pytest.mark.parametrize(
    "data",
    [
        {"action": "a", "config": {}},
        {"action": "A", "config": {}},
        {"action": "a", "config": []},
        {"steps": []},
        {"steps": [{"id": "x", "action": "a", "config": {}}]},
        {"steps": [{"id": "x y", "action": "a", "config": {}}]},
        {"steps": [{"id": "x", "action": "a", "config": {}, "description": 1}]},
        {"steps": {}},
        {"action": "a", "config": {}, "steps": 1},
    ],
)
def test_the_quick_shape_check_agrees_with_the_schema(data):
    from cio_connector.ci.configfile import _shape_checker, plainly_valid

    assert plainly_valid(data) == (not _shape_checker().problems(data))


def test_json_reader_keeps_json_types_and_positions():
    from cio_connector.ci.jsonsource import JsonSourceError, load_json

    doc = load_json('{"a": 1e5, "b": [1, {"c": "\\u00e9"}],\n "d": -0.5}', "x.json")
    assert doc.data == {"a": 100000.0, "b": [1, {"c": "é"}], "d": -0.5}
    assert doc.positions[("b", 1, "c")] == (1, 27) and doc.positions[("d",)] == (2, 7)
    for text, message in [
        ("[1,]", "expected a value (line 1, column 4)"),
        ("NaN", "NaN and Infinity are not JSON (line 1, column 1)"),
        ("{} x", "extra data after the JSON value (line 1, column 4)"),
        ("[" * 600, "nested deeper than 200 levels"),
    ]:
        with pytest.raises(JsonSourceError, match=re.escape(message)):
            load_json(text, "x.json")


def test_a_config_that_crashes_a_check_is_reported_and_the_other_files_still_run(tmp_path, capsys, monkeypatch):
    from cio_connector.runtime import Connector

    def explode(self, action, config, **kwargs):
        if config.get("matching_value") == "boom":
            raise RuntimeError("kaput")
        return []

    monkeypatch.setattr(Connector, "validate", explode)
    (tmp_path / "a.yaml").write_text("action: delete_customer\nconfig: {matching_field: id, matching_value: boom}\n")
    (tmp_path / "b.yaml").write_text("action: delete_customer\nconfig: {matching_field: id, matching_value: fine}\n")
    code, lines = validate(capsys, str(tmp_path))
    assert code == 1
    assert lines == [
        f"{tmp_path}/a.yaml:2:9: delete_customer: could not be checked: RuntimeError: kaput",
        "1 problem in 1 of 2 files",
    ]


def test_the_format_choices_are_the_renderers():
    from cio_connector.ci.commands import FORMAT_NAMES
    from cio_connector.ci.report import FORMATS

    assert sorted(FORMAT_NAMES) == sorted(FORMATS)
