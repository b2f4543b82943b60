"""Readers: every dump format in, pages and rejects with stable reasons out, streamed."""

from __future__ import annotations

import gzip
import inspect
import json
import os
import random
import tracemalloc
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import flows.readers
from flows.readers import DumpFile, RawPage, Reject, dumps_listed, iter_pages, list_dumps

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "formats"

ARTICLE = """<!DOCTYPE html><html><head><title>Harbour news</title></head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>Ferry timetable changes</h1>
<p>From Monday the morning ferry leaves twenty minutes earlier, the port authority said.</p>
</article><aside><h3>Related articles</h3><ul><li>Storm closes the pier</li></ul></aside>
<section><h3>Leave a Reply</h3></section></body></html>
"""

RUSSIAN = (
    "Москва — столица России, крупнейший по численности населения город страны. "
    "Здесь расположены правительство и парламент. Вчера в городе прошёл большой фестиваль."
)
FRENCH = "Le café est très bon, même à Paris où les élèves étudient."


def read(path: Path, **options) -> list[RawPage | Reject]:
    (dump,) = list_dumps([str(path)])
    return list(iter_pages(dump, **options))


def only(items: list[RawPage | Reject]) -> RawPage | Reject:
    assert len(items) == 1, items
    return items[0]


def html_page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>t</title></head><body>{body}</body></html>"


def write_warc(path: Path, records: list[dict], *, compress: bool = True) -> Path:
    """Write WARC records: dicts with url, payload and optionally kind (default response),
    status, content_type (HTTP header) and warc_headers."""
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=compress)
        for number, spec in enumerate(records):
            kind = spec.get("kind", "response")
            http = None
            if kind == "request":
                http = StatusAndHeaders(
                    "GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True
                )
            if kind == "response" and spec.get("http", True):
                http = StatusAndHeaders(
                    spec.get("status", "200 OK"),
                    [("Content-Type", spec.get("content_type", "text/html; charset=utf-8"))],
                    "HTTP/1.1",
                )
            writer.write_record(
                writer.create_warc_record(
                    spec.get("url", f"https://example.org/{number}"),
                    kind,
                    payload=BytesIO(spec.get("payload", b"")),
                    http_headers=http,
                    warc_headers_dict={
                        "WARC-Date": f"2024-01-02T03:04:{number % 60:02d}Z",
                        **spec.get("warc_headers", {}),
                    },
                    warc_content_type=spec.get("warc_content_type"),
                )
            )
    return path


def article_records(count: int, seed: int = 0) -> list[dict]:
    """HTML responses with enough varied words that gzip cannot shrink them to nothing."""
    words = ["harbour", "ferry", "storm", "pier", "council", "lighthouse", "bakery", "regatta"]
    rng = random.Random(seed)
    records = []
    for number in range(count):
        text = " ".join(rng.choice(words) + str(rng.randrange(1000)) for _ in range(300))
        payload = html_page(f"<h1>Article {number}</h1><p>{text}</p>").encode()
        records.append({"url": f"https://example.org/a/{number}", "payload": payload})
    return records


def reasons(items: list[RawPage | Reject]) -> list[str]:
    return [item.reason if isinstance(item, Reject) else "page" for item in items]


# --- single-page formats -------------------------------------------------------------------


def test_html_file_is_one_html_page(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(ARTICLE, encoding="utf-8")

    page = only(read(path))

    assert isinstance(page, RawPage)
    assert (page.source, page.record, page.format, page.content_type) == (
        "page.html",
        0,
        "html",
        "html",
    )
    assert page.content == ARTICLE
    assert page.raw_bytes == len(ARTICLE.encode())
    assert page.encoding == "utf-8"
    assert page.url is None and page.fetched is None


def test_htm_extension_reads_as_html(tmp_path):
    path = tmp_path / "page.htm"
    path.write_text(ARTICLE)

    assert only(read(path)).format == "html"


def test_txt_file_is_one_text_page(tmp_path):
    path = tmp_path / "dump.txt"
    path.write_text("Ferry timetable changes\n\nThe morning ferry leaves earlier.\n")

    page = only(read(path))

    assert (page.format, page.content_type) == ("txt", "text")
    assert page.content.startswith("Ferry timetable changes")


def test_gzipped_html_is_read_through(tmp_path):
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(ARTICLE.encode()))

    page = only(read(path))

    assert (page.source, page.format, page.content) == ("page.html.gz", "html", ARTICLE)
    assert page.raw_bytes == len(ARTICLE.encode())


