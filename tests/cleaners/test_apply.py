import copy
import random
from dataclasses import dataclass

import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc, inquiry_paragraph

from cleaners.api import TEXT_CLEANERS
from cleaners.apply import apply, clean, judge_all
from cleaners.document import Block, Document, Meta, Removal
from cleaners.rules.captions import Captions
from cleaners.rules.head import TitleEcho
from cleaners.rules.metadata import Bylines, SourceLines
from cleaners.rules.tail import TailCut
from cleaners.rules.widgets import Widgets

TITLE = "Council expands bus network"

PAGE_LINES = (
    "Skip to content",
    "Home",
    "Local",
    "Home > Local > Transport",
    TITLE,
    "By Jane Doe",
    "March 3, 2024",
    "Share this article",
    BUS_PARAGRAPHS[0],
    "Commuters wait for the first bus on the new route (Photo: Jane Doe)",
    BUS_PARAGRAPHS[1],
    "Read more: Tram line delayed again",
    BUS_PARAGRAPHS[2],
    BUS_PARAGRAPHS[3],
    "Source: Example News",
    "Share this article",
    "Related articles",
    "Tram line delayed again",
    "Leave a Reply",
    "© 2024 Example Media. All rights reserved.",
)


def removed_indexes(cleaned):
    return {r.block.index for r in cleaned.removed}


def test_clean_page_keeps_the_article_and_fills_metadata():
    cleaned = clean(doc(*PAGE_LINES), TEXT_CLEANERS)

    assert cleaned.text == "\n\n".join(BUS_PARAGRAPHS)
    assert cleaned.meta.title == TITLE
    assert cleaned.meta.author == "Jane Doe"
    assert cleaned.meta.published == "March 3, 2024"
    assert cleaned.meta.site == "Example News"
    assert cleaned.meta.language == "en"


@pytest.mark.parametrize("seed", range(5))
def test_cleaner_order_does_not_change_the_result(seed):
    page = doc(*PAGE_LINES)
    shuffled = list(TEXT_CLEANERS)
    random.Random(seed).shuffle(shuffled)

    reference = clean(page, TEXT_CLEANERS)
    result = clean(page, tuple(shuffled))

    assert result.text == reference.text
    assert removed_indexes(result) == removed_indexes(reference)
    assert result.meta == reference.meta


def test_one_audit_entry_per_removed_block_in_page_order():
    page = doc(*PAGE_LINES)
    removals = judge_all(page, TEXT_CLEANERS)
    cleaned = apply(page, removals)

    indexes = [r.block.index for r in cleaned.removed]
    assert len(removals) > len(cleaned.removed)  # some blocks are claimed twice
    assert indexes == sorted(set(indexes))
    assert set(indexes) == {r.block.index for r in removals}


def test_kept_and_removed_blocks_partition_the_page():
    page = doc(*PAGE_LINES)
    cleaned = clean(page, TEXT_CLEANERS)

    kept = {b.index for b in cleaned.kept}
    assert kept.isdisjoint(removed_indexes(cleaned))
    assert kept | removed_indexes(cleaned) == {b.index for b in page.blocks}
    assert [b.index for b in cleaned.kept] == sorted(kept)


@pytest.mark.parametrize("order", [(Captions(), SourceLines()), (SourceLines(), Captions())])
def test_removal_that_moves_content_to_metadata_is_the_audited_one(order):
    page = doc(*BUS_PARAGRAPHS, "Source: Example News")

    cleaned = clean(page, order)

    assert len(cleaned.removed) == 1
    removal = cleaned.removed[0]
    assert (removal.cleaner, removal.reason, removal.moves_to) == (
        "source_lines",
        "source_line",
        "site",
    )
    assert cleaned.meta.site == "Example News"


def test_without_a_metadata_move_the_first_removal_given_is_audited():
    page = doc(*BUS_PARAGRAPHS, "Related articles", "Share this article")
    widgets_first = clean(page, (Widgets(), TailCut()))
    tail_first = clean(page, (TailCut(), Widgets()))

    assert [r.cleaner for r in widgets_first.removed] == ["tail", "widgets"]
    assert [r.cleaner for r in tail_first.removed] == ["tail", "tail"]
    assert widgets_first.text == tail_first.text == "\n\n".join(BUS_PARAGRAPHS)


def test_known_metadata_is_not_overwritten():
    page = doc("Example Times", TITLE, "By Jane Doe", *BUS_PARAGRAPHS)
    known = Document(page.blocks, Meta(title="Known title", author="Known Author"), page.origin)

    cleaned = clean(known, (TitleEcho(), Bylines()))

    assert cleaned.meta.title == "Known title"
    assert cleaned.meta.author == "Known Author"
    assert "By Jane Doe" not in cleaned.text


