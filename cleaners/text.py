"""Plain-text dumps -> `Document`: one block per non-empty line."""

from __future__ import annotations

from cleaners.document import Block, Document, Meta
from cleaners.patterns import INVISIBLE_CHARACTERS


def text_document(text: str, *, url: str | None = None) -> Document:
    """Blocks are the dump's non-empty lines in order, each with its runs of whitespace (tabs
    between table cells, no-break spaces) made one space, as a browser shows them.

    Browser dumps put one rendered block per line; blank lines only add spacing, so they
    carry no structure worth keeping.
    """
    text = INVISIBLE_CHARACTERS.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    blocks = tuple(Block(i, line, "line") for i, line in enumerate(x for x in lines if x))
    return Document(blocks=blocks, meta=Meta(url=url), origin="text")
