"""Crawler dumps with damaged, non-page and encoded records: WARC built byte by byte, and JSON
Lines with broken lines."""

import gzip
import json
import uuid

import pytest
from hostile_corpus import article

PAGE = article().encode()


def http(
    body: bytes,
    *headers: str,
    status: str = "200 OK",
    media: str = "text/html",
    charset: str = "utf-8",
) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {media}; charset={charset}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def warc_record(block: bytes, number: int, kind: str = "response", **headers: str) -> bytes:
    fields = {
        "WARC-Type": kind,
        "WARC-Target-URI": f"https://example.org/{number}",
        "WARC-Date": "2024-01-02T03:04:05Z",
        "WARC-Record-ID": f"<urn:uuid:{uuid.UUID(int=number)}>",
        "Content-Type": "application/http; msgtype=response",
        **headers,
        "Content-Length": str(len(block)),
    }
    head = "WARC/1.0\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return head.encode() + b"\r\n" + block + b"\r\n\r\n"


def chunked(body: bytes, size: int = 50) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def good(number: int) -> bytes:
    return warc_record(http(PAGE), number)


def write(tmp_path, name: str, data: bytes) -> None:
    (tmp_path / "in").mkdir(exist_ok=True)
    (tmp_path / "in" / name).write_bytes(data)


