import ast
from pathlib import Path

import pytest

from cleaners.api import HTML_CLEANERS, TEXT_CLEANERS, clean_html, clean_text
from cleaners.reasons import REMOVAL_REASONS, is_known_removal, removal_explanation

CLEANERS = Path(__file__).parents[2] / "cleaners"
FIXTURES = Path(__file__).parents[2] / "fixtures"


def _string_literals() -> set[str]:
    found = set()
    for path in CLEANERS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def test_every_cleaner_and_reason_in_the_registry_is_one_the_cleaners_use():
    literals = _string_literals()
    names = {cleaner.name for cleaner in TEXT_CLEANERS + HTML_CLEANERS}

    assert names <= set(REMOVAL_REASONS)
    assert set(REMOVAL_REASONS) - names == {"extractor"}  # the HTML path's own removals
    for reasons in REMOVAL_REASONS.values():
        assert set(reasons) <= literals  # no name is kept that no cleaner gives


def test_the_removals_on_the_project_s_fixtures_are_all_in_the_registry():
    given = set()
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".txt", ".html"):
            text = path.read_text(encoding="utf-8", errors="replace")
            clean = clean_html if path.suffix == ".html" else clean_text
            given |= {(r.cleaner, r.reason) for r in clean(text).removed}

    assert given  # the fixtures do exercise the cleaners
    assert all(reason in REMOVAL_REASONS[cleaner] for cleaner, reason in given)


def test_every_reason_has_a_one_line_explanation_found_by_the_reason_alone():
    named = [reason for reasons in REMOVAL_REASONS.values() for reason in reasons]

    assert len(named) == len(set(named))  # the report counts and explains removals by reason
    for reasons in REMOVAL_REASONS.values():
        for reason, explanation in reasons.items():
            assert "\n" not in explanation and explanation.endswith("."), reason
            assert explanation[0].isupper(), reason
            assert removal_explanation(reason) == explanation
    assert removal_explanation("no_such_reason") is None


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("related_list", True),
        ("comments", True),
        ("comments/comment_post", True),
        ("tail/comment_post", False),  # a reason of another cleaner
        ("nonsense", False),
        ("", False),
    ],
)
def test_a_name_is_known_as_a_reason_a_cleaner_or_both(name, known):
    assert is_known_removal(name) is known
