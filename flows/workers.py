"""The flow's worker processes, each watched from outside: hard limits on a page's time and a
worker's memory. Prefect-free.

`flows.batch.time_limit` interrupts a page's cleaning from inside the worker, but only between
Python bytecodes: a single long C call (libxml2 on a page of 550,000 paragraphs, a regex in C)
runs on, and a thread inside the worker cannot help while that call holds the GIL. So every
worker announces the page it is cleaning on a `PageBeacon` in shared memory, and the thread of
the flow process that waits for the worker's batch watches it: a page still being cleaned
`HARD_LIMIT_GRACE_SECONDS` after its time limit, or a worker whose resident memory passes its
limit while cleaning a page, gets the worker killed (SIGKILL). The batch then runs again in a
fresh worker with that page settled as a reject (`page_timeout`, `page_memory_exceeded`), so
the pages before and after it still become records. A worker that dies by itself (a segfault,
the kernel's OOM killer) while cleaning a page is handled the same way (`worker_died`).

Each slot is a process pool of one worker, so a killed worker breaks only its own slot's
batch; the slot then starts a fresh worker. A batch is retried at most once per page it
settles, so it ends. A worker that dies outside any page fails its batch as before
(`batch_failed`).

Workers die with the flow process, even when it is SIGKILLed (`flows.lifetime`): the kernel
kills a worker when the thread that started it exits. A spawned worker starts at its pool's
first submit, in the submitting thread, which may be any of the caller's (a Prefect task
thread), so every submit goes through one thread of the `WorkerPool`'s own, which lives until
`shutdown`. Workers start when a batch needs them, so a scheduled run that finds nothing new
starts none; or at once with `start_workers`, as `winnow clean` does so that they import the
cleaners while the Prefect server starts.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.sharedctypes import SynchronizedArray
from typing import Any

from flows.batch import BatchReport, init_worker, warm_up
from flows.beacon import PageBeacon, PageKey, Settled
from flows.config import CleanParams
from flows.lifetime import die_with_parent

HARD_LIMIT_GRACE_SECONDS = 2.0
"""How long past its time limit a page may run before its worker is killed: the soft limit
(an exception raised inside the worker) gets this long to end it cleanly first."""
WATCH_SECONDS = 0.2
"""How often the waiting thread looks at its worker: the precision of the hard limits."""
PAGE_TIMEOUT = "page_timeout"
PAGE_MEMORY_EXCEEDED = "page_memory_exceeded"
WORKER_DIED = "worker_died"
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes(pid: int) -> int:
    """A process's resident memory, from /proc (0 where there is none: not Linux, or gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


OnProgress = Callable[[int, int], None]
"""Told (files of the batch done, pages begun) as a worker moves through its batch."""


@dataclass(frozen=True, slots=True)
class Limits:
    page_seconds: float
    worker_bytes: int

    @classmethod
    def of(cls, params: CleanParams) -> Limits:
        return cls(page_seconds=params.max_page_seconds, worker_bytes=params.max_worker_bytes)


def _init_tied_worker(beacon: SynchronizedArray, flow_pid: int) -> None:
    """A worker's initializer: it dies with the flow process, then is set up as usual."""
    die_with_parent(flow_pid)
    init_worker(beacon)


