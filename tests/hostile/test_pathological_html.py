"""Pages built to be slow or huge: each ends as a record or a specific reject in bounded time."""

import time

import pytest
from hostile_corpus import PARAGRAPHS, article

PARAGRAPH = f"<p>{PARAGRAPHS[0]}</p>"


def big_page() -> str:
    """About 50 MB of article paragraphs."""
    return article(PARAGRAPH * 320_000)


def timed(run_hostile, **options):
    started = time.monotonic()
    outcome = run_hostile(**options)
    return outcome, time.monotonic() - started


def write(tmp_path, name: str, text: str) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_text(text)


def test_a_50_mb_page_is_too_large_for_the_default_limit(tmp_path, run_hostile):
    write(tmp_path, "big.html", big_page())
    assert (tmp_path / "in" / "big.html").stat().st_size > 50_000_000
    outcome, seconds = timed(run_hostile)
    assert outcome.by_source() == {"big.html": ["page_too_large"]}
    assert seconds < 5


def test_a_50_mb_page_under_a_larger_limit_is_refused_for_its_elements(tmp_path, run_hostile):
    write(tmp_path, "big.html", big_page())
    outcome, seconds = timed(run_hostile, max_page_bytes=60_000_000, max_page_seconds=1.0)
    assert outcome.by_source()["big.html"] == ["too_many_elements"]
    assert seconds < 15


CASES = {
    # name: (page, expected outcomes, max_page_bytes)
    "nested-100k.html": (
        "<html><body>" + "<div>" * 100_000 + PARAGRAPH + "</div>" * 100_000 + "</body></html>",
        {"too_many_elements"},
        10_000_000,
    ),
    "unclosed-100k.html": (
        "<html><body>" + "<table><tr><td><span>" * 25_000 + PARAGRAPH + "</body></html>",
        {"too_many_elements"},
        10_000_000,
    ),
    "million-attributes.html": (
        article().replace(
            "<article>", "<article " + " ".join(f"a{n}=x" for n in range(1_000_000)) + ">"
        ),
        {"too_many_attributes"},
        20_000_000,
    ),
    "attributes-above-limit.html": (
        article().replace(
            "<article>", "<article " + " ".join(f'data-{n}="x"' for n in range(1500)) + ">"
        ),
        {"too_many_attributes"},
        10_000_000,
    ),
    # Long quoted values (an inline SVG path) are not attributes: the page is kept.
    "long-svg-path.html": (
        article().replace(
            "</article>", '<svg><path d="' + "M 1 2 L 3 4 " * 50_000 + '"/></svg></article>'
        ),
        {"record"},
        10_000_000,
    ),
    "huge-script.html": (
        article().replace(
            "</body>", "<script>" + "var x = '<p>'+1;\n" * 500_000 + "</script></body>"
        ),
        {"record"},
        10_000_000,
    ),
    "one-long-line.txt": ("word " * 1_000_000, {"record"}, 10_000_000),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pathological_page_ends_as_a_record_or_specific_reject_in_bounded_time(
    tmp_path, run_hostile, name
):
    page, expected, max_page_bytes = CASES[name]
    write(tmp_path, name, page)
    outcome, seconds = timed(run_hostile, max_page_bytes=max_page_bytes, max_page_seconds=3.0)
    [outcomes] = outcome.by_source().values()
    assert len(outcomes) == 1 and outcomes[0] in expected
    assert seconds < 10
