import json
import pickle
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import flows.batch
from cleaners.document import Block, Cleaned, Meta, Removal
from flows.batch import BatchReport, PageTimeout, run_batch, time_limit
from flows.beacon import Settled
from flows.readers import DumpFile, RawPage, Reject, list_dumps
from flows.records import RECORD_SCHEMA, REJECT_SCHEMA


def fake_clean(kind: str):
    """A cleaner double: 'EMPTY' keeps nothing, 'BOOM' raises, anything else is kept whole with
    one removed nav line. `site` records which cleaner ran."""

    def clean(content: str, *, url: str | None = None) -> Cleaned:
        if content == "BOOM":
            raise RuntimeError("boom")
        nav = Removal(Block(0, "Home", "line"), "boilerplate", "navigation")
        if content == "EMPTY":
            return Cleaned("", Meta(url=url, site=kind), (), (nav,))
        return Cleaned(content, Meta(url=url, site=kind, title="T"), (Block(1, content),), (nav,))

    return clean


@pytest.fixture
def fake_cleaners(monkeypatch):
    monkeypatch.setattr(flows.batch, "clean_html", fake_clean("html"))
    monkeypatch.setattr(flows.batch, "clean_text", fake_clean("text"))


def fake_reader(monkeypatch, outputs: dict[str, list]) -> list[dict]:
    """Replace the reader: each file name maps to what it yields (an exception is raised)."""
    calls = []

    def iter_pages(dump: DumpFile, *, max_page_bytes: int):
        calls.append({"source": dump.source, "max_page_bytes": max_page_bytes})
        for item in outputs[dump.path.name]:
            if isinstance(item, Exception):
                raise item
            yield item

    monkeypatch.setattr(flows.batch, "iter_pages", iter_pages)
    return calls


def dumps(root: Path, *names: str) -> list[DumpFile]:
    return [DumpFile(root / name, root, 0) for name in names]


def html(source: str, record: int, content: str, **extra) -> RawPage:
    return RawPage(source, record, "warc", "html", content, len(content), **extra)


def text(source: str, record: int, content: str, **extra) -> RawPage:
    return RawPage(source, record, "txt", "text", content, len(content), **extra)


def read(out: Path, kind: str, run_id: str = "r1", batch_no: int = 0) -> list[dict]:
    path = out / kind / f"part-{run_id}-{batch_no:05d}.parquet"
    return (
        pq.read_table(path).sort_by([("source", "ascending"), ("record", "ascending")]).to_pylist()
    )


def test_reports_add_up_and_keep_every_key():
    a = BatchReport(
        inputs=3,
        records=2,
        rejects=1,
        removals=Counter({"boilerplate/navigation": 2}),
        reject_reasons=Counter({"no_main_content": 1}),
        raw_chars=100,
        text_chars=40,
        files=1,
        seconds=0.5,
    )
    b = BatchReport(
        inputs=2,
        records=2,
        removals=Counter({"boilerplate/navigation": 1, "dedupe/repeated": 3}),
        raw_chars=10,
        text_chars=5,
        files=2,
        seconds=0.25,
    )
    total = a + b
    assert total == BatchReport(
        inputs=5,
        records=4,
        rejects=1,
        removals=Counter({"boilerplate/navigation": 3, "dedupe/repeated": 3}),
        reject_reasons=Counter({"no_main_content": 1}),
        raw_chars=110,
        text_chars=45,
        files=3,
        seconds=0.75,
    )
    assert sum([a, b], BatchReport()) == total
    assert a.removals == Counter({"boilerplate/navigation": 2}), "operands are not mutated"
    with pytest.raises(TypeError):
        a + 1


def test_report_survives_pickling():
    report = BatchReport(inputs=1, rejects=1, reject_reasons=Counter({"binary_content": 1}))
    assert pickle.loads(pickle.dumps(report)) == report


