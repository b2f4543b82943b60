"""The clean flow deployed the way docs/prefect.md tells a team to: a `process` work pool,
`flow.from_source(...).deploy(...)` of this checkout, `prefect deployment run`, and a
`prefect worker start` that runs the flow run in a subprocess of its own. That subprocess
loads the entrypoint `flows/pipeline.py` the way Prefect does, with the entrypoint's folder
on `sys.path`, and its batches run in spawned worker processes: a module of `flows/` named
like a standard-library one (`flows/inspect.py` once) failed every batch there, and only
there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
POOL = "winnow-e2e"
TIMEOUT_SECONDS = 240

DEPLOY = """\
import sys

from prefect import flow

from flows.config import CleanParams

source, pool, inputs, out = sys.argv[1:]
params = CleanParams(inputs=[inputs], out=out, workers=2, batch_size=1)
flow.from_source(source=source, entrypoint="flows/pipeline.py:clean_dumps").deploy(
    name="e2e",
    work_pool_name=pool,
    parameters={"params": params.model_dump(mode="json", exclude={"run_id"})},
)
"""


def article(n: int) -> str:
    return (
        f"Harbour report {n}\n"
        f"The harbour office published report {n} on Monday, describing how the ferries, "
        f"the fishing fleet and the new marina shared berth {n * 7} this season.\n"
    )


def run(command: list[str], *, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_a_work_pool_deployment_of_the_checkout_cleans_on_spawned_workers(
    prefect_api_url, tmp_path
):
    dumps = tmp_path / "incoming"
    dumps.mkdir()
    for n in range(3):
        (dumps / f"page-{n}.txt").write_text(article(n), encoding="utf-8")
    out = tmp_path / "out"
    elsewhere = tmp_path / "worker-machine"  # the worker's own working directory
    elsewhere.mkdir()
    env = {**os.environ, "PREFECT_API_URL": prefect_api_url}

    run([PREFECT, "work-pool", "create", POOL, "--type", "process"], env=env, cwd=ROOT)
    run([sys.executable, "-c", DEPLOY, str(ROOT), POOL, str(dumps), str(out)], env=env, cwd=ROOT)
    started = run([PREFECT, "deployment", "run", "clean-dumps/e2e"], env=env, cwd=elsewhere)
    flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", started)
    assert flow_run_id, started
    worked = run([PREFECT, "worker", "start", "--pool", POOL, "--run-once"], env=env, cwd=elsewhere)

    state = flow_run_state(flow_run_id[1], prefect_api_url)
    assert state == "COMPLETED", worked[-3000:]
    rejects = [row for part in (out / "rejects").glob("*.parquet") for row in rows(part)]
    records = [row for part in (out / "records").glob("*.parquet") for row in rows(part)]
    assert rejects == []
    assert sorted(Path(row["source"]).name for row in records) == [
        "page-0.txt",
        "page-1.txt",
        "page-2.txt",
    ]
    assert all("harbour office published" in row["text"] for row in records)


def rows(part: Path) -> list[dict]:
    return pq.read_table(part).to_pylist()


def flow_run_state(flow_run_id: str, api_url: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        return client.read_flow_run(flow_run_id).state.type.value
