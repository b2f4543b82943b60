"""The top of a page: where the article starts, its title line, and the menus above it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cleaners.document import Block, Document, Removal
from cleaners.patterns import (
    DATE_IN_LINE,
    LINE_CACHE_SIZE,
    NAVIGATION_LINES,
    normalise,
    words,
)
from cleaners.rules.captions import caption_reason
from cleaners.rules.metadata import byline_author, line_date, source_line
from cleaners.rules.navigation import is_breadcrumb
from cleaners.rules.widgets import widget_reason
from cleaners.signals import is_prose, word_count

TITLE_MIN_WORDS = 2
TITLE_MAX_WORDS = 30
HEAD_NAVIGATION_MAX_WORDS = 6
"""Lines above the article this short that are not sentences are menus and section names."""


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_furniture(text: str) -> bool:
    """Claimed by one of the line rules (at their default settings): not article text,
    whatever its length, and removed wherever it stands."""
    stripped = text.strip()
    return bool(
        widget_reason(stripped)
        or caption_reason(stripped)
        or byline_author(stripped)
        or is_breadcrumb(stripped)
        or normalise(stripped) in NAVIGATION_LINES
        or line_date(stripped)
        or source_line(stripped)
    )


def content_start(doc: Document) -> int | None:
    """Position of the first prose block that no line rule claims; None if there is none."""
    for position, block in enumerate(doc.blocks):
        if is_prose(block.text) and not is_furniture(block.text):
            return position
    return None


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_heading_like(text: str) -> bool:
    n_words = word_count(text)
    return (
        TITLE_MIN_WORDS <= n_words <= TITLE_MAX_WORDS
        and sum(not word.isdigit() for word in words(text)) >= TITLE_MIN_WORDS
        and not text.rstrip().endswith((".", ",", ";", ":"))
        and not is_furniture(text)
        and not DATE_IN_LINE.search(text)
    )


def is_head_navigation(text: str, *, max_words: int = HEAD_NAVIGATION_MAX_WORDS) -> bool:
    """Short enough to be a menu entry or section name, and not a sentence."""
    return word_count(text) <= max_words and not text.rstrip().endswith((".", "!", "?"))


def _head(doc: Document) -> tuple[Block, ...]:
    """The blocks above the first prose paragraph; none on a page without prose."""
    start = content_start(doc)
    return doc.blocks[:start] if start is not None else ()


def title_candidate(doc: Document) -> Block | None:
    """The last heading-like line above the first prose paragraph, if any."""
    for block in reversed(_head(doc)):
        if is_heading_like(block.text):
            return block
    return None


def title_line(
    doc: Document, *, head_navigation_max_words: int = HEAD_NAVIGATION_MAX_WORDS
) -> Block | None:
    """A text dump's title: the title candidate, when page chrome (menu lines, a breadcrumb,
    a byline, a date line...) stands above the first prose paragraph too, or when no other
    heading-like line does.

    Either way the clean text has no title left to find: cleaning removes the chrome, and
    with it gone, a single heading left above the text is the title of what remains (`clean`
    takes it in a later pass) while two or more are not told apart and stay.
    """
    candidate = title_candidate(doc)
    if candidate is None:
        return None
    head = [block for block in _head(doc) if block is not candidate]
    has_chrome = any(
        is_head_navigation(block.text, max_words=head_navigation_max_words)
        or is_furniture(block.text)
        for block in head
    )
    alone = not any(is_heading_like(block.text) for block in head)
    return candidate if has_chrome or alone else None


def _same_title(line: str, title: str) -> bool:
    """The line is the title, or the title is the line plus a " | Site" suffix."""
    line_key, title_key = normalise(line), normalise(title)
    if not line_key:
        return False
    if line_key == title_key:
        return True
    return (
        title_key.startswith(line_key)
        and len(line_key) >= 0.5 * len(title_key)
        and word_count(line_key) >= 3
        and title_key[len(line_key) :].lstrip()[:1] in {"|", "-", "–", "—", ":", "·"}
    )


@dataclass(frozen=True)
class TitleEcho:
    """The title repeated as the first line(s) of the body goes to `title`.

    With a known title (HTML metadata), lines equal to it near the top go. Without one, in a
    text dump (origin "text"), `title_line` finds it: `head_navigation_max_words` is the word
    limit of the `HeadNavigation` that runs alongside. HTML extraction looks for the title
    itself; where it found none, no line is taken for it.
    """

    search_blocks: int = 8
    head_navigation_max_words: int = HEAD_NAVIGATION_MAX_WORDS
    name: str = "title"

    def __post_init__(self) -> None:
        if self.search_blocks < 1:
            raise ValueError("search_blocks must be at least 1")
        if self.head_navigation_max_words < 1:
            raise ValueError("head_navigation_max_words must be at least 1")

    def judge(self, doc: Document) -> list[Removal]:
        title = doc.meta.title
        if title:
            start = content_start(doc) or 0
            window = doc.blocks[: max(start, self.search_blocks)]
            return [
                Removal(block, self.name, "title_echo")
                for block in window
                if _same_title(block.text, title)
            ]
        if doc.origin != "text":
            return []
        block = title_line(doc, head_navigation_max_words=self.head_navigation_max_words)
        if block is None:
            return []
        return [Removal(block, self.name, "title_echo", "title", block.text.strip())]


@dataclass(frozen=True)
class HeadNavigation:
    """Short lines above the first prose paragraph of a text dump: menus, section names.

    Lines that end like a sentence stay (a standfirst), and so does the title candidate, which
    `TitleEcho` moves to the metadata. A page with no prose keeps its head.
    """

    max_words: int = HEAD_NAVIGATION_MAX_WORDS
    name: str = "head"

    def __post_init__(self) -> None:
        if self.max_words < 1:
            raise ValueError("max_words must be at least 1")

    def judge(self, doc: Document) -> list[Removal]:
        start = content_start(doc)
        if start is None:
            return []
        title = title_candidate(doc) if not doc.meta.title else None
        return [
            Removal(block, self.name, "head_navigation")
            for block in doc.blocks[:start]
            if block is not title and is_head_navigation(block.text, max_words=self.max_words)
        ]
