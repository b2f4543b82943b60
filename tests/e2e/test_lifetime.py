"""A SIGKILL of `winnow clean` or `winnow serve` (or the OOM killer) leaves none of the
processes winnow started running: not the Prefect server of `serve`, not a served flow run, not
a worker. After a SIGKILL of serve mid-run, the next run into the same OUT finishes the job.
The server `winnow clean` shares with later runs stops itself once idle, SIGKILL or not
(tests/flows/test_shared_server.py)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psutil
import pytest
from test_kill_and_rerun import TEXT_FILES, make_dumps, start_run

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the kernel ties them (Linux)")

ROOT = Path(__file__).resolve().parents[2]
MARKER_VARIABLE = "WINNOW_TEST_LIFETIME_MARKER"
GONE_WITHIN_SECONDS = 5.0
SERVE_DEADLINE_SECONDS = 240  # a loaded 2-core machine takes 15-25 s to start the server


def started_with(marker: str) -> list[psutil.Process]:
    """Live processes whose environment holds `marker`: whatever the command under test
    started, even once reparented to init. A zombie has no environment left."""
    needle = f"{MARKER_VARIABLE}={marker}".encode()
    found = []
    for process in psutil.process_iter():
        try:
            with open(f"/proc/{process.pid}/environ", "rb") as environ:
                if needle in environ.read():
                    found.append(process)
        except OSError:  # gone meanwhile
            continue
    return found


def command_lines(marker: str) -> list[str]:
    lines = []
    for process in started_with(marker):
        try:
            lines.append(" ".join(process.cmdline()))
        except psutil.Error:
            continue
    return lines


def survivors_after(marker: str, seconds: float = GONE_WITHIN_SECONDS) -> list[str]:
    """The command lines of the processes with `marker` still alive after `seconds`."""
    deadline = time.monotonic() + seconds
    while started_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return command_lines(marker)


@pytest.fixture
def marker() -> Iterator[str]:
    """A mark in the environment of the command under test, inherited by all it starts;
    whatever still carries it after the test is killed, so a failure leaks nothing."""
    mark = uuid.uuid4().hex
    yield mark
    for process in started_with(mark):
        try:
            process.kill()
        except psutil.Error:
            continue


def test_workers_outlive_the_thread_that_asked_for_them_and_die_with_the_flow_process(marker):
    """Linux's parent-death signal follows the thread that started a process: a worker must
    not die when the task thread that first used its slot ends, only with its process."""
    flow_process = textwrap.dedent(
        """
        import os, threading, time
        from flows.workers import Limits, WorkerPool

        pool = WorkerPool(1, Limits(page_seconds=60, worker_bytes=2**40))
        first = []
        asker = threading.Thread(target=lambda: first.append(pool.call(os.getpid)))
        asker.start()
        asker.join()
        time.sleep(0.5)
        print(first[0], pool.call(os.getpid), flush=True)
        time.sleep(60)
        """
    )
    env = {**os.environ, MARKER_VARIABLE: marker}
    stand_in = subprocess.Popen(
        [sys.executable, "-c", flow_process], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        first_worker, later_worker = stand_in.stdout.readline().split()
    finally:
        stand_in.kill()
        stand_in.wait()
        stand_in.stdout.close()

    assert first_worker == later_worker  # the same worker, still there after its asker ended
    assert survivors_after(marker) == []


def test_sigkill_of_clean_mid_run_leaves_none_of_its_processes(
    tmp_path, prefect_home, prefect_api_url, marker, monkeypatch
):
    dumps, out = tmp_path / "dumps", tmp_path / "out"
    make_dumps(dumps)
    with monkeypatch.context() as patch:  # only the run gets the mark, not later fixtures
        patch.setenv(MARKER_VARIABLE, marker)
        run = start_run(dumps, out, prefect_home, prefect_api_url)
    try:
        for _ in range(3):  # the run's first line, then two finished batches
            assert run.stdout.readline()
        assert sum("spawn_main" in line for line in command_lines(marker)) == 2  # workers

        os.kill(run.pid, signal.SIGKILL)  # winnow alone, not its process group
        run.wait()
        assert survivors_after(marker) == []
    finally:
        run.stdout.close()
        run.stderr.close()


def parts(out: Path) -> int:
    folder = out / "records"
    return len(list(folder.glob("*.parquet"))) if folder.is_dir() else 0


def runs_recorded(out: Path) -> int:
    # Not read-only: the killed writer left its write-ahead log, which only a writable
    # connection may recover.
    with sqlite3.connect(out / "ledger.sqlite", timeout=5) as ledger:
        return ledger.execute("select count(*) from runs").fetchone()[0]


def test_sigkill_of_serve_mid_run_leaves_nothing_running_and_the_next_run_finishes(
    tmp_path, prefect_api_url, marker
):
    dumps, out = tmp_path / "dumps", tmp_path / "out"
    expected_pages = make_dumps(dumps)
    env = {
        **os.environ,
        MARKER_VARIABLE: marker,
        # A home of its own: the killed server leaves its deployment scheduled in there.
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    env.pop("PREFECT_API_URL", None)  # serve starts a Prefect server of its own
    command = [sys.executable, "-m", "flows", "serve", str(dumps), "--out", str(out)]
    command += ["--interval", "1", "--workers", "1", "--batch-size", "5", "--name", "lifetime"]
    with open(tmp_path / "serve.log", "w") as log:
        serve = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + SERVE_DEADLINE_SECONDS
    while parts(out) < 2 and serve.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    log_text = (tmp_path / "serve.log").read_text()
    assert parts(out) >= 2, log_text[-3000:]
    processes = command_lines(marker)
    assert any("prefect server start" in line for line in processes)
    assert sum("spawn_main" in line for line in processes) == 2  # the flow run, its worker

    os.kill(serve.pid, signal.SIGKILL)
    serve.wait()
    assert survivors_after(marker) == []
    assert runs_recorded(out) == 0  # the run was stopped mid-way, and stayed stopped

    rerun = start_run(dumps, out, tmp_path / "prefect-home", prefect_api_url)
    stdout, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, stderr[-2000:]
    assert int(re.search(r"(\d+) unchanged and skipped", stdout)[1]) > 0  # the killed run's
    pages = duckdb.sql(
        f"""
        select distinct source, record from read_parquet('{out}/records/*.parquet')
        union
        select distinct source, record from read_parquet('{out}/rejects/*.parquet')
        """
    ).fetchall()
    assert len(pages) == expected_pages
    assert len({source for source, _ in pages}) == TEXT_FILES + 1
