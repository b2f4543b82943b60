import json
import os
from collections import Counter
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from prefect.logging import disable_run_logger

import flows.pipeline
from flows.batch import BatchReport
from flows.config import CleanParams
from flows.ledger import Ledger
from flows.lock import OutputBusy, exclusive_output
from flows.pipeline import (
    ARTIFACT_KEY,
    TABLE_ARTIFACT_KEY,
    FailedBatches,
    clean_batch,
    clean_dumps,
    record_failed_batch,
    run_clean,
    serve_clean,
    split_batches,
)
from flows.readers import DumpFile, list_dumps
from flows.records import part_name
from flows.summary import summary_line
from flows.workers import Limits, WorkerPool

ARTICLE_HTML = """<html><head><title>Rivers of the north</title></head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>Rivers of the north</h1>
<p>The northern rivers freeze early in the autumn and stay frozen until late spring, which
shapes the lives of everyone who lives along their banks.</p>
<p>Fishermen cut holes in the ice and wait for hours, while children skate on the wide bends
where the current is slow and the ice is thick.</p>
<p>When the thaw comes the ice breaks with a sound like thunder, and the towns downstream
prepare for the floods that follow every year.</p>
</article><footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>
"""

NOTES_TXT = """Plain text dumps are the simplest input: one page of visible text per file, with the
page's chrome still in it.
The cleaner keeps the paragraphs that read like an article and removes the lines that look like
navigation or widgets.
"""


@pytest.fixture
def dump_folder(tmp_path: Path) -> Path:
    """Two pages that clean into records and one empty file that the reader rejects."""
    folder = tmp_path / "dumps"
    (folder / "site").mkdir(parents=True)
    (folder / "site" / "article.html").write_text(ARTICLE_HTML)
    (folder / "notes.txt").write_text(NOTES_TXT)
    (folder / "empty.html").write_text("")
    return folder


def fake_dumps(*sizes: int) -> list[DumpFile]:
    root = Path("/in")
    return [DumpFile(root / f"{i:03d}.html", root, size) for i, size in enumerate(sizes)]


def parquet_rows(folder: Path) -> list[dict]:
    return [
        row for part in sorted(folder.glob("*.parquet")) for row in pq.read_table(part).to_pylist()
    ]


class TestSplitBatches:
    def test_caps_files_per_batch_and_keeps_order(self):
        dumps = fake_dumps(*[10] * 7)
        batches = split_batches(dumps, max_files=3, max_bytes=1000, workers=1)
        assert [len(b) for b in batches] == [3, 3, 1]
        assert [d for b in batches for d in b] == dumps

    def test_closes_a_batch_before_it_exceeds_max_bytes(self):
        batches = split_batches(fake_dumps(40, 40, 40, 10), max_files=10, max_bytes=100, workers=1)
        assert [[d.size for d in b] for b in batches] == [[40, 40], [40, 10]]

    def test_file_bigger_than_max_bytes_is_a_batch_of_its_own(self):
        batches = split_batches(fake_dumps(10, 500, 10), max_files=10, max_bytes=100, workers=1)
        assert [[d.size for d in b] for b in batches] == [[10], [500], [10]]

    def test_small_run_is_split_so_every_worker_gets_a_batch(self):
        batches = split_batches(fake_dumps(*[1] * 5), max_files=200, max_bytes=1000, workers=2)
        assert [len(b) for b in batches] == [3, 2]

    def test_no_files_no_batches(self):
        assert split_batches([], max_files=10, max_bytes=10, workers=4) == []


def test_clean_batch_runs_the_batch_on_the_pool_it_is_given(dump_folder, tmp_path):
    files = list_dumps([str(dump_folder)])
    out = tmp_path / "out"
    pool = WorkerPool(1, Limits(page_seconds=30, worker_bytes=2**30))
    try:
        with disable_run_logger():
            report = clean_batch.fn(
                files,
                str(out),
                run_id="t1",
                batch_no=7,
                max_page_bytes=1_000_000,
                max_page_seconds=30,
                pool=pool,
            )
    finally:
        pool.shutdown()
    assert (report.inputs, report.records, report.rejects) == (3, 2, 1)
    assert (out / "records" / part_name("t1", 7)).exists()
    assert (out / "rejects" / part_name("t1", 7)).exists()


