"""A page's bytes -> its text, read the way the readers read every dump (and `clean_html` reads
bytes it is given): byte order mark; UTF-8 when the bytes look like it; the charset the
transport declared; `<meta charset>`; UTF-8; charset detection (charset_normalizer).

Bytes that are no text at all (NUL bytes, many control bytes) and bytes no charset decodes
strictly are `UnreadableBytes`, with the reason the readers record for such a page. The one
lenient case: UTF-8 with a few stray bytes among many valid non-ASCII characters is decoded
with U+FFFD for the strays (encoding `LENIENT_UTF8`). Double-encoded UTF-8 (mojibake: "MÃ¼ller"
for "Müller", UTF-8 once decoded as cp1252 or Latin-1 and saved as UTF-8 again) is undone when
the whole text round-trips (encoding `DOUBLE_ENCODED_UTF8`).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

from charset_normalizer import from_bytes

META_SCAN_BYTES = 4096
"""The head of an HTML page searched for `<meta charset>`."""
BINARY_SCAN_BYTES = 8192
"""The head of a page checked for bytes that text does not hold."""
MAX_CONTROL_BYTE_RATIO = 0.1
MIN_VALID_PER_INVALID_UTF8 = 10
LENIENT_UTF8 = "utf-8+replace"
"""The encoding of a page whose few stray bytes became U+FFFD."""
DOUBLE_ENCODED_UTF8 = "utf-8+double-encoded"
"""The encoding of a page whose mojibake was undone."""

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
"""Byte order marks, longest first (the UTF-32 LE BOM starts with the UTF-16 LE one)."""
CODEC_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}
"""WHATWG: pages labelled latin-1 or ASCII are decoded as windows-1252."""
NON_CHARSET_CODECS = {"undefined", "punycode", "unicode-escape", "raw-unicode-escape"}
"""Python text codecs no page is written in, so a label naming one is ignored like an unknown
label: "undefined" fails on every input and punycode on most (with UnicodeError, which no
charset raises), and the escape codecs would turn backslashes in the page into other text."""

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# Control bytes that do not occur in text (tab, newlines, form feed and ESC are allowed).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\x0b\x0c\r\x1b")
# A UTF-8 lead byte then a continuation byte, both read as cp1252 or Latin-1 ("Ã¼" for "ü").
_MOJIBAKE_PAIR = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    """The Python codec that decoded the bytes ("utf-8", "cp1252", "utf-8-sig" for a UTF-8
    BOM), or `LENIENT_UTF8` / `DOUBLE_ENCODED_UTF8`."""


class UnreadableBytes(ValueError):
    """The bytes are no text in any charset; `reason` is the readers' reject reason."""

    def __init__(self, reason: Literal["binary_content", "undecodable_text"], detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def decode_page(
    data: bytes,
    *,
    content_type: Literal["html", "text"] = "html",
    declared_charset: str | None = None,
) -> Decoded:
    """The page's text and how it was decoded; `declared_charset` is the transport's (an HTTP
    header's) label, and an HTML page's `<meta charset>` comes after it. Raises
    `UnreadableBytes`."""
    if (binary := binary_evidence(data)) is not None:
        raise UnreadableBytes("binary_content", binary)
    meta = _META_CHARSET.search(data[:META_SCAN_BYTES]) if content_type == "html" else None
    decoded = _decode(data, declared_charset, meta.group(1).decode() if meta else None)
    if decoded is None:
        raise UnreadableBytes(
            "undecodable_text", "not valid in the declared charset, UTF-8 or any detected charset"
        )
    text, encoding = decoded
    if (undone := undo_double_encoding(text)) is not None:
        return Decoded(undone, DOUBLE_ENCODED_UTF8)
    return Decoded(text, encoding)


def binary_evidence(data: bytes) -> str | None:
    """Why the bytes look binary rather than text, or None. UTF-16/32 with a BOM is text."""
    head = data[:BINARY_SCAN_BYTES]
    if any(head.startswith(bom) for bom, _ in BOMS):
        return None
    if b"\x00" in head:
        return "NUL bytes in the first bytes"
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if control > MAX_CONTROL_BYTE_RATIO * len(head):
        return f"{control} control bytes in the first {len(head)}"
    return None


def undo_double_encoding(text: str) -> str | None:
    """The text before UTF-8 was decoded as cp1252 (or Latin-1) and encoded again, or None when
    the text is not like that: every non-ASCII character must take part in the round trip, so
    real "Ã©" in a cp1252 page with other accents stays as it is."""
    if not _MOJIBAKE_PAIR.search(text):
        return None
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return None


def _decode(
    data: bytes, header_charset: str | None, meta_charset: str | None
) -> tuple[str, str] | None:
    """Text and the codec that decoded it, or None when nothing does.

    Order: BOM; UTF-8 if the bytes hold non-ASCII and are valid or nearly valid UTF-8 (pages
    labelled latin-1 but written in UTF-8 are common, and so are UTF-8 pages with a few stray
    bytes, while UTF-8-looking non-ASCII is almost never anything else); the HTTP header
    charset; <meta charset>; UTF-8; charset detection.
    """
    for bom, codec in BOMS:
        if data.startswith(bom):
            return _strict_decode(data, codec)
    if not data.isascii() and (decoded := _decode_mostly_utf8(data)):
        return decoded
    for label, from_meta in ((header_charset, False), (meta_charset, True)):
        codec = _codec_for(label, from_meta=from_meta)
        if codec and (decoded := _strict_decode(data, codec)):
            return decoded
    if decoded := _strict_decode(data, "utf-8"):
        return decoded
    best = from_bytes(data).best()
    return _strict_decode(data, best.encoding) if best is not None else None


def _decode_mostly_utf8(data: bytes) -> tuple[str, str] | None:
    """UTF-8, strictly if possible; else with U+FFFD for the invalid bytes when there are at
    least `MIN_VALID_PER_INVALID_UTF8` valid non-ASCII characters per invalid sequence."""
    if decoded := _strict_decode(data, "utf-8"):
        return decoded
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid_non_ascii = len(text) - len(text.encode("ascii", errors="ignore")) - invalid
    if valid_non_ascii >= MIN_VALID_PER_INVALID_UTF8 * invalid:
        return text, LENIENT_UTF8
    return None


def _codec_for(label: str | None, *, from_meta: bool) -> str | None:
    """The codec a charset label names, or None for a label that names none a page can be in
    (unknown, or in `NON_CHARSET_CODECS`): decoding then goes on as if there were no label."""
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in NON_CHARSET_CODECS:
        return None
    # WHATWG: a <meta> cannot truthfully declare UTF-16/32 (it would not be readable as ASCII).
    if from_meta and name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return CODEC_ALIASES.get(name, name)


def _strict_decode(data: bytes, codec: str) -> tuple[str, str] | None:
    try:
        return data.decode(codec), codec
    except (UnicodeDecodeError, LookupError):
        return None
