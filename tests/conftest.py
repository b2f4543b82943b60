"""Shared fixtures. Prefect is imported only by the fixture that needs it, so tests that do not
run flows do not pay for it."""

from collections.abc import Iterator

import pytest

# A first start migrates a fresh SQLite database; on a busy 2-core machine that can take longer
# than Prefect's default 30 s harness timeout.
SERVER_STARTUP_TIMEOUT_S = 180


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server and database for the whole session (starting one takes
    10-30 s), for tests that run flows."""
    from prefect.settings import PREFECT_SERVER_ANALYTICS_ENABLED, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        temporary_settings({PREFECT_SERVER_ANALYTICS_ENABLED: False}),
        prefect_test_harness(server_startup_timeout=SERVER_STARTUP_TIMEOUT_S),
    ):
        yield


@pytest.fixture(scope="session")
def prefect_api_url(prefect_harness) -> str:
    """The session server's API URL, for command-line runs in subprocesses: with
    PREFECT_API_URL set they use it instead of starting a Prefect server of their own, which
    adds about 5-10 s to each run (tests/e2e/test_seeds.py and tests/flows/test_cli.py run that
    path)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()
