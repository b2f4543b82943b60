import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc

from cleaners import clean_html
from cleaners.rules.metadata import Bylines, DateLines, SourceLines, page_title, site_name


def single(removals):
    assert len(removals) == 1, removals
    r = removals[0]
    return r.reason, r.moves_to, r.value


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("by Jane Doe", "Jane Doe"),
        ("Written by Jane Doe | Published March 3, 2024", "Jane Doe"),
        ("Posted by Jane Doe", "Jane Doe"),
        ("By Jane Doe and John Roe", "Jane Doe and John Roe"),
        ("Von Hans Müller", "Hans Müller"),
        ("Autor: Hans Müller", "Hans Müller"),
        ("Par Marie Dupont", "Marie Dupont"),
    ],
)
def test_byline_moves_to_author(line, author):
    removals = Bylines().judge(doc(BUS_PARAGRAPHS[0], line, BUS_PARAGRAPHS[1]))

    assert single(removals) == ("byline", "author", author)
    assert removals[0].block.text == line
    assert removals[0].cleaner == "bylines"


@pytest.mark.parametrize(
    "line",
    [
        "By the end of the year the company had hired two hundred people in the south.",
        "By the river",
        "Written by the editorial team",
        "By then, nobody was listening.",
        "Apples and oranges for breakfast",
        *BUS_PARAGRAPHS,
    ],
)
def test_sentences_starting_with_by_are_not_bylines(line):
    assert Bylines().judge(doc(line)) == []


def test_name_for_publication_sign_off_after_the_text_moves_to_author():
    removals = Bylines().judge(doc(*BUS_PARAGRAPHS[:2], "Dr. Jane Doe for Example News"))

    assert single(removals) == ("byline", "author", "Dr. Jane Doe")


@pytest.mark.parametrize("heading", ["Ten Recipes for Summer", "A Guide for Beginners"])
def test_title_case_heading_with_for_is_not_a_byline(heading):
    assert Bylines().judge(doc(heading, *BUS_PARAGRAPHS[:2])) == []
    assert Bylines().judge(doc(BUS_PARAGRAPHS[0], heading, BUS_PARAGRAPHS[1])) == []


def test_byline_word_limit_is_configurable():
    line = "By Jane Doe"
    assert Bylines(max_words=3).judge(doc(line)) != []
    assert Bylines(max_words=2).judge(doc(line)) == []


@pytest.mark.parametrize(
    ("line", "reason", "site"),
    [
        ("Source: Example News", "source_line", "Example News"),
        ("Quelle: Beispiel Zeitung", "source_line", "Beispiel Zeitung"),
        ("Publication: Journal of Example Studies Volume: 12 Issue: 3", "publication_line",
         "Journal of Example Studies"),
        ("Published in: The Example Review", "publication_line", "The Example Review"),
    ],
)  # fmt: skip
def test_source_and_publication_lines_move_to_site(line, reason, site):
    removals = SourceLines().judge(doc(*BUS_PARAGRAPHS, line))

    assert single(removals) == (reason, "site", site)
    assert removals[0].block.text == line


@pytest.mark.parametrize(
    ("line", "author"),
    [
        (
            "source: Arianna Belluardo is a Junior Research Associate at LINKS Europe",
            "Arianna Belluardo",
        ),
        ("Quelle: Jana Novak ist eine Journalistin aus Prag", "Jana Novak"),
        ("Source: The data is a sample of four hundred households in the region", None),
    ],
)
def test_a_source_line_that_introduces_the_writer_gives_the_author(line, author):
    expected = ("source_line", "author", author) if author else ("source_line", None, None)

    assert single(SourceLines().judge(doc(line))) == expected


def test_long_source_line_goes_but_is_not_a_site():
    line = "Source: based on reporting by our correspondents in three cities and agency copy"

    assert single(SourceLines().judge(doc(line))) == ("source_line", None, None)


@pytest.mark.parametrize(
    "line",
    [
        "The main source of the river is a small lake high in the mountains, far to the north.",
        "Sources close to the mayor said the vote would be postponed.",
        "Source: " + "the figures come from a survey of farmers in the region " * 3,
    ],
)
def test_prose_about_sources_stays(line):
    assert SourceLines().judge(doc(line)) == []


@pytest.mark.parametrize("kwargs", [{"max_site_words": 0}, {"max_site_words": 30, "max_words": 20}])
def test_source_lines_rejects_invalid_settings(kwargs):
    with pytest.raises(ValueError):
        SourceLines(**kwargs)


