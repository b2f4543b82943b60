"""One self-contained HTML page about an output folder: run history, what the cleaners removed
and why, kept text per site, the rejected inputs and why, the duplicates and their originals,
and a few records shown as `winnow inspect` shows them (removed blocks where they stood).

Prefect-free. The page loads nothing: inline CSS, charts as inline SVG drawn here, no script, and
a Content-Security-Policy that forbids any fetch, so it can be mailed or archived as one file.
Page content (titles, texts, URLs, sites) is untrusted and always escaped.

Counts cover the latest version of each page (`doc_id`) across records and rejects, as
compaction keeps them (a page rejected once and cleaned after its dump changed counts as a
record; a page whose latest row is a tombstone, `source_deleted`, counts as deleted, not as a
reject); the run history shows what each run wrote. Parts are read one row batch at a time, so
memory stays at one batch plus the page keys, the per-site totals and the few rows listed.

A page's kept share is of its visible text, the clean text plus the removed blocks (for HTML,
every visible line that is not in the clean text is a removed block): its markup, scripts
and styles are no text a reader lost. Every reason shown comes with what it means
(`cleaners.reasons`, `flows.reject_reasons`).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from cleaners.reasons import removal_explanation
from flows.compact import newest_versions
from flows.dedup import DUPLICATE
from flows.inspection import in_place
from flows.ledger import LEDGER_NAME, Ledger, RunRow
from flows.records import (
    RECORD_SCHEMA,
    RECORDS_DIR,
    REJECT_SCHEMA,
    REJECTS_DIR,
    SOURCE_DELETED,
    Row,
)
from flows.reject_reasons import REJECT_REASONS
from flows.storage import Location, location

TOP_SITES = 20
NO_SITE = "(no site or URL)"
SAMPLE_TEXT_CHARS = 3000
SAMPLE_REMOVED_BLOCKS = 40
REMOVED_BLOCK_CHARS = 300
LISTED_REJECTS = 25
LISTED_DUPLICATES = 25
DETAIL_CHARS = 300
CHART_LABEL_CHARS = 32
RECORD_COLUMNS = [
    "doc_id",
    "source",
    "input",
    "record",
    "url",
    "site",
    "removed",
    "text_chars",
    "dup_of",
    "dup_score",
]
SAMPLE_COLUMNS = ["title", "language", "text", "word_count"]
DUPLICATE_COLUMNS = ["doc_id", "source", "input", "record", "url", "dup_of", "dup_score"]
REJECT_COLUMNS = ["doc_id", "source", "input", "record", "url", "reason", "detail"]
SOURCE_ORDER = [("source", "ascending"), ("record", "ascending"), ("doc_id", "ascending")]
COLUMN_TYPES = {
    field.name: field.type for schema in (REJECT_SCHEMA, RECORD_SCHEMA) for field in schema
}
UNKNOWN_REASON = "Not a reason this version of winnow gives (written by another version)."
# Distinct on white and for the common colour blindnesses first (Tableau 10), then two more;
# reasons past these get hues a golden angle apart.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#17becf",
    "#8c564b",
)
CLEANER_COLOUR = "#4e79a7"
REJECT_COLOUR = "#e15759"
SITE_COLOUR = "#59a14f"
URL_HOST = r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(?P<host>[^/:?#]*)"


@dataclass(frozen=True)
class ReportFacts:
    """The numbers the page shows, over the latest version of each page."""

    runs: int
    records: int
    rejects: int
    deleted: int
    """Pages whose input is gone (their latest row is a tombstone): not rejects."""
    duplicates: int
    """Records marked as repeating an earlier one (`dup_of`); dropped ones are rejects."""
    exact_duplicates: int
    """Of those, the ones with the same words (similarity 1.0, as `flows.dedup` calls them)."""
    removed_blocks: int
    visible_chars: int
    text_chars: int
    removals_by_reason: dict[str, int]
    removals_by_cleaner: dict[str, int]
    rejects_by_reason: dict[str, int]
    sites: int
    samples: int

    @property
    def kept_ratio(self) -> float:
        """Share of the records' visible text that survived as clean text."""
        return _share(self.text_chars, self.visible_chars)


