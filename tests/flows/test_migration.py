"""An OUT written before schema 3 (doc ids of relative paths, no `input`) is migrated once: every
row tied to its file through the ledger, what cannot be tied tombstoned, and a killed migration
safe to run again."""

import os
import shutil
import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from flow_samples import ARTICLE, OTHER

import flows.migration
from flows.batch import run_batch
from flows.compact import compact
from flows.dedup import load_index, mark_batch
from flows.ledger import Ledger
from flows.migration import migrate
from flows.readers import list_dumps
from flows.records import (
    RECORD_SCHEMA,
    REJECT_SCHEMA,
    SCHEMA_VERSION,
    UNKNOWN_INPUT,
    doc_id,
    legacy_doc_id,
)
from flows.storage import location

OLD_RECORD_SCHEMA = pa.schema([f for f in RECORD_SCHEMA if f.name != "input"])
OLD_REJECT_SCHEMA = pa.schema([f for f in REJECT_SCHEMA if f.name not in ("doc_id", "input")])
OLD_LEDGER = """
create table inputs (path text primary key, source text not null, size integer not null,
    mtime_ns integer not null, sha1 text not null, run_id text not null,
    recorded_at text not null);
create table runs (run_id text primary key, started_at text not null, finished_at text not null,
    files integer not null, unchanged integer not null, inputs integer not null,
    records integer not null, rejects integer not null, failed_batches integer not null);
"""
LATEST_RECORDS = """
    with latest as (
        select * from read_parquet('{out}/records/*.parquet')
        qualify row_number() over (partition by doc_id order by processed_at desc) = 1
    )
    select source, input, record, doc_id, text from latest
    anti join read_parquet('{out}/rejects/*.parquet') as later
        on later.doc_id = latest.doc_id and later.processed_at > latest.processed_at
    order by source, input, record
"""


def text_dump(folder: Path, name: str, paragraphs: list[str]) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(["Home | News", *paragraphs, "Share on Facebook"]) + "\n")
    return path


def jsonl(path: Path, lines: int) -> None:
    path.write_text(
        "".join(
            f'{{"url": "https://example.org/{n}", "text": "{ARTICLE[n % 3]} Line {n}."}}\n'
            for n in range(lines)
        )
    )


def run(inputs: list[Path], out: Path, run_id: str) -> None:
    """A run as the version before schema 3 made it (once `as_schema_2` rewrote OUT): every
    listed file cleaned, its duplicates marked, and entered in the ledger; no tombstones."""
    report = run_batch(
        list_dumps([str(path) for path in inputs]),
        out,
        run_id=run_id,
        batch_no=0,
        max_page_bytes=10**6,
    )
    base = location(out)
    index = load_index(base)
    mark_batch(base, index, report.signatures, run_id=run_id, batch_no=0, drop_duplicates=False)
    ledger = Ledger(out)
    ledger.record(report.fingerprints, run_id=run_id)
    ledger.close()


def as_schema_2(out: Path) -> None:
    """Rewrite OUT as schema 2 left it: doc ids (and `dup_of`, and the near-duplicate index) of
    relative paths, so two files of one relative path share theirs; no `input`; rejects
    without doc_id; and a ledger without record indices that knows of no migration."""
    legacy = {}
    for kind in ("records", "rejects"):
        for part in (out / kind).glob("part-*.parquet"):
            for row in pq.read_table(part).to_pylist():
                legacy[row["doc_id"]] = legacy_doc_id(row["source"], row["record"])
    for kind, schema in (("records", OLD_RECORD_SCHEMA), ("rejects", OLD_REJECT_SCHEMA)):
        for part in (out / kind).glob("part-*.parquet"):
            rows = pq.read_table(part).to_pylist()
            for row in rows:
                row["doc_id"] = legacy[row["doc_id"]]
                if row.get("dup_of"):
                    row["dup_of"] = legacy[row["dup_of"]]
                row["schema_version"] = 2
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), part)
    for part in (out / "near_dup").glob("part-*.parquet"):
        table = pq.read_table(part)
        rows, seen = [], set()
        for row in table.to_pylist():
            row["doc_id"] = legacy[row["doc_id"]]
            if row["doc_id"] not in seen:  # colliding files shared one entry
                seen.add(row["doc_id"])
                rows.append(row | {"schema_version": 2})
        pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), part)
    db = sqlite3.connect(out / "ledger.sqlite")
    inputs = db.execute(
        "select path, source, size, mtime_ns, sha1, run_id, recorded_at from inputs"
    )
    inputs = inputs.fetchall()
    db.close()
    (out / "ledger.sqlite").unlink()
    db = sqlite3.connect(out / "ledger.sqlite")
    db.executescript(OLD_LEDGER)
    db.executemany("insert into inputs values (?, ?, ?, ?, ?, ?, ?)", inputs)
    db.commit()
    db.close()


