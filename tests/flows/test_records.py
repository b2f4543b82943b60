import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from cleaners.document import Block, Cleaned, Meta, Removal
from flows.readers import RawPage, Reject
from flows.records import (
    CHUNK_ROWS,
    RECORD_SCHEMA,
    REJECT_SCHEMA,
    SCHEMA_VERSION,
    UNKNOWN_INPUT,
    PartWriter,
    doc_id,
    legacy_doc_id,
    page_reject_row,
    reader_reject_row,
    record_row,
    upgrade_record_row,
    upgrade_reject_row,
)

NOW = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
INPUT = "/data/dumps/site/a.jsonl"
STAMP = {"input_key": INPUT, "run_id": "r1", "processed_at": NOW}


def page(record: int = 0, **overrides) -> RawPage:
    fields = {
        "source": "site/a.jsonl",
        "record": record,
        "format": "jsonl",
        "content_type": "html",
        "content": "<p>Hello world</p>",
        "raw_bytes": 18,
        "url": "https://example.org/a",
        "fetched": "2024-04-30T10:00:00Z",
        "encoding": "utf-8",
        "extra": {"lang_hint": '"en"'},
    }
    return RawPage(**(fields | overrides))


def cleaned(text: str = "Hello world", **meta) -> Cleaned:
    nav = Block(0, "Home | About", "line")
    kept = Block(1, text)
    removal = Removal(nav, "boilerplate", "navigation")
    return Cleaned(text, Meta(**meta), (kept,), (removal,))


def record_rows(n: int) -> list[dict]:
    return [record_row(page(i), cleaned(f"Text {i}"), **STAMP) for i in range(n)]


def parquet_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_record_schema_is_exactly_declared():
    removal = pa.struct(
        [
            pa.field("text", pa.string(), nullable=False),
            pa.field("cleaner", pa.string(), nullable=False),
            pa.field("reason", pa.string(), nullable=False),
            pa.field("at", pa.int32()),
        ]
    )
    string, required = pa.string(), False
    expected = [
        ("doc_id", string, required),
        ("source", string, required),
        ("input", string, required),
        ("record", pa.int32(), required),
        ("url", string, True),
        ("source_url", string, True),
        ("format", string, required),
        ("content_type", string, required),
        ("extractor", string, required),
        ("title", string, True),
        ("author", string, True),
        ("published", pa.date32(), True),
        ("site", string, True),
        ("language", string, True),
        ("text", string, required),
        ("word_count", pa.int32(), required),
        ("removed", pa.list_(pa.field("element", removal, nullable=False)), required),
        ("raw_chars", pa.int64(), required),
        ("text_chars", pa.int64(), required),
        ("content_sha1", string, required),
        ("dup_of", string, True),
        ("dup_score", pa.float32(), True),
        ("fetched", string, True),
        ("encoding", string, True),
        ("extra", pa.map_(pa.string(), pa.string()), required),
        ("run_id", string, required),
        ("processed_at", pa.timestamp("us", tz="UTC"), required),
        ("schema_version", pa.int16(), required),
    ]
    assert [(f.name, f.type, f.nullable) for f in RECORD_SCHEMA] == expected
    removed = RECORD_SCHEMA.field("removed").type
    assert pa.types.is_list(removed)
    assert pa.types.is_struct(removed.value_type)
    assert [f.name for f in removed.value_type] == ["text", "cleaner", "reason", "at"]


def test_reject_schema_is_exactly_declared():
    expected = [
        ("doc_id", pa.string(), False),
        ("source", pa.string(), False),
        ("input", pa.string(), False),
        ("record", pa.int32(), False),
        ("format", pa.string(), True),
        ("url", pa.string(), True),
        ("reason", pa.string(), False),
        ("detail", pa.string(), False),
        ("run_id", pa.string(), False),
        ("processed_at", pa.timestamp("us", tz="UTC"), False),
        ("schema_version", pa.int16(), False),
    ]
    assert [(f.name, f.type, f.nullable) for f in REJECT_SCHEMA] == expected


