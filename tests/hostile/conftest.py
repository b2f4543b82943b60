"""Hostile inputs, generated in tmp_path by each test: a helper that runs them through the real
listing, readers, cleaners and Parquet writer and checks that every input is accounted for."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.batch import BatchReport, run_batch
from flows.readers import list_dumps


@dataclass(frozen=True)
class Outcome:
    report: BatchReport
    records: list[dict]
    rejects: list[dict]

    def by_source(self) -> dict[str, list[str]]:
        """Source -> the outcome of each of its records in order: "record" or a reject reason."""
        rows = [(r["source"], r["record"], "record") for r in self.records]
        rows += [(r["source"], r["record"], r["reason"]) for r in self.rejects]
        return {
            source: [outcome for _, _, outcome in sorted(group)]
            for source, group in itertools.groupby(sorted(rows), key=lambda row: row[0])
        }

    def text_of(self, source: str) -> str:
        (text,) = [r["text"] for r in self.records if r["source"] == source]
        return text


@pytest.fixture
def run_hostile(tmp_path: Path) -> Callable[..., Outcome]:
    """Run list_dumps + run_batch over `inputs` (default: tmp_path/"in"; `after_listing` runs
    in between) into a fresh output
    folder and check the accounting: every input record is a record or a reject exactly once,
    the report balances and the Parquet parts hold what the report counts."""
    runs = itertools.count()

    def run(
        inputs: Sequence[str] | None = None,
        *,
        after_listing: Callable[[], object] | None = None,
        **options,
    ) -> Outcome:
        number = next(runs)
        files = list_dumps(list(inputs) if inputs else [str(tmp_path / "in")])
        if after_listing is not None:
            after_listing()
        out = tmp_path / f"out{number}"
        options = {"max_page_bytes": 10_000_000, "max_page_seconds": 10.0, **options}
        report = run_batch(files, out, run_id="hostile", batch_no=number, **options)
        part = f"part-hostile-{number:05d}.parquet"
        records = pq.read_table(out / "records" / part).to_pylist()
        rejects = pq.read_table(out / "rejects" / part).to_pylist()
        assert report.inputs == report.records + report.rejects
        assert (len(records), len(rejects)) == (report.records, report.rejects)
        assert Counter(r["reason"] for r in rejects) == report.reject_reasons
        keys = [(r["source"], r["record"]) for r in records + rejects]
        assert len(keys) == len(set(keys)), "an input record came out twice"
        assert {source for source, _ in keys} == {dump.source for dump in files}, "vanished"
        return Outcome(report, records, rejects)

    return run