@dataclass
class SiteTotals:
    records: int = 0
    visible_chars: int = 0
    text_chars: int = 0


@dataclass
class _RecordTally:
    records: int = 0
    duplicates: int = 0
    exact_duplicates: int = 0
    visible_chars: int = 0
    text_chars: int = 0


@dataclass(frozen=True)
class _Listed:
    """The rows the page shows one by one."""

    samples: list[Row]
    duplicates: list[Row]
    rejects: list[Row]
    records_by_id: dict[str, Row]
    """The samples and the duplicates' originals, by doc_id: an original is named by its
    source, and one missing here is no longer among the latest records."""


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def write_report(out: str | Path, path: Path, *, samples: int = 5) -> ReportFacts:
    """Write the HTML report on output folder `out` (local path or URI) to the local file
    `path`. `samples` records are shown in full: a stable pseudo-random pick (lowest
    `doc_id`, a hash), non-duplicates first. The rejects and the duplicates are listed by
    source, the first LISTED_REJECTS and LISTED_DUPLICATES of them."""
    if samples < 0:
        raise ValueError(f"samples must be >= 0, got {samples}")
    base = location(out)
    if not base.exists():
        raise FileNotFoundError(f"no output folder at {out}")
    filesystem = base.filesystem
    record_parts = base.child(RECORDS_DIR).files("part-", ".parquet")
    reject_parts = base.child(REJECTS_DIR).files("part-", ".parquet")
    latest_records, latest_rejects = _latest_rows(base, record_parts, reject_parts)

    tally = _RecordTally()
    reasons: Counter[str] = Counter()
    cleaners: Counter[str] = Counter()
    sites: dict[str, SiteTotals] = {}
    picked: list[tuple[bool, str, str | None]] = []
    duplicates: list[Row] = []
    for batch in _latest_batches(filesystem, record_parts, latest_records, RECORD_COLUMNS):
        _tally_records(batch, tally, reasons, cleaners, sites)
        picked = _pick_samples(picked, batch, samples)
        marked = batch.select(DUPLICATE_COLUMNS).filter(pc.is_valid(batch.column("dup_of")))
        duplicates = _first_by_source(duplicates, marked, LISTED_DUPLICATES)
    wanted = {doc_id for _, doc_id, _ in picked}
    wanted |= {row["dup_of"] for row in duplicates}
    wanted |= {dup_of for _, _, dup_of in picked if dup_of is not None}
    records_by_id = _rows_by_id(filesystem, record_parts, latest_records, wanted)

    reject_reasons: Counter[str] = Counter()
    rejects: list[Row] = []
    for batch in _latest_batches(filesystem, reject_parts, latest_rejects, REJECT_COLUMNS):
        reject_reasons.update(_value_counts(batch.column("reason")))
        rejected = batch.filter(pc.not_equal(batch.column("reason"), SOURCE_DELETED))
        rejects = _first_by_source(rejects, rejected, LISTED_REJECTS)
    deleted = reject_reasons.pop(SOURCE_DELETED, 0)

    runs = _runs(base)
    facts = ReportFacts(
        runs=len(runs),
        records=tally.records,
        rejects=reject_reasons.total(),
        deleted=deleted,
        duplicates=tally.duplicates,
        exact_duplicates=tally.exact_duplicates,
        removed_blocks=reasons.total(),
        visible_chars=tally.visible_chars,
        text_chars=tally.text_chars,
        removals_by_reason=dict(_ranked(reasons)),
        removals_by_cleaner=dict(_ranked(cleaners)),
        rejects_by_reason=dict(_ranked(reject_reasons)),
        sites=len(sites),
        samples=len(picked),
    )
    listed = _Listed(
        samples=[records_by_id[doc_id] for _, doc_id, _ in picked],
        duplicates=duplicates,
        rejects=rejects,
        records_by_id=records_by_id,
    )
    path.write_text(_page(base.uri, facts, runs, sites, listed), encoding="utf-8")
    return facts


