"""Read an output folder's records back for review: the latest version of each page, its clean
text and what the cleaners removed from it. Prefect-free; returns rich `Text` and plain dicts so
the CLI decides about terminals and colour.

Each removal records where it stood among the kept paragraphs (`at`), so a page is shown as
it read: its kept paragraphs with every removed block in its place, struck through and tagged
`cleaner/reason` in a colour of its reason, with a legend counting the reasons. `in_place`
gives that order to the HTML report too. Parts written before removals carried their place
show the removed blocks after the text, in block order.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import pyarrow.parquet as pq
from rich.console import Console
from rich.text import Text

from flows.compact import Version, newest_versions
from flows.records import RECORDS_DIR, REJECTS_DIR, upgrade_record_row
from flows.storage import Location, location
from flows.terminal import printable

# Distinct on dark and light terminals; handed out in order of first use (see ReasonColours).
REASON_COLOURS = (
    "red",
    "yellow",
    "magenta",
    "cyan",
    "blue",
    "green",
    "bright_red",
    "bright_magenta",
    "bright_blue",
    "dark_orange",
)
Row = dict[str, Any]


class NothingToInspect(LookupError):
    """OUT holds no record that the selection asks for; the message says which."""


def removal_label(removal: Row) -> str:
    return f"{removal['cleaner']}/{removal['reason']}"


def matches_reason(removal: Row, wanted: str) -> bool:
    """`wanted` is "cleaner/reason", just "reason", or a cleaner's name (all its reasons)."""
    return wanted in (removal_label(removal), removal["reason"], removal["cleaner"])


def latest_records(
    out: str, *, source: str | None = None, reason: str | None = None, limit: int = 1
) -> list[Row]:
    """The first `limit` pages by (source, record) whose newest version is a record, upgraded
    to the current schema; `source` keeps one dump's pages (its path as stored, or a path
    ending in it), `reason` keeps pages with such a removal. Raises NothingToInspect."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    base = location(out)
    newest, _ = newest_versions(base)
    if not any(version.kind == RECORDS_DIR for version in newest.values()):
        raise NothingToInspect(f"no records in {out}")
    if source is not None:
        newest = _of_source(base, newest, source, out)
    chosen = sorted(
        (doc_id for doc_id, version in newest.items() if version.kind == RECORDS_DIR),
        key=lambda doc_id: (newest[doc_id].source, newest[doc_id].record, doc_id),
    )
    if reason is not None:
        chosen = _with_removal(base, newest, chosen, reason)
        if not chosen:
            where = f" of {source}" if source is not None else ""
            raise NothingToInspect(f"no records{where} in {out} with a {reason} removal")
    return _read_rows(base, [newest[doc_id] for doc_id in chosen[:limit]])


def _reject_reason(version: Version, base: Location) -> str:
    table = pq.read_table(version.part, columns=["reason"], filesystem=base.filesystem)
    return str(table.column("reason")[version.row])


def _of_source(
    base: Location, newest: dict[str, Version], wanted: str, out: str
) -> dict[str, Version]:
    """The pages of the dump named `wanted`: exactly as stored, else any whose stored source
    (relative to the input folder) ends the given path, or the other way round. Two inputs
    may share a relative path: the pages of both are kept."""
    wanted = wanted.removeprefix("./")
    exact = {key: v for key, v in newest.items() if v.source == wanted}
    found = exact or {
        key: v
        for key, v in newest.items()
        if wanted.endswith("/" + v.source) or v.source.endswith("/" + wanted)
    }
    if not found:
        raise NothingToInspect(f"source not found in {out}: {wanted}")
    if all(version.kind == REJECTS_DIR for version in found.values()):
        reasons = sorted({_reject_reason(version, base) for version in found.values()})
        raise NothingToInspect(
            f"no record of {wanted} in {out}: its latest version was rejected"
            f" ({', '.join(reasons)})"
        )
    return found


def _with_removal(
    base: Location, newest: dict[str, Version], doc_ids: list[str], reason: str
) -> list[str]:
    matching: set[str] = set()
    by_part: dict[str, list[str]] = {}
    for doc_id in doc_ids:
        by_part.setdefault(newest[doc_id].part, []).append(doc_id)
    for part, part_doc_ids in by_part.items():
        removed = pq.read_table(part, columns=["removed"], filesystem=base.filesystem)
        column = removed.column("removed")
        for doc_id in part_doc_ids:
            removals = column[newest[doc_id].row].as_py()
            if any(matches_reason(removal, reason) for removal in removals):
                matching.add(doc_id)
    return [doc_id for doc_id in doc_ids if doc_id in matching]


def _read_rows(base: Location, versions: list[Version]) -> list[Row]:
    tables: dict[str, Any] = {}
    rows = []
    for version in versions:
        if version.part not in tables:
            tables[version.part] = pq.read_table(version.part, filesystem=base.filesystem)
        row = tables[version.part].slice(version.row, 1).to_pylist()[0]
        rows.append(upgrade_record_row(row))
    return rows


METADATA_SKIPPED = frozenset({"doc_id", "source", "record", "text", "removed"})


def record_json(row: Row) -> dict[str, Any]:
    """A record as JSON-ready values: the kept text, the removals in block order, and the
    other columns under "metadata" (dates as ISO text, `extra` as an object)."""
    metadata = {
        name: _json_value(name, value)
        for name, value in row.items()
        if name not in METADATA_SKIPPED
    }
    return {
        "doc_id": row["doc_id"],
        "source": row["source"],
        "record": row["record"],
        "text": row["text"],
        "removed": [
            {"text": r["text"], "cleaner": r["cleaner"], "reason": r["reason"]}
            for r in row["removed"]
        ],
        "metadata": metadata,
    }


def _json_value(name: str, value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if name == "extra":
        return dict(value)
    if name == "dup_score" and value is not None:
        return round(value, 4)  # float32 in Parquet: 0.97 reads back as 0.9700000286
    return value


class ReasonColours:
    """A colour per `cleaner/reason`, the next unused one for each new reason, so the reasons
    of a record differ in colour and keep it across the records of one listing."""

    def __init__(self) -> None:
        self._assigned: dict[str, str] = {}

    def __call__(self, label: str) -> str:
        if label not in self._assigned:
            self._assigned[label] = REASON_COLOURS[len(self._assigned) % len(REASON_COLOURS)]
        return self._assigned[label]


def record_text(row: Row, colours: ReasonColours | None = None) -> Text:
    """A record for a reviewer: a header with its metadata, then the kept paragraphs with the
    removed blocks where they stood, struck through and tagged with their reason, and a legend.
    `Text.plain` is the same without styles, for pipes and files. The page's own terminal
    control characters are shown as escapes (`flows.terminal`) before any style is added, so
    the only ones rendered are the styles'."""
    row = _printable_strings(row)
    reason_style = colours or ReasonColours()
    text = Text()
    text.append(f"== {row['source']} #{row['record']}  (doc {row['doc_id']})\n", style="bold")
    for name, value in _header_fields(row):
        text.append(f"{name + ':':<11}", style="dim")
        text.append(f"{value}\n")
    text.append("\n")
    removed = row["removed"]
    if all(removal.get("at") is not None for removal in removed):
        _interleave(text, row["text"], removed, reason_style)
    else:  # parts written before removals carried their place
        text.append(row["text"] or "(no text kept)")
        text.append("\n")
        if removed:
            text.append(f"\n-- removed: {len(removed)} blocks\n", style="bold")
            for removal in removed:
                _append_removal(text, removal, reason_style)
    if not removed:
        text.append("\n-- nothing removed\n", style="dim")
        return text
    text.append("-- legend: ", style="bold")
    counts = Counter(removal_label(removal) for removal in removed)
    for position, (label, count) in enumerate(_by_count(counts)):
        if position:
            text.append(", ")
        text.append(f"{count} {label}", style=reason_style(label))
    text.append("\n")
    return text


