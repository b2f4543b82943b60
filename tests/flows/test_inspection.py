import json
import re
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.cli import EXIT_BAD_CONFIG, main
from flows.inspection import (
    NothingToInspect,
    ReasonColours,
    in_place,
    latest_records,
    matches_reason,
    record_json,
    record_text,
    render,
)
from flows.records import (
    RECORD_SCHEMA,
    RECORDS_DIR,
    REJECT_SCHEMA,
    REJECTS_DIR,
    SCHEMA_VERSION,
    PartWriter,
    legacy_doc_id,
)

EARLY = datetime(2025, 1, 1, tzinfo=UTC)
LATE = datetime(2025, 2, 1, tzinfo=UTC)
NAV = {"text": "Home News Sport", "cleaner": "navigation", "reason": "navigation_line"}
BYLINE = {"text": "By Ann Lee", "cleaner": "bylines", "reason": "byline"}


def record(source, record_no=0, *, text="Kept paragraph.", removed=(), processed_at=EARLY):
    return {
        "doc_id": f"{source}-{record_no}",
        "source": source,
        "input": f"/dumps/{source}",
        "record": record_no,
        "url": f"https://example.org/{source}",
        "source_url": None,
        "format": "text",
        "content_type": "text/plain",
        "extractor": "text_dump",
        "title": f"Title of {source}",
        "author": None,
        "published": None,
        "site": None,
        "language": "en",
        "text": text,
        "word_count": len(text.split()),
        "removed": list(removed),
        "raw_chars": 100,
        "text_chars": len(text),
        "content_sha1": "0" * 40,
        "dup_of": None,
        "dup_score": None,
        "fetched": None,
        "encoding": "utf-8",
        "extra": {"lang": '"en"'},
        "run_id": "r1" if processed_at == EARLY else "r2",
        "processed_at": processed_at,
        "schema_version": SCHEMA_VERSION,
    }


def reject(source, record_no=0, *, processed_at, reason="empty_text"):
    return {
        "doc_id": f"{source}-{record_no}",
        "source": source,
        "input": f"/dumps/{source}",
        "record": record_no,
        "format": "text",
        "url": None,
        "reason": reason,
        "detail": "nothing left",
        "run_id": "r2",
        "processed_at": processed_at,
        "schema_version": SCHEMA_VERSION,
    }


def write_part(out, kind, rows, batch_no):
    schema = RECORD_SCHEMA if kind == RECORDS_DIR else REJECT_SCHEMA
    with PartWriter(out / kind, schema, run_id="test", batch_no=batch_no) as part:
        for row in rows:
            part.write(row)


@pytest.fixture
def out(tmp_path):
    """Two runs: b.txt changed (its second version wins), c.txt was rejected the second time."""
    out = tmp_path / "out"
    write_part(
        out,
        RECORDS_DIR,
        [
            record("b.txt", text="Old text.", removed=[NAV]),
            record("a.txt", text="First.\n\nSecond.", removed=[NAV, BYLINE]),
            record("c.txt"),
        ],
        0,
    )
    write_part(out, RECORDS_DIR, [record("b.txt", text="New text.", processed_at=LATE)], 1)
    write_part(out, REJECTS_DIR, [reject("c.txt", processed_at=LATE)], 0)
    return out


def test_pages_come_in_source_order_in_their_latest_version(out):
    rows = latest_records(str(out), limit=10)

    assert [(row["source"], row["text"]) for row in rows] == [
        ("a.txt", "First.\n\nSecond."),
        ("b.txt", "New text."),
    ]  # c.txt's latest version is a reject
    assert [row["source"] for row in latest_records(str(out))] == ["a.txt"]


def test_source_matches_the_stored_path_or_a_path_ending_in_it(out):
    assert latest_records(str(out), source="b.txt")[0]["text"] == "New text."
    assert latest_records(str(out), source="dumps/b.txt")[0]["text"] == "New text."
    with pytest.raises(NothingToInspect, match=r"source not found in .*: d\.txt"):
        latest_records(str(out), source="d.txt")
    with pytest.raises(NothingToInspect, match=r"latest version was rejected \(empty_text\)"):
        latest_records(str(out), source="c.txt")


