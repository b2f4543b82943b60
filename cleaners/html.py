"""HTML -> `Document`: trafilatura finds the main content and the metadata; lxml walks it.

When trafilatura finds nothing, the page's visible text (beautifulsoup4, minus scripts and
obvious chrome elements) becomes a text document, so the text-dump cleaners take over.
"""

from __future__ import annotations

import re

import trafilatura
from bs4 import BeautifulSoup
from lxml import etree
from lxml.html import HtmlElement

from cleaners.document import Block, BlockKind, Document, Meta
from cleaners.text import text_document

_SPACES = re.compile(r"\s+")
_KIND: dict[str, BlockKind] = {
    "p": "paragraph",
    "head": "heading",
    "quote": "quote",
    "code": "code",
    "item": "list_item",
    "row": "table",
}
DATE_PARAMS = {"extensive_search": False, "original_date": True}
"""Dates the page states (meta tags, markup, URL), not htmldate's guesses from free text:
the extensive search takes half the extraction time and guesses dates for undated pages."""
_INLINE_TAGS = frozenset({"hi", "ref", "del", "span", "b", "i", "em", "strong", "a", "sub", "sup"})
_CHROME_TAGS = (
    "head",
    "title",
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "svg",
    "iframe",
)


def html_document(html: str, *, url: str | None = None) -> Document:
    """The page's main content as blocks (origin "html"), or its visible text (origin "text")."""
    tree = trafilatura.load_html(html)
    language = _declared_language(tree) if tree is not None else None
    extracted = None
    if tree is not None:
        extracted = trafilatura.bare_extraction(
            tree,
            url=url,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            deduplicate=False,
            date_extraction_params=DATE_PARAMS,
        )
    if extracted is None or extracted.body is None or not _has_text(extracted.body):
        fallback = text_document(_visible_text(html), url=url)
        return Document(fallback.blocks, Meta(url=url, language=language), origin="text")
    meta = Meta(
        url=url,
        title=extracted.title or None,
        author=extracted.author or None,
        published=extracted.date or None,
        site=extracted.sitename or None,
        language=language,
    )
    return Document(tuple(_blocks(extracted.body)), meta, origin="html")


def _declared_language(tree: HtmlElement) -> str | None:
    """The primary subtag of <html lang>, lowercased ("en-GB" -> "en")."""
    root = tree.getroottree().getroot()
    lang = (root.get("lang") or root.get("xml:lang") or "").strip().lower()
    primary = lang.split("-")[0].split("_")[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def _has_text(body: etree._Element) -> bool:
    return any(t.strip() for t in body.itertext())


def _blocks(body: etree._Element):
    """Top-level elements in order; loose text between them (tails) is a paragraph too."""
    pieces = [("paragraph", _squash(body.text))]
    for element in body:
        pieces.extend(_element_blocks(element))
        pieces.append(("paragraph", _squash(element.tail)))
    texts = ((kind, text) for kind, text in pieces if text)
    return [Block(index, text, kind) for index, (kind, text) in enumerate(texts)]


def _element_blocks(element: etree._Element):
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "list":
        yield from _list_blocks(element)
    elif tag == "table":
        for row in element.iter("row"):
            cells = (_flat(cell) for cell in row)
            yield "table", " | ".join(c for c in cells if c)
    elif tag in _KIND:
        yield _KIND[tag], _flat(element)
    elif tag:
        yield "paragraph", _flat(element)


def _list_blocks(element: etree._Element):
    """One block per item; an item's nested list gives blocks of its own, not a repeat."""
    for item in element:
        if item.tag != "item":
            yield "list_item", _flat(item)
            continue
        own, nested = _flat(item, skip="list"), [c for c in item if c.tag == "list"]
        yield "list_item", own
        for sublist in nested:
            yield from _list_blocks(sublist)


def _flat(element: etree._Element, *, skip: str | None = None) -> str:
    """The element's text; block-level children are word boundaries, inline ones are not."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == skip:
            parts.append(" ")
        elif child.tag in _INLINE_TAGS:
            parts.append(_flat(child))
        else:
            parts.extend((" ", _flat(child), " "))
        parts.append(child.tail or "")
    return _squash("".join(parts))


def _squash(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def _visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(_CHROME_TAGS):
        tag.decompose()
    return soup.get_text("\n")
