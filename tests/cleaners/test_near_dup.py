"""Exact and near-duplicate detection: what counts as the same page, who is first, persistence."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from cleaners import clean_text, near_dup
from cleaners.near_dup import (
    NUM_PERM,
    THRESHOLD,
    Match,
    NearDupIndex,
    Signature,
    content_hash,
    signature,
    signature_and_hash,
)

# ../shared (the seeds, the dev data) sits beside the checkout on CI, not in the project.
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

HARBOUR = (
    "The harbour authority confirmed on Monday that the old ferry terminal will close at the "
    "end of the summer, after more than forty years of service to the islands.",
    "Engineers found that the concrete piles under the waiting hall had been weakened by salt "
    "water, and that repairing them would cost more than building a new terminal further east.",
    "The new building, designed by a local architecture firm, will have room for two ferries "
    "at once, a covered bicycle park and a small market for fishermen selling their catch.",
    "Island residents have long complained about the crowded hall, where passengers often wait "
    "outside in the rain because the benches fill up an hour before every departure.",
    "During the construction period, ferries will dock at the cargo quay, and a shuttle bus "
    "will carry foot passengers from the railway station to the temporary gangway.",
    "The authority expects the work to take eighteen months; the first sailing from the new "
    "terminal is planned for the spring of the year after next, weather permitting.",
    "A public exhibition of the plans opens next week in the library, and the architects will "
    "answer questions there every Thursday evening until the end of the month.",
    "Shop owners near the old terminal fear they will lose customers while the ferries are "
    "away, and the chamber of commerce has asked the council for a temporary rent reduction.",
)
"""An invented article of eight paragraphs, about 250 words."""

HARBOUR_OTHER_ARTICLE = (
    "Ferry passengers to the islands face a summer of changes as the harbour authority moves "
    "sailings away from the ageing terminal, which has served the route for four decades.",
    "Fishermen at the quay said the harbour has changed a great deal since the terminal first "
    "opened, when the ferries were smaller and most islanders travelled only a few times a year.",
    "The council's transport committee will discuss the temporary arrangements on Thursday, "
    "including extra buses between the station and the cargo quay on busy weekends.",
    "Some islanders welcome a new terminal but worry about fares, which rose twice last year, "
    "and ask whether the authority will pass the building costs on to passengers.",
    "The ferry operator said timetables would not change during the work, although crossings "
    "might take a few minutes longer because of the narrow approach to the cargo quay.",
    "Local historians have asked that the terminal's tiled mural of the islands, painted in the "
    "year it opened, be saved and shown in the new building.",
)
"""A different invented article on the same topic, with the same names and places."""


def page(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


def with_other_chrome_and_one_edit(paragraphs: tuple[str, ...]) -> str:
    edited = list(paragraphs)
    edited[3] = (
        "Island residents have complained for years about the crowded waiting hall, where "
        "travellers stand outside in the rain because every bench is taken long before sailing."
    )
    return page(
        "Coastal Courier | News | Islands | Weather",
        "By our harbour correspondent, updated 14:05",
        *edited,
        "Share on Facebook · Share by email · Print",
        "© 2025 Coastal Courier. All rights reserved. Privacy · Terms",
    )


def sig_and_hash(text: str) -> tuple[Signature, str]:
    return signature(text), content_hash(text)


def observe(index: NearDupIndex, doc_id: str, text: str) -> Match | None:
    return index.observe(doc_id, *sig_and_hash(text))


def test_the_same_page_with_another_header_footer_and_an_edited_paragraph_is_a_near_duplicate():
    index = NearDupIndex()
    assert observe(index, "original", page(*HARBOUR)) is None

    match = observe(index, "republished", with_other_chrome_and_one_edit(HARBOUR))

    assert match is not None
    assert (match.dup_of, match.kind) == ("original", "near")
    assert THRESHOLD <= match.score < 1.0


def test_two_different_articles_on_the_same_topic_are_not_duplicates():
    index = NearDupIndex()
    observe(index, "terminal_closes", page(*HARBOUR))

    assert observe(index, "passengers_face_changes", page(*HARBOUR_OTHER_ARTICLE)) is None
    assert signature(page(*HARBOUR)).similarity(signature(page(*HARBOUR_OTHER_ARTICLE))) < 0.1
    assert len(index) == 2


def test_an_exact_duplicate_up_to_case_spacing_and_punctuation_scores_one():
    text = page(*HARBOUR)
    reflowed = " ".join(HARBOUR).upper().replace(",", " ;").replace(".", " !")
    assert content_hash(reflowed) == content_hash(text)
    index = NearDupIndex()
    observe(index, "original", text)

    assert observe(index, "reflowed", reflowed) == Match("original", 1.0, "exact")


@pytest.mark.parametrize("text", ["", "Bridge", "Ferry TERMINAL closes,  on\nMonday!", None])
def test_signature_and_hash_together_equal_each_apart(text):
    text = page(*HARBOUR) if text is None else text

    assert signature_and_hash(text) == (signature(text), content_hash(text))


def test_one_changed_word_changes_the_content_hash():
    assert content_hash(page(*HARBOUR)) != content_hash(page(*HARBOUR).replace("Monday", "Friday"))


def test_the_first_seen_document_is_what_every_later_copy_points_to():
    index = NearDupIndex()
    first = page(*HARBOUR)
    second = with_other_chrome_and_one_edit(HARBOUR)
    third = page("Breaking: terminal to close", *HARBOUR[:-1])

    matches = [
        observe(index, name, text) for name, text in zip("abc", (first, second, third), strict=True)
    ]
    copy_of_second = observe(index, "d", second)

    assert matches[0] is None
    assert [m.dup_of for m in matches[1:]] == ["a", "a"]
    assert copy_of_second is not None and copy_of_second.dup_of == "a"
    assert len(index) == 1


def test_a_document_already_in_the_index_is_its_own_first_seen_copy():
    index = NearDupIndex()
    observe(index, "a", page(*HARBOUR))

    assert observe(index, "a", page(*HARBOUR)) is None
    assert len(index) == 1


def test_the_index_round_trips_through_an_arrow_table_and_finds_the_same_matches():
    index = NearDupIndex()
    for number, paragraph in enumerate(HARBOUR_OTHER_ARTICLE):
        observe(index, f"short{number}", paragraph)
    observe(index, "harbour", page(*HARBOUR))
    stored = pa.table(index.to_columns()).to_pydict()

    rebuilt = NearDupIndex.from_columns(stored)
    queries = [with_other_chrome_and_one_edit(HARBOUR), page(*HARBOUR), *HARBOUR]

    assert len(rebuilt) == len(index) == 7
    answers = [rebuilt.find("query", *sig_and_hash(q)) for q in queries]
    assert answers == [index.find("query", *sig_and_hash(q)) for q in queries]
    assert [a.dup_of if a else None for a in answers[:2]] == ["harbour", "harbour"]


def test_to_columns_since_gives_only_the_later_additions_for_an_append_only_store():
    index = NearDupIndex()
    observe(index, "first", page(*HARBOUR))
    loaded = len(index)
    observe(index, "second", page(*HARBOUR_OTHER_ARTICLE))

    assert index.to_columns(since=loaded)["doc_id"] == ["second"]
    both = {name: index.to_columns()[name] for name in near_dup.COLUMNS}
    assert NearDupIndex.from_columns(both).to_columns() == index.to_columns()


def test_additions_merged_into_the_sorted_band_arrays_are_still_found(monkeypatch):
    monkeypatch.setattr(near_dup, "MERGE_FLOOR", 1)
    index = NearDupIndex()
    for number, paragraph in enumerate(HARBOUR_OTHER_ARTICLE):
        observe(index, f"short{number}", paragraph)
    observe(index, "harbour", page(*HARBOUR))

    assert len(index._recent) <= 1 * index.bands  # merged on the way, not all in the dict
    match = index.find("query", *sig_and_hash(with_other_chrome_and_one_edit(HARBOUR)))
    assert match is not None and match.dup_of == "harbour"


def test_rebuilding_with_other_settings_is_refused_rather_than_silently_wrong():
    index = NearDupIndex()
    observe(index, "a", page(*HARBOUR))
    columns = index.to_columns()

    with pytest.raises(ValueError, match="not minhash"):
        NearDupIndex.from_columns(columns, shingle_words=4)
    twice = {name: values * 2 for name, values in columns.items()}
    with pytest.raises(ValueError, match="twice"):
        NearDupIndex.from_columns(twice)


def test_settings_are_validated_at_construction():
    for bad in ({"threshold": 0.0}, {"threshold": 1.5}, {"bands": 30}, {"num_perm": 0}):
        with pytest.raises(ValueError):
            NearDupIndex(**bad)
    with pytest.raises(ValueError, match="64 values"):
        NearDupIndex().find("a", signature("some words", num_perm=64), "hash")


def test_signatures_are_compact_picklable_and_the_same_in_another_process():
    sig = signature(page(*HARBOUR))
    assert len(sig.values) == 4 * NUM_PERM
    assert pickle.loads(pickle.dumps(sig)) == sig

    script = (
        "import sys; from cleaners.near_dup import signature; "
        "sys.stdout.write(signature(sys.stdin.read()).values.hex())"
    )
    other = subprocess.run(
        [sys.executable, "-c", script],
        input=page(*HARBOUR),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        timeout=60,
    )
    assert other.stdout == sig.values.hex()


@pytest.mark.parametrize("text", ["", "Harbour", " ".join(HARBOUR), " ".join(HARBOUR) * 40])
def test_signatures_equal_datasketch_minhash(text):
    """Indexes written when signatures came from datasketch's MinHash stay valid."""
    datasketch = pytest.importorskip("datasketch")
    word_hashes = near_dup._word_hashes(near_dup.tokens(text))
    shingles = near_dup._shingle_hashes(word_hashes, near_dup.SHINGLE_WORDS)
    reference = datasketch.MinHash(
        num_perm=NUM_PERM, seed=near_dup.SIGNATURE_SEED, hashfunc=int, scheme="affine32"
    )
    reference.update_batch(shingles.tolist())

    assert signature(text).values == reference.hashvalues.astype("<u4").tobytes()


def test_a_worker_imports_neither_datasketch_nor_scipy():
    """scipy, which datasketch imports, would cost every worker process 60 MB."""
    script = "import sys, flows.batch; print(sorted({'datasketch', 'scipy'} & set(sys.modules)))"
    imported = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert imported.stdout.strip() == "[]"


def test_texts_shorter_than_a_shingle_match_only_their_copies():
    index = NearDupIndex()
    observe(index, "a", "Ferry cancelled")
    observe(index, "b", "Bridge closed")

    assert observe(index, "c", "Bridge closed!") == Match("b", 1.0, "exact")
    assert signature("Bridge closed today").similarity(signature("Bridge closed")) == 0.0


@pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"needs the seeds in {SEEDS} (CI puts ../shared beside the clone)"
)
def test_of_the_seeds_only_001_is_a_duplicate_and_of_000():
    index = NearDupIndex()
    found = {}
    for path in sorted(SEEDS.glob("*.txt")):
        match = observe(index, path.name[:3], clean_text(path.read_text(encoding="utf-8")).text)
        found[path.name[:3]] = match.dup_of if match else None

    assert found == {"000": None, "001": "000", "002": None, "003": None, "004": None}
