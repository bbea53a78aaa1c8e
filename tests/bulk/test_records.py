"""Record files: JSONL, CSV and JSON arrays (incl. stdin) stream one record at a time; dead letters read back."""

from __future__ import annotations

import io
import json

import pytest

from cio_connector.bulk import records as records_module
from cio_connector.bulk.records import RecordFile, read_records
from cio_connector.errors import InputError

ROWS = [{"email": "a@example.com", "n": 1}, {"email": "b@example.com", "n": 2.5},
        {"email": "ü@example.com", "n": [1, {"x": "]"}]}]


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch):
    """Read 7 bytes at a time, so values straddle chunk boundaries (numbers, multi-byte characters)."""
    monkeypatch.setattr(records_module, "_CHUNK", 7)


def test_jsonl_skips_blank_lines(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + "\n\n")
    assert list(read_records(path)) == ROWS


def test_json_array_is_decoded_item_by_item(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(" [\n" + ",\n ".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + " ] \n")
    assert list(read_records(path)) == ROWS
    (tmp_path / "e.json").write_text("[]")
    assert list(read_records(tmp_path / "e.json")) == []


def test_a_number_split_across_chunks_is_read_whole(tmp_path):
    path = tmp_path / "n.json"
    path.write_text('[{"a":1},{"seats":1234567890123}]')
    assert list(read_records(path)) == [{"a": 1}, {"seats": 1234567890123}]


def test_csv_rows_are_string_records(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("email,plan\na@example.com,pro\n\"b,c@example.com\",free\n", encoding="utf-8")
    assert list(read_records(path)) == [{"email": "a@example.com", "plan": "pro"}, {"email": "b,c@example.com", "plan": "free"}]


@pytest.mark.parametrize("text", [
    '{"id": "1"}\n{"id": "2"}\n',
    '[{"id": "1"}, {"id": "2"}]',
    "id\n1\n2\n",
])
def test_stdin_format_is_sniffed_from_the_first_byte(text):
    with RecordFile("-", stdin=io.BytesIO(text.encode())) as records:
        assert list(records) == [{"id": "1"}, {"id": "2"}]


def test_progress_counts_bytes_of_a_file(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "1"}\n' * 100)
    with RecordFile(path) as records:
        assert records.total_bytes == path.stat().st_size
        assert sum(1 for _ in records) == 100
        assert records.consumed_bytes == records.total_bytes


def test_a_dead_letter_file_yields_the_records_it_holds(tmp_path):
    path = tmp_path / "dead.jsonl"
    line = {"record": {"id": "7"}, "action": "upsert_customer", "error": "RetryableApiError", "message": "503",
            "attempts": 3, "problems": []}
    path.write_text(json.dumps(line) + "\n" + json.dumps({"id": "8", "record": "kept as is"}) + "\n")
    assert list(read_records(path)) == [{"id": "7"}, {"id": "8", "record": "kept as is"}]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("bad.jsonl", '{"id": 1}\nnot json\n', "bad.jsonl:2: not JSON"),
    ("list.jsonl", '[1, 2]\n', "bad.jsonl:1: each record must be a JSON object, got list".replace("bad", "list")),
    ("bad.json", '{"id": 1}', "a JSON records file must hold one array of objects"),
    ("short.json", '[{"id": 1}, ', "the JSON array ends early"),
    ("junk.json", '[{"id": 1} {"id": 2}]', "expected ',' or ']' after item 0"),
    ("wide.csv", "a,b\n1,2,3\n", "has more values than the header's 2 columns"),
])
def test_bad_input_names_the_file_and_the_place(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        list(read_records(path))
    assert message in str(caught.value)


# Every line a JSONL file may hold reads as the stdlib reads it, whichever decoder took it: the same
# value (NaN, huge integers and lone surrogates included) or the same error.
LINES = [b'{"a":1,"a":2}', b'{"n":-0.0}', b'{"n":1E400}', b'{"n":NaN}', b'{"n":-Infinity}', b'{"s":"\\ud800"}',
         b'{"n":123456789012345678901234567890}', b'{"n":18446744073709551616}', b'{"n":-9223372036854775809}',
         b'{"n":9223372036854775807}', b'{"n":2.5e-324}', b'{"n":0.30000000000000004}', b'\xef\xbb\xbf{"bom":1}',
         b'{"s":"\xed\xa0\x80"}', b'{"s":"\\u00e9\\ud83d\\ude00"}', b'{"a":1,}', b'{"a":01}', b'{"a":"\x01"}',
         b'{"a":1}\x0c', b'{} {}', b'{"a":"\xff"}', b'[' * 2000 + b']' * 2000]


def stdlib_reading(line: bytes) -> str:
    """What ``json.loads`` alone makes of a line: the record (as its repr), or the reader's message."""
    try:
        value = json.loads(line)
    except RecursionError:
        return "r.jsonl:1: nests too deeply to be a record"
    except ValueError as exc:
        return f"r.jsonl:1: not JSON: {exc}"
    return repr(value) if isinstance(value, dict) else f"r.jsonl:1: each record must be a JSON object, got {type(value).__name__}"


@pytest.mark.parametrize("line", LINES, ids=range(len(LINES)))
def test_a_jsonl_line_reads_as_the_stdlib_reads_it(tmp_path, line):
    path = tmp_path / "r.jsonl"
    path.write_bytes(line + b"\n")
    try:
        read = repr(list(read_records(path))[0])
    except InputError as exc:
        read = exc.problems[0].message.removeprefix(str(tmp_path) + "/")
    assert read == stdlib_reading(line)
