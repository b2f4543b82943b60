import os

import pytest

from flows.ledger import Ledger, fingerprint
from flows.readers import list_dumps


@pytest.fixture
def ledger(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    ledger = Ledger(out)
    yield ledger
    ledger.close()


def dumps_in(folder):
    return list_dumps([str(folder)])


def names(dumps):
    return sorted(d.source for d in dumps)


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("First page of text.\n")
    (folder / "b.txt").write_text("Second page of text.\n")
    return folder


def record_all(ledger, folder, run_id="r1"):
    ledger.record([fingerprint(d) for d in dumps_in(folder)], run_id=run_id)


def test_new_files_are_to_clean_and_recorded_files_are_unchanged(ledger, folder):
    todo, unchanged = ledger.plan(dumps_in(folder))
    assert (names(todo), names(unchanged)) == (["a.txt", "b.txt"], [])

    record_all(ledger, folder)

    todo, unchanged = ledger.plan(dumps_in(folder))
    assert (names(todo), names(unchanged)) == ([], ["a.txt", "b.txt"])


def test_a_touched_file_with_the_same_content_is_unchanged(ledger, folder):
    record_all(ledger, folder)
    stat = (folder / "a.txt").stat()
    os.utime(folder / "a.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    todo, unchanged = ledger.plan(dumps_in(folder))

    assert (names(todo), names(unchanged)) == ([], ["a.txt", "b.txt"])


@pytest.mark.parametrize("new_text", ["First page of TEXT.\n", "First page, longer now.\n"])
def test_a_file_whose_content_changed_is_cleaned_again(ledger, folder, new_text):
    record_all(ledger, folder)
    stat = (folder / "a.txt").stat()
    (folder / "a.txt").write_text(new_text)
    os.utime(folder / "a.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    todo, unchanged = ledger.plan(dumps_in(folder))

    assert (names(todo), names(unchanged)) == (["a.txt"], ["b.txt"])


def test_the_ledger_survives_reopening(tmp_path, folder):
    out = tmp_path / "out2"
    out.mkdir()
    first = Ledger(out)
    record_all(first, folder)
    first.close()

    second = Ledger(out)
    try:
        todo, _ = second.plan(dumps_in(folder))
    finally:
        second.close()
    assert todo == []