def test_removal_value_fills_only_empty_fields():
    block = Block(0, "Some title")
    page = Document((block, Block(1, BUS_PARAGRAPHS[0])), Meta(title="Known title"))
    removals = [
        Removal(block, "title", "title_echo", "title", "Other title"),
        Removal(block, "bylines", "byline", "author", "Jane Doe"),
    ]

    meta = apply(page, removals).meta

    assert (meta.title, meta.author) == ("Known title", "Jane Doe")


def test_first_value_in_page_order_wins_for_a_field():
    page = doc(TITLE, "By Jane Doe", *BUS_PARAGRAPHS, "By John Roe")
    removals = Bylines().judge(page)

    assert apply(page, removals).meta.author == "Jane Doe"
    assert apply(page, removals[::-1]).meta.author == "Jane Doe"


def test_a_value_from_an_earlier_pass_wins_over_one_earlier_in_the_page():
    page = doc("Kicker line", TITLE, *BUS_PARAGRAPHS)
    kicker, title = page.blocks[:2]
    first = [Removal(title, "title", "title_echo", "title", TITLE)]
    second = [Removal(kicker, "title", "title_echo", "title", "Kicker line")]

    assert apply(page, first, second).meta.title == TITLE
    assert apply(page, first + second).meta.title == "Kicker line"


def test_text_is_kept_blocks_stripped_and_joined_by_a_blank_line():
    blocks = (Block(0, "  First kept.  "), Block(1, "Removed."), Block(2, "Second kept.\n"))
    page = Document(blocks)

    cleaned = apply(page, [Removal(blocks[1], "test", "test_reason")])

    assert cleaned.text == "First kept.\n\nSecond kept."
    assert cleaned.kept == (blocks[0], blocks[2])


def test_judge_all_is_a_dry_run():
    page = doc(*PAGE_LINES)
    before = copy.deepcopy(page)

    removals = judge_all(page, TEXT_CLEANERS)

    assert removals
    assert page == before
    assert judge_all(page, TEXT_CLEANERS) == removals


def test_language_is_identified_from_the_kept_text_and_declared_only_for_short_text():
    page = doc(*BUS_PARAGRAPHS)
    declared = Document(page.blocks, Meta(language="de"), page.origin)
    short = doc("Fahrplan ab Montag")
    short_declared = Document(short.blocks, Meta(language="de"), short.origin)

    assert clean(page, ()).meta.language == "en"
    assert clean(declared, ()).meta.language == "en"  # the text says otherwise
    assert clean(short, ()).meta.language is None
    assert clean(short_declared, ()).meta.language == "de"


def test_empty_document_gives_empty_text_and_no_language():
    cleaned = clean(doc(), TEXT_CLEANERS)

    assert (cleaned.text, cleaned.kept, cleaned.removed) == ("", (), ())
    assert cleaned.meta.language is None


@dataclass(frozen=True)
class LastOfLongPages:
    """A toy rule that judges a block against its page: the last block of a page of more
    than two blocks goes."""

    name: str = "toy"

    def judge(self, doc: Document) -> list[Removal]:
        return [Removal(doc.blocks[-1], self.name, "last_block")] if len(doc.blocks) > 2 else []


def test_cleaners_judge_what_is_left_again_until_nothing_more_goes():
    page = doc("First.", "Second.", "Third.", "Fourth.", "Fifth.")

    cleaned = clean(page, (LastOfLongPages(),))

    assert cleaned.text == "First.\n\nSecond."
    assert [(r.block.text, r.cleaner, r.reason, r.at) for r in cleaned.removed] == [
        (text, "toy", "last_block", 2) for text in ("Third.", "Fourth.", "Fifth.")
    ]


def test_a_marker_that_ends_the_article_once_the_rest_is_gone_cuts_too():
    """On the whole page, prose after "Related articles" keeps the first "Leave a Reply"
    from ending the article (under a quarter of the prose is above it); once the cut at
    "Related articles" has removed that prose, it does."""
    paragraphs = [inquiry_paragraph(n) for n in range(14)]
    page = doc(
        *paragraphs[:3], "Leave a Reply", *paragraphs[3:10], "Related articles", *paragraphs[10:]
    )

    cleaned = clean(page, (TailCut(),))

    assert cleaned.text == "\n\n".join(paragraphs[:3])
    markers = [r.block.text for r in cleaned.removed if r.reason == "tail_marker"]
    assert markers == ["Leave a Reply", "Related articles"]
