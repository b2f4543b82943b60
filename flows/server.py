"""A Prefect server of winnow's own for `winnow serve`, when none is configured. Prefect-free.

Served flows are scheduled by the server's scheduler service, which the temporary server that
Prefect starts for a one-off run does not have: `flow.serve()` against it would wait for runs
that are never created. So without PREFECT_API_URL, `winnow serve` starts `prefect server
start` on a free local port (its database in PREFECT_HOME, like Prefect's own), points the
client at it, and stops it on the way out; if winnow is killed instead, the kernel kills the
server with it (`flows.lifetime`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from flows.lifetime import dying_with_this_process

TEMPLATE_DATABASE = Path(sys.prefix, "share", "winnow", "prefect.db")
"""An empty Prefect database already migrated to the installed Prefect's schema, which
`make install` builds (`prefect server database upgrade` in a scratch PREFECT_HOME)."""
SQLITE_URL_PREFIX = "sqlite+aiosqlite:///"
STARTUP_TIMEOUT_SECONDS = 180.0
"""A fresh PREFECT_HOME migrates the database first: 15-25 s measured on 2 cores."""
STOP_TIMEOUT_SECONDS = 20.0
HOST = "127.0.0.1"


def seed_database(connection_url: str, template: Path = TEMPLATE_DATABASE) -> bool:
    """Give a Prefect server whose SQLite database does not exist yet a copy of the template,
    so the first run on a fresh PREFECT_HOME does not migrate a database first (about 6 s on
    2 cores). Returns whether it did. Another database (PostgreSQL, an existing file, no
    template installed) is left to Prefect; the copy appears under its name atomically, and
    only if no other process created that file meanwhile."""
    if not connection_url.startswith(SQLITE_URL_PREFIX) or not template.is_file():
        return False
    path = connection_url.removeprefix(SQLITE_URL_PREFIX).split("?", 1)[0]
    target = Path(path)
    if path in ("", ":memory:") or target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(template, partial)
        os.link(partial, target)
    except FileExistsError:
        return False
    finally:
        partial.unlink(missing_ok=True)
    return True


class ServerFailed(RuntimeError):
    """The local Prefect server did not come up."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_command(port: int) -> list[str]:
    """`prefect server start` on `port` of the local host."""
    return [
        str(Path(sys.executable).with_name("prefect")),
        "server",
        "start",
        "--host",
        HOST,
        "--port",
        str(port),
        "--analytics-off",
    ]


@contextmanager
def local_prefect_server(
    log: IO[str], *, port: int | None = None, timeout: float = STARTUP_TIMEOUT_SECONDS
) -> Iterator[str]:
    """Run `prefect server start` (API, UI, scheduler) for the duration, started from the
    calling thread (see `start_server`); yields its API URL."""
    port = port or free_port()
    api_url = f"http://{HOST}:{port}/api"
    # The UI asks its server where the API is; by default it names port 4200, not this one.
    env = {"PREFECT_UI_API_URL": api_url, **os.environ}
    server = start_server(server_command(port), log, env=env)
    try:
        wait_healthy(api_url, timeout, server)
        yield api_url
    finally:
        stop_server(server)


def start_server(
    command: list[str], log: IO[str], *, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start the server's `command` in a session of its own, so a Ctrl-C in the terminal
    reaches the runner, which shuts down in order while the server still answers (`stop_server`
    stops the server after). The kernel SIGKILLs the server when the calling thread ends, so a
    SIGKILL or OOM kill of winnow, which can stop nothing, leaves no server behind; call it
    from a thread that lives as long as the server should, such as the main thread. The server
    is one process (winnow passes no `--workers`), so that kill leaves nothing of it."""
    return subprocess.Popen(
        dying_with_this_process(command),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=os.environ if env is None else env,
    )


def wait_healthy(api_url: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    """Return once the server at `api_url` answers its health check; raise `ServerFailed`
    when `process` (the server's, or its keeper's) ends first, or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"prefect server exited with code {process.returncode}")
        if answers(api_url):
            return
        time.sleep(0.5)
    raise ServerFailed(f"prefect server did not answer at {api_url} within {timeout:.0f} s")


def answers(api_url: str, *, timeout: float = 2.0) -> bool:
    """Whether the server at `api_url` answers its health check now."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's whole session (uvicorn and its services), then SIGKILL."""
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    except ProcessLookupError:
        pass
