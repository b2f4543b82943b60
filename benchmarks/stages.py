"""Where a page's cleaning time goes, with bare trafilatura measured in the same run.

    .venv/bin/python benchmarks/stages.py [--pages N] [--repeats N]

One process, the first N pages of ../shared/devdata/wcxb-dev (HTML and their text dumps).
First the wall time per page of each side, alternating over the repeats: `trafilatura.extract`
as a bare pool would call it, trafilatura's `bare_extraction` as Winnow calls it (with and
without its metadata pass), and `clean_html` / `clean_text`. Then one profiled pass of each
cleaner, as shares of its time by stage (cumulative time of the stage's function; stages nest,
so the shares do not add up). Last, what a text dump costs in a batch step by step (CPU time),
reading and writing included, against the budget of issue 18's text target (500 dumps per
second per core). Figures, not tests; the machine is shared, so compare figures from one run.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throughput import TEXT_DOCS_PER_CORE  # noqa: E402

from cleaners import clean_html, clean_text  # noqa: E402
from cleaners.html import DATE_PARAMS  # noqa: E402
from cleaners.near_dup import signature_and_hash  # noqa: E402
from cleaners.signals import identify_language  # noqa: E402
from cleaners.text import text_document  # noqa: E402
from flows.readers import RawPage, iter_pages, list_dumps  # noqa: E402
from flows.records import RECORD_SCHEMA, record_row, unwritable_column  # noqa: E402

WCXB = ROOT.parent / "shared" / "devdata" / "wcxb-dev"

HTML_STAGES = {
    "trafilatura.bare_extraction": "core.py(bare_extraction)",
    "  of which trafilatura's metadata": "metadata.py(extract_metadata)",
    "  of which its fallback extractors": "external.py(compare_extraction)",
    "visible text (html.visible_lines)": "html.py(visible_lines)",
    "comment threads (threads.with_threads_marked)": "threads.py(with_threads_marked)",
    "repeated items (html.repeated_items)": "html.py(repeated_items)",
    "region recovery (api._skipped_in_region)": "api.py(_skipped_in_region)",
    "rules (apply.clean)": "apply.py(clean)",
    "audit of extraction (api._dropped_by_extraction)": "api.py(_dropped_by_extraction)",
}
TEXT_STAGES = {
    "lines and threads (text.text_document)": "text.py(text_document)",
    "rules (apply.clean)": "apply.py(clean)",
    "language (signals.identify_language)": "signals.py(identify_language)",
}


def per_page_ms(call: Callable[[str], object], pages: list[str]) -> float:
    started = time.perf_counter()
    for page in pages:
        call(page)
    return (time.perf_counter() - started) / len(pages) * 1000


def stage_shares(call: Callable[[str], object], pages: list[str], stages: dict[str, str]):
    profile = cProfile.Profile()
    profile.enable()
    for page in pages:
        call(page)
    profile.disable()
    stats = pstats.Stats(profile).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    total = sum(tt for _, _, tt, _, _ in stats.values())
    for label, suffix in stages.items():
        cumulative = sum(
            ct
            for (file, _line, name), (_, _, _, ct, _) in stats.items()
            if f"{Path(file).name}({name})" == suffix
        )
        print(f"  {label:<50} {cumulative / total:6.1%}")


def dump_costs(limit: int) -> None:
    """CPU time per text dump of each step a batch takes for it, one pass each (the cleaners'
    per-line caches see every dump once, as on distinct inputs). "rules" is `clean_text` less
    its lines and threads and the language of its text."""
    dumps = list_dumps([str(WCXB / "text")])[:limit]
    steps: dict[str, float] = {}

    def step(name: str, call: Callable[[], object]) -> object:
        started = time.process_time()
        result = call()
        steps[name] = (time.process_time() - started) / len(dumps) * 1000
        return result

    pages = step("read the file (flows.readers.iter_pages)", lambda: _pages(dumps))
    docs = step(
        "lines and threads (text_document)", lambda: [text_document(p.content) for p in pages]
    )
    cleaned = step("clean_text, whole", lambda: [clean_text(p.content) for p in pages])
    step(
        "language of the text (identify_language)",
        lambda: [identify_language(c.text) for c in cleaned],
    )
    step("near-duplicate signature and hash", lambda: [signature_and_hash(c.text) for c in cleaned])
    now = datetime.now(UTC)
    rows = step(
        "record row and its text check",
        lambda: [
            row
            for page, result in zip(pages, cleaned, strict=True)
            if unwritable_column(
                row := record_row(page, result, input_key="k", run_id="r", processed_at=now)
            )
            is None
        ],
    )
    with tempfile.TemporaryDirectory() as tmp:
        step(
            "Arrow and Parquet (zstd)",
            lambda: pq.write_table(
                pa.Table.from_pylist(rows, schema=RECORD_SCHEMA),
                f"{tmp}/part.parquet",
                compression="zstd",
            ),
        )
    whole = steps.pop("clean_text, whole")
    cleaning = {
        name: steps.pop(name)
        for name in (
            "lines and threads (text_document)",
            "language of the text (identify_language)",
        )
    }
    cleaning["rules (apply.clean, language excluded)"] = whole - sum(cleaning.values())
    lines = sum(len(doc.blocks) for doc in docs) / len(docs)
    removals = sum(len(result.removed) for result in cleaned) / len(cleaned)
    budget = 1000 / TEXT_DOCS_PER_CORE
    print(
        f"a text dump in a batch, CPU ms per dump ({len(dumps)} dumps of wcxb-dev, {lines:.0f}"
        f" lines and {removals:.0f} removals each on average):"
    )
    for group, figures in (("cleaning", cleaning), ("the batch around cleaning", steps)):
        print(f"  {group}: {sum(figures.values()):.2f}")
        for name, ms in figures.items():
            print(f"    {name:<48} {ms:7.2f}")
    print(
        f"  budget at {TEXT_DOCS_PER_CORE:.0f} dumps/s per core: {budget:.2f} ms a dump,"
        f" {budget / lines * 1000:.1f} us a line; the batch around cleaning takes"
        f" {sum(steps.values()) / budget:.0%} of it"
    )


def _pages(dumps) -> list[RawPage]:
    return [page for dump in dumps for page in iter_pages(dump) if isinstance(page, RawPage)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    html_files = sorted((WCXB / "html").glob("*.html"))[: args.pages]
    if not html_files:
        sys.exit(f"no pages in {WCXB / 'html'} (../shared beside the checkout?)")
    html = [path.read_text(encoding="utf-8", errors="replace") for path in html_files]
    text = [
        (WCXB / "text" / f"{path.stem}.txt").read_text(encoding="utf-8", errors="replace")
        for path in html_files
        if (WCXB / "text" / f"{path.stem}.txt").exists()
    ]

    def bare(with_metadata: bool) -> Callable[[str], object]:
        return lambda page: trafilatura.bare_extraction(
            trafilatura.load_html(page),
            include_comments=False,
            include_tables=True,
            with_metadata=with_metadata,
            deduplicate=False,
            date_extraction_params=DATE_PARAMS,
        )

    sides: dict[str, tuple[Callable[[str], object], list[str]]] = {
        "trafilatura.extract (the bare baseline)": (
            lambda page: trafilatura.extract(page, include_comments=False, deduplicate=False),
            html,
        ),
        "bare_extraction with metadata (Winnow's call)": (bare(True), html),
        "bare_extraction without metadata": (bare(False), html),
        "cleaners.clean_html": (clean_html, html),
        "cleaners.clean_text": (clean_text, text),
    }
    for call, pages in sides.values():
        call(pages[0])  # models and tables load on first use
    totals = dict.fromkeys(sides, 0.0)
    for _ in range(args.repeats):
        for name, (call, pages) in sides.items():
            totals[name] += per_page_ms(call, pages)
    print(f"{len(html)} HTML pages, {len(text)} text dumps of wcxb-dev; {args.repeats} repeats")
    for name, total in totals.items():
        print(f"  {name:<50} {total / args.repeats:7.1f} ms/page")
    ratio = totals["trafilatura.extract (the bare baseline)"] / totals["cleaners.clean_html"]
    print(f"  clean_html throughput / trafilatura.extract's: {ratio:.2f}x")
    print("clean_html, share of its time by stage (profiled):")
    stage_shares(clean_html, html, HTML_STAGES)
    print("clean_text, share of its time by stage (profiled):")
    stage_shares(clean_text, text, TEXT_STAGES)
    dump_costs(args.pages)


if __name__ == "__main__":
    main()
