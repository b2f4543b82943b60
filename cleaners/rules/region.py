"""The main text region of a text dump: the stretch of blocks densest in prose.

A browser's page text has menus, footers and sidebars around the article. Scoring each block
(+ its words if it is prose, a penalty if it is a short line) and taking the contiguous run
with the highest total (maximum subarray, as in body-text extraction) finds the article
without knowing where the menus end. Pages with little prose are left alone: there the
"densest region" is not an article, and cutting around it would empty the page.

Measured on the wcxb-dev text dumps (word F1): articles 0.877 -> 0.909, all types 0.772 ->
0.799; a larger penalty helps articles and hurts documentation and listings.
"""

from __future__ import annotations

from dataclasses import dataclass

from cleaners.document import Document, Removal
from cleaners.signals import is_prose, word_count


@dataclass(frozen=True)
class MainRegion:
    """Removes what lies outside the prose-densest run of blocks.

    Only on pages with at least `min_prose_words` prose words making up at least
    `min_prose_share` of all words: forums, listings and product pages keep everything.
    """

    short_line_penalty: float = 2.0
    min_prose_words: int = 150
    min_prose_share: float = 0.4
    name: str = "region"

    def __post_init__(self) -> None:
        if self.short_line_penalty <= 0:
            raise ValueError("short_line_penalty must be positive")
        if self.min_prose_words < 0:
            raise ValueError("min_prose_words must be >= 0")
        if not 0.0 <= self.min_prose_share <= 1.0:
            raise ValueError("min_prose_share must be between 0 and 1")

    def judge(self, doc: Document) -> list[Removal]:
        scores = prose_scores(doc, self.short_line_penalty)
        prose_words = sum(s for s in scores if s > 0)
        if prose_words < self.min_prose_words:
            return []
        total_words = sum(word_count(b.text) for b in doc.blocks) or 1
        if prose_words / total_words < self.min_prose_share:
            return []
        start, end = best_run(scores)
        return [
            Removal(block, self.name, "outside_main_region")
            for position, block in enumerate(doc.blocks)
            if position < start or position >= end
        ]


def prose_scores(doc: Document, short_line_penalty: float) -> list[float]:
    """Per block: its word count if it is prose, minus the penalty if not."""
    return [
        float(word_count(b.text)) if is_prose(b.text) else -short_line_penalty for b in doc.blocks
    ]


def best_run(scores: list[float]) -> tuple[int, int]:
    """[start, end) of the contiguous run with the largest sum (Kadane)."""
    best, best_span = float("-inf"), (0, 0)
    current, current_start = 0.0, 0
    for position, score in enumerate(scores):
        if current <= 0:
            current, current_start = score, position
        else:
            current += score
        if current > best:
            best, best_span = current, (current_start, position + 1)
    return best_span
