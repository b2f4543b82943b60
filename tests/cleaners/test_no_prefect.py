"""The cleaning library stays pure: no prefect, no filesystem access."""

import json
import re
import subprocess
import sys
from pathlib import Path

import cleaners.api

PACKAGE_DIR = Path(cleaners.api.__file__).parent
SOURCES = sorted(PACKAGE_DIR.rglob("*.py"))

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import cleaners
names = ["cleaners"] + [
    m.name for m in pkgutil.walk_packages(cleaners.__path__, "cleaners.")
]
for name in names:
    importlib.import_module(name)
print(json.dumps({
    "modules": names,
    "prefect": sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect.")),
    "public": sorted(cleaners.__all__),
}))
"""

FILESYSTEM_ACCESS = re.compile(
    r"\bopen\(|\bpathlib\b|\bPath\(|\bos\.(?:path|listdir|scandir|walk|remove|makedirs)\b|"
    r"\bshutil\b|\bglob\b|\.read_(?:text|bytes)\(|\.write_(?:text|bytes)\("
)


def test_importing_all_of_cleaners_does_not_import_prefect():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=PACKAGE_DIR.parent,
    )
    report = json.loads(result.stdout)

    assert report["prefect"] == []
    expected = {f"cleaners.{p.stem}" for p in PACKAGE_DIR.glob("*.py") if p.stem != "__init__"}
    assert expected <= set(report["modules"])
    assert "cleaners.rules.tail" in report["modules"]
    assert {"clean_html", "clean_text", "Cleaned", "Document"} <= set(report["public"])


def test_sources_were_found():
    names = {p.relative_to(PACKAGE_DIR).as_posix() for p in SOURCES}
    assert {"api.py", "apply.py", "html.py", "rules/tail.py"} <= names


def test_cleaners_source_has_no_filesystem_access():
    offenders = [
        f"{path.relative_to(PACKAGE_DIR)}:{number}: {line.strip()}"
        for path in SOURCES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FILESYSTEM_ACCESS.search(line)
    ]
    assert offenders == []


def test_cleaners_source_does_not_import_prefect():
    prefect_import = re.compile(r"^\s*(?:import|from)\s+prefect\b", re.MULTILINE)
    assert [p.name for p in SOURCES if prefect_import.search(p.read_text(encoding="utf-8"))] == []


def test_the_filesystem_check_catches_the_usual_calls():
    for line in ("with open(path) as f:", "from pathlib import Path", "os.path.exists(x)"):
        assert FILESYSTEM_ACCESS.search(line), line
    assert not FILESYSTEM_ACCESS.search('"open menu",')
