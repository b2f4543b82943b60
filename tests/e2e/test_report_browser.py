"""The HTML report in a real headless browser (Debian's `chromium`; `.ci/run` installs it): the
page loads without console messages (a fetch its Content-Security-Policy blocks would log one),
the DOM shows the run's numbers, and a screenshot shows the charts in their colours."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from flows.batch import run_batch
from flows.ledger import Ledger, RunRow
from flows.readers import list_dumps
from flows.report import CLEANER_COLOUR, REJECT_COLOUR, SITE_COLOUR, ReportFacts, write_report

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_INPUTS = [ROOT / "fixtures" / "dumps", ROOT / "fixtures" / "formats"]
CHROMIUM = shutil.which("chromium")
BROWSER_TIMEOUT_S = 60

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs chromium on PATH (apt-get install chromium; .ci/run does)"
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless chromium with its own profile; as root it needs --no-sandbox."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def console_messages(stderr: str) -> list[str]:
    """What the page logged to the console: uncaught errors, blocked fetches, warnings."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, ReportFacts]:
    out = tmp_path_factory.mktemp("out")
    dumps = list_dumps([str(path) for path in FIXTURE_INPUTS])
    done = run_batch(dumps, out, run_id="r1", batch_no=0, max_page_bytes=1_000_000)
    ledger = Ledger(out)
    ledger.record_run(
        RunRow(
            "r1",
            "2024-05-01T10:00:00+00:00",
            "2024-05-01T10:00:12+00:00",
            files=len(dumps),
            unchanged=0,
            inputs=done.inputs,
            records=done.records,
            rejects=done.rejects,
            failed_batches=0,
        )
    )
    ledger.close()
    path = tmp_path_factory.mktemp("report") / "report.html"
    return path, write_report(str(out), path)


def test_the_page_loads_cleanly_and_shows_the_runs_numbers(report, tmp_path):
    path, facts = report
    done = chromium(tmp_path, "--dump-dom", path.as_uri())

    dom = done.stdout
    assert console_messages(done.stderr) == []
    shown = dict(re.findall(r'id="fact-(\w+)"><span class="value">([^<]*)<', dom))
    assert (shown["records"], shown["rejects"], shown["runs"]) == (
        str(facts.records),
        str(facts.rejects),
        "1",
    )
    assert facts.records > 0 and facts.rejects > 0
    assert shown["removed"] == f"{facts.removed_blocks:,}"
    assert "<td><code>r1</code></td>" in dom
    for reason, count in facts.rejects_by_reason.items():
        assert re.search(rf'data-label="{reason}" data-value="{count} \(', dom), reason
    assert dom.count('<article class="sample"') == facts.samples == 5


def test_the_console_check_sees_a_blocked_fetch(tmp_path):
    """The check above can fail: a page that tries to load something logs a console line."""
    page = tmp_path / "fetching.html"
    page.write_text(
        "<!doctype html><meta http-equiv='Content-Security-Policy' content=\"default-src 'none'\">"
        "<img src='https://example.invalid/x.png'><script>missing()</script>"
    )
    done = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert len(console_messages(done.stderr)) >= 1


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA PNG, alpha dropped."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour in (2, 6), interlace) == (8, True, 0)
        elif kind == b"IDAT":
            idat.append(body)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, previous, bpp)
        rows.append(bytes(line) if bpp == 3 else bytes(b for i, b in enumerate(line) if i % 4 < 3))
        previous = line
    return width, height, rows


def _unfilter(kind: int, line: bytearray, previous: bytearray, bpp: int) -> None:
    """Undo one row's PNG filter in place (PNG spec, section 9)."""
    if kind == 2:  # the common case, done without a Python loop per byte
        line[:] = bytes((a + b) & 255 for a, b in zip(line, previous, strict=True))
        return
    for i in range(len(line) if kind else 0):
        left = line[i - bpp] if i >= bpp else 0
        up = previous[i]
        if kind == 1:
            line[i] = (line[i] + left) & 255
        elif kind == 3:
            line[i] = (line[i] + ((left + up) >> 1)) & 255
        elif kind == 4:
            up_left = previous[i - bpp] if i >= bpp else 0
            guess = left + up - up_left
            near = min((abs(guess - left), 0), (abs(guess - up), 1), (abs(guess - up_left), 2))
            line[i] = (line[i] + (left, up, up_left)[near[1]]) & 255


def test_a_screenshot_shows_the_charts(report, tmp_path):
    path, _ = report
    shot = tmp_path / "report.png"
    done = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", path.as_uri())
    assert console_messages(done.stderr) == []

    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 2000)
    pixels = [row[i : i + 3] for row in rows for i in range(0, len(row), 3)]
    colours = set(pixels)
    white = pixels.count(b"\xff\xff\xff")
    assert len(colours) > 100, f"only {len(colours)} colours: a blank or unstyled page"
    assert white < 0.97 * len(pixels)
    for bar in (CLEANER_COLOUR, SITE_COLOUR, REJECT_COLOUR):
        assert bytes.fromhex(bar[1:]) in colours, f"no {bar} bar in the screenshot"
