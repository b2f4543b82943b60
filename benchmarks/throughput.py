"""Throughput and peak memory on the wcxb-dev pages, with bare trafilatura measured in the same run.

    .venv/bin/python benchmarks/throughput.py [--scale N] [--text-scale N] [--workers N]
                                              [--quick] [--skip-flow]

Builds its inputs in a temporary folder from ../shared/devdata/wcxb-dev: copies of the pages
under new names, and one multi-record .warc.gz of the HTML pages. Every measurement runs in a
child process whose whole tree (workers, the run's Prefect server) is sampled every 0.2 s;
peak RSS is the largest sum over the tree (pages shared between processes count once per
process, so it is an upper bound). Prints one table, then the issue 18 targets with met / not met.
The machine is shared and noisy: compare figures from one run, not across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psutil
from inputs import HTML_DIR, TEXT_DIR, replicate, source_pages, write_warc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.shared_server import FOLDER_NAME, read_record  # noqa: E402

WINNOW = ROOT / ".venv" / "bin" / "winnow"
SAMPLE_SECONDS = 0.2
MIB = 1024 * 1024
GIB = 1024 * MIB
TEXT_RUN_SECONDS = 10.0  # the (d) text run is sized to last at least this long in the flow
QUICK_HTML_PAGES = 40
QUICK_TEXT_PAGES = 100
LIBRARY_KINDS = ("trafilatura", "trafilatura-pool", "clean_html", "clean_text", "clean_text-pool")

# Issue 18's targets.
E2E_HTML_SHARE = 1.0  # winnow clean on HTML >= this share of bare trafilatura on all cores
TEXT_DOCS_PER_CORE = 500.0
STARTUP_EXISTING_SECONDS = 5.0  # a 1-file run, wall, on a PREFECT_HOME an earlier run used
STARTUP_FRESH_SECONDS = 6.0  # the same on a fresh PREFECT_HOME
FLOW_OVERHEAD_LIMIT = 0.15  # of the flow's time on OVERHEAD_MIN_DUMPS text dumps (f)
OVERHEAD_MIN_DUMPS = 20_000
PEAK_RSS_LIMIT = GIB
MEMORY_GROWTH_LIMIT = 1.2  # peak RSS at 10x the input / at 1x

# The CLI's summary lines: "inputs 404 = records 398 + rejects 6" and "40.1 s cleaning (10.1
# docs/s); 52.3 s wall: ...".
SUMMARY_INPUTS = re.compile(r"^inputs (\d+) = records", re.MULTILINE)
SUMMARY_RATE = re.compile(r"^([\d.]+) s cleaning \(([\d.]+) docs/s\)", re.MULTILINE)


def default_workers() -> int:
    return len(os.sched_getaffinity(0))


# --- child side: one library measurement, printed as JSON -------------------------------------


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _extract_file(path: Path) -> None:
    import trafilatura

    trafilatura.extract(_read(path), include_comments=False)


def _library_call(kind: str) -> Callable[[Path], object]:
    if kind == "trafilatura":
        return _extract_file
    from cleaners import clean_html, clean_text

    clean = clean_html if kind == "clean_html" else clean_text
    return lambda path: clean(_read(path))


def _clean_text_file(path: Path) -> None:
    from cleaners import clean_text

    clean_text(_read(path))


def measure_library(kind: str, folder: Path, workers: int) -> None:
    """Clean every file of `folder` (read inside the timed loop, as a pipeline would) and print
    {"docs", "seconds"}; imports and pool start-up happen before the clock starts."""
    paths = sorted(folder.iterdir())
    if kind == "clean_text-pool":
        chunk = max(1, len(paths) // (workers * 8))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_clean_text_file, paths[:workers]))  # each worker's first page
            start = time.perf_counter()
            list(pool.map(_clean_text_file, paths, chunksize=chunk))
            seconds = time.perf_counter() - start
    elif kind == "trafilatura-pool":
        import trafilatura  # noqa: F401  (imported once here; forked workers inherit it)

        chunk = max(1, len(paths) // (workers * 8))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(abs, range(workers)))  # workers up before the clock starts
            start = time.perf_counter()
            list(pool.map(_extract_file, paths, chunksize=chunk))
            seconds = time.perf_counter() - start
    else:
        call = _library_call(kind)
        call(paths[0])  # first call loads lazy resources (trafilatura's, the cleaners' rules)
        start = time.perf_counter()
        for path in paths:
            call(path)
        seconds = time.perf_counter() - start
    print(json.dumps({"docs": len(paths), "seconds": seconds}))


# --- parent side: child processes with their peak RSS -----------------------------------------


@dataclass
class Measured:
    """One child process tree: exit code, output, wall time, peak RSS (bytes), and what the
    tree held at that peak: role -> (processes, bytes)."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss: int
    peak_parts: dict[str, tuple[int, int]]