def test_doc_id_is_stable_and_distinguishes_records():
    assert doc_id("/in/a/b.warc", 3) == hashlib.sha1(b"/in/a/b.warc\x003").hexdigest()[:16]
    assert doc_id("/in/a/b.warc", 3) == doc_id("/in/a/b.warc", 3)
    ids = {doc_id("/in/a/b.warc", 3), doc_id("/in/a/b.warc", 4), doc_id("/in/a/c.warc", 3)}
    assert len(ids) == 3


def test_a_pages_identity_is_its_file_not_its_path_relative_to_the_input_root():
    """site-a/page.txt and site-b/page.txt both have source "page.txt"."""
    a = record_row(page(source="page.txt"), cleaned(), **(STAMP | {"input_key": "/a/page.txt"}))
    b = record_row(page(source="page.txt"), cleaned(), **(STAMP | {"input_key": "/b/page.txt"}))
    assert (a["source"], a["input"]) == ("page.txt", "/a/page.txt")
    assert a["doc_id"] == doc_id("/a/page.txt", 0) != b["doc_id"] == doc_id("/b/page.txt", 0)
    assert legacy_doc_id("page.txt", 0) == hashlib.sha1(b"page.txt\x000").hexdigest()[:16]


def test_record_row_takes_meta_from_cleaner_and_keeps_fetch_time_apart():
    row = record_row(page(), cleaned("Body text", title="T", author="A", language="en"), **STAMP)
    assert row.keys() == set(RECORD_SCHEMA.names)
    assert (row["doc_id"], row["input"]) == (doc_id(INPUT, 0), INPUT)
    assert (row["title"], row["author"], row["language"]) == ("T", "A", "en")
    assert row["published"] is None
    assert row["fetched"] == "2024-04-30T10:00:00Z"
    assert row["url"] == "https://example.org/a"
    assert row["removed"] == [
        {"text": "Home | About", "cleaner": "boilerplate", "reason": "navigation", "at": None}
    ]
    assert (row["raw_chars"], row["text_chars"]) == (18, 9)
    assert row["content_sha1"] == hashlib.sha1(b"Body text").hexdigest()
    assert row["extra"] == {"lang_hint": '"en"'}
    assert row["schema_version"] == SCHEMA_VERSION


def test_record_url_is_the_declared_canonical_one_and_source_url_the_dumps():
    found = cleaned(url="https://example.org/canonical")
    row = record_row(page(), found, **STAMP)
    assert (row["url"], row["source_url"]) == (
        "https://example.org/canonical",
        "https://example.org/a",
    )
    plain = record_row(page(), cleaned(), **STAMP)
    assert (plain["url"], plain["source_url"]) == ("https://example.org/a", "https://example.org/a")
    assert record_row(page(url=None), found, **STAMP)["source_url"] is None


@pytest.mark.parametrize(
    ("stated", "published"),
    [
        ("2024-03-12", date(2024, 3, 12)),
        ("12. März 2024", date(2024, 3, 12)),
        ("Published: 03.05.2023", date(2023, 5, 3)),
        ("March 12, 2024", date(2024, 3, 12)),
        ("gestern", None),  # nothing is invented
        ("2031-01-01", None),  # after the day of processing
        ("1970-01-01", None),
        (None, None),
    ],
)
def test_published_is_the_date_the_metadata_states(stated, published):
    row = record_row(page(), cleaned("Body text", published=stated), **STAMP)
    assert row["published"] == published


def test_word_count_counts_the_clean_texts_words():
    assert record_row(page(), cleaned("Two words, then three more."), **STAMP)["word_count"] == 5


