"""A Prefect deployment puts its entrypoint's folder first on `sys.path`, so a module in flows/
named like one of the standard library's replaces it in every process the deployment spawns:
`flows/inspect.py` once broke `inspect` (and every batch) in a deployed run."""

from __future__ import annotations

import sys
from pathlib import Path

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def test_no_module_in_flows_shares_a_standard_library_name():
    modules = {path.stem for path in FLOWS.rglob("*.py")} - {"__init__", "__main__"}

    assert modules
    assert sorted(modules & sys.stdlib_module_names) == []
