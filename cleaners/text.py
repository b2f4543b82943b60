"""Plain-text dumps -> `Document`: one block per non-empty line."""

from __future__ import annotations

from cleaners.document import Block, Document, Meta
from cleaners.patterns import INVISIBLE_CHARACTERS, collapse_whitespace
from cleaners.threads import with_threads_marked


def text_document(text: str, *, url: str | None = None) -> Document:
    """Blocks are the dump's non-empty lines in order, each with its runs of whitespace (tabs
    between table cells, no-break spaces) made one space, as a browser shows them.

    Browser dumps put one rendered block per line; blank lines only add spacing, so they
    carry no structure worth keeping. The lines of a comment thread below the article are
    "post"s (`cleaners.threads`), the rest "line"s.
    """
    lines = (squash(line) for line in raw_lines(text))
    blocks = tuple(Block(i, line, "line") for i, line in enumerate(x for x in lines if x))
    return with_threads_marked(Document(blocks=blocks, meta=Meta(url=url), origin="text"))


def raw_lines(text: str) -> list[str]:
    """The text's lines as a browser breaks them (any newline convention), invisible
    characters taken out, whitespace inside each line as it was."""
    text = INVISIBLE_CHARACTERS.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def squash(line: str) -> str:
    """The line with its runs of whitespace (tabs, no-break spaces) made one space."""
    return collapse_whitespace(line)
