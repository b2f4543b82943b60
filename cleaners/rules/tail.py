"""Where the article ends: related lists, comment forms and post navigation after it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cleaners.document import Document, Removal
from cleaners.patterns import (
    LINE_CACHE_SIZE,
    REVIEW_MARKER_PATTERNS,
    REVIEW_MARKERS,
    TAIL_MARKER_PATTERNS,
    TAIL_MARKERS,
    TEASER_HEADING_PATTERNS,
    TEASER_HEADINGS,
    TEASER_PREFIXES,
    alternation,
    normalise,
)
from cleaners.rules.region import best_run, prose_scores
from cleaners.signals import is_prose, word_count

MARKER_MAX_WORDS = 10
REGION_SHORT_LINE_PENALTY = 2.0
TEASER_HEADLINE_MAX_WORDS = 20
_TEASER_SEPARATOR = re.compile(r"\s*(?::|»|>>|\|)")
_TEASER_OPENINGS = tuple(prefix.removesuffix(":") for prefix in TEASER_PREFIXES)
"""What a line starts with before its separator is folded to ":", if it is a teaser (no
prefix has a separator before its colon): most lines are ruled out without the fold."""


def _is_short_line_of(text: str, phrases: frozenset[str], patterns: re.Pattern[str]) -> bool:
    """Whether the normalised line, short enough to be a marker, is one of the phrases or
    matches one of the patterns (`alternation`) whole."""
    if word_count(text) > MARKER_MAX_WORDS:
        return False
    key = normalise(text)
    return key in phrases or patterns.fullmatch(key) is not None


_TAIL_MARKER = alternation(TAIL_MARKER_PATTERNS)
_REVIEW_MARKER = alternation(REVIEW_MARKER_PATTERNS)
_TEASER_HEADING = alternation(TEASER_HEADING_PATTERNS)


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_tail_marker(text: str) -> bool:
    """A short whole line such as "Related articles", "Leave a Reply" or "12 comments"."""
    return _is_short_line_of(text, TAIL_MARKERS, _TAIL_MARKER)


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_review_marker(text: str) -> bool:
    """A short whole line such as "Customer reviews" or "Rated 5 out of 5"."""
    return _is_short_line_of(text, REVIEW_MARKERS, _REVIEW_MARKER)


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_teaser_heading(text: str) -> bool:
    """A short whole line such as "Lesen Sie auch" or "More on the election"."""
    return _is_short_line_of(text, TEASER_HEADINGS, _TEASER_HEADING)


@dataclass(frozen=True)
class TailCut:
    """Cuts the page at the first tail marker that has the bulk of the article above it.

    The guard: at least `min_words_before` prose words above the marker, and at least
    `min_share_before` of the page's (distinct) prose words. A "Most read" box in a sidebar
    above the article, or a teaser in its middle, is therefore not the end of the article.
    The marker must also lie below the start of the prose-densest run of blocks (see
    `region`): a mega-menu with teaser sentences and a "Top stories" entry above the article
    does not end it. A "read also" heading ends the article only if at most
    `teaser_max_share_after` of the prose comes after it; otherwise it is a mid-article
    teaser (see `InlineTeasers`). Customer reviews (`is_review_marker`) need no share of the
    prose above them: a product's reviews often outweigh its description, and no sidebar box
    above an article starts with them.
    """

    min_words_before: int = 60
    min_share_before: float = 0.25
    teaser_max_share_after: float = 0.1
    name: str = "tail"

    def __post_init__(self) -> None:
        if self.min_words_before < 0:
            raise ValueError("min_words_before must be >= 0")
        for share in (self.min_share_before, self.teaser_max_share_after):
            if not 0.0 <= share <= 1.0:
                raise ValueError("shares must be between 0 and 1")

    def judge(self, doc: Document) -> list[Removal]:
        prose_words = _distinct_prose_words(doc)
        total = sum(prose_words)
        region_start, _ = best_run(prose_scores(doc, REGION_SHORT_LINE_PENALTY))
        before = 0
        for position, block in enumerate(doc.blocks):
            below_prose = position > region_start and before >= self.min_words_before
            guarded = below_prose and before >= self.min_share_before * total
            if (
                (guarded and is_tail_marker(block.text))
                or (below_prose and is_review_marker(block.text))
                or (
                    guarded
                    and is_teaser_heading(block.text)
                    and total - before <= self.teaser_max_share_after * total
                )
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
        counts.append(word_count(block.text) if is_prose(block.text) and key not in seen else 0)
        seen.add(key)
    return counts


@dataclass(frozen=True)
class InlineTeasers:
    """Links to other pages inside the article: "Read more: <headline>" lines, and a "Lesen
    Sie auch" heading with the headline below it. They go; nothing after them does."""

    max_words: int = 30
    name: str = "teasers"

    def __post_init__(self) -> None:
        if self.max_words < 1:
            raise ValueError("max_words must be at least 1")

    def judge(self, doc: Document) -> list[Removal]:
        removals = []
        blocks = doc.blocks
        for position, block in enumerate(blocks):
            if is_teaser_line(block.text, max_words=self.max_words):
                removals.append(Removal(block, self.name, "read_more_teaser"))
            elif is_teaser_heading(block.text):
                removals.append(Removal(block, self.name, "read_more_teaser"))
                headline = blocks[position + 1] if position + 1 < len(blocks) else None
                if headline is not None and _is_headline(headline.text):
                    removals.append(Removal(headline, self.name, "read_more_teaser"))
        return removals


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_teaser_line(text: str, *, max_words: int = 30) -> bool:
    """A line such as "Read more: <headline>" or "À lire aussi » <headline>"."""
    if word_count(text) > max_words:
        return False
    key = normalise(text)
    return key.startswith(_TEASER_OPENINGS) and _TEASER_SEPARATOR.sub(":", key).startswith(
        TEASER_PREFIXES
    )


def _is_headline(text: str) -> bool:
    return word_count(text) <= TEASER_HEADLINE_MAX_WORDS and not is_prose(text)
