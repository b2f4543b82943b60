"""Related and recommended lists, wherever they stand: a box heading over a run of headlines.

A "Related posts", "Most popular" or "Blog archive" box is a heading followed by the titles of
other pages, one per line. `TailCut` ends the article at such a heading when the article
stands above it; the same boxes in a sidebar above the article, or between the article and
a long thread, stay there. This rule reads the box from its shape wherever it stands: the
heading, and the lines under it up to the first line of prose, the next box heading or a
comment line. In a page's visible text a box is one element: its lines are all inside an
`<aside>`/`<nav>`/`<footer>` or all outside, so a box in a sidebar never runs on into a photo
post that has no prose to stop it. That boundary holds only where `PageAsides` removes the
asides: where they hold the page's prose they are its content, and the text kept reads as one
run, so the box is read the same way again when the kept text is cleaned a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cleaners.document import COMMENT_BLOCK_KINDS, Block, BlockKind, Document, Removal
from cleaners.patterns import LINE_CACHE_SIZE, RELATED_HEADINGS, SIDEBAR_HEADINGS, normalise
from cleaners.rules.navigation import ASIDE_KINDS
from cleaners.signals import beside_prose, is_prose, word_count

HEADING_MAX_WORDS = 6
LIST_HEADINGS: frozenset[str] = RELATED_HEADINGS | SIDEBAR_HEADINGS
BOXED_KINDS: frozenset[BlockKind] = frozenset({"related"})


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_related_heading(text: str) -> bool:
    """A short whole line such as "Related articles", "Older Post Home" or "Blog Archive"."""
    return word_count(text) <= HEADING_MAX_WORDS and normalise(text) in LIST_HEADINGS


@dataclass(frozen=True)
class RelatedLists:
    """Removes a box heading and the headlines under it (`related_list`), and the lines of a
    related box known from the page's markup (`cleaners.html.visible_lines`).

    The items are the lines under the heading that are not prose and have at most
    `headline_max_words` words; a box needs at least `min_items` of them, so a heading
    over a paragraph (an author box, a lone "Related" link) is not a list. A page without
    prose (a photo post, a list of links) has no article for a box to stand beside: there the
    heading may head the page's own list.
    """

    headline_max_words: int = 20
    min_items: int = 2
    name: str = "related"

    def __post_init__(self) -> None:
        if self.headline_max_words < 1:
            raise ValueError("headline_max_words must be at least 1")
        if self.min_items < 1:
            raise ValueError("min_items must be at least 1")

    def judge(self, doc: Document) -> list[Removal]:
        boxed = beside_prose(doc, BOXED_KINDS)  # by the page's markup
        removals = [Removal(block, self.name, "related_list") for block in boxed]
        blocks = doc.blocks
        if not any(is_prose(block.text) for block in blocks):
            return removals  # a page of short lines only: no article for a box to stand by
        boundary = bool(beside_prose(doc, ASIDE_KINDS))
        position = 0
        while position < len(blocks):
            if blocks[position].kind == "related" or not is_related_heading(blocks[position].text):
                position += 1
                continue
            end = position + 1
            while end < len(blocks) and self._is_item(blocks[end], blocks[position], boundary):
                end += 1
            if end - position - 1 >= self.min_items:
                removals += [Removal(b, self.name, "related_list") for b in blocks[position:end]]
            position = max(end, position + 1)
        return removals

    def _is_item(self, block: Block, heading: Block, boundary: bool) -> bool:
        return (
            block.kind not in COMMENT_BLOCK_KINDS
            and block.kind != "related"
            and (not boundary or (block.kind == "aside") == (heading.kind == "aside"))
            and not is_related_heading(block.text)
            and not is_prose(block.text)
            and word_count(block.text) <= self.headline_max_words
        )