# --- WARC ----------------------------------------------------------------------------------


def test_committed_warc_fixture_yields_articles_and_rejects_non_html():
    items = read(FIXTURES / "articles.warc.gz")

    assert [item.record for item in items] == [0, 1, 2, 3, 4]
    assert reasons(items) == ["page", "page", "not_html", "not_html", "page"]
    first = items[0]
    assert first.url == "https://harbour-gazette.example/news/lighthouse-reopens"
    assert first.fetched == "2024-03-05T10:02:00Z"
    assert "Old lighthouse reopens" in first.content
    assert "Mar\u00eda Ib\u00e1\u00f1ez" in first.content
    assert items[3].detail == "content type image/png"
    assert (items[3].format, items[3].url) == ("warc", "https://harbour-gazette.example/logo.png")


@pytest.mark.parametrize("compress", [False, True])
def test_warc_response_and_resource_records_become_pages(tmp_path, compress):
    path = write_warc(
        tmp_path / ("crawl.warc.gz" if compress else "crawl.warc"),
        [
            {"kind": "warcinfo", "url": None, "payload": b"software: test\r\n"},
            {"kind": "request", "url": "https://example.org/a", "payload": b""},
            {"url": "https://example.org/a", "payload": html_page("<p>first</p>").encode()},
            {"kind": "metadata", "url": "https://example.org/a", "payload": b"outlinks: none"},
            {
                "kind": "resource",
                "url": "file:///b.html",
                "payload": html_page("<p>second</p>").encode(),
                "warc_content_type": "text/html",
            },
        ],
        compress=compress,
    )

    items = read(path)

    assert all(isinstance(item, RawPage) for item in items)
    assert [(item.record, item.url) for item in items] == [
        (0, "https://example.org/a"),
        (1, "file:///b.html"),
    ]
    assert [item.format for item in items] == ["warc", "warc"]
    assert items[0].fetched == "2024-01-02T03:04:02Z"
    assert "<p>second</p>" in items[1].content


def test_warc_gzipped_as_one_stream_is_read_like_a_per_record_one(tmp_path):
    plain = write_warc(tmp_path / "plain.warc", article_records(3), compress=False)
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))

    items = read(path)

    assert [item.url for item in items] == [f"https://example.org/a/{n}" for n in range(3)]
    assert all(isinstance(item, RawPage) for item in items)


def test_warc_non_page_responses_are_rejected_not_dropped(tmp_path):
    path = write_warc(
        tmp_path / "mixed.warc.gz",
        [
            {"payload": b"User-agent: *\n", "content_type": "text/plain"},
            {"payload": b"<html>gone</html>", "status": "404 Not Found"},
            {"payload": b"", "status": "301 Moved Permanently"},
            {
                "kind": "revisit",
                "payload": b"",
                "http": False,
                "warc_headers": {"WARC-Refers-To-Target-URI": "https://example.org/0"},
            },
            {"payload": b"   \n"},
            {"payload": html_page("<p>kept</p>").encode()},
        ],
    )

    items = read(path)

    assert reasons(items) == [
        "not_html",
        "http_status_not_ok",
        "http_status_not_ok",
        "revisit_record",
        "empty_content",
        "page",
    ]
    assert [item.record for item in items] == [0, 1, 2, 3, 4, 5]
    assert items[1].detail == "HTTP 404 Not Found"


def test_warc_with_no_page_records_is_one_reject(tmp_path):
    path = write_warc(
        tmp_path / "info.warc", [{"kind": "warcinfo", "url": None, "payload": b"a: b"}]
    )

    reject = only(read(path))

    assert (reject.reason, reject.record) == ("no_records", 0)


def test_truncated_warc_gz_keeps_records_before_the_cut(tmp_path):
    whole = write_warc(tmp_path / "whole.warc.gz", article_records(6)).read_bytes()
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])

    items = read(path)

    *pages, last = items
    assert len(pages) >= 2
    assert all(isinstance(page, RawPage) for page in pages)
    assert [page.url for page in pages] == [f"https://example.org/a/{n}" for n in range(len(pages))]
    assert (last.reason, last.record) == ("truncated_gzip", len(pages))


