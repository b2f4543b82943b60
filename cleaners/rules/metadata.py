"""Lines that are metadata, not article text: bylines, dates, source and publication lines.

Each removal says which metadata field its content belongs in, so nothing is lost: `apply`
fills `author`, `published` or `site` from it when the page did not already say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cleaners.document import COMMENT_BLOCK_KINDS, Document, Removal
from cleaners.patterns import (
    ABBREVIATIONS,
    AUTHOR_BIO,
    BYLINE_FOR,
    BYLINE_PREFIX,
    COPYRIGHT_MARK,
    COPYRIGHT_OPENING,
    DATE_LINE,
    LINE_CACHE_SIZE,
    MONTH_NAMES,
    PUBLICATION_DETAILS,
    PUBLICATION_LINE,
    RIGHTS_RESERVED,
    SENTENCE_END,
    SOURCE_LINE,
    TITLE_SEPARATOR,
    TRAILING_YEARS,
    normalise,
)
from cleaners.signals import is_prose, word_count

_NAME_CONNECTORS = frozenset(
    "and und et y e i de del della van von der den da di le la du & , dr. prof. mr. ms.".split(" ")
)


def looks_like_names(value: str, *, max_words: int = 8) -> bool:
    """Mostly capitalised words, few enough to be one or two people's names."""
    tokens = value.split()
    if not tokens or len(tokens) > max_words or value.rstrip().endswith(("!", "?", ":")):
        return False
    if value.rstrip().endswith(".") and not _is_initial(tokens[-1]):
        return False
    capitalised = sum(t[0].isupper() or t.lower() in _NAME_CONNECTORS for t in tokens)
    return capitalised / len(tokens) >= 0.75


def _is_initial(token: str) -> bool:
    return len(token) <= 3 and token[0].isupper()


@lru_cache(maxsize=LINE_CACHE_SIZE)
def byline_author(text: str, *, max_words: int = 12) -> str | None:
    """The author named by a "By Jane Doe" / "Written by: Jane Doe" line, else None."""
    if word_count(text) > max_words:
        return None
    if match := BYLINE_PREFIX.match(text.strip()):
        name = re.split(r"\s*(?:[|•·]|\s-\s|,\s*(?:published|updated)\b)", match.group(1))[0]
        return name.strip() if looks_like_names(name) else None
    return None


def trailer_author(text: str) -> str | None:
    """The author of a "Dr. Jane Doe for Example News" sign-off line, else None.

    Only trusted below the article's last paragraph: headings such as "Ten Recipes for
    Summer" have the same shape.
    """
    match = BYLINE_FOR.match(text.strip())
    if (
        match
        and looks_like_names(match[1], max_words=6)
        and looks_like_names(match[2], max_words=5)
    ):
        return match[1].strip()
    return None


@dataclass(frozen=True)
class Bylines:
    """Moves "By ..." lines, and "Name for Publication" sign-offs after the text, to `author`.
    A commenter's "Posted by" line in a thread is not the article's byline."""

    max_words: int = 12
    name: str = "bylines"

    def __post_init__(self) -> None:
        if self.max_words < 2:
            raise ValueError("max_words must be at least 2")

    def judge(self, doc: Document) -> list[Removal]:
        last_prose = max((p for p, b in enumerate(doc.blocks) if is_prose(b.text)), default=-1)
        removals = []
        for position, block in enumerate(doc.blocks):
            if block.kind in COMMENT_BLOCK_KINDS:
                continue
            author = byline_author(block.text, max_words=self.max_words)
            if author is None and position > last_prose >= 0:
                author = trailer_author(block.text)
            if author is not None:
                removals.append(Removal(block, self.name, "byline", "author", author))
        return removals


@dataclass(frozen=True)
class SourceLines:
    """Moves "Source: X" and "Publication: X Volume: N" trailers to `site`.

    A long source line is an attribution sentence rather than a site name: it still leaves
    the text, but does not become the site; when it introduces the writer ("Source: Jane Doe
    is a research associate at ..."), the name becomes the author (`bio_author`).
    """

    max_site_words: int = 5
    max_words: int = 20
    name: str = "source_lines"

    def __post_init__(self) -> None:
        if not 1 <= self.max_site_words <= self.max_words:
            raise ValueError("need 1 <= max_site_words <= max_words")

    def judge(self, doc: Document) -> list[Removal]:
        removals = []
        for block in doc.blocks:
            if block.kind in COMMENT_BLOCK_KINDS:
                continue
            found = source_line(
                block.text, max_words=self.max_words, max_site_words=self.max_site_words
            )
            if found is None:
                continue
            reason, site = found
            if site is not None:
                removals.append(Removal(block, self.name, reason, "site", site))
            elif (author := bio_author(block.text)) is not None:
                removals.append(Removal(block, self.name, reason, "author", author))
            else:
                removals.append(Removal(block, self.name, reason))
        return removals