def process_role(process: psutil.Process, root: psutil.Process) -> str:
    """main (the measured command), server (the run's Prefect server), worker, or other."""
    if process.pid == root.pid:
        return "main"
    command = " ".join(process.cmdline())
    if "uvicorn" in command or "prefect server" in command or "shared_server" in command:
        return "server"
    if "resource_tracker" in command:
        return "other"
    return "worker"


class PeakRssSampler(threading.Thread):
    """Sums the RSS of a process and all its descendants every SAMPLE_SECONDS; keeps the
    largest sum and its make-up. Processes that exit between listing and reading count 0."""

    def __init__(self, pid: int, home: Path | None = None) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.home = home
        self.roles: dict[int, str] = {}
        self.peak = 0
        self.peak_parts: dict[str, tuple[int, int]] = {}
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.is_set():
            self.sample()
            self.finished.wait(SAMPLE_SECONDS)

    def sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        processes += [p for p in shared_server_processes(self.home) if p not in processes]
        parts: dict[str, tuple[int, int]] = {}
        for process in processes:
            try:
                rss = process.memory_info().rss
                if process.pid not in self.roles:
                    self.roles[process.pid] = process_role(process, self.root)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            role = self.roles[process.pid]
            count, total = parts.get(role, (0, 0))
            parts[role] = (count + 1, total + rss)
        total = sum(rss for _, rss in parts.values())
        if total > self.peak:
            self.peak, self.peak_parts = total, parts

    def stop(self) -> None:
        self.finished.set()
        self.join()