def test_cut_uncompressed_warc_rejects_the_partial_record(tmp_path):
    whole = write_warc(tmp_path / "whole.warc", article_records(3), compress=False).read_bytes()
    path = tmp_path / "cut.warc"
    path.write_bytes(whole[:-500])

    items = read(path)

    assert reasons(items) == ["page", "page", "broken_warc_record"]
    assert items[2].record == 2
    assert "short of its Content-Length" in items[2].detail


def test_garbage_between_warc_records_stops_with_broken_record(tmp_path):
    records = article_records(3)
    first = write_warc(tmp_path / "a.warc", records[:1], compress=False).read_bytes()
    rest = write_warc(tmp_path / "b.warc", records[1:], compress=False).read_bytes()
    path = tmp_path / "broken.warc"
    path.write_bytes(first + b"this is not a warc header\r\n\r\n" + rest)

    items = read(path)

    assert reasons(items) == ["page", "broken_warc_record"]
    assert items[1].record == 1


def test_garbage_between_warc_records_says_where_reading_stopped(tmp_path):
    first = write_warc(tmp_path / "a.warc", article_records(1), compress=False).read_bytes()
    rest = write_warc(tmp_path / "b.warc", article_records(2), compress=False).read_bytes()
    path = tmp_path / "broken.warc"
    path.write_bytes(first + b"this is not a warc header\r\n\r\n" + rest)

    reject = read(path)[-1]

    assert reject.detail.endswith(f"; reading stopped at record 1, byte {len(first)}")


def test_warc_record_over_max_page_bytes_is_rejected_and_reading_goes_on(tmp_path):
    path = write_warc(
        tmp_path / "big.warc.gz",
        [
            {"payload": html_page("<p>" + "x" * 5000 + "</p>").encode()},
            {"payload": html_page("<p>small</p>").encode()},
        ],
    )

    items = read(path, max_page_bytes=1000)

    assert reasons(items) == ["page_too_large", "page"]
    assert items[1].record == 1


def test_large_warc_is_streamed_not_loaded(tmp_path):
    path = write_warc(tmp_path / "large.warc", article_records(1500), compress=False)
    (dump,) = list_dumps([str(path)])
    pages = iter_pages(dump)
    assert inspect.isgenerator(pages)

    tracemalloc.start()
    try:
        count = sum(1 for item in pages if isinstance(item, RawPage))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 1500
    assert dump.size > 5_000_000
    assert peak < dump.size / 10


# --- JSONL ---------------------------------------------------------------------------------


def test_committed_jsonl_fixture_yields_pages_with_extra_fields():
    items = read(FIXTURES / "articles.jsonl")

    assert [(item.record, item.format, item.content_type) for item in items] == [
        (0, "jsonl", "html"),
        (1, "jsonl", "text"),
        (2, "jsonl", "html"),
    ]
    assert items[1].url == "https://harbour-gazette.example/news/bakery-prize"
    assert items[1].content.startswith("Family bakery wins regional bread prize")
    assert items[2].extra == {
        "title": '"Regatta ends in a photo finish"',
        "tags": '["sport", "sailing"]',
    }
    assert items[0].extra == {"status": "200"}


def test_jsonl_lines_map_to_pages_and_rejects(tmp_path):
    lines = [
        json.dumps({"url": "https://example.org/1", "html": "<p>one</p>"}),
        "",
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"url": "https://example.org/5", "title": "no body"}),
        json.dumps({"url": "https://example.org/6", "text": "  "}),
        json.dumps({"url": "https://example.org/7", "content": "<div><p>alias</p></div>"}),
        json.dumps({"body": "plain words only"}),
        json.dumps({"html": None, "text": "text wins when html is null"}),
    ]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(lines) + "\n")

    items = read(path)

    assert [(item.record, reasons([item])[0]) for item in items] == [
        (0, "page"),
        (2, "invalid_json"),
        (3, "invalid_json"),
        (4, "missing_content"),
        (5, "empty_content"),
        (6, "page"),
        (7, "page"),
        (8, "page"),
    ]
    assert items[0].url == "https://example.org/1"
    # A reject carries what the reader knew: the format, and the URL once the line was read.
    assert [(item.format, item.url) for item in items[1:5]] == [
        ("jsonl", None),
        ("jsonl", None),
        ("jsonl", "https://example.org/5"),
        ("jsonl", "https://example.org/6"),
    ]
    assert items[5].content_type == "html"
    assert (items[6].content_type, items[6].url) == ("text", None)
    assert items[7].content == "text wins when html is null"
    assert items[7].extra == {"html": "null"}


