"""Every reason a reject can carry, with what it means: the one line the report shows beside
a reject reason. Prefect-free data. `tests/flows/test_reject_reasons.py` reads every reason
that code in flows/ gives a reject and fails on one missing here."""

from __future__ import annotations

REJECT_REASONS: dict[str, str] = {
    # The readers (flows.readers): the file or record could not become a page.
    "unreadable_file": "The file could not be opened or read (permissions, vanished, I/O error).",
    "empty_file": "The file, gunzipped, is empty or only whitespace.",
    "no_records": "A WARC or JSON Lines file without any page record.",
    "truncated_gzip": "The gzip stream ends early; the records read before the cut are kept.",
    "corrupt_gzip": "The gzip stream is damaged (bad checksum or header, garbage after it).",
    "broken_warc_record": "A WARC record that cannot be parsed or is cut short; reading stopped.",
    "not_html": "A WARC record whose content is not HTML (an image, robots.txt).",
    "http_status_not_ok": "A WARC response whose HTTP status is not 2xx (a redirect, a 404).",
    "revisit_record": "A WARC revisit record: its page is stored in an earlier record.",
    "invalid_json": "A JSON Lines line that is not a JSON object.",
    "json_too_deep": "A JSON Lines line nested deeper than Python's JSON parser can go.",
    "json_number_too_long": "A JSON Lines line with an integer of more digits than Python reads.",
    "invalid_unicode": "A JSON Lines field holding half a UTF-16 pair: not Unicode text.",
    "missing_content": "A JSON Lines object without a string html or text field.",
    "empty_content": "The page's content is empty or only whitespace.",
    "binary_content": "The bytes are binary (NUL or control bytes), not text.",
    "undecodable_text": "No charset decodes the bytes (declared, UTF-8 or detected).",
    "page_too_large": "The page is over the page size limit (max_page_bytes); never decoded.",
    "reader_error": "Reading the record failed unexpectedly; the detail is the error.",
    # Cleaning (flows.batch, flows.workers): the page was read but gave no record.
    "no_main_content": "Cleaning left no text: every block was removed, or the page had none.",
    "cleaner_error": "Cleaning the page failed unexpectedly; the detail is the error.",
    "page_timeout": "Cleaning the page took longer than the per-page time limit.",
    "page_memory_exceeded": "Cleaning the page took more memory than a worker may use.",
    "worker_died": "The worker process died while cleaning the page.",
    "too_many_attributes": "An HTML tag with more attributes than a parser handles in time.",
    "too_many_elements": "An HTML page with more elements than cleaning handles in time.",
    "unwritable_value": "The record holds text Parquet cannot store (not valid Unicode).",
    # The run (flows.pipeline, flows.dedup, flows.records).
    "batch_failed": "The batch holding the file crashed as a whole; the next run tries again.",
    "duplicate": "A duplicate of an earlier record, moved here by --drop-duplicates.",
    "source_deleted": "The input record is gone: its file was deleted or no longer holds it.",
}