def _runs(base: Location) -> list[RunRow]:
    """The ledger's runs; none when this machine has no ledger for OUT (a remote OUT written
    from elsewhere). Never creates a ledger."""
    state = base.state_dir()
    if not (state / LEDGER_NAME).exists():
        return []
    ledger = Ledger(state)
    try:
        return ledger.runs()
    finally:
        ledger.close()


def _latest_rows(
    base: Location, record_parts: list[str], reject_parts: list[str]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per part of each kind, a mask of the rows that hold a page's newest version (the rule
    of `flows.compact.newest_versions`)."""
    newest, _ = newest_versions(base)
    masks = {
        part: np.zeros(pq.ParquetFile(part, filesystem=base.filesystem).metadata.num_rows, bool)
        for part in (*record_parts, *reject_parts)
    }
    for version in newest.values():
        masks[version.part][version.row] = True
    return [masks[part] for part in record_parts], [masks[part] for part in reject_parts]


def _latest_batches(
    filesystem: pafs.FileSystem, parts: list[str], masks: list[np.ndarray], columns: list[str]
) -> Iterator[pa.RecordBatch]:
    """The latest-version rows of `parts`, one row batch at a time. A column an older schema
    version lacks (`dup_of` before version 2, `input` before 3) reads as nulls of its type."""
    for part, mask in zip(parts, masks, strict=True):
        parquet = pq.ParquetFile(part, filesystem=filesystem)
        present = [name for name in columns if name in parquet.schema_arrow.names]
        offset = 0
        for batch in parquet.iter_batches(columns=present):
            kept = batch.filter(pa.array(mask[offset : offset + batch.num_rows]))
            offset += batch.num_rows
            for name in columns:
                if name not in present:
                    kept = kept.append_column(name, pa.nulls(kept.num_rows, COLUMN_TYPES[name]))
            yield kept


def _value_counts(values: pa.Array | pa.ChunkedArray) -> Counter[str]:
    return Counter({item["values"]: item["counts"] for item in pc.value_counts(values).to_pylist()})


def _tally_records(
    batch: pa.RecordBatch,
    tally: _RecordTally,
    reasons: Counter[str],
    cleaners: Counter[str],
    sites: dict[str, SiteTotals],
) -> None:
    tally.records += batch.num_rows
    tally.duplicates += pc.sum(pc.is_valid(batch.column("dup_of"))).as_py() or 0
    tally.exact_duplicates += pc.sum(pc.greater_equal(batch.column("dup_score"), 1.0)).as_py() or 0
    visible, text = _visible_chars(batch), batch.column("text_chars")
    tally.visible_chars += pc.sum(visible).as_py() or 0
    tally.text_chars += pc.sum(text).as_py() or 0
    removed = pc.list_flatten(batch.column("removed"))
    reasons.update(_value_counts(pc.struct_field(removed, "reason")))
    cleaners.update(_value_counts(pc.struct_field(removed, "cleaner")))
    grouped = (
        pa.table({"site": _site_keys(batch), "visible": visible, "text": text})
        .group_by("site")
        .aggregate([("site", "count"), ("visible", "sum"), ("text", "sum")])
    )
    for row in grouped.to_pylist():
        totals = sites.setdefault(row["site"], SiteTotals())
        totals.records += row["site_count"]
        totals.visible_chars += row["visible_sum"]
        totals.text_chars += row["text_sum"]


def _visible_chars(batch: pa.RecordBatch) -> pa.Array:
    """Per record, the characters of its visible text: its clean text's and its removed
    blocks'."""
    removed = batch.column("removed")
    lengths = pc.utf8_length(pc.struct_field(pc.list_flatten(removed), "text"))
    removed_chars = np.bincount(
        pc.list_parent_indices(removed).to_numpy(),
        weights=lengths.to_numpy(zero_copy_only=False),
        minlength=batch.num_rows,
    )
    return pa.array(batch.column("text_chars").to_numpy() + removed_chars.astype(np.int64))