def test_record_failed_batch_turns_every_file_into_a_reject(tmp_path):
    out = tmp_path / "out"
    stale_records = out / "records" / part_name("r", 2)
    stale_records.parent.mkdir(parents=True)
    stale_records.write_bytes(b"half-written")
    files = fake_dumps(5, 6)

    report = record_failed_batch(files, out, run_id="r", batch_no=2, error="Boom: worker died")

    assert report == BatchReport(
        inputs=2, rejects=2, reject_reasons=Counter({"batch_failed": 2}), files=2
    )
    rows = parquet_rows(out / "rejects")
    assert [(r["source"], r["reason"], r["run_id"]) for r in rows] == [
        ("000.html", "batch_failed", "r"),
        ("001.html", "batch_failed", "r"),
    ]
    assert "Boom: worker died" in rows[0]["detail"]
    assert not stale_records.exists()


def read_artifact_markdown(key: str) -> str:
    from prefect.artifacts import Artifact

    artifact = Artifact.get(key)
    assert artifact is not None, f"no artifact with key {key}"
    return str(artifact.data)


def flow_run_and_task_runs(name: str):
    """The flow run of that name, and its task runs' names with their final state types."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    runs_named = FlowRunFilter(name=FlowRunFilterName(any_=[name]))
    with get_client(sync_client=True) as client:
        (run,) = client.read_flow_runs(flow_run_filter=runs_named)
        tasks = client.read_task_runs(flow_run_filter=runs_named)
    return run, {task.name: task.state.type.value for task in tasks}


def test_flow_cleans_every_input_into_parquet(prefect_harness, dump_folder, tmp_path):
    out = tmp_path / "out"
    params = CleanParams(
        inputs=[str(dump_folder)], out=str(out), batch_size=2, workers=1, run_id="flow-test"
    )

    summary = clean_dumps(params)

    run, batches = flow_run_and_task_runs("flow-test")
    assert run.state.type.value == "COMPLETED"
    assert batches == {"batch-1": "COMPLETED", "batch-2": "COMPLETED"}
    report = summary.report
    assert (summary.files, summary.batches, summary.failed_batches) == (3, 2, 0)
    assert (report.inputs, report.records, report.rejects) == (3, 2, 1)
    assert report.inputs == report.records + report.rejects
    records = parquet_rows(out / "records")
    rejects = parquet_rows(out / "rejects")
    assert sorted(r["source"] for r in records) == ["notes.txt", "site/article.html"]
    assert [(r["source"], r["reason"]) for r in rejects] == [("empty.html", "empty_file")]
    assert {r["run_id"] for r in records + rejects} == {"flow-test"}
    markdown = read_artifact_markdown(ARTIFACT_KEY)
    assert "Clean run `flow-test`" in markdown
    assert "| `empty_file` | 1 |" in markdown
    table = json.loads(read_artifact_markdown(TABLE_ARTIFACT_KEY))
    assert {"figure": "records", "value": 2} in table
    assert {"figure": "rejects: empty_file", "value": 1} in table


class CrashOnBatch:
    """Stands in for the worker pool: runs batches in this process, and batch 1 dies like a
    worker process killed by the OS."""

    def __init__(self, workers: int, limits) -> None:
        self.limits = limits

    def run(self, batch, on_progress=None):
        if batch.keywords["batch_no"] == 1:  # batch: run_batch with its arguments bound
            raise BrokenProcessPool("worker killed")
        return batch()

    def shutdown(self, *, cancel_futures: bool = False) -> None:
        """Nothing runs in the background."""


def test_flow_records_the_files_of_a_crashed_batch_as_rejects(
    prefect_harness, dump_folder, tmp_path, monkeypatch
):
    monkeypatch.setattr(flows.pipeline, "WorkerPool", CrashOnBatch)
    out = tmp_path / "out"
    params = CleanParams(
        inputs=[str(dump_folder)], out=str(out), batch_size=1, workers=2, run_id="crash"
    )

    summary = run_clean(params)

    # Files sort by path: empty.html, notes.txt, site/article.html; batch 1 is notes.txt.
    assert (summary.batches, summary.failed_batches) == (3, 1)
    run, batches = flow_run_and_task_runs("crash")
    assert (run.state.type.value, run.state.message) == (
        "FAILED",
        "1 of 3 batches failed: 1 inputs recorded as batch_failed rejects",
    )
    assert batches == {"batch-1": "COMPLETED", "batch-2": "FAILED", "batch-3": "COMPLETED"}
    report = summary.report
    assert report.reject_reasons == Counter({"empty_file": 1, "batch_failed": 1})
    assert (report.inputs, report.records, report.rejects) == (3, 1, 2)
    rejects = parquet_rows(out / "rejects")
    assert sorted((r["source"], r["reason"]) for r in rejects) == [
        ("empty.html", "empty_file"),
        ("notes.txt", "batch_failed"),
    ]
    assert [r["source"] for r in parquet_rows(out / "records")] == ["site/article.html"]

    # Called as a deployment's flow run calls it: the failure is raised, the summary with it.
    params = params.model_copy(update={"out": str(tmp_path / "again"), "run_id": "crash-raised"})
    with pytest.raises(FailedBatches, match="1 of 3 batches failed") as raised:
        clean_dumps(params)
    assert raised.value.summary.failed_batches == 1


class RecordingPool:
    """Stands in for a worker pool started before the flow: runs batches in this process and
    records what the flow asked of it."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.shut_down = False

    def run(self, batch, on_progress=None):
        self.batches.append(batch.keywords["batch_no"])
        return batch()

    def shutdown(self, *, cancel_futures: bool = False) -> None:
        self.shut_down = True


