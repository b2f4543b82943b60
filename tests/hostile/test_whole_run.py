"""The whole hostile corpus in one input folder, cleaned by the real `winnow clean` command line:
the run exits 0, its process tree (the Prefect server it starts included) peaks under 1 GiB of
memory (proportional set size), every input ends in the Parquet output as a record or as the
specific reject the batch-level tests expect, and a second run skips every file it could read.

Each module's cases go to a subfolder named after it. Left out, because a subprocess offers no
hook for them (test_filesystem.py monkeypatches or times them): a file deleted between listing
and reading, a file that grows while it is read, an output disk that fills up. Also left out:
a file without read permission when the tests run as root (root reads it anyway), and the cases
that need other command-line inputs or limits than the rest: the 50 MB page under a larger
page limit and the glob through a folder symlink loop (the loop itself is in the folder).
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest
import test_binary_and_empty
import test_compressed
import test_encodings
import test_filesystem
import test_pathological_html
import test_warc
from hostile_corpus import article

from flows.config import DEFAULT_MAX_PAGE_BYTES

# Bounds a page that turns slow, with room for a busy machine: no hostile page comes near it.
MAX_PAGE_SECONDS = 10.0
# The bound for the whole process tree's memory on hostile input (`MeasuredRun.peak_tree_pss`).
MAX_TREE_BYTES = 1 << 30
GENERIC_REASONS = {"reader_error", "cleaner_error", "batch_failed"}
GOOD_PAGES = {
    "good.html": (
        article(
            "The lighthouse keeper counted forty ships on the last night of the season."
        ).encode(),
        "The lighthouse keeper counted forty ships",
    ),
    "good.txt": (
        b"Harbour notes\n\nThe harbour office reported that the new breakwater held through"
        b" three autumn storms, and the fishing fleet returned to the inner basin in October.\n",
        "the new breakwater held through three autumn storms",
    ),
}


class Corpus:
    """Files written under one folder and what each must end as: `exact` lists each record's
    outcome ("record" or a reject reason) in record order, `one_of` the outcomes allowed for a
    single-record file, `checks` hold for files whose record count varies, and `words` must
    be in the text of a file's one record."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.exact: dict[str, list[str]] = {}
        self.one_of: dict[str, set[str]] = {}
        self.checks: dict[str, Callable[[list[str]], bool]] = {}
        self.words: dict[str, list[str]] = {}

    def write(self, source: str, data: bytes | str) -> Path:
        path = self.folder / source
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data)
        else:
            path.write_bytes(data)
        return path

    def sources(self) -> set[str]:
        return {*self.exact, *self.one_of, *self.checks}

    def planted_records(self, outcomes: dict[str, list[str]]) -> int:
        """How many input records were written: each `exact` file's records, one per
        `one_of` file, and for a `checks` file (cut short at a random record) what its check
        accepted."""
        checked = sum(len(outcomes.get(source, ())) for source in self.checks)
        return sum(map(len, self.exact.values())) + len(self.one_of) + checked


def write_corpus(folder: Path) -> Corpus:
    corpus = Corpus(folder)
    for name, (data, _) in GOOD_PAGES.items():
        corpus.write(name, data)
        corpus.exact[name] = ["record"]
    add_binary_and_empty(corpus)
    add_compressed(corpus)
    add_encodings(corpus)
    add_filesystem(corpus)
    add_pathological_html(corpus)
    add_warc(corpus)
    return corpus


def add_binary_and_empty(corpus: Corpus) -> None:
    for name, (data, reason) in test_binary_and_empty.CASES.items():
        corpus.write(f"binary/{name}", data)
        corpus.exact[f"binary/{name}"] = [reason]


def add_compressed(corpus: Corpus) -> None:
    module = test_compressed
    for name, (data, outcomes) in module.CASES.items():
        corpus.write(f"compressed/{name}", data)
        corpus.exact[f"compressed/{name}"] = outcomes
    corpus.write("compressed/cut.jsonl.gz", module.truncated(module.lines(40)))
    corpus.checks["compressed/cut.jsonl.gz"] = lambda outcomes: (
        outcomes[-1] == "truncated_gzip"
        and set(outcomes[:-1]) == {"record"}
        and 5 < len(outcomes) - 1 < 40
    )
    for name, filler, members in (("bomb.html.gz", b"\0", 32), ("bomb.jsonl.gz", b" ", 8)):
        module.write_bomb(corpus.write(f"compressed/{name}", b""), filler, members)
        corpus.exact[f"compressed/{name}"] = ["page_too_large"]


