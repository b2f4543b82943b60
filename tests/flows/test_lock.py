import os
import re
import signal
import subprocess
import sys
import textwrap
from contextlib import ExitStack
from pathlib import Path

import pytest

from flows.cli import EXIT_BAD_CONFIG, main
from flows.lock import LOCK_NAME, OutputBusy, exclusive_output
from flows.state_files import UnsafeStateFile, open_state_file

REPO = Path(__file__).resolve().parents[2]


def hold_lock_in_subprocess(out: Path) -> subprocess.Popen:
    """A separate process that takes the lock, says so, and then sleeps."""
    code = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from flows.lock import exclusive_output
        with exclusive_output(Path({str(out)!r}), holder="test holder"):
            print("locked", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path):
    holder = hold_lock_in_subprocess(tmp_path)
    try:
        with (
            pytest.raises(OutputBusy, match=rf"test holder, pid {holder.pid}"),
            exclusive_output(tmp_path),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_dies_with_a_killed_holder(tmp_path):
    holder = hold_lock_in_subprocess(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()

    with exclusive_output(tmp_path):
        assert f"pid {os.getpid()}" in (tmp_path / LOCK_NAME).read_text()


def test_the_lock_is_released_after_the_run(tmp_path):
    with exclusive_output(tmp_path):
        pass
    with exclusive_output(tmp_path):
        pass


def test_clean_on_a_busy_output_exits_3_before_prefect_starts(tmp_path):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (dumps / "page.txt").write_text("A page of text that nobody will clean this time.\n")
    out = tmp_path / "out"
    out.mkdir()
    holder = hold_lock_in_subprocess(out)
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from flows.cli import main; code = main(sys.argv[1:]); "
                "print('prefect' in sys.modules); sys.exit(code)",
                "clean",
                str(dumps),
                "--out",
                str(out),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.kill()
        holder.wait()

    assert proc.returncode == 3
    assert proc.stdout.strip() == "False"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "being written by another run (test holder" in lines[0]
    assert not (out / "records").exists()


@pytest.fixture
def precious(tmp_path):
    """A file a planted link in OUT points at, which no run may change."""
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    return target


def test_a_symlinked_lock_file_is_refused_and_its_target_left_alone(tmp_path, precious):
    (tmp_path / LOCK_NAME).symlink_to(precious)

    with (
        pytest.raises(UnsafeStateFile, match=rf"{re.escape(LOCK_NAME)} is a symbolic link"),
        exclusive_output(tmp_path),
    ):
        pass

    assert precious.read_text() == "keep me\n"


def test_a_fifo_in_the_lock_files_place_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / LOCK_NAME)

    with (
        pytest.raises(UnsafeStateFile, match=rf"{re.escape(LOCK_NAME)} is not a regular file"),
        exclusive_output(tmp_path),
    ):
        pass


@pytest.mark.parametrize("command", [["clean"], ["serve", "--interval", "60"]])
@pytest.mark.parametrize("name", [LOCK_NAME, "ledger.sqlite", ".prefect-server.log"])
def test_a_symlinked_state_file_exits_2_with_one_line_before_a_server_starts(
    tmp_path, precious, name, command, capsys, monkeypatch
):
    import flows.server

    def server_must_not_start(log):
        raise AssertionError("a server was started with a state file behind a link")

    monkeypatch.setattr(flows.server, "local_prefect_server", server_must_not_start)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (dumps / "page.txt").write_text("A page of text that nobody will clean this time.\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(precious)

    assert main([command[0], str(dumps), "--out", str(out), *command[1:]]) == EXIT_BAD_CONFIG

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"winnow {command[0]}: error: {out / name} is a symbolic link")
    assert precious.read_text() == "keep me\n"
    assert not (out / "records").exists()


def test_a_symlinked_server_log_is_refused_before_a_server_starts(tmp_path, precious, monkeypatch):
    import flows.server
    from flows.cli import SERVER_LOG_NAME, _use_reachable_server
    from flows.server import ServerFailed

    def server_must_not_start(log):
        raise AssertionError("a server was started with the log behind a link")

    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(flows.server, "local_prefect_server", server_must_not_start)
    (tmp_path / SERVER_LOG_NAME).symlink_to(precious)

    with (
        temporary_settings(restore_defaults={PREFECT_API_URL}),  # the session's test server
        pytest.raises(ServerFailed, match=rf"{re.escape(SERVER_LOG_NAME)} is a symbolic link"),
        ExitStack() as stack,
    ):
        _use_reachable_server(stack, str(tmp_path), "clean")

    assert precious.read_text() == "keep me\n"


def test_a_state_file_opened_for_append_keeps_what_it_held(tmp_path):
    log = tmp_path / "server.log"
    for line in ("first run\n", "second run\n"):
        with os.fdopen(open_state_file(log, os.O_WRONLY | os.O_APPEND), "a") as stream:
            stream.write(line)

    assert log.read_text() == "first run\nsecond run\n"


def test_a_fifo_opened_for_append_is_refused_without_waiting_for_a_reader(tmp_path):
    os.mkfifo(tmp_path / "server.log")

    with pytest.raises(UnsafeStateFile, match=r"server\.log is not a regular file"):
        open_state_file(tmp_path / "server.log", os.O_WRONLY | os.O_APPEND)
