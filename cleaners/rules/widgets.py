"""Share bars, follow/subscribe/login prompts, reader appeals, advertising and category labels,
cookie notices, disclaimers, counters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cleaners.cues import CuedPattern
from cleaners.document import Document, Removal
from cleaners.patterns import (
    AD_LABEL,
    APPEAL_PATTERNS,
    COOKIE_PHRASES,
    COUNTER_LINE,
    DISCLAIMER_PATTERNS,
    LINE_CACHE_SIZE,
    SOCIAL_NAMES,
    TAXONOMY_LINE,
    WIDGET_PHRASES,
    normalise,
)
from cleaners.signals import word_count

_WIDGET = re.compile(r"\b(?:" + "|".join(map(re.escape, WIDGET_PHRASES)) + r")\b")
_COOKIE = re.compile("|".join(map(re.escape, COOKIE_PHRASES)))
_SOCIAL_ONLY = re.compile(
    r"^(?:(?:"
    + "|".join(map(re.escape, sorted(SOCIAL_NAMES, key=len, reverse=True)))
    + r")(?:[\s,|/·•]+|$))+$"
)
SENTENCE_MIN_WORDS = 5


def _one_search(patterns: tuple[re.Pattern[str], ...]) -> CuedPattern:
    """One regex for a list of them: a single scan of the line instead of one per pattern,
    and none at all on lines without any of their cues."""
    return CuedPattern(re.compile("|".join(f"(?:{p.pattern})" for p in patterns)))


_DISCLAIMER = _one_search(DISCLAIMER_PATTERNS)
_APPEAL = _one_search(APPEAL_PATTERNS)
APPEAL_MAX_WORDS = 60
_COPYRIGHT = CuedPattern(
    re.compile(
        r"^(©|\(c\)|copyright\b)|\ball rights reserved\b|\brechte vorbehalten\b|"
        r"\bdroits réservés\b|\bderechos reservados\b",
        re.IGNORECASE,
    )
)


@lru_cache(maxsize=LINE_CACHE_SIZE)
def widget_reason(text: str, *, max_words: int = 10) -> str | None:
    """Why a line is page furniture rather than article text, or None."""
    norm = normalise(text)
    n_words = word_count(norm)
    if _COOKIE.search(norm) and n_words <= 80:
        return "cookie_notice"
    if n_words <= 40 and _COPYRIGHT.search(text):
        return "copyright_notice"
    if n_words <= 80 and _DISCLAIMER.search(norm):
        return "disclaimer"
    if 0 < n_words <= max_words and (reason := _short_widget_reason(text, norm, n_words)):
        return reason
    if n_words <= APPEAL_MAX_WORDS and _APPEAL.search(norm):
        return "reader_appeal"
    return None


def _short_widget_reason(text: str, norm: str, n_words: int) -> str | None:
    if AD_LABEL.match(text):
        return "advertising_label"
    if TAXONOMY_LINE.match(norm):
        return "taxonomy_label"
    if COUNTER_LINE.match(norm):
        return "engagement_counter"
    if _SOCIAL_ONLY.match(norm):
        return "social_share"
    reads_as_sentence = n_words >= SENTENCE_MIN_WORDS and text.rstrip().endswith((".", "!", "?"))
    if not reads_as_sentence and _WIDGET.search(norm):
        return "share_or_account_prompt"
    return None


@dataclass(frozen=True)
class Widgets:
    """Removes short lines that only ask the reader to share, follow, subscribe or log in, or
    label an ad or a category; and appeals to sign up, subscribe or donate of any length up to
    `APPEAL_MAX_WORDS`."""

    max_words: int = 10
    name: str = "widgets"

    def __post_init__(self) -> None:
        if self.max_words < 1:
            raise ValueError("max_words must be at least 1")

    def judge(self, doc: Document) -> list[Removal]:
        return [
            Removal(block, self.name, reason)
            for block in doc.blocks
            if (reason := widget_reason(block.text, max_words=self.max_words))
        ]
