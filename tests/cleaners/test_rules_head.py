import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc, reason_by_text, removed_texts

from cleaners import clean_text
from cleaners.api import TEXT_CLEANERS
from cleaners.document import Document, Meta
from cleaners.rules.head import HeadNavigation, TitleEcho

TITLE = "Council expands bus network"
STANDFIRST = "Six new routes will link the northern suburbs to the centre."
COOKIE_NOTICE = (
    "We use cookies to improve your experience on our website and to show you advertising "
    "that is relevant to your interests, as described in our policy."
)


def with_title(page: Document, title: str) -> Document:
    return Document(page.blocks, Meta(title=title), page.origin)


def test_title_line_of_a_dump_moves_to_title():
    page = doc("Home", "World", TITLE, STANDFIRST, *BUS_PARAGRAPHS)

    removals = TitleEcho().judge(page)

    assert len(removals) == 1
    removal = removals[0]
    assert (removal.block.text, removal.reason, removal.cleaner) == (TITLE, "title_echo", "title")
    assert (removal.moves_to, removal.value) == ("title", TITLE)


def test_title_line_is_the_last_heading_like_line_above_the_prose():
    page = doc("Example Times", "Local news", TITLE, *BUS_PARAGRAPHS)

    assert removed_texts(TitleEcho().judge(page)) == [TITLE]


def test_byline_and_date_are_not_taken_for_the_title():
    page = doc(TITLE, "By Jane Doe", "March 3, 2024", *BUS_PARAGRAPHS)

    assert removed_texts(TitleEcho().judge(page)) == [TITLE]


@pytest.mark.parametrize(
    "dateline",
    [
        "December 15, 2025 // 8 min read",
        "Published on 25.Jun.2019 in Vol 7, No 6",
        "Jane Doe Published: January 3, 2024",
        "Updated 2024-01-03 | Local news",
        "$139.99",
        "Item 2024 / 05",
    ],
)
def test_a_dateline_or_a_price_under_the_headline_is_not_the_title(dateline):
    page = doc("Home", "World", TITLE, dateline, *BUS_PARAGRAPHS)

    assert removed_texts(TitleEcho().judge(page)) == [TITLE]


def test_a_headline_with_a_year_is_still_a_title():
    headline = "The best bus routes of 2024"
    page = doc("Home", "World", headline, *BUS_PARAGRAPHS)

    assert removed_texts(TitleEcho().judge(page)) == [headline]


def test_a_lone_heading_above_the_text_is_its_title():
    assert removed_texts(TitleEcho().judge(doc(TITLE, STANDFIRST, *BUS_PARAGRAPHS))) == [TITLE]


def test_two_headings_without_chrome_are_not_told_apart():
    kicker = "Six new routes for the north after years of waiting for them"

    assert TitleEcho().judge(doc(kicker, TITLE, *BUS_PARAGRAPHS)) == []


def test_title_line_of_a_dump_needs_menu_lines_of_the_configured_length():
    page = doc("Local news from the north", TITLE, *BUS_PARAGRAPHS)

    assert removed_texts(TitleEcho().judge(page)) == [TITLE]
    assert TitleEcho(head_navigation_max_words=3).judge(page) == []


def test_a_long_breadcrumb_above_the_title_is_chrome_enough():
    page = doc(f"Home > Local news > {TITLE} after a long debate", TITLE, *BUS_PARAGRAPHS)

    assert removed_texts(TitleEcho().judge(page)) == [TITLE]


def test_html_extraction_without_a_title_has_no_title_line():
    page = doc("Home", "World", TITLE, *BUS_PARAGRAPHS)
    extracted = Document(page.blocks, Meta(), origin="html")

    assert TitleEcho().judge(extracted) == []


def test_cleaning_again_finds_no_title_in_the_clean_text():
    """Chrome shows which heading is the title; once chrome and title are gone, a lone
    heading left above the text would be the title of the clean text, so it goes too (in a
    later pass), while the page's title stays the one found first. (The region rule, left
    out, would cut the lines above so short an article as well.)"""
    kicker = "Six new routes for the north after years of waiting for them"
    second = "What the new timetable means for commuters in the northern suburbs"
    cleaners = tuple(cleaner for cleaner in TEXT_CLEANERS if cleaner.name != "region")
    lone = clean_text(
        "\n".join(["Home", "World", kicker, TITLE, *BUS_PARAGRAPHS]), cleaners=cleaners
    )
    pair = clean_text(
        "\n".join(["Home", "World", kicker, second, TITLE, *BUS_PARAGRAPHS]), cleaners=cleaners
    )

    assert (lone.meta.title, lone.text) == (TITLE, "\n\n".join(BUS_PARAGRAPHS))
    assert [(r.block.text, r.reason) for r in lone.removed if r.cleaner == "title"] == [
        (kicker, "title_echo"),
        (TITLE, "title_echo"),
    ]
    assert (pair.meta.title, pair.text.split("\n\n")[:2]) == (TITLE, [kicker, second])
    for cleaned in (lone, pair):
        again = clean_text(cleaned.text, cleaners=cleaners)
        assert (again.text, again.removed) == (cleaned.text, ())


