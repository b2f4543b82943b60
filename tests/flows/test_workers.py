"""The hard limits: a page stuck in one C call, or one that makes its worker grow past its
memory limit, gets its worker killed from outside; the page becomes a reject and the rest of
its batch is cleaned in a fresh worker."""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from concurrent.futures.process import BrokenProcessPool
from functools import partial

import pyarrow.parquet as pq
import pytest

import flows.batch
from flows.beacon import PageBeacon
from flows.readers import list_dumps
from flows.workers import (
    HARD_LIMIT_GRACE_SECONDS,
    PAGE_MEMORY_EXCEEDED,
    PAGE_TIMEOUT,
    WORKER_DIED,
    Limits,
    WorkerPool,
    resident_bytes,
)

STUCK = "STUCK-IN-C"
GREEDY = "GREEDY-FOR-MEMORY"
CRASH = "CRASH-THE-WORKER"
SLOW = "SLOW-TO-CLEAN"
PROSE = (
    "The harbour office published its yearly report on Monday, describing how the ferries,"
    " the fishing fleet and the new marina shared the water this season."
)


def _misbehaving_clean(page):
    """Stands in for the cleaners inside the worker: pages with a marker misbehave the way
    hostile pages do, the others are cleaned as usual."""
    if STUCK in page.content:
        # Catastrophic backtracking in the C regex engine: one call, holding the GIL, that
        # the in-process time limit cannot interrupt (2**40 steps).
        re.match(r"(a+)+$", "a" * 40 + "b")
    if GREEDY in page.content:
        hoard = []
        while True:
            hoard.append(bytearray(20_000_000))
            time.sleep(0.01)
    if CRASH in page.content:
        os._exit(139)
    if SLOW in page.content:
        time.sleep(0.5)
    return _real_clean(page)


_real_clean = flows.batch._clean


def batch_with_misbehaving_pages(*args, **kwargs):
    """`run_batch` in the worker, with `_misbehaving_clean` in place of the cleaners."""
    flows.batch._clean = _misbehaving_clean
    return flows.batch.run_batch(*args, **kwargs)


def misbehaving_batch(files, out, *, max_page_seconds=None):
    """Batch 0 of run "r" over `files`, as `WorkerPool.run` takes it."""
    return partial(
        batch_with_misbehaving_pages,
        files,
        out,
        run_id="r",
        batch_no=0,
        max_page_bytes=10**6,
        max_page_seconds=max_page_seconds,
    )


def write_pages(folder, markers: dict[str, str]) -> list:
    folder.mkdir()
    for name, marker in markers.items():
        (folder / name).write_text(f"Report of the harbour\n{PROSE} {marker}\n")
    return list_dumps([str(folder)])


def outcomes(out) -> dict[str, str]:
    found = {}
    for kind in ("records", "rejects"):
        for part in (out / kind).glob("*.parquet"):
            for row in pq.read_table(part).to_pylist():
                found[os.path.basename(row["source"])] = row.get("reason") or "record"
    return found


@pytest.mark.parametrize(
    ("marker", "reason", "limits"),
    [
        (STUCK, PAGE_TIMEOUT, Limits(page_seconds=0.5, worker_bytes=2**40)),
        (GREEDY, PAGE_MEMORY_EXCEEDED, Limits(page_seconds=60, worker_bytes=400 * 2**20)),
        (CRASH, WORKER_DIED, Limits(page_seconds=60, worker_bytes=2**40)),
    ],
)
def test_a_page_that_overruns_a_hard_limit_is_rejected_and_the_rest_of_its_batch_cleaned(
    tmp_path, marker, reason, limits
):
    files = write_pages(tmp_path / "in", {"a.txt": "", "b.txt": marker, "c.txt": ""})
    pool = WorkerPool(1, limits)
    batch = misbehaving_batch(files, tmp_path / "out", max_page_seconds=limits.page_seconds)
    started = time.monotonic()
    try:
        report = pool.run(batch)
    finally:
        pool.shutdown()

    assert outcomes(tmp_path / "out") == {"a.txt": "record", "b.txt": reason, "c.txt": "record"}
    assert (report.inputs, report.records, report.rejects) == (3, 2, 1)
    assert report.reject_reasons == {reason: 1}
    if marker == STUCK:  # killed about when the hard limit passed, not after 2**40 steps
        assert time.monotonic() - started < 30 + limits.page_seconds + HARD_LIMIT_GRACE_SECONDS


def test_the_watcher_tells_of_each_page_a_worker_begins_before_the_batch_ends(tmp_path):
    files = write_pages(tmp_path / "in", {"a.txt": SLOW, "b.txt": SLOW, "c.txt": SLOW})
    pool = WorkerPool(1, Limits(page_seconds=60, worker_bytes=2**40))
    told: list[tuple[int, int]] = []
    batch = misbehaving_batch(files, tmp_path / "out")
    try:
        pool.call(os.getpid)  # a warm worker: the pages, not its start, take the time
        report = pool.run(batch, on_progress=lambda *progress: told.append(progress))
        told_first = list(told)
        pool.run(batch, on_progress=lambda *progress: told.append(progress))
    finally:
        pool.shutdown()

    assert report.records == 3
    # (files of the batch before the page's file, pages begun), as each page begins: the
    # watcher looks every 0.2 s, each page takes 0.5 s (one could slip by on a busy machine)
    again = told[len(told_first) :]
    for progress in (told_first, again):  # counted from each batch's own start
        assert progress[0] == (0, 1) and progress[-1] == (2, 3)
        assert progress == sorted(set(progress))


def test_started_workers_run_before_any_batch_is_submitted():
    pool = WorkerPool(2, Limits(page_seconds=60, worker_bytes=2**40))
    before = set(multiprocessing.active_children())
    try:
        pool.start_workers()
        started = set(multiprocessing.active_children()) - before
        workers = {pool.call(os.getpid) for _ in range(4)}
    finally:
        pool.shutdown()

    assert len(started) == 2  # spawned at once, not at the first batch
    assert workers <= {process.pid for process in started}


def test_a_worker_lost_outside_any_page_fails_its_batch_and_the_slot_gets_a_new_worker():
    pool = WorkerPool(1, Limits(page_seconds=60, worker_bytes=2**40))
    try:
        with pytest.raises(BrokenProcessPool):
            pool.run(partial(_exit_ignoring_settled, 3))
        assert pool.call(os.getpid) != os.getpid()
    finally:
        pool.shutdown()


def _exit_ignoring_settled(code: int, *, settled) -> None:
    os._exit(code)


def test_pool_workers_do_not_import_prefect():
    """Only the flow process talks to Prefect; a worker that imported it would carry about
    50 MiB for nothing."""
    pool = WorkerPool(1, Limits(page_seconds=60, worker_bytes=2**40))
    try:
        loaded = pool.call(eval, "sorted(__import__('sys').modules)")
    finally:
        pool.shutdown()

    assert "flows.batch" in loaded  # the pool's initializer came from there
    assert [name for name in loaded if name.split(".")[0] == "prefect"] == []


def test_a_beacon_tells_which_page_is_being_cleaned():
    beacon = PageBeacon()
    assert beacon.read() == (0, None)
    beacon.begin((2, 7))
    assert beacon.read() == (1, (2, 7))
    beacon.end()
    assert beacon.read() == (2, None)


def test_resident_bytes_reads_this_process_and_is_zero_for_none():
    assert resident_bytes(os.getpid()) > 10 * 2**20
    assert resident_bytes(2**22 + 12345) == 0