def test_bylines_rejects_invalid_settings():
    with pytest.raises(ValueError):
        Bylines(max_words=1)


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("March 3, 2024", "March 3, 2024"),
        ("Published: March 3, 2024", "March 3, 2024"),
        ("2024-03-03", "2024-03-03"),
        ("3. März 2024", "3. März 2024"),
        ("Veröffentlicht am 3. März 2024", "3. März 2024"),
    ],
)
def test_date_line_moves_to_published(line, date):
    removals = DateLines().judge(doc(BUS_PARAGRAPHS[0], line))

    assert single(removals) == ("date_line", "published", date)
    assert removals[0].block.text == line
    assert removals[0].cleaner == "date_lines"


@pytest.mark.parametrize(
    "line",
    [
        "On March 3, 2024 the council voted to expand the network.",
        "12 May 1998 marked a turning point for the town.",
        "The next meeting is planned for the spring.",
        *BUS_PARAGRAPHS,
    ],
)
def test_sentences_with_dates_are_not_date_lines(line):
    assert DateLines().judge(doc(line)) == []


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("Example Times", "Example Times"),
        ("© 2000-2026 Newegg Inc.", "Newegg Inc."),
        (
            "Copyright UC Regents. For more information regarding the site, write to us.",
            "UC Regents",
        ),
        ("Copyright © 2024 Acme Corp. All rights reserved.", "Acme Corp"),
        ("(c) 2019 St. Louis Today", "St. Louis Today"),
        ("Copyright (c) 2003 by CrewingBizUa", "CrewingBizUa"),
        ("© Spox 2022", "Spox"),
        ("Yahoo! Sports", "Yahoo! Sports"),
        (
            "Zillow Blog - Real Estate Market Stats, Celebrity Real Estate",
            "Zillow Blog - Real Estate Market Stats, Celebrity Real Estate",
        ),
        ("Alle Rechte vorbehalten", None),
        ("Copyright © 2001-2009", None),
        ("Copyright (c) August 2012", None),
        ("  ", None),
        (None, None),
    ],
)
def test_a_site_is_a_name_not_a_copyright_line_or_a_sentence(value, name):
    assert site_name(value) == name


def bus_page(head: str, above_article: str = "") -> str:
    """An HTML page of the bus article with `head` inside its <head>."""
    paragraphs = "".join(f"<p>{p}</p>" for p in BUS_PARAGRAPHS)
    body = f"{above_article}<article>{paragraphs}</article>"
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_a_copyright_meta_tag_gives_the_site_its_name():
    page = bus_page('<title>Buses</title><meta name="copyright" content="© 2000-2026 Newegg Inc.">')

    assert clean_html(page).meta.site == "Newegg Inc."


@pytest.mark.parametrize(
    ("title", "evidence", "expected"),
    [
        (
            "Online Tuition and Financing | Liberty University",
            {"host": "www.liberty.edu"},
            "Online Tuition and Financing",
        ),
        (
            "Best Tax Preparation Software | Accounting.com",
            {"host": "www.accounting.com"},
            "Best Tax Preparation Software",
        ),
        (
            "Kremlin Minister Gets Fired | Danger Room | Wired.com",
            {"host": "www.wired.com"},
            "Kremlin Minister Gets Fired | Danger Room",
        ),
        (
            "Example Times - Council expands bus network",
            {"site": "Example Times"},
            "Council expands bus network",
        ),
        (
            "How To Book a Flight | It's All Trip To Me",
            {"headlines": ["How to book a flight"]},
            "How To Book a Flight",
        ),
        # The last part is the site's place: an <h1> holding it is the site's logo.
        (
            "Letting Bluetooth Shift Gears | IdeaFeed | Big Think",
            {"headlines": ["Big Think"]},
            "Letting Bluetooth Shift Gears | IdeaFeed | Big Think",
        ),
        (
            "Self-driving cars: a review - 2024",
            {"host": "example.com"},
            "Self-driving cars: a review - 2024",
        ),
        (
            "Tarkett flooring guide - How to lay it",
            {"host": "www.tarkett.com"},
            "Tarkett flooring guide - How to lay it",
        ),
        ("Council expands bus network", {"host": "example.com"}, "Council expands bus network"),
        ("  ", {}, None),
    ],
)
def test_a_title_leaves_the_site_name_that_title_tags_add(title, evidence, expected):
    assert page_title(title, **evidence) == expected


def test_an_html_page_title_has_no_site_suffix():
    page = bus_page(
        "<title>Council expands bus network | Example Times</title>",
        "<h1>Council expands bus network</h1>",
    )

    assert clean_html(page, url="https://example.com/bus").meta.title == (
        "Council expands bus network"
    )
