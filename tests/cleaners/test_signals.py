import pytest
from cleaner_samples import BUS_PARAGRAPHS, FRENCH, GERMAN

from cleaners.patterns import normalise
from cleaners.signals import (
    guess_language,
    identify_language,
    is_prose,
    word_count,
)


@pytest.mark.parametrize(
    ("text", "language"), [(" ".join(BUS_PARAGRAPHS), "en"), (GERMAN, "de"), (FRENCH, "fr")]
)
def test_guess_language(text, language):
    assert guess_language(text) == language


@pytest.mark.parametrize("text", ["", "Home Menu Contact", "12345 67890", "Bus Tram Fahrrad"])
def test_guess_language_says_none_without_evidence(text):
    assert guess_language(text) is None


def test_prose_needs_enough_words_and_a_sentence_ending_or_length():
    assert is_prose(BUS_PARAGRAPHS[0])
    assert not is_prose("Council expands bus network.")
    assert not is_prose("the council voted on tuesday to expand the bus network with six routes")
    assert is_prose(("the council voted on tuesday to expand the bus network " * 3).strip())


def test_word_count_counts_words_not_punctuation():
    assert word_count("Hello, world — it's 2024!") == 5


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("  Related   Articles: ", "related articles"),
        ("— Leave a Reply —", "leave a reply"),
        ("Editor’s Picks", "editor's picks"),
        ("Lesen\u00a0Sie auch", "lesen sie auch"),
        ("__(1) Intro_", "1) intro"),
        ("\t«Ñandú»\u2003", "ñandú"),
        ("?!", ""),
    ],
)
def test_normalise_folds_case_space_apostrophes_and_edge_punctuation(line, key):
    assert normalise(line) == key


@pytest.mark.parametrize(
    ("text", "language"), [(" ".join(BUS_PARAGRAPHS), "en"), (GERMAN, "de"), (FRENCH, "fr")]
)
def test_identify_language_gives_iso_639_1_codes(text, language):
    assert identify_language(text) == language


@pytest.mark.parametrize("text", ["", "Home | News | Contact", "12345 67890 12345"])
def test_identify_language_abstains_on_too_little_text(text):
    assert identify_language(text) is None