def latest_records(out: Path) -> list[tuple]:
    """The README's query: the latest row of each doc_id, where that row is a record."""
    return duckdb.sql(LATEST_RECORDS.format(out=out)).fetchall()


def migrated(out: Path, listed=()):
    ledger = Ledger(out)
    try:
        return migrate(location(out), ledger, listed), ledger.files(), ledger.schema_version
    finally:
        ledger.close()


def key(path: Path) -> str:
    return os.path.realpath(path)


@pytest.fixture
def old_out(tmp_path):
    """Schema 2's OUT of in/: a.txt, its copy, d.txt, an empty file (a reject)."""
    folder, out = tmp_path / "in", tmp_path / "out"
    text_dump(folder, "a.txt", ARTICLE)
    text_dump(folder, "copy.txt", [*ARTICLE, "A line this copy added."])
    text_dump(folder, "d.txt", OTHER)
    (folder / "empty.txt").write_text("")
    run([folder], out, "r1")
    as_schema_2(out)
    return folder, out


def test_rows_are_tied_to_their_files_once_and_a_changed_file_then_supersedes_them(old_out):
    folder, out = old_out

    report, files, version = migrated(out)

    assert (report.parts, report.rows, report.untied_pages, report.stale_pages) == (3, 4, 0, 0)
    assert version == SCHEMA_VERSION
    assert {file.path: file.records for file in files} == {
        key(folder / name): (0,) for name in ("a.txt", "copy.txt", "d.txt", "empty.txt")
    }
    records = {row["source"]: row for row in pq.read_table(out / "records").to_pylist()}
    for name, row in records.items():
        assert (row["input"], row["doc_id"]) == (key(folder / name), doc_id(key(folder / name), 0))
        assert row["schema_version"] == SCHEMA_VERSION
    assert records["copy.txt"]["dup_of"] == records["a.txt"]["doc_id"]
    [reject] = pq.read_table(out / "rejects").to_pylist()
    assert (reject["input"], reject["doc_id"]) == (
        key(folder / "empty.txt"),
        doc_id(key(folder / "empty.txt"), 0),
    )
    index = load_index(location(out))
    assert records["a.txt"]["doc_id"] in index and records["d.txt"]["doc_id"] in index
    assert migrated(out)[0] is None  # once

    text_dump(folder, "a.txt", [*ARTICLE[:2], "The festival was moved to July."])
    run([folder / "a.txt"], out, "r2")

    latest = latest_records(out)
    assert [row[0] for row in latest] == ["a.txt", "copy.txt", "d.txt"]
    assert "moved to July" in latest[0][4]


