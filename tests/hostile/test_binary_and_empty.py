"""Binary files with text extensions, and files with nothing in them."""

import gzip
import io
import random
import zipfile
import zlib

import pytest
from hostile_corpus import article

RANDOM = random.Random(8)
NOISE = bytes(RANDOM.randrange(256) for _ in range(20_000))


def png() -> bytes:
    header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06"
    return header + b"\x00\x00\x00\x00IDAT" + zlib.compress(NOISE) + b"\x00\x00\x00\x00IEND"


def pdf() -> bytes:
    stream = zlib.compress(NOISE)
    header = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length "
    header += str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n"
    return header + stream + b"\nendstream\nendobj\n%%EOF\n"


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", "<html><body><p>hello</p></body></html>")
        archive.writestr("noise.bin", NOISE)
    return buffer.getvalue()


CASES = {
    "png.html": (png(), "binary_content"),
    "pdf.html": (pdf(), "binary_content"),
    "zip.html": (zip_archive(), "binary_content"),
    "png.txt": (png(), "binary_content"),
    "png-gzipped.html.gz": (gzip.compress(png()), "binary_content"),
    "noise.htm": (NOISE, "binary_content"),
    "empty.html": (b"", "empty_file"),
    "empty.jsonl": (b"", "empty_file"),
    "empty.warc": (b"", "empty_file"),
    "spaces.html": (b"   \n\t\r\n  " * 100, "empty_file"),
    "spaces.txt": (b" " * 5000, "empty_file"),
    "empty-gzipped.html.gz": (gzip.compress(b""), "empty_file"),
    "spaces-gzipped.txt.gz": (gzip.compress(b"\n" * 4000), "empty_file"),
    # Whitespace beyond the sniffed head: not an empty file, but a page with no content.
    "many-spaces.html": (b" " * 100_000, "empty_content"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_file_is_one_specific_reject(tmp_path, run_hostile, name):
    data, reason = CASES[name]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(data)
    outcome = run_hostile()
    assert outcome.by_source() == {name: [reason]}


def test_one_batch_of_them_all_keeps_the_good_page(tmp_path, run_hostile):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, (data, _) in CASES.items():
        (folder / name).write_bytes(data)
    (folder / "good.html").write_text(article())
    outcome = run_hostile()
    expected = {name: [reason] for name, (_, reason) in CASES.items()}
    assert outcome.by_source() == {**expected, "good.html": ["record"]}
    assert "northern rivers freeze" in outcome.text_of("good.html")
