import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from flows.ledger import (
    InputScope,
    Ledger,
    LedgerFile,
    fingerprint,
    format_indices,
    parse_indices,
    unread_fingerprint,
)
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


def test_status_lists_recorded_runs_and_pending_files(tmp_path, folder, capsys):
    from flows.cli import main
    from flows.ledger import RunRow

    out = tmp_path / "out3"
    out.mkdir()
    ledger = Ledger(out)
    record_all(ledger, folder, run_id="night-1")
    ledger.record_run(
        RunRow("night-1", "2026-11-22T01:00:00", "2026-11-22T01:01:00", 2, 0, 2, 2, 0, 0, 1)
    )
    ledger.close()
    (folder / "c.txt").write_text("A page that arrived later.\n")

    code = main(["status", str(out), str(folder)])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[1].split() == ["night-1", "2026-11-22T01:00:00", "2", "0", "2", "2", "0", "1"]
    assert lines[-1] == "pending in the inputs: 1 of 3 files new or changed"


def test_status_of_a_folder_without_runs_is_an_error(tmp_path, capsys):
    from flows.cli import main

    assert main(["status", str(tmp_path)]) == 2
    assert "no runs recorded" in capsys.readouterr().err


def test_dangling_and_looping_links_are_planned_for_cleaning_not_a_crash(ledger, folder):
    (folder / "dangling.html").symlink_to(folder / "missing.html")
    (folder / "loop.html").symlink_to(folder / "loop.html")

    todo, unchanged = ledger.plan(dumps_in(folder))

    # the batch rejects both as unreadable_file (tests/hostile/test_filesystem.py)
    assert (names(todo), unchanged) == (["a.txt", "b.txt", "dangling.html", "loop.html"], [])


def test_a_symlinked_ledger_is_refused_and_its_target_left_alone(tmp_path, capsys):
    from flows.cli import main
    from flows.state_files import UnsafeStateFile

    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "precious.txt"
    target.write_text("not a database\n")
    (out / "ledger.sqlite").symlink_to(target)

    with pytest.raises(UnsafeStateFile, match=r"ledger\.sqlite is a symbolic link"):
        Ledger(out)
    assert main(["status", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{out}/ledger.sqlite is a symbolic link" in err
    assert target.read_text() == "not a database\n"


def test_record_indices_are_stored_as_runs_and_read_back():
    assert format_indices([4, 0, 1, 2, 7, 8, 4]) == "0-2,4,7-8"
    assert format_indices([]) == ""
    assert parse_indices("0-2,4,7-8") == (0, 1, 2, 4, 7, 8)
    assert parse_indices("") == ()


def test_the_ledger_keeps_each_files_record_indices(ledger, folder):
    a, b = (replace(fingerprint(d), records=(0, 2, 3)) for d in dumps_in(folder))
    ledger.record([a, replace(b, records=())], run_id="r1")

    assert ledger.records_of([a.path, b.path, "/elsewhere/c.txt"]) == {
        a.path: (0, 2, 3),
        b.path: (),
    }
    assert {file.path: file.records for file in ledger.files()} == {a.path: (0, 2, 3), b.path: ()}
    ledger.forget([a.path])
    assert [file.path for file in ledger.files()] == [b.path]


def test_an_unreadable_file_is_recorded_but_always_cleaned_again(ledger, folder):
    (dump,) = [d for d in dumps_in(folder) if d.source == "a.txt"]
    ledger.record([replace(unread_fingerprint(dump), records=(0,))], run_id="r1")

    todo, _ = ledger.plan(dumps_in(folder))

    assert "a.txt" in names(todo)
    assert ledger.records_of([dump.key]) == {dump.key: (0,)}


def test_a_ledger_of_an_older_version_gains_the_new_columns(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = sqlite3.connect(out / "ledger.sqlite")
    old.executescript(
        "create table inputs (path text primary key, source text not null, size integer not null,"
        " mtime_ns integer not null, sha1 text not null, run_id text not null,"
        " recorded_at text not null);"
        "create table runs (run_id text primary key, started_at text not null,"
        " finished_at text not null, files integer not null, unchanged integer not null,"
        " inputs integer not null, records integer not null, rejects integer not null,"
        " failed_batches integer not null);"
        "insert into inputs values ('/in/a.txt', 'a.txt', 5, 1, 'ab', 'r1', 'then');"
        "insert into runs values ('r1', '2024-01-01', '2024-01-01', 1, 0, 1, 1, 0, 0);"
    )
    old.commit()
    old.close()

    ledger = Ledger(out)
    try:
        assert ledger.files() == [LedgerFile("/in/a.txt", "a.txt", None)]  # indices not known
        assert ledger.runs()[0].deleted == 0
        assert ledger.schema_version == 0  # its output not migrated yet (flows.migration)
        ledger.mark_migrated(3)
        assert ledger.schema_version == 3
    finally:
        ledger.close()


def key(path: Path) -> str:
    return os.path.realpath(path)


@pytest.fixture
def tree(tmp_path):
    """in/a.txt, in/sub/b.html, in/.hidden/c.txt, in/notes.pdf, other/d.txt"""
    for name in ("in/a.txt", "in/sub/b.html", "in/.hidden/c.txt", "in/notes.pdf", "other/d.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("text\n")
    return tmp_path


def test_a_folder_input_covers_what_it_would_list_below_it(tree):
    scope = InputScope([str(tree / "in")])

    assert key(tree / "in/a.txt") in scope
    assert key(tree / "in/sub/b.html") in scope
    assert key(tree / "in/sub/gone.warc.gz") in scope  # a deleted file is still named by it
    assert key(tree / "in/.hidden/c.txt") not in scope  # a folder walk skips hidden names
    assert key(tree / "in/notes.pdf") not in scope  # and names without a dump extension
    assert key(tree / "other/d.txt") not in scope
    assert key(tree / "input/a.txt") not in scope  # a sibling whose name starts the same


def test_a_glob_covers_what_it_matches_and_what_lies_below_matched_folders(tree):
    html_only = InputScope([str(tree / "in" / "**" / "*.html")])
    assert key(tree / "in/sub/b.html") in html_only
    assert key(tree / "in/deeper/still/gone.html") in html_only
    assert key(tree / "in/a.txt") not in html_only
    assert key(tree / "in/.hidden/x.html") not in html_only

    folders = InputScope([str(tree / "in" / "s*")])
    assert key(tree / "in/sub/b.html") in folders
    assert key(tree / "in/a.txt") not in folders


def test_a_single_file_input_covers_nothing_else(tree):
    """A missing file input stops the run, so a file given by name never vanishes."""
    scope = InputScope([str(tree / "in/a.txt"), str(tree / "other")])
    assert key(tree / "other/d.txt") in scope
    assert key(tree / "in/sub/b.html") not in scope


def test_vanished_files_are_those_the_inputs_cover_but_no_longer_list(ledger, tree):
    both = list_dumps([str(tree / "in"), str(tree / "other")])
    ledger.record([fingerprint(d) for d in both], run_id="r1")
    (tree / "in/a.txt").unlink()
    (tree / "other/d.txt").unlink()
    (tree / "other/e.txt").write_text("keeps the folder listable\n")

    listed = list_dumps([str(tree / "in")])
    vanished = ledger.vanished(InputScope([str(tree / "in")]), {d.key for d in listed})

    # other/d.txt is gone too, but this run was not given other/: it is left alone
    assert [file.path for file in vanished] == [key(tree / "in/a.txt")]
