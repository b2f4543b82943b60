"""`winnow serve` for real: its own Prefect server, a short interval, runs observed in OUT's
ledger and in the Prefect UI the command prints, a dump dropped in between runs picked up
once, then Ctrl-C."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INTERVAL_SECONDS = 3
CHROMIUM = shutil.which("chromium")
DEADLINE_SECONDS = 240
UI_ATTEMPTS = 3  # a fresh PREFECT_HOME migrates the server's database first: ~20 s


def article(n: int) -> str:
    return (
        f"Harbour report {n}\n"
        f"The harbour office published report {n} on Monday, describing how the ferries, the "
        "fishing fleet and the new marina shared the water this season.\n"
        "Share on Facebook\n"
    )


def ledger_runs(out: Path) -> list[tuple[str, int, int, int]]:
    """(run_id, files, unchanged, inputs) of the runs recorded so far, oldest first."""
    ledger = out / "ledger.sqlite"
    if not ledger.exists():
        return []
    try:
        with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=5) as db:
            return db.execute(
                "select run_id, files, unchanged, inputs from runs order by finished_at, run_id"
            ).fetchall()
    except sqlite3.OperationalError:  # created but its tables not yet
        return []


def wait_for(condition, server: subprocess.Popen, what: str):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"winnow serve exited ({server.returncode}) before {what}")
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"no {what} within {DEADLINE_SECONDS} s")


@dataclass
class Served:
    process: subprocess.Popen
    dumps: Path
    out: Path
    stdout: Path
    stderr: Path

    def printed(self) -> str:
        return self.stdout.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def served(tmp_path_factory, prefect_home: Path):
    """One `winnow serve` for the module's tests, in their order: the UI test looks at its
    runs, the last test stops it with Ctrl-C."""
    tmp_path = tmp_path_factory.mktemp("served")
    dumps = tmp_path / "incoming"
    dumps.mkdir()
    for n in range(3):
        (dumps / f"page-{n}.txt").write_text(article(n))
    out = tmp_path / "out"
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        # The server's scheduler and the runner's poll, shortened from 60 s and 10 s.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-m", "flows", "serve", str(dumps), "--out", str(out)]
    command += ["--interval", str(INTERVAL_SECONDS), "--workers", "1"]
    stdout, stderr = tmp_path / "serve.out", tmp_path / "serve.err"
    with stdout.open("w") as stdout_file, stderr.open("w") as stderr_file:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=stdout_file,
            stderr=stderr_file,
            text=True,
            start_new_session=True,  # its own process group, to send Ctrl-C to as a terminal does
        )
    try:
        yield Served(process, dumps, out, stdout, stderr)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.skipif(
    CHROMIUM is None, reason="needs chromium on PATH (apt-get install chromium; .ci/run does)"
)
def test_the_printed_ui_address_shows_the_served_runs(served):
    """The UI of the server winnow starts talks to that server's API (not to port 4200): the
    runs page it prints lists the flow runs by their run ids, the newest first."""
    wait_for(lambda: ledger_runs(served.out), served.process, "first scheduled run")
    ui = re.search(r"runs in the Prefect UI at (http://127\.0\.0\.1:\d+/runs)", served.printed())
    assert ui, served.printed()

    for _ in range(UI_ATTEMPTS):  # a busy machine's server may answer after the page is read
        page = chromium_dom(ui[1], served.out.parent / "profile")
        run_ids = [run_id for run_id, *_ in ledger_runs(served.out)]
        if any(run_id in page for run_id in run_ids):
            break

    assert "Can't connect to Server API" not in page
    assert any(run_id in page for run_id in run_ids), page[-3000:]


def chromium_dom(url: str, profile: Path) -> str:
    """The page's DOM once its scripts have run: a tall window, so the list renders rows."""
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu"]
    command += [f"--user-data-dir={profile}", "--window-size=1400,3000"]
    command += ["--virtual-time-budget=20000", "--dump-dom", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_served_flow_runs_on_schedule_picks_up_new_dumps_and_stops_on_ctrl_c(served):
    server, dumps, out = served.process, served.dumps, served.out

    first = wait_for(lambda: ledger_runs(out), server, "first scheduled run")[0]
    assert first[1:] == (3, 0, 3)  # 3 files, none skipped, 3 inputs cleaned

    (dumps / "page-new.txt").write_text(article(99))
    runs = wait_for(
        lambda: [run for run in ledger_runs(out) if run[1] == 4] or None,
        server,
        "scheduled run that saw the new dump",
    )
    assert runs[0][1:] == (4, 3, 1)  # the old files skipped, only the new one cleaned
    # Runs went on while the module's earlier test looked at the UI: count from this one.
    saw_new = [run[0] for run in ledger_runs(out)].index(runs[0][0])
    wait_for(lambda: len(ledger_runs(out)) > saw_new + 1, server, "run after the new dump's")
    later = ledger_runs(out)[saw_new + 1 :]
    assert later and all(run[1:] == (4, 4, 0) for run in later)  # nothing cleaned twice

    os.killpg(server.pid, signal.SIGINT)  # Ctrl-C in the terminal
    server.wait(timeout=90)
    stdout, stderr = served.printed(), served.stderr.read_text(encoding="utf-8")
    assert server.returncode == 0, stderr[-2000:]
    assert "winnow serve: stopped" in stdout
    ui = re.search(r"http://127\.0\.0\.1:(\d+)/runs", stdout)
    assert ui, stdout
    with pytest.raises(OSError):  # the server winnow started is gone with it
        socket.create_connection(("127.0.0.1", int(ui.group(1))), timeout=2).close()
    run_ids = [run[0] for run in ledger_runs(out)]
    assert len(run_ids) == len(set(run_ids)) >= 3  # every scheduled run has a run id of its own
