"""docs/quality.md from `winnow eval` on every dev set, HTML and text dumps, at this commit.

    .venv/bin/python benchmarks/quality.py [--workers N] [--out docs/quality.md]   (make quality)

Runs `winnow eval` on each labelled set of ../shared/devdata (in a temporary folder, so the
JSON reports do not land in the checkout) and writes what it printed, its progress lines left
out, under one heading per set and mode. The page is this command's output: rerun it rather
than edit it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEVDATA = ROOT.parent / "shared" / "devdata"
WINNOW = ROOT / ".venv" / "bin" / "winnow"
RUNS = (
    ("dragnet-dev", False),
    ("dragnet-dev", True),
    ("wcxb-dev", False),
    ("wcxb-dev", True),
    ("trafilatura-eval", False),
)
"""(set, text dumps?): trafilatura-eval has no text dumps."""
PROGRESS_PREFIXES = ("evaluated ", "report: ")

INTRODUCTION = """\
Word F1 per page (lowercase `\\w+` tokens against the labelled main text), averaged per page
type, for Winnow and bare trafilatura 2.3 (`include_comments=False`) in the same run; on the
text dumps also jusText on the dump's lines and the raw dump. trafilatura-eval scores labelled
snippets that must be kept (`with`) or dropped (`without`). dragnet-dev labels the comment
thread, so its tables add the comment leak: the share of the comment text's 4-token shingles
(less the main text's) found in the output, over the pages that have comments (lower is
better). `winnow eval --help` tells the options; each run also writes a JSON report with
per-page scores.
"""


def evaluate(dataset: str, text: bool, workers: int, folder: Path) -> str:
    command = [str(WINNOW), "eval", str(DEVDATA / dataset), "--workers", str(workers)]
    if text:
        command.append("--text")
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    lines = [line for line in result.stdout.splitlines() if not line.startswith(PROGRESS_PREFIXES)]
    return "\n".join(lines).strip()


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" + uncommitted changes" if git("status", "--porcelain") else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "quality.md")
    args = parser.parse_args()
    if not DEVDATA.is_dir():
        sys.exit(f"no dev sets in {DEVDATA} (../shared beside the checkout?)")
    sections = []
    with tempfile.TemporaryDirectory(prefix="winnow-quality-") as tmp:
        for dataset, text in RUNS:
            kind = "text dumps" if text else "HTML"
            print(f".. {dataset}, {kind}", flush=True)
            printed = evaluate(dataset, text, args.workers, Path(tmp))
            sections.append(f"## {dataset}, {kind}\n\n```text\n{printed}\n```\n")
    page = (
        "# Quality on the dev sets\n\n"
        f"Made by `make quality` (`benchmarks/quality.py`) on {datetime.now(UTC):%Y-%m-%d},"
        f" winnow commit {_commit()}: rerun it rather than edit this page.\n\n"
        f"{INTRODUCTION}\n" + "\n".join(sections)
    )
    args.out.write_text(page, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
