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


def apply(doc: Document, *passes: Sequence[Removal]) -> Cleaned:
    """Build the text from the blocks nobody removed and fill empty metadata from removals.

    A block removed by several cleaners is audited once: a removal that moves its content
    into metadata is the most specific explanation, otherwise the first one given. Removals
    come in passes (see `clean`); for a metadata field, a value from an earlier pass wins,
    since that pass judged the whole page, and within a pass the first in page order.
    """
    removals = [removal for found in passes for removal in found]
    audit: dict[int, Removal] = {}
    for removal in removals:
        current = audit.get(removal.block.index)
        if current is None or (removal.moves_to and not current.moves_to):
            audit[removal.block.index] = removal
    kept = tuple(b for b in doc.blocks if b.index not in audit)
    paragraphs = [b.text.strip() for b in kept]
    text = "\n\n".join(paragraphs)
    by_precedence = [r for found in passes for r in sorted(found, key=lambda r: r.block.index)]
    meta = _meta_from(doc.meta, by_precedence)
    # The text's own language beats a declared one (templates keep lang="en" on pages in
    # other languages); the declaration stands in when the text is too short to tell.
    language = identify_language(text) or meta.language
    if language != meta.language:
        meta = replace(meta, language=language)
    kept_indices = [b.index for b in kept]
    removed = tuple(_placed(audit[i], bisect_left(kept_indices, i)) for i in sorted(audit))
    return Cleaned(text=text, meta=meta, kept=kept, removed=removed)


def clean(doc: Document, cleaners: Iterable[Cleaner]) -> Cleaned:
    """Judge the document, take out what was removed, and judge what is left again until
    nothing more goes; then `apply` every pass's removals at once.

    Rules that weigh a line against the rest of the page (where the prose starts, the densest
    region, where the article ends) see a different page once the other rules' removals are
    gone. Stopping only when a pass removes nothing makes cleaning idempotent: each pass sees
    the kept blocks as they are, and for a text dump these are exactly the blocks that
    `text_document` makes from the clean text, so cleaning the clean text removes nothing
    more. Cleaners judge blocks by their text and position, never by `Block.index` (the
    indices of a later pass have gaps).
    """
    cleaners = tuple(cleaners)
    passes: list[list[Removal]] = []
    remaining = doc
    while found := judge_all(remaining, cleaners):
        passes.append(found)
        gone = {removal.block.index for removal in found}
        remaining = replace(
            remaining, blocks=tuple(b for b in remaining.blocks if b.index not in gone)
        )
    return apply(doc, *passes)


def _placed(removal: Removal, at: int) -> Removal:
    """`dataclasses.replace(removal, at=at)`, built directly: a page has hundreds of
    removals, and `replace` costs several times as much."""
    return Removal(
        removal.block, removal.cleaner, removal.reason, removal.moves_to, removal.value, at
    )


def _meta_from(meta: Meta, removals: Sequence[Removal]) -> Meta:
    found: dict[str, str] = {}
    for removal in removals:
        if removal.moves_to and removal.value:
            found.setdefault(removal.moves_to, removal.value)
    return meta.filled_from(Meta(**found))
