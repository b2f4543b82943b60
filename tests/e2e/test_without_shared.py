"""A checkout without `../shared` beside it (a user's clone, not CI's): the tests that read the
seeds skip with the reason, and fail nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEEDS_THE_SEEDS = [
    "tests/e2e/test_seeds.py",
    "tests/cleaners/test_near_dup.py::test_of_the_seeds_only_001_is_a_duplicate_and_of_000",
    "tests/cleaners/test_properties.py::test_cleaning_a_clean_seed_again_removes_nothing",
]


def test_tests_that_need_the_shared_folder_skip_without_it(tmp_path):
    clone = tmp_path / "checkout"  # nothing named "shared" beside it
    clone.mkdir()
    for name in ("pyproject.toml", "cleaners", "flows", "tests", "fixtures"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, clone / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, clone / name)

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *NEEDS_THE_SEEDS],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stdout[-3000:]
    assert re.fullmatch(r"\d+ skipped in .*", result.stdout.strip().splitlines()[-1])
    skips = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    reason = f"needs the seeds in {tmp_path / 'shared' / 'seeds'}"
    assert len(skips) >= len(NEEDS_THE_SEEDS) and all(reason in line for line in skips)
