"""What a clean run did, as terminal text and as Markdown for the Prefect artifact. Prefect-free."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flows.batch import BatchReport
from flows.compact import CompactReport, compacted_line
from flows.ledger import RunRow
from flows.migration import MigrationReport, migration_line
from flows.records import RECORDS_DIR, REJECTS_DIR
from flows.terminal import printable

TOP_REASONS = 10
# Log records carrying this attribute are progress lines the CLI prints as they are.
PROGRESS_FLAG = "winnow_progress"


@dataclass(frozen=True)
class RunSummary:
    """The summed report of a run plus what only the flow knows (batches, wall time)."""

    run_id: str
    out: str
    files: int
    unchanged: int
    batches: int
    failed_batches: int
    report: BatchReport
    wall_seconds: float
    compacted: CompactReport | None = None
    """Set when the run ended by compacting OUT (`compact` parameter)."""
    migrated: MigrationReport | None = None
    """Set when the run began by migrating an OUT of an older schema (`flows.migration`)."""

    @property
    def docs_per_second(self) -> float:
        return self.report.inputs / self.wall_seconds if self.wall_seconds > 0 else 0.0


def batch_line(number: int, total: int, report: BatchReport) -> str:
    """Progress line for one finished batch; `number` is the batch's, from 1, as its task run
    is named (batches are reported in batch order, whatever order they finish in)."""
    return (
        f"batch {number}/{total}: {report.records} records, {report.rejects} rejects"
        f" ({report.files} files, {report.seconds:.1f} s)"
    )


def failed_batch_line(number: int, total: int, files: int, error: str) -> str:
    """An error line, which Prefect's own console handler prints too (not through the CLI):
    the error may quote a file name or page text, so its control characters are shown."""
    return (
        f"batch {number}/{total}: FAILED, {files} files recorded as batch_failed"
        f" ({printable(error)})"
    )


def _top(counts: Counter[str], limit: int = TOP_REASONS) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _files_line(summary: RunSummary) -> str:
    return (
        f"run {summary.run_id}: {summary.files} files, {summary.unchanged} unchanged and"
        f" skipped, {summary.files - summary.unchanged} cleaned in {summary.batches} batches"
        + (f", {summary.failed_batches} FAILED" if summary.failed_batches else "")
    )


def _counts_line(report: BatchReport) -> str:
    line = f"inputs {report.inputs} = records {report.records} + rejects {report.rejects}"
    if report.duplicates:
        line += f" ({report.duplicates} duplicates of earlier records)"
    if report.deleted:
        line += f"; deleted {report.deleted} (no longer in the inputs)"
    return line


def summary_line(summary: RunSummary) -> str:
    """The whole run in one log line (what a served flow logs per run)."""
    line = f"{_files_line(summary)}; {_counts_line(summary.report)}"
    line += f"; {summary.wall_seconds:.1f} s"
    if summary.migrated:
        line += f"; {migration_line(summary.migrated)}"
    if summary.compacted:
        line += f"; {compacted_line(summary.out, summary.compacted)}"
    return line


@dataclass(frozen=True)
class RunTiming:
    """What the command spent around the flow's own cleaning (`RunSummary.wall_seconds`):
    the whole command from its start, and the part of it spent starting a Prefect server
    (0 with PREFECT_API_URL set)."""

    total_seconds: float
    server_seconds: float


def format_summary(summary: RunSummary, *, timing: RunTiming | None = None) -> str:
    """Plain-text summary for the terminal; with `timing`, the command's wall time too, and
    what went to starting the server and to the flow run's own start and end."""
    report = summary.report
    time_line = f"{summary.wall_seconds:.1f} s, {summary.docs_per_second:.1f} docs/s"
    if timing is not None:
        flow_run = max(timing.total_seconds - timing.server_seconds - summary.wall_seconds, 0.0)
        time_line = (
            f"{summary.wall_seconds:.1f} s cleaning ({summary.docs_per_second:.1f} docs/s);"
            f" {timing.total_seconds:.1f} s wall: {timing.server_seconds:.1f} s starting the"
            f" Prefect server, {flow_run:.1f} s checks and the flow run's start and end"
        )
    lines = [_files_line(summary), _counts_line(report), time_line]
    if summary.migrated:
        lines.append(migration_line(summary.migrated))
    if report.removals:
        lines.append(f"removals by reason (top {TOP_REASONS}):")
        lines += [f"  {count:>8}  {reason}" for reason, count in _top(report.removals)]
    if report.reject_reasons:
        lines.append("rejects by reason:")
        lines += [
            f"  {count:>8}  {reason}" for reason, count in _top(report.reject_reasons, limit=100)
        ]
    lines.append(f"records: {summary.out}/{RECORDS_DIR}")
    lines.append(f"rejects: {summary.out}/{REJECTS_DIR}")
    if summary.compacted:
        lines.append(compacted_line(summary.out, summary.compacted))
    return "\n".join(lines)


