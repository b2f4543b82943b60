import io
import json
import logging

import pytest
from rich.console import Console

import flows.cli
from flows.cli import EXIT_BAD_CONFIG, main
from flows.ledger import Ledger, RunRow
from flows.summary import failed_batch_line
from flows.terminal import printable, printable_json

HOSTILE = (
    "\x1b]0;owned\x07"  # sets the window title
    "\x1b[2J"  # clears the screen
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"  # OSC 8 hyperlink
    "\x9b31m"  # C1 CSI: red, without an ESC
    "bell\x07 back\x08 return\r delete\x7f"
)


def terminal_controls(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]


def test_control_characters_are_written_as_visible_escapes():
    shown = printable(HOSTILE)

    assert terminal_controls(shown) == []
    assert shown.startswith("\\x1b]0;owned\\x07\\x1b[2J\\x1b]8;;https://evil.example/")
    assert "\\x9b31m" in shown
    assert shown.endswith("bell\\x07 back\\x08 return\\x0d delete\\x7f")


def test_tabs_newlines_and_ordinary_text_are_kept():
    text = "Grüße\taus Köln\n\nnext paragraph – “quoted” 東京 \\x1b as typed"
    assert printable(text) == text
    assert printable(printable(HOSTILE)) == printable(HOSTILE)


def test_a_file_name_with_undecodable_bytes_can_be_printed():
    name = b"page-\xff.html".decode("utf-8", "surrogateescape")

    shown = printable(name)

    assert shown == "page-\\udcff.html"
    shown.encode("utf-8")  # a lone surrogate would fail here, in print()


def test_json_lines_hold_no_raw_control_and_decode_to_the_same_value():
    value = {"title": HOSTILE, "text": ["next\x85line", "Köln"]}

    line = printable_json(value)

    assert terminal_controls(line) == []
    assert "\\u009b31m" in line and "next\\u0085line" in line
    assert "Köln" in line  # non-ASCII text stays readable
    assert json.loads(line) == value


TITLE_SETTER = "\x1b]0;owned\x07"
SHOWN_TITLE_SETTER = "\\x1b]0;owned\\x07"


def progress_line(message):
    record = logging.LogRecord("prefect.flow_runs", logging.INFO, __file__, 0, message, None, None)
    record.winnow_progress = True
    return record


def test_usage_errors_show_the_escapes_of_the_arguments(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["status", "out", "--bogus" + TITLE_SETTER])

    assert exit_info.value.code == EXIT_BAD_CONFIG
    err = capsys.readouterr().err
    assert terminal_controls(err.rstrip("\n")) == [] and SHOWN_TITLE_SETTER in err


def test_error_lines_quoting_a_file_name_show_its_escapes(tmp_path, capsys):
    target = tmp_path / f"missing{TITLE_SETTER}" / "report.html"

    assert main(["report", str(tmp_path), "-o", str(target)]) == EXIT_BAD_CONFIG

    assert capsys.readouterr().err == (
        f"winnow report: error: no such folder: {tmp_path}/missing{SHOWN_TITLE_SETTER}\n"
    )


def test_the_report_line_shows_the_escapes_of_its_file_name(tmp_path, capsys):
    assert main(["report", str(tmp_path), "-o", str(tmp_path / f"r{TITLE_SETTER}.html")]) == 0

    out = capsys.readouterr().out
    assert out.startswith(f"report: {tmp_path}/r{SHOWN_TITLE_SETTER}.html (0 records")


def test_status_shows_the_escapes_of_what_the_ledger_holds(tmp_path, capsys):
    ledger = Ledger(tmp_path)
    ledger.record_run(RunRow(f"r{TITLE_SETTER}", "2025-01-01T00:00:00", "", 1, 0, 1, 1, 0, 0))
    ledger.close()

    assert main(["status", str(tmp_path)]) == 0

    out = capsys.readouterr().out
    assert terminal_controls(out.replace("\n", "")) == [] and SHOWN_TITLE_SETTER in out


def test_plain_progress_lines_show_escapes(capsys):
    printer = flows.cli._ProgressPrinter("winnow_progress")

    printer.emit(progress_line(f"batch 1/1: FAILED ({TITLE_SETTER})"))

    assert capsys.readouterr().out == f"batch 1/1: FAILED ({SHOWN_TITLE_SETTER})\n"


def test_the_live_display_shows_escapes_in_its_plan_line():
    console = Console(file=io.StringIO(), force_terminal=True, width=120, color_system=None)
    live = flows.cli._LiveProgress("winnow_progress", console)

    live.emit(progress_line(f"run r{TITLE_SETTER}: 1 files, 1 unchanged x; 0 in 0 batches"))
    live.stop()

    assert console.file.getvalue() == (
        f"run r{SHOWN_TITLE_SETTER}: 1 files, 1 unchanged x; 0 in 0 batches\n"
    )


def test_a_failed_batch_line_shows_the_escapes_of_its_error():
    """Prefect's own console handler prints this line, not the CLI."""
    line = failed_batch_line(1, 2, 3, f"ValueError: bad page {TITLE_SETTER}")

    assert line.endswith(f"(ValueError: bad page {SHOWN_TITLE_SETTER})")
