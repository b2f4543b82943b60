import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc

from cleaners.document import Block, Document, Meta
from cleaners.rules.repeats import RepeatedBlocks


def test_later_repeats_go_and_the_first_occurrence_stays():
    page = doc("Tram line delayed again", *BUS_PARAGRAPHS, "Tram line delayed again")

    removals = RepeatedBlocks().judge(page)

    assert [(r.block.index, r.reason, r.cleaner) for r in removals] == [
        (len(page.blocks) - 1, "repeated_block", "repeats")
    ]


def test_repeats_are_compared_after_normalising_case_space_and_end_punctuation():
    lines = (BUS_PARAGRAPHS[0], "Tram line delayed again", "TRAM \t line delayed again!")
    # built by hand: text_document already makes runs of whitespace one space
    page = Document(tuple(Block(i, line, "line") for i, line in enumerate(lines)), Meta())

    assert [r.block.text for r in RepeatedBlocks().judge(page)] == [lines[2]]


def test_every_later_repeat_goes():
    page = doc("Subscribe", BUS_PARAGRAPHS[0], "Subscribe", BUS_PARAGRAPHS[1], "Subscribe")

    assert [r.block.index for r in RepeatedBlocks().judge(page)] == [2, 4]


def test_distinct_blocks_all_stay():
    assert RepeatedBlocks().judge(doc(*BUS_PARAGRAPHS)) == []


def test_punctuation_only_separators_are_not_repeats():
    page = doc(BUS_PARAGRAPHS[0], "* * *", BUS_PARAGRAPHS[1], "* * *", BUS_PARAGRAPHS[2])

    assert RepeatedBlocks().judge(page) == []


def test_min_chars_spares_short_repeats():
    page = doc("Q:", BUS_PARAGRAPHS[0], "Q:", BUS_PARAGRAPHS[1])

    assert len(RepeatedBlocks().judge(page)) == 1
    assert RepeatedBlocks(min_chars=3).judge(page) == []


def test_repeated_blocks_rejects_invalid_settings():
    with pytest.raises(ValueError):
        RepeatedBlocks(min_chars=0)