def test_records_a_shrunk_file_no_longer_holds_are_tombstoned(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    jsonl(folder / "crawl.jsonl", 4)
    run([folder], out, "r1")
    jsonl(folder / "crawl.jsonl", 2)
    run([folder], out, "r2")  # schema 2 kept lines 2 and 3 of the first version
    as_schema_2(out)

    report, files, _ = migrated(out)

    assert report.stale_pages == 2
    assert [row[2] for row in latest_records(out)] == [0, 1]
    assert [file.records for file in files] == [(0, 1)]


def test_two_inputs_that_shared_a_relative_path_are_tombstoned_and_cleaned_again(tmp_path):
    out = tmp_path / "out"
    a = text_dump(tmp_path / "site-a", "page.txt", ARTICLE)
    b = text_dump(tmp_path / "site-b", "page.txt", OTHER)
    run([tmp_path / "site-a", tmp_path / "site-b"], out, "r1")
    as_schema_2(out)
    ids = duckdb.sql(f"select distinct doc_id from read_parquet('{out}/records/*.parquet')")
    assert len(ids.fetchall()) == 1  # the collision: one page hid the other

    report, files, _ = migrated(out)

    assert (report.untied_sources, report.untied_pages, report.forgotten_files) == (
        ("page.txt",),
        1,
        2,
    )
    assert report.tombstoned_untied and files == []
    assert latest_records(out) == []
    ledger = Ledger(out)
    todo, _ = ledger.plan(list_dumps([str(a.parent), str(b.parent)]))
    ledger.close()
    run([dump.path for dump in todo], out, "r2")
    latest = latest_records(out)
    assert [(source, input_key) for source, input_key, *_ in latest] == [
        ("page.txt", key(a)),
        ("page.txt", key(b)),
    ]


@pytest.mark.parametrize("killed_in", ["_rewrite_part", "rewrite_index_parts"])
def test_a_migration_killed_midway_runs_again_to_the_same_result(tmp_path, monkeypatch, killed_in):
    folder = tmp_path / "in"
    text_dump(folder, "a.txt", ARTICLE)
    text_dump(folder, "d.txt", OTHER)
    jsonl(folder / "crawl.jsonl", 3)
    (folder / "empty.txt").write_text("")
    out, killed = tmp_path / "out", tmp_path / "killed"
    run([folder], out, "r1")
    jsonl(folder / "crawl.jsonl", 2)
    text_dump(folder, "d.txt", [*OTHER, "Doors open at seven."])
    run([folder], out, "r2")
    as_schema_2(out)
    shutil.copytree(out, killed)
    migrated(out)

    real = getattr(flows.migration, killed_in)
    calls = []

    def dies_on_second_call(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2 or killed_in == "rewrite_index_parts":
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(flows.migration, killed_in, dies_on_second_call)
    with pytest.raises(KeyboardInterrupt):
        migrated(killed)
    monkeypatch.setattr(flows.migration, killed_in, real)
    ledger = Ledger(killed)
    assert ledger.schema_version == 0  # the ledger is updated last
    ledger.close()
    migrated(killed)

    assert latest_records(killed) == latest_records(out)
    assert len(latest_records(out)) == 4  # a.txt, d.txt's new version, crawl lines 0 and 1
    assert load_index(location(killed)).to_columns() == load_index(location(out)).to_columns()
    assert [f.records for f in migrated(killed)[1]] == [f.records for f in migrated(out)[1]]


def test_without_a_ledger_rows_keep_their_identity_unless_the_listing_ties_them(old_out):
    folder, out = old_out
    (out / "ledger.sqlite").unlink()  # a remote OUT cleaned from another machine
    listed_out = out.parent / "listed"
    shutil.copytree(out, listed_out)

    report, _, _ = migrated(out)

    assert (report.untied_pages, report.tombstoned_untied) == (4, False)
    rows = pq.read_table(out / "records").to_pylist()
    assert {(row["input"], row["doc_id"]) for row in rows} == {
        (UNKNOWN_INPUT, legacy_doc_id(name, 0)) for name in ("a.txt", "copy.txt", "d.txt")
    }
    assert len(latest_records(out)) == 3

    report, _, _ = migrated(listed_out, list_dumps([str(folder)]))

    assert report.untied_pages == 0
    inputs = {row["input"] for row in pq.read_table(listed_out / "records").to_pylist()}
    assert inputs == {key(folder / name) for name in ("a.txt", "copy.txt", "d.txt")}


def test_compaction_migrates_an_old_out_first(old_out):
    _, out = old_out

    report = compact(out)

    assert report.migrated is not None and report.migrated.rows == 4
    assert report.rows_after == 4
    for kind in ("records", "rejects"):
        assert pq.read_table(out / kind).column("schema_version").to_pylist() == (
            [SCHEMA_VERSION] * pq.read_metadata(next((out / kind).glob("*.parquet"))).num_rows
        )
    assert len(latest_records(out)) == 3


def test_the_next_clean_migrates_first_and_its_changed_file_supersedes_the_old_rows(
    prefect_harness, old_out
):
    from flows.config import CleanParams
    from flows.pipeline import clean_dumps
    from flows.summary import summary_line

    folder, out = old_out
    text_dump(folder, "a.txt", [*ARTICLE[:2], "The festival was moved to July."])

    summary = clean_dumps(CleanParams(inputs=[str(folder)], out=str(out), workers=1, run_id="r2"))

    assert summary.migrated is not None and summary.migrated.rows == 4
    assert "migrated to schema 3: 3 parts, 4 rows" in summary_line(summary)
    assert (summary.unchanged, summary.report.records, summary.report.deleted) == (3, 1, 0)
    latest = latest_records(out)
    assert [row[0] for row in latest] == ["a.txt", "copy.txt", "d.txt"]
    assert "moved to July" in latest[0][4]
