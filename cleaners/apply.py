"""The one place that edits: a document plus its cleaners' removals -> text and audit."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import replace

from cleaners.document import Cleaned, Cleaner, Document, Meta, Removal
from cleaners.signals import identify_language


def judge_all(doc: Document, cleaners: Iterable[Cleaner]) -> list[Removal]:
    """Every cleaner's removals; cleaners see the same document, so order does not matter."""
    return [removal for cleaner in cleaners for removal in cleaner.judge(doc)]


def apply(doc: Document, removals: Sequence[Removal]) -> Cleaned:
    """Build the text from the blocks nobody removed and fill empty metadata from removals.

    A block removed by several cleaners is audited once: a removal that moves its content
    into metadata is the most specific explanation, otherwise the first one given.
    """
    audit: dict[int, Removal] = {}
    for removal in removals:
        current = audit.get(removal.block.index)
        if current is None or (removal.moves_to and not current.moves_to):
            audit[removal.block.index] = removal
    kept = tuple(b for b in doc.blocks if b.index not in audit)
    paragraphs = [b.text.strip() for b in kept]
    text = "\n\n".join(paragraphs)
    meta = _meta_from(doc.meta, sorted(removals, key=lambda r: r.block.index))
    # The text's own language beats a declared one (templates keep lang="en" on pages in
    # other languages); the declaration stands in when the text is too short to tell.
    language = identify_language(text) or meta.language
    if language != meta.language:
        meta = replace(meta, language=language)
    kept_indices = [b.index for b in kept]
    removed = tuple(replace(audit[i], at=bisect_left(kept_indices, i)) for i in sorted(audit))
    return Cleaned(text=text, meta=meta, kept=kept, removed=removed)


def clean(doc: Document, cleaners: Iterable[Cleaner]) -> Cleaned:
    return apply(doc, judge_all(doc, cleaners))


def _meta_from(meta: Meta, removals: Sequence[Removal]) -> Meta:
    found: dict[str, str] = {}
    for removal in removals:
        if removal.moves_to and removal.value:
            found.setdefault(removal.moves_to, removal.value)
    return meta.filled_from(Meta(**found))
