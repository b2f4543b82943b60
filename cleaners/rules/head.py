"""The top of a page: where the article starts, its title line, and the menus above it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cleaners.document import Block, Document, Removal
from cleaners.patterns import (
    DATE_LINE,
    LINE_CACHE_SIZE,
    NAVIGATION_LINES,
    PUBLICATION_LINE,
    SOURCE_LINE,
    normalise,
    words,
)
from cleaners.rules.captions import caption_reason
from cleaners.rules.metadata import byline_author
from cleaners.rules.navigation import is_breadcrumb
from cleaners.rules.widgets import widget_reason
from cleaners.signals import is_prose

TITLE_MIN_WORDS = 2
TITLE_MAX_WORDS = 30


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_furniture(text: str) -> bool:
    """Claimed by one of the line rules: not article text, whatever its length."""
    stripped = text.strip()
    return bool(
        widget_reason(stripped)
        or caption_reason(stripped)
        or byline_author(stripped)
        or is_breadcrumb(stripped)
        or normalise(stripped) in NAVIGATION_LINES
        or DATE_LINE.match(stripped)
        or SOURCE_LINE.match(stripped)
        or PUBLICATION_LINE.match(stripped)
    )


def content_start(doc: Document) -> int | None:
    """Position of the first prose block that no line rule claims; None if there is none."""
    for position, block in enumerate(doc.blocks):
        if is_prose(block.text) and not is_furniture(block.text):
            return position
    return None


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_heading_like(text: str) -> bool:
    n_words = len(words(text))
    return (
        TITLE_MIN_WORDS <= n_words <= TITLE_MAX_WORDS
        and not text.rstrip().endswith((".", ",", ";", ":"))
        and not is_furniture(text)
    )


def title_line(doc: Document) -> Block | None:
    """The dump's title: the last heading-like line above the first prose paragraph."""
    start = content_start(doc)
    head = doc.blocks[:start] if start is not None else ()
    for block in reversed(head):
        if is_heading_like(block.text):
            return block
    return None


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
        and len(words(line_key)) >= 3
        and title_key[len(line_key) :].lstrip()[:1] in {"|", "-", "–", "—", ":", "·"}
    )


@dataclass(frozen=True)
class TitleEcho:
    """The title repeated as the first line(s) of the body goes to `title`.

    With a known title (HTML metadata), lines equal to it near the top go. Without one (text
    dumps), the last heading-like line above the first prose paragraph is the title.
    """

    search_blocks: int = 8
    name: str = "title"

    def __post_init__(self) -> None:
        if self.search_blocks < 1:
            raise ValueError("search_blocks must be at least 1")

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
        block = title_line(doc)
        if block is None:
            return []
        return [Removal(block, self.name, "title_echo", "title", block.text.strip())]


@dataclass(frozen=True)
class HeadNavigation:
    """Short lines above the first prose paragraph of a text dump: menus, section names.

    Lines that end like a sentence stay (a standfirst), and so does the title line, which
    `TitleEcho` moves to the metadata. A page with no prose keeps its head.
    """

    max_words: int = 6
    name: str = "head"

    def __post_init__(self) -> None:
        if self.max_words < 1:
            raise ValueError("max_words must be at least 1")

    def judge(self, doc: Document) -> list[Removal]:
        start = content_start(doc)
        if start is None:
            return []
        title = title_line(doc) if not doc.meta.title else None
        return [
            Removal(block, self.name, "head_navigation")
            for block in doc.blocks[:start]
            if block is not title
            and len(words(block.text)) <= self.max_words
            and not block.text.rstrip().endswith((".", "!", "?"))
        ]