def add_encodings(corpus: Corpus) -> None:
    module = test_encodings
    for name, (data, expected) in module.CASES.items():
        corpus.write(f"encodings/{name}", data)
        if isinstance(expected, str):
            corpus.exact[f"encodings/{name}"] = [expected]
        else:
            corpus.exact[f"encodings/{name}"] = ["record"]
            corpus.words[f"encodings/{name}"] = expected
    # The pages of test_mojibake_in_a_jsonl_field_is_undone and
    # test_a_real_capital_a_tilde_is_not_taken_for_mojibake.
    garbled = article(module.NAMES).encode().decode("cp1252")
    corpus.write("encodings/crawl.jsonl", json.dumps({"html": garbled}) + "\n")
    corpus.exact["encodings/crawl.jsonl"] = ["record"]
    corpus.words["encodings/crawl.jsonl"] = ["Herr Müller trinkt seinen café"]
    sentence = "In São Paulo the ÃO ligature on the sign read ÃÉ, and café was served."
    corpus.write("encodings/sao.html", module.page(sentence).encode())
    corpus.exact["encodings/sao.html"] = ["record"]
    corpus.words["encodings/sao.html"] = [sentence]


def add_filesystem(corpus: Corpus) -> None:
    folder = corpus.folder / "filesystem"
    folder.mkdir()
    unreadable = {"loop.html", "dangling.html", "eio.html"}
    (folder / "loop.html").symlink_to("loop.html")
    (folder / "dangling.html").symlink_to("missing.html")
    (folder / "eio.html").symlink_to("/proc/self/mem")  # reading it fails with EIO
    (folder / "cycle").symlink_to(".")
    if os.geteuid() != 0:
        (folder / "secret.html").write_text(article())
        (folder / "secret.html").chmod(0)
        unreadable.add("secret.html")
    for name in unreadable:
        corpus.exact[f"filesystem/{name}"] = ["unreadable_file"]
    for name in test_filesystem.ODD_NAMES:
        corpus.write(f"filesystem/{name}", article())
        corpus.exact[f"filesystem/{name}"] = ["record"]
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.html"), "w") as handle:
        handle.write(article())
    corpus.exact["filesystem/caf\\xe9.html"] = ["record"]


def add_pathological_html(corpus: Corpus) -> None:
    module = test_pathological_html
    corpus.write("pathological/big.html", module.big_page())
    corpus.exact["pathological/big.html"] = ["page_too_large"]
    for name, (page, expected, max_page_bytes) in module.CASES.items():
        # The run uses the default page limit: each page must be under it, as in its test.
        assert len(page.encode()) <= DEFAULT_MAX_PAGE_BYTES <= max_page_bytes, name
        corpus.write(f"pathological/{name}", page)
        corpus.one_of[f"pathological/{name}"] = expected


