"""Cheap per-block measurements shared by the rules: word counts, prose, language."""

from __future__ import annotations

from collections import Counter
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


def guess_language(text: str, *, min_hits: int = 5) -> str | None:
    """The language whose stop words cover the most tokens, if clearly ahead; else None."""
    tokens = WORD.findall(text[:20_000].lower())
    if not tokens:
        return None
    counts = Counter(tokens)
    scores = {lang: sum(counts[w] for w in stop) for lang, stop in STOPWORDS.items()}
    best, best_score = max(scores.items(), key=lambda kv: kv[1])
    runner_up = max((s for lang, s in scores.items() if lang != best), default=0)
    if best_score < min_hits or best_score < 1.3 * runner_up:
        return None
    return best
