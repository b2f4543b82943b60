"""`winnow` command line. Validates the configuration before Prefect is imported, so a bad
option fails in a fraction of a second with one line on stderr (exit 2)."""

from __future__ import annotations

import argparse
import logging
import math
import multiprocessing
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, ExitStack
from importlib.metadata import version
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from flows.compact import DEFAULT_ROWS_PER_PART, compact, compacted_line
from flows.config import (
    DEFAULT_BATCH_BYTES,
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_PAGE_BYTES,
    DEFAULT_MAX_PAGE_SECONDS,
    DEFAULT_MAX_WORKER_BYTES,
    CleanParams,
    describe_errors,
)
from flows.lock import LOCK_NAME, OutputBusy, exclusive_output
from flows.progress import LIVE_FLAG, LIVE_LOGGER, LiveCounts
from flows.records import RECORDS_DIR, remove_stale_parts
from flows.shared_server import DEFAULT_IDLE_SECONDS
from flows.state_files import UnsafeStateFile, open_state_file, refuse_unsafe_state_file
from flows.storage import location
from flows.terminal import printable, printable_json

EXIT_OK = 0
EXIT_RUN_PROBLEM = 1  # a batch failed, or the inputs held no dump files
EXIT_BAD_CONFIG = 2
EXIT_OUTPUT_BUSY = 3  # another run is writing to the same OUT
EXIT_INTERRUPTED = 130
MB = 1_000_000

# Defaults for a quiet local run; applied only where the environment does not set them.
# - The server's anonymous usage analytics are off: its first heartbeat on a fresh database
#   logged an ERROR with a traceback ("database is locked"), and offline it cannot be sent
#   anyway.
# - Prefect's own INFO lines (server start/stop, every task state) stay in the Prefect API and
#   UI; the terminal shows winnow's progress lines and Prefect's warnings and errors.
# - After Ctrl-C, winnow exits without waiting for its worker pool to close, and
#   multiprocessing's resource tracker would warn about the pool's semaphores.
ENV_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    "PYTHONWARNINGS": "ignore::UserWarning:multiprocessing.resource_tracker",
    # Prefect's notice about anonymous usage data on every terminal run; nothing is sent.
    "DO_NOT_TRACK": "1",
}

# CleanParams field -> the option that sets it, for error messages.
OPTION_NAMES = {
    "inputs": "INPUT",
    "out": "--out",
    "batch_size": "--batch-size",
    "batch_bytes": "--batch-mb",
    "workers": "--workers",
    "max_page_bytes": "--max-page-mb",
    "max_page_seconds": "--max-page-seconds",
    "max_worker_bytes": "--max-worker-mb",
    "dask_address": "--dask-address",
    "run_id": "--run-id",
    "compact": "--compact",
    "drop_duplicates": "--drop-duplicates",
}


