"""Readers of dump formats: files in, `RawPage`s and `Reject`s out, streamed. Prefect-free.

Supported dumps: single HTML pages, plain-text dumps, WARC archives and JSON Lines from crawlers,
each optionally gzip-compressed. The format comes from the content when the content is clear
about it (gzip magic, a WARC header, a JSON object line, an HTML doctype) and from the file
extension otherwise, so a lying or missing extension still reads right.

Every input record comes out as exactly one `RawPage` or one `Reject`; a file that holds no
record at all comes out as one `Reject` ("no_records"), so no input vanishes. A bad record is a
reject of its own and reading goes on with the next one; only a failure of the file's framing
(the gzip stream, the WARC record structure) ends the file, and then its reject's detail says at
which record and byte reading stopped. Reject reasons:

- ``unreadable_file``: the file cannot be opened or read (permissions, vanished, I/O error).
- ``empty_file``: the file (after gunzipping) is empty or only whitespace.
- ``no_records``: a WARC or JSONL file with no page records (e.g. only request records).
- ``truncated_gzip``: the gzip stream ends early; records read before the cut are kept.
- ``corrupt_gzip``: the gzip stream is damaged (bad CRC, bad header, garbage after it).
- ``broken_warc_record``: a WARC record cannot be parsed or is cut short; reading stops there.
- ``not_html``: a WARC response/resource whose content type is not HTML (images, robots.txt).
- ``http_status_not_ok``: a WARC response whose HTTP status is not 2xx (redirects, 404s).
- ``revisit_record``: a WARC revisit record; its payload is stored in an earlier record.
- ``invalid_json``: a JSONL line that is not a JSON object.
- ``json_too_deep``: a JSONL line nested deeper than Python's JSON parser (or its writer, which
  turns the extra fields back into JSON) can recurse.
- ``json_number_too_long``: a JSONL line with an integer of more digits than Python converts
  (``sys.get_int_max_str_digits()``, 4300 by default).
- ``invalid_unicode``: a JSONL field (its name or value, nested values included) holds a lone
  surrogate, a JSON escape of half a UTF-16 pair ("\\ud800"): no Unicode text, so Parquet cannot
  store it. The detail names the field. Rejected rather than replaced with U+FFFD: like invalid
  UTF-8 bytes in a line (``undecodable_text``) it means the producer wrote broken text, and a
  silently altered url or field would pass for the real one downstream.
- ``missing_content``: a JSONL object without a string ``html``/``text``-like field.
- ``empty_content``: a record whose content is empty or only whitespace.
- ``binary_content``: NUL bytes or many control bytes (images, archives, UTF-16 without BOM).
- ``undecodable_text``: no charset decodes the bytes strictly (BOM, UTF-8, declared, detected).
  The one lenient case: UTF-8 with a few stray bytes among many valid non-ASCII characters is
  decoded with U+FFFD for the strays and recorded as encoding "utf-8+replace".
  Invalid UTF-8 in a JSONL line lands here too: JSON Lines are UTF-8 by definition.
- ``page_too_large``: a page (or JSONL line) over ``max_page_bytes``; never decoded.
- ``reader_error``: turning one record into a page crashed unexpectedly (a library's surprise, a
  case no check foresaw): that record only, the detail is the exception. When the crash is in
  the file's framing instead, it ends the file like the other framing failures.

Pages are decoded from their bytes by `cleaners.decoding` (which `clean_html` uses for bytes too):
its docstring gives the order charsets are tried in, the labels it ignores, and the mojibake it
undoes. `RawPage.encoding` is the codec that decoded the page ("utf-8", "cp1252", "utf-8-sig" for
a UTF-8 BOM...), or "utf-8+replace" / "utf-8+double-encoded".
"""

from __future__ import annotations

import codecs
import fnmatch
import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import takewhile
from pathlib import Path, PurePath, PurePosixPath
from typing import BinaryIO, Literal

import pyarrow.fs as pafs
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException

from cleaners.decoding import (
    DOUBLE_ENCODED_UTF8,
    UnreadableBytes,
    decode_page,
    undo_double_encoding,
)
from flows.storage import is_uri, location

