"""Cleaning never touches the network, resolves no entity or DTD, and keeps page values out of
file paths: proved with every socket entry point replaced by one that records and refuses."""

import socket

import pyarrow.parquet as pq
import pytest

from flows.batch import run_batch
from flows.readers import list_dumps

HOSTILE_PAGE = """<?xml version="1.0"?>
<!DOCTYPE html SYSTEM "http://dtd.evil.example/page.dtd" [
  <!ENTITY secret SYSTEM "file:///etc/passwd">
  <!ENTITY remote SYSTEM "http://entity.evil.example/x">
]>
<html><head><title>../../etc/cron.d/evil</title>
<link rel="stylesheet" href="http://css.evil.example/site.css">
<script src="https://js.evil.example/app.js"></script>
<meta http-equiv="refresh" content="0; url=http://refresh.evil.example/">
<base href="http://base.evil.example/"></head>
<body><article><h1>Harbour report</h1>
<p>The harbour office published its yearly report on Monday, describing how the ferries, the
fishing fleet and the new marina shared the water this season. &secret; &remote;</p>
<p>Read the full report at <a href="http://link.evil.example/report">the office's site</a>, and
see the map: <img src="http://img.evil.example/map.png"> <iframe src="http://frame.evil.example/">
</iframe></p></article></body></html>
"""


@pytest.fixture
def no_network(monkeypatch):
    attempts: list[str] = []

    def refuse(name):
        def blocked(*args, **kwargs):
            attempts.append(f"{name}{args[:2]}")
            raise OSError(f"network use in a test: {name}")

        return blocked

    for name in ("getaddrinfo", "create_connection", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse(name))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return attempts


def test_cleaning_a_hostile_page_touches_no_network_and_no_local_file(no_network, tmp_path):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (dumps / "page.html").write_text(HOSTILE_PAGE)
    out = tmp_path / "out"

    report = run_batch(list_dumps([str(dumps)]), out, run_id="r", batch_no=0, max_page_bytes=10**6)

    assert no_network == []
    assert report.records == 1
    (row,) = pq.read_table(out / "records").to_pylist()
    assert "harbour office published" in row["text"]
    assert "root:" not in row["text"]  # the file:// entity was not resolved
    # A path-like <title> is data: only the run id and batch name the files written.
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["records/part-r-00000.parquet", "rejects/part-r-00000.parquet"]
