"""Comment threads, known from the page's structure: never article text on an article page."""

from __future__ import annotations

from dataclasses import dataclass

from cleaners.document import Document, Removal
from cleaners.signals import is_prose


@dataclass(frozen=True)
class CommentSections:
    """Lines of a page's visible text that stand mostly inside a comment section (an element
    whose id or class names it one, `cleaners.html.visible_lines` marks them "comment"). They
    are what trafilatura leaves out with `include_comments=False`, so a reading of the visible
    text (the fallback when extraction missed the content, the lines taken back from its
    region or its run of items) must not bring them back, when the page has prose of its own
    outside them; a page whose only prose is its comment section is a thread, and its posts
    are its content. A text dump has no structure: its lines are never "comment"."""

    name: str = "comments"

    def judge(self, doc: Document) -> list[Removal]:
        comments = [block for block in doc.blocks if block.kind == "comment"]
        if not any(is_prose(block.text) for block in doc.blocks if block.kind != "comment"):
            return []  # the thread is all the page has: a thread page, its posts the content
        return [Removal(block, self.name, "comment_section") for block in comments]
