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


def test_two_inputs_with_one_relative_path_both_survive_compaction(tmp_path):
    sites = [tmp_path / "site-a", tmp_path / "site-b"]
    for site in sites:
        site.mkdir()
        (site / "page.txt").write_text(f"{PARAGRAPH} From {site.name}.\n")
    out = tmp_path / "out"
    run_batch(list_dumps(map(str, sites)), out, run_id="r1", batch_no=0, max_page_bytes=10**6)

    compact(out)

    kept = sorted((r["source"], r["input"], r["text"].split()[-1]) for r in rows(out / "records"))
    assert kept == [
        ("page.txt", os.path.realpath(site / "page.txt"), f"{site.name}.") for site in sites
    ]


def test_a_tombstone_goes_on_superseding_its_record_after_compaction(tmp_path):
    """A JSONL file shrinks from 3 lines to 1: lines 1 and 2 get tombstones."""
    dumps, out = tmp_path / "in", tmp_path / "out"
    dumps.mkdir()
    crawl = dumps / "crawl.jsonl"
    line = '{{"url": "https://example.org/{0}", "text": "{1} Line {0}."}}\n'
    crawl.write_text("".join(line.format(n, PARAGRAPH) for n in range(3)))
    first = run_batch(list_dumps([str(dumps)]), out, run_id="r1", batch_no=0, max_page_bytes=10**6)
    crawl.write_text(line.format(0, PARAGRAPH))
    (version,) = first.fingerprints
    second = run_batch(
        list_dumps([str(dumps)]),
        out,
        run_id="r2",
        batch_no=0,
        max_page_bytes=10**6,
        previous_records={version.path: version.records},
    )
    assert (second.deleted, second.inputs, second.records + second.rejects) == (2, 1, 1)

    compact(out)
    compact(out)

    assert [(r["record"], r["run_id"]) for r in rows(out / "records")] == [(0, "r2")]
    tombstones = sorted((r["record"], r["reason"]) for r in rows(out / "rejects"))
    assert tombstones == [(1, "source_deleted"), (2, "source_deleted")]
