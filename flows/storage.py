"""Where OUT lives: a local folder, or a prefix in an object store. Prefect-free.

`--out s3://bucket/prefix` (or any URI that pyarrow's filesystems open: `gs://`, `hdfs://`)
writes the Parquet parts through pyarrow's filesystem layer, as a local OUT does: each part
under a hidden temporary name, moved to its final name when complete. On S3 a move is a
server-side copy, and an object appears only once its upload or copy is complete, so readers
never see half a part.

The ledger (SQLite) and the run lock (`flock`) need local files. For a local OUT they live in
OUT. For a remote OUT they live in a state folder on the machine that runs the flow:
`$WINNOW_STATE_DIR/<hash of OUT's URI>` (default base `~/.cache/winnow/state`). One machine
therefore owns the scheduling of a remote OUT; runs from elsewhere would not see its ledger.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
STATE_DIR_VARIABLE = "WINNOW_STATE_DIR"
DEFAULT_STATE_DIR = Path("~/.cache/winnow/state")


def is_uri(text: str) -> bool:
    """`s3://...`, `gs://...`, `file://...`: not a plain local path."""
    return bool(_URI.match(text))


@dataclass(frozen=True)
class Location:
    """A folder in a filesystem: `path` is as `filesystem` names it (no scheme)."""

    filesystem: pafs.FileSystem
    path: str
    uri: str

    @property
    def is_local(self) -> bool:
        return isinstance(self.filesystem, pafs.LocalFileSystem)

    def child(self, *names: str) -> Location:
        joined = "/".join((self.path.rstrip("/"), *names))
        return Location(self.filesystem, joined, "/".join((self.uri.rstrip("/"), *names)))

    def state_dir(self) -> Path:
        """Where the ledger and the lock of an OUT at this location live (see module doc);
        created if missing."""
        if self.is_local:
            folder = Path(self.path)
        else:
            base = Path(os.environ.get(STATE_DIR_VARIABLE) or DEFAULT_STATE_DIR).expanduser()
            folder = base / hashlib.sha1(self.uri.encode()).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def exists(self) -> bool:
        return self.filesystem.get_file_info(self.path).type != pafs.FileType.NotFound

    def files(self, pattern_prefix: str, suffix: str) -> list[str]:
        """Paths of the files directly in this folder whose names start and end so, sorted."""
        selector = pafs.FileSelector(self.path, allow_not_found=True)
        return sorted(
            info.path
            for info in self.filesystem.get_file_info(selector)
            if info.type == pafs.FileType.File
            and info.base_name.startswith(pattern_prefix)
            and info.base_name.endswith(suffix)
        )

    def delete(self, path: str) -> None:
        """Delete a file; one that is already gone is fine."""
        with contextlib.suppress(FileNotFoundError):
            self.filesystem.delete_file(path)

    def check_writable(self) -> None:
        """Create the folder and write and delete a probe file in it (raises OSError)."""
        self.filesystem.create_dir(self.path, recursive=True)
        probe = f"{self.path.rstrip('/')}/.winnow-probe-{uuid.uuid4().hex[:8]}"
        with self.filesystem.open_output_stream(probe) as stream:
            stream.write(b"")
        self.filesystem.delete_file(probe)


def location(spec: str | Path) -> Location:
    """The filesystem and path of a local path or a URI (raises ValueError for a URI pyarrow
    cannot open, such as an unknown scheme)."""
    text = str(spec)
    if not is_uri(text):
        return Location(pafs.LocalFileSystem(), os.path.abspath(text), os.path.abspath(text))
    try:
        filesystem, path = pafs.FileSystem.from_uri(text)
    except (ValueError, OSError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise ValueError(f"cannot open {text}: {exc}") from None
    return Location(filesystem, path.rstrip("/"), text.rstrip("/"))
