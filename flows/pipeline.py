"""The Prefect flow: list the dumps, clean them in batches on all cores, summarise the run.

Parallelism: Prefect task runs execute in threads of the flow process (`ThreadPoolTaskRunner`)
and each hands its batch to a shared process pool whose workers run `run_batch` without
importing Prefect. Prefect's `ProcessPoolTaskRunner` would run the task engine in every worker
process, and each worker then starts its own temporary API server unless PREFECT_API_URL points
to a running one (measured: 22 s instead of 11 s for 10 trivial tasks on 2 workers, three
servers on one SQLite file). Here only the flow process talks to Prefect, so one server serves
the run and every core cleans.
"""

import math
import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.deployments.runner import EntrypointType
from prefect.futures import PrefectFuture, as_completed
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from cleaners.near_dup import NearDupIndex
from flows.batch import BatchReport, run_batch
from flows.compact import compact
from flows.config import CleanParams
from flows.dedup import DUPLICATE, forget_documents, load_index, mark_batch
from flows.ledger import InputScope, Ledger, LedgerFile, RunRow
from flows.lock import exclusive_output
from flows.migration import migrate
from flows.progress import LiveTally, log_live_counts
from flows.readers import DumpFile, Reject, list_dumps
from flows.records import (
    RECORDS_DIR,
    REJECT_SCHEMA,
    REJECTS_DIR,
    PartWriter,
    doc_id,
    part_name,
    reader_reject_row,
    remove_stale_parts,
    tombstone_row,
)
from flows.storage import Location, location
from flows.summary import (
    PROGRESS_FLAG,
    RunSummary,
    batch_line,
    failed_batch_line,
    summary_line,
    summary_markdown,
    summary_table,
)
from flows.workers import Limits, OnProgress, WorkerPool

ARTIFACT_KEY = "winnow-clean-summary"
TABLE_ARTIFACT_KEY = "winnow-clean-figures"
BATCH_FAILED = "batch_failed"
MAX_ERROR_CHARS = 300
DASK_CONNECT_SECONDS = 30


def split_batches(
    dumps: list[DumpFile], *, max_files: int, max_bytes: int, workers: int
) -> list[list[DumpFile]]:
    """Consecutive runs of files, at most `max_files` files and `max_bytes` bytes each (a file
    bigger than `max_bytes` is a batch of its own). Small runs are split into at least `workers`
    batches so that no core idles."""
    per_batch = max(1, min(max_files, math.ceil(len(dumps) / workers)))
    batches: list[list[DumpFile]] = []
    current: list[DumpFile] = []
    current_bytes = 0
    for dump in dumps:
        if current and (len(current) >= per_batch or current_bytes + dump.size > max_bytes):
            batches.append(current)
            current, current_bytes = [], 0
        current.append(dump)
        current_bytes += dump.size
    if current:
        batches.append(current)
    return batches


def dask_slots(address: str) -> int:
    """Threads of all workers of the Dask cluster: the batches the flow keeps in flight."""
    from distributed import Client

    with Client(address, timeout=DASK_CONNECT_SECONDS) as client:
        return max(1, sum(client.nthreads().values()))


def batch_task_run_name() -> str:
    """A batch's task run is named after its number in the log's lines ("batch 2/3"), from 1."""
    from prefect.runtime import task_run

    return f"batch-{task_run.parameters['batch_no'] + 1}"