def _megabytes(text: str) -> int:
    """An option in MB (decimals allowed) as bytes; the sign is CleanParams' to check."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a number of MB: {text!r}")
    return int(value * MB)


def _idle_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"not a number of seconds >= 0: {text!r}")
    return value


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as a single line instead of the usage block plus the error. Options are
    taken only as spelt in full: `--worker 2` is an error, not `--workers 2`, so a script's
    typo never turns into another option when one is added later."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_CONFIG, printable(f"{self.prog}: error: {message} (see --help)\n"))


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="winnow", description="Turn raw web page dumps into clean article text."
    )
    parser.add_argument("--version", action="version", version=f"winnow {version('winnow')}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_OneLineParser
    )
    clean = commands.add_parser(
        "clean",
        help="clean dump files into Parquet",
        description="Clean HTML, WARC, JSONL and text dumps into OUT/records and OUT/rejects.",
    )
    _add_clean_options(clean)
    clean.add_argument("--run-id", help="name of this run's Parquet parts (default: generated)")
    clean.add_argument(
        "--server-idle",
        type=_idle_seconds,
        default=DEFAULT_IDLE_SECONDS,
        metavar="S",
        help="without PREFECT_API_URL: keep the Prefect server a run starts up for later runs "
        f"until none has used it for S seconds (default {DEFAULT_IDLE_SECONDS:g}; 0: stop it "
        "with this run)",
    )
    clean.set_defaults(handler=_clean)
    serve = commands.add_parser(
        "serve",
        help="clean new and changed dumps on a schedule, as a served Prefect flow",
        description="Serve the clean flow with a schedule until Ctrl-C: each run cleans what "
        "is new or changed in the inputs since the last one. Uses the Prefect server at "
        "PREFECT_API_URL, or starts one on a free local port (UI included) for as long as it "
        "serves.",
    )
    _add_clean_options(serve)
    schedule = serve.add_mutually_exclusive_group(required=True)
    schedule.add_argument("--cron", metavar="EXPR", help='cron schedule, e.g. "*/15 * * * *"')
    schedule.add_argument(
        "--interval", type=float, metavar="SECONDS", help="run every SECONDS seconds"
    )
    serve.add_argument(
        "--name",
        help="deployment name (default: the output folder's name)",
    )
    serve.set_defaults(handler=_serve)
    compact_parser = commands.add_parser(
        "compact",
        help="merge an output folder's parts, keeping the latest version of each page",
        description="Rewrite OUT/records and OUT/rejects into parts of at most N rows, keeping "
        "only the newest row of every page; new parts are in place before old ones go.",
    )
    compact_parser.add_argument("out", metavar="OUT", help="output folder of earlier runs")
    compact_parser.add_argument(
        "--rows-per-part",
        type=int,
        default=DEFAULT_ROWS_PER_PART,
        metavar="N",
        help=f"rows per new part (default {DEFAULT_ROWS_PER_PART})",
    )
    compact_parser.set_defaults(handler=_compact)
    status = commands.add_parser(
        "status",
        help="runs recorded in an output folder, and what is pending in the inputs",
        description="List the runs recorded in OUT's ledger; with INPUTs, count the dump files "
        "a `winnow clean` of them would clean now (new or changed).",
    )
    status.add_argument("out", metavar="OUT", help="output folder of earlier runs")
    status.add_argument("inputs", nargs="*", metavar="INPUT", help="dump file, folder or glob")
    status.set_defaults(handler=_status)
    evaluate = commands.add_parser(
        "eval",
        help="score the cleaning on a labelled dataset against baselines",
        description="Run Winnow and bare trafilatura (--text: Winnow on the text dumps, jusText, "
        "trafilatura, the raw dump) on a labelled folder (wcxb: ground-truth.json + html/ "
        "[+ text/]; trafilatura-eval: evaldata.json + html/); print P/R/F1 per page type and "
        "write a JSON report.",
    )
    evaluate.add_argument("dataset", metavar="DATASET", help="labelled dataset folder")
    evaluate.add_argument(
        "--text", action="store_true", help="score the text-dump path on the dumps in text/"
    )
    evaluate.add_argument(
        "--workers", type=int, help="worker processes (default: all cores)", metavar="N"
    )
    evaluate.add_argument("--limit", type=int, help="only the first N pages (by id)", metavar="N")
    evaluate.add_argument(
        "--report",
        metavar="PATH",
        help="JSON report (default: eval-<dataset>[-text].json in the current folder)",
    )
    evaluate.set_defaults(handler=_eval)
    inspect = commands.add_parser(
        "inspect",
        help="show records' clean text with the blocks the cleaners removed",
        description="Show the latest version of pages in OUT: the kept paragraphs with each "
        "removed block where it stood, struck through and coloured by reason, and a legend.",
    )
    inspect.add_argument("out", metavar="OUT", help="output folder (or URI) of earlier runs")
    inspect.add_argument(
        "--source", metavar="PATH", help="only this dump's pages (the path as cleaned)"
    )
    inspect.add_argument(
        "--reason",
        metavar="REASON",
        help='only pages with such a removal: "cleaner/reason", "reason" or "cleaner"',
    )
    inspect.add_argument(
        "--limit", type=int, default=1, metavar="N", help="show the first N pages (default 1)"
    )
    inspect.add_argument(
        "--json", action="store_true", help="one JSON object per page instead of text"
    )
    inspect.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text (default auto: on a terminal, unless NO_COLOR is set)",
    )
    inspect.set_defaults(handler=_inspect)
    report = commands.add_parser(
        "report",
        help="write one self-contained HTML page about an output folder",
        description="Write an HTML report of OUT (no network needed to view it): the run "
        "history, removals by reason and by cleaner (each reason explained), the kept share "
        "of the visible text by site, rejects by reason and the rejected inputs, the "
        "duplicates with their originals, and sample records with their removed blocks in "
        "place.",
    )
    report.add_argument("out", metavar="OUT", help="output folder (or URI) of earlier runs")
    report.add_argument(
        "-o", "--output", required=True, metavar="HTML", help="where to write the page"
    )
    report.add_argument(
        "--samples", type=int, default=5, metavar="N", help="sample records shown (default 5)"
    )
    report.set_defaults(handler=_report)
    return parser


def _add_clean_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="dump file, folder (recursive) or glob"
    )
    parser.add_argument("-o", "--out", required=True, help="output folder (created if missing)")
    parser.add_argument(
        "--batch-size",
        type=int,
        help=f"at most N files per batch (default {DEFAULT_BATCH_SIZE})",
        metavar="N",
    )
    parser.add_argument(
        "--batch-mb",
        type=_megabytes,
        help=f"at most N MB of input per batch (default {DEFAULT_BATCH_BYTES // MB})",
        metavar="N",
    )
    parser.add_argument(
        "--workers", type=int, help="worker processes (default: all cores)", metavar="N"
    )
    parser.add_argument(
        "--max-page-mb",
        type=_megabytes,
        help=f"reject pages larger than N MB (default {DEFAULT_MAX_PAGE_BYTES // MB})",
        metavar="N",
    )
    parser.add_argument(
        "--max-page-seconds",
        type=float,
        help=f"reject pages whose cleaning takes longer (default {DEFAULT_MAX_PAGE_SECONDS:g})",
        metavar="S",
    )
    parser.add_argument(
        "--max-worker-mb",
        type=_megabytes,
        help="kill and replace a worker that grows past N MB while cleaning a page, rejecting "
        f"the page (default {DEFAULT_MAX_WORKER_BYTES // MB})",
        metavar="N",
    )
    parser.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="clean the batches on the Dask cluster with this scheduler (tcp://host:8786)",
    )
    parser.add_argument(
        "--drop-duplicates",
        action="store_true",
        help="reject records that repeat an earlier record's text (default: mark them dup_of)",
    )
    parser.add_argument(
        "--compact",
        action="store_true",
        help="after each run, merge OUT's parts keeping each page's latest version",
    )


def _params(args: argparse.Namespace) -> CleanParams:
    """Only the options given on the command line; CleanParams holds the defaults."""
    given = {
        "inputs": args.inputs,
        "out": args.out,
        "batch_size": args.batch_size,
        "batch_bytes": args.batch_mb,
        "workers": args.workers,
        "max_page_bytes": args.max_page_mb,
        "max_page_seconds": args.max_page_seconds,
        "max_worker_bytes": args.max_worker_mb,
        "dask_address": args.dask_address,
        "compact": args.compact or None,
        "drop_duplicates": args.drop_duplicates or None,
        "run_id": getattr(args, "run_id", None),
    }
    return CleanParams(**{name: value for name, value in given.items() if value is not None})


def set_env_defaults() -> None:
    """Must run before prefect is imported (it reads its settings at import) and before the
    worker pool starts."""
    for name, value in ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)


def seed_prefect_database() -> None:
    """When this run's Prefect server will be one of its own (no PREFECT_API_URL), hand a
    fresh PREFECT_HOME the database migrated at install time (`flows.server.seed_database`)."""
    from prefect.settings import get_current_settings

    from flows.server import seed_database

    settings = get_current_settings()
    if not settings.api.url and settings.server.database.connection_url is not None:
        seed_database(settings.server.database.connection_url.get_secret_value())


def print_to_reader(text: str) -> None:
    """Print to stdout, terminal control characters shown as escapes (`flows.terminal`): the
    lines quote file names, run ids and page text."""
    _write_to_reader(printable(text))


def print_error(text: str) -> None:
    """Print a line to stderr, terminal control characters shown as escapes: the messages
    quote file names and what the user typed."""
    print(printable(text), file=sys.stderr, flush=True)


def _write_to_reader(text: str) -> None:
    """Print to stdout as it is; if its reader went away (piped into `head`), drop further
    output and let the run finish: the records are the point, the terminal lines are not."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class _ProgressPrinter(logging.Handler):
    """Prints the flow's progress lines (log records flagged PROGRESS_FLAG) as plain lines."""

    def __init__(self, flag: str) -> None:
        super().__init__()
        self.flag = flag

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, self.flag, False):
            print_to_reader(record.getMessage())

    def stop(self) -> None:
        """Nothing to tidy up after plain lines."""


