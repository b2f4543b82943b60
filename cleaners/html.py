"""HTML -> `HtmlPage`: trafilatura's main content and metadata, and the visible text.

lxml walks both: trafilatura's output tree into blocks, and the page itself into the lines a
browser would show, which the text-dump cleaners handle when extraction misses the content.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from cleaners.document import Block, BlockKind, Document, Meta
from cleaners.html_input import HtmlInput, html_tree
from cleaners.patterns import (
    COMMENT_SECTION_NAMES,
    INVISIBLE_CHARACTERS,
    RELATED_SECTION_NAMES,
    normalise,
)
from cleaners.rules.metadata import page_title, site_name
from cleaners.text import raw_lines, squash
from cleaners.threads import with_threads_marked

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
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd details div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody tfoot "
    "thead tr ul".split()
)
_CELL_TAGS = frozenset({"td", "th"})
_INVISIBLE_TAGS = frozenset(
    "head title script style template svg iframe object embed canvas button input "
    "select option textarea".split()
)
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """Two readings of one page: trafilatura's main content, and everything a reader sees."""

    extracted: Document | None
    """trafilatura's main content as blocks (origin "html"); None when it finds nothing."""
    visible: Document
    """The page's visible text, one block per rendered line (origin "text"), like a browser's
    text dump: the fallback when extraction misses the content, and the baseline that the
    audit of what extraction dropped is taken against."""
    items: Document | None = None
    """The visible lines of the repeated elements (forum posts, cards) that the extracted
    content is one of (`repeated_items`); None when it is not one of a run."""


def html_page(page: HtmlInput, *, url: str | None = None) -> HtmlPage:
    """Both readings of the page, from one tree (`cleaners.html_input.html_tree`)."""
    tree = html_tree(page)
    if tree is None:
        return HtmlPage(None, Document((), Meta(url=url), origin="text"))
    _separate_blocks(tree)
    body = tree.find(".//body")
    page = body if body is not None else tree
    visible_blocks = visible_lines(page)
    extracted = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        deduplicate=False,
        date_extraction_params=DATE_PARAMS,
    )
    meta = Meta(url=url, language=_declared_language(tree))
    if extracted is not None:
        site = site_name(extracted.sitename)
        page_url = extracted.url or url  # the page's canonical link or og:url when it has one
        meta = Meta(
            url=page_url,
            title=page_title(
                extracted.title,
                headlines=[element.text_content() for element in page.iter("h1")],
                site=site,
                host=_host(page_url),
            ),
            author=extracted.author or None,
            published=extracted.date or None,
            site=site,
            language=meta.language,
        )
    visible = with_threads_marked(Document(visible_blocks, meta, origin="text"))
    if extracted is None or extracted.body is None or not _has_text(extracted.body):
        return HtmlPage(None, visible)
    blocks = with_related_marked(tuple(_blocks(extracted.body)), visible_blocks)
    items = repeated_items(page, blocks)
    return HtmlPage(
        Document(blocks, meta, origin="html"),
        visible,
        Document(items, meta, origin="text") if items else None,
    )


def with_related_marked(blocks: tuple[Block, ...], visible: tuple[Block, ...]) -> tuple[Block, ...]:
    """trafilatura's blocks, those that are a line of the page's related boxes (and no line
    outside them) made kind "related": its reading takes a box in when the box outweighs a
    short article (its fallback extractors do), and the box is no more the article there than
    in the visible text."""
    related = {normalise(b.text) for b in visible if b.kind == "related"}
    if not related:
        return blocks
    related -= {normalise(b.text) for b in visible if b.kind != "related"}
    return tuple(
        replace(block, kind="related") if normalise(block.text) in related else block
        for block in blocks
    )


REPEATED_ITEMS_MIN = 3
"""trafilatura takes the first element that looks like content, so on a thread whose posts are
sibling `<article>`s, or a run of same-class cards, it returns one post or card. When the
extraction sits in one of at least this many siblings of the same tag and class, the others
are content of the same kind. Measured with `winnow eval`: wcxb-dev word F1 all types 0.835 ->
0.837 (forums 0.759 -> 0.787); trafilatura-eval +8 snippets to keep, +5 to drop (F 0.941)."""
_ITEM_ANCHOR_SHARE = 0.8
_ITEM_LEVELS = 6
_ITEM_OTHERS_MIN_SHARE = 0.5


