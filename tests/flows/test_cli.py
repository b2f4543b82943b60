import io
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest
from rich.console import Console
from test_shared_server import gone

import flows.cli
from flows.cli import ENV_DEFAULTS, EXIT_BAD_CONFIG, main
from flows.progress import LIVE_FLAG, LIVE_LOGGER, LiveCounts
from flows.shared_server import FOLDER_NAME, read_record

REPO = Path(__file__).resolve().parents[2]
# Runs each case of argv[1] (JSON: [[report folder, CLI arguments], ...]) through the CLI in a
# forked child of one interpreter, so the interpreter and the CLI's imports are paid once and each
# case still starts without Prefect. The child writes its stdout, its stderr and whether Prefect
# got imported (even when argparse exits) to the report folder; the parent adds its exit code and
# its seconds since argv[2], the time.time() at launch, less the earlier cases' seconds.
RUN_CASES_AND_REPORT_PREFECT = """\
import json
import os
import sys
import time
import traceback

launched = float(sys.argv[2])
from flows.cli import main

start_seconds = time.time() - launched


def run_case(report, argv):
    for fd, name in ((1, "stdout"), (2, "stderr")):
        os.dup2(os.open(os.path.join(report, name), os.O_WRONLY | os.O_CREAT, 0o644), fd)
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code
    sys.stdout.flush()
    sys.stderr.flush()
    with open(os.path.join(report, "prefect"), "w") as flag:
        flag.write("imported" if "prefect" in sys.modules else "not imported")
    return code


for report, argv in json.loads(sys.argv[1]):
    case_started = time.monotonic()
    child = os.fork()
    if child == 0:
        try:
            os._exit(run_case(report, argv))
        except BaseException:
            traceback.print_exc()
            os._exit(70)
    _, status = os.waitpid(child, 0)
    result = {
        "returncode": os.waitstatus_to_exitcode(status),
        "seconds": start_seconds + time.monotonic() - case_started,
    }
    with open(os.path.join(report, "result.json"), "w") as handle:
        json.dump(result, handle)
"""
# Case -> (arguments, the telling part of the one-line error); {tmp} is the case's own folder,
# {dumps} a dump folder in it.
BAD_CONFIGURATIONS = {
    "missing-input": (
        ["clean", "{tmp}/missing", "--out", "{tmp}/out"],
        "INPUT: '{tmp}/missing' is not a file",
    ),
    "fifo-input": (
        ["clean", "{tmp}/fifo", "--out", "{tmp}/out"],
        "INPUT: '{tmp}/fifo' is neither a file nor a folder",
    ),
    "out-under-a-file": (
        ["clean", "{dumps}", "--out", "{tmp}/file/out"],
        "cannot write to output folder",
    ),
    "unknown-option": (
        ["clean", "{dumps}", "--out", "{tmp}/out", "--colour", "red"],
        "unrecognized arguments",
    ),
    "zero-batch-size": (
        ["clean", "{dumps}", "--out", "{tmp}/out", "--batch-size", "0"],
        "--batch-size: Input",
    ),
    "negative-max-page-mb": (
        ["clean", "{dumps}", "--out", "{tmp}/out", "--max-page-mb", "-1"],
        "--max-page-mb: Inp",
    ),
    "infinite-batch-mb": (
        ["clean", "{dumps}", "--out", "{tmp}/out", "--batch-mb", "inf"],
        "not a number of MB",
    ),
    "no-out": (["clean", "{dumps}"], "the following arguments are required: -o/--out"),
    "abbreviated-option": (
        ["clean", "{dumps}", "--out", "{tmp}/out", "--worker", "2"],
        "unrecognized arguments: --worker 2",
    ),
    "short-out-option": (
        ["clean", "{tmp}/missing", "-o", "{tmp}/out"],
        "INPUT: '{tmp}/missing' is not a file",
    ),
    "unknown-command": (["polish", "{dumps}"], "invalid choice: 'polish'"),
    "serve-without-schedule": (
        ["serve", "{dumps}", "--out", "{tmp}/out"],
        "one of the arguments --cron --interval",
    ),
    "serve-cron-and-interval": (
        ["serve", "{dumps}", "--out", "{tmp}/out", "--cron", "* * * * *", "--interval", "9"],
        "argument --interval: not allowed with argument --cron",
    ),
    "serve-zero-interval": (
        ["serve", "{dumps}", "--out", "{tmp}/out", "--interval", "0"],
        "must be a positive",
    ),
    "serve-missing-input": (
        ["serve", "{tmp}/missing", "--out", "{tmp}/out", "--interval", "60"],
        "INPUT: '{tmp}/",
    ),
}
OTHER_CASES = {
    "serve-bad-cron": ["serve", "{dumps}", "--out", "{tmp}/out", "--cron", "*/61 x"],
    "clean-help": ["clean", "--help"],
    "version": ["--version"],
    "no-dump-files": ["clean", "{tmp}/no-dumps", "--out", "{tmp}/out"],
}


