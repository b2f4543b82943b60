"""Pages in charsets that are undeclared, mislabelled, mixed or garbled: the text comes out
readable, or the page is one specific reject."""

import json

import pytest
from hostile_corpus import article

NAMES = "Herr Müller trinkt seinen café au lait im Café Größe, sagt Frau Dvořák."
NAMES_1252 = "Herr Müller trinkt seinen café au lait im Café Größe, sagt er “heute” für 5 €."


def page(sentence: str, head: str = "") -> str:
    return article(sentence).replace("<head>", f"<head>{head}")


def stray_byte_in_the_middle() -> bytes:
    good = page(" ".join([NAMES] * 8)).encode()
    middle = good.index(b"</h1>")
    return good[:middle] + b"\xff" + good[middle:]


CASES = {
    # name: (bytes, words the record text must hold, or a reject reason)
    "latin1-undeclared.html": (
        page(NAMES_1252.replace("“", '"').replace("”", '"').replace(" €", "")).encode("latin-1"),
        ["Müller", "café", "Größe"],
    ),
    "cp1252-undeclared.html": (
        page(NAMES_1252).encode("cp1252"),
        ["Müller", "café", "“heute”", "€"],
    ),
    "utf16-bom.html": (page(NAMES).encode("utf-16"), ["Müller", "café", "Dvořák"]),
    "utf16be-bom.html": (b"\xfe\xff" + page(NAMES).encode("utf-16-be"), ["Müller", "Dvořák"]),
    "utf16-no-bom.html": (page(NAMES).encode("utf-16-le"), "binary_content"),
    "meta-utf8-lies-cp1252.html": (
        page(NAMES_1252, '<meta charset="utf-8">').encode("cp1252"),
        ["Müller", "café", "€"],
    ),
    "meta-1251-lies-utf8.html": (
        page(NAMES, '<meta charset="windows-1251">').encode(),
        ["Müller", "café", "Dvořák"],
    ),
    "meta-utf16-lies-utf8.html": (
        page(NAMES, '<meta charset="utf-16">').encode(),
        ["Müller", "café", "Dvořák"],
    ),
    "meta-bogus-label.html": (
        page(NAMES, '<meta charset="no-such-charset">').encode(),
        ["Müller", "café"],
    ),
    # Labels naming Python codecs that decode no page are ignored like a bogus one: the cp1252
    # page is detected, the ASCII one (character references) read as UTF-8.
    "meta-undefined-label.html": (
        page(NAMES_1252, '<meta charset="undefined">').encode("cp1252"),
        ["Müller", "café", "“heute”", "€"],
    ),
    "meta-punycode-label.html": (
        page(NAMES, '<meta charset="punycode">').encode("ascii", "xmlcharrefreplace"),
        ["Müller", "café", "Dvořák"],
    ),
    "invalid-utf8-middle.html": (stray_byte_in_the_middle(), ["Müller", "café", "Dvořák"]),
    "nul-bytes.html": (page(NAMES).encode().replace(b"<h1>", b"<h1>\x00\x00"), "binary_content"),
    "mojibake.html": (
        page(NAMES).encode().decode("cp1252").encode(),
        ["Müller", "café", "Dvořák"],
    ),
    "mojibake-latin1.html": (
        page(NAMES_1252).encode("utf-8").decode("latin-1").encode(),
        ["Müller", "café", "“heute”", "€"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_comes_out_readable_or_is_one_specific_reject(tmp_path, run_hostile, name):
    data, expected = CASES[name]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(data)
    outcome = run_hostile()
    if isinstance(expected, str):
        assert outcome.by_source() == {name: [expected]}
        return
    assert outcome.by_source() == {name: ["record"]}
    text = outcome.text_of(name)
    assert [word for word in expected if word not in text] == []
    assert "\ufffd" not in text or outcome.records[0]["encoding"] == "utf-8+replace"
    assert "Ã" not in text and "\x00" not in text


def test_mojibake_in_a_jsonl_field_is_undone(tmp_path, run_hostile):
    garbled = article(NAMES).encode().decode("cp1252")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "crawl.jsonl").write_text(json.dumps({"html": garbled}) + "\n")
    outcome = run_hostile()
    assert outcome.by_source() == {"crawl.jsonl": ["record"]}
    assert "Herr Müller trinkt seinen café" in outcome.text_of("crawl.jsonl")
    assert outcome.records[0]["encoding"] == "utf-8+double-encoded"


def test_a_real_capital_a_tilde_is_not_taken_for_mojibake(tmp_path, run_hostile):
    sentence = "In São Paulo the ÃO ligature on the sign read ÃÉ, and café was served."
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "sao.html").write_bytes(page(sentence).encode())
    outcome = run_hostile()
    assert sentence in outcome.text_of("sao.html")
    assert outcome.records[0]["encoding"] == "utf-8"
