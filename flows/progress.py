"""A run's live counts, page by page: what the terminal's bar and its ETA read. Prefect-free.

A batch's log line comes when the whole batch ends; the workers' beacons (`flows.workers`)
tell the flow process of every page begun in between. The counts go to `LIVE_LOGGER`, a logger
of the flow's own process that does not propagate to Prefect's handlers: the CLI shows them,
and Prefect's API never receives a record per page.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

LIVE_LOGGER = "winnow.live"
LIVE_FLAG = "winnow_live"
"""The attribute of a `LIVE_LOGGER` record that holds its `LiveCounts`."""


@dataclass(frozen=True, slots=True)
class LiveCounts:
    """The run so far. Bytes measure how far it is (a file's size is known before it is read,
    its pages are not); pages are those begun in running batches plus those of finished ones."""

    files: int
    files_done: int
    bytes: int
    bytes_done: int
    pages: int


class LiveTally:
    """The counts of a run's batches, each batch given as its files' sizes; told of pages
    from the task threads that watch the workers, so it takes a lock. Every change is sent to
    `emit`, starting with the empty run."""

    def __init__(self, batches: Sequence[Sequence[int]], emit: Callable[[LiveCounts], None]):
        self._sizes = [list(sizes) for sizes in batches]
        self._emit = emit
        self._lock = threading.Lock()
        self._running: dict[int, tuple[int, int]] = {}  # batch -> (files done, pages begun)
        self._files_done = self._bytes_done = self._pages_done = 0
        self._emit(self._counts())

    def running(self, batch_no: int, files_done: int, pages: int) -> None:
        """A page begun in batch `batch_no`: `files_done` of its files are behind it."""
        with self._lock:
            self._running[batch_no] = (files_done, pages)
            counts = self._counts()
        self._emit(counts)

    def finished(self, batch_no: int, pages: int) -> None:
        """Batch `batch_no` ended (cleaned or failed) with `pages` records and rejects."""
        with self._lock:
            self._running.pop(batch_no, None)
            self._files_done += len(self._sizes[batch_no])
            self._bytes_done += sum(self._sizes[batch_no])
            self._pages_done += pages
            counts = self._counts()
        self._emit(counts)

    def _counts(self) -> LiveCounts:
        return LiveCounts(
            files=sum(len(sizes) for sizes in self._sizes),
            files_done=self._files_done + sum(done for done, _ in self._running.values()),
            bytes=sum(sum(sizes) for sizes in self._sizes),
            bytes_done=self._bytes_done
            + sum(
                sum(self._sizes[batch_no][:done]) for batch_no, (done, _) in self._running.items()
            ),
            pages=self._pages_done + sum(pages for _, pages in self._running.values()),
        )


def log_live_counts(counts: LiveCounts) -> None:
    """`counts` as a record of `LIVE_LOGGER` (the CLI's display handles it)."""
    _live.info(
        "%d/%d files, %d pages",
        counts.files_done,
        counts.files,
        counts.pages,
        extra={LIVE_FLAG: counts},
    )


_live = logging.getLogger(LIVE_LOGGER)
_live.propagate = False
_live.setLevel(logging.INFO)