def _site_keys(batch: pa.RecordBatch) -> pa.Array:
    """The record's `site` when its metadata names one, else its URL's host, else NO_SITE."""
    host = pc.utf8_lower(pc.struct_field(pc.extract_regex(batch.column("url"), URL_HOST), "host"))
    return pc.coalesce(_blank_as_null(batch.column("site")), _blank_as_null(host), NO_SITE)


def _blank_as_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(values)), 0), values, None)


def _pick_samples(
    picked: list[tuple[bool, str, str | None]], batch: pa.RecordBatch, samples: int
) -> list[tuple[bool, str, str | None]]:
    """The `samples` best (is duplicate, doc_id, dup_of) so far: non-duplicates first, then
    lowest doc_id. Only the batch's best few leave Arrow."""
    if not samples:
        return picked
    dup_of = batch.column("dup_of")
    keys = pa.table({"dup": pc.is_valid(dup_of), "doc_id": batch.column("doc_id"), "of": dup_of})
    best = keys.sort_by([("dup", "ascending"), ("doc_id", "ascending")]).slice(0, samples)
    candidates = [(row["dup"], row["doc_id"], row["of"]) for row in best.to_pylist()]
    return sorted([*picked, *candidates])[:samples]


def _first_by_source(listed: list[Row], rows: pa.RecordBatch, limit: int) -> list[Row]:
    """The first `limit` rows by source and record of `listed` and `rows`. Only the batch's
    first few leave Arrow."""
    first = pa.Table.from_batches([rows]).sort_by(SOURCE_ORDER).slice(0, limit).to_pylist()
    return sorted([*listed, *first], key=_source_order)[:limit]


def _source_order(row: Row) -> tuple[str, int, str]:
    return row["source"], row["record"], row["doc_id"] or ""  # no doc_id: a reject before 3


def _rows_by_id(
    filesystem: pafs.FileSystem, parts: list[str], masks: list[np.ndarray], wanted: set[str]
) -> dict[str, Row]:
    """The latest records with these doc_ids, in full: a second pass, so that only the few
    rows shown are turned into Python objects."""
    if not wanted:
        return {}
    ids = pa.array(sorted(wanted), pa.string())
    found: dict[str, Row] = {}
    for batch in _latest_batches(filesystem, parts, masks, RECORD_COLUMNS + SAMPLE_COLUMNS):
        chosen = batch.filter(pc.is_in(batch.column("doc_id"), ids))
        found.update((row["doc_id"], row) for row in chosen.to_pylist())
    return found


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# ---- HTML ------------------------------------------------------------------------------------

CSS = """
:root { --ink: #1d2330; --dim: #6b7280; --line: #e5e7eb; --accent: #4e79a7; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0 auto; padding: 24px 32px 64px; max-width: 1200px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 0 0 4px; }
h4 { font-size: 13px; margin: 0 0 6px; color: var(--dim); text-transform: uppercase;
  letter-spacing: .04em; }
.sub, .note { color: var(--dim); font-size: 13px; }
code { font: 13px ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 12px;
  margin-top: 20px; }
.fact { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.fact .value { display: block; font-size: 24px; font-weight: 650; }
.fact .label { color: var(--dim); font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right;
  white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
tr.failed td { background: #fdecec; }
table.listing th, table.listing td { text-align: left; vertical-align: top; }
table.listing td.wrap { white-space: normal; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr));
  gap: 8px 32px; }
svg.bars { max-width: 100%; height: auto; font-size: 12px; }
svg.bars text { fill: var(--ink); }
svg.bars .track { fill: #f3f4f6; }
.empty { color: var(--dim); font-style: italic; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 8px 0 16px; padding: 0;
  list-style: none; font-size: 13px; }
.legend li::before, dl.reasons dt::before { content: ""; display: inline-block; width: 12px;
  height: 12px; margin-right: 5px; vertical-align: -1px; border-radius: 2px;
  background: var(--reason); }
dl.reasons { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px;
  margin: 10px 0 16px; font-size: 13px; }
dl.reasons dd { margin: 0; color: var(--dim); }
.sample { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 14px 0; }
.sample .meta { color: var(--dim); font-size: 13px; margin: 0 0 10px; overflow-wrap: anywhere; }
.sample .text { overflow-wrap: anywhere; font-size: 14px; }
.sample .text p { margin: 0 0 8px; white-space: pre-wrap; }
.sample .text p.removed { border-left: 4px solid var(--reason); padding: 1px 8px;
  margin-bottom: 4px; font-size: 13px; background: color-mix(in srgb, var(--reason) 10%, white); }
.sample del { color: var(--dim); text-decoration-color: var(--reason); }
.tag { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 9px;
  font-size: 11px; color: #fff; background: var(--reason); }
.dup { color: #b45309; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _reason_classes(reasons: Sequence[str]) -> dict[str, str]:
    """The CSS class that sets `--reason` to a removal reason's colour."""
    return {reason: f"reason-{rank}" for rank, reason in enumerate(reasons)}