ContentType = Literal["html", "text"]

DUMP_EXTENSIONS = {
    ".html": "html",
    ".htm": "html",
    ".txt": "txt",
    ".warc": "warc",
    ".jsonl": "jsonl",
}
"""Extensions picked up inside folders and globs (each also with `.gz` appended)."""

SNIFF_BYTES = 8192  # head of a file used to detect its format
READ_CHUNK = 1 << 16
MAX_DETAIL_CHARS = 1000  # a reader_error's detail: the exception's type and message, cut here
READER_ERROR = "reader_error"

GZIP_MAGIC = b"\x1f\x8b"
HTML_MEDIA_TYPES = {"text/html", "application/xhtml+xml"}
WARC_PAGE_RECORD_TYPES = {"response", "resource", "revisit"}
# JSONL fields holding the page, in order of preference; None = HTML or text, decided by content.
JSONL_CONTENT_FIELDS: tuple[tuple[str, ContentType | None], ...] = (
    ("html", "html"),
    ("raw_html", "html"),
    ("text", "text"),
    ("content", None),
    ("body", None),
)

_GLOB_MAGIC = re.compile(r"[*?[]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # in a str only from a JSON "\\ud800" escape
_JSON_OBJECT_START = re.compile(rb'\{\s*"')
_HTML_START = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]", re.IGNORECASE)
_HTML_TAG = re.compile(rb"<(?:html|head|body|title|meta|div|p|article|br)[\s/>]", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DumpFile:
    """One input file and the root its `source` name is relative to; `filesystem` is None for
    a local file, else the object store it is in (`path` and `root` then in its naming)."""

    path: PurePath
    root: PurePath
    size: int
    filesystem: pafs.FileSystem | None = None

    @property
    def source(self) -> str:
        """Path relative to the input root, POSIX style (what lands in the `source` column)."""
        return _as_text(self.path.relative_to(self.root).as_posix())

    @property
    def key(self) -> str:
        """Names the file across runs (the ledger's key): its absolute path, or its URI."""
        if self.filesystem is None:
            # realpath, not Path.resolve: a symlink loop must not raise (it is rejected later)
            return _as_text(os.path.realpath(self.path))
        return f"{self.filesystem.type_name}://{self.path.as_posix()}"

    def open(self) -> BinaryIO:
        if self.filesystem is None:
            return open(self.path, "rb")
        return io.BufferedReader(self.filesystem.open_input_file(self.path.as_posix()))

    def stat(self) -> tuple[int, int]:
        """(size, modification time in ns), read now."""
        if self.filesystem is None:
            stat = os.stat(self.path)
            return stat.st_size, stat.st_mtime_ns
        info = self.filesystem.get_file_info(self.path.as_posix())
        if info.type != pafs.FileType.File:
            raise FileNotFoundError(f"no such file: {self.key}")
        return info.size, info.mtime_ns or 0


def _as_text(path: str) -> str:
    """A path as valid Unicode: bytes of a non-UTF-8 file name (which Python keeps as lone
    surrogates, unwritable to Parquet or SQLite) become backslash escapes ("caf\\xe9.html")."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True)
class RawPage:
    source: str
    record: int  # index inside a multi-record file, 0 otherwise
    format: str  # dump format: "html" | "txt" | "warc" | "jsonl"
    content_type: ContentType
    content: str  # decoded text of the page (HTML or plain text)
    raw_bytes: int  # size of the page's bytes before decoding
    url: str | None = None
    fetched: str | None = None  # ISO 8601 fetch time (WARC-Date), when the dump has one
    encoding: str | None = None  # charset used to decode
    extra: dict[str, str] = field(default_factory=dict)  # other JSONL fields, JSON-encoded


@dataclass(frozen=True, slots=True)
class Reject:
    source: str
    record: int
    reason: str  # stable snake_case
    detail: str
    format: str | None = None  # the dump's format, once the reader knows it
    url: str | None = None  # the record's URL, when the reader read one before rejecting it


def list_dumps(inputs: Sequence[str]) -> list[DumpFile]:
    """Expand folders (recursive), single files and globs into dump files, sorted, deduplicated.

    - A folder contributes every file below it with a dump extension (`DUMP_EXTENSIONS`, each
      also with `.gz`), skipping hidden files and folders (name starts with "."); `source` is
      relative to the folder.
    - A glob (`*`, `?`, `[`; `**` recurses) follows the folder rule for what it matches; `source`
      is relative to the glob's non-wildcard leading folder.
    - A single file is taken whatever its extension (the reader sniffs its content); `source`
      is its name.

    Symlinks, one rule for folders and globs alike: a symlinked folder found below an input is
    not descended into (a link to /etc or to an ancestor must not pull in a foreign or endless
    tree), while a folder the input itself names is read even through a symlink. A symlinked
    file is listed under the link's name; a dangling or looping one too, and its reader
    rejects it as `unreadable_file`.

    Paths are absolute. One real file (`DumpFile.key`: its real path, or its URI) is one input
    however many inputs or links reach it: it is listed once, under the first input that reaches
    it, as the first of its paths in that input's sorted listing. A missing path or a glob
    matching nothing raises FileNotFoundError, so a typo fails fast instead of yielding an
    empty run.
    """
    found: dict[str, DumpFile] = {}
    for spec in inputs:
        listed = _expand_remote(spec) if is_uri(spec) else _expand_input(spec)
        for dump in sorted(listed, key=_listed_as):
            found.setdefault(dump.key, dump)
    return sorted(found.values(), key=_listed_as)


def _listed_as(dump: DumpFile) -> str:
    """A local file by its absolute path as reached (through its symlinks, not resolved), a
    remote one by its URI."""
    return str(dump.path) if dump.filesystem is None else dump.key


def iter_pages(dump: DumpFile, *, max_page_bytes: int = 10_000_000) -> Iterator[RawPage | Reject]:
    """Every record of one dump file as a page or a reject; never raises for bad content.

    `record` is 0 for single-page files, the 0-based line number for JSONL (blank lines are
    skipped but counted), and for WARC the 0-based index among the file's response, resource
    and revisit records (warcinfo, request and metadata records are not inputs). A reject for
    a broken or cut-off part carries the index after the last record read, and its detail
    says where reading stopped. Files are streamed: at most one page (`max_page_bytes`) is held
    in memory at a time.
    """
    if max_page_bytes < 1:
        raise ValueError(f"max_page_bytes must be positive, got {max_page_bytes}")
    next_record = 0
    try:
        with _DumpStream(dump) as stream:
            head = stream.read(SNIFF_BYTES)
        if len(head) < SNIFF_BYTES and not head.strip():
            yield Reject(dump.source, 0, "empty_file", f"{len(head)} bytes, no content")
            return
        dump_format = _detect_format(dump.path.name, head)
        with _DumpStream(dump) as stream:
            for item in _READERS[dump_format](stream, dump.source, max_page_bytes):
                next_record = item.record + 1
                if isinstance(item, Reject) and item.format is None:
                    item = replace(item, format=dump_format)
                yield item
    except _StreamError as error:
        detail = error.detail
        if error.position is not None:
            detail += f"; {_stopped_at(next_record, error.position)}"
        yield Reject(dump.source, next_record, error.reason, detail)
        return
    if next_record == 0:
        detail = f"no page records in this {dump_format} file"
        yield Reject(dump.source, 0, "no_records", detail, format=dump_format)


# --- listing -------------------------------------------------------------------------------


def dumps_listed(inputs: Sequence[str], *, up_to: int) -> int:
    """How many dump files the local inputs list (one real file once), counting no further
    than `up_to`: a check before a run must not walk a large tree that the run walks again."""
    keys: set[str] = set()
    for spec in inputs:
        for dump in _expand_input(spec):
            keys.add(dump.key)
            if len(keys) >= up_to:
                return len(keys)
    return len(keys)


def _expand_input(spec: str) -> Iterator[DumpFile]:
    if _GLOB_MAGIC.search(spec):
        root = _glob_root(spec)
        matches = list(glob_matches(spec))
        if not matches:
            raise FileNotFoundError(f"no files match the glob {spec!r}")
        for match in matches:
            if match.is_dir():
                yield from _walk_folder(match, root)
            elif is_dump_name(match.name) and _is_listable(match):
                yield _dump_file(match, root)
        return
    path = Path(spec)
    if path.is_dir():
        yield from _walk_folder(path, path)
    elif path.is_file():
        yield _dump_file(path, path.parent)
    elif not path.exists():
        raise FileNotFoundError(f"input not found: {spec}")
    else:
        raise ValueError(f"input is neither a file nor a folder: {spec}")


def _expand_remote(spec: str) -> Iterator[DumpFile]:
    """A URI (`s3://bucket/prefix`): every dump file under it, as for a local folder, or the
    one object it names. Globs are not expanded in URIs."""
    where = location(spec)
    info = where.filesystem.get_file_info(where.path)
    if info.type == pafs.FileType.File:
        path = PurePosixPath(where.path)
        yield DumpFile(path, path.parent, info.size, where.filesystem)
        return
    if info.type != pafs.FileType.Directory:
        raise FileNotFoundError(f"input not found: {spec}")
    root = PurePosixPath(where.path)
    selector = pafs.FileSelector(where.path, recursive=True)
    for item in sorted(where.filesystem.get_file_info(selector), key=lambda item: item.path):
        path = PurePosixPath(item.path)
        hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
        if item.type == pafs.FileType.File and not hidden and is_dump_name(path.name):
            yield DumpFile(path, root, item.size, where.filesystem)


def _glob_root(pattern: str) -> Path:
    """The leading folders of a glob before its first wildcard part."""
    literal = list(takewhile(lambda part: not _GLOB_MAGIC.search(part), Path(pattern).parts))
    return Path(*literal) if literal else Path(".")


def glob_matches(pattern: str) -> Iterator[Path]:
    """What `glob.glob(pattern, recursive=True)` matches, except below symlinked folders.

    glob's `**` (and a wildcard part followed by more parts) descends into symlinked folders,
    and Python 3.11's glob cannot be told not to: so the folders below the pattern's literal
    root are walked here without following links, and matched part by part (fnmatch per part,
    `**` for any number of folders, names starting with "." only by parts that do too, as in
    glob). Folders that can no longer lead to a match are not entered. A matching folder is
    yielded and not searched further: its caller lists all of it.
    """
    root = _glob_root(pattern)
    parts = Path(pattern).parts[len(root.parts) :]
    start = _after_globstars(parts, {0})
    if len(parts) in start:
        yield root
        return
    if not root.is_dir():
        return
    positions = {str(root): start}
    for dirpath, dirnames, filenames in os.walk(root, onerror=_raise):
        here = positions.pop(dirpath)
        descend = []
        for name in sorted(dirnames):
            path = os.path.join(dirpath, name)
            reached = _glob_step(parts, here, name)
            if os.path.islink(path) or not reached:
                continue
            if len(parts) in reached:
                yield Path(path)
            else:
                positions[path] = reached
                descend.append(name)
        dirnames[:] = descend
        for name in sorted(filenames):
            if len(parts) in _glob_step(parts, here, name):
                yield Path(dirpath, name)


def glob_lists(parts: tuple[str, ...], names: tuple[str, ...]) -> bool:
    """Whether listing a glob whose wildcard `parts` follow its literal root lists the file at
    `names` below that root (a file need not exist): the glob matches the file, or a folder
    above it whose walk reaches it (no hidden name on the way), by the rules of `glob_matches`.
    """
    positions = _after_globstars(parts, {0})
    for depth, name in enumerate(names):
        if len(parts) in positions:
            return not any(below.startswith(".") for below in names[depth:])
        positions = _glob_step(parts, positions, name)
        if not positions:
            return False
    return len(parts) in positions


def _glob_step(parts: tuple[str, ...], positions: frozenset[int], name: str) -> frozenset[int]:
    """The positions in a glob's `parts` reached by matching one more path part `name` from
    `positions` (an empty set: no match can follow)."""
    hidden = name.startswith(".")
    reached = set()
    for position in positions:
        if position == len(parts):
            continue
        part = parts[position]
        if part == "**":
            if not hidden:
                reached.add(position)
        elif fnmatch.fnmatchcase(name, part) and (not hidden or part.startswith(".")):
            reached.add(position + 1)
    return _after_globstars(parts, reached)


def _after_globstars(parts: tuple[str, ...], positions: set[int]) -> frozenset[int]:
    """`positions` and those after the `**` parts at them: `**` also matches no folder."""
    closed = set(positions)
    for position in positions:
        while position < len(parts) and parts[position] == "**":
            position += 1
            closed.add(position)
    return frozenset(closed)


def _raise(error: OSError) -> None:
    """os.walk's `onerror`: a folder that cannot be listed fails the listing, so its files do
    not silently drop out of the run."""
    raise error


def _walk_folder(folder: Path, root: Path) -> Iterator[DumpFile]:
    for dirpath, dirnames, filenames in os.walk(folder, onerror=_raise):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if not name.startswith(".") and is_dump_name(name) and _is_listable(path):
                yield _dump_file(path, root)


def _is_listable(path: Path) -> bool:
    """A regular file, or a symlink that leads nowhere (dangling, or a loop): listed so that the
    reader rejects it as `unreadable_file` instead of it vanishing. FIFOs, sockets and devices
    are not listed (opening a FIFO would block)."""
    return path.is_file() or (path.is_symlink() and not path.exists())


def is_dump_name(name: str) -> bool:
    return _format_from_name(name) is not None


def _format_from_name(name: str) -> str | None:
    lowered = name.lower().removesuffix(".gz")
    return DUMP_EXTENSIONS.get(os.path.splitext(lowered)[1])


def _dump_file(path: Path, root: Path) -> DumpFile:
    """Size 0 when the file cannot be stat'ed (a dangling symlink): the reader rejects it."""
    absolute = Path(os.path.abspath(path))
    try:
        size = absolute.stat().st_size
    except OSError:
        size = 0
    return DumpFile(path=absolute, root=Path(os.path.abspath(root)), size=size)


# --- streams and format detection ----------------------------------------------------------


class _StreamError(Exception):
    """A read failure that ends a file: becomes one Reject with this reason. `position` says how
    far reading got (`_DumpStream.describe_offset`); None when the file could not be opened."""

    def __init__(self, reason: str, detail: str, position: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.position = position


def _stopped_at(record: int, position: str) -> str:
    """The end of a framing failure's detail, so the records lost after it are visible."""
    return f"reading stopped at record {record}, {position}"


class _DumpStream:
    """A dump file's bytes, gunzipped when the file starts with the gzip magic.

    Read failures become `_StreamError`: warcio takes an EOFError (what gzip raises for a cut
    file) for the normal end of an archive, which would silently drop the rest of the file.
    `read` hands out the bytes decoded before a failure first and raises on the next call, so
    the records before a cut survive.
    """

    def __init__(self, dump: DumpFile) -> None:
        try:
            self._file = dump.open()
            self._gzipped = self._file.peek(2)[:2] == GZIP_MAGIC
        except OSError as error:
            raise _as_stream_error(error) from error
        self._stream = gzip.GzipFile(fileobj=self._file) if self._gzipped else self._file
        self._failure: _StreamError | None = None
        self._handed_out = 0  # bytes returned by read and readline so far

    def read(self, size: int = -1) -> bytes:
        """`size` bytes, fewer only at the end of the data; all of it when `size` < 0."""
        self.raise_pending_failure()
        chunks: list[bytes] = []
        wanted = size
        while wanted != 0:
            try:
                chunk = self._stream.read1(wanted if wanted > 0 else READ_CHUNK)
            except (OSError, EOFError, zlib.error) as error:
                self._failure = self._failed(error)
            if self._failure is not None:
                if chunks:
                    break
                raise self._failure
            if not chunk:
                break
            chunks.append(chunk)
            self._handed_out += len(chunk)
            wanted -= len(chunk) if wanted > 0 else 0
        return b"".join(chunks)

    def raise_pending_failure(self) -> None:
        """Raise the failure that cut the last `read` short, if any."""
        if self._failure is not None:
            raise self._failure

    def readline(self, size: int = -1) -> bytes:
        self.raise_pending_failure()
        try:
            line = self._stream.readline(size)
        except (OSError, EOFError, zlib.error) as error:
            raise self._failed(error) from error
        self._handed_out += len(line)
        return line

    def tell(self) -> int:
        return self._handed_out

    def describe_offset(self, offset: int) -> str:
        """Where `offset`, counted in the bytes this stream hands out, is in the file."""
        return f"byte {offset} of the gunzipped data" if self._gzipped else f"byte {offset}"

    def _failed(self, error: OSError | EOFError | zlib.error) -> _StreamError:
        failure = _as_stream_error(error)
        failure.position = self.describe_offset(self._handed_out)
        return failure

    def close(self) -> None:
        self._stream.close()
        self._file.close()

    def __enter__(self) -> _DumpStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _as_stream_error(error: OSError | EOFError | zlib.error) -> _StreamError:
    if isinstance(error, EOFError):
        return _StreamError("truncated_gzip", f"gzip stream cut short: {error}")
    if isinstance(error, gzip.BadGzipFile | zlib.error):
        return _StreamError("corrupt_gzip", f"damaged gzip stream: {error}")
    return _StreamError("unreadable_file", f"{type(error).__name__}: {error.strerror or error}")


def _detect_format(name: str, head: bytes) -> str:
    """Content that is clear about its format wins over the extension; the extension wins over
    weak hints; an unknown extension falls back to HTML if tags show up, else plain text."""
    sample = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if sample.startswith(b"WARC/"):
        return "warc"
    if _JSON_OBJECT_START.match(sample):
        return "jsonl"
    if _HTML_START.match(sample):
        return "html"
    by_name = _format_from_name(name)
    if by_name is not None:
        return by_name
    return "html" if _HTML_TAG.search(sample) else "txt"


# --- format readers ------------------------------------------------------------------------


def _read_document(
    stream: _DumpStream, source: str, max_page_bytes: int, *, dump_format: str
) -> Iterator[RawPage | Reject]:
    """A single-page file: an HTML page or a plain-text dump."""
    data = stream.read(max_page_bytes + 1)
    if len(data) > max_page_bytes:
        yield _too_large(source, 0, max_page_bytes)
        return
    stream.raise_pending_failure()
    content_type: ContentType = "html" if dump_format == "html" else "text"
    page = partial(
        _page_from_bytes,
        data,
        source=source,
        record=0,
        dump_format=dump_format,
        content_type=content_type,
    )
    yield _one_record(source, 0, page)


def _one_record(
    source: str, record: int, convert: Callable[[], RawPage | Reject]
) -> RawPage | Reject:
    """`convert()`, or a `reader_error` reject for this record alone when it crashes: a surprise
    in one record (a library's bug, a case no check foresaw) must not end the file. A failure of
    the stream itself does end it, and passes through."""
    try:
        return convert()
    except _StreamError:
        raise
    except Exception as error:
        return Reject(source, record, READER_ERROR, _describe(error))


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:MAX_DETAIL_CHARS]


def _read_warc(stream: _DumpStream, source: str, max_page_bytes: int) -> Iterator[RawPage | Reject]:
    """warcio cannot resync after a record it fails to parse: that ends the file, with the
    offset of the record that failed (`ArchiveIterator.offset`)."""
    archive = ArchiveIterator(stream)
    records = iter(archive)
    index = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except _StreamError:
            raise
        except (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError) as error:
            reason = "broken_warc_record"
            detail = "unparseable record: " + " ".join(str(error).split())[:200]
        except Exception as error:
            reason, detail = READER_ERROR, _describe(error)
        else:
            if record.rec_type in WARC_PAGE_RECORD_TYPES:
                yield _one_record(
                    source,
                    index,
                    partial(_page_from_warc_record, record, source, index, max_page_bytes),
                )
                index += 1
            continue
        position = stream.describe_offset(archive.offset)
        yield Reject(source, index, reason, f"{detail}; {_stopped_at(index, position)}")
        return


def _page_from_warc_record(
    record: ArcWarcRecord, source: str, index: int, max_page_bytes: int
) -> RawPage | Reject:
    """The record's page, or its reject with the record's target URI."""
    url = record.rec_headers.get_header("WARC-Target-URI")
    page = _warc_record_page(record, source, index, max_page_bytes, url)
    return replace(page, url=url) if isinstance(page, Reject) and url else page


def _warc_record_page(
    record: ArcWarcRecord, source: str, index: int, max_page_bytes: int, url: str | None
) -> RawPage | Reject:
    if record.rec_type == "revisit":
        refers_to = record.rec_headers.get_header("WARC-Refers-To-Target-URI") or url
        return Reject(source, index, "revisit_record", f"payload stored with {refers_to}")
    http = record.http_headers
    if http is not None and not http.get_statuscode().startswith("2"):
        return Reject(source, index, "http_status_not_ok", f"HTTP {http.statusline}")
    header = (http or record.rec_headers).get_header("Content-Type") or ""
    media_type = header.split(";", 1)[0].strip().lower()
    if media_type and media_type not in HTML_MEDIA_TYPES:
        return Reject(source, index, "not_html", f"content type {media_type}")
    body = record.content_stream().read(max_page_bytes + 1)
    if len(body) > max_page_bytes:
        return _too_large(source, index, max_page_bytes)
    missing = _drain(record.raw_stream)
    if missing:
        return Reject(
            source,
            index,
            "broken_warc_record",
            f"record ends {missing} bytes short of its Content-Length",
        )
    if not media_type and not _HTML_TAG.search(body[:SNIFF_BYTES]):
        return Reject(source, index, "not_html", "no content type and no HTML tags")
    charset = _HEADER_CHARSET.search(header)
    return _page_from_bytes(
        body,
        source=source,
        record=index,
        dump_format="warc",
        content_type="html",
        declared_charset=charset.group(1) if charset else None,
        url=url,
        fetched=record.rec_headers.get_header("WARC-Date"),
    )


def _drain(raw_stream) -> int:
    """Read a record to its end; return how many bytes its Content-Length promised but the
    file did not have (a cut uncompressed WARC)."""
    while raw_stream.read(READ_CHUNK):
        pass
    return getattr(raw_stream, "limit", 0)


def _read_jsonl(
    stream: _DumpStream, source: str, max_page_bytes: int
) -> Iterator[RawPage | Reject]:
    line_number = 0
    while line := stream.readline(max_page_bytes + 1):
        if line_number == 0:
            line = line.removeprefix(codecs.BOM_UTF8)
        if len(line.rstrip(b"\r\n")) > max_page_bytes:
            if not line.endswith(b"\n"):
                _skip_rest_of_line(stream)
            yield _too_large(source, line_number, max_page_bytes)
        elif line.strip():
            yield _one_record(
                source, line_number, partial(_page_from_json_line, line, source, line_number)
            )
        line_number += 1


def _skip_rest_of_line(stream: _DumpStream) -> None:
    while (chunk := stream.readline(READ_CHUNK)) and not chunk.endswith(b"\n"):
        pass


def _page_from_json_line(line: bytes, source: str, line_number: int) -> RawPage | Reject:
    """Both json.loads and json.dumps (for `extra`) recurse once per nesting level, and the
    writer runs a few calls deeper than the parser: a line nested just as deep as the parser
    allows can still fail there, so the recursion limit is caught around the whole line."""
    try:
        return _parse_json_line(line, source, line_number)
    except RecursionError:
        return Reject(
            source,
            line_number,
            "json_too_deep",
            "arrays or objects nested deeper than Python's JSON parser and writer can recurse",
        )


def _parse_json_line(line: bytes, source: str, line_number: int) -> RawPage | Reject:
    try:
        item = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as error:
        return Reject(
            source,
            line_number,
            "undecodable_text",
            f"line is not UTF-8 (byte {error.start}): JSON Lines must be UTF-8",
        )
    except json.JSONDecodeError as error:
        return Reject(source, line_number, "invalid_json", f"{error.msg} at column {error.colno}")
    except ValueError as error:
        # json.loads's one other ValueError: an integer over sys.get_int_max_str_digits().
        reason = str(error).split(";")[0]
        return Reject(source, line_number, "json_number_too_long", reason[:MAX_DETAIL_CHARS])
    if not isinstance(item, dict):
        return Reject(
            source,
            line_number,
            "invalid_json",
            f"line is a JSON {type(item).__name__}, expected an object",
        )
    found = next(
        ((key, kind) for key, kind in JSONL_CONTENT_FIELDS if isinstance(item.get(key), str)),
        None,
    )
    url = item.pop("url") if isinstance(item.get("url"), str) else None
    # The URL a reject carries must be writable text itself (`_field_not_unicode`).
    known_url = url if url is not None and not _LONE_SURROGATE.search(url) else None
    if found is None:
        fields = ", ".join(key for key, _ in JSONL_CONTENT_FIELDS)
        detail = f"no string field among {fields}"
        return Reject(source, line_number, "missing_content", detail, url=known_url)
    key, content_type = found
    content: str = item.pop(key)
    if not content.strip():
        detail = f"field {key!r} is blank"
        return Reject(source, line_number, "empty_content", detail, url=known_url)
    extra = {name: json.dumps(value, ensure_ascii=False) for name, value in item.items()}
    fields = {key: content, "url": url or "", **extra}
    if (broken := _field_not_unicode(fields)) is not None:
        return Reject(
            source,
            line_number,
            "invalid_unicode",
            f"field {broken!r} holds a lone surrogate (a JSON escape of half a UTF-16 pair),"
            " which is not Unicode text",
            url=known_url,
        )
    if content_type is None:
        content_type = "html" if _HTML_TAG.search(content[:SNIFF_BYTES].encode()) else "text"
    undone = undo_double_encoding(content)
    return RawPage(
        source=source,
        record=line_number,
        format="jsonl",
        content_type=content_type,
        content=content if undone is None else undone,
        raw_bytes=len(content.encode("utf-8")),
        url=url,
        encoding="utf-8" if undone is None else DOUBLE_ENCODED_UTF8,
        extra=extra,
    )


def _field_not_unicode(fields: dict[str, str]) -> str | None:
    """The first field whose name or (JSON-encoded) value holds a lone surrogate, or None."""
    return next(
        (
            name
            for name, value in fields.items()
            if _LONE_SURROGATE.search(name) or _LONE_SURROGATE.search(value)
        ),
        None,
    )


_READERS = {
    "html": partial(_read_document, dump_format="html"),
    "txt": partial(_read_document, dump_format="txt"),
    "warc": _read_warc,
    "jsonl": _read_jsonl,
}


# --- pages from bytes ----------------------------------------------------------------------


def _too_large(source: str, record: int, max_page_bytes: int) -> Reject:
    return Reject(source, record, "page_too_large", f"over max_page_bytes={max_page_bytes}")


def _page_from_bytes(
    data: bytes,
    *,
    source: str,
    record: int,
    dump_format: str,
    content_type: ContentType,
    declared_charset: str | None = None,
    url: str | None = None,
    fetched: str | None = None,
) -> RawPage | Reject:
    if not data.strip():
        return Reject(source, record, "empty_content", f"{len(data)} bytes, only whitespace")
    try:
        decoded = decode_page(data, content_type=content_type, declared_charset=declared_charset)
    except UnreadableBytes as exc:
        return Reject(source, record, exc.reason, exc.detail)
    return RawPage(
        source=source,
        record=record,
        format=dump_format,
        content_type=content_type,
        content=decoded.text,
        raw_bytes=len(data),
        url=url,
        fetched=fetched,
        encoding=decoded.encoding,
    )
