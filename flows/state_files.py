"""The files winnow keeps beside an output folder's data (the lock, the ledger, the Prefect
server's log) are written without following a symbolic link in their place.

Whoever can write in OUT could otherwise plant `OUT/.winnow.lock -> ~/.bashrc` and have the next
run truncate the link's target, append to it, or turn it into a SQLite database. A link, a FIFO
or a folder in a state file's place is refused with `UnsafeStateFile`, naming the file, and left
as it is. OUT itself may be a link: only a state file's own name is not followed. Prefect-free.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class UnsafeStateFile(ValueError):
    """A state file's place holds a symbolic link or something other than a regular file."""


def _link_refused(path: Path) -> UnsafeStateFile:
    return UnsafeStateFile(f"{path} is a symbolic link; winnow does not write through one")


def _not_a_file_refused(path: Path) -> UnsafeStateFile:
    return UnsafeStateFile(f"{path} is not a regular file; winnow does not write to it")


def open_state_file(path: Path, flags: int) -> int:
    """A descriptor of the regular file `path` opened with `flags`, created (mode 0o644) if
    missing, without following a symbolic link at `path`. Raises UnsafeStateFile."""
    try:
        # Non-blocking, so that a FIFO in the file's place is refused instead of waiting for a
        # reader; a regular file ignores the flag, which is cleared again below.
        fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _link_refused(path) from None
        if exc.errno in (errno.EISDIR, errno.ENXIO):  # a folder; a FIFO opened for writing
            raise _not_a_file_refused(path) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _not_a_file_refused(path)
    os.set_blocking(fd, True)
    return fd


def refuse_unsafe_state_file(path: Path) -> None:
    """For a state file a library opens by name (sqlite3 follows links): raise UnsafeStateFile
    if `path` is a symbolic link or something other than a regular file. A missing file is
    fine; the library creates it."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise _link_refused(path)
    if not stat.S_ISREG(mode):
        raise _not_a_file_refused(path)
