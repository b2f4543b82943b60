"""The seeds are the specification by example: `winnow clean ../shared/seeds` end to end.

One real CLI run (a Prefect flow on a server of its own) for the whole module; the tests
read what landed in Parquet. It is the one end-to-end run that starts its own Prefect server,
with the shared PREFECT_HOME, as `winnow clean` does without PREFECT_API_URL; the other
end-to-end runs use the session's Prefect server (tests/conftest.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

ROOT = Path(__file__).resolve().parents[2]
# ../shared (the seeds, the dev data) sits beside the checkout on CI, not in the project.
SEEDS = ROOT.parent / "shared" / "seeds"
pytestmark = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"needs the seeds in {SEEDS} (CI puts ../shared beside the clone)"
)
WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    tokens = WORD.findall(text.lower())
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory, prefect_home):
    out = tmp_path_factory.mktemp("seeds-out")
    env = {**os.environ, "PREFECT_HOME": str(prefect_home)}
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.run(
        # Its server stops a second after the run instead of staying up for later ones.
        [
            sys.executable,
            "-m",
            "flows",
            "clean",
            str(SEEDS),
            "--out",
            str(out),
            "--server-idle",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = ds.dataset(out / "records", format="parquet").to_table().to_pylist()
    records = {Path(r["source"]).name[:3]: r for r in table}
    return proc, records, out


def test_every_seed_is_a_record_and_the_output_is_clean(seed_run):
    proc, records, out = seed_run
    assert sorted(records) == ["000", "001", "002", "003", "004"]
    rejects = ds.dataset(out / "rejects", format="parquet").to_table()
    assert rejects.num_rows == 0
    terminal = proc.stdout + proc.stderr
    assert "Traceback" not in terminal
    assert not re.search(r"\bERROR\b", terminal)
    assert "records" in proc.stdout


def test_000_is_the_article_body_of_001(seed_run):
    _, records, _ = seed_run
    reference = "\n".join(
        line
        for line in (SEEDS / "001_cd8e2ffd5cdc69c3.txt").read_text().splitlines()
        if not line.startswith("Source:")
    )
    got, want = shingles(records["000"]["text"]), shingles(reference)
    precision = len(got & want) / len(got)
    recall = len(got & want) / len(want)
    assert precision >= 0.99 and recall >= 0.99, (precision, recall)


def test_000_chrome_moves_out_of_the_text(seed_run):
    _, records, _ = seed_run
    seed = records["000"]
    text = seed["text"]
    for gone in (
        "Home > Defense",
        "Prigozhin Mutiny Further Distances Central Asia from Russia\n",
        "(Source: Akkorda)",
        "Stephen Blank for Jamestown",
        "Post navigation",
        "Leave a Comment",
        "Leave a Reply",
    ):
        assert gone not in text + "\n", gone
    assert seed["title"] == "Prigozhin Mutiny Further Distances Central Asia from Russia"
    assert seed["author"] == "Dr. Stephen Blank"
    reasons = {r["reason"] for r in seed["removed"]}
    assert {"breadcrumb", "title_echo", "photo_caption", "byline", "tail_marker"} <= reasons


def test_001_keeps_the_whole_article_and_moves_its_source(seed_run):
    _, records, _ = seed_run
    seed = records["001"]
    assert [r["text"] for r in seed["removed"]] == ["Source: jamestown"]
    assert seed["site"] == "jamestown"
    body = (SEEDS / "001_cd8e2ffd5cdc69c3.txt").read_text().splitlines()[:-1]
    assert seed["text"].split("\n\n") == body


def _paragraphs(seed_file: str, first: int, last: int) -> list[str]:
    lines = [x.strip() for x in (SEEDS / seed_file).read_text().splitlines() if x.strip()]
    return lines[first:last]


def test_002_loses_its_tail_and_credits_but_no_paragraph(seed_run):
    _, records, _ = seed_run
    seed = records["002"]
    text = seed["text"]
    assert seed["title"] == (
        "Opinion: Central Asia is treading carefully after Wagner's mutiny in Russia"
    )
    assert seed["author"] == "Arianna Belluardo"  # "source: Arianna Belluardo is a ..."
    for paragraph in _paragraphs("002_f4d2e28efa558fef.txt", 1, 10):
        assert paragraph in text
    for gone in (
        "Related articles",
        "Editor's choice",
        "Popular",
        "Borrell",
        "Migrant Smuggling",
        "photo: Getty Images",
        "do not necessarily reflect",
    ):
        assert gone not in text, gone


def test_003_loses_publication_line_and_cut_caption(seed_run):
    _, records, _ = seed_run
    seed = records["003"]
    assert "Publication: Eurasia Daily Monitor" not in seed["text"]
    assert "offers remarks at the 77th session" not in seed["text"]
    assert seed["site"] == "Eurasia Daily Monitor"
    for paragraph in _paragraphs("003_631f34e62e8be2c6.txt", 3, None):
        assert paragraph in seed["text"]


def test_004_loses_the_map_caption_only(seed_run):
    _, records, _ = seed_run
    seed = records["004"]
    caption = "(Courtesy of University of Texas Library, CIA map, public domain)"
    assert caption not in seed["text"]
    kept = [p for p in _paragraphs("004_963568de0b66a4ee.txt", 0, None) if caption not in p]
    assert seed["text"].split("\n\n") == kept


def test_001_is_marked_a_duplicate_of_000_and_no_other_seed_pair(seed_run):
    _, records, _ = seed_run
    marked = {name: (r["dup_of"], r["dup_score"]) for name, r in records.items() if r["dup_of"]}
    assert list(marked) == ["001"]
    dup_of, score = marked["001"]
    assert dup_of == records["000"]["doc_id"]
    assert score >= 0.9