def test_a_run_uses_the_worker_pool_started_before_it(prefect_harness, dump_folder, tmp_path):
    pool = RecordingPool()
    params = CleanParams(
        inputs=[str(dump_folder)], out=str(tmp_path / "out"), batch_size=1, run_id="early"
    )

    summary = run_clean(params, pool=pool)

    assert sorted(pool.batches) == [0, 1, 2]
    assert pool.shut_down  # the flow ends the pool it was handed, as one it made itself
    assert summary.report.inputs == 3


def test_a_rerun_cleans_only_new_and_changed_files(prefect_harness, dump_folder, tmp_path):
    import duckdb

    out = tmp_path / "out"

    def run(run_id: str):
        params = CleanParams(inputs=[str(dump_folder)], out=str(out), workers=1, run_id=run_id)
        return clean_dumps(params)

    first = run("first")
    parts_after_first = sorted(p.name for p in (out / "records").glob("*.parquet"))
    second = run("second")

    assert (first.files, first.unchanged, first.report.inputs) == (3, 0, 3)
    assert (second.files, second.unchanged, second.report.inputs, second.batches) == (3, 3, 0, 0)
    assert sorted(p.name for p in (out / "records").glob("*.parquet")) == parts_after_first

    notes = dump_folder / "notes.txt"
    stat = notes.stat()
    notes.write_text(notes.read_text().replace("simplest", "plainest"))  # same size
    os.utime(notes, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    third = run("third")

    assert (third.unchanged, third.report.inputs, third.report.records) == (2, 1, 1)
    latest = duckdb.sql(
        f"select source, run_id, text from read_parquet('{out}/records/*.parquet') "
        "qualify row_number() over (partition by doc_id order by processed_at desc) = 1 "
        "order by source"
    ).fetchall()
    assert [(source, run_id) for source, run_id, _ in latest] == [
        ("notes.txt", "third"),
        ("site/article.html", "first"),
    ]
    assert "plainest" in latest[0][2]
    ledger = Ledger(out)
    runs = ledger.runs()
    ledger.close()
    assert [(r.run_id, r.unchanged, r.records) for r in runs] == [
        ("first", 0, 2),
        ("second", 3, 0),
        ("third", 2, 1),
    ]


def test_flow_refuses_an_output_folder_another_run_holds(prefect_harness, dump_folder, tmp_path):
    out = tmp_path / "out"
    params = CleanParams(inputs=[str(dump_folder)], out=str(out), workers=1, run_id="second")
    with exclusive_output(out, holder="winnow run first"), pytest.raises(OutputBusy, match="first"):
        clean_dumps(params)
    assert not (out / "records").exists()


def test_flow_with_compact_leaves_one_part_holding_the_latest_versions(
    prefect_harness, dump_folder, tmp_path
):
    out = tmp_path / "out"
    clean_dumps(CleanParams(inputs=[str(dump_folder)], out=str(out), workers=1, run_id="one"))
    notes = dump_folder / "notes.txt"
    notes.write_text(notes.read_text() + "A paragraph added later reads like the rest of it.\n")
    summary = clean_dumps(
        CleanParams(inputs=[str(dump_folder)], out=str(out), workers=1, run_id="two", compact=True)
    )

    assert summary.compacted is not None
    assert (summary.compacted.rows_before, summary.compacted.rows_after) == (4, 3)
    assert len(list((out / "records").glob("*.parquet"))) == 1
    rows = parquet_rows(out / "records")
    assert sorted((r["source"], r["run_id"]) for r in rows) == [
        ("notes.txt", "two"),
        ("site/article.html", "one"),
    ]


def test_serving_gives_every_scheduled_run_the_parameters_but_a_run_id_of_its_own(
    monkeypatch, dump_folder, tmp_path
):
    calls = []
    monkeypatch.setattr(clean_dumps, "serve", lambda **kwargs: calls.append(kwargs))
    params = CleanParams(inputs=[str(dump_folder)], out=str(tmp_path / "out"), compact=True)

    serve_clean(params, name="nightly", cron="0 3 * * *")

    (call,) = calls
    assert (call["name"], call["cron"], call["interval"], call["limit"]) == (
        "nightly",
        "0 3 * * *",
        None,
        1,
    )
    assert "run_id" not in call["parameters"]["params"]
    scheduled = [CleanParams(**call["parameters"]["params"]) for _ in range(2)]
    assert scheduled[0].model_dump(exclude={"run_id"}) == params.model_dump(exclude={"run_id"})
    assert scheduled[0].run_id != scheduled[1].run_id


def test_copies_in_different_batches_are_marked_in_batch_order(
    prefect_harness, dump_folder, tmp_path
):
    copy = dump_folder / "zz-copy-of-notes.txt"  # sorts last: its own batch, after notes.txt
    copy.write_text("Menu | Search\n" + (dump_folder / "notes.txt").read_text())
    out = tmp_path / "out"
    params = CleanParams(
        inputs=[str(dump_folder)], out=str(out), batch_size=1, workers=2, run_id="dups"
    )

    summary = clean_dumps(params)

    records = {r["source"]: r for r in parquet_rows(out / "records")}
    assert summary.report.duplicates == 1
    assert records["zz-copy-of-notes.txt"]["dup_of"] == records["notes.txt"]["doc_id"]
    assert records["zz-copy-of-notes.txt"]["dup_score"] >= 0.9
    assert records["notes.txt"]["dup_of"] is None


LATEST_RECORDS = """
    with latest as (
        select * from read_parquet('{out}/records/*.parquet')
        qualify row_number() over (partition by doc_id order by processed_at desc) = 1
    )
    select source, input, record, run_id, dup_of from latest
    anti join read_parquet('{out}/rejects/*.parquet') as later
        on later.doc_id = latest.doc_id and later.processed_at > latest.processed_at
    order by source, input, record
"""


def latest_records(out: Path) -> list[tuple]:
    """The README's latest-version query: the latest row of each doc_id, if it is a record."""
    import duckdb

    return duckdb.sql(LATEST_RECORDS.format(out=out)).fetchall()


def clean(out: Path, *inputs: Path, run_id: str, **options):
    params = CleanParams(
        inputs=[str(path) for path in inputs], out=str(out), workers=1, run_id=run_id, **options
    )
    return clean_dumps(params)


def test_two_inputs_with_the_same_relative_path_are_two_pages(prefect_harness, tmp_path):
    """`winnow clean site-a/ site-b/`, both holding page.txt: both pages stay, compacted too."""
    for site, text in (("site-a", NOTES_TXT), ("site-b", NOTES_TXT.replace("simplest", "oldest"))):
        (tmp_path / site).mkdir()
        (tmp_path / site / "page.txt").write_text(text)
    out = tmp_path / "out"

    summary = clean(out, tmp_path / "site-a", tmp_path / "site-b", run_id="sites", compact=True)

    assert summary.report.records == 2 and summary.compacted.rows_after == 2
    assert [(source, input_key) for source, input_key, *_ in latest_records(out)] == [
        ("page.txt", os.path.realpath(tmp_path / site / "page.txt"))
        for site in ("site-a", "site-b")
    ]


def test_a_file_cleaned_under_another_root_keeps_its_identity(
    prefect_harness, dump_folder, tmp_path
):
    out = tmp_path / "out"
    clean(out, dump_folder, run_id="whole")
    again = clean(out, dump_folder / "site", run_id="sub")
    assert (again.unchanged, again.report.inputs, again.report.deleted) == (1, 0, 0)

    article = dump_folder / "site" / "article.html"
    article.write_text(ARTICLE_HTML.replace("autumn", "winter"))
    changed = clean(out, dump_folder / "site", run_id="changed")

    assert changed.report.records == 1
    assert [(source, run_id) for source, _, _, run_id, _ in latest_records(out)] == [
        ("article.html", "changed"),  # its source is relative to this run's root
        ("notes.txt", "whole"),  # outside this run's inputs: left alone
    ]


def test_a_deleted_file_and_the_lines_a_file_lost_are_tombstoned(
    prefect_harness, dump_folder, tmp_path
):
    crawl = dump_folder / "crawl.jsonl"
    line = '{{"url": "https://example.org/{0}", "text": "Line {0}. {1}"}}\n'
    crawl.write_text("".join(line.format(n, NOTES_TXT.replace("\n", " ")) for n in range(10)))
    other = tmp_path / "other"
    other.mkdir()
    (other / "kept.txt").write_text(NOTES_TXT.replace("simplest", "shortest"))
    out = tmp_path / "out"
    clean(out, dump_folder, other, run_id="first")
    (dump_folder / "site" / "article.html").unlink()
    crawl.write_text("".join(line.format(n, NOTES_TXT.replace("\n", " ")) for n in range(5)))
    (other / "kept.txt").unlink()  # but the next run is not given other/

    summary = clean(out, dump_folder, run_id="second", compact=True)

    assert summary.report.deleted == 1 + 5
    assert "deleted 6" in summary_line(summary)
    latest = [(source, record) for source, _, record, *_ in latest_records(out)]
    assert latest == [*(("crawl.jsonl", n) for n in range(5)), ("kept.txt", 0), ("notes.txt", 0)]
    rejects = parquet_rows(out / "rejects")  # compacted: the tombstones stay, the records went
    assert sorted(r["record"] for r in rejects if r["source"] == "crawl.jsonl") == [5, 6, 7, 8, 9]
    assert [r["reason"] for r in rejects if r["source"] == "site/article.html"] == [
        "source_deleted"
    ]
    ledger = Ledger(out)
    files, runs = ledger.files(), ledger.runs()
    ledger.close()
    assert sorted(Path(file.path).name for file in files) == [
        "crawl.jsonl",
        "empty.html",
        "kept.txt",
        "notes.txt",
    ]
    assert [file.records for file in files if file.path.endswith("crawl.jsonl")] == [
        (0, 1, 2, 3, 4)
    ]
    assert runs[-1].deleted == 6


@pytest.mark.parametrize("drop_duplicates", [False, True])
def test_a_renamed_file_is_not_a_duplicate_of_its_deleted_self(
    prefect_harness, dump_folder, tmp_path, drop_duplicates
):
    out = tmp_path / "out"
    clean(out, dump_folder, run_id="before", drop_duplicates=drop_duplicates)
    (dump_folder / "notes.txt").rename(dump_folder / "renamed.txt")

    summary = clean(out, dump_folder, run_id="after", drop_duplicates=drop_duplicates)

    assert (summary.report.deleted, summary.report.duplicates) == (1, 0)
    assert [(source, run_id, dup_of) for source, _, _, run_id, dup_of in latest_records(out)] == [
        ("renamed.txt", "after", None),
        ("site/article.html", "before", None),
    ]
    assert "duplicate" not in {r["reason"] for r in parquet_rows(out / "rejects")}