def write_dumps(folder: Path) -> Path:
    folder.mkdir()
    (folder / "notes.txt").write_text(
        "Plain text dumps are the simplest input: one page of visible text per file.\n"
        "The cleaner keeps the paragraphs that read like an article and drops the chrome.\n"
    )
    (folder / "empty.html").write_text("")
    return folder


@pytest.fixture
def dump_folder(tmp_path: Path) -> Path:
    return write_dumps(tmp_path / "dumps")


@dataclass(frozen=True)
class CliRun:
    """One case's run of the CLI, and its folder."""

    tmp: Path
    dumps: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    prefect_imported: bool

    def fill(self, text: str) -> str:
        return text.format(tmp=self.tmp, dumps=self.dumps)


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory) -> dict[str, CliRun]:
    """Every case of BAD_CONFIGURATIONS and OTHER_CASES, run by one subprocess (an interpreter
    with the CLI imported takes 1-3 s to start)."""
    cases = {name: args for name, (args, _) in BAD_CONFIGURATIONS.items()} | OTHER_CASES
    folders, plan = {}, []
    for name, args in cases.items():
        tmp, report = tmp_path_factory.mktemp(name), tmp_path_factory.mktemp(f"{name}-report")
        (tmp / "file").write_text("")
        os.mkfifo(tmp / "fifo")
        (tmp / "no-dumps").mkdir()
        (tmp / "no-dumps" / "scan.pdf").write_text("not a dump")
        folders[name] = (tmp, write_dumps(tmp / "dumps"), report)
        plan.append([str(report), [arg.format(tmp=tmp, dumps=tmp / "dumps") for arg in args]])

    launched = time.time()
    result = run_cli("-c", RUN_CASES_AND_REPORT_PREFECT, json.dumps(plan), str(launched))

    assert result.returncode == 0 and result.stderr == "", result.stderr
    runs = {}
    for name, (tmp, dumps, report) in folders.items():
        outcome = json.loads((report / "result.json").read_text())
        runs[name] = CliRun(
            tmp=tmp,
            dumps=dumps,
            returncode=outcome["returncode"],
            stdout=(report / "stdout").read_text(),
            stderr=(report / "stderr").read_text(),
            seconds=outcome["seconds"],
            prefect_imported=(report / "prefect").read_text() == "imported",
        )
    return runs


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.mark.parametrize("case", BAD_CONFIGURATIONS)
def test_bad_configuration_fails_fast_with_one_line_before_prefect_starts(case, cli_runs):
    run, (_, message) = cli_runs[case], BAD_CONFIGURATIONS[case]

    assert run.seconds < 10
    assert run.returncode == EXIT_BAD_CONFIG
    assert not run.prefect_imported
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("winnow")
    assert run.fill(message) in run.stderr
    assert not (run.tmp / "out").exists()


def test_serve_rejects_a_bad_cron_expression_before_starting_a_server(cli_runs):
    run = cli_runs["serve-bad-cron"]
    assert run.returncode == EXIT_BAD_CONFIG
    assert run.stderr == "winnow serve: error: --cron: not a cron expression: '*/61 x'\n"
    assert "starting a Prefect server" not in run.stdout


def test_help_lists_the_clean_options(cli_runs):
    run = cli_runs["clean-help"]
    assert run.returncode == 0
    for option in ("--out", "--batch-size", "--workers", "--max-page-mb", "--run-id"):
        assert option in run.stdout


