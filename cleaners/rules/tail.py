"""Where the article ends: related lists, comment forms and post navigation after it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cleaners.document import Document, Removal
from cleaners.patterns import TAIL_MARKER_PATTERNS, TAIL_MARKERS, TEASER_PREFIXES, normalise, words
from cleaners.signals import is_prose

MARKER_MAX_WORDS = 10
_SPACE_BEFORE_COLON = re.compile(r"\s+:")


def is_tail_marker(text: str) -> bool:
    """A short whole line such as "Related articles", "Leave a Reply" or "12 comments"."""
    if len(words(text)) > MARKER_MAX_WORDS:
        return False
    key = normalise(text)
    return key in TAIL_MARKERS or any(p.fullmatch(key) for p in TAIL_MARKER_PATTERNS)


@dataclass(frozen=True)
class TailCut:
    """Cuts the page at the first tail marker that has the bulk of the article above it.

    The guard: at least `min_words_before` prose words above the marker, and at least
    `min_share_before` of the page's (distinct) prose words. A "Most read" box in a sidebar
    above the article, or a teaser in its middle, is therefore not the end of the article.
    """

    min_words_before: int = 60
    min_share_before: float = 0.25
    name: str = "tail"

    def __post_init__(self) -> None:
        if self.min_words_before < 0:
            raise ValueError("min_words_before must be >= 0")
        if not 0.0 <= self.min_share_before <= 1.0:
            raise ValueError("min_share_before must be between 0 and 1")

    def judge(self, doc: Document) -> list[Removal]:
        prose_words = _distinct_prose_words(doc)
        total = sum(prose_words)
        before = 0
        for position, block in enumerate(doc.blocks):
            if (
                is_tail_marker(block.text)
                and before >= self.min_words_before
                and before >= self.min_share_before * total
            ):
                marker, *rest = doc.blocks[position:]
                return [Removal(marker, self.name, "tail_marker")] + [
                    Removal(b, self.name, "after_tail_marker") for b in rest
                ]
            before += prose_words[position]
        return []


def _distinct_prose_words(doc: Document) -> list[int]:
    """Prose word count per block; repeats of an earlier block count zero."""
    seen: set[str] = set()
    counts = []
    for block in doc.blocks:
        key = normalise(block.text)
        counts.append(len(words(block.text)) if is_prose(block.text) and key not in seen else 0)
        seen.add(key)
    return counts


@dataclass(frozen=True)
class InlineTeasers:
    """ "Read more: <headline>" lines link elsewhere; they go, and nothing after them does."""

    max_words: int = 30
    name: str = "teasers"

    def __post_init__(self) -> None:
        if self.max_words < 1:
            raise ValueError("max_words must be at least 1")

    def judge(self, doc: Document) -> list[Removal]:
        return [
            Removal(block, self.name, "read_more_teaser")
            for block in doc.blocks
            if len(words(block.text)) <= self.max_words
            and _SPACE_BEFORE_COLON.sub(":", normalise(block.text)).startswith(TEASER_PREFIXES)
        ]