def test_every_input_becomes_a_record_or_a_reject(tmp_path, monkeypatch, fake_cleaners):
    fake_reader(
        monkeypatch,
        {
            "a.warc": [
                html("a.warc", 0, "Kept article", url="https://x.org/0", fetched="2024-01-02"),
                html("a.warc", 1, "EMPTY", url="https://x.org/1"),
                html("a.warc", 2, "BOOM", url="https://x.org/2"),
            ],
            "b.bin": [Reject("b.bin", 0, "binary_content", "NUL bytes in the first 8 KiB")],
            "c.txt": [text("c.txt", 0, "Plain words", encoding="cp1252")],
        },
    )
    out = tmp_path / "out"
    report = run_batch(
        dumps(tmp_path, "a.warc", "b.bin", "c.txt"),
        out,
        run_id="r1",
        batch_no=0,
        max_page_bytes=1000,
    )

    assert (report.inputs, report.records, report.rejects, report.files) == (5, 2, 3, 3)
    assert report.inputs == report.records + report.rejects
    assert report.reject_reasons == Counter(
        {"no_main_content": 1, "cleaner_error": 1, "binary_content": 1}
    )
    assert report.removals == Counter({"boilerplate/navigation": 2})
    assert report.raw_chars == len("Kept article") + len("Plain words")
    assert report.text_chars == len("Kept article") + len("Plain words")
    assert report.seconds > 0

    records = read(out, "records")
    assert [(r["source"], r["record"], r["text"], r["site"]) for r in records] == [
        ("a.warc", 0, "Kept article", "html"),
        ("c.txt", 0, "Plain words", "text"),
    ]
    warc = records[0]
    assert (warc["url"], warc["published"], warc["fetched"]) == (
        "https://x.org/0",
        None,
        "2024-01-02",
    )
    assert records[1]["encoding"] == "cp1252"
    assert {r["run_id"] for r in records} == {"r1"}

    rejects = read(out, "rejects")
    assert [(r["source"], r["record"], r["reason"], r["format"]) for r in rejects] == [
        ("a.warc", 1, "no_main_content", "warc"),
        ("a.warc", 2, "cleaner_error", "warc"),
        ("b.bin", 0, "binary_content", None),
    ]
    assert rejects[0]["detail"] == "all 1 text blocks removed (boilerplate/navigation=1)"
    assert rejects[1]["detail"] == "RuntimeError: boom"
    assert rejects[1]["url"] == "https://x.org/2"


def test_reader_settings_pass_through(tmp_path, monkeypatch, fake_cleaners):
    calls = fake_reader(monkeypatch, {"a.txt": []})
    run_batch(dumps(tmp_path, "a.txt"), tmp_path, run_id="r1", batch_no=0, max_page_bytes=1234)
    assert calls == [{"source": "a.txt", "max_page_bytes": 1234}]
    with pytest.raises(ValueError, match="max_page_bytes"):
        run_batch([], tmp_path, run_id="r1", batch_no=0, max_page_bytes=0)


def test_a_reader_crash_rejects_the_rest_of_that_file_only(tmp_path, monkeypatch, fake_cleaners):
    fake_reader(
        monkeypatch,
        {
            "bad.jsonl": [text("bad.jsonl", 0, "First"), OSError("disk gone")],
            "good.txt": [text("good.txt", 0, "Second")],
        },
    )
    report = run_batch(
        dumps(tmp_path, "bad.jsonl", "good.txt"),
        tmp_path,
        run_id="r1",
        batch_no=3,
        max_page_bytes=9,
    )
    assert (report.inputs, report.records, report.rejects) == (3, 2, 1)
    [reject] = read(tmp_path, "rejects", batch_no=3)
    assert (reject["source"], reject["record"], reject["reason"], reject["detail"]) == (
        "bad.jsonl",
        1,
        "reader_error",
        "OSError: disk gone",
    )


