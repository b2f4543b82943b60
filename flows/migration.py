"""Bring an OUT written before schema 3 up to it: once, at the start of the next clean or
compaction, holding OUT's lock. Prefect-free.

Before schema 3 a page was named by `source` (its dump's path relative to the input root) and
`record`: two inputs with the same relative path (`site-a/page.txt`, `site-b/page.txt`)
shared one `doc_id`, and one file cleaned under two roots had two. Schema 3 names it by its
file's ledger key (`input`, `DumpFile.key`) and `record`. The ledger's `inputs` table holds
each key with the `source` it was last cleaned under, and through it every older row is tied
to its file:

- A source that exactly one ledger file has: its rows get that file's `input` and new
  `doc_id`, and `dup_of` and the near-duplicate index follow. Records that the file's latest
  version no longer holds (lines of a JSONL file that shrank) get a tombstone
  (`source_deleted`), and the ledger learns the latest version's record indices.
- A source that no ledger file has (a run killed before its ledger update, a file since
  cleaned under another root, an unreadable file) or several (the collision itself): its rows
  cannot be tied to one file. They keep their old `doc_id`, get `input` "" and a tombstone,
  and the ledger forgets the colliding files. A file that still exists is cleaned again, under
  its own identity, by the next run that lists it, like the file of a killed run.
- With no ledger at all (a remote OUT written from another machine) nothing can be told:
  with a clean's listing, a source that exactly one listed file has is tied to it, and every
  other row keeps its old identity, without a tombstone.

Each part is rewritten in place under its own name (`PartWriter.replacing`), so readers see
one version of it or the other. The tombstones go to one part of a fixed name, which a rerun
replaces. The ledger is updated last, setting its `user_version`: a migration killed at any
point leaves the ledger as it was and runs again next time, reading the parts it already
migrated (their rows keep `source` and `record`, and carry `input`) to make the same
decisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from flows.dedup import rewrite_index_parts
from flows.ledger import Ledger
from flows.readers import DumpFile
from flows.records import (
    DEFAULT_ROW_GROUP_ROWS,
    RECORD_SCHEMA,
    RECORDS_DIR,
    REJECT_SCHEMA,
    REJECTS_DIR,
    SCHEMA_VERSION,
    UNKNOWN_INPUT,
    PartWriter,
    Row,
    doc_id,
    legacy_doc_id,
    part_name,
    tombstone_row,
    upgrade_record_row,
    upgrade_reject_row,
)
from flows.storage import Location
from flows.terminal import printable

MIGRATION_RUN_ID = f"schema-{SCHEMA_VERSION}-migration"
"""`run_id` of the tombstones a migration writes, and of their part's name."""
BATCH_FAILED = "batch_failed"
"""A failed batch's reject stands for a file none of whose records were written: it says
nothing about which records the file's latest version holds."""
LISTED_SOURCES = 5


@dataclass(frozen=True)
class MigrationReport:
    """What a migration did, for the run summary."""

    parts: int
    """Parts rewritten: records, rejects and near-duplicate index."""
    rows: int
    """Rows of the older schema in the records and rejects parts."""
    untied_pages: int
    """Pages (source, record) whose rows could not be tied to a single input file."""
    untied_sources: tuple[str, ...]
    """Their sources, sorted."""
    tombstoned_untied: bool
    """Whether those pages got tombstones (False: there was no ledger to tell by)."""
    stale_pages: int
    """Records no longer in their file's latest version, tombstoned."""
    forgotten_files: int
    """Ledger entries dropped because several files had one source."""


def migration_line(report: MigrationReport) -> str:
    """The migration in one line, for the run summary and `winnow compact`."""
    line = f"migrated to schema {SCHEMA_VERSION}: {report.parts} parts, {report.rows} rows"
    if report.untied_pages:
        # printable: the line also reaches the terminal through Prefect's log handler
        shown = ", ".join(printable(source) for source in report.untied_sources[:LISTED_SOURCES])
        more = len(report.untied_sources) - LISTED_SOURCES
        shown += f" and {more} more" if more > 0 else ""
        outcome = (
            "tombstoned; the next run that lists their files cleans them again"
            if report.tombstoned_untied
            else "kept with their old doc_id and an empty input (no ledger to tie them with)"
        )
        line += (
            f"; {report.untied_pages} pages not tied to a single input file (sources: {shown})"
            f" {outcome}"
        )
    if report.forgotten_files:
        line += f"; {report.forgotten_files} files that shared a source to be cleaned again"
    if report.stale_pages:
        line += f"; {report.stale_pages} records no longer in their files tombstoned"
    return line