def _printable_strings(value: Any) -> Any:
    """`value` with every string in it, however nested, passed through `printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {name: _printable_strings(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_printable_strings(item) for item in value]
    return value


def in_place(clean_text: str, removed: list[Row]) -> list[str | Row]:
    """A record's kept paragraphs (strings) with each removal (a dict) where it stood, in
    reading order. A removal without a place, or placed past the last paragraph, comes
    after the last paragraph."""
    paragraphs = [p for p in (clean_text or "").split("\n\n") if p.strip()]
    by_place: dict[int, list[Row]] = {}
    last = len(paragraphs)
    for removal in removed:
        at = removal.get("at")
        by_place.setdefault(last if at is None else min(at, last), []).append(removal)
    pieces: list[str | Row] = []
    for place in range(last + 1):
        pieces += by_place.get(place, [])
        if place < last:
            pieces.append(paragraphs[place])
    return pieces


def _interleave(
    text: Text, clean_text: str, removed: list[dict], reason_style: ReasonColours
) -> None:
    """The kept paragraphs with each removed block struck through where it stood."""
    pieces = in_place(clean_text, removed)
    for piece in pieces:
        if isinstance(piece, str):
            text.append(piece)
            text.append("\n")
        else:
            _append_removal(text, piece, reason_style)
    if not any(isinstance(piece, str) for piece in pieces):
        text.append("(no text kept)\n")


def _append_removal(text: Text, removal: dict, reason_style: ReasonColours) -> None:
    label = removal_label(removal)
    style = reason_style(label)
    text.append(f"[{label}] ", style=f"bold {style}")
    text.append(removal["text"], style=f"strike dim {style}")
    text.append("\n")


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _header_fields(row: Row) -> Iterable[tuple[str, str]]:
    if row["title"]:
        yield "title", row["title"]
    if row["url"]:
        yield "url", row["url"]
    if row["input"]:  # the file itself: two inputs may share a relative path
        yield "input", row["input"]
    details = [
        row["extractor"],
        f"{row['word_count']} words",
        *(f"{name} {row[name]}" for name in ("language", "author", "published") if row[name]),
    ]
    yield "page", ", ".join(details)
    if row["dup_of"]:
        score = f" (similarity {row['dup_score']:.2f})" if row["dup_score"] is not None else ""
        yield "duplicate", f"of {row['dup_of']}{score}"
    yield "run", f"{row['run_id']}, {row['processed_at'].isoformat(timespec='seconds')}"


def render(text: Text, *, colour: bool, width: int) -> str:
    """`text` as terminal output: ANSI styles wrapped to `width`, or the plain characters
    unwrapped (pipes and files keep one line per paragraph)."""
    trimmed = text.copy()
    trimmed.rstrip()
    if not colour:
        return trimmed.plain
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=width)
    console.print(trimmed, end="")
    return buffer.getvalue()