def test_two_inputs_with_one_relative_path_are_both_shown_and_a_deleted_page_is_not(tmp_path):
    out = tmp_path / "out"
    site_a = record("page.txt", text="From site a.") | {"doc_id": "a", "input": "/a/page.txt"}
    site_b = record("page.txt", text="From site b.") | {"doc_id": "b", "input": "/b/page.txt"}
    gone = record("gone.txt")
    write_part(out, RECORDS_DIR, [site_a, site_b, gone], 0)
    tombstone = reject("gone.txt", processed_at=LATE, reason="source_deleted")
    write_part(out, REJECTS_DIR, [tombstone], 0)

    rows = latest_records(str(out), limit=10)

    assert [(row["input"], row["text"]) for row in rows] == [
        ("/a/page.txt", "From site a."),
        ("/b/page.txt", "From site b."),
    ]
    assert "input:     /b/page.txt" in record_text(rows[1]).plain.splitlines()
    assert len(latest_records(str(out), source="page.txt", limit=10)) == 2
    with pytest.raises(NothingToInspect, match=r"rejected \(source_deleted\)"):
        latest_records(str(out), source="gone.txt")


def test_rejects_written_before_schema_3_supersede_by_their_old_doc_id(tmp_path):
    """Before OUT is migrated, a rejects row has no doc_id: it is the old one of its source."""
    out = tmp_path / "out"
    write_part(out, RECORDS_DIR, [record("c.txt") | {"doc_id": legacy_doc_id("c.txt", 0)}], 0)
    old_reject = {
        k: v for k, v in reject("c.txt", processed_at=LATE).items() if k not in ("doc_id", "input")
    }
    old_schema = pa.schema([f for f in REJECT_SCHEMA if f.name not in ("doc_id", "input")])
    (out / REJECTS_DIR).mkdir()
    pq.write_table(
        pa.Table.from_pylist([old_reject | {"schema_version": 2}], schema=old_schema),
        out / REJECTS_DIR / "part-old-00000.parquet",
    )

    with pytest.raises(NothingToInspect, match="no records in"):
        latest_records(str(out))


def test_reason_filter_uses_the_latest_version(out):
    """b.txt's old version had a navigation removal, its latest has none."""
    assert [r["source"] for r in latest_records(str(out), reason="navigation_line", limit=9)] == [
        "a.txt"
    ]
    assert matches_reason(BYLINE, "bylines/byline")
    assert matches_reason(BYLINE, "byline")
    assert not matches_reason(BYLINE, "navigation/byline")
    with pytest.raises(NothingToInspect, match="with a bylines/date_line removal"):
        latest_records(str(out), reason="bylines/date_line")


def test_an_output_without_records_is_reported(tmp_path):
    with pytest.raises(NothingToInspect, match="no records in"):
        latest_records(str(tmp_path / "missing"))


def test_text_shows_kept_paragraphs_then_removals_struck_through_by_reason(out):
    row = latest_records(str(out))[0]

    text = record_text(row)

    lines = text.plain.splitlines()
    assert lines[0] == "== a.txt #0  (doc a.txt-0)"
    assert "title:     Title of a.txt" in lines
    kept = lines.index("First.")
    assert lines[kept : kept + 3] == ["First.", "", "Second."]
    removed = lines.index("[navigation/navigation_line] Home News Sport")
    assert kept < removed
    assert lines[removed + 1] == "[bylines/byline] By Ann Lee"
    assert lines[-1] == "-- legend: 1 bylines/byline, 1 navigation/navigation_line"
    struck = {str(span.style) for span in text.spans if "strike" in str(span.style)}
    assert len(struck) == 2  # one colour per reason


def test_reason_colours_stay_the_same_across_records():
    colours = ReasonColours()
    assert colours("a/x") != colours("b/y")
    assert colours("a/x") == colours("a/x")


def test_render_is_plain_without_colour_and_ansi_with_it(out):
    text = record_text(latest_records(str(out))[0])

    plain = render(text, colour=False, width=40)
    coloured = render(text, colour=True, width=40)

    assert "\x1b[" not in plain and not plain.endswith("\n")
    assert "[bylines/byline] By Ann Lee" in plain
    assert re.search(r"\x1b\[(?:\d+;)*9(?:;\d+)*mBy Ann Lee", coloured)  # struck through


def test_json_holds_text_removals_and_metadata(out):
    document = record_json(latest_records(str(out))[0])

    assert json.loads(json.dumps(document)) == document
    assert document["text"] == "First.\n\nSecond."
    assert document["removed"] == [NAV, BYLINE]
    assert document["metadata"]["processed_at"] == EARLY.isoformat()
    assert document["metadata"]["extra"] == {"lang": '"en"'}
    assert "text" not in document["metadata"]


