import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc, reason_by_text

from cleaners.document import Block, Document
from cleaners.rules.navigation import Breadcrumbs, NavigationLines, PageAsides


@pytest.mark.parametrize(
    "line",
    [
        "Home > News > Council expands bus network",
        "Home » Blog",
        "Startseite › Politik › Verkehr",
        "Accueil / Actualités",
        "News / Politics / Europe",
        "Sport | Football | Premier League",
    ],
)
def test_breadcrumb_trails_go(line):
    removals = Breadcrumbs().judge(doc(line, *BUS_PARAGRAPHS))

    assert reason_by_text(removals) == {line: "breadcrumb"}
    assert removals[0].cleaner == "breadcrumbs"


@pytest.mark.parametrize(
    "line",
    [
        "Home is where the heart is",
        "Apples > Oranges",
        "Fares rose 5% / year, and the city said the increase was fair.",
        "Home > Everything you always wanted to know about buses > Part two",
        *BUS_PARAGRAPHS,
    ],
)
def test_lines_that_only_look_like_breadcrumbs_stay(line):
    assert Breadcrumbs().judge(doc(line)) == []


def test_breadcrumb_segment_length_is_configurable():
    line = "Home > Local news > Council expands bus network"

    assert Breadcrumbs().judge(doc(line)) != []
    assert Breadcrumbs(max_segment_words=1).judge(doc(line)) == []


def test_breadcrumbs_rejects_invalid_settings():
    with pytest.raises(ValueError):
        Breadcrumbs(max_segment_words=0)


@pytest.mark.parametrize(
    "line", ["Skip to content", "Menu", "Back to top", "Zum Inhalt springen", "Load more", "Suche"]
)
def test_navigation_lines_go(line):
    removals = NavigationLines().judge(doc(line, *BUS_PARAGRAPHS))

    assert reason_by_text(removals) == {line: "navigation_line"}
    assert removals[0].cleaner == "navigation"


@pytest.mark.parametrize(
    "line",
    [
        "The menu at the station café changes every week.",
        "Search teams found the missing hiker on Sunday.",
        "Next, the council will vote on the budget.",
    ],
)
def test_sentences_with_navigation_words_stay(line):
    assert NavigationLines().judge(doc(line)) == []


def test_page_asides_go_when_the_page_has_prose_of_its_own():
    document = Document(
        (
            Block(0, "Latest posts", "aside"),
            Block(1, BUS_PARAGRAPHS[0], "line"),
            Block(2, "About this blog: a long sidebar text of its own.", "aside"),
        )
    )

    removals = PageAsides().judge(document)

    assert [(r.block.index, r.cleaner, r.reason) for r in removals] == [
        (0, "navigation", "page_aside"),
        (2, "navigation", "page_aside"),
    ]


def test_page_asides_stay_when_they_hold_all_the_prose():
    document = Document((Block(0, "Bus news", "line"), Block(1, BUS_PARAGRAPHS[0], "aside")))

    assert PageAsides().judge(document) == []


def test_a_text_dump_has_no_asides():
    assert PageAsides().judge(doc("Latest posts", BUS_PARAGRAPHS[0])) == []
