import re

import pytest
from cleaner_samples import BUS_PARAGRAPHS, FRENCH, GERMAN

from cleaners import patterns
from cleaners.cues import CuedPattern, literal_cues
from cleaners.rules import navigation, widgets


@pytest.mark.parametrize(
    ("pattern", "cues"),
    [
        (r"\ball rights reserved\b", {"all rights reserved"}),
        (r"\b(do not|don't) necessarily (reflect|represent)", {" necessarily "}),
        (r"\b(?:newsletter|subscribe)\b", {"newsletter", "subscribe"}),
        (r"\s+[/|]\s+", {"/", "|"}),
        (r"(?:ab)+c?", {"ab"}),
    ],
)
def test_cues_are_literals_every_match_contains(pattern, cues):
    assert literal_cues(re.compile(pattern)) == cues


@pytest.mark.parametrize(
    "pattern",
    [r"\w+", r"(?:news)?letter|\d+", r"(?:ab)*", r"[^/|]\d", r"(?i:share) this|\d"],
)
def test_no_cues_when_some_match_needs_no_literal(pattern):
    assert literal_cues(re.compile(pattern)) is None


def test_ignoring_case_keeps_only_characters_that_lowercase_to_themselves():
    # "İ" matches i and "ſ" matches s when ignoring case, so neither letter can be a cue.
    assert literal_cues(re.compile(r"\ball rights\b", re.IGNORECASE)) == {"all r"}
    assert literal_cues(re.compile(r"^© X", re.IGNORECASE)) == {"© x"}
    cued = CuedPattern(re.compile(r"all rights", re.IGNORECASE))
    assert cued.search("ALL RİGHTS") and cued.search("All rights")


SAMPLE_LINES = (
    *BUS_PARAGRAPHS,
    GERMAN,
    FRENCH,
    "© 2024 Example News. All rights reserved.",
    "(C) Example GmbH – Alle Rechte vorbehalten",
    "Home > News > Local",
    "Startseite » Politik",
    "either / or",
    "Sign up for our newsletter to never miss a story",
    "The views expressed here do not necessarily reflect those of the editors",
    "This post contains affiliate links.",
    "Follow Jane Doe on Twitter",
    "Unterstützen Sie unsere Arbeit",
    "Síguenos en Instagram",
    "Source: Example News",
    "Tous droits réservés",
    "",
)


@pytest.mark.parametrize(
    "pattern",
    [
        widgets._DISCLAIMER,
        widgets._APPEAL,
        widgets._COPYRIGHT,
        navigation._SEPARATORS,
        CuedPattern(patterns.SOURCE_LINE),
        CuedPattern(patterns.AGENCY_CREDIT),
    ],
)
def test_cued_patterns_answer_like_their_regex(pattern):
    for line in SAMPLE_LINES:
        for text in (line, patterns.normalise(line)):
            expected = pattern.pattern.search(text)
            found = pattern.search(text)
            assert (found and found.span()) == (expected and expected.span())
            assert pattern.split(text) == pattern.pattern.split(text)
            assert bool(pattern.match(text)) == bool(pattern.pattern.match(text))


def test_cues_let_the_phrase_patterns_skip_plain_prose():
    assert not any(widgets._DISCLAIMER.may_match(p) for p in BUS_PARAGRAPHS)
    assert not navigation._SEPARATORS.may_match(BUS_PARAGRAPHS[0])
