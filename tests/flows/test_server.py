import contextlib
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from flows.server import (
    TEMPLATE_DATABASE,
    ServerFailed,
    free_port,
    seed_database,
    stop_server,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_server_that_exits_at_start_is_reported_with_its_exit_code():
    server = subprocess.Popen([sys.executable, "-c", "raise SystemExit(4)"])
    with pytest.raises(ServerFailed, match="exited with code 4"):
        wait_healthy(f"http://127.0.0.1:{free_port()}/api", 30, server)


def test_a_server_that_never_answers_is_stopped_after_the_timeout():
    server = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    try:
        with pytest.raises(ServerFailed, match="did not answer"):
            wait_healthy(f"http://127.0.0.1:{free_port()}/api", 1.5, server)
    finally:
        stop_server(server)
    assert server.returncode is not None


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel kills it (Linux)")
def test_a_server_is_killed_with_the_winnow_that_started_it():
    """A SIGKILL or an OOM kill gives winnow no chance to stop its server."""
    winnow = textwrap.dedent(
        """
        import sys, time
        from flows.server import start_server

        server = start_server([sys.executable, "-c", "import time; time.sleep(60)"], sys.stderr)
        print(server.pid, flush=True)
        time.sleep(60)
        """
    )
    starter = subprocess.Popen(
        [sys.executable, "-c", winnow], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    with starter:
        server = psutil.Process(int(starter.stdout.readline()))
        try:
            assert server.is_running()
            starter.kill()
            starter.wait()
            assert _ends_within(server, seconds=5)
        finally:
            with contextlib.suppress(psutil.NoSuchProcess):
                server.kill()


def _ends_within(process: psutil.Process, seconds: float) -> bool:
    """Whether `process` ends (a zombie, awaiting its new parent, has ended) in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "template.db"
    path.write_bytes(b"migrated")
    return path


def test_a_fresh_home_gets_a_copy_of_the_migrated_database(tmp_path, template):
    database = tmp_path / "home" / "prefect.db"

    assert seed_database(f"sqlite+aiosqlite:///{database}", template)

    assert database.read_bytes() == b"migrated"
    assert sorted(p.name for p in database.parent.iterdir()) == ["prefect.db"]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///{db}",
        "postgresql+asyncpg://u:p@db/prefect",
        "sqlite+aiosqlite:///:memory:",
    ],
)
def test_an_existing_or_other_database_is_left_alone(tmp_path, template, url, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a relative database path would land
    database = tmp_path / "prefect.db"
    database.write_bytes(b"runs of earlier days")

    assert not seed_database(url.format(db=database), template)

    assert database.read_bytes() == b"runs of earlier days"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prefect.db", "template.db"]


def test_a_database_url_with_options_gets_the_copy_at_its_path(tmp_path, template):
    database = tmp_path / "prefect.db"

    assert seed_database(f"sqlite+aiosqlite:///{database}?timeout=30", template)
    assert database.read_bytes() == b"migrated"


def test_without_a_template_prefect_migrates_as_usual(tmp_path):
    database = tmp_path / "prefect.db"

    assert not seed_database(f"sqlite+aiosqlite:///{database}", tmp_path / "missing.db")
    assert not database.exists()


def test_make_install_built_the_template():
    """`make install` (which `make test` runs first) migrates it; without it every fresh
    PREFECT_HOME costs a migration again."""
    assert TEMPLATE_DATABASE.is_file()
    assert TEMPLATE_DATABASE.read_bytes()[:16] == b"SQLite format 3\x00"


def test_the_ui_of_a_server_winnow_starts_talks_to_that_server(tmp_path, monkeypatch):
    """Prefect's UI asks its server where the API is (`/ui-settings`); left alone, the answer
    is port 4200, and the UI of a server on another port cannot reach it."""
    import json
    import urllib.request

    from flows.server import local_prefect_server

    home = tmp_path / "prefect-home"
    monkeypatch.setenv("PREFECT_HOME", str(home))
    for name in ("PREFECT_API_URL", "PREFECT_UI_API_URL", "PREFECT_SERVER_UI_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    for name in ("PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL"):
        monkeypatch.delenv(name, raising=False)
    seed_database(f"sqlite+aiosqlite:///{home / 'prefect.db'}")

    with (tmp_path / "server.log").open("w") as log, local_prefect_server(log) as api_url:
        ui_url = api_url.removesuffix("/api")
        with urllib.request.urlopen(f"{ui_url}/ui-settings", timeout=30) as response:
            settings = json.load(response)

    assert settings["api_url"] == api_url
