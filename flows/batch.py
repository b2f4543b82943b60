"""One batch of dump files -> Parquet part files + a small report. Prefect-free."""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import os
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path

import pyarrow as pa

from cleaners import clean_html, clean_text
from cleaners.document import Cleaned
from cleaners.near_dup import Signature, signature_and_hash
from flows.beacon import PageBeacon, PageKey, Settled
from flows.ledger import Fingerprint, fingerprint, unread_fingerprint
from flows.readers import DumpFile, RawPage, Reject, iter_pages
from flows.records import (
    DEFAULT_ROW_GROUP_ROWS,
    RECORD_SCHEMA,
    RECORDS_DIR,
    REJECT_SCHEMA,
    REJECTS_DIR,
    PartWriter,
    Row,
    UnwritableValue,
    doc_id,
    page_reject_row,
    reader_reject_row,
    record_row,
    tombstone_row,
    with_writable_text,
)
from flows.storage import location

MAX_DETAIL_CHARS = 1000


@dataclass(frozen=True, slots=True)
class DocSignature:
    doc_id: str
    signature: Signature
    content_hash: str


PAGE_TIMEOUT = "page_timeout"
TOO_MANY_ATTRIBUTES = "too_many_attributes"
MAX_TAG_ATTRIBUTES = 1000
"""HTML parsers (libxml2) check each attribute against the element's earlier ones: quadratic
time inside one C call, which `max_page_seconds` cannot interrupt (a million attributes stall
a worker for many minutes). Real pages stay far below this."""

TOO_MANY_ELEMENTS = "too_many_elements"
MAX_ELEMENTS = 50_000
"""Cleaning time grows with the square of a page's elements (measured: 10,000 paragraphs 3.9 s,
20,000 10.9 s, 40,000 38 s), so a page of 550,000 would hold a worker for hours. The largest of
the 2,429 dev-set pages has about 10,500 elements."""
_START_TAG = re.compile(r"<[A-Za-z]")
# Scripts, styles and comments hold text, not elements, however many "<p>" they spell.
_RAW_TEXT = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)