# What the live display reads from the flow's lines (flows.pipeline, flows.summary): the
# run's plan, each finished batch, and each failed one (an error record, not flagged).
_PLAN_LINE = re.compile(r"^run \S+: \d+ files, \d+ unchanged .*?; (?P<files>\d+) in \d+ batches")
_BATCH_LINE = re.compile(
    r"^batch \d+/\d+: (?P<records>\d+) records, (?P<rejects>\d+) rejects \((?P<files>\d+) files"
)
_FAILED_BATCH_LINE = re.compile(r"^batch \d+/\d+: FAILED, (?P<files>\d+) files")


class _LiveProgress(_ProgressPrinter):
    """On a terminal: the plan line, then one live bar instead of a line per batch. The bar
    moves page by page with the workers' live counts (`flows.progress`): files done of all,
    pages and their rate, rejects so far (counted as batches end), the time spent and the
    time left, estimated from the bytes of the files done. `stop` leaves its final state."""

    def __init__(self, flag: str, console: Console) -> None:
        super().__init__(flag)
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("cleaning"),
            BarColumn(bar_width=12),
            TextColumn("{task.fields[files_done]}/{task.fields[files]} files,"),
            _PageCounts(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task: TaskID | None = None

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        flagged = getattr(record, self.flag, False)
        live: LiveCounts | None = getattr(record, LIVE_FLAG, None)
        if flagged and _PLAN_LINE.match(message):
            self.console.print(printable(message), markup=False, highlight=False, soft_wrap=True)
        elif live is not None:
            self._show(live)
        elif self.task is None:
            return
        elif flagged and (batch := _BATCH_LINE.match(message)):
            self._add_rejects(int(batch["rejects"]))
        elif record.levelno >= logging.ERROR and (failed := _FAILED_BATCH_LINE.match(message)):
            # A failed batch's files are all recorded as batch_failed rejects.
            self._add_rejects(int(failed["files"]), failed=1)

    def _show(self, live: LiveCounts) -> None:
        counts = {"files": live.files, "files_done": live.files_done, "pages": live.pages}
        if self.task is None:
            if not live.files:
                return
            self.task = self.progress.add_task(
                "clean", total=max(live.bytes, 1), rejects=0, failed=0, **counts
            )
            self.progress.start()
        self.progress.update(self.task, completed=live.bytes_done, refresh=True, **counts)

    def _add_rejects(self, rejects: int, failed: int = 0) -> None:
        assert self.task is not None
        fields = self.progress.tasks[0].fields
        self.progress.update(
            self.task, rejects=fields["rejects"] + rejects, failed=fields["failed"] + failed
        )

    def stop(self) -> None:
        self.progress.stop()


class _PageCounts(ProgressColumn):
    """Pages so far (begun in running batches, records and rejects of finished ones), their
    rate over the whole run, and the rejects."""

    def render(self, task: Task) -> Text:
        pages = task.fields["pages"]
        seconds = task.finished_time if task.finished else task.elapsed
        rate = pages / seconds if seconds else 0.0
        text = f"{pages} pages ({rate:.1f}/s), {task.fields['rejects']} rejects"
        if task.fields["failed"]:
            return Text(f"{text}, {task.fields['failed']} batches FAILED", style="bold red")
        return Text(text)


def _progress_printer(flag: str) -> _ProgressPrinter:
    """A live display on a terminal; plain lines for pipes, files, CI and cron."""
    if sys.stdout.isatty():
        return _LiveProgress(flag, Console())
    return _ProgressPrinter(flag)


class _StopOnInterrupt:
    """SIGINT handler while a flow runs: stops the display and the workers, silences the log
    (the batches in flight fail with the workers) and lets Prefect record the run as crashed.
    The Prefect server runs in a session of its own (see `_use_reachable_server`), so Ctrl-C in
    the terminal does not stop it under the run. Finished batches are complete Parquet parts;
    unfinished ones left only hidden temporary files.
    """

    def __init__(self, out: str, printer: _ProgressPrinter) -> None:
        self.out = out
        self.printer = printer

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.printer.stop()  # a live display hides the cursor until it stops
        for worker in multiprocessing.active_children():
            worker.terminate()
        print_error(f"winnow: interrupted; finished batches are in {self.out}")
        # The batches in flight now fail with the pool: tracebacks of no use to the reader.
        logging.disable(logging.CRITICAL)
        raise KeyboardInterrupt


def _clean(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        params = _params(args)
        _check_output_free(params.out)
    except ValidationError as exc:
        print_error(f"winnow clean: error: {describe_errors(exc, OPTION_NAMES)}")
        return EXIT_BAD_CONFIG
    except OutputBusy as exc:
        print_error(f"winnow clean: {exc}; try again when it has finished")
        return EXIT_OUTPUT_BUSY
    except UnsafeStateFile as exc:
        print_error(f"winnow clean: error: {exc}")
        return EXIT_BAD_CONFIG
    if problem := _check_dask(params.dask_address):
        print_error(f"winnow clean: error: {problem}")
        return EXIT_BAD_CONFIG
    files = _files_to_clean(params)
    if files == 0:
        print_error(NO_DUMP_FILES)
        return EXIT_RUN_PROBLEM
    if files is not None and files < params.workers and params.dask_address is None:
        # No more worker processes than files: one that would get no batch still costs a
        # second of CPU to start, which a small run's other processes are waiting for.
        params = params.model_copy(update={"workers": files})
    return _run_clean(params, started, server_idle=args.server_idle)


NO_DUMP_FILES = "winnow clean: no dump files found in the inputs"


def _files_to_clean(params: CleanParams) -> int | None:
    """How many dump files the local inputs list, counted up to the number of workers; None
    when the run itself must list them (remote inputs) or has only deletions to record
    (files of OUT's ledger in the inputs' scope that are gone). 0: the run would do nothing,
    and saying so needs no Prefect server."""
    from flows.ledger import LEDGER_NAME, InputScope, Ledger
    from flows.readers import dumps_listed
    from flows.storage import is_uri

    if any(is_uri(spec) for spec in params.inputs):
        return None
    if files := dumps_listed(params.inputs, up_to=params.workers):
        return files
    state = location(params.out).state_dir()
    if not (state / LEDGER_NAME).is_file():
        return 0
    ledger = Ledger(state)
    try:
        return None if ledger.vanished(InputScope(params.inputs), ()) else 0
    finally:
        ledger.close()


def _check_output_free(out: str) -> None:
    """Fail before Prefect starts if another run holds OUT (the flow itself takes the lock),
    or if a state file of OUT is a symbolic link (`UnsafeStateFile`)."""
    state = location(out).state_dir()
    with exclusive_output(state, holder="winnow clean (checking)"):
        _refuse_unsafe_state_files(out)


def _refuse_unsafe_state_files(out: str) -> None:
    """`UnsafeStateFile` if the lock, the ledger or the server log of OUT is a symbolic link or
    no regular file: `winnow serve` checks before its server starts, not at its first run."""
    from flows.ledger import LEDGER_NAME

    state = location(out).state_dir()
    for name in (LOCK_NAME, LEDGER_NAME, SERVER_LOG_NAME):
        refuse_unsafe_state_file(state / name)


ONE_OFF_SERVER_ENV_DEFAULTS = {
    f"PREFECT_SERVER_{name}": "false"
    for name in (
        "UI_ENABLED",
        "SERVICES_SCHEDULER_ENABLED",
        "SERVICES_LATE_RUNS_ENABLED",
        "SERVICES_FOREMAN_ENABLED",
        "SERVICES_CANCELLATION_CLEANUP_ENABLED",
        "SERVICES_PAUSE_EXPIRATIONS_ENABLED",
        "SERVICES_REPOSSESSOR_ENABLED",
        "SERVICES_TRIGGERS_ENABLED",
        "SERVICES_CLEANUP_RECONCILER_ENABLED",
        "SERVICES_DB_VACUUM_ENABLED",
    )
}
"""The server `winnow clean` starts lives only as long as its one run: it records the flow run,
its task runs and events (the task-run recorder and event persister stay on) and needs no UI,
schedules, automations or clean-up services. Measured: 216 -> 176 MiB resident."""


def _run_clean(params: CleanParams, started: float, *, server_idle: float) -> int:
    """Run the flow with a server winnow starts unless PREFECT_API_URL names one, shared with
    later runs until `server_idle` seconds without one (`flows.shared_server`; 0: this run's
    only); `started` (`time.monotonic()`) is when the command began, for the summary's wall
    time."""
    set_env_defaults()
    own_server = not os.environ.get("PREFECT_API_URL")
    if own_server:
        for name, value in ONE_OFF_SERVER_ENV_DEFAULTS.items():
            os.environ.setdefault(name, value)
    seed_prefect_database()
    with ExitStack() as stack:
        from flows.workers import Limits, WorkerPool

        # The workers import the cleaners (about 1 s) while Prefect is imported and its
        # server starts, instead of after.
        pool = None if params.dask_address else WorkerPool(params.workers, Limits.of(params))
        if pool is not None:
            pool.start_workers()
            # The flow shuts the pool down as it ends; this, if it never ran.
            stack.callback(pool.shutdown, cancel_futures=True)
        from flows.pipeline import run_clean
        from flows.server import ServerFailed
        from flows.summary import PROGRESS_FLAG, RunTiming, format_summary

        flow_run_logger, live_logger = (
            logging.getLogger("prefect.flow_runs"),
            logging.getLogger(LIVE_LOGGER),
        )
        printer = _progress_printer(PROGRESS_FLAG)
        flow_run_logger.addHandler(printer)
        live_logger.addHandler(printer)
        server_started = time.monotonic()
        try:
            _use_reachable_server(stack, params.out, "clean", share_for=server_idle or None)
        except ServerFailed as exc:
            print_error(f"winnow clean: {exc}")
            return EXIT_RUN_PROBLEM
        server_seconds = time.monotonic() - server_started
        if own_server:
            stack.enter_context(_without_heartbeats())
        interrupt = _StopOnInterrupt(params.out, printer)
        previous_handler = signal.signal(signal.SIGINT, interrupt)
        try:
            summary = run_clean(params, pool=pool)
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED  # _StopOnInterrupt told the user
        except OutputBusy as exc:  # another run took OUT since _check_output_free
            print_error(f"winnow clean: {exc}; try again when it has finished")
            return EXIT_OUTPUT_BUSY
        finally:
            signal.signal(signal.SIGINT, previous_handler)
            flow_run_logger.removeHandler(printer)
            live_logger.removeHandler(printer)
            printer.stop()
    timing = RunTiming(total_seconds=time.monotonic() - started, server_seconds=server_seconds)
    print_to_reader(format_summary(summary, timing=timing))
    if summary.files == 0:
        print_error(NO_DUMP_FILES)
        return EXIT_RUN_PROBLEM
    return EXIT_RUN_PROBLEM if summary.failed_batches else EXIT_OK


SERVER_LOG_NAME = ".prefect-server.log"


def _without_heartbeats() -> AbstractContextManager[object]:
    """No flow-run heartbeats on a server winnow started for `winnow clean`: they let a
    server's automations mark a crashed run, and that server runs none (its triggers service is
    off, `ONE_OFF_SERVER_ENV_DEFAULTS`), while the flow's end waits up to 1 s for the
    heartbeat thread to stop."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def _use_reachable_server(
    stack: ExitStack, out: str, command: str, *, share_for: float | None = None
) -> str:
    """The API URL of the run's Prefect server: PREFECT_API_URL if set, else a local `prefect
    server start`: with `share_for`, the one of this PREFECT_HOME that runs share until it has
    been idle that many seconds (its log in PREFECT_HOME), else one that lives as long as
    `stack` (its log beside the ledger). Unlike Prefect's own temporary server, it is reachable
    from other processes (a served flow's runner, Dask workers), and the flow's process does not
    import the server application to start it (78 MiB it would carry for the whole run). Raises
    `ServerFailed`."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    api_url = PREFECT_API_URL.value()
    if api_url:
        return api_url
    if share_for is None:
        api_url = _start_own_server(stack, out, command)
    else:
        api_url = _use_shared_server(stack, command, share_for)
    stack.callback(_send_pending_logs_and_events)  # runs before the server stops
    os.environ["PREFECT_API_URL"] = api_url
    stack.enter_context(temporary_settings(updates={PREFECT_API_URL: api_url}))
    return api_url


def _start_own_server(stack: ExitStack, out: str, command: str) -> str:
    from flows.server import ServerFailed, local_prefect_server

    log_path = location(out).state_dir() / SERVER_LOG_NAME
    try:
        log_fd = open_state_file(log_path, os.O_WRONLY | os.O_APPEND)
    except UnsafeStateFile as exc:
        raise ServerFailed(f"cannot start a Prefect server: {exc}") from None
    log = stack.enter_context(os.fdopen(log_fd, "a", encoding="utf-8"))
    print_to_reader(f"winnow {command}: starting a Prefect server (log: {log_path})")
    started = time.monotonic()
    try:
        api_url = stack.enter_context(local_prefect_server(log))
    except ServerFailed as exc:
        raise ServerFailed(f"{exc}; see {log_path}") from None
    _say_answered(command, started, api_url)
    return api_url


def _use_shared_server(stack: ExitStack, command: str, idle_seconds: float) -> str:
    """The API URL of the server of this PREFECT_HOME that runs share (`flows.shared_server`),
    started if none is up, leased as long as `stack`. Started here, once Prefect's settings say
    where PREFECT_HOME is, rather than earlier in a thread of its own: on 2 cores the server's
    start and the workers' and Prefect's imports all wait for CPU, and a run ended no sooner."""
    from prefect import __version__ as prefect_version
    from prefect.settings import get_current_settings

    from flows.server import ServerFailed
    from flows.shared_server import FOLDER_NAME, shared_prefect_server

    settings = get_current_settings()
    database = settings.server.database.connection_url
    identity = f"prefect {prefect_version} {database.get_secret_value() if database else ''}"
    started = time.monotonic()

    def starting(log_path: Path) -> None:
        nonlocal started
        print_to_reader(f"winnow {command}: starting a Prefect server (log: {log_path})")
        started = time.monotonic()

    try:
        server = stack.enter_context(
            shared_prefect_server(
                Path(settings.home).expanduser() / FOLDER_NAME,
                identity,
                idle_seconds=idle_seconds,
                on_start=starting,
            )
        )
    except (UnsafeStateFile, OSError) as exc:  # a link in a file's place; PREFECT_HOME unwritable
        raise ServerFailed(f"cannot start a Prefect server: {exc}") from None
    if server.reused:
        print_to_reader(
            f"winnow {command}: using the Prefect server an earlier run started, at"
            f" {server.api_url.removesuffix('/api')}"
        )
    else:
        _say_answered(command, started, server.api_url)
    print_to_reader(
        f"winnow {command}: the server stops after {server.idle_seconds:g} s without a run"
        f" (--server-idle), or now with `kill {server.keeper_pid}`"
    )
    return server.api_url


def _say_answered(command: str, started: float, api_url: str) -> None:
    print_to_reader(
        f"winnow {command}: the Prefect server answered after"
        f" {time.monotonic() - started:.1f} s at {api_url.removesuffix('/api')}"
    )


QUEUE_SERVICE_LOGGERS = ("EventsWorker", "APILogWorker")
"""Prefect's background senders log a WARNING "Still processing items: N items remaining"
when they are drained with items left, which is what draining them is for."""


def _send_pending_logs_and_events() -> None:
    """Prefect's clients send logs and events in the background, the last of them at exit:
    after the server winnow started is gone, they would print connection errors instead."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogHandler

    for name in QUEUE_SERVICE_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    APILogHandler().flush()
    EventsWorker.drain_all()


def _check_dask(address: str | None) -> str | None:
    """Why the Dask scheduler cannot be used, checked before Prefect starts; None if it can."""
    if address is None:
        return None
    from distributed import Client

    try:
        with Client(address, timeout=10):
            return None
    except (OSError, TimeoutError) as exc:
        return f"--dask-address: cannot reach a Dask scheduler at {address} ({exc})"


SERVE_ENV_DEFAULTS = {
    # A service's log: each run's start, summary line and end (Prefect's INFO lines).
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO",
    # The server's own log goes to a file; its shutdown tracebacks are noise there too.
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
}
_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_.-]+")


def _serve(args: argparse.Namespace) -> int:
    """Everything is validated before a server starts; Ctrl-C stops the runner (a run in
    progress is interrupted, its finished batches kept), then the server, and exits 0."""
    if args.interval is not None and not (math.isfinite(args.interval) and args.interval > 0):
        print_error("winnow serve: error: --interval must be a positive number")
        return EXIT_BAD_CONFIG
    try:
        params = _params(args)
        _refuse_unsafe_state_files(params.out)
    except ValidationError as exc:
        print_error(f"winnow serve: error: {describe_errors(exc, OPTION_NAMES)}")
        return EXIT_BAD_CONFIG
    except UnsafeStateFile as exc:
        print_error(f"winnow serve: error: {exc}")
        return EXIT_BAD_CONFIG
    if problem := _check_dask(params.dask_address):
        print_error(f"winnow serve: error: {problem}")
        return EXIT_BAD_CONFIG
    for name, value in SERVE_ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    set_env_defaults()
    seed_prefect_database()
    from prefect.client.schemas.schedules import CronSchedule

    from flows.server import ServerFailed

    if args.cron is not None:
        try:
            CronSchedule(cron=args.cron)
        except ValidationError:
            print_error(f"winnow serve: error: --cron: not a cron expression: {args.cron!r}")
            return EXIT_BAD_CONFIG
    out_name = location(params.out).path.rstrip("/").rsplit("/", 1)[-1]
    name = args.name or _NAME_CHARACTERS.sub("-", out_name) or "winnow"
    schedule = f"cron {args.cron!r}" if args.cron else f"every {args.interval:g} s"
    with ExitStack() as stack:
        try:
            api_url = _use_reachable_server(stack, params.out, "serve")
        except ServerFailed as exc:
            print_error(f"winnow serve: {exc}")
            return EXIT_RUN_PROBLEM
        from flows.pipeline import serve_clean

        ui_url = api_url.removesuffix("/api")
        print_to_reader(
            f"winnow serve: clean-dumps/{name}, {schedule}, into {params.out};"
            f" runs in the Prefect UI at {ui_url}/runs; Ctrl-C stops"
        )
        serve_clean(params, name=name, cron=args.cron, interval=args.interval)
    print_to_reader("winnow serve: stopped")
    return EXIT_OK


def _compact(args: argparse.Namespace) -> int:
    if args.rows_per_part < 1:
        print_error("winnow compact: error: --rows-per-part must be at least 1")
        return EXIT_BAD_CONFIG
    try:
        out = location(args.out)
        has_records = out.child(RECORDS_DIR).exists()
    except (OSError, ValueError) as exc:
        print_error(f"winnow compact: error: {exc}")
        return EXIT_BAD_CONFIG
    if not has_records:
        print_error(f"winnow compact: error: no records in {args.out}")
        return EXIT_BAD_CONFIG
    try:
        with exclusive_output(out.state_dir(), holder="winnow compact"):
            remove_stale_parts(out)
            report = compact(args.out, rows_per_part=args.rows_per_part)
            print_to_reader(compacted_line(args.out, report))
    except OutputBusy as exc:
        print_error(f"winnow compact: {exc}; try again when it has finished")
        return EXIT_OUTPUT_BUSY
    except UnsafeStateFile as exc:
        print_error(f"winnow compact: error: {exc}")
        return EXIT_BAD_CONFIG
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from flows.ledger import LEDGER_NAME, Ledger
    from flows.readers import list_dumps
    from flows.summary import format_runs

    try:
        state = location(args.out).state_dir()
    except (OSError, ValueError) as exc:
        print_error(f"winnow status: error: {exc}")
        return EXIT_BAD_CONFIG
    if not (state / LEDGER_NAME).is_file():
        print_error(f"winnow status: error: no runs recorded in {args.out}")
        return EXIT_BAD_CONFIG
    try:
        dumps = list_dumps(args.inputs) if args.inputs else []
    except (FileNotFoundError, ValueError) as exc:
        print_error(f"winnow status: error: {exc}")
        return EXIT_BAD_CONFIG
    try:
        ledger = Ledger(state)
    except UnsafeStateFile as exc:
        print_error(f"winnow status: error: {exc}")
        return EXIT_BAD_CONFIG
    try:
        runs = ledger.runs()
        pending = ledger.plan(dumps, update=False)[0] if dumps else []
    finally:
        ledger.close()
    print_to_reader(format_runs(runs))
    if args.inputs:
        print_to_reader(
            f"pending in the inputs: {len(pending)} of {len(dumps)} files new or changed"
        )
    return EXIT_OK


def _eval(args: argparse.Namespace) -> int:
    """Everything is checked (options, dataset files, report folder) before a page is run."""
    from flows.evaluate import (
        EvalOptions,
        check_runnable,
        default_report_path,
        format_run,
        load_dataset,
        print_progress,
        run_eval,
        write_report,
    )

    try:
        given = {"workers": args.workers, "limit": args.limit}
        options = EvalOptions(
            mode="text" if args.text else "html",
            **{name: value for name, value in given.items() if value is not None},
        )
        dataset = load_dataset(args.dataset)
        check_runnable(dataset, options)
        report_path = Path(args.report or default_report_path(dataset, options.mode))
        if not report_path.parent.resolve().is_dir():
            raise ValueError(f"--report: no such folder: {report_path.parent}")
    except ValueError as exc:  # includes DatasetError: the folder is not a usable dataset
        print_error(f"winnow eval: error: {exc}")
        return EXIT_BAD_CONFIG

    run = run_eval(dataset, options, progress=print_progress)
    write_report(run, report_path)
    print_to_reader(format_run(run))
    print_to_reader(f"report: {report_path}")
    return EXIT_OK


def _inspect(args: argparse.Namespace) -> int:
    from cleaners.reasons import is_known_removal
    from flows.inspection import (
        NothingToInspect,
        ReasonColours,
        latest_records,
        record_json,
        record_text,
        render,
    )

    if args.limit < 1:
        print_error("winnow inspect: error: --limit must be at least 1")
        return EXIT_BAD_CONFIG
    if args.reason is not None and not is_known_removal(args.reason):
        print_error(
            f"winnow inspect: error: --reason: no cleaner gives {args.reason!r}; give a reason "
            'such as "byline", a cleaner such as "widgets", or both ("widgets/social_share")'
        )
        return EXIT_BAD_CONFIG
    try:
        rows = latest_records(args.out, source=args.source, reason=args.reason, limit=args.limit)
    except NothingToInspect as exc:
        print_error(f"winnow inspect: {exc}")
        return EXIT_BAD_CONFIG
    except (OSError, ValueError) as exc:
        print_error(f"winnow inspect: error: {exc}")
        return EXIT_BAD_CONFIG
    if args.json:
        for row in rows:
            print_to_reader(printable_json(record_json(row)))
        return EXIT_OK
    colour = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    width = shutil.get_terminal_size().columns
    colours = ReasonColours()
    # As it is: the styles are escapes on purpose, and record_text showed the page's own.
    _write_to_reader(
        "\n\n".join(render(record_text(row, colours), colour=colour, width=width) for row in rows)
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:  # before the flow started; during it, _StopOnInterrupt reports
        print_error("winnow: interrupted")
        return EXIT_INTERRUPTED


def _report(args: argparse.Namespace) -> int:
    from flows.report import write_report

    target = Path(args.output)
    if not target.parent.resolve().is_dir():
        print_error(f"winnow report: error: no such folder: {target.parent}")
        return EXIT_BAD_CONFIG
    try:
        facts = write_report(args.out, target, samples=args.samples)
    except (OSError, ValueError) as exc:  # includes FileNotFoundError: no such OUT
        print_error(f"winnow report: error: {exc}")
        return EXIT_BAD_CONFIG
    print_to_reader(
        f"report: {target} ({facts.records} records, {facts.rejects} rejects, {facts.runs} runs)"
    )
    return EXIT_OK