def bio_author(text: str) -> str | None:
    """The writer a "Source: Jane Doe is a research associate at ..." line introduces: sites
    label the author's note as its source, and the name opening it is the author."""
    match = SOURCE_LINE.match(text.strip())
    bio = AUTHOR_BIO.match(match.group(1).strip()) if match else None
    if bio is None or not looks_like_names(bio.group(1), max_words=4):
        return None
    return bio.group(1).strip()


@lru_cache(maxsize=LINE_CACHE_SIZE)
def source_line(
    text: str, *, max_words: int = 20, max_site_words: int = 5
) -> tuple[str, str | None] | None:
    """(reason, site) for a publication or source line, else None. The site is None when
    the source named is too long to be one."""
    text = text.strip()
    if word_count(text) > max_words:
        return None
    if match := PUBLICATION_LINE.match(text):
        return "publication_line", PUBLICATION_DETAILS.sub("", match.group(1)).strip()
    if match := SOURCE_LINE.match(text):
        value = match.group(1).strip()
        return "source_line", value if word_count(value) <= max_site_words else None
    return None


def page_title(
    title: str | None,
    *,
    headlines: Sequence[str] = (),
    site: str | None = None,
    host: str | None = None,
) -> str | None:
    """The page's title without the site's name that `<title>` adds to it: "Online Tuition and
    Financing | Liberty University" is "Online Tuition and Financing". A part of the title that
    is one of the page's `headlines` (its `<h1>`s), the last one excepted, is the title (a
    site's logo is often an `<h1>`, and its name ends the title); else the parts that name the
    site (`site`, or the `host`'s name: "Move.org", "Tarkett" on www.tarkett.com) go from
    either end. A title of one part stays as it is."""
    if not title or not title.strip():
        return None
    parts = TITLE_SEPARATOR.split(title.strip())
    if len(parts) < 3:
        return title.strip()
    headline_keys = {normalise(headline) for headline in headlines}
    for segment in parts[:-1:2]:  # the last part is the site's place, even in an <h1> (a logo)
        if normalise(segment) in headline_keys:
            return segment.strip()
    names = _site_keys(site, host)
    while len(parts) >= 3 and _names_site(parts[-1], names, prefix=True):
        parts = parts[:-2]
    while len(parts) >= 3 and _names_site(parts[0], names, prefix=False):
        parts = parts[2:]
    return "".join(parts).strip()


def _site_keys(site: str | None, host: str | None) -> frozenset[str]:
    """A site's name and its host's ("www.move.org": "moveorg", "move"), letters and digits
    only, lowercase."""
    keys = {_squashed(site)} if site else set()
    if host:
        labels = host.lower().removeprefix("www.").split(".")
        keys.add(_squashed(".".join(labels)))
        keys.update(_squashed(label) for label in labels[:-1] if len(label) >= 3)
    return frozenset(key for key in keys if key)


def _names_site(part: str, names: frozenset[str], *, prefix: bool) -> bool:
    """Whether a title's end part names the site: it is one of its `names`, or (`prefix`, at
    the title's end: "Liberty University" on liberty.edu) starts with one of four or more
    letters."""
    key = _squashed(part)
    if key in names:
        return True
    return prefix and any(len(name) >= 4 and key.startswith(name) for name in names)


def _squashed(text: str) -> str:
    return "".join(char for char in text.lower() if char.isalnum())


def site_name(value: str | None) -> str | None:
    """The name a page's site value gives, or None when it gives none. Pages put their
    copyright line where the site name belongs (`<meta name="copyright">`, which trafilatura
    reads as the site): there the name is what the line credits, up to its first sentence's
    end: "© 2000-2026 Newegg Inc." is "Newegg Inc.", "Copyright UC Regents. For more
    information regarding..." is "UC Regents", and "Copyright (c) August 2012" names nobody.
    Any other value is the page's own word for its site, and stays as it is."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if not (COPYRIGHT_MARK.match(value) or RIGHTS_RESERVED.search(value)):
        return value
    name = RIGHTS_RESERVED.sub("", COPYRIGHT_OPENING.sub("", value))
    for end in SENTENCE_END.finditer(name):
        word = end.group(1)
        if len(word) > 1 and word.lower() not in ABBREVIATIONS:
            name = name[: end.end(1)]
            break
    name = TRAILING_YEARS.sub("", name).strip(" \t,;:|-–—")
    if not any(char.isalpha() for char in name) or name.lower() in MONTH_NAMES:
        return None  # nobody named, or a date ("August 2012") where the holder would be
    return name


@dataclass(frozen=True)
class DateLines:
    """Moves lines that are only a (labelled) date to `published`; a post's date in a comment
    thread is not the article's."""

    name: str = "date_lines"

    def judge(self, doc: Document) -> list[Removal]:
        return [
            Removal(block, self.name, "date_line", "published", date)
            for block in doc.blocks
            if block.kind not in COMMENT_BLOCK_KINDS and (date := line_date(block.text)) is not None
        ]


@lru_cache(maxsize=LINE_CACHE_SIZE)
def line_date(text: str) -> str | None:
    """The date of a line that is only a (labelled) date, else None."""
    if len(text) > 60:
        return None
    match = DATE_LINE.match(text.strip())
    return match["date"] if match else None
