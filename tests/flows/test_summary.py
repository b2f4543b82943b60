from collections import Counter
from dataclasses import replace

from flows.batch import BatchReport
from flows.compact import CompactReport
from flows.migration import MigrationReport, migration_line
from flows.summary import (
    RunSummary,
    RunTiming,
    batch_line,
    format_summary,
    summary_line,
    summary_markdown,
)

REPORT = BatchReport(
    inputs=12,
    records=9,
    rejects=3,
    removals=Counter({"tail/after_tail_marker": 4, "widgets/share": 7}),
    reject_reasons=Counter({"empty_file": 1, "no_main_content": 2}),
    files=5,
    seconds=3.0,
)
SUMMARY = RunSummary(
    run_id="r1",
    out="/data/out",
    files=5,
    unchanged=1,
    batches=2,
    failed_batches=0,
    report=REPORT,
    wall_seconds=2.0,
)


def test_batch_line():
    assert batch_line(3, 10, REPORT) == "batch 3/10: 9 records, 3 rejects (5 files, 3.0 s)"


def test_terminal_summary_accounts_for_every_input_and_names_the_outputs():
    text = format_summary(SUMMARY)
    assert "inputs 12 = records 9 + rejects 3" in text
    assert "6.0 docs/s" in text
    # Most frequent reason first.
    assert text.index("widgets/share") < text.index("tail/after_tail_marker")
    assert "       2  no_main_content" in text
    assert text.endswith("records: /data/out/records\nrejects: /data/out/rejects")
    assert "FAILED" not in text


def test_terminal_summary_flags_failed_batches():
    failed = RunSummary(**{**SUMMARY.__dict__, "failed_batches": 1})
    assert "2 batches, 1 FAILED" in format_summary(failed)


def test_summary_counts_unchanged_files_apart():
    text = format_summary(SUMMARY)
    assert "5 files, 1 unchanged and skipped, 4 cleaned in 2 batches" in text
    assert "| unchanged files skipped | 1 |" in summary_markdown(SUMMARY, ["dumps/"])


def test_zero_wall_time_does_not_divide_by_zero():
    assert RunSummary(**{**SUMMARY.__dict__, "wall_seconds": 0.0}).docs_per_second == 0.0


def test_markdown_lists_counts_and_reasons():
    markdown = summary_markdown(SUMMARY, ["dumps/", "more/*.warc.gz"])
    assert "| records | 9 |" in markdown
    assert "| docs/s | 6.0 |" in markdown
    assert "| `widgets/share` | 7 |" in markdown
    assert "| `no_main_content` | 2 |" in markdown
    assert "`more/*.warc.gz`" in markdown


def test_one_line_summary_of_a_run_that_compacted_its_output():
    compacted = replace(SUMMARY, compacted=CompactReport(40, 2, 1200, 1100))
    assert summary_line(compacted) == (
        "run r1: 5 files, 1 unchanged and skipped, 4 cleaned in 2 batches;"
        " inputs 12 = records 9 + rejects 3; 2.0 s;"
        " compacted /data/out: 40 parts, 1200 rows -> 2 parts, 1100 rows"
        " (latest version of each page)"
    )
    assert format_summary(compacted).endswith("2 parts, 1100 rows (latest version of each page)")
    assert "40 parts, 1200 rows" in summary_markdown(compacted, ["in"])
    assert "compacted" not in summary_line(SUMMARY)


def test_deleted_records_are_counted_apart_from_the_inputs():
    deleted = replace(SUMMARY, report=replace(REPORT, deleted=4))
    assert "inputs 12 = records 9 + rejects 3; deleted 4 (no longer in the inputs)" in (
        format_summary(deleted)
    )
    assert "deleted 4" in summary_line(deleted)
    assert "| deleted (no longer in the inputs) | 4 |" in summary_markdown(deleted, ["in"])
    assert "deleted" not in summary_line(SUMMARY)


def test_a_migration_is_reported_with_what_could_not_be_tied_to_a_file():
    migration = MigrationReport(
        parts=6,
        rows=120,
        untied_pages=2,
        untied_sources=("page.txt",),
        tombstoned_untied=True,
        stale_pages=5,
        forgotten_files=2,
    )
    migrated = replace(SUMMARY, migrated=migration)

    line = summary_line(migrated)

    assert "migrated to schema 3: 6 parts, 120 rows; 2 pages not tied to a single input" in line
    assert "(sources: page.txt) tombstoned; the next run that lists their files cleans" in line
    assert "2 files that shared a source to be cleaned again" in line
    assert "5 records no longer in their files tombstoned" in line
    assert migration_line(migration) in format_summary(migrated)
    assert migration_line(migration) in summary_markdown(migrated, ["in"])
    assert "migrated" not in summary_line(SUMMARY)


def test_the_terminal_summary_gives_the_wall_time_and_what_the_start_up_took():
    text = format_summary(SUMMARY, timing=RunTiming(total_seconds=24.4, server_seconds=17.9))

    assert (
        "2.0 s cleaning (6.0 docs/s); 24.4 s wall: 17.9 s starting the Prefect server, 4.5 s"
        " checks and the flow run's start and end"
    ) in text
