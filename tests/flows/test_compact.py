import os

import pyarrow.parquet as pq
import pytest

from flows.batch import run_batch
from flows.compact import compact
from flows.readers import list_dumps

PARAGRAPH = (
    "The harbour office published its yearly report on Monday, describing how the ferries, "
    "the fishing fleet and the new marina shared the water during a busy summer season."
)


def rows(folder):
    return [r for p in sorted(folder.glob("*.parquet")) for r in pq.read_table(p).to_pylist()]


@pytest.fixture
def out_with_two_versions(tmp_path):
    """Run 1 cleans three dumps (one of them empty: a reject); then two dumps change and
    run 2 cleans them again: the changed page and the once-empty page now have newer rows."""
    dumps = tmp_path / "in"
    dumps.mkdir()
    (dumps / "a.txt").write_text(f"{PARAGRAPH}\n")
    (dumps / "b.txt").write_text(f"{PARAGRAPH} Version one.\n")
    (dumps / "c.txt").write_text("")
    out = tmp_path / "out"
    run_batch(list_dumps([str(dumps)]), out, run_id="r1", batch_no=0, max_page_bytes=10**6)
    (dumps / "b.txt").write_text(f"{PARAGRAPH} Version two.\n")
    (dumps / "c.txt").write_text(f"{PARAGRAPH} Now it has text.\n")
    changed = [d for d in list_dumps([str(dumps)]) if d.source in {"b.txt", "c.txt"}]
    run_batch(changed, out, run_id="r2", batch_no=0, max_page_bytes=10**6)
    return out


def test_compaction_keeps_the_latest_version_of_every_page(out_with_two_versions):
    out = out_with_two_versions
    assert len(rows(out / "records")) == 4 and len(rows(out / "rejects")) == 1

    report = compact(out)

    records = {r["source"]: r for r in rows(out / "records")}
    assert sorted(records) == ["a.txt", "b.txt", "c.txt"]
    assert "Version two" in records["b.txt"]["text"]
    assert records["c.txt"]["run_id"] == "r2"
    assert rows(out / "rejects") == []  # c.txt's reject was superseded by its record
    assert (report.rows_before, report.rows_after) == (5, 3)
    assert (report.parts_before, report.parts_after) == (4, 2)  # an empty rejects part too


def test_compaction_splits_into_parts_of_bounded_size_and_removes_old_parts(
    out_with_two_versions,
):
    out = out_with_two_versions
    old = set(os.listdir(out / "records"))

    compact(out, rows_per_part=2)

    new = sorted((out / "records").glob("*.parquet"))
    assert [pq.read_metadata(p).num_rows for p in new] == [2, 1]
    assert not old & {p.name for p in new}
    assert not list((out / "records").glob(".*.tmp"))


def test_compacting_twice_changes_nothing(out_with_two_versions):
    out = out_with_two_versions
    compact(out)
    first = sorted((r["source"], r["text"]) for r in rows(out / "records"))

    report = compact(out)

    assert sorted((r["source"], r["text"]) for r in rows(out / "records")) == first
    assert report.rows_before == report.rows_after == 3


def test_compact_command_reports_and_refuses_a_folder_without_records(
    out_with_two_versions, tmp_path, capsys
):
    from flows.cli import main

    assert main(["compact", str(out_with_two_versions)]) == 0
    assert "5 rows -> 2 parts, 3 rows" in capsys.readouterr().out
    assert main(["compact", str(tmp_path / "nothing")]) == 2
    assert "no records" in capsys.readouterr().err
