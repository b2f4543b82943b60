"""Cheap per-block measurements shared by the rules: word counts, prose, language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from cleaners.patterns import LINE_CACHE_SIZE, STOPWORDS, TERMINAL_PUNCTUATION, WORD, words

PROSE_MIN_WORDS = 12
PROSE_LONG_WORDS = 30


@lru_cache(maxsize=LINE_CACHE_SIZE)
def word_count(text: str) -> int:
    return len(words(text))


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_prose(text: str) -> bool:
    """A sentence-like paragraph: enough words, and either ends like a sentence or is long."""
    n = word_count(text)
    if n < PROSE_MIN_WORDS:
        return False
    return n >= PROSE_LONG_WORDS or text.rstrip().endswith(TERMINAL_PUNCTUATION)


def ends_like_sentence(text: str) -> bool:
    return text.rstrip().endswith(TERMINAL_PUNCTUATION)


LANGUAGE_SAMPLE_CHARS = 20_000
"""Only the start of a text is read to guess its language."""


def guess_language(text: str, *, min_hits: int = 5) -> str | None:
    """The language whose stop words cover the most tokens, if clearly ahead; else None."""
    tokens = WORD.findall(text[:LANGUAGE_SAMPLE_CHARS].lower())
    return _language_of(Counter(tokens), min_hits)


def guess_paragraphs_language(paragraphs: Sequence[str], *, min_hits: int = 5) -> str | None:
    """`guess_language("\\n\\n".join(paragraphs))`, counted from each paragraph's cached words.

    A word never spans the blank line between paragraphs, and lowercasing never looks across
    it, so the counts are the same as the joined text's.
    """
    counts: Counter[str] = Counter()
    position = 0
    for number, paragraph in enumerate(paragraphs):
        position += 2 if number else 0
        room = LANGUAGE_SAMPLE_CHARS - position
        if room <= 0:
            break
        if len(paragraph) > room:
            counts.update(WORD.findall(paragraph[:room].lower()))
            break
        counts.update(words(paragraph))
        position += len(paragraph)
    return _language_of(counts, min_hits)


def _language_of(counts: Counter[str], min_hits: int) -> str | None:
    if not counts:
        return None
    scores = {lang: sum(counts[w] for w in stop) for lang, stop in STOPWORDS.items()}
    best, best_score = max(scores.items(), key=lambda kv: kv[1])
    runner_up = max((s for lang, s in scores.items() if lang != best), default=0)
    if best_score < min_hits or best_score < 1.3 * runner_up:
        return None
    return best
