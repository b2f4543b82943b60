import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from flow_samples import ARTICLE, OTHER

from flows.batch import run_batch
from flows.ledger import Ledger, RunRow
from flows.readers import list_dumps
from flows.report import write_report

EVIL_TITLE = '<script>alert("pwned")</script> Flood gates open'
EVIL_PAGE = f"""<!doctype html><html><head><title>{EVIL_TITLE.replace("<", "&lt;")}</title>
<meta property="og:site_name" content="&lt;img src=x onerror=alert(1)&gt;">
</head><body><nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>{EVIL_TITLE.replace("<", "&lt;")}</h1>{"".join(f"<p>{p}</p>" for p in ARTICLE)}
<p>Readers wrote in: &lt;script src="https://evil.example/x.js"&gt;&lt;/script&gt; is not
a concert.</p></article>
<footer>Share on Facebook</footer></body></html>"""


def text_dump(folder: Path, name: str, paragraphs: list[str]) -> None:
    (folder / name).write_text("\n".join(["Home | News", *paragraphs, "Share on Facebook"]) + "\n")


def clean(folder: Path, out: Path, run_id: str, *names: str) -> None:
    dumps = [dump for dump in list_dumps([str(folder)]) if dump.source in names]
    run_batch(dumps, out, run_id=run_id, batch_no=0, max_page_bytes=1_000_000)


def run_row(run_id: str, **counts: int) -> RunRow:
    return RunRow(run_id, "2024-05-01T10:00:00+00:00", "2024-05-01T10:00:42+00:00", **counts)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """Two runs: the second cleans a changed `orchestra.txt` (a second version of its page) and
    a `late.txt` that was empty in the first run (its reject is superseded by a record)."""
    folder = tmp_path_factory.mktemp("in")
    out = tmp_path_factory.mktemp("out")
    text_dump(folder, "river.txt", ARTICLE)
    text_dump(folder, "orchestra.txt", OTHER)
    (folder / "evil.html").write_text(EVIL_PAGE)
    (folder / "empty.txt").write_text("")
    (folder / "blob.txt").write_bytes(b"\0\1\2 binary")
    (folder / "late.txt").write_text("")
    clean(folder, out, "r1", "river.txt", "orchestra.txt", "evil.html", "empty.txt", "blob.txt")
    clean(folder, out, "r1b", "late.txt")
    text_dump(folder, "orchestra.txt", [*OTHER, "The hall opens its doors an hour early."])
    text_dump(folder, "late.txt", [p.replace("orchestra", "choir") for p in OTHER])
    clean(folder, out, "r2", "orchestra.txt", "late.txt")
    ledger = Ledger(out)
    ledger.record_run(
        run_row("r1", files=6, unchanged=0, inputs=6, records=3, rejects=3, failed_batches=0)
    )
    ledger.record_run(
        run_row("r2", files=6, unchanged=4, inputs=2, records=2, rejects=0, failed_batches=1)
    )
    ledger.close()
    return out


def latest(out: Path, kind: str) -> str:
    """The latest version of each page of one kind, as a DuckDB relation (an independent
    reading of the README's rule, across records and rejects)."""
    return f"""(
        select * exclude (rank) from (
            select *, row_number() over (
                partition by source, record order by processed_at desc, is_record desc
            ) as rank
            from (
                select source, record, processed_at, true as is_record, removed, null as reason
                from read_parquet('{out}/records/*.parquet')
                union all by name
                select source, record, processed_at, false as is_record, null, reason
                from read_parquet('{out}/rejects/*.parquet')
            )
        ) where rank = 1 and is_record = {kind == "records"}
    )"""


def bar(page: str, section: str, label: str) -> str:
    """The value a bar chart in section `section` shows for `label`."""
    body = page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    found = re.search(rf'data-label="{re.escape(label)}" data-value="([^"]*)"', body)
    assert found, f"no bar {label!r} in {section}"
    return found.group(1)


def fact(page: str, key: str) -> str:
    found = re.search(rf'id="fact-{key}"><span class="value">([^<]*)<', page)
    assert found, f"no fact {key!r}"
    return found.group(1)


