import subprocess
import sys

import pytest

from flows.server import ServerFailed, _stop, _wait_healthy, free_port


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
