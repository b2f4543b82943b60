import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flows.lock import LOCK_NAME, OutputBusy, exclusive_output

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
