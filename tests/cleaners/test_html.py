import pytest
from cleaner_samples import BUS_PARAGRAPHS

from cleaners.html import html_page

HEAD = """<head><title>Council expands bus network | Example Times</title>
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-03">
<meta property="og:site_name" content="Example Times"></head>"""


def page(body: str, *, lang: str = "en-GB", head: str = HEAD) -> str:
    return f'<!DOCTYPE html><html lang="{lang}">{head}<body>{body}</body></html>'


ARTICLE = page(
    '<nav><a href="/">Home</a> <a href="/local">Local navigation link</a></nav>'
    "<article><h1>Council expands bus network</h1>"
    + "".join(f"<p>{p}</p>" for p in BUS_PARAGRAPHS)
    + "</article><footer>Footer imprint and contact details</footer>"
)

COMMENTS_ONLY = page(
    '<div class="comments"><div>Visible note one for readers</div>'
    "<div>Visible note two for readers</div></div>"
    "<script>window.secretScript = true;</script>",
    lang="de",
    head="<head><title>Secret page title</title><style>.x { color: red }</style></head>",
)
"""Trafilatura extracts nothing from a page whose only text sits in a comments container."""


def texts(document):
    return [b.text for b in document.blocks]


def test_article_blocks_come_from_the_main_content():
    document = html_page(ARTICLE, url="https://example.com/bus").extracted

    assert document.origin == "html"
    assert texts(document) == ["Council expands bus network", *BUS_PARAGRAPHS]
    assert [b.kind for b in document.blocks] == ["heading"] + ["paragraph"] * 4
    assert [b.index for b in document.blocks] == list(range(5))


def test_metadata_comes_from_title_and_meta_tags():
    page_ = html_page(ARTICLE, url="https://example.com/bus")
    meta = page_.extracted.meta
    assert page_.visible.meta == meta

    assert meta.url == "https://example.com/bus"
    assert meta.title == "Council expands bus network"
    assert meta.author == "Jane Doe"
    assert meta.published == "2024-03-03"
    assert meta.site == "Example Times"
    assert meta.language == "en"


def test_block_kinds_and_inline_markup():
    body = (
        f"<article><h2>Timetable</h2><p>{BUS_PARAGRAPHS[0]}</p>"
        '<p>The <b>bus</b>es run <a href="/x">every</a> ten<br>minutes on week<i>days</i>.</p>'
        "<ul><li>Northern line<ul><li>Stop A</li><li>Stop B</li></ul></li>"
        "<li>Southern line</li></ul>"
        "<table><tr><th>Stop</th><th>Minutes</th></tr><tr><td>Central</td><td>0</td></tr></table>"
        f"<blockquote>We are delighted, the mayor said.</blockquote><p>{BUS_PARAGRAPHS[1]}</p>"
        "</article>"
    )

    blocks = [(b.kind, b.text) for b in html_page(page(body)).extracted.blocks]

    assert blocks == [
        ("heading", "Timetable"),
        ("paragraph", BUS_PARAGRAPHS[0]),
        ("paragraph", "The buses run every ten minutes on weekdays."),
        ("list_item", "Northern line"),
        ("list_item", "Stop A"),
        ("list_item", "Stop B"),
        ("list_item", "Southern line"),
        ("table", "Stop | Minutes"),
        ("table", "Central | 0"),
        ("quote", "We are delighted, the mayor said."),
        ("paragraph", BUS_PARAGRAPHS[1]),
    ]


def test_visible_text_has_every_rendered_line():
    visible = html_page(ARTICLE).visible

    assert visible.origin == "text"
    assert texts(visible) == [
        "Home Local navigation link",
        "Council expands bus network",
        *BUS_PARAGRAPHS,
        "Footer imprint and contact details",
    ]


def test_visible_lines_tell_links_and_list_items_from_text():
    body = (
        "<p>Buses run every ten minutes on weekdays</p>"
        '<p>See <a href="/t">the full timetable online</a></p>'
        '<ul><li><strong>Stops:</strong> 22</li><li><a href="/fares">Fares</a></li></ul>'
        '<div><a href="/story"><div>Tram line opens in May</div><p>Read the story</p></a></div>'
    )

    visible = html_page(page(body)).visible

    assert [(b.kind, b.text) for b in visible.blocks] == [
        ("line", "Buses run every ten minutes on weekdays"),
        ("link", "See the full timetable online"),  # over a fifth of it is link text
        ("list_item", "Stops: 22"),
        ("link", "Fares"),
        ("link", "Tram line opens in May"),  # a card inside one link spans several lines
        ("link", "Read the story"),
    ]


