"""Throughput on the dev data, with bare trafilatura as the baseline measured in the same run.

    python benchmarks/throughput.py [--limit N] [--skip-flow]

Prints docs/s for: trafilatura.extract alone (baseline), cleaners.clean_html, cleaners.clean_text
(one process each), and an end-to-end `winnow clean` over the wcxb-dev HTML folder (the flow on
all local cores, Prefect start-up included, and the same run's start-up on an empty input).
Machines here are noisy: compare figures from one run, not across runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trafilatura

from cleaners import clean_html, clean_text

DEVDATA = Path(__file__).resolve().parents[1].parent / "shared" / "devdata" / "wcxb-dev"


def rate(label: str, items: list[str], fn) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    seconds = time.perf_counter() - start
    per_second = len(items) / seconds
    print(f"{label:<38} {len(items):>5} docs  {seconds:7.1f} s  {per_second:7.1f} docs/s")
    return per_second


def flow_run(inputs: list[str], label: str, n_docs: int) -> None:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "flows", "clean", *inputs, "--out", out],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
    per_second = n_docs / seconds if n_docs else 0.0
    print(f"{label:<38} {n_docs:>5} docs  {seconds:7.1f} s  {per_second:7.1f} docs/s  ({status})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--skip-flow", action="store_true", help="library figures only")
    args = parser.parse_args()
    html_files = sorted((DEVDATA / "html").glob("*.html"))
    text_files = sorted((DEVDATA / "text").glob("*.txt"))
    if args.limit:
        html_files, text_files = html_files[: args.limit], text_files[: args.limit]
    pages = [p.read_text(encoding="utf-8", errors="replace") for p in html_files]
    dumps = [p.read_text(encoding="utf-8", errors="replace") for p in text_files]
    print(f"dev data: {DEVDATA}  cores: {os.cpu_count()}")
    base = rate(
        "baseline trafilatura.extract",
        pages,
        lambda h: trafilatura.extract(h, include_comments=False),
    )
    ours = rate("cleaners.clean_html (1 process)", pages, clean_html)
    print(f"{'clean_html / baseline':<38} {ours / base:>12.2f}x")
    rate("cleaners.clean_text (1 process)", dumps, clean_text)
    if not args.skip_flow:
        with tempfile.TemporaryDirectory() as empty:
            Path(empty, "one.txt").write_text("A single short line of text for start-up.\n")
            flow_run([empty], "winnow clean, 1 tiny file (start-up)", 1)
        flow_run([str(DEVDATA / "html")], "winnow clean wcxb-dev/html (all cores)", len(pages))


if __name__ == "__main__":
    main()
