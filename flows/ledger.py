"""Which dump files OUT already holds, so a rerun cleans only what is new or changed.

The ledger is a SQLite file, `OUT/ledger.sqlite` (outside `records/` and `rejects/`, so Parquet
readers never see it). A file's row is written only after its batch's Parquet parts are renamed
into place: a run killed before that leaves the file unrecorded, and the next run cleans it
again. Its records then appear twice, under two run ids; the later `processed_at` is the
version to read (README: "latest version of each page"). Prefect-free; one writer at a time
(the run holds OUT's lock, `flows.lock`).
"""

from __future__ import annotations

import glob
import hashlib
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import takewhile
from pathlib import Path, PurePosixPath

import pyarrow.fs as pafs

from flows.readers import DumpFile, glob_lists, is_dump_name
from flows.state_files import refuse_unsafe_state_file
from flows.storage import is_uri, location

LEDGER_NAME = "ledger.sqlite"
HASH_CHUNK = 1 << 20
UNREAD_SIZE = -1
"""`size` of a file that could not be read: no file has it, so every run tries the file again,
and the ledger still knows the rows OUT holds for it (its reject)."""
_SCHEMA = """
create table if not exists inputs (
    path text primary key,      -- the file's key (`DumpFile.key`), as in the rows' `input`
    source text not null,       -- as in the records' `source` column
    size integer not null,      -- UNREAD_SIZE for a file that could not be read
    mtime_ns integer not null,
    sha1 text not null,         -- of the file's bytes
    run_id text not null,       -- the run whose records hold this file's current version
    recorded_at text not null,
    records text                -- its record indices, "0-4,6" (null: not known)
);
create table if not exists runs (
    run_id text primary key,
    started_at text not null,
    finished_at text not null,
    files integer not null,      -- dump files listed in the inputs
    unchanged integer not null,  -- skipped: OUT already held them
    inputs integer not null,     -- records + rejects written by this run
    records integer not null,
    rejects integer not null,
    failed_batches integer not null,
    deleted integer not null default 0  -- tombstones: records the inputs no longer hold
);
"""
_ADDED_COLUMNS = {
    "inputs": ("records", "records text"),
    "runs": ("deleted", "deleted integer not null default 0"),
}
"""Columns added since the first ledgers, added to an older ledger when it is opened."""