def shared_server_processes(home: Path | None) -> list[psutil.Process]:
    """The keeper and the server of the shared Prefect server of PREFECT_HOME `home`
    (`flows.shared_server`): a run that reuses it does not have it among its children, and its
    memory counts all the same."""
    record = read_record(home / FOLDER_NAME) if home else None
    if record is None:
        return []
    try:
        keeper = psutil.Process(record.keeper_pid)
        return [keeper, *keeper.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def stop_shared_server(home: Path) -> None:
    """SIGTERM to the keeper of `home`'s shared server, which stops it and exits."""
    for process in shared_server_processes(home)[:1]:
        process.terminate()


def run_measured(command: Sequence[str], env: dict[str, str] | None = None) -> Measured:
    start = time.perf_counter()
    home = Path(env["PREFECT_HOME"]) if env and "PREFECT_HOME" in env else None
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        sampler = PeakRssSampler(process.pid, home)
        sampler.start()
        stdout, stderr = process.communicate()
        sampler.stop()
    seconds = time.perf_counter() - start
    return Measured(process.returncode, stdout, stderr, seconds, sampler.peak, sampler.peak_parts)


def report_failure(label: str, measured: Measured) -> str:
    tail = "\n".join(measured.stderr.strip().splitlines()[-15:])
    print(f"!! {label} exited {measured.returncode}; stderr tail:\n{tail}", flush=True)
    return f"failed (exit {measured.returncode})"


# --- results ----------------------------------------------------------------------------------


@dataclass
class Row:
    case: str
    docs: int | None = None
    seconds: float | None = None
    rate: float | None = None  # docs/s; None where it means nothing (start-up runs, failures)
    cores: int = 1
    peak_rss: int | None = None
    peak_parts: dict[str, tuple[int, int]] | None = None
    note: str = ""

    @property
    def per_core(self) -> float | None:
        return None if self.rate is None else self.rate / self.cores

    @property
    def peak_make_up(self) -> str:
        """MiB per role at the peak sample, as in "main 215 + server 206 + 2 worker 234"."""
        if not self.peak_parts:
            return ""
        order = ("main", "server", "worker", "other")
        parts = sorted(self.peak_parts.items(), key=lambda item: order.index(item[0]))
        return " + ".join(
            f"{'' if count == 1 else f'{count} '}{role} {rss / MIB:.0f}"
            for role, (count, rss) in parts
        )


def library_row(case: str, kind: str, folder: Path, workers: int) -> Row:
    command = [sys.executable, __file__, "--measure", kind, str(folder), "--workers", str(workers)]
    measured = run_measured(command)
    cores = workers if kind.endswith("-pool") else 1
    if measured.returncode != 0:
        return Row(case, cores=cores, note=report_failure(case, measured))
    result = json.loads(measured.stdout.strip().splitlines()[-1])
    docs, seconds = result["docs"], result["seconds"]
    row = Row(case, docs, seconds, docs / seconds, cores, measured.peak_rss, measured.peak_parts)
    progress(row)
    return row


@dataclass
class FlowRun:
    """A `winnow clean` subprocess: wall figures, and the flow's own from its summary."""

    wall: Row
    flow: Row


def winnow_clean(
    case: str, inputs: Path, out: Path, workers: int, env: dict[str, str], expected_docs: int
) -> FlowRun:
    command = [str(WINNOW), "clean", str(inputs), "--out", str(out), "--workers", str(workers)]
    measured = run_measured(command, env)
    wall = Row(
        f"{case}, wall",
        cores=workers,
        seconds=measured.seconds,
        peak_rss=measured.peak_rss,
        peak_parts=measured.peak_parts,
    )
    flow = Row(f"{case}, in the flow", cores=workers, note="same run as above")
    inputs_match = SUMMARY_INPUTS.search(measured.stdout)
    rate_match = SUMMARY_RATE.search(measured.stdout)
    if measured.returncode != 0 or not (inputs_match and rate_match):
        wall.note = report_failure(case, measured)
        return FlowRun(wall, flow)
    docs = int(inputs_match.group(1))
    wall.docs = flow.docs = docs
    wall.rate = docs / measured.seconds
    flow.seconds, flow.rate = float(rate_match.group(1)), float(rate_match.group(2))
    if docs != expected_docs:
        wall.note = f"expected {expected_docs} docs"
    progress(wall)
    return FlowRun(wall, flow)


def startup_row(case: str, folder: Path, out: Path, workers: int, env: dict[str, str]) -> Row:
    run = winnow_clean(case, folder, out, workers, env, expected_docs=1)
    row = run.wall
    row.case, row.rate = case, None
    return row


def progress(row: Row) -> None:
    rate = "" if row.rate is None or row.docs == 1 else f", {row.rate:.1f} docs/s"
    print(f".. {row.case}: {row.docs} docs in {row.seconds:.1f} s{rate}", flush=True)


def _cell(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.{digits}f}"


def print_table(rows: list[Row]) -> None:
    header = (
        "case",
        "docs",
        "seconds",
        "docs/s",
        "docs/s/core",
        "peak RSS MiB",
        "peak make-up MiB / note",
    )
    # A failed run's note says so; otherwise the note is the peak's make-up.
    cells = [
        (
            row.case,
            _cell(row.docs),
            _cell(row.seconds),
            _cell(row.rate),
            _cell(row.per_core),
            _cell(None if row.peak_rss is None else row.peak_rss / MIB, 0),
            row.note or row.peak_make_up,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        padded = [
            value.ljust(width) if i in (0, 6) else value.rjust(width)
            for i, (value, width) in enumerate(zip(values, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    print(line(header))
    print(line(["-" * width for width in widths]))
    for values in cells:
        print(line(values))


@dataclass
class Results:
    """Everything one run measured; the flow runs stay None with --skip-flow."""

    library: list[Row]
    pool: Row
    html: FlowRun | None = None
    startup_default: Row | None = None
    startup_fresh: Row | None = None
    text: FlowRun | None = None
    warc: FlowRun | None = None
    tenfold: FlowRun | None = None

    def rows(self) -> list[Row]:
        rows = list(self.library)
        if self.html:
            rows += [self.html.wall, self.html.flow]
        rows += [row for row in (self.startup_default, self.startup_fresh) if row]
        for run in (self.text, self.warc, self.tenfold):
            if run:
                rows += [run.wall, run.flow]
        return rows

    def winnow_runs(self) -> list[Row]:
        """One row per `winnow clean` process (the wall rows), for peak RSS."""
        runs = [self.html, self.text, self.warc, self.tenfold]
        rows = [run.wall for run in runs if run] + [self.startup_default, self.startup_fresh]
        return [row for row in rows if row and row.peak_rss]


def _e2e_html(results: Results) -> tuple[str, bool] | None:
    html, pool = results.html, results.pool
    if not (html and html.flow.rate and html.wall.rate and pool.rate):
        return None
    share = html.flow.rate / pool.rate
    return (
        f"{html.flow.rate:.1f} docs/s in the flow = {share:.2f} x (b) {pool.rate:.1f}"
        f" (wall: {html.wall.rate / pool.rate:.2f} x)",
        share >= E2E_HTML_SHARE,
    )


def _text_per_core(results: Results) -> tuple[str, bool] | None:
    text = results.text
    if not (text and text.flow.per_core and text.wall.per_core):
        return None
    return (
        f"{text.flow.per_core:.1f} docs/s per core in the flow (wall: {text.wall.per_core:.1f})",
        text.flow.per_core >= TEXT_DOCS_PER_CORE,
    )


def _peak_rss(results: Results) -> tuple[str, bool] | None:
    runs = results.winnow_runs()
    if not runs:
        return None
    largest = max(runs, key=lambda row: row.peak_rss or 0)
    peak = largest.peak_rss or 0
    return f"max {peak / MIB:.0f} MiB: {largest.case}", peak < PEAK_RSS_LIMIT


def _memory_growth(results: Results) -> tuple[str, bool] | None:
    if not (results.text and results.tenfold):
        return None
    once, tenfold = results.text.wall.peak_rss, results.tenfold.wall.peak_rss
    if not (once and tenfold) or results.tenfold.wall.note:
        return None
    ratio = tenfold / once
    return (
        f"{ratio:.2f} x ({once / MIB:.0f} MiB for (d) -> {tenfold / MIB:.0f} MiB for (f))",
        ratio < MEMORY_GROWTH_LIMIT,
    )


def _startup(row: Row | None, limit: float) -> tuple[str, bool] | None:
    if not (row and row.docs and row.seconds):
        return None
    return f"{row.seconds:.1f} s wall", row.seconds <= limit


def _flow_overhead(results: Results) -> tuple[str, bool] | None:
    """The share of (f)'s time in the flow that cleaning alone, at the rate of a bare process
    pool of `clean_text` on the same cores, would not take: listing, ledger, Parquet,
    Prefect, duplicate marking. (Two busy cores of this machine clean less than twice what one
    does, so one process's rate times the cores would overstate the overhead.)"""
    tenfold, pool = results.tenfold, results.library[-1]
    if not (tenfold and tenfold.flow.seconds and tenfold.flow.docs and pool.rate):
        return None
    cleaning = tenfold.flow.docs / pool.rate
    share = 1 - cleaning / tenfold.flow.seconds
    return (
        f"{share:.0%} of {tenfold.flow.seconds:.0f} s on {tenfold.flow.docs} dumps (cleaning"
        f" alone {cleaning:.0f} s)",
        share < FLOW_OVERHEAD_LIMIT and tenfold.flow.docs >= OVERHEAD_MIN_DUMPS,
    )


TARGETS = (
    (f"e2e HTML (c) >= {E2E_HTML_SHARE} x (b)", _e2e_html),
    (f"text dumps (d) >= {TEXT_DOCS_PER_CORE:.0f} docs/s per core", _text_per_core),
    (
        f"1-file run, existing PREFECT_HOME <= {STARTUP_EXISTING_SECONDS:.0f} s",
        lambda results: _startup(results.startup_default, STARTUP_EXISTING_SECONDS),
    ),
    (
        f"1-file run, fresh PREFECT_HOME <= {STARTUP_FRESH_SECONDS:.0f} s",
        lambda results: _startup(results.startup_fresh, STARTUP_FRESH_SECONDS),
    ),
    (
        f"flow overhead (f) < {FLOW_OVERHEAD_LIMIT:.0%} on {OVERHEAD_MIN_DUMPS:,}+ dumps",
        _flow_overhead,
    ),
    (f"peak RSS < {PEAK_RSS_LIMIT // GIB} GiB (winnow clean)", _peak_rss),
    (f"10x input (f): peak RSS < {MEMORY_GROWTH_LIMIT} x", _memory_growth),
)


def print_targets(results: Results) -> None:
    """Issue 18's targets against this run's figures. Rates are the flow's own (Prefect
    start-up excluded), with the wall figure alongside."""
    lines = []
    for label, check in TARGETS:
        outcome = check(results)
        if outcome is None:
            lines.append((label, "-", "not measured"))
        else:
            lines.append((label, outcome[0], "met" if outcome[1] else "NOT MET"))
    label_width = max(len(label) for label, _, _ in lines)
    value_width = max(len(value) for _, value, _ in lines)
    print("\nTargets (issue 18):")
    for label, value, verdict in lines:
        print(f"  {label:<{label_width}}  {value:<{value_width}}  {verdict}")


# --- machine ----------------------------------------------------------------------------------


def _git(*args: str) -> str:
    result = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def _cpu_model() -> str:
    try:
        for text_line in Path("/proc/cpuinfo").read_text().splitlines():
            if text_line.startswith("model name"):
                return text_line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def print_machine(workers: int) -> None:
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    if _git("status", "--porcelain"):
        commit += " + uncommitted changes"
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}   winnow commit: {commit}")
    print(
        f"machine: {platform.system()} {platform.machine()}, {_cpu_model()},"
        f" {os.cpu_count()} cores ({default_workers()} usable, {workers} workers),"
        f" {psutil.virtual_memory().total / GIB:.1f} GiB RAM, load average {load_average()}"
    )
    print(
        f"python {platform.python_version()}, trafilatura {version('trafilatura')},"
        f" prefect {version('prefect')}, psutil {version('psutil')}"
    )


def _size(paths: list[Path]) -> str:
    return f"{sum(path.stat().st_size for path in paths) / 1e6:.1f} MB"


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=int, default=1, metavar="N", help="copies of the HTML pages (default 1)"
    )
    parser.add_argument(
        "--text-scale",
        type=int,
        metavar="N",
        help="copies of the text dumps for (d); 10x that for (f) (default: enough for (d) to"
        f" last {TEXT_RUN_SECONDS:.0f} s at the measured clean_text rate)",
    )
    parser.add_argument(
        "--workers", type=int, default=default_workers(), metavar="N", help="default: all cores"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"first {QUICK_HTML_PAGES} HTML and {QUICK_TEXT_PAGES} text pages, one copy",
    )
    parser.add_argument("--skip-flow", action="store_true", help="library figures only")
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="PATH",
        help="also write the figures as a page (make bench: docs/performance.md)",
    )
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale < 1 or args.workers < 1 or (args.text_scale is not None and args.text_scale < 1):
        parser.error("--scale, --text-scale and --workers must be at least 1")
    if args.measure and args.measure[0] not in LIBRARY_KINDS:
        parser.error(f"--measure KIND must be one of {', '.join(LIBRARY_KINDS)}")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.measure:
        measure_library(args.measure[0], Path(args.measure[1]), args.workers)
        return
    if not args.skip_flow and not WINNOW.is_file():
        sys.exit(f"no {WINNOW}: install the project first (make install)")
    workers = args.workers
    html_pages = source_pages(HTML_DIR, QUICK_HTML_PAGES if args.quick else 0)
    text_pages = source_pages(TEXT_DIR, QUICK_TEXT_PAGES if args.quick else 0)
    machine = io.StringIO()
    with contextlib.redirect_stdout(machine):
        print_machine(workers)
    print(machine.getvalue(), end="", flush=True)
    with tempfile.TemporaryDirectory(prefix="winnow-bench-") as tmp_name:
        tmp = Path(tmp_name)
        html_set = replicate(html_pages, tmp / "html", args.scale)
        text_once = replicate(text_pages, tmp / "text-once", 1)
        print(
            f"inputs: {len(html_pages)} wcxb-dev HTML pages x {args.scale} = {len(html_set)}"
            f" ({_size(html_set)}); {len(text_pages)} text dumps ({_size(text_once)});"
            f" in {tmp}",
            flush=True,
        )
        html_dir, text_dir = tmp / "html", tmp / "text-once"
        library = [library_row("(a) trafilatura.extract, 1 process", "trafilatura", html_dir, 1)]
        pool = library_row(
            f"(b) trafilatura.extract, pool of {workers}", "trafilatura-pool", html_dir, workers
        )
        text_rate = library_row("cleaners.clean_text, 1 process", "clean_text", text_dir, 1)
        library += [
            pool,
            library_row("cleaners.clean_html, 1 process", "clean_html", html_dir, 1),
            text_rate,
            library_row(
                f"cleaners.clean_text, pool of {workers}", "clean_text-pool", text_dir, workers
            ),
        ]
        results = Results(library, pool)
        if not args.skip_flow:
            text_copies = args.text_scale or (
                1
                if args.quick or text_rate.rate is None
                else math.ceil(TEXT_RUN_SECONDS * text_rate.rate * workers / len(text_pages))
            )
            tenfold_copies = max(
                text_copies * 10,
                0 if args.quick else math.ceil(OVERHEAD_MIN_DUMPS / len(text_pages)),
            )
            run_flows(
                results,
                tmp,
                html_pages,
                text_pages,
                args.scale,
                (text_copies, tenfold_copies),
                workers,
            )
    table, targets = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(table):
        print_table(results.rows())
        serial, pool = results.library[0].rate, results.pool.rate
        if serial and pool:
            print(
                f"\n(b) / (a) = {pool / serial:.2f} x on {workers} workers (about {workers} x on"
                " an idle machine; less means other jobs held cores during this run)"
            )
    with contextlib.redirect_stdout(targets):
        print_targets(results)
        print(f"\nload average at the end: {load_average()} (other jobs skew figures)")
    print()
    print(table.getvalue() + targets.getvalue(), end="")
    if args.markdown:
        args.markdown.write_text(
            PAGE.format(
                machine=machine.getvalue().strip(),
                table=table.getvalue().strip(),
                targets=targets.getvalue().strip(),
            ),
            encoding="utf-8",
        )
        print(f"wrote {args.markdown}")


PAGE = """\
# Throughput, memory and start-up

Made by `make bench` (`benchmarks/throughput.py --markdown docs/performance.md`): rerun it
rather than edit this page. Inputs built from ../shared/devdata/wcxb-dev: the HTML pages, their
text dumps replicated, and one multi-record WARC of the pages; bare `trafilatura.extract` and
the cleaners alone measured in the same run. Peak RSS is the sum over a run's process tree (the
CLI, the Prefect server and its keeper, the workers), pages shared between processes counted
once per process. The machine is shared and noisy: repeated runs differ by 10-25%.

```text
{machine}
```

{table}

```text
{targets}
```
"""


def run_flows(
    results: Results,
    tmp: Path,
    html_pages: list[Path],
    text_pages: list[Path],
    scale: int,
    copies: tuple[int, int],
    workers: int,
) -> None:
    """(c) to (f): `winnow clean` subprocesses, each into a fresh OUT (a rerun into the same
    OUT would skip the unchanged dumps), on a PREFECT_HOME of the benchmark's own: (c) starts
    its shared Prefect server, which the later runs find up; the fresh-home run starts
    another. Both are stopped at the end."""
    environ = {name: value for name, value in os.environ.items() if name != "PREFECT_API_URL"}
    home, fresh_home = tmp / "prefect-home", tmp / "prefect-home-fresh"
    env, fresh_env = (
        {**environ, "PREFECT_HOME": str(home)},
        {**environ, "PREFECT_HOME": str(fresh_home)},
    )
    text_copies, tenfold_copies = copies  # of the text dumps for (d), and for (f)
    try:
        results.html = winnow_clean(
            f"(c) winnow clean HTML, {workers} workers",
            tmp / "html",
            tmp / "out-c",
            workers,
            env,
            len(html_pages) * scale,
        )
        # After (c), so that neither 1-file run pays for cold imports.
        tiny = tmp / "tiny"
        tiny.mkdir()
        (tiny / "one.txt").write_text("A single short line of text for start-up.\n")
        results.startup_default = startup_row(
            "(c) start-up: 1 tiny file, existing PREFECT_HOME", tiny, tmp / "out-s1", workers, env
        )
        results.startup_fresh = startup_row(
            "start-up: 1 tiny file, fresh PREFECT_HOME", tiny, tmp / "out-s2", workers, fresh_env
        )

        text_set = replicate(text_pages, tmp / "text", text_copies)
        print(f".. text set: {len(text_pages)} dumps x {text_copies} = {len(text_set)}", flush=True)
        results.text = winnow_clean(
            f"(d) winnow clean text dumps, {workers} workers",
            tmp / "text",
            tmp / "out-d",
            workers,
            env,
            len(text_set),
        )

        warc = tmp / "warc" / "pages.warc.gz"
        warc.parent.mkdir()
        records = write_warc(html_pages, warc, scale)
        print(
            f".. WARC: {records} response records, {warc.stat().st_size / 1e6:.1f} MB", flush=True
        )
        results.warc = winnow_clean(
            "(e) winnow clean, 1 multi-record WARC", warc, tmp / "out-e", workers, env, records
        )

        tenfold_set = replicate(text_pages, tmp / "text-10x", tenfold_copies)
        print(f".. 10x text set: {len(tenfold_set)} dumps", flush=True)
        results.tenfold = winnow_clean(
            f"(f) winnow clean text dumps x{tenfold_copies}",
            tmp / "text-10x",
            tmp / "out-f",
            workers,
            env,
            len(tenfold_set),
        )
    finally:
        stop_shared_server(home)
        stop_shared_server(fresh_home)


if __name__ == "__main__":
    main()