def test_version_1_and_2_rows_are_upgraded_to_the_current_schema():
    """Before version 3 a row had no `input` and a doc_id of its relative path: until the OUT
    is migrated (flows.migration) it keeps that doc_id and an unknown input."""
    current = record_row(page(), cleaned("Body text here", published="2024-03-12"), **STAMP)
    untied = current | {"doc_id": legacy_doc_id("site/a.jsonl", 0), "input": UNKNOWN_INPUT}
    version_2 = {k: v for k, v in untied.items() if k != "input"} | {"schema_version": 2}
    dropped = ("source_url", "word_count", "dup_of", "dup_score")
    version_1 = {k: v for k, v in version_2.items() if k not in dropped}
    version_1 |= {"published": "2024-03-12", "schema_version": 1}
    assert upgrade_record_row(version_2) == untied
    assert upgrade_record_row(version_1) == untied
    assert upgrade_record_row(current) is current


def test_version_2_rejects_get_their_old_doc_id_and_an_unknown_input():
    current = reader_reject_row(Reject("x.bin", 2, "binary_content", "NUL bytes"), **STAMP)
    version_2 = {k: v for k, v in current.items() if k not in ("doc_id", "input")}
    version_2["schema_version"] = 2
    assert upgrade_reject_row(version_2) == current | {
        "doc_id": legacy_doc_id("x.bin", 2),
        "input": UNKNOWN_INPUT,
    }
    assert upgrade_reject_row(current) is current


def test_a_reader_reject_row_carries_the_format_and_url_the_reader_knew():
    reject = Reject("crawl.warc", 3, "not_html", "content type image/png", "warc", "https://e.x/a")

    row = reader_reject_row(reject, **STAMP)

    assert (row["format"], row["url"]) == ("warc", "https://e.x/a")


def test_reject_rows_cover_reader_and_page_rejects():
    from_reader = reader_reject_row(Reject("x.bin", 0, "binary_content", "NUL bytes"), **STAMP)
    from_page = page_reject_row(page(2), reason="no_main_content", detail="empty", **STAMP)
    assert from_reader.keys() == from_page.keys() == set(REJECT_SCHEMA.names)
    assert (from_reader["doc_id"], from_reader["input"]) == (doc_id(INPUT, 0), INPUT)
    assert from_page["doc_id"] == doc_id(INPUT, 2)
    assert (from_reader["reason"], from_reader["format"], from_reader["url"]) == (
        "binary_content",
        None,
        None,
    )
    assert (from_page["record"], from_page["format"], from_page["url"]) == (
        2,
        "jsonl",
        "https://example.org/a",
    )


def test_part_round_trip_with_pyarrow_and_duckdb(tmp_path):
    out = tmp_path / "records"
    with PartWriter(out, RECORD_SCHEMA, run_id="r1", batch_no=7, row_group_rows=3) as writer:
        for row in record_rows(7):
            writer.write(row)
    assert parquet_files(out) == ["part-r1-00007.parquet"]
    assert writer.rows_written == 7

    part = pq.ParquetFile(out / "part-r1-00007.parquet")
    assert part.schema_arrow.equals(RECORD_SCHEMA)
    assert part.metadata.num_row_groups == 3
    assert part.metadata.row_group(0).column(0).compression == "ZSTD"
    table = pq.read_table(out / "part-r1-00007.parquet")
    assert table.column("text").to_pylist() == [f"Text {i}" for i in range(7)]
    assert table.column("processed_at")[0].as_py() == NOW

    assert ds.dataset(out, format="parquet").count_rows() == 7
    glob = f"read_parquet('{out}/*.parquet')"
    rows = duckdb.sql(
        f"select record, removed[1].reason, extra['lang_hint'], schema_version"
        f" from {glob} order by record"
    ).fetchall()
    assert rows[0] == (0, "navigation", '"en"', SCHEMA_VERSION)
    assert len(rows) == 7


def test_rows_are_flushed_in_row_groups_while_writing(tmp_path):
    with PartWriter(tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=0, row_group_rows=2) as writer:
        rows = record_rows(5)
        for written, row in enumerate(rows, start=1):
            writer.write(row)
            assert writer.rows_written == written - written % 2
    assert writer.rows_written == 5