@dataclass
class _Versions:
    """The rows of one input file, or of one source not yet tied to a file: the record indices
    each run wrote, and each run's newest `processed_at` (batch failures left out)."""

    source: str
    indices: dict[str, set[int]] = field(default_factory=dict)
    newest: dict[str, datetime] = field(default_factory=dict)

    def add(self, record: int, run_id: str, processed_at: datetime, failed: bool) -> None:
        self.indices.setdefault(run_id, set()).add(record)
        if not failed and (run_id not in self.newest or processed_at > self.newest[run_id]):
            self.newest[run_id] = processed_at

    def merge(self, other: _Versions) -> None:
        for run_id, indices in other.indices.items():
            self.indices.setdefault(run_id, set()).update(indices)
        for run_id, processed_at in other.newest.items():
            self.newest[run_id] = max(processed_at, self.newest.get(run_id, processed_at))

    def every_index(self) -> set[int]:
        return set().union(*self.indices.values())

    def latest_indices(self) -> set[int]:
        """The records of the file's latest version: those of the run that wrote its newest
        rows (all of them when every row is a batch failure)."""
        if not self.newest:
            return self.every_index()
        return self.indices[max(self.newest, key=self.newest.__getitem__)]


@dataclass
class _Scan:
    by_source: dict[str, _Versions] = field(default_factory=dict)
    """Rows not yet tied to a file, by source."""
    by_input: dict[str, _Versions] = field(default_factory=dict)
    """Rows that name their file (`input`: a part already migrated), by file."""
    new_ids: dict[str, str] = field(default_factory=dict)
    """Old doc_id -> new one: of the rows already migrated, then of every row tied."""
    old_parts: list[tuple[str, str]] = field(default_factory=list)
    """(kind, part) of the records and rejects parts of an older schema."""
    old_rows: int = 0


def migrate(
    out: Location, ledger: Ledger, listed: Sequence[DumpFile] = ()
) -> MigrationReport | None:
    """Migrate OUT if its ledger says it is older than SCHEMA_VERSION (module doc); None when
    there was nothing to migrate. `listed`: the clean's dump files, used only when the ledger
    holds no file."""
    if ledger.schema_version >= SCHEMA_VERSION:
        return None
    files = ledger.files()
    keys_of_source: dict[str, list[str]] = {}
    for ledger_file in files:
        keys_of_source.setdefault(ledger_file.source, []).append(ledger_file.path)
    if not files:
        for dump in listed:
            keys_of_source.setdefault(dump.source, []).append(dump.key)
    scan = _scan(out)
    tied: dict[str, str] = {}
    untied: dict[str, _Versions] = {}
    colliding: list[str] = []
    for source, versions in scan.by_source.items():
        keys = keys_of_source.get(source, [])
        if len(keys) == 1:
            tied[source] = keys[0]
            scan.by_input.setdefault(keys[0], _Versions(source)).merge(versions)
            for record in versions.every_index():
                scan.new_ids[legacy_doc_id(source, record)] = doc_id(keys[0], record)
        else:
            untied[source] = versions
            colliding += keys
    now = datetime.now(UTC)
    # Without a ledger every row is untied, and nothing says which files OUT still holds.
    untied_tombstones = _untied_tombstones(untied, keys_of_source, now) if files else []
    stale_tombstones = _stale_tombstones(scan.by_input, now)
    tombstones = untied_tombstones + stale_tombstones
    if tombstones:
        with PartWriter(
            out.child(REJECTS_DIR), REJECT_SCHEMA, run_id=MIGRATION_RUN_ID, batch_no=0
        ) as part:
            part.write_table(pa.Table.from_pylist(tombstones, schema=REJECT_SCHEMA))
    for kind, part in scan.old_parts:
        _rewrite_part(out.child(kind), kind, part, tied, scan.new_ids)
    tombstoned = {row["doc_id"] for row in tombstones}

    def renamed(old: str) -> str | None:
        new = scan.new_ids.get(old, old)
        return None if new in tombstoned else new

    index_parts = rewrite_index_parts(out, renamed, older_only=True)
    known = {ledger_file.path for ledger_file in files}
    ledger.set_records(
        {path: set() for path in known}
        | {key: v.latest_indices() for key, v in scan.by_input.items() if key in known}
    )
    ledger.forget(colliding)
    ledger.mark_migrated(SCHEMA_VERSION)
    if not (scan.old_parts or index_parts or tombstones):
        return None
    return MigrationReport(
        parts=len(scan.old_parts) + index_parts,
        rows=scan.old_rows,
        untied_pages=sum(len(versions.every_index()) for versions in untied.values()),
        untied_sources=tuple(sorted(untied)),
        tombstoned_untied=bool(files),
        stale_pages=len(stale_tombstones),
        forgotten_files=len(colliding),
    )


