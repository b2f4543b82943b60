"""Merge an output folder's many small parts into few, keeping the latest version of each page.

Incremental runs add a part per batch, and a changed dump adds a second version of its pages.
`compact` keeps, for every page (`source`, `record`), only its newest row across records and
rejects (a page rejected once and cleaned after its dump changed keeps only the record), and
rewrites the survivors into parts of at most `rows_per_part` rows. Two passes keep memory to
the page keys and one part's rows: the first reads only the key columns, the second streams
row groups. New parts are
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

from flows.records import (
    RECORD_SCHEMA,
    RECORDS_DIR,
    REJECT_SCHEMA,
    REJECTS_DIR,
    PartWriter,
    upgrade_record_row,
)
from flows.storage import Location, location

DEFAULT_ROWS_PER_PART = 100_000
KEY_COLUMNS = ["source", "record", "processed_at"]


@dataclass(frozen=True)
class CompactReport:
    parts_before: int
    parts_after: int
    rows_before: int
    rows_after: int


def compacted_line(out: str, report: CompactReport) -> str:
    return (
        f"compacted {out}: {report.parts_before} parts, {report.rows_before} rows ->"
        f" {report.parts_after} parts, {report.rows_after} rows (latest version of each page)"
    )


def compact(out: str | Path, *, rows_per_part: int = DEFAULT_ROWS_PER_PART) -> CompactReport:
    if rows_per_part < 1:
        raise ValueError("rows_per_part must be at least 1")
    base = location(out)
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
    )


@dataclass(frozen=True, slots=True)
class Version:
    """Where a page's newest version is: a records or rejects part, and its row in it."""

    processed_at: datetime
    kind: str  # RECORDS_DIR or REJECTS_DIR
    part: str
    row: int


def newest_versions(base: Location) -> tuple[dict[tuple[str, int], Version], int]:
    """The newest version of every page, (source, record), across OUT's records and rejects,
    and how many rows were read: the latest `processed_at` wins, a record on a tie. The one
    rule for "the latest version of a page" (compaction, `winnow inspect`)."""
    newest: dict[tuple[str, int], Version] = {}
    rows = 0
    for kind in (REJECTS_DIR, RECORDS_DIR):  # on a timestamp tie the record wins
        for part in base.child(kind).files("part-", ".parquet"):
            table = pq.read_table(part, columns=KEY_COLUMNS, filesystem=base.filesystem)
            rows += table.num_rows
            columns = (table.column(name).to_pylist() for name in KEY_COLUMNS)
            for row, (source, record, processed_at) in enumerate(zip(*columns, strict=True)):
                key = (source, record)
                if key not in newest or processed_at >= newest[key].processed_at:
                    newest[key] = Version(processed_at, kind, part, row)
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
    if schema is RECORD_SCHEMA:
        rows = map(upgrade_record_row, rows)
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