def mixed_warc() -> bytes:
    """Two pages around every kind of record that is not one, gzipped record by record."""
    records = [
        good(0),
        warc_record(http(b"\x89PNG\r\n\x1a\n\x00\x00", media="image/png"), 1),
        warc_record(http(b"%PDF-1.7", media="application/pdf"), 2),
        warc_record(http(b"User-agent: *\nDisallow:", media="text/plain"), 3),
        warc_record(http(b"", "Location: /elsewhere", status="301 Moved Permanently"), 4),
        warc_record(http(b"gone", status="404 Not Found"), 5),
        warc_record(
            http(b""), 6, "revisit", **{"WARC-Refers-To-Target-URI": "https://example.org/0"}
        ),
        warc_record(b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n", 7, "request"),
        warc_record(b"software: hostile\r\n", 8, "warcinfo", **{"Content-Type": "text/plain"}),
        good(9),
    ]
    return b"".join(gzip.compress(record) for record in records)


MIXED_OUTCOMES = [
    "record",
    *["not_html"] * 3,
    *["http_status_not_ok"] * 2,
    "revisit_record",
    "record",
]
"""What each input of `mixed_warc` ends as: requests and warcinfo records are not inputs."""


def test_non_page_and_revisit_records_are_specific_rejects(tmp_path, run_hostile):
    write(tmp_path, "mixed.warc.gz", mixed_warc())
    assert run_hostile().by_source() == {"mixed.warc.gz": MIXED_OUTCOMES}


BODIES = {
    "chunked": http(chunked(PAGE), "Transfer-Encoding: chunked"),
    "gzip": http(gzip.compress(PAGE), "Content-Encoding: gzip"),
    "chunked-gzip": http(
        chunked(gzip.compress(PAGE)), "Transfer-Encoding: chunked", "Content-Encoding: gzip"
    ),
    "one-byte-chunks": http(chunked(PAGE, size=1), "Transfer-Encoding: chunked"),
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_chunked_and_gzip_encoded_http_bodies_are_decoded(tmp_path, run_hostile, name):
    write(tmp_path, f"{name}.warc", warc_record(BODIES[name], 0))
    outcome = run_hostile()
    assert outcome.by_source() == {f"{name}.warc": ["record"]}
    assert "northern rivers freeze" in outcome.text_of(f"{name}.warc")


def test_a_gzip_body_that_is_not_gzip_is_a_specific_reject(tmp_path, run_hostile):
    body = http(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 8, "Content-Encoding: gzip")
    write(tmp_path, "bad-body.warc", warc_record(body, 0))
    assert run_hostile().by_source() == {"bad-body.warc": ["binary_content"]}


@pytest.mark.parametrize("compress", [False, True])
def test_a_corrupt_record_in_the_middle_keeps_the_records_before_it(
    tmp_path, run_hostile, compress
):
    """warcio cannot resync after a damaged record: the records before it are kept and the rest
    of the file is one reject (documented in flows.readers)."""
    members = [good(n) for n in range(5)]
    if compress:
        members = [gzip.compress(member, mtime=0) for member in members]
        damaged = bytearray(members[2])
        damaged[20:40] = b"\xff" * 20
        members[2] = bytes(damaged)
        expected = "corrupt_gzip"
    else:
        members[2] = b"GARBAGE THAT IS NOT A WARC HEADER\r\n\r\n" + members[2]
        expected = "broken_warc_record"
    name = "corrupt.warc.gz" if compress else "corrupt.warc"
    write(tmp_path, name, b"".join(members))
    assert run_hostile().by_source() == {name: ["record", "record", expected]}


UNUSABLE_CHARSETS = ("undefined", "punycode")
"""HTTP charsets naming Python codecs that decode no page: "undefined" fails on every input,
punycode on an HTML page."""


def unusable_charsets_warc() -> bytes:
    """A good page, then each page labelled with an unusable charset followed by a good one."""
    records = [good(0)]
    for number, charset in enumerate(UNUSABLE_CHARSETS):
        records += [warc_record(http(PAGE, charset=charset), 2 * number + 1), good(2 * number + 2)]
    return b"".join(records)


def test_a_charset_that_names_no_usable_codec_is_ignored_and_reading_goes_on(tmp_path, run_hostile):
    write(tmp_path, "charsets.warc", unusable_charsets_warc())
    outcome = run_hostile()
    assert outcome.by_source() == {"charsets.warc": ["record"] * (1 + 2 * len(UNUSABLE_CHARSETS))}


def test_a_record_cut_short_at_the_end_is_a_broken_record(tmp_path, run_hostile):
    data = good(0) + good(1)
    write(tmp_path, "cut.warc", data[: len(data) - 200])
    assert run_hostile().by_source() == {"cut.warc": ["record", "broken_warc_record"]}


MAX_JSONL_LINE_BYTES = 250_000
"""The page limit of the broken JSONL lines test: above its 200 kB deeply nested line."""
TOO_DEEP = b'{"html": "<p>x</p>", "tree": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
NUMBER_TOO_LONG = b'{"html": "<p>x</p>", "id": ' + b"7" * 5000 + b"}"
LONE_SURROGATES = (
    b'{"url": "https://example.org/c", "text": "half a pair \\ud83e here"}',
    b'{"url": "https://example.org/\\ud800", "html": "<p>x</p>"}',
    b'{"html": "<p>x</p>", "tag": "\\udc00"}',
)


def test_broken_jsonl_lines_are_each_one_specific_reject(tmp_path, run_hostile):
    page = json.dumps({"url": "https://example.org/a", "html": article()})
    lines = [
        b"\xef\xbb\xbf" + page.encode(),  # BOM on the first line
        page[: len(page) // 2].encode(),  # cut in the middle of a string
        b"[1, 2, 3]",
        b'"just a string"',
        b"42",
        b"{not json at all",
        b'{"url": "https://example.org/b"}',
        b'{"html": "   "}',
        b'{"html": 17}',
        b'{"html": "caf\xe9 latin-1 inside JSON"}',
        b"",  # blank line: skipped, but counted in the line numbers
        b"\x00\x00\x00\x00",
        page.encode() + b"\r",  # CRLF line ending
        b'{"text": "' + b"x" * MAX_JSONL_LINE_BYTES + b'"}',  # over max_page_bytes
        TOO_DEEP,
        NUMBER_TOO_LONG,
        *LONE_SURROGATES,
        page.encode(),  # last line without a newline
    ]
    write(tmp_path, "crawl.jsonl", b"\n".join(lines))
    outcome = run_hostile(max_page_bytes=MAX_JSONL_LINE_BYTES)
    assert outcome.by_source() == {
        "crawl.jsonl": [
            "record",
            "invalid_json",
            "invalid_json",
            "invalid_json",
            "invalid_json",
            "invalid_json",
            "missing_content",
            "empty_content",
            "missing_content",
            "undecodable_text",
            "invalid_json",
            "record",
            "page_too_large",
            "json_too_deep",
            "json_number_too_long",
            "invalid_unicode",
            "invalid_unicode",
            "invalid_unicode",
            "record",
        ]
    }
    assert sorted(r["record"] for r in outcome.records) == [0, 12, 19]
