"""Parameters of the clean flow: one pydantic model, validated at construction. Prefect-free.

Prefect builds the flow's UI form from `CleanParams`, and the CLI builds one from its arguments,
so a bad configuration fails the same way from both, before any work starts.
"""

from __future__ import annotations

import glob
import os
import secrets
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from flows.readers import glob_matches
from flows.storage import is_uri, location

DEFAULT_BATCH_SIZE = 200
DEFAULT_BATCH_BYTES = 64_000_000
DEFAULT_MAX_PAGE_BYTES = 10_000_000
DEFAULT_MAX_PAGE_SECONDS = 30.0
DEFAULT_MAX_WORKER_BYTES = 600_000_000
"""About twice a worker's resident memory at its peak over the dev sets' pages: two workers,
the flow process and the Prefect server then stay near 1 GiB however hostile the pages."""
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
DASK_ADDRESS_PATTERN = r"^(tcp|tls|ucx|ws|wss)://\S+$"


def default_workers() -> int:
    """Cores this process may use (respects CPU affinity, unlike `os.cpu_count()`)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def new_run_id() -> str:
    """UTC timestamp plus a short random suffix: sorts by time, unique across parallel runs."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class CleanParams(BaseModel):
    """What to clean, where to write it, and how to split the work."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    inputs: list[str] = Field(
        min_length=1,
        description="Dump files, folders (searched recursively) or glob patterns.",
    )
    out: str = Field(
        description="Output folder; Parquet parts go to OUT/records and OUT/rejects.",
    )
    batch_size: int = Field(
        default=DEFAULT_BATCH_SIZE,
        gt=0,
        description="At most this many files per batch (one batch is one task).",
    )
    batch_bytes: int = Field(
        default=DEFAULT_BATCH_BYTES,
        gt=0,
        description="A batch closes before it exceeds this many input bytes; "
        "a bigger file (a large WARC) is a batch of its own.",
    )
    workers: int = Field(
        default_factory=default_workers,
        gt=0,
        description="Worker processes cleaning batches in parallel (default: all cores).",
    )
    max_page_bytes: int = Field(
        default=DEFAULT_MAX_PAGE_BYTES,
        gt=0,
        description="Pages larger than this are rejected as too large.",
    )
    max_page_seconds: float = Field(
        default=DEFAULT_MAX_PAGE_SECONDS,
        gt=0,
        allow_inf_nan=False,
        description="Cleaning a page that takes longer than this is stopped, and the page "
        "rejected as page_timeout (typical pages take well under a second); a page stuck in "
        "one C call has its worker killed and replaced a moment later.",
    )
    max_worker_bytes: int = Field(
        default=DEFAULT_MAX_WORKER_BYTES,
        gt=0,
        description="A worker process whose resident memory grows past this while cleaning a "
        "page is killed and replaced; the page is rejected as page_memory_exceeded and the "
        "rest of its batch cleaned in the new worker.",
    )
    dask_address: str | None = Field(
        default=None,
        pattern=DASK_ADDRESS_PATTERN,
        description="Scheduler of an existing Dask cluster (tcp://host:8786) to clean the "
        "batches on, through prefect-dask; default: the worker processes of this machine. "
        "The workers need winnow installed and must see the inputs and OUT at the same paths.",
    )
    drop_duplicates: bool = Field(
        default=False,
        description="Move records whose text repeats an earlier record's (exactly or nearly) "
        "to the rejects as `duplicate`, instead of only marking them with dup_of.",
    )
    compact: bool = Field(
        default=False,
        description="After the run, merge OUT's Parquet parts into few large ones, keeping the "
        "latest version of each page (worth it for frequent small scheduled runs).",
    )
    run_id: str = Field(
        default_factory=new_run_id,
        pattern=RUN_ID_PATTERN,
        description="Names the Parquet parts of this run (default: UTC time + random suffix).",
    )

    @field_validator("inputs")
    @classmethod
    def _inputs_exist(cls, inputs: list[str]) -> list[str]:
        for item in inputs:
            if not item.strip():
                raise PydanticCustomError("empty_input", "an input is an empty string")
            if is_uri(item):
                found = _remote_exists(item)
            else:
                _check_not_special(item)
                found = Path(item).exists() or _glob_matches_anything(item)
            if not found:
                raise PydanticCustomError(
                    "input_not_found",
                    "'{input}' is not a file or folder and matches no files",
                    {"input": item},
                )
        return inputs

    @model_validator(mode="after")
    def _out_writable(self) -> Self:
        """Create OUT and write a probe file into it, so a read-only or misplaced OUT fails here
        rather than after the first batch has done its work. Runs only when every field is
        valid, so a mistyped option does not leave an empty OUT behind."""
        if not self.out.strip():
            raise PydanticCustomError("empty_out", "the output folder is an empty string")
        try:
            if is_uri(self.out):
                location(self.out).check_writable()
            else:
                Path(self.out).mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile(dir=self.out, prefix=".winnow-probe-"):
                    pass
        except (OSError, ValueError) as exc:
            raise PydanticCustomError(
                "out_not_writable",
                "cannot write to output folder '{out}': {error}",
                {"out": self.out, "error": getattr(exc, "strerror", None) or str(exc)},
            ) from None
        return self


def _check_not_special(item: str) -> None:
    """A path that exists but is neither a file nor a folder (a FIFO, socket or device, also
    through a symlink) fails here: the listing would refuse it only once the run has started,
    and opening a FIFO would block the reader."""
    path = Path(item)
    if path.exists() and not (path.is_file() or path.is_dir()):
        raise PydanticCustomError(
            "input_not_a_file",
            "'{input}' is neither a file nor a folder (a FIFO, socket or device is no dump)",
            {"input": item},
        )


def _remote_exists(uri: str) -> bool:
    try:
        return location(uri).exists()
    except (OSError, ValueError) as exc:
        raise PydanticCustomError(
            "input_unreachable", "cannot open '{input}': {error}", {"input": uri, "error": str(exc)}
        ) from None


def describe_errors(error: ValidationError, names: Mapping[str, str] | None = None) -> str:
    """One line for all problems of a configuration, fields renamed through `names` (e.g. to the
    CLI option that sets them)."""
    names = names or {}
    problems = []
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]) if item["loc"] else ""
        label = names.get(field, field)
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown option"
        problems.append(f"{label}: {message}" if label else message)
    return "; ".join(problems)


def _glob_matches_anything(pattern: str) -> bool:
    """Whether the glob matches a file or folder by the readers' rule (symlinked folders are
    not entered), so a glob that matches only through a link fails here, before any work. A
    path without wildcards is no glob: it matches nothing."""
    if not glob.has_magic(pattern):
        return False
    try:
        return next(glob_matches(pattern), None) is not None
    except OSError as error:
        raise PydanticCustomError(
            "input_unreadable",
            "cannot search '{input}': {error}",
            {"input": pattern, "error": str(error)},
        ) from None
