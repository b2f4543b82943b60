"""The run's live counts: batches as they run (pages begun, files behind them) and as they end."""

from __future__ import annotations

import logging

from flows.progress import LIVE_FLAG, LIVE_LOGGER, LiveCounts, LiveTally, log_live_counts


def test_the_tally_counts_running_batches_page_by_page_and_finished_ones_whole():
    told: list[LiveCounts] = []
    tally = LiveTally([[100, 200], [300]], told.append)

    tally.running(0, files_done=1, pages=3)  # a page of the batch's second file begun
    tally.running(1, files_done=0, pages=1)
    tally.finished(0, pages=5)  # its report counts the reader's rejects too
    tally.finished(1, pages=2)

    assert told == [
        LiveCounts(files=3, files_done=0, bytes=600, bytes_done=0, pages=0),
        LiveCounts(files=3, files_done=1, bytes=600, bytes_done=100, pages=3),
        LiveCounts(files=3, files_done=1, bytes=600, bytes_done=100, pages=4),
        LiveCounts(files=3, files_done=2, bytes=600, bytes_done=300, pages=6),
        LiveCounts(files=3, files_done=3, bytes=600, bytes_done=600, pages=7),
    ]


def test_live_counts_reach_the_live_loggers_handlers_and_not_prefects():
    heard: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = heard.append
    live = logging.getLogger(LIVE_LOGGER)
    live.addHandler(handler)
    try:
        counts = LiveCounts(files=2, files_done=1, bytes=10, bytes_done=4, pages=7)
        log_live_counts(counts)
    finally:
        live.removeHandler(handler)

    [record] = heard
    assert getattr(record, LIVE_FLAG) == counts
    assert record.getMessage() == "1/2 files, 7 pages"
    assert not live.propagate  # Prefect's handlers (on the root and "prefect") never see it
