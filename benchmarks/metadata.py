"""Title accuracy on wcxb-dev (the dev data with labelled titles), for both reading paths.

    python benchmarks/metadata.py [--limit N]

Prints, for `clean_html` on the pages and `clean_text` on their text dumps: the share of pages
with a title, the share whose title equals the labelled one (case, punctuation and spacing
ignored), and the mean word F1 against it. The other labelled sets hold no dates, so date
accuracy has nothing to be measured on here.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cleaners import clean_html, clean_text
from flows.config import default_workers
from flows.readers import DumpFile, RawPage, iter_pages

DEVDATA = Path(__file__).resolve().parents[2] / "shared" / "devdata" / "wcxb-dev"
TOKEN = re.compile(r"\w+")


def tokens(text: str | None) -> list[str]:
    return TOKEN.findall((text or "").lower())


def word_f1(found: str | None, expected: str) -> float:
    a, b = Counter(tokens(found)), Counter(tokens(expected))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def titles(page_id: str) -> tuple[str | None, str | None]:
    """(title from the HTML path, title from the text-dump path) of one page."""
    found = []
    for path, clean in (
        (DEVDATA / "html" / f"{page_id}.html", clean_html),
        (DEVDATA / "text" / f"{page_id}.txt", clean_text),
    ):
        dump = DumpFile(path, path.parent, path.stat().st_size)
        page = next(iter_pages(dump))
        found.append(clean(page.content).meta.title if isinstance(page, RawPage) else None)
    return found[0], found[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    labels = json.loads((DEVDATA / "ground-truth.json").read_text())
    ids = sorted(page_id for page_id, item in labels.items() if item.get("title"))[: args.limit]
    with ProcessPoolExecutor(default_workers()) as pool:
        found = dict(zip(ids, pool.map(titles, ids, chunksize=8), strict=True))
    print(f"wcxb-dev, {len(ids)} pages with a labelled title")
    print(f"{'path':<10} {'has title':>10} {'exact':>8} {'word F1':>8}")
    for column, name in ((0, "html"), (1, "text dump")):
        got = [(found[i][column], labels[i]["title"]) for i in ids]
        has = sum(1 for title, _ in got if title) / len(got)
        exact = sum(1 for title, want in got if tokens(title) == tokens(want)) / len(got)
        f1 = sum(word_f1(title, want) for title, want in got) / len(got)
        print(f"{name:<10} {has:>10.3f} {exact:>8.3f} {f1:>8.3f}")


if __name__ == "__main__":
    main()
