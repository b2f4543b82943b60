"""Breadcrumb trails and lines that only make sense as site navigation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cleaners.cues import CuedPattern
from cleaners.document import BlockKind, Document, Removal
from cleaners.patterns import (
    BREADCRUMB_HOME_WORDS,
    BREADCRUMB_SEPARATORS,
    LINE_CACHE_SIZE,
    NAVIGATION_LINES,
    normalise,
)
from cleaners.signals import beside_prose, ends_like_sentence, word_count

_SEPARATORS = CuedPattern(BREADCRUMB_SEPARATORS)


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_breadcrumb(text: str, *, max_segment_words: int = 5) -> bool:
    """ "Home > News > Title": separated short segments, led by a home word or three deep."""
    if ends_like_sentence(text) or word_count(text) > 30:
        return False
    segments = [s for s in _SEPARATORS.split(text.strip()) if s.strip()]
    if len(segments) < 2:
        return False
    leading = segments[:-1]
    if any(word_count(s) > max_segment_words for s in leading):
        return False
    starts_home = normalise(segments[0]) in BREADCRUMB_HOME_WORDS
    return starts_home or len(segments) >= 3


@dataclass(frozen=True)
class Breadcrumbs:
    max_segment_words: int = 5
    name: str = "breadcrumbs"

    def __post_init__(self) -> None:
        if self.max_segment_words < 1:
            raise ValueError("max_segment_words must be at least 1")

    def judge(self, doc: Document) -> list[Removal]:
        return [
            Removal(block, self.name, "breadcrumb")
            for block in doc.blocks
            if is_breadcrumb(block.text, max_segment_words=self.max_segment_words)
        ]


@dataclass(frozen=True)
class NavigationLines:
    """Whole lines such as "Skip to content", "Menu", "Back to top"."""

    name: str = "navigation"

    def judge(self, doc: Document) -> list[Removal]:
        return [
            Removal(block, self.name, "navigation_line")
            for block in doc.blocks
            if normalise(block.text) in NAVIGATION_LINES
        ]


@dataclass(frozen=True)
class PageAsides:
    """Lines that stand inside the page's `<aside>`, `<nav>` or `<footer>`
    (`cleaners.html.visible_lines` makes them "aside"): sidebars, menus and footers by the
    page's own markup, which trafilatura removes as a whole. A reading of the visible text
    leaves them out too, unless they hold all the page's prose. A text dump has no markup:
    its lines are never asides."""

    name: str = "navigation"

    def judge(self, doc: Document) -> list[Removal]:
        return [Removal(b, self.name, "page_aside") for b in beside_prose(doc, ASIDE_KINDS)]


ASIDE_KINDS: frozenset[BlockKind] = frozenset({"aside"})
