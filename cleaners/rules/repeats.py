"""Blocks that say again what the page already said (teaser lists, sticky headers)."""

from __future__ import annotations

from dataclasses import dataclass

from cleaners.document import Document, Removal
from cleaners.patterns import normalise


@dataclass(frozen=True)
class RepeatedBlocks:
    """Keeps the first occurrence of a block and removes later exact repeats (normalised)."""

    min_chars: int = 1
    name: str = "repeats"

    def __post_init__(self) -> None:
        if self.min_chars < 1:
            raise ValueError("min_chars must be at least 1")

    def judge(self, doc: Document) -> list[Removal]:
        seen: set[str] = set()
        removals = []
        for block in doc.blocks:
            key = normalise(block.text)
            if len(key) < self.min_chars:
                continue
            if key in seen:
                removals.append(Removal(block, self.name, "repeated_block"))
            seen.add(key)
        return removals