def add_warc(corpus: Corpus) -> None:
    """The WARC and JSON Lines files of test_warc.py; its tables where it has them, else its
    inline files rebuilt with its builders."""
    module = test_warc
    http, warc_record, good = module.http, module.warc_record, module.good
    for name, body in module.BODIES.items():
        corpus.write(f"warc/{name}.warc", warc_record(body, 0))
        corpus.exact[f"warc/{name}.warc"] = ["record"]
        corpus.words[f"warc/{name}.warc"] = ["northern rivers freeze"]

    corpus.write("warc/mixed.warc.gz", module.mixed_warc())
    corpus.exact["warc/mixed.warc.gz"] = module.MIXED_OUTCOMES

    body = http(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 8, "Content-Encoding: gzip")
    corpus.write("warc/bad-body.warc", warc_record(body, 0))
    corpus.exact["warc/bad-body.warc"] = ["binary_content"]

    members = [gzip.compress(good(n), mtime=0) for n in range(5)]
    damaged = bytearray(members[2])
    damaged[20:40] = b"\xff" * 20
    members[2] = bytes(damaged)
    corpus.write("warc/corrupt.warc.gz", b"".join(members))
    corpus.exact["warc/corrupt.warc.gz"] = ["record", "record", "corrupt_gzip"]
    members = [good(n) for n in range(5)]
    members[2] = b"GARBAGE THAT IS NOT A WARC HEADER\r\n\r\n" + members[2]
    corpus.write("warc/corrupt.warc", b"".join(members))
    corpus.exact["warc/corrupt.warc"] = ["record", "record", "broken_warc_record"]

    data = good(0) + good(1)
    corpus.write("warc/cut.warc", data[: len(data) - 200])
    corpus.exact["warc/cut.warc"] = ["record", "broken_warc_record"]

    corpus.write("warc/charsets.warc", module.unusable_charsets_warc())
    corpus.exact["warc/charsets.warc"] = ["record"] * (1 + 2 * len(module.UNUSABLE_CHARSETS))

    page = json.dumps({"url": "https://example.org/a", "html": article()})
    too_large = b'{"text": "' + b"x" * DEFAULT_MAX_PAGE_BYTES + b'"}'  # over the run's limit
    lines = [
        (b"\xef\xbb\xbf" + page.encode(), "record"),
        (page[: len(page) // 2].encode(), "invalid_json"),
        (b"[1, 2, 3]", "invalid_json"),
        (b'"just a string"', "invalid_json"),
        (b"42", "invalid_json"),
        (b"{not json at all", "invalid_json"),
        (b'{"url": "https://example.org/b"}', "missing_content"),
        (b'{"html": "   "}', "empty_content"),
        (b'{"html": 17}', "missing_content"),
        (b'{"html": "caf\xe9 latin-1 inside JSON"}', "undecodable_text"),
        (b"", None),  # a blank line is skipped
        (b"\x00\x00\x00\x00", "invalid_json"),
        (page.encode() + b"\r", "record"),
        (too_large, "page_too_large"),
        (module.TOO_DEEP, "json_too_deep"),
        (module.NUMBER_TOO_LONG, "json_number_too_long"),
        *((line, "invalid_unicode") for line in module.LONE_SURROGATES),
        (page.encode(), "record"),  # the last line has no newline
    ]
    corpus.write("warc/crawl.jsonl", b"\n".join(line for line, _ in lines))
    corpus.exact["warc/crawl.jsonl"] = [outcome for _, outcome in lines if outcome]


@pytest.fixture
def cli_env(prefect_api_url, tmp_path) -> dict[str, str]:
    """The CLI runs use the session's Prefect test server (see `prefect_api_url`)."""
    return {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": prefect_api_url,
    }


def winnow_clean(folder: Path, out: Path, env: dict[str, str], run_id: str):
    return subprocess.run(
        clean_command(folder, out, run_id), capture_output=True, text=True, env=env, timeout=300
    )


def clean_command(folder: Path, out: Path, run_id: str) -> list[str]:
    command = [str(Path(sys.executable).parent / "winnow"), "clean", str(folder)]
    command += ["--out", str(out), "--run-id", run_id, "--workers", "2"]
    # A server the run starts (without PREFECT_API_URL) stops a second after it.
    return [*command, "--max-page-seconds", str(MAX_PAGE_SECONDS), "--server-idle", "1"]


@dataclass(frozen=True)
class MeasuredRun:
    returncode: int
    stdout: str
    stderr: str
    peak_tree_pss: int
    """The process tree's peak proportional set size: each process's resident memory with the
    pages it shares (the interpreter, libraries) split among the processes sharing them, so the
    sum is what the tree takes from the machine."""
    peak_tree_rss: int
    """The peak of the plain sum of resident sizes, shared pages counted in every process."""


def winnow_clean_measured(folder: Path, out: Path, env: dict[str, str], run_id: str):
    """`winnow_clean` with the process tree's memory (the CLI, the Prefect server it starts
    without PREFECT_API_URL, its workers) summed every 50 ms, keeping the peaks."""
    env = {name: value for name, value in env.items() if name != "PREFECT_API_URL"}
    with subprocess.Popen(
        clean_command(folder, out, run_id),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:
        peaks = {"pss": 0, "rss": 0}
        sampler = threading.Thread(target=sample_peaks, args=(process, peaks), daemon=True)
        sampler.start()
        stdout, stderr = process.communicate(timeout=300)
        sampler.join()
    return MeasuredRun(process.returncode, stdout, stderr, peaks["pss"], peaks["rss"])


def sample_peaks(process: subprocess.Popen, peaks: dict[str, int]) -> None:
    root = psutil.Process(process.pid)
    while process.poll() is None:
        with contextlib.suppress(psutil.Error):
            totals = {"pss": 0, "rss": 0}
            for member in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    memory = member.memory_full_info()
                    totals["pss"] += memory.pss
                    totals["rss"] += memory.rss
            for kind, total in totals.items():
                peaks[kind] = max(peaks[kind], total)
        time.sleep(0.05)


def outcomes_by_source(
    out: Path, run_id: str | None = None
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(source -> each record's outcome in record order, source -> its record text) from all
    Parquet parts in OUT, or from one run's parts."""
    columns = ["source", "record", "run_id"]
    records = pq.read_table(out / "records", columns=[*columns, "text"]).to_pylist()
    rejects = pq.read_table(out / "rejects", columns=[*columns, "reason"]).to_pylist()
    rows = [(r["source"], r["record"], "record") for r in records if run_id in (None, r["run_id"])]
    rows += [
        (r["source"], r["record"], r["reason"]) for r in rejects if run_id in (None, r["run_id"])
    ]
    outcomes = {
        source: [outcome for _, _, outcome in group]
        for source, group in itertools.groupby(sorted(rows), key=lambda row: row[0])
    }
    return outcomes, {r["source"]: r["text"] for r in records}


def printed_counts(stdout: str) -> tuple[int, int, int, int, int]:
    """(files, unchanged, inputs, records, rejects) from the run's printed summary."""
    files = re.search(r"(\d+) files, (\d+) unchanged and skipped", stdout)
    counts = re.search(r"inputs (\d+) = records (\d+) \+ rejects (\d+)", stdout)
    assert files and counts, stdout
    return (*map(int, files.groups()), *map(int, counts.groups()))


def test_the_whole_corpus_through_the_command_line_and_again(tmp_path, cli_env):
    """The first run starts its own Prefect server, so its memory counts too."""
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    corpus = write_corpus(folder)

    first = winnow_clean_measured(folder, out, cli_env, "first")

    assert first.returncode == 0, first.stderr
    assert 0 < first.peak_tree_pss < MAX_TREE_BYTES, f"plain RSS sum {first.peak_tree_rss}"
    files, unchanged, inputs, records, rejects = printed_counts(first.stdout)
    assert (files, unchanged) == (len(corpus.sources()), 0)
    assert inputs == records + rejects
    outcomes, texts = outcomes_by_source(out)
    assert inputs == corpus.planted_records(outcomes)
    assert sum(map(len, outcomes.values())) == inputs
    assert sum(each.count("record") for each in outcomes.values()) == records
    assert set(outcomes) == corpus.sources()
    unexpected = {
        source: each
        for source, each in outcomes.items()
        if not (
            each == corpus.exact.get(source)
            or (len(each) == 1 and each[0] in corpus.one_of.get(source, ()))
            or (source in corpus.checks and corpus.checks[source](each))
        )
    }
    assert unexpected == {}
    assert GENERIC_REASONS.isdisjoint(outcome for each in outcomes.values() for outcome in each)
    missing_words = {
        source: [word for word in words if word not in texts[source]]
        for source, words in corpus.words.items()
    }
    assert {source: words for source, words in missing_words.items() if words} == {}
    for name, (_, sentence) in GOOD_PAGES.items():
        assert sentence in texts[name]

    second = winnow_clean(folder, out, cli_env, "second")

    assert second.returncode == 0, second.stderr
    # A file that cannot be read enters the ledger with a size no file has (-1), so a rerun
    # tries it again (it may have become readable) and skips everything else.
    unreadable = {source for source, each in outcomes.items() if each == ["unreadable_file"]}
    files_again, unchanged, inputs, records, rejects = printed_counts(second.stdout)
    assert (files_again, unchanged) == (files, files - len(unreadable))
    assert (inputs, records, rejects) == (len(unreadable), 0, len(unreadable))
    again, _ = outcomes_by_source(out, "second")
    assert again == {source: ["unreadable_file"] for source in unreadable}