def _markdown_table(header: tuple[str, str], rows: list[tuple[str, int]]) -> list[str]:
    return [
        f"| {header[0]} | {header[1]} |",
        "| --- | ---: |",
        *(f"| `{reason}` | {count} |" for reason, count in rows),
    ]


def summary_table(summary: RunSummary) -> list[dict[str, str | int | float]]:
    """The run's figures as rows for a Prefect table artifact (one row per figure, the same
    figures as the Markdown artifact, then one row per reject reason and top removal)."""
    report = summary.report
    rows: list[dict[str, str | int | float]] = [
        {"figure": "inputs (records + rejects)", "value": report.inputs},
        {"figure": "records", "value": report.records},
        {"figure": "rejects", "value": report.rejects},
        {"figure": "duplicates of earlier records", "value": report.duplicates},
        {"figure": "deleted (no longer in the inputs)", "value": report.deleted},
        {"figure": "files", "value": summary.files},
        {"figure": "unchanged files skipped", "value": summary.unchanged},
        {"figure": "batches", "value": summary.batches},
        {"figure": "failed batches", "value": summary.failed_batches},
        {"figure": "wall time (s)", "value": round(summary.wall_seconds, 1)},
        {"figure": "docs/s", "value": round(summary.docs_per_second, 1)},
    ]
    rows += [
        {"figure": f"rejects: {reason}", "value": count}
        for reason, count in _top(report.reject_reasons, limit=100)
    ]
    rows += [{"figure": f"removals: {reason}", "value": n} for reason, n in _top(report.removals)]
    return rows


def summary_markdown(summary: RunSummary, inputs: list[str]) -> str:
    """Markdown for the run's Prefect artifact."""
    report = summary.report
    lines = [
        f"# Clean run `{summary.run_id}`",
        "",
        "| | |",
        "| --- | ---: |",
        f"| inputs (records + rejects) | {report.inputs} |",
        f"| records | {report.records} |",
        f"| rejects | {report.rejects} |",
        f"| duplicates of earlier records | {report.duplicates} |",
        f"| deleted (no longer in the inputs) | {report.deleted} |",
        f"| files | {summary.files} |",
        f"| unchanged files skipped | {summary.unchanged} |",
        f"| batches | {summary.batches} |",
        f"| failed batches | {summary.failed_batches} |",
        f"| wall time | {summary.wall_seconds:.1f} s |",
        f"| docs/s | {summary.docs_per_second:.1f} |",
        "",
        "Inputs: " + ", ".join(f"`{item}`" for item in inputs),
        "",
        f"Output: `{summary.out}/{RECORDS_DIR}`, `{summary.out}/{REJECTS_DIR}`",
    ]
    if summary.migrated:
        lines += ["", migration_line(summary.migrated)]
    if summary.compacted:
        lines += ["", compacted_line(summary.out, summary.compacted)]
    if report.removals:
        lines += ["", f"## Removals by reason (top {TOP_REASONS})", ""]
        lines += _markdown_table(("reason", "blocks"), _top(report.removals))
    if report.reject_reasons:
        lines += ["", "## Rejects by reason", ""]
        lines += _markdown_table(("reason", "inputs"), _top(report.reject_reasons, limit=100))
    return "\n".join(lines) + "\n"


def format_runs(runs: list[RunRow]) -> str:
    """The runs recorded in an output folder's ledger, one line each, oldest first."""
    header = (
        f"{'run':<28} {'started (UTC)':<20} {'files':>7} {'skipped':>8} {'inputs':>8}"
        f" {'records':>8} {'rejects':>8} {'deleted':>8}"
    )
    lines = [header]
    for run in runs:
        flag = f"  {run.failed_batches} batches FAILED" if run.failed_batches else ""
        lines.append(
            f"{run.run_id:<28} {run.started_at[:19]:<20} {run.files:>7} {run.unchanged:>8}"
            f" {run.inputs:>8} {run.records:>8} {run.rejects:>8} {run.deleted:>8}{flag}"
        )
    return "\n".join(lines)
