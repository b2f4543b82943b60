from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
from flow_samples import ARTICLE, OTHER

from cleaners.near_dup import NearDupIndex, signature_and_hash
from flows.batch import run_batch
from flows.dedup import NEAR_DUP_DIR, forget_documents, load_index, mark_batch
from flows.readers import list_dumps
from flows.storage import location


def dump(folder: Path, name: str, paragraphs: list[str], header: str = "Home | News") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join([header, *paragraphs, "Share on Facebook"]) + "\n")


def batch(folder: Path, out: Path, run_id: str, drop: bool = False):
    report = run_batch(
        list_dumps([str(folder)]), out, run_id=run_id, batch_no=0, max_page_bytes=1_000_000
    )
    index = load_index(location(out))
    marked = mark_batch(
        location(out), index, report.signatures, run_id=run_id, batch_no=0, drop_duplicates=drop
    )
    return report, marked


def records(out: Path) -> dict[str, dict]:
    rows = pq.read_table(out / "records").to_pylist()
    return {row["source"]: row for row in rows}


def test_copies_are_marked_with_the_first_seen_record_and_nothing_is_deleted(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    dump(folder, "a.txt", ARTICLE)
    dump(folder, "b.txt", ARTICLE, header="Startseite | Politik")  # same article, other chrome
    edited = [ARTICLE[0].replace("three years", "four years"), *ARTICLE[1:]]
    dump(folder, "c.txt", edited)
    dump(folder, "d.txt", OTHER)

    report, marked = batch(folder, out, "r1")

    rows = records(out)
    assert (marked.duplicates, marked.dropped, report.records) == (2, 0, 4)
    first = rows["a.txt"]["doc_id"]
    assert (rows["a.txt"]["dup_of"], rows["d.txt"]["dup_of"]) == (None, None)
    assert (rows["b.txt"]["dup_of"], rows["b.txt"]["dup_score"]) == (first, 1.0)
    assert rows["c.txt"]["dup_of"] == first
    assert 0.5 <= rows["c.txt"]["dup_score"] < 1.0


def test_a_copy_scraped_in_a_later_run_is_recognised_from_the_index_in_out(tmp_path):
    out = tmp_path / "out"
    dump(tmp_path / "week1", "a.txt", ARTICLE)
    batch(tmp_path / "week1", out, "r1")
    assert len(list((out / NEAR_DUP_DIR).glob("part-*.parquet"))) == 1

    dump(tmp_path / "week2", "again.txt", ARTICLE, header="Archive | 2024")
    dump(tmp_path / "week2", "other.txt", OTHER)
    _, marked = batch(tmp_path / "week2", out, "r2")

    week2 = {
        row["source"]: row
        for row in pq.read_table(out / "records").to_pylist()
        if row["run_id"] == "r2"
    }
    first = {
        row["source"]: row
        for row in pq.read_table(out / "records").to_pylist()
        if row["run_id"] == "r1"
    }["a.txt"]["doc_id"]
    assert week2["again.txt"]["dup_of"] == first
    assert week2["other.txt"]["dup_of"] is None
    assert marked.duplicates == 1
    assert len(load_index(location(out))) == 2  # a.txt and other.txt; the copy is not indexed


def test_drop_duplicates_moves_them_to_the_rejects(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    dump(folder, "a.txt", ARTICLE)
    dump(folder, "b.txt", ARTICLE, header="Other site")

    _, marked = batch(folder, out, "r1", drop=True)

    assert (marked.duplicates, marked.dropped) == (1, 1)
    assert list(records(out)) == ["a.txt"]
    rejects = pq.read_table(out / "rejects").to_pylist()
    assert Counter(r["reason"] for r in rejects) == Counter({"duplicate": 1})
    assert rejects[0]["source"] == "b.txt"
    assert rejects[0]["detail"].startswith("exact duplicate of doc_id ")


def test_a_forgotten_document_leaves_the_index_and_the_others_stay_findable():
    built = NearDupIndex()
    texts = {"a": " ".join(ARTICLE), "d": " ".join(OTHER)}
    for doc_id, text in texts.items():
        assert built.observe(doc_id, *signature_and_hash(text)) is None
    index = NearDupIndex.from_columns(built.to_columns())  # band keys in the sorted arrays
    for n in range(3):  # and in the recent additions; rows after "a" are renumbered
        index.observe(f"filler-{n}", *signature_and_hash(f"Filler page {n} " * 20))

    assert index.forget(["a", "not-indexed"]) == 1

    assert "a" not in index and len(index) == 4
    assert index.find("copy-of-a", *signature_and_hash(texts["a"])) is None
    near_copy = texts["d"].replace("six concerts", "seven concerts")
    match = index.find("copy-of-d", *signature_and_hash(near_copy))
    assert match is not None and match.dup_of == "d"
    assert index.find("x", *signature_and_hash(texts["d"])).dup_of == "d"  # exact
    assert NearDupIndex.from_columns(index.to_columns()).to_columns() == index.to_columns()


def test_forgotten_documents_leave_the_stored_index_so_a_later_copy_is_new(tmp_path):
    out = tmp_path / "out"
    dump(tmp_path / "week1", "a.txt", ARTICLE)
    dump(tmp_path / "week1", "d.txt", OTHER)
    batch(tmp_path / "week1", out, "r1")
    first = records(out)["a.txt"]["doc_id"]
    index = load_index(location(out))

    assert forget_documents(location(out), index, [first, "never-indexed"]) == 1

    assert first not in index
    stored = load_index(location(out))
    assert first not in stored and records(out)["d.txt"]["doc_id"] in stored
    dump(tmp_path / "week2", "again.txt", ARTICLE, header="Archive | 2024")
    _, marked = batch(tmp_path / "week2", out, "r2")
    assert marked.duplicates == 0
