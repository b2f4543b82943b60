"""Benchmark inputs built from the wcxb-dev pages: copies under new names, and one WARC.

The dev data is third-party content: it is only ever copied into a temporary folder, never into
the project. A copy of `html/0004.html` is `c003-0004.html`, so every replicated file has a
path of its own (winnow's ledger and record ids are keyed by path) and the same bytes.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DEVDATA = Path(__file__).resolve().parents[1].parent / "shared" / "devdata" / "wcxb-dev"
HTML_DIR = DEVDATA / "html"
TEXT_DIR = DEVDATA / "text"
GROUND_TRUTH = DEVDATA / "ground-truth.json"


def source_pages(folder: Path, limit: int = 0) -> list[Path]:
    """The dev pages of one kind (`html/*.html` or `text/*.txt`), sorted; the first `limit`."""
    pages = sorted(path for path in folder.iterdir() if path.is_file())
    if not pages:
        raise FileNotFoundError(f"no dev pages in {folder}")
    return pages[:limit] if limit else pages


def replicate(pages: list[Path], folder: Path, copies: int) -> list[Path]:
    """`copies` copies of every page in `folder` (created), each under a name of its own."""
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    folder.mkdir(parents=True, exist_ok=False)
    written = []
    for copy in range(copies):
        for page in pages:
            target = folder / f"c{copy:03d}-{page.name}"
            shutil.copyfile(page, target)
            written.append(target)
    return written


def page_urls() -> dict[str, str]:
    """Page id (file stem) -> the URL it was fetched from."""
    truth = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    return {page_id: entry["url"] for page_id, entry in truth.items()}


def write_warc(pages: list[Path], path: Path, copies: int) -> int:
    """One gzipped WARC holding `copies` copies of every HTML page as an HTTP 200 response
    record (the page's bytes as fetched, `Content-Type: text/html`), as a crawler writes
    it; copy k > 0 of a page gets `?copy=k` on its URL. Returns the number of records."""
    urls = page_urls()
    records = 0
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for copy in range(copies):
            for page in pages:
                url = urls.get(page.stem, f"https://example.org/wcxb/{page.stem}")
                if copy:
                    url += ("&" if "?" in url else "?") + f"copy={copy}"
                payload = page.read_bytes()
                http_headers = StatusAndHeaders(
                    "200 OK",
                    [
                        ("Content-Type", "text/html"),
                        ("Content-Length", str(len(payload))),
                    ],
                    protocol="HTTP/1.1",
                )
                record = writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(payload),
                    length=len(payload),
                    http_headers=http_headers,
                )
                writer.write_record(record)
                records += 1
    return records
