import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc, inquiry_paragraph, removed_texts

from cleaners.document import Block, Document
from cleaners.rules.region import MainRegion

MENU = ["Home", "World", "Business", "Sport", "Culture", "Travel"]
FOOTER = ["About us", "Contact", "Careers", "Privacy", "Terms of use", "Cookie settings"]
ARTICLE = [inquiry_paragraph(n) for n in range(6)]


def test_menus_and_footer_around_the_article_go():
    removals = MainRegion().judge(doc(*MENU, *ARTICLE, *FOOTER))

    assert removed_texts(removals) == MENU + FOOTER
    assert {r.reason for r in removals} == {"outside_main_region"}
    assert {r.cleaner for r in removals} == {"region"}


def test_a_subheading_between_paragraphs_stays():
    removals = MainRegion().judge(doc(*MENU, *ARTICLE[:3], "What happens next", *ARTICLE[3:]))

    assert "What happens next" not in removed_texts(removals)
    assert removed_texts(removals) == MENU


def test_a_paragraph_beyond_a_long_run_of_links_goes_a_near_one_stays():
    links = [f"Related story {n}" for n in range(20)]
    far = MainRegion().judge(doc(*ARTICLE, *links, BUS_PARAGRAPHS[0]))
    near = MainRegion().judge(doc(*ARTICLE, *links[:5], BUS_PARAGRAPHS[0]))

    assert removed_texts(far) == [*links, BUS_PARAGRAPHS[0]]
    assert removed_texts(near) == []


@pytest.mark.parametrize(
    "lines",
    [
        [*MENU, ARTICLE[0], *FOOTER],  # too little prose to call a region the article
        [*(f"Product {n} - 19.99 EUR - in stock" for n in range(40)), *ARTICLE[:2]],  # listing
    ],
)
def test_pages_with_little_prose_keep_everything(lines):
    assert MainRegion().judge(doc(*lines)) == []


SIDEBAR = [f"Headline of another story on the site, number {n}" for n in range(40)]


def test_a_short_article_under_big_sidebars_is_cut_out_when_its_prose_stands_together():
    article = [*BUS_PARAGRAPHS[:3]]  # about 90 words against 360 of sidebar headlines
    removals = MainRegion().judge(doc(*SIDEBAR[:20], *article, *SIDEBAR[20:]))

    assert removed_texts(removals) == SIDEBAR


def test_little_prose_that_is_not_gathered_in_paragraphs_keeps_the_page():
    intro_over_listing = MainRegion().judge(doc(*ARTICLE[:1], BUS_PARAGRAPHS[0], *SIDEBAR))
    one_paragraph = MainRegion().judge(doc(*SIDEBAR[:20], ARTICLE[0] + " " + ARTICLE[1], *SIDEBAR))
    scattered = [
        line for n, p in enumerate(ARTICLE[:4]) for line in (p, *SIDEBAR[n % 2 * 20 :][:20])
    ]

    assert intro_over_listing == []  # two paragraphs, yet under 80 prose words
    assert one_paragraph == []  # a listing's introduction: one paragraph
    assert MainRegion().judge(doc(*scattered)) == []  # prose spread over the page


@pytest.mark.parametrize(
    "kwargs",
    [
        {"short_line_penalty": 0},
        {"min_prose_words": -1},
        {"min_prose_share": 1.5},
        {"concentrated_min_prose_words": -1},
        {"concentrated_share": -0.1},
        {"concentrated_min_paragraphs": 0},
    ],
)
def test_invalid_settings_are_rejected(kwargs):
    with pytest.raises(ValueError):
        MainRegion(**kwargs)


def test_a_long_line_beside_the_content_is_no_article_prose():
    """A sidebar's tag cloud is one long line; inside an <aside> it is not the article."""
    cloud = " ".join(f"tag{n}" for n in range(60))
    photo_post = ["Our trip to the coast", "Photo: the harbour at dawn", "Posted by Anna"]
    blocks = [Block(0, cloud, "aside"), Block(1, cloud + " more", "aside")] + [
        Block(n + 2, line, "line") for n, line in enumerate(photo_post)
    ]

    assert MainRegion().judge(Document(tuple(blocks))) == []
    as_lines = Document(tuple(Block(b.index, b.text, "line") for b in blocks))
    assert removed_texts(MainRegion().judge(as_lines)) == photo_post
