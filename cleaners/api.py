"""Entry points: a page's text or HTML in, `Cleaned` out, with the default cleaner sets."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from cleaners.apply import clean
from cleaners.document import Block, Cleaned, Cleaner, Document, Removal
from cleaners.html import html_page
from cleaners.patterns import count_words, normalise
from cleaners.rules.captions import Captions
from cleaners.rules.head import HeadNavigation, TitleEcho
from cleaners.rules.metadata import Bylines, DateLines, SourceLines
from cleaners.rules.navigation import Breadcrumbs, NavigationLines
from cleaners.rules.region import MainRegion
from cleaners.rules.repeats import RepeatedBlocks
from cleaners.rules.tail import InlineTeasers, TailCut
from cleaners.rules.widgets import Widgets
from cleaners.text import text_document

TEXT_CLEANERS: tuple[Cleaner, ...] = (
    TitleEcho(),
    Bylines(),
    SourceLines(),
    DateLines(),
    Captions(),
    Breadcrumbs(),
    NavigationLines(),
    Widgets(),
    InlineTeasers(),
    TailCut(),
    RepeatedBlocks(),
    HeadNavigation(),
    MainRegion(),
)
"""Everything a browser's text dump needs: it has all the page's chrome in it."""

HTML_CLEANERS: tuple[Cleaner, ...] = (
    TitleEcho(),
    SourceLines(),
    Captions(),
    Widgets(),
    InlineTeasers(),
    TailCut(),
)
"""What still helps after trafilatura, which already drops menus and most page chrome.

Measured on wcxb-dev (word F1): byline and repeated-block removal cost recall after
trafilatura (its output keeps legitimately repeated lines), so they are text-dump only."""


def clean_text(
    text: str, *, url: str | None = None, cleaners: tuple[Cleaner, ...] = TEXT_CLEANERS
) -> Cleaned:
    """Clean a plain-text dump of a page's visible text."""
    return clean(text_document(text, url=url), cleaners)


EXTRACTED_MIN_SHARE = 0.1
"""trafilatura's cleaned output is trusted unless it has fewer words than this share of the
cleaned visible text: then extraction missed the content (listings, app-like pages), and the
visible text cleaned as a text dump is the better reading. Measured on wcxb-dev: 0.1 keeps
every article on trafilatura and lifts listings and service pages; larger shares start to
cost articles."""


def clean_html(
    html: str, *, url: str | None = None, cleaners: tuple[Cleaner, ...] = HTML_CLEANERS
) -> Cleaned:
    """Extract the main content of an HTML page, then clean what extraction left in.

    The audit covers extraction too: lines of the visible page that trafilatura dropped are
    listed as `extractor/outside_main_content` removals.
    """
    page = html_page(html, url=url)
    if page.extracted is None:
        return _visible_reading(page.visible)
    main = clean(page.extracted, cleaners)
    # The cleaned visible text never has more words than the page's visible text, so when
    # extraction holds its share of the latter, the fallback cannot win: skip cleaning it.
    if count_words(main.text) < EXTRACTED_MIN_SHARE * _words(page.visible):
        visible = _visible_reading(page.visible)
        if extraction_missed_content(main, visible):
            return visible
    dropped = _dropped_by_extraction(page.visible, page.extracted, main.kept)
    removed = tuple(sorted(main.removed + dropped, key=lambda removal: removal.at or 0))
    return replace(main, removed=removed, extractor="trafilatura")


def _visible_reading(visible: Document) -> Cleaned:
    return replace(clean(visible, TEXT_CLEANERS), extractor="visible_text")


def _words(document: Document) -> int:
    return sum(count_words(block.text) for block in document.blocks)


def extraction_missed_content(extracted: Cleaned, visible: Cleaned) -> bool:
    return count_words(extracted.text) < EXTRACTED_MIN_SHARE * count_words(visible.text)


def _dropped_by_extraction(
    visible: Document, extracted: Document, kept: tuple[Block, ...]
) -> tuple[Removal, ...]:
    """Visible lines that appear nowhere in trafilatura's output (compared normalised), or
    more often on the page than in the output (a repeat extraction kept once), each placed
    after the last kept paragraph that an earlier visible line belongs to."""
    everything = normalise(" ".join(block.text for block in extracted.blocks))
    paragraphs = [normalise(block.text) for block in kept]
    dropped: list[Removal] = []
    shown: Counter[str] = Counter()
    seen = 0  # kept paragraphs that visible lines so far have reached
    for block in visible.blocks:
        line = normalise(block.text)
        shown[line] += 1
        repeat_dropped = shown[line] > 1 and line and shown[line] > everything.count(line)
        if line not in everything or repeat_dropped:
            dropped.append(Removal(block, "extractor", "outside_main_content", at=seen))
            continue
        for number in range(max(seen - 1, 0), len(paragraphs)):
            if line and line in paragraphs[number]:
                seen = number + 1
                break
    return tuple(dropped)