@dataclass(frozen=True, slots=True)
class RunRow:
    run_id: str
    started_at: str
    finished_at: str
    files: int
    unchanged: int
    inputs: int
    records: int
    rejects: int
    failed_batches: int
    deleted: int = 0


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What identifies one version of a dump file, and the record indices it yielded (records
    and rejects alike), so that a later version with fewer records has the others tombstoned."""

    path: str
    source: str
    size: int
    mtime_ns: int
    sha1: str
    records: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class LedgerFile:
    """A file OUT holds rows for: its key, its `source`, and its record indices (None: not
    known, a ledger older than schema 3 before its OUT is migrated)."""

    path: str
    source: str
    records: tuple[int, ...] | None


def fingerprint(dump: DumpFile) -> Fingerprint:
    size, mtime_ns = dump.stat()
    return Fingerprint(dump.key, dump.source, size, mtime_ns, _sha1(dump))


def unread_fingerprint(dump: DumpFile) -> Fingerprint:
    """The entry of a file that could not be read (UNREAD_SIZE)."""
    return Fingerprint(dump.key, dump.source, UNREAD_SIZE, UNREAD_SIZE, "")


def _sha1(dump: DumpFile) -> str:
    digest = hashlib.sha1()
    with dump.open() as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def format_indices(indices: Iterable[int]) -> str:
    """Record indices as sorted runs, (0, 1, 2, 4) -> "0-2,4": a JSONL file of a million lines
    takes a few bytes, unless blank lines (skipped but counted) break it up."""
    runs: list[list[int]] = []
    for index in sorted(set(indices)):
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return ",".join(str(first) if first == last else f"{first}-{last}" for first, last in runs)


def parse_indices(text: str) -> tuple[int, ...]:
    """The indices `format_indices` wrote."""
    indices: list[int] = []
    for run in filter(None, text.split(",")):
        first, _, last = run.partition("-")
        indices.extend(range(int(first), int(last or first) + 1))
    return tuple(indices)


class Ledger:
    def __init__(self, out: Path) -> None:
        """Raises `UnsafeStateFile` if the ledger is a symbolic link: SQLite would write
        through it, to whatever it points at."""
        refuse_unsafe_state_file(out / LEDGER_NAME)
        self._db = sqlite3.connect(out / LEDGER_NAME)
        self._db.executescript(_SCHEMA)
        for table, (column, declaration) in _ADDED_COLUMNS.items():
            columns = {row[1] for row in self._db.execute(f"pragma table_info({table})")}
            if column not in columns:
                self._db.execute(f"alter table {table} add column {declaration}")
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    @property
    def schema_version(self) -> int:
        """The output schema version OUT's parts and this ledger were migrated to (SQLite's
        `user_version`): 0 for a ledger written before schema 3 and for a new one, until
        `flows.migration` has run."""
        return self._db.execute("pragma user_version").fetchone()[0]

    def mark_migrated(self, version: int) -> None:
        self._db.execute(f"pragma user_version = {int(version)}")
        self._db.commit()

    def plan(
        self, dumps: Sequence[DumpFile], *, update: bool = True
    ) -> tuple[list[DumpFile], list[DumpFile]]:
        """Split dumps into (to clean, unchanged). Size and mtime decide first; when they
        differ but the size matches, the content hash does (a touched file is unchanged, and
        with `update` its new mtime is noted so the next plan need not hash it again)."""
        todo: list[DumpFile] = []
        unchanged: list[DumpFile] = []
        for dump in dumps:
            path = dump.key
            row = self._db.execute(
                "select size, mtime_ns, sha1 from inputs where path = ?", (path,)
            ).fetchone()
            try:
                size, mtime_ns = dump.stat()
            except OSError:  # a dangling link, a file gone: the batch rejects it as unreadable
                todo.append(dump)
                continue
            if row is None or row[0] != size:
                todo.append(dump)
            elif row[1] == mtime_ns:
                unchanged.append(dump)
            elif _sha1(dump) == row[2]:
                if update:
                    self._db.execute(
                        "update inputs set mtime_ns = ? where path = ?", (mtime_ns, path)
                    )
                unchanged.append(dump)
            else:
                todo.append(dump)
        self._db.commit()
        return todo, unchanged

    def record(self, fingerprints: Iterable[Fingerprint], *, run_id: str) -> None:
        """Call only once the records of these files are durably in place."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._db.executemany(
            "insert into inputs values (?, ?, ?, ?, ?, ?, ?, ?) on conflict(path) do update set "
            "source = excluded.source, size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "sha1 = excluded.sha1, run_id = excluded.run_id, recorded_at = excluded.recorded_at, "
            "records = excluded.records",
            [
                (
                    f.path,
                    f.source,
                    f.size,
                    f.mtime_ns,
                    f.sha1,
                    run_id,
                    now,
                    format_indices(f.records),
                )
                for f in fingerprints
            ],
        )
        self._db.commit()

    def files(self) -> list[LedgerFile]:
        rows = self._db.execute("select path, source, records from inputs order by path")
        return [
            LedgerFile(path, source, None if records is None else parse_indices(records))
            for path, source, records in rows
        ]

    def records_of(self, paths: Iterable[str]) -> dict[str, tuple[int, ...]]:
        """The record indices of those of these files whose indices are known."""
        found: dict[str, tuple[int, ...]] = {}
        for path in paths:
            row = self._db.execute("select records from inputs where path = ?", (path,)).fetchone()
            if row is not None and row[0] is not None:
                found[path] = parse_indices(row[0])
        return found

    def vanished(self, scope: InputScope, listed: Collection[str]) -> list[LedgerFile]:
        """The files in `scope` (this run's inputs) that the run did not list (`listed`: keys):
        deleted, renamed, or no longer listable."""
        return [file for file in self.files() if file.path not in listed and file.path in scope]

    def set_records(self, records: Mapping[str, Iterable[int]]) -> None:
        self._db.executemany(
            "update inputs set records = ? where path = ?",
            [(format_indices(indices), path) for path, indices in records.items()],
        )
        self._db.commit()

    def forget(self, paths: Iterable[str]) -> None:
        """Drop these files' entries: OUT no longer holds them (tombstoned), or the next run
        must clean them again."""
        self._db.executemany("delete from inputs where path = ?", [(path,) for path in paths])
        self._db.commit()

    def record_run(self, run: RunRow) -> None:
        self._db.execute(
            "insert or replace into runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run.run_id,
                run.started_at,
                run.finished_at,
                run.files,
                run.unchanged,
                run.inputs,
                run.records,
                run.rejects,
                run.failed_batches,
                run.deleted,
            ),
        )
        self._db.commit()

    def runs(self) -> list[RunRow]:
        rows = self._db.execute(
            "select run_id, started_at, finished_at, files, unchanged, inputs, records, rejects,"
            " failed_batches, deleted from runs order by started_at, run_id"
        ).fetchall()
        return [RunRow(*row) for row in rows]


