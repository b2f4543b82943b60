import subprocess
import sys

import pytest

from flows.server import (
    TEMPLATE_DATABASE,
    ServerFailed,
    _stop,
    _wait_healthy,
    free_port,
    seed_database,
)


def test_a_server_that_exits_at_start_is_reported_with_its_exit_code():
    server = subprocess.Popen([sys.executable, "-c", "raise SystemExit(4)"])
    with pytest.raises(ServerFailed, match="exited with code 4"):
        _wait_healthy(server, f"http://127.0.0.1:{free_port()}/api", timeout=30)


def test_a_server_that_never_answers_is_stopped_after_the_timeout():
    server = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    try:
        with pytest.raises(ServerFailed, match="did not answer"):
            _wait_healthy(server, f"http://127.0.0.1:{free_port()}/api", timeout=1.5)
    finally:
        _stop(server)
    assert server.returncode is not None


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
