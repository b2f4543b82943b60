"""Merge an output folder's many small parts into few, keeping the latest version of each page.

Incremental runs add a part per batch, and a changed dump adds a second version of its pages.
`compact` keeps, for every page (`doc_id`), only its newest row across records and rejects (a
page rejected once and cleaned after its dump changed keeps only the record; a record whose
input is gone keeps only its tombstone, which goes on superseding it), and rewrites the
survivors into parts of at most `rows_per_part` rows. An OUT written before schema 3 is
migrated first (`flows.migration`). Two passes keep memory to the page keys and one part's
rows: the first reads only the key columns, the second streams row groups. New parts are
renamed into place before the old ones are deleted, so readers of the latest-version view see
the same pages at every moment; a crash in between leaves duplicates that the next compaction
removes. Prefect-free; run it holding OUT's lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from flows.ledger import Ledger
from flows.migration import MigrationReport, migrate, migration_line
from flows.records import (
    RECORD_SCHEMA,
    RECORDS_DIR,
    REJECT_SCHEMA,
    REJECTS_DIR,
    PartWriter,
    legacy_doc_id,
    upgrade_record_row,
    upgrade_reject_row,
)
from flows.storage import Location, location

DEFAULT_ROWS_PER_PART = 100_000
KEY_COLUMNS = ["doc_id", "source", "record", "processed_at"]


@dataclass(frozen=True)
class CompactReport:
    parts_before: int
    parts_after: int
    rows_before: int
    rows_after: int
    migrated: MigrationReport | None = None
    """Set when OUT was written before schema 3 and migrated first."""


def compacted_line(out: str, report: CompactReport) -> str:
    line = (
        f"compacted {out}: {report.parts_before} parts, {report.rows_before} rows ->"
        f" {report.parts_after} parts, {report.rows_after} rows (latest version of each page)"
    )
    if report.migrated:
        line += f"; {migration_line(report.migrated)}"
    return line


def compact(out: str | Path, *, rows_per_part: int = DEFAULT_ROWS_PER_PART) -> CompactReport:
    if rows_per_part < 1:
        raise ValueError("rows_per_part must be at least 1")
    base = location(out)
    ledger = Ledger(base.state_dir())
    try:
        migrated = migrate(base, ledger)
    finally:
        ledger.close()
    folders = {"records": base.child(RECORDS_DIR), "rejects": base.child(REJECTS_DIR)}
    parts = {kind: folder.files("part-", ".parquet") for kind, folder in folders.items()}
    newest, rows_before = newest_versions(base)
    part_numbers = {part: n for kind_parts in parts.values() for n, part in enumerate(kind_parts)}
    winners: dict[str, set[tuple[int, int]]] = {"records": set(), "rejects": set()}
    for version in newest.values():
        winners[version.kind].add((part_numbers[version.part], version.row))
    run_id = "compact-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    rows_after = parts_after = 0
    for kind, schema in (("records", RECORD_SCHEMA), ("rejects", REJECT_SCHEMA)):
        written, files = _rewrite(
            parts[kind], winners[kind], folders[kind], schema, run_id, rows_per_part
        )
        rows_after += written
        parts_after += files
    for old in parts["records"] + parts["rejects"]:
        base.delete(old)
    return CompactReport(
        parts_before=len(parts["records"]) + len(parts["rejects"]),
        parts_after=parts_after,
        rows_before=rows_before,
        rows_after=rows_after,
        migrated=migrated,
    )


@dataclass(frozen=True, slots=True)
class Version:
    """Where a page's newest version is: a records or rejects part, and its row in it."""

    processed_at: datetime
    kind: str  # RECORDS_DIR or REJECTS_DIR
    part: str
    row: int
    source: str
    record: int


def newest_versions(base: Location) -> tuple[dict[str, Version], int]:
    """The newest version of every page, by `doc_id`, across OUT's records and rejects, and
    how many rows were read: the latest `processed_at` wins, a record on a tie. The one rule
    for "the latest version of a page" (compaction, `winnow inspect`, `winnow report`). A
    rejects part written before schema 3 has no `doc_id`: it is the old one, from `source`
    and `record`, as in the records of its time."""
    newest: dict[str, Version] = {}
    rows = 0
    for kind in (REJECTS_DIR, RECORDS_DIR):  # on a timestamp tie the record wins
        for part in base.child(kind).files("part-", ".parquet"):
            present = pq.read_schema(part, filesystem=base.filesystem).names
            columns = [name for name in KEY_COLUMNS if name in present]
            table = pq.read_table(part, columns=columns, filesystem=base.filesystem)
            rows += table.num_rows
            sources = table.column("source").to_pylist()
            records = table.column("record").to_pylist()
            doc_ids = (
                table.column("doc_id").to_pylist()
                if "doc_id" in present
                else [legacy_doc_id(s, r) for s, r in zip(sources, records, strict=True)]
            )
            stamps = table.column("processed_at").to_pylist()
            keys = zip(doc_ids, stamps, sources, records, strict=True)
            for row, (doc_id, processed_at, source, record) in enumerate(keys):
                if doc_id not in newest or processed_at >= newest[doc_id].processed_at:
                    newest[doc_id] = Version(processed_at, kind, part, row, source, record)
    return newest, rows


def _rewrite(
    parts: list[str],
    keep: set[tuple[int, int]],
    folder: Location,
    schema: pa.Schema,
    run_id: str,
    rows_per_part: int,
) -> tuple[int, int]:
    """Stream the kept rows into new parts of at most `rows_per_part` rows each."""
    rows = _kept_rows(folder.filesystem, parts, keep)
    rows = map(upgrade_record_row if schema is RECORD_SCHEMA else upgrade_reject_row, rows)
    written = files = 0
    if (first := next(rows, None)) is None:
        with PartWriter(folder, schema, run_id=run_id, batch_no=0):
            pass  # an empty part keeps `*.parquet` globs readable, as runs do
        return 0, 1
    rows = chain([first], rows)
    while (first := next(rows, None)) is not None:
        with PartWriter(folder, schema, run_id=run_id, batch_no=files) as part:
            part.write(first)
            for row in islice(rows, rows_per_part - 1):
                part.write(row)
        written += part.rows_written
        files += 1
    return written, files


def _kept_rows(
    filesystem: pafs.FileSystem, parts: list[str], keep: set[tuple[int, int]]
) -> Iterator[dict]:
    for part_no, part in enumerate(parts):
        offset = 0
        for batch in pq.ParquetFile(part, filesystem=filesystem).iter_batches():
            mask = pa.array([(part_no, offset + i) in keep for i in range(batch.num_rows)])
            offset += batch.num_rows
            yield from batch.filter(mask).to_pylist()
