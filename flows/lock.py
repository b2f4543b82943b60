"""One writer per output folder: a run holds an exclusive lock on OUT while it writes.

The lock is `flock` on `OUT/.winnow.lock`: the kernel drops it when the holder exits, even on
SIGKILL, so a crashed run never leaves a stale lock behind. The file names the holder, for the
message the second run prints; a symbolic link in its place is refused (`flows.state_files`),
since taking the lock truncates the file. Prefect-free.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flows.state_files import open_state_file

LOCK_NAME = ".winnow.lock"


class OutputBusy(RuntimeError):
    """Another run is writing to the same output folder."""


@contextmanager
def exclusive_output(out: Path, *, holder: str = "winnow clean") -> Iterator[None]:
    """Hold OUT for this process, or raise `OutputBusy` at once (never waits). Raises
    `UnsafeStateFile` if the lock file is a symbolic link or not a regular file."""
    fd = open_state_file(out / LOCK_NAME, os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            raise OutputBusy(f"{out} is being written by another run ({owner})") from None
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder}, pid {os.getpid()}, since {started}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
