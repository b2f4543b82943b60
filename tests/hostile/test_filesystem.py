"""The file system misbehaving: unreadable, looping, vanishing and growing files, odd names, and
an output disk that fills up mid-batch."""

import errno
import json
import os

import pyarrow.parquet as pq
import pytest
from hostile_corpus import article

import flows.batch
import flows.records
from flows.batch import run_batch
from flows.readers import list_dumps
from flows.records import remove_stale_parts


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "in"
    path.mkdir()
    (path / "good.html").write_text(article())
    return path


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_a_file_without_read_permission_is_unreadable(folder, run_hostile):
    (folder / "secret.html").write_text(article())
    (folder / "secret.html").chmod(0)
    outcome = run_hostile()
    assert outcome.by_source() == {"good.html": ["record"], "secret.html": ["unreadable_file"]}


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux /proc")
def test_a_file_whose_read_fails_with_an_io_error_is_unreadable(folder, run_hostile):
    """Works as root too: reading /proc/self/mem at offset 0 fails with EIO."""
    (folder / "eio.html").symlink_to("/proc/self/mem")
    outcome = run_hostile()
    assert outcome.by_source() == {"good.html": ["record"], "eio.html": ["unreadable_file"]}
    assert "OSError" in outcome.rejects[0]["detail"]


def test_looping_and_dangling_symlinks_are_rejected_not_dropped(folder, run_hostile):
    (folder / "loop.html").symlink_to("loop.html")
    (folder / "dangling.html").symlink_to("missing.html")
    (folder / "cycle").symlink_to(".")  # os.walk does not follow it
    outcome = run_hostile()
    assert outcome.by_source() == {
        "dangling.html": ["unreadable_file"],
        "good.html": ["record"],
        "loop.html": ["unreadable_file"],
    }


def test_a_glob_through_a_folder_symlink_loop_lists_each_file_once(folder, run_hostile):
    (folder / "cycle").symlink_to(".")
    for pattern in ("**/*.html", "**"):
        outcome = run_hostile([str(folder / pattern)])
        assert outcome.by_source() == {"good.html": ["record"]}


def test_a_file_that_disappears_after_listing_is_unreadable(folder, run_hostile):
    (folder / "gone.html").write_text(article())
    outcome = run_hostile(after_listing=(folder / "gone.html").unlink)
    assert outcome.by_source() == {"gone.html": ["unreadable_file"], "good.html": ["record"]}


def test_a_file_that_grows_while_being_read_keeps_what_was_read(folder, run_hostile, monkeypatch):
    crawl = folder / "crawl.jsonl"
    line = json.dumps({"html": article()}) + "\n"
    crawl.write_text(line * 3)
    real_iter_pages = flows.batch.iter_pages

    def iter_pages_while_appending(dump, **options):
        for item in real_iter_pages(dump, **options):
            if dump.source == "crawl.jsonl" and item.record == 0:
                with crawl.open("a") as growing:
                    growing.write(line + '{"half a line')
            yield item

    monkeypatch.setattr(flows.batch, "iter_pages", iter_pages_while_appending)
    outcome = run_hostile()
    outcomes = outcome.by_source()["crawl.jsonl"]
    assert outcomes[:3] == ["record"] * 3
    assert set(outcomes) <= {"record", "invalid_json"}


ODD_NAMES = [
    "space and ünïcödé.html",
    "emoji 🦀.html",
    "new\nline.html",
    "-dash.html",
    "quote'\"s.html",
    "back\\slash.html",
]


def test_odd_and_non_utf8_file_names(folder, run_hostile):
    for name in ODD_NAMES:
        (folder / name).write_text(article())
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.html"), "w") as handle:
        handle.write(article())
    outcome = run_hostile()
    sources = outcome.by_source()
    assert set(sources) == {"good.html", *ODD_NAMES, "caf\\xe9.html"}  # escaped, not lost
    assert all(outcomes == ["record"] for outcomes in sources.values())


def test_disk_full_mid_batch_fails_cleanly_and_a_rerun_completes(folder, tmp_path, monkeypatch):
    for number in range(6):
        (folder / f"page{number}.html").write_text(article(f"Story number {number}."))
    files = list_dumps([str(folder)])
    out = tmp_path / "out"
    real_writer = flows.records.pq.ParquetWriter
    writes = []

    class FillingDisk(real_writer):
        def write_table(self, table, *args, **kwargs):
            writes.append(table.num_rows)
            if len(writes) == 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            super().write_table(table, *args, **kwargs)

    monkeypatch.setattr(flows.records.pq, "ParquetWriter", FillingDisk)
    with pytest.raises(OSError) as failure:
        run_batch(files, out, run_id="full", batch_no=0, max_page_bytes=10**7, row_group_rows=1)
    assert failure.value.errno == errno.ENOSPC
    assert len(writes) == 3  # it failed mid-batch, after two rows were written
    leftovers = sorted(path.name for path in out.rglob("*") if path.is_file())
    assert leftovers == []
    assert remove_stale_parts(out) == 0

    monkeypatch.setattr(flows.records.pq, "ParquetWriter", real_writer)
    report = run_batch(files, out, run_id="full", batch_no=0, max_page_bytes=10**7)
    assert (report.inputs, report.records) == (7, 7)
    assert pq.read_table(out / "records" / "part-full-00000.parquet").num_rows == 7
