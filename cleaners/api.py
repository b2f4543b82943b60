"""Entry points: a page's text or HTML in, `Cleaned` out, with the default cleaner sets."""

from __future__ import annotations

from cleaners.apply import clean
from cleaners.document import Cleaned, Cleaner
from cleaners.html import html_document
from cleaners.rules.captions import Captions
from cleaners.rules.head import HeadNavigation, TitleEcho
from cleaners.rules.metadata import Bylines, DateLines, SourceLines
from cleaners.rules.navigation import Breadcrumbs, NavigationLines
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


def clean_html(
    html: str, *, url: str | None = None, cleaners: tuple[Cleaner, ...] = HTML_CLEANERS
) -> Cleaned:
    """Extract the main content of an HTML page, then clean what extraction left in.

    When extraction finds nothing, the page's visible text is cleaned as a text dump instead.
    """
    doc = html_document(html, url=url)
    return clean(doc, cleaners if doc.origin == "html" else TEXT_CLEANERS)
