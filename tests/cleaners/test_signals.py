import pytest
from cleaner_samples import BUS_PARAGRAPHS, FRENCH, GERMAN

from cleaners.patterns import normalise
from cleaners.signals import (
    LANGUAGE_SAMPLE_CHARS,
    guess_language,
    guess_paragraphs_language,
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
    "paragraphs",
    [
        [],
        list(BUS_PARAGRAPHS),
        [GERMAN, FRENCH, FRENCH],
        ["ΟΔΟΣ", "ΟΔΟΣ ΚΑΙ", "İstanbul"],
        # French up to near the sample's end, then much more English: only the sample
        # counts (French), and it ends inside the first English paragraph.
        [FRENCH] * (LANGUAGE_SAMPLE_CHARS // (len(FRENCH) + 2)) + [" ".join(BUS_PARAGRAPHS)] * 40,
    ],
)
def test_paragraphs_language_is_the_joined_texts(paragraphs):
    joined = "\n\n".join(paragraphs)
    assert guess_paragraphs_language(paragraphs) == guess_language(joined)
    assert guess_paragraphs_language(paragraphs, min_hits=1) == guess_language(joined, min_hits=1)