def test_gzipped_jsonl(tmp_path):
    path = tmp_path / "items.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"url": "u", "text": "caf\xc3\xa9"}\n'))

    page = only(read(path))

    assert (page.format, page.content, page.encoding) == ("jsonl", "caf\u00e9", "utf-8")


def test_jsonl_line_not_utf8_is_undecodable(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"text": "caf\xe9"}\n{"text": "ok"}\n')

    items = read(path)

    assert reasons(items) == ["undecodable_text", "page"]


def test_jsonl_line_over_max_page_bytes_is_skipped_to_its_end(tmp_path):
    path = tmp_path / "items.jsonl"
    big = json.dumps({"text": "y" * 5000})
    path.write_text(big + "\n" + json.dumps({"text": "after"}) + "\n")

    items = read(path, max_page_bytes=1000)

    assert reasons(items) == ["page_too_large", "page"]
    assert (items[1].record, items[1].content) == (1, "after")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (r'{"url": "https://example.org/\ud800", "html": "<p>x</p>"}', "url"),
        (r'{"text": "half a pair \ud83e here"}', "text"),
        (r'{"content": "<p>half a pair \ud83e here</p>"}', "content"),
        (r'{"html": "<p>x</p>", "tag": "\udc00"}', "tag"),
        (r'{"html": "<p>x</p>", "meta": {"tags": ["ok", "\ud800"]}}', "meta"),
        (r'{"html": "<p>x</p>", "\ud800": 1}', "\ud800"),
    ],
)
def test_jsonl_line_with_a_lone_surrogate_is_rejected_alone(tmp_path, line, field):
    """JSON can escape half a UTF-16 pair ("\\ud800"), which is no Unicode text: Parquet cannot
    store it, so the line is rejected, and the reject's detail is itself writable."""
    path = tmp_path / "items.jsonl"
    path.write_text(f'{{"text": "before"}}\n{line}\n{{"text": "after"}}\n')

    items = read(path)

    assert reasons(items) == ["page", "invalid_unicode", "page"]
    assert f"field {field!r}" in items[1].detail
    assert items[1].detail.encode("utf-8")


def test_jsonl_surrogate_pair_escapes_are_one_character(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(r'{"text": "a crab \ud83e\udd80", "tag": "\ud83e\udd80"}' + "\n")

    page = only(read(path))

    assert (page.content, page.extra) == ("a crab \U0001f980", {"tag": '"\U0001f980"'})


def test_jsonl_lines_the_json_parser_cannot_hold_are_rejected_and_reading_goes_on(tmp_path):
    lines = [
        json.dumps({"text": "first"}),
        '{"html": "<p>x</p>", "tree": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"html": "<p>x</p>", "id": ' + "7" * 5000 + "}",
        '{"html": "<p>x</p>", "id": ' + "7" * 4000 + "}",
        json.dumps({"text": "last"}),
    ]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(lines) + "\n")

    items = read(path)

    assert [(item.record, reasons([item])[0]) for item in items] == [
        (0, "page"),
        (1, "json_too_deep"),
        (2, "json_number_too_long"),
        (3, "page"),
        (4, "page"),
    ]
    assert "5000 digits" in items[2].detail
    assert items[3].extra == {"id": "7" * 4000}


def test_jsonl_nesting_the_parser_takes_but_the_extra_field_writer_cannot_is_too_deep(tmp_path):
    """json.loads and json.dumps recurse alike: a line nested just as deep as the parser allows
    here fails when its field is written back to JSON for `extra`, a few calls deeper."""
    depth = deepest_parsable_nesting()
    path = tmp_path / "items.jsonl"
    path.write_text(
        '{"html": "<p>x</p>", "tree": '
        + "[" * depth
        + "]" * depth
        + "}\n"
        + json.dumps({"text": "after"})
        + "\n"
    )

    assert reasons(read(path)) == ["json_too_deep", "page"]


def deepest_parsable_nesting() -> int:
    """The deepest `[[...]]` json.loads takes at this point of the stack."""
    depth = 1
    while True:
        try:
            json.loads("[" * (depth + 1) + "]" * (depth + 1))
        except RecursionError:
            return depth
        depth += 1


# --- one bad record ------------------------------------------------------------------------


