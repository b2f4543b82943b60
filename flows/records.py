"""Parquet layout of the output: explicit schemas, row builders and an atomic part writer.

Prefect-free. Every batch writes exactly one records part and one rejects part, even when a part
has no rows: a valid zero-row file keeps the schema discoverable and keeps readers that fail on
an empty glob (DuckDB's `read_parquet('OUT/rejects/*.parquet')`) working on clean runs.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, Self

import pyarrow as pa
import pyarrow.parquet as pq
from htmldate.extractors import try_date_expr

from cleaners.document import Cleaned
from cleaners.patterns import count_words
from flows.readers import RawPage, Reject
from flows.storage import Location, location

SCHEMA_VERSION = 3
"""2: `published` a date (was a string), `source_url`, `word_count`, `dup_of` and
`dup_score` added, `url` the page's canonical URL when it declares one.
3: `input` (the dump file's ledger key) added to records and rejects, `doc_id` to rejects, and
`doc_id` made of `input` and `record` (it was `source` and `record`, so two inputs with the
same relative path shared one). `upgrade_record_row` and `upgrade_reject_row` bring older
rows up; `flows.migration` ties an older OUT's rows to their files."""
RECORDS_DIR = "records"
REJECTS_DIR = "rejects"
NEAR_DUP_DIR = "near_dup"
"""The near-duplicate index (`flows.dedup`); here so `remove_stale_parts` knows every folder
a killed run may leave temporary parts in, without importing `flows.dedup`."""
DEFAULT_ROW_GROUP_ROWS = 500
CHUNK_ROWS = 32
"""Rows wait as Python dicts until this many, then as an Arrow record batch until a row group
is written. A text dump's record holds hundreds of removed lines: as dicts about 150 KB, in
Arrow about 20 KB. Measured: a worker's peak over a 200-dump batch 230 -> 208 MiB, and the
conversion costs what one conversion per row group did."""

REMOVAL_TYPE = pa.struct(
    [
        pa.field("text", pa.string(), nullable=False),
        pa.field("cleaner", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        # How many kept paragraphs of `text` came before the removed block (see Removal.at).
        pa.field("at", pa.int32()),
    ]
)
# "element" is the item name Parquet's compliant list layout uses, so schemas survive a round trip.
REMOVED_TYPE = pa.list_(pa.field("element", REMOVAL_TYPE, nullable=False))
TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")

RECORD_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        # The dump file's absolute real path, or its URI (`DumpFile.key`): the page's identity.
        pa.field("input", pa.string(), nullable=False),
        pa.field("record", pa.int32(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("source_url", pa.string()),
        pa.field("format", pa.string(), nullable=False),
        pa.field("content_type", pa.string(), nullable=False),
        pa.field("extractor", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("author", pa.string()),
        pa.field("published", pa.date32()),
        pa.field("site", pa.string()),
        pa.field("language", pa.string()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("removed", REMOVED_TYPE, nullable=False),
        pa.field("raw_chars", pa.int64(), nullable=False),
        pa.field("text_chars", pa.int64(), nullable=False),
        pa.field("content_sha1", pa.string(), nullable=False),
        # The first-seen record whose text this one repeats (same or earlier run), and the
        # estimated Jaccard similarity of their word shingles (1.0: the same words).
        pa.field("dup_of", pa.string()),
        pa.field("dup_score", pa.float32()),
        pa.field("fetched", pa.string()),
        pa.field("encoding", pa.string()),
        # Other JSONL fields as the reader gives them: field name -> JSON-encoded value.
        pa.field("extra", pa.map_(pa.string(), pa.string()), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("processed_at", TIMESTAMP_TYPE, nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ]
)

REJECT_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("input", pa.string(), nullable=False),
        pa.field("record", pa.int32(), nullable=False),
        pa.field("format", pa.string()),  # unknown when the reader rejects the file itself
        pa.field("url", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("processed_at", TIMESTAMP_TYPE, nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ]
)

Row = dict[str, Any]

SOURCE_DELETED = "source_deleted"
"""Reject reason of a tombstone: a row saying that an input record is gone, because its file is
no longer among the inputs that would list it or the file no longer holds that record. It
carries the record's `doc_id` and a later `processed_at`, so it supersedes the record's earlier
rows in the latest view and in compaction. A tombstone is not an input: runs count it as
`deleted`, outside `inputs = records + rejects`."""

UNKNOWN_INPUT = ""
"""`input` of a row written before schema 3 that is not tied to its file: read from an OUT not
yet migrated, or kept by a migration that had no ledger to tie it with (`flows.migration`)."""


def doc_id(input_key: str, record: int) -> str:
    """Stable id of one input record: the same on every run, whatever root the file is listed
    under, and different for two files that share a relative path (`input_key`:
    `DumpFile.key`)."""
    return hashlib.sha1(f"{input_key}\0{record}".encode()).hexdigest()[:16]


def legacy_doc_id(source: str, record: int) -> str:
    """The id schema 1 and 2 gave a record, from its path relative to the input root: what an
    older OUT's `doc_id`, `dup_of` and near-duplicate index hold until it is migrated."""
    return hashlib.sha1(f"{source}\0{record}".encode()).hexdigest()[:16]


def record_row(
    page: RawPage, cleaned: Cleaned, *, input_key: str, run_id: str, processed_at: datetime
) -> Row:
    """One RECORD_SCHEMA row. `url` is the page's canonical URL when its metadata declares one,
    else the dump's (`source_url` keeps the dump's). `published` comes from the page's own
    metadata or a date line the cleaners moved out, never from the fetch time."""
    meta = cleaned.meta
    return {
        "doc_id": doc_id(input_key, page.record),
        "source": page.source,
        "input": input_key,
        "record": page.record,
        "url": meta.url or page.url,
        "source_url": page.url,
        "format": page.format,
        "content_type": page.content_type,
        "extractor": cleaned.extractor,
        "title": meta.title,
        "author": meta.author,
        "published": published_date(meta.published, processed_at),
        "site": meta.site,
        "language": meta.language,
        "text": cleaned.text,
        "word_count": count_words(cleaned.text),
        "removed": [
            {"text": r.block.text, "cleaner": r.cleaner, "reason": r.reason, "at": r.at}
            for r in cleaned.removed
        ],
        "raw_chars": len(page.content),
        "text_chars": len(cleaned.text),
        "content_sha1": hashlib.sha1(cleaned.text.encode()).hexdigest(),
        "dup_of": None,  # filled by flows.dedup once the run's earlier records are known
        "dup_score": None,
        "fetched": page.fetched,
        "encoding": page.encoding,
        "extra": dict(page.extra),
        "run_id": run_id,
        "processed_at": processed_at,
        "schema_version": SCHEMA_VERSION,
    }


EARLIEST_DATE = datetime(1995, 1, 1)


def published_date(text: str | None, processed_at: datetime) -> date | None:
    """The calendar date a metadata value or date line states ("2024-03-12", "12. März 2024",
    "Published: 03.05.2023"), read by htmldate; None when it states none, or one before 1995
    or after the day of processing."""
    if not text:
        return None
    latest = processed_at.replace(tzinfo=None) + timedelta(days=1)
    iso = try_date_expr(text, "%Y-%m-%d", False, EARLIEST_DATE, latest)
    return date.fromisoformat(iso) if iso else None


def upgrade_record_row(row: Row) -> Row:
    """A records row of an earlier schema version as the current version writes it (what
    compaction and migration do to old parts): version 1 had `published` as text and no
    `source_url` or `word_count`; before version 3 there was no `input` (UNKNOWN_INPUT until
    `flows.migration` ties the row to its file; `doc_id` stays the old one until then)."""
    version = row["schema_version"]
    if version >= SCHEMA_VERSION:
        return row
    upgraded = {**row, "input": UNKNOWN_INPUT, "schema_version": SCHEMA_VERSION}
    if version < 2:
        upgraded |= {
            "source_url": row["url"],
            "published": published_date(row["published"], row["processed_at"]),
            "word_count": count_words(row["text"]),
            "removed": [{**removal, "at": None} for removal in row["removed"]],
            "dup_of": None,
            "dup_score": None,
        }
    return {name: upgraded[name] for name in RECORD_SCHEMA.names}


def upgrade_reject_row(row: Row) -> Row:
    """A rejects row of an earlier schema version as the current version writes it: before
    version 3 it had no `doc_id` (it is the old one, from `source` and `record`) and no
    `input` (UNKNOWN_INPUT until `flows.migration` ties the row to its file)."""
    if row["schema_version"] >= SCHEMA_VERSION:
        return row
    upgraded = {
        **row,
        "doc_id": legacy_doc_id(row["source"], row["record"]),
        "input": UNKNOWN_INPUT,
        "schema_version": SCHEMA_VERSION,
    }
    return {name: upgraded[name] for name in REJECT_SCHEMA.names}


def reader_reject_row(
    reject: Reject, *, input_key: str, run_id: str, processed_at: datetime
) -> Row:
    """One REJECT_SCHEMA row for an input the reader could not turn into a page."""
    return {
        "doc_id": doc_id(input_key, reject.record),
        "source": reject.source,
        "input": input_key,
        "record": reject.record,
        "format": reject.format,
        "url": reject.url,
        "reason": reject.reason,
        "detail": reject.detail,
        "run_id": run_id,
        "processed_at": processed_at,
        "schema_version": SCHEMA_VERSION,
    }


def page_reject_row(
    page: RawPage,
    *,
    input_key: str,
    reason: str,
    detail: str,
    run_id: str,
    processed_at: datetime,
) -> Row:
    """One REJECT_SCHEMA row for a page that was read but yielded no record."""
    return {
        "doc_id": doc_id(input_key, page.record),
        "source": page.source,
        "input": input_key,
        "record": page.record,
        "format": page.format,
        "url": page.url,
        "reason": reason,
        "detail": detail,
        "run_id": run_id,
        "processed_at": processed_at,
        "schema_version": SCHEMA_VERSION,
    }


def tombstone_row(
    *,
    doc_id: str,
    source: str,
    input_key: str,
    record: int,
    detail: str,
    run_id: str,
    processed_at: datetime,
) -> Row:
    """One REJECT_SCHEMA row saying the record `doc_id` is gone (SOURCE_DELETED)."""
    return {
        "doc_id": doc_id,
        "source": source,
        "input": input_key,
        "record": record,
        "format": None,
        "url": None,
        "reason": SOURCE_DELETED,
        "detail": detail,
        "run_id": run_id,
        "processed_at": processed_at,
        "schema_version": SCHEMA_VERSION,
    }


def remove_stale_parts(out: str | Path | Location) -> int:
    """Delete the hidden temporary parts a killed run left behind; returns how many.

    Only safe while holding OUT's lock (`flows.lock`): then no other run is writing one."""
    base = out if isinstance(out, Location) else location(out)
    stale = [
        temp
        for folder in (base.child(RECORDS_DIR), base.child(REJECTS_DIR), base.child(NEAR_DUP_DIR))
        for temp in folder.files(".part-", ".tmp")
    ]
    for temp in stale:
        base.delete(temp)
    return len(stale)


UNWRITABLE_VALUE = "unwritable_value"


class UnwritableValue(ValueError):
    """A row holds text that Parquet cannot store (not valid Unicode: a lone surrogate). Raised
    by `PartWriter.write` before the row joins the part, so it is that row's problem alone:
    Arrow would fail the whole part when it converts the rows."""

    reason = UNWRITABLE_VALUE

    def __init__(self, column: str) -> None:
        super().__init__(f"column {column!r} holds text that is not valid Unicode")
        self.column = column


def unwritable_column(row: Mapping[str, Any]) -> str | None:
    """The first column of `row` holding a string that UTF-8 cannot encode, or None."""
    for name, value in row.items():
        if _has_unencodable_text(value):
            return name
    return None


def with_writable_text(row: Mapping[str, Any]) -> Row:
    """`row` with every string UTF-8 cannot encode written with backslash escapes ("\\ud800"):
    for the reject that says so, which must itself be writable."""
    return {name: _writable(value) for name, value in row.items()}


def _writable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_writable(k): _writable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_writable(item) for item in value]
    return value


def _has_unencodable_text(value: Any) -> bool:
    """A container is checked as its JSON text, which holds every string in it (lone
    surrogates included, with `ensure_ascii=False`): one pass in C over a record's removals
    instead of a Python call per string."""
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value, ensure_ascii=False, default=repr)
    if not isinstance(value, str) or value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def part_name(run_id: str, batch_no: int) -> str:
    return f"part-{run_id}-{batch_no:05d}.parquet"


class PartWriter:
    """Writes one Parquet part atomically: rows go to a hidden temporary file in the target
    folder (ignored by pyarrow.dataset and by `*.parquet` globs), flushed every
    `row_group_rows` rows and held in Arrow's compact form until then (`CHUNK_ROWS`) so memory
    stays flat, and the file is moved to its final name only when the `with` block exits
    cleanly. On an exception the temporary file is deleted.

    `folder` is a local path or a URI (`s3://bucket/prefix/records`, see `flows.storage`).
    """

    def __init__(
        self,
        folder: str | Path | Location,
        schema: pa.Schema,
        *,
        run_id: str,
        batch_no: int,
        row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    ) -> None:
        if not run_id or any(c in run_id for c in "/\\\0") or run_id.startswith("."):
            raise ValueError(f"run_id must be a plain file-name fragment, got {run_id!r}")
        if batch_no < 0:
            raise ValueError(f"batch_no must be >= 0, got {batch_no}")
        if row_group_rows < 1:
            raise ValueError(f"row_group_rows must be >= 1, got {row_group_rows}")
        folder = folder if isinstance(folder, Location) else location(folder)
        self._prepare(folder, schema, part_name(run_id, batch_no), row_group_rows)

    @classmethod
    def replacing(
        cls,
        part: str,
        folder: Location,
        schema: pa.Schema,
        *,
        row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    ) -> Self:
        """A writer whose part, once complete, takes the place of the existing part `part` (a
        path in `folder`) under its name: how a part is rewritten in place, by a migration or
        when the near-duplicate index forgets documents. Readers see the old part or the new
        one, never neither."""
        writer = cls.__new__(cls)
        writer._prepare(folder, schema, PurePosixPath(part).name, row_group_rows)
        return writer

    def _prepare(self, folder: Location, schema: pa.Schema, name: str, row_group_rows: int) -> None:
        self.schema = schema
        self.row_group_rows = row_group_rows
        self._folder = folder
        self.path = self._folder.child(name).path
        self.temp_path = self._folder.child(f".{name}.{uuid.uuid4().hex[:8]}.tmp").path
        self.rows_written = 0
        self._names = frozenset(schema.names)
        self._required = [f.name for f in schema if not f.nullable]
        self._rows: list[Row] = []
        self._chunks: list[pa.RecordBatch] = []
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> Self:
        filesystem = self._folder.filesystem
        filesystem.create_dir(self._folder.path, recursive=True)
        self._writer = pq.ParquetWriter(
            self.temp_path, self.schema, compression="zstd", filesystem=filesystem
        )
        return self

    def write(self, row: Mapping[str, Any]) -> None:
        if self._writer is None:
            raise RuntimeError("PartWriter.write called outside its `with` block")
        if row.keys() != self._names:
            raise ValueError(
                f"row columns differ from the schema: missing {sorted(self._names - row.keys())},"
                f" unexpected {sorted(row.keys() - self._names)}"
            )
        if (column := unwritable_column(row)) is not None:
            raise UnwritableValue(column)
        self._rows.append(dict(row))
        if len(self._rows) + sum(chunk.num_rows for chunk in self._chunks) >= self.row_group_rows:
            self._flush()
        elif len(self._rows) >= CHUNK_ROWS:
            self._chunk()

    def write_table(self, table: pa.Table) -> None:
        """Write a whole table of this part's schema (after the rows written so far), in row
        groups of `row_group_rows`: a part rewritten stays in Arrow's compact form."""
        if self._writer is None:
            raise RuntimeError("PartWriter.write_table called outside its `with` block")
        if not table.schema.equals(self.schema):
            raise ValueError(f"table schema differs from the part's: {table.schema}")
        self._flush()
        self._write(table)

    def _chunk(self) -> None:
        self._chunks.append(pa.RecordBatch.from_pylist(self._rows, schema=self.schema))
        self._rows.clear()

    def _flush(self) -> None:
        if self._rows:
            self._chunk()
        if not self._chunks:
            return
        self._write(pa.Table.from_batches(self._chunks, schema=self.schema))
        self._chunks.clear()

    def _write(self, table: pa.Table) -> None:
        # pyarrow does not enforce nullability; a null in a required column must not be written.
        for name in self._required:
            if table.column(name).null_count:
                raise ValueError(f"null in non-nullable column {name!r}")
        assert self._writer is not None
        self._writer.write_table(table, row_group_size=self.row_group_rows)
        self.rows_written += table.num_rows

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._writer is not None
        try:
            try:
                if exc is None:
                    self._flush()
            finally:
                self._writer.close()
            if exc is None:
                self._folder.filesystem.move(self.temp_path, self.path)
        finally:
            self._writer = None
            self._rows.clear()
            self._chunks.clear()
            self._folder.delete(self.temp_path)