def test_a_folder_without_dump_files_says_so_before_prefect_starts(cli_runs):
    run = cli_runs["no-dump-files"]
    assert (run.returncode, run.stderr) == (1, "winnow clean: no dump files found in the inputs\n")
    assert not run.prefect_imported
    assert run.seconds < 10


def test_a_run_starts_no_more_workers_than_it_has_files(
    prefect_harness, tmp_path, capsys, monkeypatch
):
    for name, value in ENV_DEFAULTS.items():  # undone after the test
        monkeypatch.setenv(name, os.environ.get(name, value))
    (tmp_path / "dumps").mkdir()
    (tmp_path / "dumps" / "only.txt").write_text("The one page of this run, a sentence long.\n")

    code = main(["clean", str(tmp_path / "dumps"), "--out", str(tmp_path / "out")])
    code_two = main(
        ["clean", str(tmp_path / "dumps"), "--out", str(tmp_path / "again"), "--workers", "2"]
    )

    lines = capsys.readouterr().out.splitlines()
    assert (code, code_two) == (0, 0)
    plans = [line for line in lines if "unchanged since an earlier run" in line]
    assert [plan.split("; ")[1] for plan in plans] == ["1 in 1 batches, 1 workers"] * 2


def test_version_is_the_installed_package_s(cli_runs):
    run = cli_runs["version"]
    assert (run.returncode, run.stdout) == (0, f"winnow {version('winnow')}\n")


def test_clean_prints_progress_and_summary(
    prefect_harness, dump_folder, tmp_path, capsys, monkeypatch
):
    for name, value in ENV_DEFAULTS.items():  # undone after the test
        monkeypatch.setenv(name, os.environ.get(name, value))
    out = tmp_path / "out"

    code = main(
        ["clean", str(dump_folder), "--out", str(out), "--workers", "2", "--run-id", "cli-test"]
    )

    stdout = capsys.readouterr().out
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0] == (
        "run cli-test: 2 files, 0 unchanged since an earlier run; 2 in 2 batches, 2 workers"
    )
    assert sorted(line[:9] for line in lines[1:3]) == ["batch 1/2", "batch 2/2"]
    assert "inputs 2 = records 1 + rejects 1" in stdout
    assert f"rejects: {out}/rejects" in stdout
    printers = [
        handler
        for handler in logging.getLogger("prefect.flow_runs").handlers
        if isinstance(handler, flows.cli._ProgressPrinter)
    ]
    assert printers == []  # removed again after the run


