import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc, inquiry_paragraph, reason_by_text, removed_texts

from cleaners.patterns import TEASER_PREFIXES
from cleaners.rules.tail import InlineTeasers, TailCut, is_tail_marker, is_teaser_heading

TAIL = ("Tram line delayed again", "New cycle lanes open along the river")

MULTILINGUAL_MARKERS = (
    "Related articles",
    "Leave a Reply",
    "12 comments",
    "3 thoughts on “Council expands bus network”",
    "Lesen Sie auch",
    "À lire aussi",
    "Noticias relacionadas",
    "Leggi anche",
    "Czytaj także",
    "Читайте также",
    "Kommentare",
    "You may also like:",
    "Newer Post Older Post Home",
)


@pytest.mark.parametrize("marker", MULTILINGUAL_MARKERS)
def test_marker_after_the_article_cuts_the_rest_of_the_page(marker):
    page = doc(*BUS_PARAGRAPHS, marker, *TAIL)

    removals = TailCut().judge(page)

    assert reason_by_text(removals) == {
        marker: "tail_marker",
        TAIL[0]: "after_tail_marker",
        TAIL[1]: "after_tail_marker",
    }
    assert all(r.cleaner == "tail" and r.moves_to is None for r in removals)


@pytest.mark.parametrize("marker", MULTILINGUAL_MARKERS)
def test_multilingual_markers_are_recognised(marker):
    assert is_tail_marker(marker) or is_teaser_heading(marker)


@pytest.mark.parametrize("heading", ["Lesen Sie auch", "À lire aussi", "More on the election"])
def test_read_also_heading_mid_article_is_a_teaser_not_the_end(heading):
    headline = "Tram line delayed again after a signal failure"
    page = doc(*BUS_PARAGRAPHS[:2], heading, headline, *BUS_PARAGRAPHS[2:])

    assert TailCut().judge(page) == []
    assert reason_by_text(InlineTeasers().judge(page)) == {
        heading: "read_more_teaser",
        headline: "read_more_teaser",
    }


@pytest.mark.parametrize(
    "line",
    [
        "Related research has shown that the effect is much smaller in colder climates.",
        "The comments made by the minister on Monday drew criticism from the unions.",
        "Comments from readers poured in after the story was published last week.",
        "Leave a reply in the box below if you have seen the missing cat anywhere.",
        "Tram line delayed again",
    ],
)
def test_sentences_mentioning_marker_words_do_not_cut(line):
    page = doc(*BUS_PARAGRAPHS, line, *TAIL)

    assert not is_tail_marker(line)
    assert TailCut().judge(page) == []


def test_marker_near_the_top_does_not_cut():
    page = doc(BUS_PARAGRAPHS[0], "Most read", *BUS_PARAGRAPHS[1:])

    assert TailCut().judge(page) == []


def test_marker_above_all_prose_does_not_cut():
    page = doc("Trending", "Recommended", *BUS_PARAGRAPHS)

    assert TailCut().judge(page) == []


def test_marker_with_most_of_the_article_still_below_does_not_cut():
    """Enough prose words above the marker, but only a small share of the page's prose."""
    above = [inquiry_paragraph(n) for n in range(3)]
    below = [inquiry_paragraph(n) for n in range(3, 15)]
    page = doc(*above, "Related articles", *below)

    assert TailCut().judge(page) == []
    assert len(TailCut(min_share_before=0.1).judge(page)) == 1 + len(below)


def test_min_words_before_is_configurable():
    page = doc(BUS_PARAGRAPHS[0], "Related articles", *TAIL)

    assert TailCut().judge(page) == []
    assert removed_texts(TailCut(min_words_before=20).judge(page)) == ["Related articles", *TAIL]


def test_repeated_paragraphs_do_not_count_towards_the_guard():
    """A paragraph repeated (a sticky teaser) is not more article above the marker."""
    page = doc(BUS_PARAGRAPHS[0], BUS_PARAGRAPHS[0], BUS_PARAGRAPHS[0], "Related articles", *TAIL)

    assert TailCut().judge(page) == []