def test_visible_lines_in_sections_trafilatura_removes_are_comments_or_asides():
    body = (
        "<p>Buses run every ten minutes on weekdays</p>"
        '<section id="comments"><p>Mine was late twice this week</p>'
        '<ul class="comment-list"><li><a href="/u/ana">ana</a></li></ul></section>'
        '<div class="liked-comments-widget"><p>Most liked</p></div>'
        "<aside><p>Night buses</p></aside><p>Fares <nav>Home</nav></p><footer>Imprint</footer>"
    )

    visible = html_page(page(body)).visible

    assert [(b.kind, b.text) for b in visible.blocks] == [
        ("line", "Buses run every ten minutes on weekdays"),
        ("comment", "Mine was late twice this week"),
        ("comment", "ana"),
        ("line", "Most liked"),  # "comment" inside a class name is not a comment section
        ("aside", "Night buses"),
        ("line", "Fares"),
        ("aside", "Home"),
        ("aside", "Imprint"),
    ]


def test_visible_lines_in_a_box_of_related_links_are_related():
    body = (
        "<p>Buses run every ten minutes on weekdays</p>"
        '<div class="jp-relatedposts"><p><a href="/t">Tram line opens in May</a></p></div>'
        '<ul id="most-read-box"><li><a href="/n">Night buses return</a></li></ul>'
        '<div class="related-wrap"><h1><a href="/b">Buses every ten minutes</a></h1></div>'
        '<section id="more-on-fares"><p>Fares rise in <a href="/j">Jan</a> by a tenth</p></section>'
    )

    visible = html_page(page(body)).visible

    assert [(b.kind, b.text) for b in visible.blocks] == [
        ("line", "Buses run every ten minutes on weekdays"),
        ("related", "Tram line opens in May"),
        ("related", "Night buses return"),
        ("link", "Buses every ten minutes"),  # the headline's container is the article's
        ("line", "Fares rise in Jan by a tenth"),  # named so, but prose, not links
    ]


def test_a_page_cannot_forge_the_link_and_list_marks():
    body = "<p>Route\ufdd0 2\ufdd1 and\ufdd2 3</p><li>Stops\ufdd3: 22</li><p>After\ufdd4</p>"

    visible = html_page(page(body)).visible

    assert [(b.kind, b.text) for b in visible.blocks] == [
        ("line", "Route 2 and 3"),
        ("list_item", "Stops : 22"),
        ("line", "After"),
    ]


def test_page_without_main_content_has_only_its_visible_text():
    page_ = html_page(COMMENTS_ONLY)
    document = page_.visible

    assert page_.extracted is None
    assert document.origin == "text"
    assert texts(document) == ["Visible note one for readers", "Visible note two for readers"]
    assert {b.kind for b in document.blocks} == {"comment"}


def test_fallback_text_has_no_head_script_or_style_text():
    joined = " ".join(texts(html_page(COMMENTS_ONLY).visible))

    assert "Secret page title" not in joined
    assert "secretScript" not in joined
    assert "color" not in joined


def test_fallback_keeps_url_and_declared_language():
    meta = html_page(COMMENTS_ONLY, url="https://example.com/c").visible.meta

    assert (meta.url, meta.language) == ("https://example.com/c", "de")


@pytest.mark.parametrize("html", ["", "   ", "<html><body></body></html>"])
def test_empty_pages_give_an_empty_text_document(html):
    page_ = html_page(html)

    assert page_.extracted is None
    assert page_.visible.blocks == ()


@pytest.mark.parametrize(
    ("lang", "language"),
    [("en-GB", "en"), ("DE", "de"), ("pt_BR", "pt"), ("fil", "fil"), ("", None), ("12", None)],
)
def test_declared_language_is_the_primary_subtag_of_html_lang(lang, language):
    html = page(f"<p>{BUS_PARAGRAPHS[0]}</p>", lang=lang)
    assert html_page(html).visible.meta.language == language


def test_noscript_content_is_visible_text_as_with_javascript_off():
    html = page(f"<noscript><p>{BUS_PARAGRAPHS[0]}</p></noscript><script>app()</script>")

    assert texts(html_page(html).visible) == [BUS_PARAGRAPHS[0]]


def test_hidden_elements_are_not_visible_text():
    body = (
        f'<div hidden>Hidden one</div><div style="display: none">Hidden two</div>'
        f'<div aria-hidden="true">Hidden three</div><p>{BUS_PARAGRAPHS[1]}</p>'
    )

    assert texts(html_page(page(body)).visible) == [BUS_PARAGRAPHS[1]]