def _reason_colours(reasons: Sequence[str]) -> dict[str, str]:
    """One colour per removal reason, by rank, the same everywhere on the page."""
    return {
        reason: PALETTE[rank]
        if rank < len(PALETTE)
        else f"hsl({(rank * 137.508) % 360:.0f}, 55%, 45%)"
        for rank, reason in enumerate(reasons)
    }


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str
    colour: str


def _bar_chart(bars: Sequence[Bar], *, title: str, scale: float | None = None) -> str:
    """Horizontal bars as inline SVG: label, bar (against `scale`, default the largest value),
    shown value. Each bar carries its label and value as data attributes."""
    if not bars:
        return f'<p class="empty">No {_e(title.lower())}.</p>'
    top = scale or max(bar.value for bar in bars) or 1.0
    row, label_width, bar_width, value_width = 24, 210, 250, 140
    width = label_width + bar_width + value_width
    rows = []
    for index, bar in enumerate(bars):
        y = index * row
        length = max(1.0, bar_width * bar.value / top) if bar.value else 0.0
        label = bar.label
        if len(label) > CHART_LABEL_CHARS:
            label = label[: CHART_LABEL_CHARS - 1] + "…"
        rows.append(
            f'<g class="bar" data-label="{_e(bar.label)}" data-value="{_e(bar.shown)}">'
            f"<title>{_e(bar.label)}: {_e(bar.shown)}</title>"
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">{_e(label)}</text>'
            f'<rect class="track" x="{label_width}" y="{y + 4}" width="{bar_width}" height="16"/>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="16"'
            f' fill="{bar.colour}"/>'
            f'<text class="value" x="{label_width + bar_width + 8}" y="{y + 16}">'
            f"{_e(bar.shown)}</text></g>"
        )
    height = len(bars) * row + 4
    return (
        f'<svg class="bars" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-label="{_e(title)}">' + "".join(rows) + "</svg>"
    )


def _fact(key: str, value: str, label: str) -> str:
    return (
        f'<div class="fact" id="fact-{key}"><span class="value">{value}</span>'
        f'<span class="label">{label}</span></div>'
    )


def _facts_html(facts: ReportFacts) -> str:
    return (
        '<div class="facts">'
        + "".join(
            [
                _fact("records", f"{facts.records:,}", "records"),
                _fact("rejects", f"{facts.rejects:,}", "rejects"),
                _fact("deleted", f"{facts.deleted:,}", "deleted from the inputs"),
                _fact("duplicates", f"{facts.duplicates:,}", "duplicates of earlier records"),
                _fact("removed", f"{facts.removed_blocks:,}", "removed blocks"),
                _fact("kept", f"{facts.kept_ratio:.1%}", "of the visible text kept"),
                _fact("sites", f"{facts.sites:,}", "sites"),
                _fact("runs", f"{facts.runs:,}", "runs"),
            ]
        )
        + "</div>"
    )


def _duration(run: RunRow) -> str:
    try:
        seconds = (
            datetime.fromisoformat(run.finished_at) - datetime.fromisoformat(run.started_at)
        ).total_seconds()
    except ValueError:
        return "?"
    return f"{seconds:,.1f} s"