@pytest.fixture
def fragile_pages(monkeypatch):
    """Pages whose content holds "fragile" make a per-record step of the reader crash: decoding
    a page's bytes, or undoing mojibake in a JSONL field."""
    real_decode, real_undo = flows.readers.decode_page, flows.readers.undo_double_encoding

    def decode_or_crash(data: bytes, **options):
        if b"fragile" in data:
            raise RuntimeError("crashed on this page")
        return real_decode(data, **options)

    def undo_or_crash(text: str) -> str | None:
        if "fragile" in text:
            raise RuntimeError("crashed on this page")
        return real_undo(text)

    monkeypatch.setattr(flows.readers, "decode_page", decode_or_crash)
    monkeypatch.setattr(flows.readers, "undo_double_encoding", undo_or_crash)


def test_a_crash_on_one_jsonl_line_is_a_reader_error_and_reading_goes_on(tmp_path, fragile_pages):
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps({"text": word}) + "\n" for word in ("a", "fragile", "b")))

    items = read(path)

    assert reasons(items) == ["page", "reader_error", "page"]
    assert (items[1].record, items[1].detail) == (1, "RuntimeError: crashed on this page")


@pytest.mark.parametrize("compress", [False, True])
def test_a_crash_on_one_warc_record_is_a_reader_error_and_reading_goes_on(
    tmp_path, fragile_pages, compress
):
    payloads = [html_page(f"<p>{word}</p>").encode() for word in ("a", "fragile", "b")]
    path = write_warc(
        tmp_path / "a.warc", [{"payload": payload} for payload in payloads], compress=compress
    )

    items = read(path)

    assert reasons(items) == ["page", "reader_error", "page"]
    assert (items[1].record, items[1].detail) == (1, "RuntimeError: crashed on this page")
    assert items[2].url == "https://example.org/2"


def test_a_crash_in_the_warc_framing_ends_the_file_and_says_where(tmp_path, monkeypatch):
    """A failure between records (warcio parsing the next header) leaves no record boundary to
    go on from: the rest of the file is one reject that says where reading stopped."""
    first = write_warc(tmp_path / "a.warc", article_records(1), compress=False).read_bytes()
    path = write_warc(tmp_path / "three.warc", article_records(3), compress=False)

    class FailingOnTheSecondRecord(flows.readers.ArchiveIterator):
        def __iter__(self):
            for number, record in enumerate(super().__iter__()):
                if number == 1:
                    raise RuntimeError("no sense in this header")
                yield record

    monkeypatch.setattr(flows.readers, "ArchiveIterator", FailingOnTheSecondRecord)

    items = read(path)

    assert reasons(items) == ["page", "reader_error"]
    assert items[1].detail == (
        f"RuntimeError: no sense in this header; reading stopped at record 1, byte {len(first)}"
    )


def test_a_crash_on_a_single_page_file_is_a_reader_error(tmp_path, fragile_pages):
    path = tmp_path / "page.html"
    path.write_text(html_page("<p>fragile</p>"))

    reject = only(read(path))

    assert (reject.reason, reject.detail) == ("reader_error", "RuntimeError: crashed on this page")


# --- formats detected from content ---------------------------------------------------------


def test_lying_extensions_are_overruled_by_content(tmp_path):
    warc = write_warc(tmp_path / "real.warc.gz", article_records(1)).read_bytes()
    (tmp_path / "archive.html").write_bytes(warc)
    (tmp_path / "items.txt").write_text(json.dumps({"html": "<p>x</p>"}) + "\n")
    (tmp_path / "page.txt").write_text(ARTICLE)
    (tmp_path / "page.warc").write_text(ARTICLE)

    assert only(read(tmp_path / "archive.html")).format == "warc"
    assert only(read(tmp_path / "items.txt")).format == "jsonl"
    assert [only(read(tmp_path / name)).format for name in ("page.txt", "page.warc")] == [
        "html",
        "html",
    ]


def test_missing_or_unknown_extension_is_sniffed(tmp_path):
    (tmp_path / "page.dat").write_bytes(gzip.compress(b"<div><p>Hello</p></div>"))
    (tmp_path / "notes").write_text("Just some words.\n")

    page = only(read(tmp_path / "page.dat"))
    notes = only(read(tmp_path / "notes"))

    assert (page.format, page.content_type) == ("html", "html")
    assert (notes.format, notes.content_type) == ("txt", "text")


# --- charsets ------------------------------------------------------------------------------


def test_http_header_charset_decodes_warc_page(tmp_path):
    payload = html_page(f"<p>{RUSSIAN}</p>", '<meta charset="iso-8859-1">').encode("cp1251")
    path = write_warc(
        tmp_path / "ru.warc.gz",
        [{"payload": payload, "content_type": "text/html; charset=windows-1251"}],
    )

    page = only(read(path))

    assert page.encoding == "cp1251"
    assert RUSSIAN in page.content


