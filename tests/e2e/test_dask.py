"""`winnow clean --dask-address` on a real local Dask cluster (2 worker processes) writes the
same records and rejects as the same inputs cleaned locally."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.batch import run_batch
from flows.readers import list_dumps

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]


def winnow_clean(inputs: list[Path], out: Path, home: Path, api_url: str, *extra: str) -> str:
    """The run and its tasks on the Dask workers talk to the Prefect server at `api_url`."""
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": api_url}
    command = [sys.executable, "-m", "flows", "clean", *map(str, inputs), "--out", str(out)]
    result = subprocess.run(
        [*command, "--batch-size", "3", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Error" not in result.stderr, result.stderr[-3000:]
    return result.stdout


def rows(out: Path, kind: str, columns: list[str]) -> list[tuple]:
    table = pq.read_table(out / kind, columns=columns)
    return sorted(tuple(row.values()) for row in table.to_pylist())


@pytest.fixture
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def test_a_run_on_a_dask_cluster_writes_what_a_local_run_writes(
    cluster, tmp_path, prefect_home, prefect_api_url
):
    extra = tmp_path / "extra"
    extra.mkdir()
    for n in range(6):
        (extra / f"note-{n}.txt").write_text(
            f"Field note {n}\nThe survey team walked the northern ridge on day {n} and counted "
            "the nesting birds along the cliffs before the weather turned.\nShare this page\n"
        )
    inputs = [ROOT / "fixtures" / "dumps", ROOT / "fixtures" / "formats", extra]

    on_dask = winnow_clean(
        inputs,
        tmp_path / "dask",
        prefect_home,
        prefect_api_url,
        "--dask-address",
        cluster.scheduler_address,
    )
    local = run_batch(
        list_dumps([str(path) for path in inputs]),
        tmp_path / "local",
        run_id="local",
        batch_no=0,
        max_page_bytes=10_000_000,
    )

    assert f"Dask cluster {cluster.scheduler_address}, 2 threads" in on_dask
    record_columns = ["doc_id", "source", "record", "text", "title", "removed"]
    reject_columns = ["source", "record", "reason"]
    dask_records = rows(tmp_path / "dask", "records", record_columns)
    assert len(dask_records) == 15
    assert dask_records == rows(tmp_path / "local", "records", record_columns)
    assert rows(tmp_path / "dask", "rejects", reject_columns) == rows(
        tmp_path / "local", "rejects", reject_columns
    )
    assert (local.inputs, local.records, local.rejects) == (19, 15, 4)
    assert "inputs 19 = records 15 + rejects 4" in on_dask