def test_dump_without_prose_has_no_title_line():
    assert TitleEcho().judge(doc("Home", "Contact us", "Opening hours")) == []


def test_known_title_removes_its_echo_without_moving_it():
    page = with_title(doc("Example Times", TITLE, *BUS_PARAGRAPHS), TITLE)

    removals = TitleEcho().judge(page)

    assert removed_texts(removals) == [TITLE]
    assert removals[0].reason == "title_echo"
    assert removals[0].moves_to is None


def test_known_title_with_site_suffix_matches_the_bare_line():
    page = with_title(doc(TITLE, *BUS_PARAGRAPHS), f"{TITLE} | Example Times")

    assert removed_texts(TitleEcho().judge(page)) == [TITLE]


def test_known_title_ignores_lines_that_only_contain_it():
    line = f"{TITLE} after a long debate"
    page = with_title(doc(line, *BUS_PARAGRAPHS), TITLE)

    assert TitleEcho().judge(page) == []


def test_known_title_repeated_deep_in_the_article_stays():
    paragraphs = [*BUS_PARAGRAPHS, *BUS_PARAGRAPHS[::-1], *BUS_PARAGRAPHS]
    paragraphs = [f"{p} ({n})" for n, p in enumerate(paragraphs)]
    page = with_title(doc(TITLE, *paragraphs, TITLE), TITLE)

    removals = TitleEcho().judge(page)

    assert [r.block.index for r in removals] == [0]


def test_head_navigation_drops_short_lines_above_the_first_paragraph():
    page = doc("Home", "World", "Europe", TITLE, STANDFIRST, *BUS_PARAGRAPHS, "Share", "Print")

    removals = HeadNavigation().judge(page)

    assert reason_by_text(removals) == {
        "Home": "head_navigation",
        "World": "head_navigation",
        "Europe": "head_navigation",
    }
    assert all(r.cleaner == "head" for r in removals)


def test_head_navigation_keeps_the_title_line_and_a_standfirst():
    page = doc("Sections", "Council news", STANDFIRST, *BUS_PARAGRAPHS)

    kept = set(page.blocks) - {r.block for r in HeadNavigation().judge(page)}

    assert "Sections" not in {b.text for b in kept}
    assert {"Council news", STANDFIRST} <= {b.text for b in kept}


def test_head_navigation_with_known_title_removes_short_heading_lines_too():
    page = with_title(doc("Sections", "Council news", *BUS_PARAGRAPHS), TITLE)

    assert removed_texts(HeadNavigation().judge(page)) == ["Sections", "Council news"]


def test_furniture_prose_is_not_where_the_article_starts():
    """A long cookie notice is prose-sized, but the article starts after it."""
    page = doc("Menu", COOKIE_NOTICE, "Weather", "Sport", *BUS_PARAGRAPHS)

    assert removed_texts(HeadNavigation().judge(page)) == ["Menu", "Weather", "Sport"]


def test_head_navigation_does_nothing_on_a_page_without_prose():
    page = doc("Home", "Opening hours", "Monday to Friday", "Contact us", "Imprint")

    assert HeadNavigation().judge(page) == []


def test_head_navigation_word_limit_is_configurable():
    page = doc("Local news from the north", TITLE, *BUS_PARAGRAPHS)

    assert removed_texts(HeadNavigation().judge(page)) == ["Local news from the north"]
    assert HeadNavigation(max_words=3).judge(page) == []


@pytest.mark.parametrize(
    ("cleaner", "kwargs"),
    [
        (TitleEcho, {"search_blocks": 0}),
        (TitleEcho, {"head_navigation_max_words": 0}),
        (HeadNavigation, {"max_words": 0}),
    ],
)
def test_head_rules_reject_invalid_settings(cleaner, kwargs):
    with pytest.raises(ValueError):
        cleaner(**kwargs)
