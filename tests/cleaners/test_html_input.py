"""`clean_html` takes what a scraper holds: text, bytes, an lxml tree, a BeautifulSoup document."""

import lxml.html
import pytest
from bs4 import BeautifulSoup
from cleaner_samples import BUS_PARAGRAPHS
from lxml import etree

from cleaners import clean_html
from cleaners.decoding import DOUBLE_ENCODED_UTF8, UnreadableBytes, decode_page

COMMENT = "What a great idea, I will take the new bus to work every single day from now on."
PAGE = (
    "<!DOCTYPE html><html lang='fr'><head><title>Le réseau de bus | Example Times</title>"
    '<meta charset="windows-1252"></head><body>'
    '<nav><a href="/">Accueil</a> <a href="/local">Local</a></nav>'
    "<article><h1>Le réseau de bus s'agrandit</h1>"
    + "".join(f"<p>{p}</p>" for p in BUS_PARAGRAPHS)
    + "<!-- an editor's note the reader never sees -->"
    + f'</article><div class="comments"><h3>Comments</h3><p>{COMMENT}</p></div>'
    + "<footer>Copyright 2024 Example Times. All rights reserved.</footer></body></html>"
)
EXPECTED = clean_html(PAGE)


def test_the_reference_reading_keeps_the_article_and_drops_the_rest():
    assert EXPECTED.text.split("\n\n") == ["Le réseau de bus s'agrandit", *BUS_PARAGRAPHS]
    assert EXPECTED.meta.title == "Le réseau de bus s'agrandit"


def test_bytes_are_decoded_as_the_readers_decode_them():
    cleaned = clean_html(PAGE.encode("cp1252"))  # the <meta charset> names it

    assert cleaned.text == EXPECTED.text
    assert cleaned.meta == EXPECTED.meta


def test_bytes_with_a_utf8_byte_order_mark():
    assert clean_html(b"\xef\xbb\xbf" + PAGE.encode("utf-8")).text == EXPECTED.text


def test_bytes_that_are_no_text_raise_with_the_readers_reason():
    with pytest.raises(UnreadableBytes) as raised:
        clean_html(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))

    assert raised.value.reason == "binary_content"


def test_decoding_undoes_double_encoded_utf8():
    decoded = decode_page("<p>Müller</p>".encode().decode("cp1252").encode())

    assert (decoded.text, decoded.encoding) == ("<p>Müller</p>", DOUBLE_ENCODED_UTF8)


@pytest.mark.parametrize(
    "parse",
    [lxml.html.fromstring, lambda text: lxml.html.fromstring(text).getroottree(), etree.HTML],
    ids=["lxml.html", "element tree", "etree.HTML"],
)
def test_an_lxml_tree_gives_the_text_of_its_page_and_stays_as_it_was(parse):
    tree = parse(PAGE)
    before = etree.tostring(tree)

    cleaned = clean_html(tree)

    assert cleaned.text == EXPECTED.text
    assert cleaned.meta == EXPECTED.meta
    assert etree.tostring(tree) == before


@pytest.mark.parametrize("parser", ["lxml", "html.parser"])
def test_a_soup_gives_the_text_of_its_page_and_stays_as_it_was(parser):
    soup = BeautifulSoup(PAGE, parser)
    before = str(soup)

    cleaned = clean_html(soup)

    assert cleaned.text == EXPECTED.text
    assert cleaned.meta == EXPECTED.meta
    assert str(soup) == before


def test_a_soup_is_read_as_the_scraper_left_it():
    soup = BeautifulSoup(PAGE, "html.parser")
    soup.find("p").decompose()

    assert clean_html(soup).text.split("\n\n")[1:] == list(BUS_PARAGRAPHS[1:])


@pytest.mark.parametrize(
    "pick",
    [
        lambda: BeautifulSoup(PAGE, "html.parser").find("article"),
        lambda: lxml.html.fromstring(PAGE).find(".//article"),
        lambda: etree.HTML(PAGE).find(".//article"),
    ],
    ids=["soup", "lxml.html", "etree.HTML"],
)
def test_an_element_a_scraper_picked_is_cleaned_as_a_page_of_its_own(pick):
    assert clean_html(pick()).text == EXPECTED.text


def test_a_soup_whose_names_lxml_cannot_hold_is_still_cleaned():
    soup = BeautifulSoup(
        PAGE.replace("<footer>", '<fb:like "x="1"></fb:like><footer>'), "html.parser"
    )

    assert clean_html(soup).text == EXPECTED.text


@pytest.mark.parametrize("page", [None, 42, {"html": PAGE}])
def test_anything_else_is_a_type_error_that_names_what_it_takes(page):
    with pytest.raises(TypeError, match="str, bytes, an lxml tree or a BeautifulSoup document"):
        clean_html(page)