class InputScope:
    """The files a run's inputs would list if they existed, by ledger key (`DumpFile.key`): a
    folder or a URI prefix names the files below it, a glob the files it matches and those
    below the folders it matches; as `flows.readers.list_dumps` lists, a folder's hidden names
    and names without a dump extension are left out. A ledger file in a run's scope that the
    run did not list has vanished (`Ledger.vanished`); files outside it are left alone, so a
    run over one folder deletes nothing of another. A file given by name names only itself,
    and the run stops when it is missing: it never vanishes.

    A file is named by its real path, so one reached through a symbolic link that leads out of
    its input folder lies outside that folder's scope."""

    def __init__(self, inputs: Sequence[str]) -> None:
        self._folders: list[str] = []
        self._globs: list[tuple[str, tuple[str, ...]]] = []
        for spec in inputs:
            if is_uri(spec):
                where = location(spec)
                if where.filesystem.get_file_info(where.path).type != pafs.FileType.File:
                    named = PurePosixPath(where.path)
                    self._folders.append(DumpFile(named, named, 0, where.filesystem).key)
            elif glob.has_magic(spec):
                parts = Path(spec).parts
                literal = tuple(takewhile(lambda part: not glob.has_magic(part), parts))
                root = Path(*literal) if literal else Path(".")
                self._globs.append((_local_key(root), parts[len(literal) :]))
            elif Path(spec).is_dir():
                self._folders.append(_local_key(Path(spec)))

    def __contains__(self, key: str) -> bool:
        if not is_dump_name(key.rsplit("/", 1)[-1]):
            return False
        for folder in self._folders:
            names = _names_below(folder, key)
            if names is not None and _folder_lists(names):
                return True
        for root, pattern in self._globs:
            names = _names_below(root, key)
            if names is not None and glob_lists(pattern, names):
                return True
        return False


def _local_key(path: Path) -> str:
    """The key a local file or folder at `path` has: the rule of `DumpFile.key`."""
    return DumpFile(path, path, 0).key


def _names_below(folder: str, key: str) -> tuple[str, ...] | None:
    prefix = folder.rstrip("/") + "/"
    return tuple(key[len(prefix) :].split("/")) if key.startswith(prefix) else None


def _folder_lists(names: tuple[str, ...]) -> bool:
    """Whether a folder walk lists the file at these names below the folder: none is hidden."""
    return not any(name.startswith(".") for name in names)
