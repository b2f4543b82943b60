"""Which dump files OUT already holds, so a rerun cleans only what is new or changed.

The ledger is a SQLite file, `OUT/ledger.sqlite` (outside `records/` and `rejects/`, so Parquet
readers never see it). A file's row is written only after its batch's Parquet parts are renamed
into place: a run killed before that leaves the file unrecorded, and the next run cleans it
again. Its records then appear twice, under two run ids; the later `processed_at` is the
version to read (README: "latest version of each page"). Prefect-free; one writer at a time
(the run holds OUT's lock, `flows.lock`).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flows.readers import DumpFile
from flows.state_files import refuse_unsafe_state_file

LEDGER_NAME = "ledger.sqlite"
HASH_CHUNK = 1 << 20
_SCHEMA = """
create table if not exists inputs (
    path text primary key,      -- absolute path of the dump file, or its URI
    source text not null,       -- as in the records' `source` column
    size integer not null,
    mtime_ns integer not null,
    sha1 text not null,         -- of the file's bytes
    run_id text not null,       -- the run whose records hold this file's current version
    recorded_at text not null
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
    failed_batches integer not null
);
"""


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


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What identifies one version of a dump file."""

    path: str
    source: str
    size: int
    mtime_ns: int
    sha1: str


def fingerprint(dump: DumpFile) -> Fingerprint:
    size, mtime_ns = dump.stat()
    return Fingerprint(dump.key, dump.source, size, mtime_ns, _sha1(dump))


def _sha1(dump: DumpFile) -> str:
    digest = hashlib.sha1()
    with dump.open() as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Ledger:
    def __init__(self, out: Path) -> None:
        """Raises `UnsafeStateFile` if the ledger is a symbolic link: SQLite would write
        through it, to whatever it points at."""
        refuse_unsafe_state_file(out / LEDGER_NAME)
        self._db = sqlite3.connect(out / LEDGER_NAME)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

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
            "insert into inputs values (?, ?, ?, ?, ?, ?, ?) on conflict(path) do update set "
            "source = excluded.source, size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "sha1 = excluded.sha1, run_id = excluded.run_id, recorded_at = excluded.recorded_at",
            [(f.path, f.source, f.size, f.mtime_ns, f.sha1, run_id, now) for f in fingerprints],
        )
        self._db.commit()

    def record_run(self, run: RunRow) -> None:
        self._db.execute(
            "insert or replace into runs values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            ),
        )
        self._db.commit()

    def runs(self) -> list[RunRow]:
        rows = self._db.execute("select * from runs order by started_at, run_id").fetchall()
        return [RunRow(*row) for row in rows]
