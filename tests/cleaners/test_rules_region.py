import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc, inquiry_paragraph, removed_texts

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


@pytest.mark.parametrize(
    "kwargs",
    [{"short_line_penalty": 0}, {"min_prose_words": -1}, {"min_prose_share": 1.5}],
)
def test_invalid_settings_are_rejected(kwargs):
    with pytest.raises(ValueError):
        MainRegion(**kwargs)
