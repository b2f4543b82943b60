"""Object-store input and output, against a real S3-compatible server (moto's server mode)
started by the test: pyarrow's S3 filesystem talks HTTP to it as it would to AWS."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from flows.batch import run_batch
from flows.readers import list_dumps
from flows.records import RECORD_SCHEMA, PartWriter, remove_stale_parts

moto_server = pytest.importorskip("moto.server")

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_INPUTS = [ROOT / "fixtures" / "dumps", ROOT / "fixtures" / "formats"]


@pytest.fixture(scope="module")
def s3_env():
    """A moto S3 server on a free port, and the environment that points pyarrow at it."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_REGION": "us-east-1",
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    import boto3

    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"])
    for bucket in ("dumps", "clean"):
        s3.create_bucket(Bucket=bucket)
    yield env
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    server.stop()


def s3() -> pafs.S3FileSystem:
    return pafs.FileSystem.from_uri("s3://dumps")[0]


def upload(local_folder: Path, prefix: str) -> None:
    filesystem = s3()
    for path in sorted(local_folder.rglob("*")):
        if path.is_file():
            key = f"{prefix}/{path.relative_to(local_folder).as_posix()}"
            with filesystem.open_output_stream(key) as stream:
                stream.write(path.read_bytes())


def object_names(prefix: str) -> list[str]:
    selector = pafs.FileSelector(prefix, recursive=True, allow_not_found=True)
    return sorted(info.path for info in s3().get_file_info(selector) if info.is_file)


def test_a_part_on_s3_appears_only_when_complete(s3_env):
    folder = "s3://clean/unit/records"
    with pytest.raises(RuntimeError), PartWriter(folder, RECORD_SCHEMA, run_id="r", batch_no=0):
        assert object_names("clean/unit") == []  # nothing visible while writing
        raise RuntimeError("crash mid-batch")
    assert object_names("clean/unit") == []  # nor after a failure
    with PartWriter(folder, RECORD_SCHEMA, run_id="r", batch_no=1):
        pass
    assert object_names("clean/unit") == ["clean/unit/records/part-r-00001.parquet"]
    with s3().open_output_stream("clean/unit/records/.part-r-00002.parquet.dead.tmp") as stream:
        stream.write(b"left by a killed run")
    assert remove_stale_parts("s3://clean/unit") == 1
    assert object_names("clean/unit") == ["clean/unit/records/part-r-00001.parquet"]


def test_winnow_clean_reads_and_writes_s3_like_local_folders(
    s3_env, tmp_path, prefect_home, prefect_api_url
):
    inputs = tmp_path / "in"
    for folder in FIXTURE_INPUTS:
        shutil.copytree(folder, inputs / folder.name)
    upload(inputs, "dumps/in")
    local = tmp_path / "local"
    expected = run_batch(
        list_dumps([str(inputs)]),
        local,
        run_id="l",
        batch_no=0,
        max_page_bytes=10_000_000,
    )
    env = {**os.environ, **s3_env, "PREFECT_HOME": str(prefect_home)}
    env["WINNOW_STATE_DIR"] = str(tmp_path / "state")
    env["PREFECT_API_URL"] = prefect_api_url

    def winnow(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "flows", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    first = winnow("clean", "s3://dumps/in", "--out", "s3://clean/out")
    second = winnow("clean", "s3://dumps/in", "--out", "s3://clean/out")
    compacted = winnow("compact", "s3://clean/out")
    status = winnow("status", "s3://clean/out", "s3://dumps/in")

    total = expected.inputs
    assert f"inputs {total} = records {expected.records} + rejects {expected.rejects}" in first
    assert "7 files, 7 unchanged and skipped, 0 cleaned" in second
    assert "compacted s3://clean/out" in compacted
    assert "pending in the inputs: 0 of 7 files new or changed" in status
    filesystem = s3()
    on_s3 = pq.read_table("clean/out/records", filesystem=filesystem)
    on_disk = pq.read_table(local / "records")
    columns = ["source", "record", "text", "title"]
    assert sorted(on_s3.select(columns).to_pylist(), key=str) == sorted(
        on_disk.select(columns).to_pylist(), key=str
    )
    rejects = pq.read_table("clean/out/rejects", filesystem=filesystem)
    assert rejects.num_rows == expected.rejects
    assert not any(".tmp" in name for name in object_names("clean/out"))
    assert (tmp_path / "state").is_dir()  # the ledger and the lock, on this machine