def test_cli_prints_plain_text_or_json_lines(out, capsys):
    assert main(["inspect", str(out), "--limit", "5"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("== ") == 2 and "\x1b[" not in printed

    assert main(["inspect", str(out), "--json", "--reason", "byline", "--color", "always"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["source"] for line in lines] == ["a.txt"]

    assert main(["inspect", str(out), "--source", "b.txt", "--color", "always"]) == 0
    assert "\x1b[" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "d.txt"], "winnow inspect: source not found in {out}: d.txt\n"),
        (["--limit", "0"], "winnow inspect: error: --limit must be at least 1\n"),
        (
            ["--reason", "bylines/date_line"],
            "winnow inspect: error: --reason: no cleaner gives 'bylines/date_line'; give a "
            'reason such as "byline", a cleaner such as "widgets", or both '
            '("widgets/social_share")\n',
        ),
    ],
)
def test_cli_exits_2_with_one_line(out, capsys, args, message):
    assert main(["inspect", str(out), *args]) == EXIT_BAD_CONFIG
    assert capsys.readouterr().err == message.format(out=out)


def test_cli_reports_an_output_without_records(tmp_path, capsys):
    assert main(["inspect", str(tmp_path)]) == EXIT_BAD_CONFIG
    assert capsys.readouterr().err == f"winnow inspect: no records in {tmp_path}\n"


def test_removed_blocks_stand_where_they_were_in_the_page():
    removed = [
        {"text": "Home News Sport", "cleaner": "navigation", "reason": "navigation_line", "at": 0},
        {"text": "Photo: Jan Berg", "cleaner": "captions", "reason": "photo_caption", "at": 1},
        {"text": "Leave a Reply", "cleaner": "tail", "reason": "tail_marker", "at": 2},
    ]
    row = record("a.txt", text="First.\n\nSecond.", removed=removed)

    lines = record_text(row).plain.splitlines()

    start = lines.index("[navigation/navigation_line] Home News Sport")
    assert lines[start : start + 5] == [
        "[navigation/navigation_line] Home News Sport",
        "First.",
        "[captions/photo_caption] Photo: Jan Berg",
        "Second.",
        "[tail/tail_marker] Leave a Reply",
    ]


def test_in_place_puts_removals_without_a_place_or_past_the_end_after_the_text():
    first = {**NAV, "at": 0}
    unplaced = {**BYLINE, "at": None}
    past_the_end = {**NAV, "text": "Back to top", "at": 7}

    pieces = in_place("First.\n\nSecond.", [first, unplaced, past_the_end])

    assert pieces == [first, "First.", "Second.", unplaced, past_the_end]


TITLE_SETTER = "\x1b]0;owned\x07"
SCREEN_CLEARER = "\x1b[2J"
C1_CSI = "\x9b31m"


def terminal_controls(text):
    return [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]


@pytest.fixture
def hostile_out(tmp_path):
    """A page whose title, text, URL, source and a removed block hold terminal escapes."""
    out = tmp_path / "out"
    row = record(
        f"evil{SCREEN_CLEARER}.txt",
        text=f"Kept {TITLE_SETTER}paragraph.\r\n\nSecond {C1_CSI}one.\x08",
        removed=[{**NAV, "text": f"Home {SCREEN_CLEARER}News", "at": 1}],
    )
    row["title"] = f"Title {TITLE_SETTER}{C1_CSI}"
    row["url"] = "https://example.org/\x1b]8;;https://evil.example/\x1b\\"
    write_part(out, RECORDS_DIR, [row], 0)
    return out


@pytest.mark.parametrize("colour", ["never", "always"])
def test_cli_shows_page_escapes_instead_of_sending_them_to_the_terminal(
    hostile_out, capsys, colour
):
    assert main(["inspect", str(hostile_out), "--color", colour]) == 0
    printed = capsys.readouterr().out

    styles_removed = re.sub(r"\x1b\[[0-9;]*m", "", printed)  # the colours inspect adds
    assert terminal_controls(styles_removed) == []
    assert "\\x1b]0;owned\\x07" in styles_removed
    assert "Second \\x9b31mone.\\x08" in styles_removed
    assert "Home \\x1b[2JNews" in styles_removed
    assert "== evil\\x1b[2J.txt #0" in styles_removed


def test_cli_json_lines_hold_no_raw_control_characters(hostile_out, capsys):
    assert main(["inspect", str(hostile_out), "--json"]) == 0
    line = capsys.readouterr().out

    assert terminal_controls(line.rstrip("\n")) == []
    document = json.loads(line)
    assert document["metadata"]["title"] == f"Title {TITLE_SETTER}{C1_CSI}"
    assert document["text"] == f"Kept {TITLE_SETTER}paragraph.\r\n\nSecond {C1_CSI}one.\x08"


def test_cli_error_quoting_a_source_shows_its_escapes(out, capsys):
    assert main(["inspect", str(out), "--source", f"d{TITLE_SETTER}.txt"]) == EXIT_BAD_CONFIG
    assert capsys.readouterr().err == (
        f"winnow inspect: source not found in {out}: d\\x1b]0;owned\\x07.txt\n"
    )