def test_a_real_run_prints_no_tracebacks_or_errors_and_leaves_its_server_to_the_next(
    dump_folder, tmp_path
):
    """The console script's own environment: a fresh PREFECT_HOME and a server of its own. The
    first start on a new database is the point (it migrates the database, and once logged an
    ERROR), so this run does not share the session's server or home. A second run finds the
    server the first left up, and both runs are in that home's database."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
    home = tmp_path / "prefect-home"
    env["PREFECT_HOME"] = str(home)

    def clean(out: str, idle: str):
        return run_cli(
            *("-m", "flows", "clean", str(dump_folder), "--out", str(tmp_path / out)),
            *("--server-idle", idle),
            env=env,
            timeout=300,
        )

    try:
        result = clean("out", "60")
        later = clean("later-out", "30")  # the server keeps the idle time it started with
    finally:
        if record := read_record(home / FOLDER_NAME):
            os.kill(record.keeper_pid, signal.SIGTERM)  # rather than wait for its idle time

    for run in (result, later):
        assert run.returncode == 0, run.stderr
        assert run.stderr == ""
        assert "inputs 2 = records 1 + rejects 1" in run.stdout
        assert "Traceback" not in run.stdout
        assert "ERROR" not in run.stdout
    # winnow's own server, not Prefect's temporary one (which the CLI would have to import)
    assert "winnow clean: starting a Prefect server" in result.stdout
    assert (home / FOLDER_NAME / "server.log").stat().st_size > 0
    # The wall time counts the server's start, which the cleaning time leaves out.
    timing = re.search(
        r"([\d.]+) s cleaning \([\d.]+ docs/s\); ([\d.]+) s wall: ([\d.]+) s starting the "
        r"Prefect server, ([\d.]+) s checks",
        result.stdout,
    )
    assert timing, result.stdout
    cleaning, wall, server, rest = map(float, timing.groups())
    assert server > 1.0  # a Prefect server takes seconds to answer its health check
    # The start-up says when the server answered, and how long it stays, before the run.
    answered = re.search(
        r"winnow clean: the Prefect server answered after ([\d.]+) s at (http://127\.0\.0\.1:\d+)\n"
        r"winnow clean: the server stops after 60 s without a run \(--server-idle\), or now"
        r" with `kill (\d+)`\n"
        r"run ",
        result.stdout,
    )
    assert answered, result.stdout
    assert float(answered[1]) == pytest.approx(server, abs=0.2)
    assert int(answered[3]) == record.keeper_pid
    assert wall == pytest.approx(cleaning + server + rest, abs=0.2)

    assert "starting a Prefect server" not in later.stdout
    assert f"using the Prefect server an earlier run started, at {answered[2]}\n" in later.stdout
    assert "the server stops after 60 s without a run" in later.stdout
    with sqlite3.connect(home / "prefect.db") as database:
        states = database.execute("select state_type from flow_run").fetchall()
    assert states == [("COMPLETED",), ("COMPLETED",)]
    assert gone(record.keeper_pid)


def progress_record(message, *, flagged=True, level=logging.INFO):
    record = logging.LogRecord("prefect.flow_runs", level, __file__, 0, message, None, None)
    if flagged:
        record.winnow_progress = True
    return record


def live_record(**counts):
    record = logging.LogRecord(LIVE_LOGGER, logging.INFO, __file__, 0, "live", None, None)
    setattr(record, LIVE_FLAG, LiveCounts(**counts))
    return record


def test_live_progress_moves_page_by_page_and_counts_rejects_from_the_batch_lines():
    console = Console(file=io.StringIO(), force_terminal=True, width=160, color_system=None)
    live = flows.cli._LiveProgress("winnow_progress", console)

    live.emit(progress_record("run r: 9 files, 2 unchanged since an earlier run; 7 in 3 batches"))
    live.emit(live_record(files=7, files_done=0, bytes=1000, bytes_done=0, pages=0))
    live.emit(live_record(files=7, files_done=2, bytes=1000, bytes_done=250, pages=5))
    mid_run = console.file.getvalue().rsplit("\r", 1)[-1]
    live.emit(progress_record("batch 1/3: 3 records, 1 rejects (4 files, 3.5 s)"))
    live.emit(progress_record("summary line, not progress", flagged=False))
    live.emit(
        progress_record(
            "batch 2/3: FAILED, 2 files recorded as batch_failed (boom)",
            flagged=False,
            level=logging.ERROR,
        )
    )
    live.emit(live_record(files=7, files_done=6, bytes=1000, bytes_done=900, pages=8))
    live.stop()

    [task] = live.progress.tasks
    assert (task.completed, task.total) == (900, 1000)  # bytes: what the time left reads
    assert task.fields == {"files": 7, "files_done": 6, "pages": 8, "rejects": 3, "failed": 1}
    screen = console.file.getvalue()
    assert screen.startswith("run r: 9 files, 2 unchanged")
    assert "2/7 files, 5 pages (" in mid_run  # before any batch ended
    last_frame = screen.rsplit("\r", 1)[-1]
    assert "6/7 files, 8 pages (" in last_frame
    assert "3 rejects, 1 batches FAILED" in last_frame
    assert " left " in last_frame


def test_live_progress_shows_no_bar_when_nothing_needs_cleaning():
    console = Console(file=io.StringIO(), force_terminal=True, width=120, color_system=None)
    live = flows.cli._LiveProgress("winnow_progress", console)

    live.emit(progress_record("run r: 5 files, 5 unchanged since an earlier run; 0 in 0 batches"))
    live.stop()

    assert live.progress.tasks == []
    assert console.file.getvalue() == (
        "run r: 5 files, 5 unchanged since an earlier run; 0 in 0 batches\n"
    )


def test_plain_lines_when_stdout_is_not_a_terminal(capsys):
    printer = flows.cli._progress_printer("winnow_progress")
    assert not isinstance(printer, flows.cli._LiveProgress)

    printer.emit(progress_record("batch 1/3: 3 records, 1 rejects (4 files, 3.5 s)"))

    assert capsys.readouterr().out == "batch 1/3: 3 records, 1 rejects (4 files, 3.5 s)\n"
