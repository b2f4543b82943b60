"""Word-level quality on wcxb-dev, per page type, against bare trafilatura in the same run.

    python benchmarks/quality.py [--limit N]

Scoring as the WCXB benchmark does it: lowercase `\\w+` tokens as a bag of words, precision,
recall and F1 per page, averaged over pages. Columns: Winnow on the HTML, bare
`trafilatura.extract(include_comments=False)` on the same HTML, Winnow on the browser text
dump of the same page, and the raw text dump uncleaned (what doing nothing scores).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import trafilatura

from cleaners import clean_html, clean_text

DEVDATA = Path(__file__).resolve().parents[1].parent / "shared" / "devdata" / "wcxb-dev"
TOKEN = re.compile(r"\w+")
COLUMNS = ("winnow_html", "trafilatura", "winnow_text", "raw_text")


def word_f1(predicted: str, reference: str) -> float:
    got, want = Counter(TOKEN.findall(predicted.lower())), Counter(TOKEN.findall(reference.lower()))
    if not got and not want:
        return 1.0
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def score_page(item: tuple[str, dict]) -> tuple[str, dict[str, float]]:
    page_id, truth = item
    html = (DEVDATA / "html" / f"{page_id}.html").read_text(encoding="utf-8", errors="replace")
    dump = (DEVDATA / "text" / f"{page_id}.txt").read_text(encoding="utf-8", errors="replace")
    reference, url = truth["main_content"], truth["url"]
    outputs = {
        "winnow_html": clean_html(html, url=url).text,
        "trafilatura": trafilatura.extract(html, url=url, include_comments=False) or "",
        "winnow_text": clean_text(dump, url=url).text,
        "raw_text": dump,
    }
    return truth["page_type"], {k: word_f1(v, reference) for k, v in outputs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    args = parser.parse_args()
    truth = json.loads((DEVDATA / "ground-truth.json").read_text())
    items = sorted(truth.items())[: args.limit or None]
    with ProcessPoolExecutor() as pool:
        scores = list(pool.map(score_page, items, chunksize=8))
    types = sorted({t for t, _ in scores})
    print(f"{'page type':<15}{'pages':>6}" + "".join(f"{c:>13}" for c in COLUMNS))
    for page_type in [*types, "all"]:
        rows = [s for t, s in scores if page_type in ("all", t)]
        means = (statistics.mean(r[c] for r in rows) for c in COLUMNS)
        print(f"{page_type:<15}{len(rows):>6}" + "".join(f"{m:>13.3f}" for m in means))


if __name__ == "__main__":
    main()
