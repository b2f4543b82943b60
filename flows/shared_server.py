"""A local Prefect server that one-off runs share while they come, and that stops itself once
no run has used it for a while. Prefect-free.

Starting a Prefect server costs a one-off `winnow clean` more than anything else it does on a
small input: importing Prefect's server application alone takes seconds, and no setting makes
that shorter. So the server a run starts without PREFECT_API_URL stays up after it, and the
next run on the same PREFECT_HOME finds it and starts cleaning at once; every run still lands in
the database of that PREFECT_HOME, as before.

Nothing has to stop the server by hand, and no kill can leave it running for good:

- A run holds a shared `flock` on the lease file of the PREFECT_HOME's server folder for as long
  as it uses the server. The kernel lets go of the lock however the run ends, SIGKILL included.
- A small keeper process (this module run as a script) starts the server and tries the lease
  exclusively every `POLL_SECONDS`. Once it got it for `idle_seconds` in a row, no run has used
  the server that long: it stops the server, forgets it, and exits. The server dies with the
  keeper (`flows.lifetime`), so a SIGKILL of the keeper stops it too.
- The keeper stops the server while it holds the lease exclusively, so a run arriving then
  waits, then finds no server and starts one of its own.
- Which server is up is written in `server.json` beside the lease, under a start lock, so two
  runs starting together get one server.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType

from flows.server import (
    HOST,
    STARTUP_TIMEOUT_SECONDS,
    ServerFailed,
    answers,
    free_port,
    server_command,
    start_server,
    stop_server,
    wait_healthy,
)
from flows.state_files import open_state_file

FOLDER_NAME = "winnow-server"
"""The shared server's files, inside the PREFECT_HOME whose database it serves."""
LEASE_NAME = "lease"
START_LOCK_NAME = "start.lock"
RECORD_NAME = "server.json"
LOG_NAME = "server.log"
DEFAULT_IDLE_SECONDS = 600.0
POLL_SECONDS = 0.5
REUSE_HEALTH_TIMEOUT_SECONDS = 2.0
"""A recorded server answered before it was recorded: one that refuses the connection now is
gone (its keeper's pid may be another process's after a reboot), and one that does not answer
within this is stuck; either way the run starts another."""


@dataclass(frozen=True, slots=True)
class ServerRecord:
    """The server that is up for a PREFECT_HOME: where it answers, who keeps it, and what it
    serves (`identity`: the Prefect version and database URL, which a reusing run must share)."""

    api_url: str
    keeper_pid: int
    identity: str
    idle_seconds: float
    """What its keeper waits for, given by the run that started it."""


@dataclass(frozen=True, slots=True)
class SharedServer:
    api_url: str
    reused: bool
    """Whether an earlier run started it."""
    keeper_pid: int
    """SIGTERM to it stops the server now."""
    idle_seconds: float
    """How long it stays up after its last run: the starting run's `idle_seconds`."""
    log_path: Path


@contextmanager
def shared_prefect_server(
    folder: Path,
    identity: str,
    *,
    idle_seconds: float = DEFAULT_IDLE_SECONDS,
    timeout: float = STARTUP_TIMEOUT_SECONDS,
    on_start: Callable[[Path], None] = lambda _log_path: None,
    command_for: Callable[[int], list[str]] = server_command,
    reuse_timeout: float = REUSE_HEALTH_TIMEOUT_SECONDS,
) -> Iterator[SharedServer]:
    """The server recorded in `folder` if it serves `identity` and answers, else a new one
    (`on_start` is told its log's path first; `command_for(port)` runs it) kept up until
    `idle_seconds` after its last run; leased for the duration. A reused server keeps the idle
    time it was started with. Raises `ServerFailed`, and
    `UnsafeStateFile` for a link in the place of one of its files."""
    folder.mkdir(parents=True, exist_ok=True)
    lease = open_state_file(folder / LEASE_NAME, os.O_RDWR)
    try:
        fcntl.flock(lease, fcntl.LOCK_SH)  # waits while a keeper stops its server
        with _locked(folder / START_LOCK_NAME):
            record = read_record(folder)
            if record is not None and _serves(record, identity, reuse_timeout):
                server = SharedServer(
                    record.api_url, True, record.keeper_pid, record.idle_seconds, folder / LOG_NAME
                )
            else:
                on_start(folder / LOG_NAME)
                port = free_port()
                server = _start(folder, identity, idle_seconds, port, command_for(port), timeout)
        yield server
    finally:
        os.close(lease)


