from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory) -> Path:
    """One PREFECT_HOME for the end-to-end runs: those that start a Prefect server of their own
    (test_seeds.py a temporary one, test_serve.py `prefect server start`) share its database,
    created once (about 20 s on 2 cores), not once per test."""
    return tmp_path_factory.mktemp("prefect-home")