def test_rows_held_as_arrow_chunks_come_out_whole_and_in_order(tmp_path):
    rows = record_rows(3 * CHUNK_ROWS + 5)
    group = 2 * CHUNK_ROWS + 3  # row groups end inside a chunk
    with PartWriter(
        tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=0, row_group_rows=group
    ) as writer:
        for row in rows:
            writer.write(row)
    part = pq.ParquetFile(writer.path)

    assert part.read().to_pylist() == pa.Table.from_pylist(rows, schema=RECORD_SCHEMA).to_pylist()
    assert [part.metadata.row_group(i).num_rows for i in range(part.num_row_groups)] == [
        group,
        len(rows) - group,
    ]


def test_a_row_with_a_null_in_a_required_column_fails_the_part(tmp_path):
    rows = record_rows(CHUNK_ROWS + 1)
    rows[3] = rows[3] | {"text": None}
    with (
        pytest.raises(ValueError, match="non-nullable column 'text'"),
        PartWriter(tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=0) as writer,
    ):
        for row in rows:
            writer.write(row)
    assert parquet_files(tmp_path) == []


def test_a_table_is_written_after_the_rows_in_row_groups(tmp_path):
    rows = record_rows(5)
    with PartWriter(tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=0, row_group_rows=2) as writer:
        writer.write(rows[0])
        writer.write_table(pa.Table.from_pylist(rows[1:], schema=RECORD_SCHEMA))
    part = pq.ParquetFile(writer.path)

    assert [r["doc_id"] for r in part.read().to_pylist()] == [r["doc_id"] for r in rows]
    assert [part.metadata.row_group(i).num_rows for i in range(part.num_row_groups)] == [1, 2, 2]


def test_a_table_of_another_schema_or_with_nulls_is_refused(tmp_path):
    rows = record_rows(2)
    other = pa.Table.from_pylist(rows, schema=RECORD_SCHEMA).drop_columns(["text"])
    nulls = pa.Table.from_pylist([rows[0] | {"text": None}], schema=RECORD_SCHEMA)
    with PartWriter(tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=0) as writer:
        with pytest.raises(ValueError, match="schema differs"):
            writer.write_table(other)
        with pytest.raises(ValueError, match="non-nullable column 'text'"):
            writer.write_table(nulls)


def test_exception_mid_write_leaves_no_file(tmp_path):
    out = tmp_path / "records"
    with (
        pytest.raises(RuntimeError, match="boom"),
        PartWriter(out, RECORD_SCHEMA, run_id="r1", batch_no=1, row_group_rows=2) as writer,
    ):
        for row in record_rows(5):
            writer.write(row)
        assert Path(writer.temp_path).exists()
        raise RuntimeError("boom")
    assert parquet_files(out) == []


def test_invalid_rows_are_refused_and_leave_no_file(tmp_path):
    bad = record_rows(1)[0] | {"doc_id": None}
    with (
        pytest.raises(ValueError, match="non-nullable column 'doc_id'"),
        PartWriter(tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=1) as writer,
    ):
        writer.write(bad)
    assert parquet_files(tmp_path) == []

    with PartWriter(tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=1) as writer:
        with pytest.raises(ValueError, match=r"missing \['text'\]"):
            writer.write({k: v for k, v in record_rows(1)[0].items() if k != "text"})
        with pytest.raises(ValueError, match=r"unexpected \['surplus'\]"):
            writer.write(record_rows(1)[0] | {"surplus": 1})


def test_readers_ignore_a_part_still_being_written(tmp_path):
    with PartWriter(tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=0) as done:
        done.write(record_rows(1)[0])
    with PartWriter(tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=1, row_group_rows=1) as busy:
        for row in record_rows(3):
            busy.write(row)
        assert Path(busy.temp_path).name.startswith(".part-r1-00001.parquet")
        assert Path(busy.temp_path).suffix == ".tmp"
        assert ds.dataset(tmp_path, format="parquet").count_rows() == 1
        glob = f"read_parquet('{tmp_path}/*.parquet')"
        assert duckdb.sql(f"select count(*) from {glob}").fetchall() == [(1,)]
    assert ds.dataset(tmp_path, format="parquet").count_rows() == 4


