"""Where a page's cleaning time goes, with bare trafilatura measured in the same run.

    .venv/bin/python benchmarks/stages.py [--pages N] [--repeats N]

One process, the first N pages of ../shared/devdata/wcxb-dev (HTML and their text dumps).
First the wall time per page of each side, alternating over the repeats: `trafilatura.extract`
as a bare pool would call it, trafilatura's `bare_extraction` as Winnow calls it (with and
without its metadata pass), and `clean_html` / `clean_text`. Then one profiled pass of each
cleaner, as shares of its time by stage (cumulative time of the stage's function; stages nest,
so the shares do not add up). Figures, not tests; the machine is shared, so compare figures
from one run.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners import clean_html, clean_text  # noqa: E402
from cleaners.html import DATE_PARAMS  # noqa: E402

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


if __name__ == "__main__":
    main()