def read_record(folder: Path) -> ServerRecord | None:
    """The recorded server, or None if none is (or the record is unreadable)."""
    try:
        data = json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
        return ServerRecord(
            str(data["api_url"]),
            int(data["keeper_pid"]),
            str(data["identity"]),
            float(data["idle_seconds"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _serves(record: ServerRecord, identity: str, timeout: float) -> bool:
    return (
        record.identity == identity
        and _alive(record.keeper_pid)
        and answers(record.api_url, timeout=timeout)
    )


def _start(
    folder: Path,
    identity: str,
    idle_seconds: float,
    port: int,
    command: list[str],
    timeout: float,
) -> SharedServer:
    api_url = f"http://{HOST}:{port}/api"
    log_path = folder / LOG_NAME
    log_fd = open_state_file(log_path, os.O_WRONLY | os.O_APPEND)
    with os.fdopen(log_fd, "a", encoding="utf-8") as log:
        keeper = subprocess.Popen(
            [sys.executable, "-P", "-m", __name__, str(folder), str(idle_seconds), *command],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives this run, and a Ctrl-C in its terminal
            env={"PREFECT_UI_API_URL": api_url, **os.environ},
        )
    try:
        wait_healthy(api_url, timeout, keeper)
    except ServerFailed as exc:
        keeper.terminate()
        raise ServerFailed(f"{exc}; see {log_path}") from None
    _write_record(folder, ServerRecord(api_url, keeper.pid, identity, idle_seconds))
    return SharedServer(api_url, False, keeper.pid, idle_seconds, log_path)


def _write_record(folder: Path, record: ServerRecord) -> None:
    """Written beside the record and renamed over it, so a reader never sees half of one; the
    partial file is a state file like the others (no symbolic link is written through)."""
    partial = folder / f".{RECORD_NAME}.{os.getpid()}.tmp"
    with os.fdopen(open_state_file(partial, os.O_WRONLY | os.O_TRUNC), "w") as file:
        file.write(json.dumps(asdict(record)))
    os.replace(partial, folder / RECORD_NAME)


def _forget(folder: Path, keeper_pid: int) -> None:
    """Remove the record if it names this keeper (a newer server's record stays)."""
    record = read_record(folder)
    if record is not None and record.keeper_pid == keeper_pid:
        (folder / RECORD_NAME).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Whether `pid` runs: neither gone, nor someone else's process now holding the number,
    nor a zombie (a keeper killed while the process that started it still runs)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc: signal 0 has to do
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = open_state_file(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def keep(folder: Path, idle_seconds: float, command: list[str]) -> int:
    """The keeper: run the server's `command` until no run has leased it for `idle_seconds`,
    or until SIGTERM, SIGINT or the server's own end. Returns the server's exit code if it
    ended by itself, else 0."""
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = start_server(command, sys.stdout)
    lease = open_state_file(folder / LEASE_NAME, os.O_RDWR)
    idle_since: float | None = None
    try:
        while not stopping and server.poll() is None:
            try:
                fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a run holds it
                idle_since = None
            else:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= idle_seconds:
                    break  # stopped below, with the lease still held
                fcntl.flock(lease, fcntl.LOCK_UN)
            time.sleep(POLL_SECONDS)
        ended_by_itself = server.poll()
        _forget(folder, os.getpid())
        stop_server(server)
    finally:
        os.close(lease)
    return ended_by_itself or 0


if __name__ == "__main__":
    sys.exit(keep(Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]))