def test_valid_utf8_wins_over_a_wrong_latin1_label(tmp_path):
    payload = html_page(f"<p>{FRENCH}</p>").encode("utf-8")
    path = write_warc(
        tmp_path / "fr.warc",
        [{"payload": payload, "content_type": "text/html; charset=ISO-8859-1"}],
    )

    page = only(read(path))

    assert page.encoding == "utf-8"
    assert FRENCH in page.content


@pytest.mark.parametrize(
    "head",
    [
        '<meta charset="iso-8859-1">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
    ],
)
def test_meta_charset_decodes_latin1_page(tmp_path, head):
    path = tmp_path / "fr.html"
    path.write_bytes(html_page(f"<p>{FRENCH} \u20ac5</p>", head).encode("cp1252"))

    page = only(read(path))

    assert page.encoding == "cp1252"
    assert f"{FRENCH} \u20ac5" in page.content


@pytest.mark.parametrize(("codec", "expected"), [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")])
def test_byte_order_mark_sets_the_charset(tmp_path, codec, expected):
    path = tmp_path / "bom.html"
    path.write_bytes(html_page(f"<p>{FRENCH}</p>", '<meta charset="iso-8859-1">').encode(codec))

    page = only(read(path))

    assert page.encoding == expected
    assert page.content.startswith("<!DOCTYPE html>")
    assert FRENCH in page.content


@pytest.mark.parametrize(
    "charset", ["undefined", "punycode", "unicode_escape", "raw_unicode_escape"]
)
def test_a_charset_label_naming_no_page_charset_is_ignored(tmp_path, charset):
    """Python has codecs that no page is written in: "undefined" fails on every input, punycode
    on most, the escape codecs turn a backslash and "u0041" into "A". The label is ignored as an
    unknown one would be, and the page decoded from its bytes."""
    payload = html_page(r"<p>Saved under C:\new\table\u0041 at the office.</p>").encode()
    path = write_warc(
        tmp_path / "odd.warc",
        [
            {"payload": payload, "content_type": f"text/html; charset={charset}"},
            {"payload": html_page("<p>next</p>").encode()},
        ],
    )

    items = read(path)

    assert reasons(items) == ["page", "page"]
    assert r"C:\new\table\u0041" in items[0].content
    assert items[0].encoding == "utf-8"


def test_a_meta_charset_naming_no_page_charset_is_ignored(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(html_page("<p>Plain words.</p>", '<meta charset="undefined">'))

    page = only(read(path))

    assert (page.encoding, "<p>Plain words.</p>" in page.content) == ("utf-8", True)


def test_undeclared_windows_1251_page_is_detected(tmp_path):
    path = tmp_path / "ru.html"
    path.write_bytes(html_page(f"<p>{RUSSIAN}</p>").encode("cp1251"))

    page = only(read(path))

    assert page.encoding == "cp1251"
    assert RUSSIAN in page.content


# --- rejects -------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \n\t\n", gzip.compress(b"")])
def test_empty_files_are_rejected(tmp_path, data):
    path = tmp_path / "empty.html"
    path.write_bytes(data)

    reject = only(read(path))

    assert (reject.source, reject.record, reject.reason) == ("empty.html", 0, "empty_file")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)),
        b"text" + bytes(range(1, 9)) * 20,
        b"<p>mostly text</p>\x00" + b"words " * 100,
    ],
    ids=["png", "control_bytes", "nul_byte"],
)
def test_binary_content_is_rejected(tmp_path, data):
    path = tmp_path / "image.html"
    path.write_bytes(data)

    assert only(read(path)).reason == "binary_content"


def test_utf8_with_a_few_stray_bytes_is_decoded_with_replacement(tmp_path):
    path = tmp_path / "mostly.html"
    stray = " Mitgef\xfchl ".encode("latin-1")
    path.write_bytes(html_page(f"<p>{FRENCH * 3}</p>", '<meta charset="utf-8">').encode() + stray)

    page = only(read(path))

    assert page.encoding == "utf-8+replace"
    assert FRENCH * 3 in page.content
    assert "Mitgef\ufffdhl" in page.content


