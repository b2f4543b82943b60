"""Damaged gzip files and a decompression bomb: specific rejects, bounded memory and time."""

import gzip
import json
import time
import tracemalloc
import zlib

import pytest
from hostile_corpus import article

from flows.batch import warm_up

BOMB_MEMBER_BYTES = 64 << 20  # one gzip member inflates to 64 MiB of zeros


def lines(count: int) -> bytes:
    return b"".join(
        json.dumps({"url": f"https://example.org/{n}", "html": article(f"Story {n}.")}).encode()
        + b"\n"
        for n in range(count)
    )


def truncated(data: bytes) -> bytes:
    return gzip.compress(data)[: len(gzip.compress(data)) * 2 // 3]


def bad_crc(data: bytes) -> bytes:
    packed = bytearray(gzip.compress(data))
    packed[-8] ^= 0xFF
    return bytes(packed)


def flipped_middle(data: bytes) -> bytes:
    packed = bytearray(gzip.compress(data, mtime=0))
    packed[len(packed) // 2 : len(packed) // 2 + 16] = b"\xff" * 16
    return bytes(packed)


CASES = {
    "cut.html.gz": (truncated(article().encode() * 3), ["truncated_gzip"]),
    "cut-header.html.gz": (gzip.compress(article().encode())[:5], ["truncated_gzip"]),
    "bad-crc.html.gz": (bad_crc(article().encode()), ["corrupt_gzip"]),
    "flipped.html.gz": (flipped_middle(article().encode()), ["corrupt_gzip"]),
    "garbage-after.html.gz": (gzip.compress(article().encode()) + b"NOT GZIP", ["corrupt_gzip"]),
    "bad-method.html.gz": (b"\x1f\x8b\x07" + b"\x00" * 20, ["corrupt_gzip"]),
}


@pytest.mark.parametrize("name", sorted(name for name, (data, _) in CASES.items() if data))
def test_damaged_gzip_is_one_specific_reject(tmp_path, run_hostile, name):
    data, expected = CASES[name]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(data)
    assert run_hostile().by_source() == {name: expected}


def test_cut_gzipped_jsonl_keeps_the_lines_before_the_cut(tmp_path, run_hostile):
    data = lines(40)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "cut.jsonl.gz").write_bytes(truncated(data))
    [outcomes] = run_hostile().by_source().values()
    assert outcomes[-1] == "truncated_gzip"
    assert set(outcomes[:-1]) == {"record"} and 5 < len(outcomes) - 1 < 40


def write_bomb(path, filler: bytes, members: int) -> None:
    """Concatenated gzip members (a valid gzip file) of one compressed block of `filler`,
    written without ever holding the inflated data."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(filler * (BOMB_MEMBER_BYTES // len(filler))) + compressor.flush()
    with path.open("wb") as output:
        for _ in range(members):
            output.write(member)


@pytest.mark.parametrize(
    ("name", "filler", "members"),
    [
        ("bomb.html.gz", b"\0", 32),  # 2 GiB of zeros from 2 MB: read up to the page limit
        ("bomb.jsonl.gz", b" ", 2),  # one 128 MiB line: inflated to its end, never held
    ],
)
def test_decompression_bomb_is_page_too_large_in_bounded_memory_and_time(
    tmp_path, run_hostile, name, filler, members
):
    (tmp_path / "in").mkdir()
    bomb = tmp_path / "in" / name
    write_bomb(bomb, filler, members)
    assert bomb.stat().st_size < 8 << 20
    for content_type in ("html", "text"):  # the cleaners' one-time load, done by whichever
        warm_up(content_type)  # test cleans a page first
    started = time.monotonic()
    tracemalloc.start()
    try:
        outcome = run_hostile(max_page_bytes=4_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.by_source() == {name: ["page_too_large"]}
    assert peak < 40_000_000, f"peak {peak} bytes"
    assert time.monotonic() - started < 20