def repeated_items(page: etree._Element, blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """The visible lines of the run of same-tag, same-class siblings that holds the extracted
    blocks, when the extraction is one of them (`REPEATED_ITEMS_MIN`); none otherwise.

    The innermost element holding most of the extraction's lines of 3+ words is found first;
    the run is that element or an ancestor (up to `_ITEM_LEVELS` up) with enough siblings of
    its kind, which together hold at least half as much text as it. Siblings need a class
    or the `<article>` tag: bare `<div>`s are layout, not items.
    """
    anchors = [line for block in blocks if len((line := _fold(block.text)).split()) >= 3]
    if not anchors:
        return ()
    enough = math.ceil(_ITEM_ANCHOR_SHARE * len(anchors))
    # An element holding `enough` anchors is at least as long as the shortest `enough` of
    # them: shorter ones are passed over without folding their text.
    shortest = sum(sorted(map(len, anchors))[:enough]) // 2
    holder = page
    while True:
        inner = next((c for c in holder if _holds(c, anchors, enough, shortest)), None)
        if inner is None:
            break
        holder = inner
    element = holder
    for _ in range(_ITEM_LEVELS):
        parent = element.getparent()
        if parent is None:
            break
        kind = (element.tag, element.get("class", "").strip())
        if kind[1] or kind[0] == "article":
            run = [child for child in parent if (child.tag, child.get("class", "").strip()) == kind]
            own = len(element.text_content())
            others = sum(len(item.text_content()) for item in run) - own
            if len(run) >= REPEATED_ITEMS_MIN and others >= _ITEM_OTHERS_MIN_SHARE * own:
                parts: list[str] = []
                for item in run:
                    _render(item, parts)
                    parts.append("\n")
                return _lines("".join(parts))
        element = parent
    return ()


def _holds(element: etree._Element, anchors: list[str], enough: int, shortest: int) -> bool:
    if not isinstance(element.tag, str):
        return False
    text = element.text_content()
    if len(text) < shortest:
        return False
    text = _fold(text)
    allowed_misses = len(anchors) - enough
    for anchor in anchors:
        if anchor not in text:
            allowed_misses -= 1
            if allowed_misses < 0:
                return False
    return True


def _fold(text: str) -> str:
    """Lowercase with runs of whitespace as one space: lines compared with the text of the
    elements around them (cheaper than `normalise` on a whole page)."""
    return " ".join(text.lower().split())


def _separate_blocks(tree: HtmlElement) -> None:
    """Put a line break before and after every block element. trafilatura joins the text of
    neighbours it merges as is: `<span>Sport</span><article>The council` would come out as
    "SportThe council", a word the page never had."""
    for element in tree.iter(*_BLOCK_TAGS):
        if not (element.tail and element.tail[0].isspace()):
            element.tail = "\n" + (element.tail or "")
        before, parent = element.getprevious(), element.getparent()
        if before is not None and not (before.tail and before.tail[-1].isspace()):
            before.tail = (before.tail or "") + "\n"
        elif before is None and parent is not None and parent.text:
            parent.text += "" if parent.text[-1].isspace() else "\n"


def visible_lines(element: etree._Element) -> tuple[Block, ...]:
    """The element's text with a line break at every block element, as a browser renders it
    (scripts, styles, forms' controls and hidden elements left out), one block per line.

    A line that stands mostly inside a comment section is a "comment"; one inside a box of
    related or recommended links (`RELATED_SECTION_NAMES`) "related"; one that stands mostly
    inside another element that trafilatura removes as a whole (an `<aside>`, `<nav>` or
    `<footer>`) an "aside"; one more than
    `LINK_MAX_SHARE` of whose text is link text a "link"; any other line that stands mostly
    inside a list item a "list_item"; the rest are "line"s.
    """
    parts: list[str] = []
    _render(element, parts)
    return _lines("".join(parts))


LINK_MAX_SHARE = 0.2
"""jusText's link-density cut: above it, a block is navigation or a teaser, not text."""
_LINK_OPEN, _LINK_CLOSE, _ITEM_OPEN, _ITEM_CLOSE = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3"
_ASIDE_OPEN, _ASIDE_CLOSE, _COMMENTS_OPEN, _COMMENTS_CLOSE = "\ufdd4", "\ufdd5", "\ufdd6", "\ufdd7"
_RELATED_OPEN, _RELATED_CLOSE = "\ufdd8", "\ufdd9"
"""Where `<a>`, `<li>`, aside elements (`_ASIDE_TAGS`), comment sections and related boxes
start and end in
the rendered text: Unicode noncharacters, kept for internal use by the standard and taken out
of every page before parsing."""
_MARKER = re.compile("([\ufdd0-\ufdd9])")


def _lines(rendered: str) -> tuple[Block, ...]:
    """Blocks from `_render`'s text, each line's runs of whitespace made one space, with the
    kind its share of aside, link and list-item text gives it (`visible_lines`)."""
    blocks: list[Block] = []
    # <a>, <li>, aside elements, comment sections and related boxes open where the line starts
    links = items = asides = comments = related = 0
    for raw in raw_lines(rendered):
        if not (links or items or asides or comments or related or _MARKER.search(raw)):
            if text := squash(raw):
                blocks.append(Block(len(blocks), text, "line"))
            continue
        chars = link_chars = item_chars = aside_chars = comment_chars = related_chars = 0
        for piece in _MARKER.split(raw):
            if piece in (_LINK_OPEN, _LINK_CLOSE):
                links = links + 1 if piece == _LINK_OPEN else max(links - 1, 0)
            elif piece in (_ITEM_OPEN, _ITEM_CLOSE):
                items = items + 1 if piece == _ITEM_OPEN else max(items - 1, 0)
            elif piece in (_ASIDE_OPEN, _ASIDE_CLOSE):
                asides = asides + 1 if piece == _ASIDE_OPEN else max(asides - 1, 0)
            elif piece in (_COMMENTS_OPEN, _COMMENTS_CLOSE):
                comments = comments + 1 if piece == _COMMENTS_OPEN else max(comments - 1, 0)
            elif piece in (_RELATED_OPEN, _RELATED_CLOSE):
                related = related + 1 if piece == _RELATED_OPEN else max(related - 1, 0)
            elif count := len("".join(piece.split())):
                chars += count
                link_chars += count if links else 0
                item_chars += count if items else 0
                aside_chars += count if asides else 0
                comment_chars += count if comments else 0
                related_chars += count if related else 0
        if not chars:
            continue
        text = squash(_MARKER.sub("", raw))
        if 2 * comment_chars > chars:
            kind: BlockKind = "comment"
        elif 2 * related_chars > chars:
            kind = "related"
        elif 2 * aside_chars > chars:
            kind = "aside"
        elif link_chars > LINK_MAX_SHARE * chars:
            kind = "link"
        elif 2 * item_chars > chars:
            kind = "list_item"
        else:
            kind = "line"
        blocks.append(Block(len(blocks), text, kind))
    return tuple(blocks)


def _render(element: etree._Element, parts: list[str]) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag and not _is_hidden(element, tag):
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        elif tag in _CELL_TAGS:
            parts.append(" ")
        if tag in _COMMENT_CONTAINERS and _is_comments(element):
            opening, closing = _COMMENTS_OPEN, _COMMENTS_CLOSE
        elif tag in _RELATED_CONTAINERS and _is_related(element):
            opening, closing = _RELATED_OPEN, _RELATED_CLOSE
        elif tag in _ASIDE_TAGS:
            opening, closing = _ASIDE_OPEN, _ASIDE_CLOSE
        else:
            opening, closing = _OPENING.get(tag, ""), _CLOSING.get(tag, "")
        parts.append(opening)
        parts.append(element.text or "")
        for child in element:
            _render(child, parts)
        parts.append(closing)
        if block:
            parts.append("\n")
    parts.append(element.tail or "")


_OPENING = {"a": _LINK_OPEN, "li": _ITEM_OPEN}
_CLOSING = {"a": _LINK_CLOSE, "li": _ITEM_CLOSE}


_ASIDE_TAGS = frozenset({"aside", "nav", "footer"})
_COMMENT_CONTAINERS = frozenset({"div", "section", "ul", "ol", "dl"})
"""The elements that can be a comment section (trafilatura looks at divs, lists, sections)."""


def _is_comments(element: etree._Element) -> bool:
    """Whether the element's id or class names it a comment section, as trafilatura reads
    them (`COMMENT_SECTION_NAMES`)."""
    return _named(element, COMMENT_SECTION_NAMES)


_RELATED_CONTAINERS = frozenset({"div", "section", "aside", "ul", "ol"})


def _is_related(element: etree._Element) -> bool:
    """Whether the element is a box of related links: its id or class names it one
    (`RELATED_SECTION_NAMES`), most of its text is link text (`RELATED_MIN_LINK_SHARE`), and
    it holds no `<h1>` (a page's headline is in its article, never in a box of links to other
    pages). A section called "more-on-lists" of a tutorial, a "map-and-related" search form,
    are prose and controls, not links."""
    if not _named(element, RELATED_SECTION_NAMES):
        return False
    if element.find(".//h1") is not None:
        return False
    text = len("".join(element.text_content().split()))
    links = sum(len("".join(a.text_content().split())) for a in element.iter("a"))
    return text > 0 and links >= RELATED_MIN_LINK_SHARE * text


RELATED_MIN_LINK_SHARE = 0.5


def _named(element: etree._Element, names: re.Pattern[str]) -> bool:
    """Whether the element's id or class (lowercased) matches `names`."""
    return any(
        names.search((element.get(attribute) or "").lower()) for attribute in ("id", "class")
    )


def _is_hidden(element: etree._Element, tag: str) -> bool:
    return (
        tag in _INVISIBLE_TAGS
        or element.get("hidden") is not None
        or element.get("aria-hidden") == "true"
        or bool(_DISPLAY_NONE.search(element.get("style") or ""))
    )


def _host(url: str | None) -> str | None:
    """The URL's host name; None for none, or for a URL too broken to have one."""
    try:
        return urlsplit(url).hostname if url else None
    except ValueError:  # "http://[::1" and the like
        return None


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
    return _SPACES.sub(" ", INVISIBLE_CHARACTERS.sub("", text or "")).strip()