def test_counts_are_of_the_latest_version_of_each_page(out, tmp_path):
    facts = write_report(str(out), tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()

    all_rows = duckdb.sql(f"select count(*) from read_parquet('{out}/records/*.parquet')")
    assert all_rows.fetchall() == [(5,)]  # orchestra.txt twice, late.txt once
    assert (facts.records, facts.rejects, facts.runs) == (4, 2, 2)
    assert facts.rejects_by_reason == {"binary_content": 1, "empty_file": 1}
    assert (fact(page, "records"), fact(page, "rejects"), fact(page, "runs")) == ("4", "2", "2")
    assert bar(page, "rejects-by-reason", "empty_file") == "1 (50%)"
    assert bar(page, "rejects-by-reason", "binary_content") == "1 (50%)"

    removals = dict(
        duckdb.sql(
            f"select r.reason, count(*) from {latest(out, 'records')}, unnest(removed) as u(r)"
            " group by all"
        ).fetchall()
    )
    assert facts.removals_by_reason == removals
    assert facts.removed_blocks == sum(removals.values()) == int(fact(page, "removed"))
    reason, count = max(removals.items(), key=lambda item: item[1])
    assert bar(page, "removals-by-reason", reason).startswith(f"{count} (")
    rejects = duckdb.sql(f"select count(*) from {latest(out, 'rejects')}").fetchall()[0][0]
    assert rejects == facts.rejects


def test_run_history_lists_every_run_newest_first_and_flags_failures(out, tmp_path):
    write_report(str(out), tmp_path / "report.html")
    table = (tmp_path / "report.html").read_text().split('id="runs"', 1)[1].split("</table>")[0]
    rows = re.findall(r"<tr( class=\"failed\")?><td><code>(r\d)</code>.*?</tr>", table)
    assert rows == [(' class="failed"', "r2"), ("", "r1")]
    assert "<td>42.0 s</td>" in table


class Resources(HTMLParser):
    """Tags and attributes through which a page can fetch something or run code."""

    FETCHING = frozenset(
        {"src", "href", "srcset", "action", "data", "poster", "xlink:href", "background"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(k, v) for k, v in attrs if k in self.FETCHING or k.startswith("on")]
        self._in_style = tag == "style"
        self.styles += [v or "" for k, v in attrs if k == "style"]

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def test_the_page_loads_nothing_and_escapes_page_content(out, tmp_path):
    facts = write_report(str(out), tmp_path / "report.html", samples=10)
    page = (tmp_path / "report.html").read_text()
    assert facts.samples == 4  # every record

    parser = Resources()
    parser.feed(page)
    assert parser.attributes == []
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(parser.tags)
    assert not any(re.search(r"url\(|@import", style) for style in parser.styles)
    assert "Content-Security-Policy" in page
    # The hostile title, site and text are shown as text.
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; Flood gates open" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.lower()  # the site name
    assert "<script" not in page
    assert "&lt;script src=&quot;https://evil.example/x.js&quot;&gt;" in page


def test_sample_records_show_removed_blocks_coloured_by_reason(out, tmp_path):
    write_report(str(out), tmp_path / "report.html", samples=2)
    page = (tmp_path / "report.html").read_text()

    samples = page.split('id="samples"', 1)[1]
    assert samples.count('<article class="sample"') == 2
    legend = dict(re.findall(r'<li class="(reason-\d+)">([a-z_]+)</li>', samples))
    css = dict(re.findall(r"\.(reason-\d+) \{ --reason: ([^;]+); \}", page))
    assert set(legend) == set(css) and len(set(css.values())) == len(css)
    blocks = re.findall(
        r'<li class="(reason-\d+)"><del>[^<]*</del><span class="tag">([a-z_]+)<', samples
    )
    assert blocks, "no removed blocks shown"
    assert all(legend[cls] == reason for cls, reason in blocks)


def test_an_output_without_ledger_or_records_gives_an_empty_report(tmp_path):
    facts = write_report(tmp_path, tmp_path / "report.html")
    assert (facts.runs, facts.records, facts.rejects, facts.samples) == (0, 0, 0, 0)
    assert "No runs in this machine" in (tmp_path / "report.html").read_text()
    assert not (tmp_path / "ledger.sqlite").exists()


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="samples"):
        write_report(tmp_path, tmp_path / "report.html", samples=-1)
    with pytest.raises(FileNotFoundError):
        write_report(tmp_path / "missing", tmp_path / "report.html")


def test_pages_whose_input_is_gone_count_as_deleted_not_as_rejects(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    text_dump(folder, "river.txt", ARTICLE)
    text_dump(folder, "orchestra.txt", OTHER)
    first = run_batch(list_dumps([str(folder)]), out, run_id="r1", batch_no=0, max_page_bytes=10**6)
    (folder / "orchestra.txt").write_text("")
    previous = {version.path: (0, 1) for version in first.fingerprints}  # as if it had 2 pages
    run_batch(
        list_dumps([str(folder)]),
        out,
        run_id="r2",
        batch_no=0,
        max_page_bytes=10**6,
        previous_records=previous,
    )

    facts = write_report(str(out), tmp_path / "report.html")

    assert (facts.records, facts.rejects, facts.deleted) == (1, 1, 2)
    assert facts.rejects_by_reason == {"empty_file": 1}
    assert fact((tmp_path / "report.html").read_text(), "deleted") == "2"
