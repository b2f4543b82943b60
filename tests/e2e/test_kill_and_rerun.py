"""A run killed with SIGKILL at several points, then run again, ends with every input page
exactly once in the latest-version view of OUT, and nothing half-written visible. Ctrl-C stops
a run at once and quietly."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
TEXT_FILES = 240
JSONL_LINES = 60


def make_dumps(folder: Path) -> int:
    folder.mkdir()
    for n in range(TEXT_FILES):
        (folder / f"page-{n:04d}.txt").write_text(
            f"Report number {n} from the harbour office\n"
            f"The harbour office published its report number {n} on Monday, describing how "
            "the ferries, the fishing fleet and the new marina shared the water this season.\n"
            "Share on Facebook\n"
        )
    lines = [
        json.dumps({"url": f"https://example.org/{n}", "text": f"Crawled page {n} of text."})
        for n in range(JSONL_LINES)
    ]
    (folder / "crawl.jsonl").write_text("\n".join(lines) + "\n")
    return TEXT_FILES + JSONL_LINES


def start_run(dumps: Path, out: Path, home: Path, api_url: str) -> subprocess.Popen:
    """The run talks to the session's Prefect server, which outlives the kills."""
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": api_url}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows",
            "clean",
            str(dumps),
            "--out",
            str(out),
            "--batch-size",
            "10",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the workers die with it
    )


def kill_after(proc: subprocess.Popen, lines_seen: int) -> None:
    """SIGKILL the run's whole process group once it printed `lines_seen` progress lines."""
    for _ in range(lines_seen):
        if not proc.stdout.readline():
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    time.sleep(0.5)


def test_killed_runs_are_finished_by_the_next_one(tmp_path, prefect_home, prefect_api_url):
    dumps, out = tmp_path / "dumps", tmp_path / "out"
    expected = make_dumps(dumps)

    def start() -> subprocess.Popen:
        return start_run(dumps, out, prefect_home, prefect_api_url)

    kill_after(start(), lines_seen=1)  # as the flow starts
    kill_after(start(), lines_seen=4)  # a few batches in
    kill_after(start(), lines_seen=9)
    final = start()
    stdout, _ = final.communicate(timeout=300)
    assert final.returncode == 0
    skipped = int(re.search(r"(\d+) unchanged and skipped", stdout)[1])
    assert 0 < skipped < TEXT_FILES + 1  # the kills kept finished batches and lost the rest

    for folder in (out / "records", out / "rejects"):
        assert not list(folder.glob(".part-*.tmp"))
        for part in folder.glob("*.parquet"):
            pq.read_table(part)  # every visible part is complete
    pages = duckdb.sql(
        f"""
        with pages as (
            select doc_id, source, reason from read_parquet('{out}/rejects/*.parquet')
            union all by name
            select doc_id, source, null as reason from read_parquet('{out}/records/*.parquet')
        )
        select doc_id, any_value(source), count(*) filter (reason = 'source_deleted')
        from pages group by doc_id
        """
    ).fetchall()
    assert len(pages) == expected
    assert len({source for _, source, _ in pages}) == TEXT_FILES + 1
    assert sum(tombstones for _, _, tombstones in pages) == 0  # a kill deletes nothing


def test_ctrl_c_stops_a_run_with_one_line_and_keeps_finished_batches(
    tmp_path, prefect_home, prefect_api_url
):
    dumps, out = tmp_path / "dumps", tmp_path / "out"
    make_dumps(dumps)
    run = start_run(dumps, out, prefect_home, prefect_api_url)
    for _ in range(3):  # the run's first line, then two finished batches
        assert run.stdout.readline()

    os.killpg(run.pid, signal.SIGINT)  # Ctrl-C in the terminal
    _, stderr = run.communicate(timeout=60)

    assert run.returncode == 130
    assert stderr == f"winnow: interrupted; finished batches are in {out}\n"
    parts = list((out / "records").glob("*.parquet"))
    assert parts
    for part in parts:
        pq.read_table(part)