def test_cut_happens_at_the_first_guarded_marker_only():
    page = doc(*BUS_PARAGRAPHS, "Related articles", *TAIL, "Leave a Reply", "Your name")

    reasons = reason_by_text(TailCut().judge(page))

    assert reasons["Related articles"] == "tail_marker"
    assert reasons["Leave a Reply"] == "after_tail_marker"
    assert reasons["Your name"] == "after_tail_marker"
    assert not set(BUS_PARAGRAPHS) & set(reasons)


def test_long_line_starting_like_a_marker_is_not_one():
    assert not is_tail_marker("Related articles " + "about buses and trams in the city " * 2)


@pytest.mark.parametrize(
    "kwargs", [{"min_share_before": 2}, {"min_share_before": -0.1}, {"min_words_before": -1}]
)
def test_tail_cut_rejects_invalid_settings(kwargs):
    with pytest.raises(ValueError):
        TailCut(**kwargs)


def test_read_more_teaser_in_the_middle_goes_alone():
    teaser = "Read more: Tram line delayed again"
    page = doc(*BUS_PARAGRAPHS[:2], teaser, *BUS_PARAGRAPHS[2:])

    removals = InlineTeasers().judge(page)

    assert reason_by_text(removals) == {teaser: "read_more_teaser"}
    assert removals[0].cleaner == "teasers"
    assert TailCut().judge(page) == []


@pytest.mark.parametrize(
    "teaser",
    [
        "READ MORE: Tram line delayed again",
        "See also: New cycle lanes open",
        "Lesen Sie auch: Die Straßenbahn kommt später",
        "À lire aussi: Le tramway prend du retard",
        "Leggi anche: Il tram arriva in ritardo",
        "Czytaj także: Tramwaj znów opóźniony",
        "Lea también: El tranvía vuelve a retrasarse",
        "LE PUEDE INTERESAR: El tranvía vuelve a retrasarse",
        "VEA TAMBIÉN: El tranvía vuelve a retrasarse",
        "MIRA: El tranvía vuelve a retrasarse",
        "Auch lesen: Die Straßenbahn kommt später",
        "Dowiedz się więcej: Tramwaj znów opóźniony",
        "À lire aussi » Le tramway prend du retard",
        "LIRE AUSSI >> Le tramway prend du retard",
    ],
)
def test_teaser_prefixes_in_several_languages(teaser):
    assert removed_texts(InlineTeasers().judge(doc(teaser))) == [teaser]


def test_french_teaser_with_space_before_colon():
    teaser = "À lire aussi\u00a0: Le tramway prend du retard"
    # the no-break space is a space by the time the rule sees the line
    assert removed_texts(InlineTeasers().judge(doc(teaser))) == [teaser.replace("\u00a0", " ")]


@pytest.mark.parametrize(
    "line",
    [
        "Read more about the plan in the council's report, the spokeswoman said.",
        "Read more: " + "the council published a long report on the future of the network " * 3,
    ],
)
def test_prose_and_long_lines_are_not_teasers(line):
    assert InlineTeasers().judge(doc(line)) == []


def test_teaser_word_limit_is_configurable():
    teaser = "Read more: Tram line delayed again after a signal failure"
    assert InlineTeasers().judge(doc(teaser)) != []
    assert InlineTeasers(max_words=5).judge(doc(teaser)) == []


def test_inline_teasers_rejects_invalid_settings():
    with pytest.raises(ValueError):
        InlineTeasers(max_words=0)


def test_marker_in_a_menu_above_the_article_does_not_cut():
    def teaser(topic: str) -> str:
        return (
            f"Our researchers work across three campuses on questions of {topic}, and they "
            "publish their findings widely in journals and reports."
        )

    section = [f"Menu entry {n}" for n in range(12)]
    mega_menu = [
        *section,
        teaser("coastal ecology"),
        *section,
        teaser("fisheries"),
        *section,
        teaser("climate"),
        *section,
        teaser("water quality"),
        "Top stories",
        *section,
    ]
    page = doc(*mega_menu, *[inquiry_paragraph(n) for n in range(6)])

    assert TailCut().judge(page) == []


@pytest.mark.parametrize(
    "line",
    [
        "Mira cómo el tranvía cruza la ciudad cada mañana a las seis.",
        "Lea Müller leitet seit 2019 das Verkehrsamt der Stadt.",
        "Auch lesen lernen die Kinder in der ersten Klasse.",
    ],
)
def test_prose_starting_with_teaser_words_is_not_a_teaser(line):
    assert InlineTeasers().judge(doc(line)) == []


