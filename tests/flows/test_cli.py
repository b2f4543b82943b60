import io
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

import flows.cli
from flows.cli import ENV_DEFAULTS, EXIT_BAD_CONFIG, main

REPO = Path(__file__).resolve().parents[2]
# Runs the CLI and then reports whether Prefect got imported, even when argparse exits.
RUN_AND_REPORT_PREFECT = (
    "import sys\n"
    "from flows.cli import main\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "except SystemExit as exit:\n"
    "    code = exit.code\n"
    "print('prefect imported' if 'prefect' in sys.modules else 'prefect not imported')\n"
    "sys.exit(code)\n"
)


@pytest.fixture
def dump_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "notes.txt").write_text(
        "Plain text dumps are the simplest input: one page of visible text per file.\n"
        "The cleaner keeps the paragraphs that read like an article and drops the chrome.\n"
    )
    (folder / "empty.html").write_text("")
    return folder


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["clean", "{tmp}/missing", "--out", "{tmp}/out"], "INPUT: '{tmp}/missing' is not a file"),
        (["clean", "{dumps}", "--out", "{tmp}/file/out"], "cannot write to output folder"),
        (["clean", "{dumps}", "--out", "{tmp}/out", "--colour", "red"], "unrecognized arguments"),
        (["clean", "{dumps}", "--out", "{tmp}/out", "--batch-size", "0"], "--batch-size: Input"),
        (["clean", "{dumps}", "--out", "{tmp}/out", "--max-page-mb", "-1"], "--max-page-mb: Inp"),
        (["clean", "{dumps}", "--out", "{tmp}/out", "--batch-mb", "inf"], "not a number of MB"),
        (["clean", "{dumps}"], "the following arguments are required: --out"),
        (["polish", "{dumps}"], "invalid choice: 'polish'"),
        (["serve", "{dumps}", "--out", "{tmp}/out"], "one of the arguments --cron --interval"),
        (
            ["serve", "{dumps}", "--out", "{tmp}/out", "--cron", "* * * * *", "--interval", "9"],
            "argument --interval: not allowed with argument --cron",
        ),
        (["serve", "{dumps}", "--out", "{tmp}/out", "--interval", "0"], "must be a positive"),
        (["serve", "{tmp}/missing", "--out", "{tmp}/out", "--interval", "60"], "INPUT: '{tmp}/"),
    ],
)
def test_bad_configuration_fails_fast_with_one_line_before_prefect_starts(
    args, message, dump_folder, tmp_path
):
    (tmp_path / "file").write_text("")
    fill = {"tmp": str(tmp_path), "dumps": str(dump_folder)}
    started = time.monotonic()

    result = run_cli("-c", RUN_AND_REPORT_PREFECT, *(a.format(**fill) for a in args))

    assert time.monotonic() - started < 10
    assert result.returncode == EXIT_BAD_CONFIG
    assert result.stdout == "prefect not imported\n"
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("winnow")
    assert message.format(**fill) in result.stderr
    assert not (tmp_path / "out").exists()


def test_serve_rejects_a_bad_cron_expression_before_starting_a_server(dump_folder, tmp_path):
    result = run_cli(
        "-m", "flows", "serve", str(dump_folder), "--out", str(tmp_path / "out"), "--cron", "*/61 x"
    )
    assert result.returncode == EXIT_BAD_CONFIG
    assert result.stderr == "winnow serve: error: --cron: not a cron expression: '*/61 x'\n"
    assert "starting a Prefect server" not in result.stdout


def test_help_lists_the_clean_options():
    result = run_cli("-m", "flows", "clean", "--help")
    assert result.returncode == 0
    for option in ("--out", "--batch-size", "--workers", "--max-page-mb", "--run-id"):
        assert option in result.stdout


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


def test_a_real_run_prints_no_tracebacks_or_errors(dump_folder, tmp_path):
    """The console script's own environment: a fresh PREFECT_HOME and a temporary server."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")

    result = run_cli(
        "-m",
        "flows",
        "clean",
        str(dump_folder),
        "--out",
        str(tmp_path / "out"),
        env=env,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "inputs 2 = records 1 + rejects 1" in result.stdout
    assert "Traceback" not in result.stdout
    assert "ERROR" not in result.stdout


def progress_record(message, *, flagged=True, level=logging.INFO):
    record = logging.LogRecord("prefect.flow_runs", level, __file__, 0, message, None, None)
    if flagged:
        record.winnow_progress = True
    return record


def test_live_progress_counts_files_pages_and_rejects_from_the_progress_lines():
    console = Console(file=io.StringIO(), force_terminal=True, width=120, color_system=None)
    live = flows.cli._LiveProgress("winnow_progress", console)

    live.emit(progress_record("run r: 9 files, 2 unchanged since an earlier run; 7 in 3 batches"))
    live.emit(progress_record("batch 1/3: 3 records, 1 rejects (4 files, 3.5 s)"))
    live.emit(progress_record("summary line, not progress", flagged=False))
    live.emit(
        progress_record(
            "batch 2/3: FAILED, 2 files recorded as batch_failed (boom)",
            flagged=False,
            level=logging.ERROR,
        )
    )
    live.stop()

    [task] = live.progress.tasks
    assert (task.completed, task.total) == (6, 7)
    assert task.fields == {"pages": 6, "rejects": 3, "failed": 1}
    screen = console.file.getvalue()
    assert screen.startswith("run r: 9 files, 2 unchanged")
    last_frame = screen.rsplit("\r", 1)[-1]
    assert "6/7 files, 6 pages (" in last_frame
    assert "3 rejects, 1 batches FAILED" in last_frame


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
