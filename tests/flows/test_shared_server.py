"""The shared local server: later runs reuse it, and it stops itself once no run has used it
for its idle time, however its runs ended. A stand-in server (a few lines of http.server that
answer the health check) takes the place of `prefect server start`, which takes seconds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from flows.server import ServerFailed
from flows.shared_server import LEASE_NAME, RECORD_NAME, read_record, shared_prefect_server
from flows.state_files import UnsafeStateFile

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the kernel ties them (Linux)")

ROOT = Path(__file__).resolve().parents[2]
IDLE = 1.0
GONE_WITHIN_SECONDS = 10.0
STAND_IN = textwrap.dedent(
    """
    import sys
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/api/health" else 404)
            self.end_headers()
            self.wfile.write(b"true")

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
    """
)


def stand_in(port: int) -> list[str]:
    return [sys.executable, "-c", STAND_IN, str(port)]


def failing(_port: int) -> list[str]:
    return [sys.executable, "-c", "raise SystemExit(3)"]


def lease(folder: Path, identity: str = "stand-in 1", **kwargs):
    return shared_prefect_server(
        folder, identity, idle_seconds=IDLE, command_for=stand_in, timeout=30, **kwargs
    )


def gone(pid: int, within: float = GONE_WITHIN_SECONDS) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def server_of(keeper_pid: int) -> psutil.Process:
    (server,) = psutil.Process(keeper_pid).children()
    return server


def test_a_later_run_reuses_the_server_which_stops_once_idle(tmp_path):
    started: list[Path] = []
    with lease(tmp_path, on_start=started.append) as first:
        record = read_record(tmp_path)
        assert not first.reused and started == [tmp_path / "server.log"]
        assert record is not None and record.api_url == first.api_url
        server = server_of(record.keeper_pid)
    # A later run asking for another idle time gets the one the server was started with.
    with shared_prefect_server(
        tmp_path, "stand-in 1", idle_seconds=600, command_for=stand_in, on_start=started.append
    ) as second:
        assert second.reused and second.api_url == first.api_url
        assert (second.idle_seconds, len(started)) == (IDLE, 1)
        time.sleep(IDLE * 2)
        assert server.is_running()  # leased: not idle, however long the run takes
    assert gone(record.keeper_pid) and gone(server.pid)
    assert read_record(tmp_path) is None
    with lease(tmp_path) as third:  # none is up: a new one
        assert not third.reused and third.api_url != first.api_url
        keeper = read_record(tmp_path).keeper_pid
    assert gone(keeper)


def test_a_sigkilled_run_does_not_keep_the_server_up(tmp_path):
    run = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(ROOT / "tests" / "flows")!r})
        from test_shared_server import lease

        with lease(Path({str(tmp_path)!r})) as server:
            print(server.api_url, flush=True)
            time.sleep(600)
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", run], cwd=ROOT, stdout=subprocess.PIPE)
    with holder:
        assert holder.stdout.readline()
        keeper = read_record(tmp_path).keeper_pid
        time.sleep(IDLE * 2)
        assert not gone(keeper, within=IDLE)  # the run holds its lease
        holder.send_signal(signal.SIGKILL)
    assert gone(keeper)


def test_a_server_for_another_database_or_prefect_is_not_reused(tmp_path):
    with lease(tmp_path, "stand-in 1") as first:
        first_keeper = read_record(tmp_path).keeper_pid
        with lease(tmp_path, "stand-in 2") as second:
            assert not second.reused and second.api_url != first.api_url
            second_keeper = read_record(tmp_path).identity, read_record(tmp_path).keeper_pid
    assert second_keeper[0] == "stand-in 2" and second_keeper[1] != first_keeper
    assert gone(first_keeper) and gone(second_keeper[1])  # each stops once idle


def test_the_server_dies_with_its_keeper_and_the_next_run_starts_another(tmp_path):
    with lease(tmp_path) as first:
        keeper = read_record(tmp_path).keeper_pid
        server = server_of(keeper)
    os.kill(keeper, signal.SIGKILL)
    assert gone(server.pid)
    with lease(tmp_path) as second:
        assert not second.reused and second.api_url != first.api_url


def test_a_server_that_cannot_start_is_reported_and_not_recorded(tmp_path):
    starting = shared_prefect_server(tmp_path, "stand-in", command_for=failing, timeout=30)
    with pytest.raises(ServerFailed, match=r"exited with code 3; see .*server\.log"), starting:
        pass
    assert read_record(tmp_path) is None


def test_a_record_naming_a_dead_keeper_or_a_mute_url_is_replaced(tmp_path):
    with lease(tmp_path, "x") as live:
        pass
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    records = [
        # a server that answers, but under a keeper that is gone
        {"api_url": live.api_url, "keeper_pid": dead.pid, "identity": "x", "idle_seconds": 1},
        # this process is alive, but the URL answers nothing
        {
            "api_url": "http://127.0.0.1:9/api",
            "keeper_pid": os.getpid(),
            "identity": "x",
            "idle_seconds": 1,
        },
    ]
    for record in records:
        (tmp_path / RECORD_NAME).write_text(json.dumps(record))
        assert read_record(tmp_path) is not None  # a readable record, refused for its content
        with lease(tmp_path, "x", reuse_timeout=0.5) as server:
            assert not server.reused
            assert read_record(tmp_path).api_url == server.api_url != record["api_url"]


def test_runs_starting_together_get_one_server(tmp_path):
    """The start lock: the second run waits for the first one's server instead of starting
    another, whichever comes first."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        leases = [pool.submit(hold_lease, tmp_path) for _ in range(3)]
        servers = [lease.result() for lease in leases]
    assert len({server.api_url for server in servers}) == 1
    assert sorted(server.reused for server in servers) == [False, True, True]
    assert gone(servers[0].keeper_pid)


def hold_lease(folder: Path):
    with lease(folder) as server:
        time.sleep(IDLE * 2)  # all three hold it at once for a while
        return server


@pytest.mark.parametrize("name", [LEASE_NAME, "server.log"])
def test_a_link_in_the_place_of_a_server_file_is_refused_and_left_alone(tmp_path, name):
    target = tmp_path / "elsewhere"
    target.write_text("keep me")
    folder = tmp_path / "winnow-server"
    folder.mkdir()
    (folder / name).symlink_to(target)

    with pytest.raises(UnsafeStateFile, match="symbolic link"), lease(folder):
        pass
    assert target.read_text() == "keep me"
    assert read_record(folder) is None
