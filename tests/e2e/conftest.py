from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory) -> Path:
    """One PREFECT_HOME for the end-to-end runs that start Prefect servers one after another:
    its database is created once (about 20 s on 2 cores), not once per test."""
    return tmp_path_factory.mktemp("prefect-home")
