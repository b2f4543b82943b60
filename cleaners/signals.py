"""Cheap per-block measurements shared by the rules: word counts, prose, language."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from cleaners.document import Block, BlockKind, Document
from cleaners.patterns import (
    LINE_CACHE_MAX_CHARS,
    LINE_CACHE_SIZE,
    STOPWORDS,
    TERMINAL_PUNCTUATION,
    WORD,
    words,
)

PROSE_MIN_WORDS = 12
PROSE_LONG_WORDS = 30


@lru_cache(maxsize=LINE_CACHE_SIZE)
def word_count(text: str) -> int:
    """`len(words(text))`, cached for every line (an int is small); a line too long for the
    cache of `words` is counted without building its word tuple."""
    if len(text) > LINE_CACHE_MAX_CHARS:
        return sum(1 for _ in WORD.finditer(text.lower()))
    return len(words(text))


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_prose(text: str) -> bool:
    """A sentence-like paragraph: enough words, and either ends like a sentence or is long."""
    n = word_count(text)
    if n < PROSE_MIN_WORDS:
        return False
    return n >= PROSE_LONG_WORDS or text.rstrip().endswith(TERMINAL_PUNCTUATION)


def beside_prose(doc: Document, kinds: frozenset[BlockKind]) -> list[Block]:
    """The blocks of `kinds` (lines the page's markup or a thread's shape puts beside its
    content), or none when no prose stands outside them: then they are the page's content (a
    thread page, a sidebar holding all the text)."""
    marked = [block for block in doc.blocks if block.kind in kinds]
    if not marked or not any(is_prose(b.text) for b in doc.blocks if b.kind not in kinds):
        return []
    return marked


def ends_like_sentence(text: str) -> bool:
    return text.rstrip().endswith(TERMINAL_PUNCTUATION)


LANGUAGE_SAMPLE_CHARS = 20_000
IDENTIFY_SAMPLE_CHARS = 1_000
"""The identifier reads the start of the clean text: about 1 ms for 1,000 characters, and a few
paragraphs settle the language."""
IDENTIFY_MIN_WORDS = 8
IDENTIFY_MIN_PROBABILITY = 0.5
"""Only the start of a text is read to guess its language."""


def guess_language(text: str, *, min_hits: int = 5) -> str | None:
    """The language whose stop words cover the most tokens, if clearly ahead; else None."""
    tokens = WORD.findall(text[:LANGUAGE_SAMPLE_CHARS].lower())
    return _language_of(Counter(tokens), min_hits)


def identify_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, from py3langid (a Naive Bayes model shipped
    inside the package, 97 languages, offline); None when the text is too short or the model
    is unsure, or names a language without a two-letter code."""
    sample = text[:IDENTIFY_SAMPLE_CHARS]
    if len(WORD.findall(sample)) < IDENTIFY_MIN_WORDS:
        return None
    code, probability = _identifier().classify(sample)
    return code if len(code) == 2 and probability >= IDENTIFY_MIN_PROBABILITY else None


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """Loaded on first use (0.7 s), once per process."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _language_of(counts: Counter[str], min_hits: int) -> str | None:
    if not counts:
        return None
    scores = {lang: sum(counts[w] for w in stop) for lang, stop in STOPWORDS.items()}
    best, best_score = max(scores.items(), key=lambda kv: kv[1])
    runner_up = max((s for lang, s in scores.items() if lang != best), default=0)
    if best_score < min_hits or best_score < 1.3 * runner_up:
        return None
    return best