def test_empty_part_is_a_valid_zero_row_file(tmp_path):
    with PartWriter(tmp_path, REJECT_SCHEMA, run_id="r1", batch_no=0):
        pass
    assert parquet_files(tmp_path) == ["part-r1-00000.parquet"]
    assert pq.read_schema(tmp_path / "part-r1-00000.parquet").equals(REJECT_SCHEMA)
    glob = f"read_parquet('{tmp_path}/*.parquet')"
    assert duckdb.sql(f"select count(*) from {glob}").fetchall() == [(0,)]
    assert ds.dataset(tmp_path, format="parquet").count_rows() == 0


def test_rewriting_a_batch_replaces_its_part(tmp_path):
    for n in (3, 2):
        with PartWriter(tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=0) as writer:
            for row in record_rows(n):
                writer.write(row)
    assert parquet_files(tmp_path) == ["part-r1-00000.parquet"]
    assert pq.read_metadata(tmp_path / "part-r1-00000.parquet").num_rows == 2


@pytest.mark.parametrize(
    "settings",
    [
        {"run_id": "", "batch_no": 0},
        {"run_id": "a/b", "batch_no": 0},
        {"run_id": ".hidden", "batch_no": 0},
        {"run_id": "r1", "batch_no": -1},
        {"run_id": "r1", "batch_no": 0, "row_group_rows": 0},
    ],
)
def test_writer_settings_are_validated(tmp_path, settings):
    with pytest.raises(ValueError):
        PartWriter(tmp_path, RECORD_SCHEMA, **settings)


def test_stale_temporary_parts_are_removed_and_finished_parts_kept(tmp_path):
    from flows.records import remove_stale_parts

    (tmp_path / "records").mkdir()
    (tmp_path / "rejects").mkdir()
    stale = tmp_path / "records" / ".part-r1-00000.parquet.1a2b3c4d.tmp"
    stale.write_bytes(b"half written")
    finished = tmp_path / "rejects" / "part-r1-00000.parquet"
    finished.write_bytes(b"complete")

    assert remove_stale_parts(tmp_path) == 1
    assert not stale.exists() and finished.exists()


def test_stale_temporary_parts_of_the_near_dup_index_are_removed(tmp_path):
    from flows.records import remove_stale_parts

    (tmp_path / "near_dup").mkdir()
    stale = tmp_path / "near_dup" / ".part-r1-00000.parquet.1a2b3c4d.tmp"
    stale.write_bytes(b"half written")
    finished = tmp_path / "near_dup" / "part-r1-00000.parquet"
    finished.write_bytes(b"complete")

    assert remove_stale_parts(tmp_path) == 1
    assert not stale.exists() and finished.exists()


def test_a_part_is_replaced_under_its_own_name_only_once_complete(tmp_path):
    from flows.storage import location

    with PartWriter(tmp_path, RECORD_SCHEMA, run_id="r1", batch_no=0) as writer:
        for row in record_rows(3):
            writer.write(row)
    part = writer.path

    with (
        pytest.raises(RuntimeError, match="killed"),
        PartWriter.replacing(part, location(tmp_path), RECORD_SCHEMA) as replacement,
    ):
        replacement.write(record_rows(1)[0])
        assert pq.read_metadata(part).num_rows == 3  # readers still see the old part
        raise RuntimeError("killed")
    assert pq.read_metadata(part).num_rows == 3 and parquet_files(tmp_path) == [Path(part).name]

    with PartWriter.replacing(part, location(tmp_path), RECORD_SCHEMA) as replacement:
        replacement.write(record_rows(1)[0])
    assert pq.read_metadata(part).num_rows == 1 and parquet_files(tmp_path) == [Path(part).name]
