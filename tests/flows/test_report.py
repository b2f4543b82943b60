import html
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from flow_samples import ARTICLE, OTHER

from cleaners.reasons import removal_explanation
from flows import report
from flows.batch import run_batch
from flows.dedup import load_index, mark_batch
from flows.ledger import Ledger, RunRow
from flows.readers import list_dumps
from flows.reject_reasons import REJECT_REASONS
from flows.report import write_report
from flows.storage import location

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


def clean(folder: Path, out: Path, run_id: str, *names: str, dedup: bool = False) -> None:
    """Clean the dumps `names` of `folder` as one batch; `dedup` marks the duplicates as a run
    does (`flows.dedup`)."""
    dumps = [dump for dump in list_dumps([str(folder)]) if dump.source in names]
    done = run_batch(dumps, out, run_id=run_id, batch_no=0, max_page_bytes=1_000_000)
    if dedup:
        index = load_index(location(out))
        mark_batch(
            location(out), index, done.signatures, run_id=run_id, batch_no=0, drop_duplicates=False
        )


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


def section(page: str, name: str) -> str:
    start = f'<section id="{name}">'
    assert start in page, f"no section {name!r}"
    return page.split(start, 1)[1].split("</section>", 1)[0]


def table_rows(html_part: str) -> list[list[str]]:
    """The cells of each body row of a table, as text without tags."""
    body = html_part.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell))
            for cell in re.findall(r"<td(?: [^>]*)?>(.*?)</td>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


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
    legend = dict(re.findall(r'<li class="(reason-\d+)" title="[^"]+">([a-z_]+)</li>', samples))
    css = dict(re.findall(r"\.(reason-\d+) \{ --reason: ([^;]+); \}", page))
    assert set(legend) == set(css) and len(set(css.values())) == len(css)
    blocks = re.findall(
        r'<p class="removed (reason-\d+)"><del>[^<]*</del><span class="tag" title="[^"]+">'
        r"([a-z_]+)<",
        samples,
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


def test_the_rejected_inputs_are_named_with_their_reason_and_detail(out, tmp_path, monkeypatch):
    write_report(str(out), tmp_path / "report.html")
    rows = table_rows(section((tmp_path / "report.html").read_text(), "rejects"))

    # late.txt's reject of the first run is superseded by its record.
    assert [row[:3] for row in rows] == [
        ["blob.txt#0", "no URL", "binary_content"],
        ["empty.txt#0", "no URL", "empty_file"],
    ]
    assert rows[1][3] == "0 bytes, no content"

    monkeypatch.setattr(report, "LISTED_REJECTS", 1)
    write_report(str(out), tmp_path / "first.html")
    rejects = section((tmp_path / "first.html").read_text(), "rejects")
    assert [row[0] for row in table_rows(rejects)] == ["blob.txt#0"]
    assert "… and 1 more rejects." in rejects


def test_every_removal_and_reject_reason_shown_is_explained(out, tmp_path):
    facts = write_report(str(out), tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()

    assert facts.removals_by_reason and facts.rejects_by_reason
    removals = section(page, "removal-reasons")
    for reason in facts.removals_by_reason:
        explanation = html.escape(removal_explanation(reason))
        assert '<dt class="reason-' in removals
        assert f"<code>{reason}</code></dt><dd>{explanation}</dd>" in removals, reason
    rejects = section(page, "reject-reasons")
    for reason in facts.rejects_by_reason:
        explanation = html.escape(REJECT_REASONS[reason])
        assert f"<code>{reason}</code></dt><dd>{explanation}</dd>" in rejects, reason


def test_duplicates_are_counted_and_named_with_their_original_s_source(tmp_path):
    """b.txt is a.txt with other chrome, c.txt a.txt edited; a second run rejects d.txt, the
    original of e.txt, so that original is no longer a record."""
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    text_dump(folder, "a.txt", ARTICLE)
    (folder / "b.txt").write_text("\n".join(["Startseite | Politik", *ARTICLE]) + "\n")
    text_dump(folder, "c.txt", [ARTICLE[0].replace("three years", "four years"), *ARTICLE[1:]])
    text_dump(folder, "d.txt", OTHER)
    text_dump(folder, "e.txt", OTHER)
    clean(folder, out, "r1", "a.txt", "b.txt", "c.txt", "d.txt", "e.txt", dedup=True)
    (folder / "d.txt").write_text("")
    clean(folder, out, "r2", "d.txt")

    facts = write_report(str(out), tmp_path / "report.html", samples=5)
    page = (tmp_path / "report.html").read_text()

    assert fact(page, "duplicates") == "3"
    duplicates = section(page, "duplicates")
    assert "3 of 4 records repeat an earlier record, 2 with the same words and 1 with" in (
        duplicates
    )
    rows = table_rows(duplicates)
    d_id = duckdb.sql(
        f"select doc_id from read_parquet('{out}/records/*.parquet') where source = 'd.txt'"
    ).fetchall()[0][0]
    assert [(row[0], row[2], row[3]) for row in rows] == [
        ("b.txt#0", "1.0 (same words)", "a.txt#0"),
        ("c.txt#0", rows[1][2], "a.txt#0"),
        ("e.txt#0", "1.0 (same words)", f"{d_id} (no longer a record)"),
    ]
    assert rows[1][2].endswith("(near)")
    shown = re.findall(r'<span class="dup">duplicate of (.*?)</span></p>', section(page, "samples"))
    assert sorted(re.sub(r"<[^>]+>", "", item) for item in shown) == sorted(
        ["a.txt#0", "a.txt#0", f"{d_id} (no longer a record)"]
    )  # every record is a sample: a.txt and the three duplicates
    assert (facts.duplicates, facts.exact_duplicates) == (3, 2)


def test_the_kept_share_is_of_the_visible_text_not_of_the_markup(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    script = "<script>var config = {" + ", ".join(f"k{n}: {n}" for n in range(5000)) + "};</script>"
    (folder / "page.html").write_text(
        f"<!doctype html><html><head><title>Flood gates</title>{script}</head><body>"
        '<nav><a href="/">Home</a> | <a href="/news">News</a></nav><article>'
        + "".join(f"<p>{p}</p>" for p in ARTICLE)
        + "</article><footer>Share on Facebook</footer></body></html>"
    )
    clean(folder, out, "r1", "page.html")

    facts = write_report(str(out), tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()

    text, removed, raw = duckdb.sql(
        "select text_chars, (select sum(length(r.text)) from unnest(removed) as u(r)), raw_chars"
        f" from read_parquet('{out}/records/*.parquet')"
    ).fetchall()[0]
    visible = text + removed
    assert removed > 0 and raw > 50 * visible  # the markup dwarfs the page's text
    assert fact(page, "kept") == f"{text / visible:.1%}"
    assert f"{text / visible:.0%} of {visible:,} visible characters kept" in page
    assert bar(page, "sites", "(no site or URL)").startswith(f"{text / visible:.0%} ·")
    assert (facts.text_chars, facts.visible_chars) == (text, visible)


def test_removed_blocks_stand_between_the_kept_paragraphs_they_stood_between(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    text_dump(folder, "river.txt", [ARTICLE[0], "Photo: Jan Berg / Reuters", *ARTICLE[1:]])
    clean(folder, out, "r1", "river.txt")

    write_report(str(out), tmp_path / "report.html")
    sample = section((tmp_path / "report.html").read_text(), "samples")

    shown = re.findall(r'<p( class="removed [^"]+")?>(?:<del>)?([^<]*)<', sample)
    assert [(bool(removed), text) for removed, text in shown] == [
        (True, "Home | News"),
        (False, ARTICLE[0]),
        (True, "Photo: Jan Berg / Reuters"),
        (False, ARTICLE[1]),
        (False, ARTICLE[2]),
        (True, "Share on Facebook"),
    ]


def test_a_long_sample_is_cut_with_a_count_of_what_is_left(tmp_path, monkeypatch):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    text_dump(folder, "river.txt", [ARTICLE[0], "Photo: Jan Berg / Reuters", *ARTICLE[1:]])
    clean(folder, out, "r1", "river.txt")
    monkeypatch.setattr(report, "SAMPLE_TEXT_CHARS", 40)

    write_report(str(out), tmp_path / "report.html")
    sample = section((tmp_path / "report.html").read_text(), "samples")

    assert f"<p>{ARTICLE[0][:40]}…</p>" in sample
    assert "<del>Photo: Jan Berg" not in sample
    assert "… 2 more kept paragraphs and 2 more removed blocks" in sample