class _Slot:
    """One worker process (a pool of one) and its beacon; `starter` submits its jobs."""

    def __init__(self, starter: ThreadPoolExecutor) -> None:
        self.starter = starter
        self.beacon = PageBeacon()
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn: workers must not inherit the flow process's threads and Prefect clients.
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_tied_worker,
            initargs=(self.beacon.shared, os.getpid()),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """`fn(*args, **kwargs)` in the worker, submitted from the starter thread, which then
        starts the worker if it is not running yet (see the module doc)."""
        return self.starter.submit(self.pool.submit, fn, *args, **kwargs).result()

    def replace_worker(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.beacon = PageBeacon()
        self.pool = self._new_pool()


class WorkerPool:
    """`workers` slots; `run` cleans one batch in a free slot under the hard limits."""

    def __init__(self, workers: int, limits: Limits) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.limits = limits
        self._free: queue.SimpleQueue[_Slot] = queue.SimpleQueue()
        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker-starter")
        self._slots = [_Slot(self._starter) for _ in range(workers)]
        for slot in self._slots:
            self._free.put(slot)

    def start_workers(self) -> None:
        """Start every slot's worker now rather than at its first batch: a worker imports the
        cleaners and pyarrow and warms up the text cleaners, which loads the language model
        that pages of every kind need (`flows.batch.warm_up`), while the caller goes on (the
        CLI: while Prefect is imported and its server starts). HTML's own warm-up, which holds
        memory a run of text dumps never needs, waits for a first HTML page. The batches
        submitted later queue behind that start."""
        for slot in self._slots:
            slot.submit(warm_up, "text")

    def run(
        self, batch: Callable[..., BatchReport], on_progress: OnProgress | None = None
    ) -> BatchReport:
        """`batch(settled=...)` in a worker, again with one more page settled each time a
        worker is lost while cleaning a page (see the module doc). `on_progress` hears of
        each page the worker begins (`_watch`)."""
        slot = self._free.get()
        try:
            settled: dict[PageKey, Settled] = {}
            while True:
                future = slot.submit(batch, settled=dict(settled))
                verdict = _watch(slot, future, self.limits, on_progress)
                try:
                    return future.result()
                except BrokenProcessPool:
                    slot.replace_worker()
                    if verdict is None:
                        raise
                    page, outcome = verdict
                    if page in settled:  # the same page again: no progress, give up
                        raise
                    settled[page] = outcome
        finally:
            self._free.put(slot)

    def call(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """`fn(*args)` in a worker, unwatched (tests and tools: what a worker sees)."""
        slot = self._free.get()
        try:
            return slot.submit(fn, *args).result()
        except BrokenProcessPool:
            slot.replace_worker()
            raise
        finally:
            self._free.put(slot)

    def shutdown(self, *, cancel_futures: bool = False) -> None:
        """Stop the workers: with `cancel_futures`, at once (the starter thread's end kills
        those still running); otherwise once their batches are done."""
        for slot in self._slots:
            slot.pool.shutdown(wait=not cancel_futures, cancel_futures=cancel_futures)
        self._starter.shutdown()


def _watch(
    slot: _Slot, future, limits: Limits, on_progress: OnProgress | None = None
) -> tuple[PageKey, Settled] | None:
    """Wait for the batch; kill the worker when a page overruns a limit. Returns the page a
    lost worker was cleaning and what it becomes, or None (done, or lost outside a page).

    Each page the worker begins is told to `on_progress` as (files of the batch before the
    page's file, pages begun in this attempt): the beacon's sequence moves twice a page
    (begin, end), from an even number between pages. Pages a reader rejects never reach the
    beacon; the batch's report counts them when it ends."""
    beacon = slot.beacon
    while (first := beacon.read()) is None:  # torn by a write: read again
        continue
    first_sequence = first[0] - first[0] % 2  # even: a page begun before this look counts
    last_sequence = -1
    page: PageKey | None = None
    since = time.monotonic()
    hard_seconds = limits.page_seconds + HARD_LIMIT_GRACE_SECONDS
    verdict: tuple[PageKey, Settled] | None = None
    while not future.done():
        state = beacon.read()
        if state is not None and state[0] != last_sequence:
            last_sequence, page = state
            since = time.monotonic()
            if page is not None and on_progress is not None:
                on_progress(page[0], (last_sequence - first_sequence + 1) // 2)
        if page is not None and verdict is None:
            elapsed = time.monotonic() - since
            memory = resident_bytes(beacon.pid)
            if elapsed > hard_seconds:
                verdict = (
                    page,
                    Settled(
                        PAGE_TIMEOUT,
                        f"cleaning took longer than {limits.page_seconds:g} s and did not stop;"
                        f" its worker was killed after {elapsed:.1f} s",
                    ),
                )
            elif memory > limits.worker_bytes:
                verdict = (
                    page,
                    Settled(
                        PAGE_MEMORY_EXCEEDED,
                        f"its worker grew to {memory // 2**20} MiB (limit"
                        f" {limits.worker_bytes // 2**20} MiB) and was killed",
                    ),
                )
            if verdict is not None:
                _kill(beacon.pid)
        try:
            future.exception(timeout=WATCH_SECONDS)
        except TimeoutError:
            continue
        except Exception:  # cancelled, or the pool broke: the caller reads the result
            break
    if verdict is None and isinstance(future.exception(), BrokenProcessPool):
        # The worker is gone, so its beacon is final: the page it died in, if any.
        final = beacon.read()
        if final is not None and final[1] is not None:
            verdict = final[1], Settled(WORKER_DIED, "its worker process died while cleaning it")
    return verdict


def _kill(pid: int) -> None:
    if pid > 0:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
