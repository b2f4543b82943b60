"""What a scraper holds -> the one lxml tree a page is cleaned from.

`clean_html` takes the page as text, as bytes (decoded as the readers decode a dump,
`cleaners.decoding`), as an lxml tree, or as a BeautifulSoup document: a scraper written with
requests and BeautifulSoup already holds a soup, and its tree is used as it is (walked into
lxml elements) rather than printed and parsed again. A tree the caller holds is never changed:
cleaning edits its own copy.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import TYPE_CHECKING, Any, TypeAlias

import trafilatura
from lxml import etree
from lxml.html import HtmlElement, html_parser

from cleaners.decoding import decode_page

if TYPE_CHECKING:
    from bs4 import Tag

HtmlInput: TypeAlias = "str | bytes | etree._Element | etree._ElementTree | Tag"

CONTROL_CHARACTERS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
"""Characters that XML forbids (controls, surrogates), which lxml drops or refuses: as spaces
they keep the words on either side apart instead of gluing them into a word the page never
had."""


def html_tree(page: HtmlInput) -> HtmlElement | None:
    """The page as a tree of lxml's HTML elements, of the cleaner's own; None when the text
    holds no HTML document trafilatura can read. Raises `cleaners.decoding.UnreadableBytes`
    for bytes that are no text, and TypeError for anything else than the inputs above."""
    if isinstance(page, bytes | bytearray | memoryview):
        page = decode_page(bytes(page)).text
    if isinstance(page, str):
        return trafilatura.load_html(CONTROL_CHARACTERS.sub(" ", page))
    if isinstance(page, etree._ElementTree):
        page = page.getroot()
    if isinstance(page, HtmlElement):
        return _as_parsed(_in_page(deepcopy(page)))
    if isinstance(page, etree._Element):  # etree.HTML()'s or an XML parser's elements
        text = etree.tostring(page, encoding="unicode", method="html")
        if page.tag != "html":  # as the body of a page of its own (`_in_page`)
            text = f"<html><body>{text}</body></html>"
        return html_tree(text)
    if _is_soup(page):
        return _from_soup(page)
    raise TypeError(
        "clean_html takes the page as str, bytes, an lxml tree or a BeautifulSoup document,"
        f" not {type(page).__name__}"
    )


def _in_page(element: HtmlElement) -> HtmlElement:
    """An element of a page (an `<article>` a scraper picked) as the body of a page of its own:
    trafilatura reads a whole document, and takes an article's own headline for page chrome
    when the article is the document."""
    if element.tag == "html":
        return element
    element.tail = None  # the page's text after the element, which the copy took along
    page = html_parser.makeelement("html", {})
    etree.SubElement(page, "body").append(element)
    return page


def _as_parsed(tree: HtmlElement) -> HtmlElement:
    """The tree as `html_tree` would have parsed its text: without comments and processing
    instructions (lxml's default parser keeps them, as elements without attributes), and
    with `CONTROL_CHARACTERS` as spaces (XML 1.0 allows C1 controls, so lxml keeps them)."""
    etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for element in tree.iter():
        if element.text and CONTROL_CHARACTERS.search(element.text):
            element.text = CONTROL_CHARACTERS.sub(" ", element.text)
        if element.tail and CONTROL_CHARACTERS.search(element.tail):
            element.tail = CONTROL_CHARACTERS.sub(" ", element.tail)
    return tree


def _is_soup(page: Any) -> bool:
    """Whether `page` is a BeautifulSoup document or element, without importing bs4 (0.1 s)
    for callers who never use it."""
    return any(
        cls.__module__.startswith("bs4") and cls.__name__ == "Tag" for cls in type(page).__mro__
    )


def _from_soup(soup: Tag) -> HtmlElement | None:
    """The soup's elements as lxml's, one for one: its tags, attributes, text and tails, with
    comments, doctype and processing instructions left out as a browser does not show them (a
    document whose top is not one `<html>` goes into one, an element into a page's body). A
    name lxml cannot hold (`<a:b>`, an attribute named `"x`) makes the soup printed and parsed
    instead."""
    from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction
    from bs4 import Tag as SoupTag

    skipped = (Comment, Declaration, Doctype, ProcessingInstruction)
    top = soup
    if isinstance(soup, BeautifulSoup):
        tops = [child for child in soup.children if isinstance(child, SoupTag)]
        top = tops[0] if len(tops) == 1 and tops[0].name == "html" else soup
    try:
        if isinstance(top, BeautifulSoup):
            root = html_parser.makeelement("html", {})
            stack = [(top, root)]
        elif top.name == "html":
            root = html_parser.makeelement("html", _attributes(top))
            stack = [(top, root)]
        else:  # an element of a page, as the body of a page of its own (`_in_page`)
            root = html_parser.makeelement("html", {})
            body = etree.SubElement(root, "body")
            stack = [(top, etree.SubElement(body, top.name, _attributes(top)))]
        while stack:
            tag, element = stack.pop()
            last: HtmlElement | None = None
            for child in tag.children:
                if isinstance(child, SoupTag):
                    last = etree.SubElement(element, child.name, _attributes(child))
                    stack.append((child, last))
                elif not isinstance(child, skipped):
                    text = CONTROL_CHARACTERS.sub(" ", str(child))
                    if last is None:
                        element.text = (element.text or "") + text
                    else:
                        last.tail = (last.tail or "") + text
    except ValueError:  # a tag or attribute name that is no XML name
        return trafilatura.load_html(CONTROL_CHARACTERS.sub(" ", str(soup)))
    return root


def _attributes(tag: Tag) -> dict[str, str]:
    """bs4 keeps `class` and a few others as lists of their words."""
    return {
        name: CONTROL_CHARACTERS.sub(" ", " ".join(value) if isinstance(value, list) else value)
        for name, value in tag.attrs.items()
    }
