"""What a worker tells the flow process about the page it is cleaning, through shared memory,
and what a page the flow process settled becomes (`flows.workers`). Prefect-free; imported by
the workers, so it stays small."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from multiprocessing.sharedctypes import SynchronizedArray

PageKey = tuple[int, int]
"""A page of a batch: (index of its file in the batch, record in the file)."""


@dataclass(frozen=True, slots=True)
class Settled:
    """What a page becomes without being cleaned again: the reject a lost worker left."""

    reason: str
    detail: str


# Beacon fields, in shared memory: written by the worker, read by the flow process.
_PID, _SEQUENCE, _FILE, _RECORD = range(4)


class PageBeacon:
    """Which page a worker is cleaning, in four shared integers: its pid, a sequence number
    that changes with every page begun or ended, and the page's (file index in the batch,
    record), -1 between pages. The worker writes the sequence last, the watcher reads it
    first and last: a read torn by a concurrent write is discarded."""

    def __init__(self, shared: SynchronizedArray | None = None) -> None:
        self.shared = shared if shared is not None else multiprocessing.Array("q", 4, lock=False)
        self.shared[_FILE] = self.shared[_RECORD] = -1

    def started(self) -> None:
        self.shared[_PID] = os.getpid()

    def begin(self, page: PageKey) -> None:
        self.shared[_FILE], self.shared[_RECORD] = page
        self.shared[_SEQUENCE] += 1

    def end(self) -> None:
        self.shared[_FILE] = self.shared[_RECORD] = -1
        self.shared[_SEQUENCE] += 1

    def read(self) -> tuple[int, PageKey | None] | None:
        """(sequence, page being cleaned or None), or None when the read was torn."""
        sequence = self.shared[_SEQUENCE]
        file_no, record = self.shared[_FILE], self.shared[_RECORD]
        if self.shared[_SEQUENCE] != sequence:
            return None
        return sequence, (None if file_no < 0 else (file_no, record))

    @property
    def pid(self) -> int:
        return self.shared[_PID]