def test_high_bytes_that_are_neither_utf8_nor_detectable_are_undecodable(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_bytes(b"Caf\xc3\xa9 " + bytes(range(128, 256)) * 4)

    reject = only(read(path))

    assert reject.reason == "undecodable_text"


def test_truncated_gzip_single_page(tmp_path):
    data = gzip.compress(html_page("<p>" + "ferry " * 2000 + "</p>").encode() + bytes(range(256)))
    path = tmp_path / "page.html.gz"
    path.write_bytes(data[: len(data) // 2])

    reject = only(read(path))

    assert (reject.reason, reject.record) == ("truncated_gzip", 0)


def test_corrupt_gzip_is_rejected(tmp_path):
    data = bytearray(gzip.compress(ARTICLE.encode()))
    data[-8] ^= 0xFF  # break the CRC in the trailer
    path = tmp_path / "page.html.gz"
    path.write_bytes(bytes(data))

    assert only(read(path)).reason == "corrupt_gzip"


def test_a_cut_gzip_stream_says_at_which_record_and_byte_reading_stopped(tmp_path):
    lines = [
        json.dumps({"url": f"https://example.org/{n}", "text": f"page {n} " * 300}) + "\n"
        for n in range(40)
    ]
    data = gzip.compress("".join(lines).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])

    *pages, reject = read(path)

    assert reject.reason == "truncated_gzip"
    assert 0 < reject.record == len(pages) < 40
    read_bytes = len("".join(lines[: reject.record]).encode())
    assert reject.detail.endswith(
        f"; reading stopped at record {reject.record}, byte {read_bytes} of the gunzipped data"
    )


def test_page_over_max_page_bytes_is_rejected(tmp_path):
    path = tmp_path / "big.html"
    path.write_text(html_page("<p>" + "x" * 2000 + "</p>"))

    reject = only(read(path, max_page_bytes=1000))

    assert reject.reason == "page_too_large"
    assert "1000" in reject.detail


def test_unreadable_file_is_rejected_not_raised(tmp_path):
    gone = DumpFile(path=tmp_path / "gone.html", root=tmp_path, size=10)
    folder = DumpFile(path=tmp_path, root=tmp_path.parent, size=0)

    assert only(list(iter_pages(gone))).reason == "unreadable_file"
    assert only(list(iter_pages(folder))).reason == "unreadable_file"


def test_max_page_bytes_must_be_positive(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(ARTICLE)
    (dump,) = list_dumps([str(path)])

    with pytest.raises(ValueError, match="max_page_bytes"):
        next(iter_pages(dump, max_page_bytes=0))


# --- listing -------------------------------------------------------------------------------


@pytest.fixture
def dump_tree(tmp_path):
    for name in [
        "a.html",
        "b.warc.gz",
        "notes.md",
        "sub/c.jsonl",
        "sub/deeper/d.TXT",
        "sub/e.htm.gz",
        ".hidden.html",
        ".cache/f.html",
    ]:
        path = tmp_path / "dumps" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    return tmp_path / "dumps"


def test_folder_is_walked_recursively_for_dump_extensions(dump_tree):
    dumps = list_dumps([str(dump_tree)])

    assert [dump.source for dump in dumps] == [
        "a.html",
        "b.warc.gz",
        "sub/c.jsonl",
        "sub/deeper/d.TXT",
        "sub/e.htm.gz",
    ]
    assert all(dump.root == dump_tree and dump.path.is_absolute() for dump in dumps)
    assert dumps[0].size == 1


def test_single_file_is_taken_whatever_its_extension(dump_tree):
    (dump,) = list_dumps([str(dump_tree / "notes.md")])

    assert (dump.source, dump.root) == ("notes.md", dump_tree)


def test_glob_source_is_relative_to_its_literal_prefix(dump_tree):
    dumps = list_dumps([str(dump_tree / "sub" / "**" / "*")])

    assert [dump.source for dump in dumps] == ["c.jsonl", "deeper/d.TXT", "e.htm.gz"]
    assert dumps[0].root == dump_tree / "sub"


def test_relative_inputs_give_absolute_paths(dump_tree, monkeypatch):
    monkeypatch.chdir(dump_tree)

    dumps = list_dumps(["sub/*.jsonl", "a.html"])

    assert [(dump.source, dump.path) for dump in dumps] == [
        ("a.html", dump_tree / "a.html"),
        ("c.jsonl", dump_tree / "sub" / "c.jsonl"),
    ]


def test_overlapping_inputs_are_deduplicated_and_sorted(dump_tree):
    dumps = list_dumps([str(dump_tree / "sub"), str(dump_tree), str(dump_tree / "a.html")])

    assert [dump.path for dump in dumps] == sorted({dump.path for dump in dumps})
    assert len(dumps) == 5
    assert next(d for d in dumps if d.path.name == "c.jsonl").source == "c.jsonl"


def test_missing_inputs_fail_fast(tmp_path):
    with pytest.raises(FileNotFoundError, match="input not found"):
        list_dumps([str(tmp_path / "nope")])
    with pytest.raises(FileNotFoundError, match="no files match"):
        list_dumps([str(tmp_path / "*.warc")])


@pytest.fixture
def linked_tree(tmp_path):
    """dumps/ with a file, a subfolder, and symlinks to a folder outside it and to a file."""
    outside = tmp_path / "outside"
    (outside / "deeper").mkdir(parents=True)
    (outside / "secret.html").write_text("x")
    (outside / "deeper" / "more.html").write_text("x")
    dumps = tmp_path / "dumps"
    (dumps / "sub").mkdir(parents=True)
    (dumps / "a.html").write_text("x")
    (dumps / "sub" / "b.html").write_text("x")
    (dumps / "elsewhere").symlink_to(outside)
    (dumps / "sub" / "up").symlink_to(outside)
    return dumps


@pytest.mark.parametrize("pattern", ["", "**", "**/*.html", "*", "*/*.html", "*/*", "**/*"])
def test_symlinked_folders_are_not_descended_by_folders_or_globs(linked_tree, pattern):
    spec = linked_tree / pattern if pattern else linked_tree

    dumps = list_dumps([str(spec)])

    expected = ["sub/b.html"] if pattern.startswith("*/") else ["a.html", "sub/b.html"]
    assert [dump.source for dump in dumps] == expected


@pytest.mark.parametrize("pattern", ["", "*.html", "**"])
def test_a_folder_named_in_an_input_is_read_even_through_a_symlink(linked_tree, pattern):
    spec = linked_tree / "elsewhere" / pattern if pattern else linked_tree / "elsewhere"

    dumps = list_dumps([str(spec)])

    expected = ["secret.html"] if pattern == "*.html" else ["deeper/more.html", "secret.html"]
    assert [dump.source for dump in dumps] == expected


@pytest.mark.parametrize("pattern", ["", "*.html", "**"])
def test_symlinked_and_dangling_files_are_listed_by_folders_and_globs(linked_tree, pattern):
    (linked_tree / "link.html").symlink_to(linked_tree.parent / "outside" / "secret.html")
    (linked_tree / "dangling.html").symlink_to("missing.html")
    spec = linked_tree / pattern if pattern else linked_tree

    dumps = list_dumps([str(spec)])

    by_source = {dump.source: dump for dump in dumps}
    assert reasons(list(iter_pages(by_source["link.html"]))) == ["page"]
    assert reasons(list(iter_pages(by_source["dangling.html"]))) == ["unreadable_file"]


def test_one_real_file_reached_by_two_inputs_or_two_links_is_one_input(tmp_path):
    dumps, other = tmp_path / "dumps", tmp_path / "other"
    dumps.mkdir()
    other.mkdir()
    (dumps / "a.html").write_text("x")
    (dumps / "b-link.html").symlink_to("a.html")
    (dumps / "c-link.html").symlink_to(dumps / "a.html")
    (other / "0-link.html").symlink_to(dumps / "a.html")

    listed = list_dumps([str(dumps), str(other), str(dumps / "*.html"), str(other / "*")])

    assert [(dump.source, dump.key) for dump in listed] == [
        ("a.html", os.path.realpath(dumps / "a.html"))
    ]
    assert [dump.source for dump in list_dumps([str(other), str(dumps)])] == ["0-link.html"]


def test_dumps_listed_counts_the_dump_files_up_to_a_limit(tmp_path):
    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "scan.pdf").write_text("not a dump")
    (tmp_path / "pages" / "deep").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "c.html"):
        (tmp_path / "pages" / "deep" / name).write_text("words")
    pages = str(tmp_path / "pages")

    assert dumps_listed([str(tmp_path / "scans")], up_to=2) == 0
    assert dumps_listed([str(tmp_path / "scans"), pages], up_to=10) == 3
    assert dumps_listed([pages, f"{pages}/deep/a.txt"], up_to=10) == 3  # one file once
    assert dumps_listed([pages], up_to=2) == 2
