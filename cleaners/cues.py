"""Literal cues: text a regex cannot match without, checked before the regex runs.

Python's regex engine tries a pattern that opens with `\\b` or a group at every position of
the line, which makes a long alternation of phrase patterns the slowest part of cleaning.
`"newsletter" in line` runs at C speed. A `CuedPattern` first asks whether the line holds one
of its pattern's cues and runs the regex only if it does, so its answers are exactly the
pattern's: the cues are read off the pattern's parse tree, never written by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from re import _constants as sre  # private modules, unchanged since Python 3.11;
from re import _parser  # tests/cleaners/test_cues.py pins the cues they give

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def literal_cues(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains; None if there are none to tell.

    The cues of a case-insensitive pattern are lowercase, to look for in `text.lower()`.
    """
    ignore_case = bool(pattern.flags & re.IGNORECASE)
    return _sequence_cues(_parser.parse(pattern.pattern, pattern.flags), ignore_case)


def _stands_for_itself(char: str, ignore_case: bool) -> bool:
    """Whether a literal matches only text that contains it (after `lower()` if ignoring case).

    Ignoring case, that holds for characters without case and ASCII letters other than i and
    s: the regex engine also matches "İ" (which lowers to "i̇") for i, and "ſ" for s.
    """
    if not ignore_case:
        return True
    uncased = char.lower() == char.upper() == char
    return uncased or (char.isascii() and char.lower() not in "is")


def _sequence_cues(items: Iterable[tuple], ignore_case: bool) -> frozenset[str] | None:
    """The most selective cue set of a sequence of parsed items (longest shortest cue).

    Candidates are runs of consecutive literal characters, the cues of groups, of every
    alternative of a branch (their union) or character of a class, and of bodies repeated at
    least once. Any other item (anchors, lookarounds, categories) only ends a run, which is
    always safe.
    """
    best: frozenset[str] | None = None
    run: list[str] = []

    def consider(cues: frozenset[str] | None) -> None:
        nonlocal best
        if cues and (best is None or _selectivity(cues) > _selectivity(best)):
            best = cues

    for op, arg in items:
        if op is sre.LITERAL and _stands_for_itself(chr(arg), ignore_case):
            run.append(chr(arg).lower() if ignore_case else chr(arg))
            continue
        consider(frozenset({"".join(run)}) if run else None)
        run = []
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, body = arg
            if not (add_flags & re.IGNORECASE or del_flags & re.IGNORECASE):
                consider(_sequence_cues(body, ignore_case))
        elif op is sre.BRANCH:
            alternatives = [_sequence_cues(body, ignore_case) for body in arg[1]]
            if all(alternatives):
                consider(frozenset().union(*alternatives))
        elif op is sre.IN:
            consider(_class_cues(arg, ignore_case))
        elif op in _REPEATS and arg[0] >= 1:
            consider(_sequence_cues(arg[2], ignore_case))
    consider(frozenset({"".join(run)}) if run else None)
    return best


def _class_cues(members: list[tuple], ignore_case: bool) -> frozenset[str] | None:
    """A class of listed characters ("[/|]") is a branch of one-character alternatives."""
    chars = [chr(arg) for op, arg in members if op is sre.LITERAL]
    if len(chars) < len(members) or not all(_stands_for_itself(c, ignore_case) for c in chars):
        return None
    return frozenset(c.lower() if ignore_case else c for c in chars)


def _selectivity(cues: frozenset[str]) -> tuple[int, int]:
    return min(map(len, cues)), -len(cues)


class CuedPattern:
    """A compiled regex that skips lines holding none of its literal cues."""

    __slots__ = ("cues", "ignore_case", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.ignore_case = bool(pattern.flags & re.IGNORECASE)
        cues = literal_cues(pattern)
        self.cues: tuple[str, ...] | None = tuple(sorted(cues)) if cues else None

    def may_match(self, text: str) -> bool:
        """False only if no match is possible: the text holds none of the cues."""
        if self.cues is None:
            return True
        return any(map((text.lower() if self.ignore_case else text).__contains__, self.cues))

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.may_match(text) else None

    def match(self, text: str) -> re.Match[str] | None:
        return self.pattern.match(text) if self.may_match(text) else None

    def split(self, text: str) -> list[str]:
        return self.pattern.split(text) if self.may_match(text) else [text]
