"""Comment threads: never article text on an article page, however much of it they fill."""

from __future__ import annotations

from dataclasses import dataclass

from cleaners.document import COMMENT_BLOCK_KINDS, BlockKind, Document, Removal
from cleaners.signals import beside_prose

COMMENT_KINDS: dict[BlockKind, str] = {"comment": "comment_section", "post": "comment_post"}
"""The reason each kind of comment line goes with (`cleaners.document.COMMENT_BLOCK_KINDS`)."""


@dataclass(frozen=True)
class CommentSections:
    """Lines that belong to a page's comments, known two ways when the page is read.

    From structure: lines that stand mostly inside an element whose id or class names it a
    comment section (`cleaners.html.visible_lines` makes them "comment"); trafilatura leaves
    those out with `include_comments=False`, so a reading of the visible text must not bring
    them back (`comment_section`). From their shape, in any text: runs of post headers and
    action lines below the article (`cleaners.threads.with_threads_marked` makes them
    "post"), from the thread's heading to its last post (`comment_post`).

    A page whose only prose is in its comments is a thread, and its posts are its content.
    """

    name: str = "comments"

    def judge(self, doc: Document) -> list[Removal]:
        comments = beside_prose(doc, COMMENT_BLOCK_KINDS)
        return [Removal(block, self.name, COMMENT_KINDS[block.kind]) for block in comments]