@pytest.mark.parametrize(
    "heading",
    [
        "Weitere aktuelle Themen aus der Arbeitswelt",
        "More articles from Jane Doe",
        "Top-Themen bei Example",
        "Más sobre La Tercera",
        "Mehr zum Thema auf example.de",
        "Schon gelesen?",
        "Zum Weiterlesen:",
        "Weitere Informationen:",
    ],
)
def test_related_box_headings_are_teaser_headings(heading):
    assert is_teaser_heading(heading)
    page = doc(*BUS_PARAGRAPHS, heading, *TAIL)
    assert removed_texts(TailCut().judge(page)) == [heading, *TAIL]


@pytest.mark.parametrize(
    "line",
    [
        "More stories like this one are told by the drivers every day on the night buses.",
        "Weitere Themen der Sitzung waren der Haushalt und die neue Buslinie.",
        "Top-Manager der Verkehrsbetriebe treten zurück",
    ],
)
def test_prose_and_plain_markers_are_not_box_teaser_headings(line):
    assert not is_teaser_heading(line)


@pytest.mark.parametrize(
    "marker", ["Kontakt:", "Pressekontakt", "Quellenangaben:", "Media contact"]
)
def test_contact_and_sources_trailers_end_the_article(marker):
    contact = "Dr. Jane Doe, Example Institute, E-Mail: jane@example.org"
    page = doc(*BUS_PARAGRAPHS, marker, contact)

    assert reason_by_text(TailCut().judge(page)) == {
        marker: "tail_marker",
        contact: "after_tail_marker",
    }


def test_further_information_heading_mid_article_keeps_the_prose_below():
    page = doc(*BUS_PARAGRAPHS[:2], "Weitere Informationen", *BUS_PARAGRAPHS[2:])

    assert TailCut().judge(page) == []
    assert removed_texts(InlineTeasers().judge(page)) == ["Weitere Informationen"]


def test_teaser_prefixes_have_no_separator_before_their_colon():
    """`is_teaser_line` rules lines out by their opening before folding separators to ":";
    that is exact only while no prefix holds a separator ahead of its colon."""
    for prefix in TEASER_PREFIXES:
        assert prefix.endswith(":")
        assert not any(separator in prefix[:-1] for separator in (":", "»", ">", "|"))


@pytest.mark.parametrize(
    "marker",
    [
        "Customer reviews",
        "Ratings & Reviews",
        "Customer reviews (76)",
        "1,935 reviews",
        "Reviews for this item (76)",
        "4.6 out of 5 stars. 1664 reviews",
        "Rated 5 out of 5",
        "2 out of 2 people found this helpful",
        "Verified Purchase",
        "Kundenbewertungen",
    ],
)
def test_customer_reviews_end_a_product_page(marker):
    review = "Sturdy and easy to assemble, but the shelves are thinner than my old one."
    page = doc(*BUS_PARAGRAPHS, marker, review)

    assert reason_by_text(TailCut().judge(page)) == {
        marker: "tail_marker",
        review: "after_tail_marker",
    }


def test_customer_reviews_longer_than_the_description_still_end_it():
    reviews = [f"Review {n}: " + BUS_PARAGRAPHS[n % len(BUS_PARAGRAPHS)] for n in range(20)]
    page = doc(*BUS_PARAGRAPHS, "Customer reviews", *reviews)

    removals = TailCut().judge(page)

    assert removed_texts(removals) == ["Customer reviews", *reviews]
    assert TailCut().judge(doc(*BUS_PARAGRAPHS, "Related articles", *reviews)) == []


@pytest.mark.parametrize(
    "line",
    [
        "Reviews",
        "Reviews (3)",
        "Customer reviews praised the new timetable, and ridership rose by a tenth.",
        "Rated 5 out of 5 by the city's cycling club, the new lanes are a success.",
    ],
)
def test_a_reviews_tab_or_a_sentence_about_reviews_does_not_cut(line):
    """A bare "Reviews" is often a tab above a product's description, not its end."""
    page = doc(*BUS_PARAGRAPHS[:2], line, *BUS_PARAGRAPHS[2:], *TAIL)

    assert TailCut().judge(page) == []
