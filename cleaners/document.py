"""The small data model every cleaner shares: blocks in, removals out.

Cleaners never edit a document. They look at its blocks and return `Removal`s; `apply.clean`
is the one place that turns a document plus its removals into text and an audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

BlockKind = Literal[
    "paragraph",
    "heading",
    "list_item",
    "quote",
    "table",
    "code",
    "line",
    "link",
    "aside",
    "comment",
    "post",
    "related",
]
COMMENT_BLOCK_KINDS: frozenset[BlockKind] = frozenset({"comment", "post"})
"""Kinds of the lines of a page's comments: a comment section known from the page's markup, a
post of a thread known from its shape (`cleaners.threads`)."""
BESIDE_CONTENT: frozenset[BlockKind] = COMMENT_BLOCK_KINDS | {"aside", "related"}
"""Visible lines that the page's markup or a thread's shape puts beside its content: comments,
asides, related-content boxes (`cleaners.html.visible_lines`)."""
MetaField = Literal["title", "author", "published", "site"]
Origin = Literal["html", "text"]
Extractor = Literal[
    "text_dump",
    "trafilatura",
    "trafilatura+items",
    "trafilatura+region",
    "trafilatura+region+items",
    "visible_text",
]


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph, heading, list item or dump line, in page order."""

    index: int
    text: str
    kind: BlockKind = "paragraph"


@dataclass(frozen=True, slots=True)
class Meta:
    """What is known about the page apart from its text."""

    url: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    site: str | None = None
    language: str | None = None

    def filled_from(self, other: Meta) -> Meta:
        """Keep our values; take the other's where ours are missing."""
        return replace(
            self,
            **{k: getattr(other, k) for k in self.__dataclass_fields__ if getattr(self, k) is None},
        )


@dataclass(frozen=True, slots=True)
class Document:
    blocks: tuple[Block, ...]
    meta: Meta = field(default_factory=Meta)
    origin: Origin = "text"


@dataclass(frozen=True, slots=True)
class Removal:
    """A cleaner's decision that one block is not article text.

    `moves_to` names a metadata field the block's content belongs in (a byline is the author,
    an echoed title line is the title); `apply` fills that field if it is still empty.
    """

    block: Block
    cleaner: str
    reason: str
    moves_to: MetaField | None = None
    value: str | None = None
    at: int | None = None
    """Where the block stood in the clean text: how many kept paragraphs came before it. Set
    when the text is built (`apply`, `clean_html`), not by cleaners."""


class Cleaner(Protocol):
    """Looks at a whole document and says which blocks go. Must not mutate anything."""

    name: str

    def judge(self, doc: Document) -> list[Removal]: ...


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The result of cleaning one page: text, metadata and the audit of what went."""

    text: str
    meta: Meta
    kept: tuple[Block, ...]
    removed: tuple[Removal, ...]
    extractor: Extractor = "text_dump"
    """Where the blocks came from: the dump's lines, trafilatura's main content, or the
    page's visible text when extraction missed the content."""