def _runs_html(runs: list[RunRow]) -> str:
    if not runs:
        return '<p class="empty">No runs in this machine\'s ledger for this output folder.</p>'
    head = (
        "<tr><th>run</th><th>started (UTC)</th><th>took</th><th>files</th><th>unchanged</th>"
        "<th>inputs</th><th>records</th><th>rejects</th><th>failed batches</th></tr>"
    )
    rows = []
    for run in reversed(runs):
        cells = [
            f"<code>{_e(run.run_id)}</code>",
            _e(run.started_at[:19].replace("T", " ")),
            _duration(run),
            *(f"{n:,}" for n in (run.files, run.unchanged, run.inputs, run.records, run.rejects)),
            f"{run.failed_batches:,}",
        ]
        failed = ' class="failed"' if run.failed_batches else ""
        rows.append(f"<tr{failed}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return f'<table id="runs"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _count_bars(counts: dict[str, int], colour_of: Callable[[str], str]) -> list[Bar]:
    total = sum(counts.values()) or 1
    return [Bar(name, n, f"{n:,} ({n / total:.0%})", colour_of(name)) for name, n in counts.items()]


def _sites_html(sites: dict[str, SiteTotals]) -> str:
    top = sorted(sites.items(), key=lambda item: (-item[1].records, item[0]))[:TOP_SITES]
    bars = [
        Bar(
            site,
            kept := _share(totals.text_chars, totals.visible_chars),
            f"{kept:.0%} · {totals.records:,} records",
            SITE_COLOUR,
        )
        for site, totals in top
    ]
    note = (
        '<p class="note">Clean characters / visible characters per site (the page\'s declared'
        " site, else its URL's host; visible: the clean text and the removed blocks, not the"
        f" markup), for the {len(top)} sites with most records of {len(sites):,}.</p>"
    )
    return note + _bar_chart(bars, title="Kept ratio by site", scale=1.0)


def _explanations_html(
    counts: dict[str, int], meaning: Callable[[str], str], class_of: Callable[[str], str]
) -> str:
    """Each reason shown above with the one line that says what it means."""
    items = "".join(
        f'<dt class="{class_of(reason)}"><code>{_e(reason)}</code></dt>'
        f"<dd>{_e(meaning(reason))}</dd>"
        for reason in counts
    )
    return f'<dl class="reasons">{items}</dl>' if items else ""


def _source_html(row: Row) -> str:
    """A record or reject by its dump's path (as given, under its input folder) and its
    number in the dump; the file's full path or URI shows on hover."""
    full = row["input"] or row["source"]
    return f'<code title="{_e(full)}">{_e(row["source"])}#{row["record"]}</code>'


def _url_html(url: str | None) -> str:
    return f"<code>{_e(url)}</code>" if url else '<span class="empty">no URL</span>'


def _more_html(shown: int, total: int, what: str) -> str:
    more = total - shown
    return f'<p class="note">… and {more:,} more {what}.</p>' if more > 0 else ""


def _rejected_html(rejects: list[Row], total: int) -> str:
    if not rejects:
        return '<p class="empty">No rejects.</p>'
    head = "<tr><th>input</th><th>URL</th><th>reason</th><th>detail</th></tr>"
    rows = "".join(
        f'<tr><td>{_source_html(row)}</td><td class="wrap">{_url_html(row["url"])}</td>'
        f"<td><code>{_e(row['reason'])}</code></td>"
        f'<td class="wrap">{_e(_clipped(row["detail"], DETAIL_CHARS))}</td></tr>'
        for row in rejects
    )
    return (
        f'<table class="listing" id="rejected-inputs"><thead>{head}</thead>'
        f"<tbody>{rows}</tbody></table>{_more_html(len(rejects), total, 'rejects')}"
    )


def _original_html(doc_id: str, records_by_id: dict[str, Row]) -> str:
    """The record a duplicate repeats, by its source; by its doc_id when its latest version
    is no record any more (rejected or deleted since)."""
    original = records_by_id.get(doc_id)
    if original is None:
        return f'<code>{_e(doc_id)}</code> <span class="empty">(no longer a record)</span>'
    return _source_html(original)


def _similarity(score: float) -> str:
    return "1.0 (same words)" if score >= 1.0 else f"{score:.2f} (near)"


def _duplicates_html(facts: ReportFacts, listed: _Listed) -> str:
    dropped = facts.rejects_by_reason.get(DUPLICATE, 0)
    moved = (
        f" {dropped:,} more were moved to the rejects (<code>--drop-duplicates</code>)."
        if dropped
        else ""
    )
    if not facts.duplicates:
        return f'<p class="note">No record repeats an earlier one.{moved}</p>'
    note = (
        f'<p class="note">{facts.duplicates:,} of {facts.records:,} records repeat an earlier'
        f" record, {facts.exact_duplicates:,} with the same words and"
        f" {facts.duplicates - facts.exact_duplicates:,} with nearly the same. They are kept and"
        f" marked with the original's doc_id (<code>dup_of</code>).{moved}</p>"
    )
    head = "<tr><th>duplicate</th><th>URL</th><th>similarity</th><th>of the original</th></tr>"
    rows = "".join(
        f'<tr><td>{_source_html(row)}</td><td class="wrap">{_url_html(row["url"])}</td>'
        f"<td>{_similarity(row['dup_score'])}</td>"
        f"<td>{_original_html(row['dup_of'], listed.records_by_id)}</td></tr>"
        for row in listed.duplicates
    )
    return (
        f'{note}<table class="listing" id="duplicate-records"><thead>{head}</thead>'
        f"<tbody>{rows}</tbody></table>"
        + _more_html(len(listed.duplicates), facts.duplicates, "duplicates")
    )


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _removal_meaning(reason: str) -> str:
    return removal_explanation(reason) or UNKNOWN_REASON


def _removed_html(removal: Row, classes: dict[str, str]) -> str:
    reason = removal["reason"]
    return (
        f'<p class="removed {classes[reason]}">'
        f"<del>{_e(_clipped(removal['text'], REMOVED_BLOCK_CHARS))}</del>"
        f'<span class="tag" title="{_e(_removal_meaning(reason))}">{_e(reason)}</span></p>'
    )


def _in_place_html(row: Row, classes: dict[str, str]) -> str:
    """The kept paragraphs with every removed block where it stood, as `winnow inspect`
    shows them (`flows.inspection.in_place`), up to SAMPLE_TEXT_CHARS of kept text and
    SAMPLE_REMOVED_BLOCKS removed blocks, so that a long page keeps the report short."""
    pieces = in_place(row["text"], row["removed"])
    shown: list[str] = []
    chars_left, blocks_left = SAMPLE_TEXT_CHARS, SAMPLE_REMOVED_BLOCKS
    for piece in pieces:
        if chars_left <= 0 or blocks_left <= 0:
            break
        if isinstance(piece, str):
            shown.append(f"<p>{_e(_clipped(piece, chars_left))}</p>")
            chars_left -= len(piece)
        else:
            shown.append(_removed_html(piece, classes))
            blocks_left -= 1
    rest = pieces[len(shown) :]
    paragraphs_left = sum(isinstance(piece, str) for piece in rest)
    more = (
        f'<p class="note">… {paragraphs_left:,} more kept paragraphs and'
        f" {len(rest) - paragraphs_left:,} more removed blocks</p>"
        if rest
        else ""
    )
    unplaced = (
        '<p class="note">Written before removals carried their place: the removed blocks'
        " follow the text.</p>"
        if any(removal.get("at") is None for removal in row["removed"])
        else ""
    )
    return f'<div class="text">{"".join(shown)}</div>{more}{unplaced}'


def _sample_html(row: Row, classes: dict[str, str], records_by_id: dict[str, Row]) -> str:
    visible = row["text_chars"] + sum(len(removal["text"]) for removal in row["removed"])
    meta = [
        _source_html(row),
        _url_html(row["url"]),
        _e(row["site"]) if row["site"] else "no site",
        _e(row["language"]) if row["language"] else "language unknown",
        f"{row['word_count']:,} words",
        f"{_share(row['text_chars'], visible):.0%} of {visible:,} visible characters kept",
    ]
    if row["dup_of"]:
        original = _original_html(row["dup_of"], records_by_id)
        meta.append(f'<span class="dup">duplicate of {original}</span>')
    return (
        f'<article class="sample" data-doc-id="{_e(row["doc_id"])}">'
        f"<h3>{_e(row['title']) if row['title'] else '(no title)'}</h3>"
        f'<p class="meta">{" · ".join(meta)}</p>'
        f"<h4>Text, with its {len(row['removed']):,} removed blocks where they stood</h4>"
        f"{_in_place_html(row, classes)}</article>"
    )


def _page(
    out: str,
    facts: ReportFacts,
    runs: list[RunRow],
    sites: dict[str, SiteTotals],
    listed: _Listed,
) -> str:
    colours = _reason_colours(list(facts.removals_by_reason))
    classes = _reason_classes(list(facts.removals_by_reason))
    reason_css = "".join(
        f".{classes[reason]} {{ --reason: {colour}; }}\n" for reason, colour in colours.items()
    )
    reason_css += f".reject {{ --reason: {REJECT_COLOUR}; }}\n"
    legend = (
        '<ul class="legend">'
        + "".join(
            f'<li class="{classes[reason]}" title="{_e(_removal_meaning(reason))}">'
            f"{_e(reason)}</li>"
            for reason in colours
        )
        + "</ul>"
    )
    by_reason = _bar_chart(
        _count_bars(facts.removals_by_reason, colours.__getitem__), title="Removals by reason"
    )
    by_cleaner = _bar_chart(
        _count_bars(facts.removals_by_cleaner, lambda _: CLEANER_COLOUR),
        title="Removals by cleaner",
    )
    removal_reasons = _explanations_html(
        facts.removals_by_reason, _removal_meaning, classes.__getitem__
    )
    rejects = _bar_chart(
        _count_bars(facts.rejects_by_reason, lambda _: REJECT_COLOUR), title="Rejects by reason"
    )
    reject_reasons = _explanations_html(
        facts.rejects_by_reason,
        lambda reason: REJECT_REASONS.get(reason, UNKNOWN_REASON),
        lambda _: "reject",
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sample_html = (
        legend + "".join(_sample_html(row, classes, listed.records_by_id) for row in listed.samples)
        if listed.samples
        else '<p class="empty">No records.</p>'
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Winnow report: {_e(out)}</title>
<style>{CSS}{reason_css}</style>
</head>
<body>
<h1>Winnow report</h1>
<p class="sub"><code>{_e(out)}</code> · generated {generated} · counts cover the latest version
of each page</p>
{_facts_html(facts)}
<h2>Runs</h2>
<p class="note">Newest first; each run's counts are what it wrote.</p>
{_runs_html(runs)}
<h2>Removals</h2>
<p class="note">{facts.removed_blocks:,} blocks removed from {facts.records:,} records.</p>
<div class="charts">
<section id="removals-by-reason"><h3>By reason</h3>
{by_reason}</section>
<section id="removals-by-cleaner"><h3>By cleaner</h3>
{by_cleaner}</section>
</div>
<section id="removal-reasons">{removal_reasons}</section>
<h2>Kept text by site</h2>
<section id="sites">{_sites_html(sites)}</section>
<h2>Rejects</h2>
<section id="rejects-by-reason">
<p class="note">{facts.rejects:,} inputs yielded no record, listed by source below.</p>
{rejects}</section>
<section id="reject-reasons">{reject_reasons}</section>
<section id="rejects">{_rejected_html(listed.rejects, facts.rejects)}</section>
<h2>Duplicates</h2>
<section id="duplicates">{_duplicates_html(facts, listed)}</section>
<h2>Sample records</h2>
<section id="samples">
<p class="note">{facts.samples} records, non-duplicates first, picked by lowest doc_id (a hash,
so the pick is stable and unbiased). Removed blocks stand where they were in the page, struck
through and coloured by reason.</p>
{sample_html}</section>
</body>
</html>
"""