@task(
    name="clean-batch",
    task_run_name=batch_task_run_name,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def clean_batch(
    files: list[DumpFile],
    out: str,
    *,
    run_id: str,
    batch_no: int,
    max_page_bytes: int,
    max_page_seconds: float,
    pool: WorkerPool | None,
    previous_records: Mapping[str, Sequence[int]] | None = None,
    on_progress: OnProgress | None = None,
) -> BatchReport:
    """One batch. Locally, in a process of the flow's pool, the task's thread waiting and
    watching it (`flows.workers`): processes give every core work, keep a crash (segfault, OOM
    kill) to the batch it hit, and can be killed when a page overruns the hard limits.
    On a Dask worker (`pool` None), in the task's own thread: there the worker processes are
    the unit of parallelism, and their nanny restarts one that dies. `on_progress` hears of
    each page a local worker begins."""
    batch = partial(
        run_batch,
        files,
        out,
        run_id=run_id,
        batch_no=batch_no,
        max_page_bytes=max_page_bytes,
        max_page_seconds=max_page_seconds,
        previous_records=previous_records,
    )
    return batch() if pool is None else pool.run(batch, on_progress)


def record_failed_batch(
    files: list[DumpFile], out: str | Path, *, run_id: str, batch_no: int, error: str
) -> BatchReport:
    """Keep the files of a crashed batch visible: one `batch_failed` reject per file in the
    batch's rejects part, and no records part (a failed batch writes no records)."""
    processed_at = datetime.now(UTC)
    base = location(out)
    base.delete(base.child(RECORDS_DIR, part_name(run_id, batch_no)).path)
    detail = f"batch {batch_no} failed, no record of this file was written: {error}"
    rejects = base.child(REJECTS_DIR)
    with PartWriter(rejects, REJECT_SCHEMA, run_id=run_id, batch_no=batch_no) as part:
        for dump in files:
            reject = Reject(dump.source, 0, BATCH_FAILED, detail)
            row = reader_reject_row(
                reject, input_key=dump.key, run_id=run_id, processed_at=processed_at
            )
            part.write(row)
    return BatchReport(
        inputs=len(files),
        rejects=len(files),
        reject_reasons=Counter({BATCH_FAILED: len(files)}),
        files=len(files),
    )


def _pages_of(report: BatchReport | None, files: list[DumpFile]) -> int:
    """A batch's pages: its records and rejects, or one `batch_failed` reject a file."""
    return len(files) if report is None else report.records + report.rejects


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


@flow(
    name="clean-dumps",
    flow_run_name="{params.run_id}",
    task_runner=ThreadPoolTaskRunner(),
    persist_result=False,
)
def clean_dumps(params: CleanParams) -> RunSummary | State:
    """Clean every dump under `params.inputs` into Parquet under `params.out`.

    The run holds OUT's lock throughout (a second run on the same OUT fails at once with
    `OutputBusy`) and first removes temporary parts a killed run left behind. Files the ledger
    says OUT already holds, unchanged, are skipped; a file is entered in the ledger once its
    batch's parts are in place. A bad page becomes a reject inside its batch; a batch that
    crashes as a whole becomes `batch_failed` rejects for its files (and stays out of the
    ledger, so the next run tries them again): every input is accounted for. A run with
    failed batches ends Failed, its summary in the state's data (`FailedBatches`), so
    Prefect's automations and alerts see it; the flow run is named after the run id.
    """
    from flows.lifetime import exit_with_parent  # a served run ends with `winnow serve`

    exit_with_parent()
    logger = get_run_logger()
    out = location(params.out)
    with exclusive_output(out.state_dir(), holder=f"winnow run {params.run_id}"):
        remove_stale_parts(out)
        summary = _clean_new_dumps(params, logger)
        if params.compact and not summary.failed_batches:
            summary = replace(summary, compacted=compact(params.out))
    logger.info(summary_line(summary))
    create_markdown_artifact(
        summary_markdown(summary, params.inputs),
        key=ARTIFACT_KEY,
        description=f"Summary of clean run {params.run_id}",
    )
    create_table_artifact(
        summary_table(summary),
        key=TABLE_ARTIFACT_KEY,
        description=f"Figures of clean run {params.run_id}",
    )
    if summary.failed_batches:
        failure = FailedBatches(summary)
        return Failed(message=str(failure), data=failure)
    return summary


class FailedBatches(RuntimeError):
    """A run that ended with failed batches, its summary attached. A Failed state's data must
    be an exception: Prefect raises it where the flow was called without `return_state` (a
    deployment's flow run), and cannot raise anything else."""

    def __init__(self, summary: RunSummary) -> None:
        failed_inputs = summary.report.reject_reasons[BATCH_FAILED]
        super().__init__(
            f"{summary.failed_batches} of {summary.batches} batches failed: {failed_inputs}"
            f" inputs recorded as {BATCH_FAILED} rejects"
        )
        self.summary = summary


def _clean_new_dumps(params: CleanParams, logger: Any) -> RunSummary:
    progress = {PROGRESS_FLAG: True}
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    dumps = list_dumps(params.inputs)
    out = location(params.out)
    ledger = Ledger(out.state_dir())
    migrated = migrate(out, ledger, dumps)
    todo, unchanged = ledger.plan(dumps)
    vanished = ledger.vanished(InputScope(params.inputs), {dump.key for dump in dumps})
    on_dask = params.dask_address is not None
    slots = dask_slots(params.dask_address) if on_dask else params.workers
    batches = split_batches(
        todo,
        max_files=params.batch_size,
        max_bytes=params.batch_bytes,
        workers=slots,
    )
    where = f"Dask cluster {params.dask_address}, {slots} threads" if on_dask else "workers"
    gone = f", {len(vanished)} gone" if vanished else ""
    logger.info(
        f"run {params.run_id}: {len(dumps)} files, {len(unchanged)} unchanged since an earlier"
        f" run{gone}; {len(todo)} in {len(batches)} batches, {slots} {where}",
        extra=progress,
    )
    tally = LiveTally([[dump.size for dump in files] for files in batches], log_live_counts)
    failed = 0
    # Earlier runs' pages, read only when there is something to compare with them or to take
    # out: a scheduled run that finds nothing new does not read the whole index.
    index = load_index(out) if batches or vanished else NearDupIndex()
    total = BatchReport()
    if vanished:
        total = tombstone_vanished(
            vanished, out, index, ledger, run_id=params.run_id, batch_no=len(batches)
        )
    # Batches are marked for duplicates and entered in the ledger in batch order, whatever
    # order they finish in: "first seen" is then the same on every run and every engine.
    finished_batches: dict[int, BatchReport | None] = {}
    next_in_order = 0
    waiting = deque(enumerate(batches))
    pool = None if on_dask else _STARTED_POOLS.pop(params.run_id, None)
    if pool is None and not on_dask:
        pool = WorkerPool(params.workers, Limits.of(params))
    running: dict[PrefectFuture[BatchReport], tuple[int, list[DumpFile]]] = {}
    try:
        while waiting or running:
            # Keep one task per worker in flight, so the UI's running tasks are the batches
            # actually being cleaned and task runs are created only as workers free up.
            while waiting and len(running) < slots:
                batch_no, files = waiting.popleft()
                future = clean_batch.submit(
                    files,
                    params.out,
                    run_id=params.run_id,
                    batch_no=batch_no,
                    max_page_bytes=params.max_page_bytes,
                    max_page_seconds=params.max_page_seconds,
                    pool=pool,
                    previous_records=ledger.records_of(dump.key for dump in files),
                    # Locally only: a Dask task's arguments travel to the cluster.
                    on_progress=None if on_dask else partial(tally.running, batch_no),
                )
                running[future] = (batch_no, files)
            done = next(as_completed(list(running)))
            batch_no, files = running.pop(done)
            try:
                finished_batches[batch_no] = done.result()
            except Exception as exc:
                failed += 1
                error = _describe(exc)
                report = record_failed_batch(
                    files, params.out, run_id=params.run_id, batch_no=batch_no, error=error
                )
                logger.error(failed_batch_line(batch_no + 1, len(batches), len(files), error))
                total += report
                finished_batches[batch_no] = None
            tally.finished(batch_no, _pages_of(finished_batches[batch_no], files))
            while next_in_order in finished_batches:
                report = finished_batches.pop(next_in_order)
                if report is not None:
                    # Before the batch's records are checked: none may duplicate a deleted one.
                    forget_documents(out, index, report.deleted_doc_ids)
                    report = _with_duplicates_marked(report, out, index, params, next_in_order)
                    ledger.record(report.fingerprints, run_id=params.run_id)
                    logger.info(batch_line(next_in_order + 1, len(batches), report), extra=progress)
                    total += replace(report, fingerprints=(), signatures=(), deleted_doc_ids=())
                next_in_order += 1
        ledger.record_run(
            RunRow(
                run_id=params.run_id,
                started_at=started_at,
                finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
                files=len(dumps),
                unchanged=len(unchanged),
                inputs=total.inputs,
                records=total.records,
                rejects=total.rejects,
                failed_batches=failed,
                deleted=total.deleted,
            )
        )
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        ledger.close()
    return RunSummary(
        run_id=params.run_id,
        out=params.out,
        files=len(dumps),
        unchanged=len(unchanged),
        batches=len(batches),
        failed_batches=failed,
        report=total,
        wall_seconds=time.perf_counter() - started,
        migrated=migrated,
    )


VANISHED = "the file is no longer among the inputs that would list it"


def tombstone_vanished(
    files: list[LedgerFile],
    out: Location,
    index: NearDupIndex,
    ledger: Ledger,
    *,
    run_id: str,
    batch_no: int,
) -> BatchReport:
    """A tombstone for every record OUT holds of each vanished file (`Ledger.vanished`), in a
    rejects part of its own (`batch_no`: after the run's batches); then the near-duplicate
    index forgets those records and the ledger the files, in that order, so that a run killed
    in between writes the tombstones again. A renamed file is a vanished one plus a new one."""
    processed_at = datetime.now(UTC)
    tombstones = [
        tombstone_row(
            doc_id=doc_id(file.path, record),
            source=file.source,
            input_key=file.path,
            record=record,
            detail=VANISHED,
            run_id=run_id,
            processed_at=processed_at,
        )
        for file in files
        for record in file.records or ()
    ]
    if tombstones:
        rejects = out.child(REJECTS_DIR)
        with PartWriter(rejects, REJECT_SCHEMA, run_id=run_id, batch_no=batch_no) as part:
            for row in tombstones:
                part.write(row)
        forget_documents(out, index, [row["doc_id"] for row in tombstones])
    ledger.forget(file.path for file in files)
    return BatchReport(deleted=len(tombstones))


def _with_duplicates_marked(
    report: BatchReport, out: Location, index: NearDupIndex, params: CleanParams, batch_no: int
) -> BatchReport:
    marked = mark_batch(
        out,
        index,
        report.signatures,
        run_id=params.run_id,
        batch_no=batch_no,
        drop_duplicates=params.drop_duplicates,
    )
    if not marked.dropped:
        return replace(report, duplicates=marked.duplicates)
    return replace(
        report,
        duplicates=marked.duplicates,
        records=report.records - marked.dropped,
        rejects=report.rejects + marked.dropped,
        reject_reasons=report.reject_reasons + Counter({DUPLICATE: marked.dropped}),
    )


def flow_for(params: CleanParams) -> Flow:
    """`clean_dumps` with its task runner: threads of this process handing batches to local
    worker processes, or prefect-dask's `DaskTaskRunner` on the cluster at `dask_address`."""
    if params.dask_address is None:
        return clean_dumps
    from prefect_dask import DaskTaskRunner

    return clean_dumps.with_options(task_runner=DaskTaskRunner(address=params.dask_address))


_STARTED_POOLS: dict[str, WorkerPool] = {}
"""Worker pools started before their run's flow (`run_clean`), by run id: a flow's
parameters travel as JSON, and a pool is no parameter."""


def run_clean(params: CleanParams, *, pool: WorkerPool | None = None) -> RunSummary:
    """The run's summary, whether it ended Completed or Failed (failed batches); an exception
    that ended the run is raised. `pool`, for a local run, is its worker pool, started
    beforehand (`WorkerPool.start_workers`); the flow shuts it down as it ends."""
    if pool is not None:
        _STARTED_POOLS[params.run_id] = pool
    try:
        state = flow_for(params)(params, return_state=True)
    finally:
        _STARTED_POOLS.pop(params.run_id, None)
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, FailedBatches):
        return summary.summary
    if isinstance(summary, BaseException):
        raise summary
    return summary


def serve_clean(
    params: CleanParams,
    *,
    name: str,
    cron: str | None = None,
    interval: float | None = None,
) -> None:
    """Serve `clean_dumps` with `params` on a schedule until interrupted (Prefect's `serve`:
    a deployment plus a runner in this process, no work pool). Blocks.

    Each scheduled run gets its own run id (the deployment's parameters leave it out, so
    `CleanParams` generates one per run). The runner starts at most one run at a time, so a
    slow run delays the next one instead of overlapping it; another writer on the same OUT
    (a manual `winnow clean`) still meets OUT's lock. The schedule is paused when serving stops.
    """
    flow_for(params).serve(
        name=name,
        cron=cron,
        interval=interval,
        parameters={"params": params.model_dump(mode="json", exclude={"run_id"})},
        description=f"winnow clean {' '.join(params.inputs)} --out {params.out}",
        limit=1,
        pause_on_shutdown=True,
        print_starting_message=False,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