# A start tag long enough to hold MAX_TAG_ATTRIBUTES attributes (each at least " a").
_LONG_TAG = re.compile(rf"<[A-Za-z][^<>]{{{2 * MAX_TAG_ATTRIBUTES},}}")
# A name, with its value if it has one ("a=x", 'b="x y"', "c"); a quoted value is no name.
_ATTRIBUTE = re.compile(r"""[^\s"'=<>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")


class PageTimeout(BaseException):
    """Cleaning one page took longer than the per-page time limit. A BaseException, like
    KeyboardInterrupt, so that the libraries' `except Exception` blocks let it through."""


def _summed(a: Counter[str], b: Counter[str]) -> Counter[str]:
    """Counter sum that keeps every key (`Counter.__add__` drops non-positive counts)."""
    total = Counter(a)
    total.update(b)
    return total


@dataclass
class BatchReport:
    """What a batch did; small enough to return from a task. Adds up with `+`
    (`sum(reports, BatchReport())`).

    Every input record is counted once: `inputs == records + rejects`. `removals`, `raw_chars`
    and `text_chars` cover written records only, so they match the records Parquet columns.
    """

    inputs: int = 0
    records: int = 0
    rejects: int = 0
    removals: Counter[str] = field(default_factory=Counter)  # "cleaner/reason" -> count
    reject_reasons: Counter[str] = field(default_factory=Counter)  # reason -> count
    raw_chars: int = 0
    text_chars: int = 0
    files: int = 0
    seconds: float = 0.0
    fingerprints: tuple[Fingerprint, ...] = ()
    """The version of each file the batch read, for the ledger once the parts are in place."""
    signatures: tuple[DocSignature, ...] = ()
    """Each written record's MinHash and content hash, in the order of the records part: the
    flow process finds the duplicates of the whole run and of earlier runs from them."""
    duplicates: int = 0
    """Records marked as duplicates of earlier ones (set by the flow, not the batch)."""
    deleted: int = 0
    """Tombstones written (`flows.records.SOURCE_DELETED`): records the inputs no longer hold.
    Not inputs, so outside `inputs == records + rejects`."""
    deleted_doc_ids: tuple[str, ...] = ()
    """Their doc ids, for the flow to take out of the near-duplicate index."""

    def __add__(self, other: BatchReport) -> BatchReport:
        if not isinstance(other, BatchReport):
            return NotImplemented
        return BatchReport(
            inputs=self.inputs + other.inputs,
            records=self.records + other.records,
            rejects=self.rejects + other.rejects,
            removals=_summed(self.removals, other.removals),
            reject_reasons=_summed(self.reject_reasons, other.reject_reasons),
            raw_chars=self.raw_chars + other.raw_chars,
            text_chars=self.text_chars + other.text_chars,
            files=self.files + other.files,
            seconds=self.seconds + other.seconds,
            fingerprints=self.fingerprints + other.fingerprints,
            signatures=self.signatures + other.signatures,
            duplicates=self.duplicates + other.duplicates,
            deleted=self.deleted + other.deleted,
            deleted_doc_ids=self.deleted_doc_ids + other.deleted_doc_ids,
        )


QUIET_LOGGERS = ("trafilatura", "htmldate", "justext", "courlan")


_beacon: PageBeacon | None = None
"""This worker's beacon (`flows.workers`), set by `init_worker`; None outside the pool."""


def init_worker(beacon: SynchronizedArray | None = None) -> None:
    """Set up a worker process of the flow's pool (`flows.workers` calls it once the worker is
    tied to the flow process's lifetime). It lives in this module, free of Prefect, because
    what a worker imports costs memory in every worker.

    `beacon` is the shared memory through which the flow process sees which page this worker
    is cleaning, to enforce the hard limits from outside (`flows.workers`).

    Ctrl-C reaches the whole process group: a worker stops at once and silently (parts are
    renamed into place only when complete, so it leaves no partial output); the flow process
    reports the interruption. Extraction libraries' own warnings about a page ("discarding
    data") would land on the terminal between progress lines: what happened to a page is in
    its record or reject instead."""
    global _beacon
    if beacon is not None:
        _beacon = PageBeacon(beacon)
        _beacon.started()
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(128 + signum))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise `PageTimeout` in the code under the `with` once `seconds` have passed.

    The process's deadline thread (`_Deadlines`) raises the exception asynchronously in this
    thread (CPython's `PyThreadState_SetAsyncExc`), so it works in any thread: a worker
    process's main thread as well as a Dask worker's task thread. Like Ctrl-C, it interrupts
    Python code (a regex on a pathological line, trafilatura's tree walks) but not a single
    long C call, which finishes first."""
    if not seconds:
        yield
        return
    token = _DEADLINES.add(seconds, threading.get_ident())
    try:
        yield
    except PageTimeout:
        raise PageTimeout(f"cleaning took longer than {seconds:g} s") from None
    finally:
        _DEADLINES.remove(token)


class _Deadlines:
    """One daemon thread per process that interrupts the threads whose deadline passed: a
    thread of its own per page (`threading.Timer`) was a thread start per page, a noticeable
    share of cleaning a text dump. A deadline removed before it passes never fires: both
    happen under one lock."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._pending: dict[int, tuple[float, int]] = {}  # token -> (deadline, thread id)
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, seconds: float, thread_id: int) -> int:
        with self._changed:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._interrupt_when_due, name="page-deadlines", daemon=True
                )
                self._thread.start()
            token = next(self._tokens)
            self._pending[token] = (time.monotonic() + seconds, thread_id)
            self._changed.notify()
            return token

    def remove(self, token: int) -> None:
        with self._changed:
            self._pending.pop(token, None)

    def _interrupt_when_due(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for token, (deadline, thread_id) in list(self._pending.items()):
                    if deadline <= now:
                        del self._pending[token]
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(thread_id), ctypes.py_object(PageTimeout)
                        )
                soonest = min((deadline for deadline, _ in self._pending.values()), default=None)
                self._changed.wait(None if soonest is None else soonest - now)


_DEADLINES = _Deadlines()


