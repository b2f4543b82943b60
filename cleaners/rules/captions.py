"""Photo captions and image credits."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cleaners.document import Document, Removal
from cleaners.patterns import (
    AGENCY_CREDIT,
    AGENCY_PARENTHETICAL,
    CREDIT_LINE,
    CREDIT_PARENTHETICAL,
    CREDIT_TRAILER,
    LINE_CACHE_SIZE,
)
from cleaners.signals import word_count

SHORT_CAPTION_WORDS = 25


@lru_cache(maxsize=LINE_CACHE_SIZE)
def caption_reason(text: str, *, max_caption_words: int = 60) -> str | None:
    """ "photo_credit" for a bare credit line, "photo_caption" for a caption that ends in one.

    A labelled credit ("(Photo: X)", "(Courtesy of X)", "... | © X") marks a caption of any
    size up to `max_caption_words`; an unlabelled agency name only does on a short line that
    does not end like a sentence, since prose cites agencies as sources: "(Reuters, June 24)."
    """
    stripped = text.strip()
    n_words = word_count(stripped)
    if n_words <= 12 and (CREDIT_LINE.match(stripped) or AGENCY_CREDIT.match(stripped)):
        return "photo_credit"
    if n_words > max_caption_words:
        return None
    if CREDIT_TRAILER.search(stripped):
        return "photo_caption"
    closing = _last_parenthetical(stripped)
    if closing is None:
        return None
    if CREDIT_PARENTHETICAL.fullmatch(closing):
        return "photo_caption"
    if (
        AGENCY_PARENTHETICAL.fullmatch(closing)
        and n_words <= SHORT_CAPTION_WORDS
        and not stripped.endswith(".")
    ):
        return "photo_caption"
    return None


def _last_parenthetical(text: str) -> str | None:
    """The parenthetical that closes the line (or is left open at its end), if any."""
    stripped = text.rstrip(" .")
    start = stripped.rfind("(")
    if start < 0:
        return None
    tail = stripped[start:]
    closed = tail.find(")")
    if closed >= 0 and closed != len(tail) - 1:
        return None
    return tail


@dataclass(frozen=True)
class Captions:
    """Removes image captions and credits, which describe a picture the text no longer has."""

    max_caption_words: int = 60
    name: str = "captions"

    def __post_init__(self) -> None:
        if self.max_caption_words < 1:
            raise ValueError("max_caption_words must be at least 1")

    def judge(self, doc: Document) -> list[Removal]:
        return [
            Removal(block, self.name, reason)
            for block in doc.blocks
            if (reason := caption_reason(block.text, max_caption_words=self.max_caption_words))
        ]