def _scan(out: Location) -> _Scan:
    """Read the key columns of every records and rejects part (not the tombstones of an
    earlier, killed migration: they are written again)."""
    scan = _Scan()
    ours = part_name(MIGRATION_RUN_ID, 0)
    for kind in (RECORDS_DIR, REJECTS_DIR):
        for part in out.child(kind).files("part-", ".parquet"):
            if part.endswith("/" + ours):
                continue
            present = pq.read_schema(part, filesystem=out.filesystem).names
            wanted = ["source", "record", "run_id", "processed_at", "input", "doc_id", "reason"]
            table = pq.read_table(
                part,
                columns=[name for name in wanted if name in present],
                filesystem=out.filesystem,
            )
            if "input" not in present:
                scan.old_parts.append((kind, part))
                scan.old_rows += table.num_rows
            for row in table.to_pylist():
                _note(scan, row)
    return scan


def _note(scan: _Scan, row: Row) -> None:
    source, record = row["source"], row["record"]
    key = row.get("input", UNKNOWN_INPUT)
    if key == UNKNOWN_INPUT:
        versions = scan.by_source.setdefault(source, _Versions(source))
    else:
        versions = scan.by_input.setdefault(key, _Versions(source))
        scan.new_ids[legacy_doc_id(source, record)] = row["doc_id"]
    failed = row.get("reason") == BATCH_FAILED
    versions.add(record, row["run_id"], row["processed_at"], failed)


def _untied_tombstones(
    untied: dict[str, _Versions], keys_of_source: dict[str, list[str]], now: datetime
) -> list[Row]:
    rows = []
    for source, versions in sorted(untied.items()):
        files = len(keys_of_source.get(source, []))
        why = (
            f"{files} files in the ledger have source {source!r}: their rows cannot be told apart"
            if files
            else f"no file in the ledger has source {source!r}"
        )
        detail = (
            f"schema {SCHEMA_VERSION} migration: {why}; the next run that lists its file"
            " cleans it again"
        )
        rows += [
            tombstone_row(
                doc_id=legacy_doc_id(source, record),
                source=source,
                input_key=UNKNOWN_INPUT,
                record=record,
                detail=detail,
                run_id=MIGRATION_RUN_ID,
                processed_at=now,
            )
            for record in sorted(versions.every_index())
        ]
    return rows


def _stale_tombstones(by_input: dict[str, _Versions], now: datetime) -> list[Row]:
    rows = []
    for key, versions in sorted(by_input.items()):
        latest = versions.latest_indices()
        detail = (
            f"schema {SCHEMA_VERSION} migration: the file's latest version has"
            f" {len(latest)} records, and not this one"
        )
        rows += [
            tombstone_row(
                doc_id=doc_id(key, record),
                source=versions.source,
                input_key=key,
                record=record,
                detail=detail,
                run_id=MIGRATION_RUN_ID,
                processed_at=now,
            )
            for record in sorted(versions.every_index() - latest)
        ]
    return rows


def _rewrite_part(
    folder: Location, kind: str, part: str, tied: dict[str, str], new_ids: dict[str, str]
) -> None:
    """One records or rejects part of an older schema, in the current one, row group by row
    group, its rows tied to their files."""
    schema, upgrade = (
        (RECORD_SCHEMA, upgrade_record_row)
        if kind == RECORDS_DIR
        else (REJECT_SCHEMA, upgrade_reject_row)
    )
    parquet = pq.ParquetFile(part, filesystem=folder.filesystem)
    with PartWriter.replacing(part, folder, schema) as writer:
        for batch in parquet.iter_batches(batch_size=DEFAULT_ROW_GROUP_ROWS):
            rows = _tied(map(upgrade, batch.to_pylist()), tied, new_ids)
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))


def _tied(rows: Iterable[Row], tied: dict[str, str], new_ids: dict[str, str]) -> list[Row]:
    result = []
    for row in rows:
        key = tied.get(row["source"])
        if key is not None:
            row = {**row, "input": key, "doc_id": doc_id(key, row["record"])}
        if row.get("dup_of") is not None:
            row = {**row, "dup_of": new_ids.get(row["dup_of"], row["dup_of"])}
        result.append(row)
    return result