def run_batch(
    files: list[DumpFile],
    out: str | Path,
    *,
    run_id: str,
    batch_no: int,
    max_page_bytes: int,
    max_page_seconds: float | None = None,
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    settled: Mapping[PageKey, Settled] | None = None,
    previous_records: Mapping[str, Sequence[int]] | None = None,
) -> BatchReport:
    """Read, clean and write one batch: OUT/records/part-<run_id>-<batch_no>.parquet and the
    matching OUT/rejects/ part, each written under a temporary name and renamed.

    Both parts are always written (possibly with zero rows). A page that cannot be cleaned,
    whose cleaning runs past `max_page_seconds`, or whose row cannot be written, becomes a
    reject; only failures to write Parquet fail the batch, and then no part is renamed.
    `settled` pages (those a lost worker was cleaning, see `flows.workers`) become their
    reject without being cleaned again. `previous_records` holds, by file key, the record
    indices OUT holds for the earlier version of a file (the ledger's): those the file no
    longer yields get a tombstone in the rejects part, so the tombstones are in place exactly
    when the new version is.
    """
    if max_page_bytes < 1:
        raise ValueError(f"max_page_bytes must be >= 1, got {max_page_bytes}")
    started = time.perf_counter()
    processed_at = datetime.now(UTC)
    base = location(out)
    report = BatchReport(files=len(files))
    signatures: list[DocSignature] = []
    deleted_doc_ids: list[str] = []

    parts = {"run_id": run_id, "batch_no": batch_no, "row_group_rows": row_group_rows}
    with (
        PartWriter(base.child(RECORDS_DIR), RECORD_SCHEMA, **parts) as records,
        PartWriter(base.child(REJECTS_DIR), REJECT_SCHEMA, **parts) as rejects,
    ):

        def reject(row: Row) -> None:
            # What a reader knew (a record's URL) may not be Unicode: a reject is written
            # with its escapes rather than failing its batch.
            rejects.write(with_writable_text(row))
            report.rejects += 1
            report.reject_reasons[row["reason"]] += 1

        for file_no, dump in enumerate(files):
            key = dump.key
            stamp = {"input_key": key, "run_id": run_id, "processed_at": processed_at}
            try:
                version = fingerprint(dump)
            except OSError:  # unreadable: the reader rejects it
                version = unread_fingerprint(dump)
            yielded: set[int] = set()
            for item in _pages(dump, max_page_bytes=max_page_bytes):
                report.inputs += 1
                yielded.add(item.record)
                if isinstance(item, Reject):
                    reject(reader_reject_row(item, **stamp))
                    continue
                refusal = settled.get((file_no, item.record)) if settled else None
                if refusal is None:
                    refusal = _refusal(item)
                if refusal is not None:
                    reject(page_reject_row(item, **asdict(refusal), **stamp))
                    continue
                warm_up(item.content_type)
                try:
                    with _announced((file_no, item.record)), time_limit(max_page_seconds):
                        cleaned = _clean(item)
                except PageTimeout as exc:
                    reject(page_reject_row(item, reason=PAGE_TIMEOUT, detail=str(exc), **stamp))
                    continue
                except Exception as exc:  # one bad page must never fail the batch
                    reject(
                        page_reject_row(
                            item, reason="cleaner_error", detail=_describe(exc), **stamp
                        )
                    )
                    continue
                if len(item.content) >= TRIM_AFTER_CHARS:
                    release_freed_memory()
                if not cleaned.text.strip():
                    detail = _why_empty(cleaned)
                    reject(page_reject_row(item, reason="no_main_content", detail=detail, **stamp))
                    continue
                row = record_row(item, cleaned, **stamp)
                try:
                    records.write(row)
                except UnwritableValue as exc:
                    row = page_reject_row(item, reason=exc.reason, detail=str(exc), **stamp)
                    reject(row)
                    continue
                signatures.append(DocSignature(row["doc_id"], *signature_and_hash(cleaned.text)))
                report.records += 1
                report.raw_chars += row["raw_chars"]
                report.text_chars += row["text_chars"]
                report.removals.update(f"{r.cleaner}/{r.reason}" for r in cleaned.removed)
            gone = sorted(set(previous_records.get(key, ())) - yielded) if previous_records else []
            for record in gone:
                detail = f"the file no longer holds this record (it now holds {len(yielded)})"
                tombstone = tombstone_row(
                    doc_id=doc_id(key, record),
                    source=dump.source,
                    record=record,
                    detail=detail,
                    **stamp,
                )
                rejects.write(tombstone)
                deleted_doc_ids.append(tombstone["doc_id"])
            report.fingerprints += (replace(version, records=tuple(sorted(yielded))),)
    release_freed_memory()
    report.signatures = tuple(signatures)
    report.deleted = len(deleted_doc_ids)
    report.deleted_doc_ids = tuple(deleted_doc_ids)
    report.seconds = time.perf_counter() - started
    return report


def _pages(dump: DumpFile, *, max_page_bytes: int) -> Iterator[RawPage | Reject]:
    """The reader's output, with a reader crash turned into a `reader_error` reject standing for
    the rest of that file, so one unreadable file cannot fail a whole batch."""
    next_record = 0
    try:
        for item in iter_pages(dump, max_page_bytes=max_page_bytes):
            next_record = item.record + 1
            yield item
    except Exception as exc:
        yield Reject(dump.source, next_record, "reader_error", _describe(exc))


