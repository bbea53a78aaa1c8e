"""The progress bar shows records/s, delivered and failed, and reads the input file's progress for its ETA."""

from __future__ import annotations

from cio_connector.bulk.ledger import Summary
from cio_connector.bulk.progress import ProgressBar
from cio_connector.bulk.records import RecordFile


def test_the_bar_reports_delivered_and_failed(tmp_path, capsys):
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "1"}\n' * 10)
    with RecordFile(path) as records:
        list(records)
        summary = Summary("upsert_customer", read=10, delivered=7, failed=3)
        with ProgressBar(records, action="upsert_customer") as bar:
            bar.update(summary)
    err = capsys.readouterr().err
    assert "upsert_customer" in err and "7 delivered" in err and "3 failed" in err
