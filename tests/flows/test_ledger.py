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


def test_status_lists_recorded_runs_and_pending_files(tmp_path, folder, capsys):
    from flows.cli import main
    from flows.ledger import RunRow

    out = tmp_path / "out3"
    out.mkdir()
    ledger = Ledger(out)
    record_all(ledger, folder, run_id="night-1")
    ledger.record_run(
        RunRow("night-1", "2026-11-22T01:00:00", "2026-11-22T01:01:00", 2, 0, 2, 2, 0, 0)
    )
    ledger.close()
    (folder / "c.txt").write_text("A page that arrived later.\n")

    code = main(["status", str(out), str(folder)])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[1].split() == ["night-1", "2026-11-22T01:00:00", "2", "0", "2", "2", "0"]
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