def _refusal(page: RawPage) -> Settled | None:
    """Why a page is refused before cleaning: what no time limit could stop in time."""
    if page.content_type != "html":
        return None
    if crowded := _crowded_element(page.content):
        return Settled(TOO_MANY_ATTRIBUTES, crowded)
    if page.content.count("<") > MAX_ELEMENTS:
        markup = _RAW_TEXT.sub("", page.content)
        elements = sum(1 for _ in _START_TAG.finditer(markup))
        if elements > MAX_ELEMENTS:
            return Settled(
                TOO_MANY_ELEMENTS,
                f"{elements} elements (limit {MAX_ELEMENTS}): extraction time grows with"
                " their square",
            )
    return None


@contextlib.contextmanager
def _announced(page: PageKey) -> Iterator[None]:
    """Tell the flow process, through this worker's beacon, which page is being cleaned."""
    if _beacon is None:
        yield
        return
    _beacon.begin(page)
    try:
        yield
    finally:
        _beacon.end()


def _crowded_element(html: str) -> str | None:
    """Why the page holds an element with over MAX_TAG_ATTRIBUTES attributes, or None. A value
    counts with its name, so long values (an SVG path, a data URI) are no attributes."""
    for tag in _LONG_TAG.finditer(html):
        # counted one match at a time: substituting or splitting a tag of a million attributes
        # built lists that cost the worker about 100 MiB
        names = sum(1 for _ in _ATTRIBUTE.finditer(tag.group(), 1)) - 1  # minus the tag name
        if names > MAX_TAG_ATTRIBUTES:
            return (
                f"an element with {names} attributes (limit {MAX_TAG_ATTRIBUTES}):"
                " parsing it takes quadratic time that max_page_seconds cannot interrupt"
            )
    return None


WARM_UP_PROSE = (
    "The council voted on Tuesday to expand the bus network with six new routes across the "
    "northern districts, which residents had asked for since the old depot closed last year."
)


@cache
def warm_up(content_type: str) -> None:
    """Clean a small page of this kind once per process, outside any page's time limit: the
    cleaners load their language model and extraction tables on first use (about 1 s), and
    a worker's first real page must not be timed out for that. Kind by kind, so that a run
    of text dumps never loads what HTML needs (about 30 MiB per worker)."""
    url = "https://example.com/news/buses"
    if content_type == "html":
        page = f"<html><body><article><h1>Buses</h1><p>{WARM_UP_PROSE}</p></article></body></html>"
        clean_html(page, url=url)
    elif content_type == "text":
        clean_text(f"Home | News\n{WARM_UP_PROSE}", url=url)


TRIM_AFTER_CHARS = 100_000
"""Pages at least this long hand freed memory back at once (`release_freed_memory`); smaller
ones leave too little behind to pay for the call (0.45 ms, 5% of cleaning a text dump), and
the batch's end releases theirs."""


def release_freed_memory() -> None:
    """Hand the memory the C allocators hold free back to the system. glibc keeps the pages of
    a big page's parse trees, and Arrow's allocator those of the last Parquet write, so a
    worker's RSS rose to its largest page's and batch's and stayed there. Measured in one
    worker: over the wcxb-dev pages 252 -> 212 MiB (0.8 ms a page, about 1% of cleaning it);
    after a batch of 200 text dumps 225 -> 185 MiB."""
    pa.default_memory_pool().release_unused()
    if (trim := _malloc_trim()) is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`; None on a system without glibc (macOS, musl)."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _clean(page: RawPage) -> Cleaned:
    if page.content_type == "html":
        return clean_html(page.content, url=page.url)
    if page.content_type == "text":
        return clean_text(page.content, url=page.url)
    raise ValueError(f"unknown content_type {page.content_type!r}")


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_DETAIL_CHARS]


def _why_empty(cleaned: Cleaned) -> str:
    if not cleaned.removed:
        return "the page has no text blocks"
    reasons = Counter(f"{r.cleaner}/{r.reason}" for r in cleaned.removed)
    listed = ", ".join(f"{reason}={n}" for reason, n in reasons.most_common())
    return f"all {len(cleaned.removed)} text blocks removed ({listed})"[:MAX_DETAIL_CHARS]