def test_a_write_failure_fails_the_batch_and_leaves_no_part(tmp_path, monkeypatch, fake_cleaners):
    fake_reader(monkeypatch, {"a.txt": [text("a.txt", 0, "Words")]})

    def broken_row(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(flows.batch, "record_row", broken_row)
    with pytest.raises(OSError, match="disk full"):
        run_batch(dumps(tmp_path, "a.txt"), tmp_path, run_id="r1", batch_no=0, max_page_bytes=9)
    assert list((tmp_path / "records").iterdir()) == []
    assert list((tmp_path / "rejects").iterdir()) == []


def test_an_empty_batch_writes_readable_empty_parts(tmp_path):
    report = run_batch([], tmp_path, run_id="r1", batch_no=0, max_page_bytes=9)
    assert (report.inputs, report.records, report.rejects, report.files) == (0, 0, 0, 0)
    assert pq.read_schema(tmp_path / "records" / "part-r1-00000.parquet").equals(RECORD_SCHEMA)
    assert pq.read_schema(tmp_path / "rejects" / "part-r1-00000.parquet").equals(REJECT_SCHEMA)
    glob = f"read_parquet('{tmp_path}/rejects/*.parquet')"
    assert duckdb.sql(f"select count(*) from {glob}").fetchall() == [(0,)]


ARTICLE = """<!doctype html><html><head><title>Rivers of the North | Daily Planet</title></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>Rivers of the North</h1>
<p>The northern rivers freeze for five months of the year, and the towns along their banks have
learned to live with the silence that the ice brings every winter.</p>
<p>Ferry captains spend the cold season repairing hulls and teaching apprentices to read the
currents, which change a little every spring when the thaw arrives.</p>
<p>When the ice finally breaks, the sound carries for miles, and children run down to the water
to watch the first slabs drift towards the sea.</p></article></body></html>"""
APP_SHELL = (
    "<html><head><title>Loading…</title></head>"
    '<body><div id="root"></div><script>renderApp()</script></body></html>'
)
NOTES = (
    "The harbour reopened on Monday after three weeks of repairs to the old stone pier, which\n"
    "had cracked during the winter storms.\n\n"
    "Fishermen said they were relieved to be back at sea.\n"
)


def test_real_readers_and_cleaners_account_for_every_input(tmp_path):
    root = tmp_path / "in"
    (root / "news").mkdir(parents=True)
    (root / "news" / "rivers.html").write_text(ARTICLE)
    (root / "news" / "app.html").write_text(APP_SHELL)
    (root / "notes.txt").write_text(NOTES)
    (root / "empty.txt").write_bytes(b"")
    (root / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (root / "crawl.jsonl").write_text(
        '{"url": "https://example.org/rivers", "html": ' + json.dumps(ARTICLE) + "}\n{not json\n"
    )
    files = list_dumps([str(root)])
    assert len(files) == 6
    out = tmp_path / "out"
    report = run_batch(files[:3], out, run_id="it", batch_no=0, max_page_bytes=1_000_000)
    report += run_batch(files[3:], out, run_id="it", batch_no=1, max_page_bytes=1_000_000)

    assert (report.inputs, report.records, report.rejects, report.files) == (7, 3, 4, 6)
    assert report.reject_reasons == Counter(
        {"no_main_content": 1, "empty_file": 1, "binary_content": 1, "invalid_json": 1}
    )

    records = duckdb.sql(
        f"select source, record, url, text, text_chars, raw_chars"
        f" from read_parquet('{out}/records/*.parquet') order by source, record"
    ).fetchall()
    assert [(source, record) for source, record, *_ in records] == [
        ("crawl.jsonl", 0),
        ("news/rivers.html", 0),
        ("notes.txt", 0),
    ]
    assert records[0][2] == "https://example.org/rivers"
    assert all("northern rivers freeze" in row[3] for row in records[:2])
    assert "Home" not in records[1][3]
    assert "harbour reopened" in records[2][3]
    assert sum(row[4] for row in records) == report.text_chars
    assert sum(row[5] for row in records) == report.raw_chars

    rejects = duckdb.sql(
        f"select source, record, reason from read_parquet('{out}/rejects/*.parquet')"
        f" order by source, record"
    ).fetchall()
    assert rejects == [
        ("crawl.jsonl", 1, "invalid_json"),
        ("empty.txt", 0, "empty_file"),
        ("news/app.html", 0, "no_main_content"),
        ("scan.txt", 0, "binary_content"),
    ]
    assert sorted(p.name for p in (out / "records").iterdir()) == [
        "part-it-00000.parquet",
        "part-it-00001.parquet",
    ]


def test_time_limits_interrupt_only_the_thread_past_its_own_deadline():
    """One deadline thread serves every limit: a short limit in one thread does not end a
    longer one in another, a limit left in time never fires later, and each ends its own."""

    def spin(seconds: float, limit: float) -> str:
        ends = time.monotonic() + seconds
        try:
            with time_limit(limit):
                while time.monotonic() < ends:
                    pass
        except PageTimeout:
            return "interrupted"
        time.sleep(limit)  # past the limit of a `with` left in time: nothing may fire now
        return "finished"

    with ThreadPoolExecutor(max_workers=3) as pool:
        short = pool.submit(spin, 5.0, 0.2)
        long = pool.submit(spin, 0.6, 2.0)
        left = pool.submit(spin, 0.1, 0.4)
        assert (short.result(), long.result(), left.result()) == (
            "interrupted",
            "finished",
            "finished",
        )


@pytest.mark.parametrize("thread", ["main", "task_thread"])
def test_a_page_whose_cleaning_runs_past_the_time_limit_is_rejected_and_the_batch_goes_on(
    tmp_path, monkeypatch, thread
):
    def clean(content: str, *, url: str | None = None) -> Cleaned:
        if content == "HANG":
            try:  # a library that swallows every Exception must not swallow the time limit
                while True:
                    pass
            except Exception:
                return Cleaned("swallowed", Meta(), (), ())
        return Cleaned(content, Meta(), (Block(0, content),), ())

    monkeypatch.setattr(flows.batch, "clean_text", clean)
    fake_reader(
        monkeypatch,
        {
            "a.txt": [
                text("a.txt", 0, "before"),
                text("a.txt", 1, "HANG"),
                text("a.txt", 2, "after"),
            ]
        },
    )
    out = tmp_path / "out"
    batch = partial(
        run_batch,
        dumps(tmp_path, "a.txt"),
        out,
        run_id="r1",
        batch_no=0,
        max_page_bytes=1000,
        max_page_seconds=0.3,
    )
    started = time.monotonic()
    if thread == "main":
        report = batch()
    else:  # as on a Dask worker
        with ThreadPoolExecutor(1) as pool:
            report = pool.submit(batch).result()
    assert time.monotonic() - started < 10
    assert (report.records, report.reject_reasons) == (2, Counter({"page_timeout": 1}))
    assert [r["text"] for r in read(out, "records")] == ["before", "after"]
    (reject,) = read(out, "rejects")
    assert (reject["record"], reject["detail"]) == (1, "cleaning took longer than 0.3 s")
    time.sleep(0.5)  # no timer left to fire into whatever runs next


FIRST_PROSE = (
    "The council voted on Tuesday to expand the bus network with six new routes across the "
    "northern districts of the city."
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", f"<html><body><article><p>{FIRST_PROSE}</p></article></body></html>"),
        ("page.txt", f"Home | News\n{FIRST_PROSE}\n"),
    ],
)
def test_a_workers_first_page_is_not_timed_out_for_loading_the_cleaners(tmp_path, name, content):
    """In a fresh process the cleaners load their models on first use (about 1 s); that must
    not count against the first page's time limit, whichever kind of page comes first."""
    page = tmp_path / "in" / name
    page.parent.mkdir()
    page.write_text(content)
    script = (
        "import sys; from flows.batch import run_batch; from flows.readers import list_dumps;"
        "r = run_batch(list_dumps([sys.argv[1]]), sys.argv[2], run_id='r', batch_no=0,"
        " max_page_bytes=10**6, max_page_seconds=0.2);"
        "print(r.records, dict(r.reject_reasons))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(page.parent), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["1", "{}"]


def test_freed_memory_goes_back_after_big_pages_and_each_batch(
    tmp_path, fake_cleaners, monkeypatch
):
    big = "word " * (flows.batch.TRIM_AFTER_CHARS // 5)
    fake_reader(
        monkeypatch, {"a.txt": [text("a.txt", 0, "small page")], "b.txt": [text("b.txt", 0, big)]}
    )
    releases = []
    monkeypatch.setattr(flows.batch, "release_freed_memory", lambda: releases.append(1))

    run_batch(
        dumps(tmp_path, "a.txt", "b.txt", "a.txt"),
        tmp_path / "out",
        run_id="r1",
        batch_no=0,
        max_page_bytes=10**8,
    )

    assert len(releases) == 2  # after the big page, and at the end of the batch


def test_a_record_holding_unwritable_text_is_rejected_alone(tmp_path, monkeypatch, fake_cleaners):
    """A lone surrogate (what JSON's "\\ud800" decodes to) cannot be stored in Parquet: Arrow
    would fail the whole part, and with it every file of the batch."""
    fake_reader(
        monkeypatch,
        {
            "a.jsonl": [
                text("a.jsonl", 0, "Good words"),
                text("a.jsonl", 1, "More words", url="https://x.org/\ud800"),
                text("a.jsonl", 2, "Last words", extra={"tag": '"\ud800"'}),
            ],
            "b.txt": [text("b.txt", 0, "Other file")],
        },
    )
    report = run_batch(
        dumps(tmp_path, "a.jsonl", "b.txt"), tmp_path, run_id="r1", batch_no=0, max_page_bytes=99
    )

    assert (report.inputs, report.records, report.rejects) == (4, 2, 2)
    assert [(r["source"], r["record"]) for r in read(tmp_path, "records")] == [
        ("a.jsonl", 0),
        ("b.txt", 0),
    ]
    rejects = read(tmp_path, "rejects")
    assert [(r["record"], r["reason"]) for r in rejects] == [
        (1, "unwritable_value"),
        (2, "unwritable_value"),
    ]
    assert "'url'" in rejects[0]["detail"] and "'extra'" in rejects[1]["detail"]
    assert len(report.signatures) == 2


def test_a_page_with_too_many_elements_is_refused_before_cleaning(
    tmp_path, monkeypatch, fake_cleaners
):
    crowded = "<html><body>" + "<p>x</p>" * (flows.batch.MAX_ELEMENTS + 1) + "</body></html>"
    almost = "<html><body>" + "<p>x</p>" * (flows.batch.MAX_ELEMENTS - 10) + "</body></html>"
    fake_reader(monkeypatch, {"a.warc": [html("a.warc", 0, crowded), html("a.warc", 1, almost)]})
    report = run_batch(
        dumps(tmp_path, "a.warc"), tmp_path, run_id="r1", batch_no=0, max_page_bytes=10**7
    )

    assert report.reject_reasons == Counter({"too_many_elements": 1})
    [reject] = read(tmp_path, "rejects")
    assert (reject["record"], reject["format"]) == (0, "warc")
    assert f"{flows.batch.MAX_ELEMENTS + 3} elements" in reject["detail"]
    assert [r["record"] for r in read(tmp_path, "records")] == [1]


def test_settled_pages_become_their_reject_without_being_cleaned(
    tmp_path, monkeypatch, fake_cleaners
):
    """What the worker pool passes after it killed a worker over a page (flows.workers)."""
    fake_reader(
        monkeypatch,
        {
            "a.jsonl": [text("a.jsonl", 0, "BOOM"), text("a.jsonl", 1, "Kept")],
            "b.jsonl": [text("b.jsonl", 0, "BOOM")],
        },
    )
    report = run_batch(
        dumps(tmp_path, "a.jsonl", "b.jsonl"),
        tmp_path,
        run_id="r1",
        batch_no=0,
        max_page_bytes=99,
        settled={(0, 0): Settled("page_timeout", "killed"), (1, 0): Settled("worker_died", "x")},
    )

    assert report.reject_reasons == Counter({"page_timeout": 1, "worker_died": 1})
    assert [(r["source"], r["reason"], r["detail"]) for r in read(tmp_path, "rejects")] == [
        ("a.jsonl", "page_timeout", "killed"),
        ("b.jsonl", "worker_died", "x"),
    ]


def test_a_reject_holding_unwritable_text_is_written_with_escapes(tmp_path, monkeypatch):
    """What the reader knew of a rejected record (its URL) goes into the reject; text that is
    not Unicode is written escaped rather than failing the batch."""
    broken = Reject("a.warc", 0, "not_html", "content type image/png", "warc", "https://x/\ud800")
    fake_reader(monkeypatch, {"a.warc": [broken], "b.txt": [text("b.txt", 0, "Other file")]})

    report = run_batch(
        dumps(tmp_path, "a.warc", "b.txt"), tmp_path, run_id="r1", batch_no=0, max_page_bytes=99
    )

    assert (report.inputs, report.rejects) == (2, 1)
    (row,) = read(tmp_path, "rejects")
    assert (row["reason"], row["format"], row["url"]) == ("not_html", "warc", "https://x/\\ud800")
