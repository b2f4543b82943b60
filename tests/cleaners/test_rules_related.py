import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc, reason_by_text, removed_texts

from cleaners.api import clean_text
from cleaners.document import Block, Document
from cleaners.rules.related import RelatedLists, is_related_heading

HEADLINES = (
    "Tram line delayed again after signal fault",
    "New cycle lanes open along the river",
    "Council publishes ridership figures for the first quarter",
)


@pytest.mark.parametrize(
    "heading",
    ["Related posts", "Most popular", "Blog Archive", "Older Post Home", "Articoli recenti"],
)
def test_a_box_heading_and_its_headlines_go_wherever_they_stand(heading):
    sidebar_first = RelatedLists().judge(doc(heading, *HEADLINES, *BUS_PARAGRAPHS))
    between = RelatedLists().judge(doc(*BUS_PARAGRAPHS[:2], heading, *HEADLINES, BUS_PARAGRAPHS[2]))

    for removals in (sidebar_first, between):
        assert removed_texts(removals) == [heading, *HEADLINES]
        assert {(r.cleaner, r.reason) for r in removals} == {("related", "related_list")}


def test_the_list_ends_at_prose_at_a_comment_line_and_at_the_next_box():
    removals = RelatedLists().judge(doc("Related posts", *HEADLINES[:2], *BUS_PARAGRAPHS))
    assert removed_texts(removals) == ["Related posts", *HEADLINES[:2]]

    thread = Document(
        (
            Block(0, BUS_PARAGRAPHS[0], "paragraph"),
            Block(1, "Related posts", "line"),
            Block(2, HEADLINES[0], "line"),
            Block(3, HEADLINES[1], "line"),
            Block(4, "Anna says: great news for the northern suburbs", "post"),
        )
    )
    assert removed_texts(RelatedLists().judge(thread)) == ["Related posts", *HEADLINES[:2]]

    boxes = ("Recent posts", *HEADLINES[:2], "Archives", "May 2024", "April 2024")
    two_boxes = RelatedLists().judge(doc(BUS_PARAGRAPHS[0], *boxes))
    assert removed_texts(two_boxes) == list(boxes)
    one_short_box = RelatedLists().judge(
        doc(BUS_PARAGRAPHS[0], "Recent posts", HEADLINES[0], *boxes[3:])
    )
    assert removed_texts(one_short_box) == list(boxes[3:])  # a heading is no item of a list


def test_a_page_without_prose_keeps_its_list():
    assert RelatedLists().judge(doc("Popular posts", *HEADLINES)) == []


def test_a_heading_over_less_than_a_list_stays():
    lone = RelatedLists().judge(
        doc(*BUS_PARAGRAPHS[:2], "Related", HEADLINES[0], BUS_PARAGRAPHS[2])
    )
    over_prose = RelatedLists().judge(doc("About me", *BUS_PARAGRAPHS))

    assert lone == []
    assert over_prose == []


def test_menu_words_that_can_head_a_page_s_own_content_are_no_box_heading():
    shop = ["Categories", *(f"Headphones model {n} - closed-back, 80 ohm" for n in range(8))]

    assert not is_related_heading("Categories")
    assert RelatedLists().judge(doc(*shop)) == []
    assert not is_related_heading("Related articles about the council's long-running plan")


def test_a_sidebar_box_above_a_short_article_is_gone_from_the_clean_text():
    page = "\n".join(("Popular posts", *HEADLINES, *BUS_PARAGRAPHS))

    cleaned = clean_text(page)

    assert cleaned.text == "\n\n".join(BUS_PARAGRAPHS)
    assert reason_by_text(list(cleaned.removed))["Popular posts"] == "related_list"


@pytest.mark.parametrize("kwargs", [{"headline_max_words": 0}, {"min_items": 0}])
def test_invalid_settings_are_rejected(kwargs):
    with pytest.raises(ValueError):
        RelatedLists(**kwargs)


def test_a_box_in_a_sidebar_ends_where_the_sidebar_does():
    sidebar = [Block(0, "Recent posts", "aside")] + [
        Block(n + 1, line, "aside") for n, line in enumerate(HEADLINES)
    ]
    post = ("A walk", "Photo: dawn", BUS_PARAGRAPHS[0])
    photo_post = [Block(4 + n, line, "line") for n, line in enumerate(post)]

    removals = RelatedLists().judge(Document(tuple(sidebar + photo_post)))

    assert removed_texts(removals) == ["Recent posts", *HEADLINES]
