"""`winnow eval`: Winnow against baselines on a labelled folder, in one run. Prefect-free.

Dataset formats, detected from the folder (see ../shared/devdata/README.md):

- ``wcxb``: ``ground-truth.json`` (``{id: {url, page_type, main_content, with, without}}``),
  ``html/<id>.html`` and, for ``--text``, ``text/<id>.txt`` (the page's visible text, one block
  per line). Scored on words: lowercase ``\\w+`` tokens as a bag of words; precision, recall and
  F1 per page, then the mean over the pages of each page type and of all pages. Edge cases: an
  empty output for an empty reference scores 1.0 on all three; an empty output for a non-empty
  reference, or a non-empty output for an empty reference, scores 0.0 on all three (neither
  printing nothing nor printing anything where there is nothing to find earns credit).
  The ``with``/``without`` snippets are reported too: case-insensitive substring tests.
  A folder may also label text that must not be in the output (the ``dragnet-dev`` layout adds
  ``comments``, the page's comment thread, "" on a page without one); it is scored as leak.
- ``trafilatura-eval``: ``evaldata.json`` (``[{file, url, with, without}]``) and ``html/<file>``.
  No page types. Scored on snippets: case-sensitive substring tests; counts pooled over all
  pages: a found ``with`` is TP, a missing one FN, a found ``without`` FP;
  P = TP/(TP+FP), R = TP/(TP+FN), F = 2TP/(2TP+FP+FN).

Snippet tests compare whitespace-normalised text (runs of whitespace become one space), so a
snippet that spans a line or paragraph break of the output still matches. A ratio whose
denominator is zero follows the word rule: 1.0 when the other side is empty too, else 0.0.

Leak, for each kind of negative text a folder labels (`NEGATIVE_KINDS`): the share of the
negative text's 4-token shingles (lowercase ``\\w+`` tokens, as a set) that occur in the
output, leaving out the shingles that also occur in the main text, since an output that keeps
the article is not leaking when it repeats a sentence the comments quote. A page has no leak
(rather than 0.0) when no shingle is left: no negative text, or too little of it (under 4
tokens), or all of it shared with the main text. Groups report the mean over the pages that
have one, and how many those are. Lower is better.

Systems, all run on the same pages in the same run:

- ``winnow``: the page read by the pipeline's reader (`flows.readers.iter_pages`, so charset
  handling is the pipeline's), then `cleaners.clean_html` (``clean_text`` for a page the reader
  sees as text, as the pipeline does). A page the reader rejects is an empty output; its reason
  is reported.
- ``trafilatura``: bare ``trafilatura.extract(bytes, url=url, include_comments=False)`` on the
  HTML file's bytes: trafilatura decodes them itself, as a user of bare trafilatura would.
- ``--text`` mode: ``winnow-text`` is `cleaners.clean_text` on the text dump (read by the
  pipeline's reader); ``justext`` is jusText on the same decoded dump, each non-blank line a
  ``<p>`` of a minimal HTML document, keeping the non-boilerplate paragraphs, with the stop list
  of the language `cleaners.signals.guess_language` finds (English when it finds none);
  ``trafilatura`` is bare trafilatura on the page's HTML; ``raw-dump`` is the decoded dump
  itself (what doing nothing scores). A dump the reader rejects is empty for all three dump
  systems.

A system that raises on a page counts as an empty output for it; the error is reported.
"""

from __future__ import annotations

import html
import json
import os
import platform
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import justext
import trafilatura

from cleaners import clean_html, clean_text
from cleaners.signals import guess_language
from flows.config import default_workers
from flows.readers import DumpFile, RawPage, Reject, iter_pages

Mode = Literal["html", "text"]
MODES: tuple[Mode, ...] = ("html", "text")
WCXB = "wcxb"
SNIPPETS = "trafilatura-eval"
ALL = "all"  # the group of all pages, after the page types
REPORT_VERSION = 1

WINNOW = "winnow"
WINNOW_TEXT = "winnow-text"
TRAFILATURA = "trafilatura"
JUSTEXT = "justext"
RAW_DUMP = "raw-dump"
SYSTEMS: dict[Mode, tuple[str, ...]] = {
    "html": (WINNOW, TRAFILATURA),
    "text": (WINNOW_TEXT, JUSTEXT, TRAFILATURA, RAW_DUMP),
}
"""Systems per mode; the first is Winnow, the others are compared against it."""

JUSTEXT_STOPLISTS = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "ru": "Russian",
}
"""`guess_language` codes -> jusText stop-list names; anything else gets English."""
JUSTEXT_FALLBACK = "English"

NEGATIVE_KINDS = {"comments": "comment"}
"""Ground-truth fields that hold text a good output leaves out -> its name in the tables.
A field another folder adds later (say "related") needs only an entry here."""

_TOKEN = re.compile(r"\w+")
SHINGLE_TOKENS = 4
PROGRESS_STEPS = 10  # progress lines per run
MAX_ERROR_CHARS = 500


class DatasetError(ValueError):
    """The folder is not a usable labelled dataset; the message is one line for the user."""


# --- datasets ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelledPage:
    id: str
    page_type: str | None  # None when the dataset has no page types
    url: str | None
    html_path: Path
    text_path: Path | None  # the page's text dump, when the dataset has one
    reference: str | None  # the full main text; None for snippet-only datasets
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]
    negative: dict[str, str]  # kind (a `NEGATIVE_KINDS` key) -> its text, for labelled kinds


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    root: Path
    format: str  # WCXB | SNIPPETS
    pages: tuple[LabelledPage, ...]

    @property
    def page_types(self) -> tuple[str, ...]:
        return tuple(sorted({p.page_type for p in self.pages if p.page_type is not None}))

    @property
    def negative_kinds(self) -> tuple[str, ...]:
        """The kinds of negative text the labels carry, on any page ("" counts: no thread)."""
        return tuple(sorted({kind for page in self.pages for kind in page.negative}))


def detect_format(folder: Path) -> str:
    """WCXB or SNIPPETS from the files in the folder; DatasetError for anything else."""
    if not folder.is_dir():
        raise DatasetError(f"not a folder: {folder}")
    has_html = (folder / "html").is_dir()
    if (folder / "ground-truth.json").is_file() and has_html:
        return WCXB
    if (folder / "evaldata.json").is_file() and has_html:
        return SNIPPETS
    raise DatasetError(
        f"not a labelled dataset: {folder} has neither ground-truth.json + html/ (wcxb) "
        "nor evaldata.json + html/ (trafilatura-eval)"
    )


def load_dataset(folder: str | Path) -> Dataset:
    """The dataset's pages sorted by id, every HTML file checked to exist."""
    root = Path(folder).resolve()
    dataset_format = detect_format(root)
    loader = _load_wcxb if dataset_format == WCXB else _load_snippets
    pages = tuple(sorted(loader(root), key=lambda page: page.id))
    if not pages:
        raise DatasetError(f"no labelled pages in {root}")
    missing = [page.id for page in pages if not page.html_path.is_file()]
    if missing:
        raise DatasetError(
            f"{len(missing)} labelled pages have no HTML file in {root / 'html'} "
            f"(first: {missing[0]})"
        )
    return Dataset(name=root.name, root=root, format=dataset_format, pages=pages)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatasetError(f"cannot read {path}: {error}") from error


def _field(item: dict, key: str, kind: type, where: str, *, optional: bool = False) -> Any:
    value = item.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is list and not all(isinstance(s, str) for s in value)):
        raise DatasetError(f"{where}: field {key!r} is missing or not a {kind.__name__}")
    return value


def _load_wcxb(root: Path) -> Iterator[LabelledPage]:
    path = root / "ground-truth.json"
    truth = _read_json(path)
    if not isinstance(truth, dict):
        raise DatasetError(f"{path}: expected a JSON object of pages by id")
    for page_id, item in truth.items():
        where = f"{path.name}: page {page_id}"
        if not isinstance(item, dict):
            raise DatasetError(f"{where}: expected an object")
        text_path = root / "text" / f"{page_id}.txt"
        negative = {kind: _field(item, kind, str, where, optional=True) for kind in NEGATIVE_KINDS}
        yield LabelledPage(
            id=page_id,
            page_type=_field(item, "page_type", str, where),
            url=_field(item, "url", str, where, optional=True),
            html_path=root / "html" / f"{page_id}.html",
            text_path=text_path if text_path.is_file() else None,
            reference=_field(item, "main_content", str, where),
            with_snippets=tuple(_field(item, "with", list, where)),
            without_snippets=tuple(_field(item, "without", list, where)),
            negative={kind: text for kind, text in negative.items() if text is not None},
        )


def _load_snippets(root: Path) -> Iterator[LabelledPage]:
    path = root / "evaldata.json"
    items = _read_json(path)
    if not isinstance(items, list):
        raise DatasetError(f"{path}: expected a JSON list of pages")
    for number, item in enumerate(items):
        where = f"{path.name}: item {number}"
        if not isinstance(item, dict):
            raise DatasetError(f"{where}: expected an object")
        file_name = _field(item, "file", str, where)
        yield LabelledPage(
            id=file_name,
            page_type=None,
            url=_field(item, "url", str, where, optional=True),
            html_path=root / "html" / file_name,
            text_path=None,
            reference=None,
            with_snippets=tuple(_field(item, "with", list, where)),
            without_snippets=tuple(_field(item, "without", list, where)),
            negative={},
        )


# --- scoring -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float


def _ratio(numerator: int, denominator: int, *, other_side_empty: bool) -> float:
    """numerator/denominator; 1.0 for 0/0 when the other side is empty too, else 0.0."""
    if denominator:
        return numerator / denominator
    return 1.0 if other_side_empty else 0.0


def word_scores(output: str, reference: str) -> Scores:
    """Bag-of-words P/R/F1 of lowercase `\\w+` tokens, as the WCXB benchmark scores a page."""
    got = Counter(_TOKEN.findall(output.lower()))
    want = Counter(_TOKEN.findall(reference.lower()))
    if not got or not want:
        same = not got and not want
        return Scores(float(same), float(same), float(same))
    overlap = sum((got & want).values())
    precision, recall = overlap / got.total(), overlap / want.total()
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return Scores(precision, recall, f1)


def shingles(text: str) -> set[tuple[str, ...]]:
    """The runs of `SHINGLE_TOKENS` consecutive lowercase `\\w+` tokens: word order counts,
    so a comment's common words scattered through the article do not match."""
    tokens = _TOKEN.findall(text.lower())
    return {
        tuple(tokens[start : start + SHINGLE_TOKENS])
        for start in range(len(tokens) - SHINGLE_TOKENS + 1)
    }


def leak(output: str, negative: str, main: str) -> float | None:
    """Share of the negative text's shingles not in the main text that the output holds;
    None when there are none to find, so that such a page neither helps nor hurts a mean."""
    to_find = shingles(negative) - shingles(main)
    if not to_find:
        return None
    return len(to_find & shingles(output)) / len(to_find)


def normalise_space(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class SnippetCounts:
    """Snippet tests of one output or pooled over many. TP = `with` found, FN = `with`
    missing, FP = `without` found."""

    with_found: int = 0
    with_total: int = 0
    without_found: int = 0
    without_total: int = 0

    def __add__(self, other: SnippetCounts) -> SnippetCounts:
        return SnippetCounts(
            self.with_found + other.with_found,
            self.with_total + other.with_total,
            self.without_found + other.without_found,
            self.without_total + other.without_total,
        )

    @property
    def tp(self) -> int:
        return self.with_found

    @property
    def fn(self) -> int:
        return self.with_total - self.with_found

    @property
    def fp(self) -> int:
        return self.without_found

    def scores(self) -> Scores:
        """Pooled P/R/F as trafilatura's evaluation computes them, F = 2TP/(2TP+FP+FN)."""
        tp, fp, fn = self.tp, self.fp, self.fn
        return Scores(
            precision=_ratio(tp, tp + fp, other_side_empty=fn == 0),
            recall=_ratio(tp, tp + fn, other_side_empty=fp == 0),
            f1=_ratio(2 * tp, 2 * tp + fp + fn, other_side_empty=True),
        )


def count_snippets(
    output: str,
    with_snippets: Sequence[str],
    without_snippets: Sequence[str],
    *,
    case_sensitive: bool,
) -> SnippetCounts:
    """Which snippets occur in the output: whitespace-normalised substring tests."""
    text = normalise_space(output)
    if not case_sensitive:
        text = text.lower()

    def found(snippet: str) -> bool:
        wanted = normalise_space(snippet)
        return (wanted if case_sensitive else wanted.lower()) in text

    return SnippetCounts(
        with_found=sum(map(found, with_snippets)),
        with_total=len(with_snippets),
        without_found=sum(map(found, without_snippets)),
        without_total=len(without_snippets),
    )


# --- systems -------------------------------------------------------------------------------


def justext_on_lines(dump: str) -> str:
    """jusText on a text dump: each non-blank line a paragraph; the non-boilerplate ones kept."""
    lines = [line.strip() for line in dump.splitlines() if line.strip()]
    if not lines:
        return ""  # jusText cannot parse an empty document
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    language = guess_language(dump)
    stoplist = justext.get_stoplist(JUSTEXT_STOPLISTS.get(language or "", JUSTEXT_FALLBACK))
    paragraphs = justext.justext(f"<html><body>{body}</body></html>", stoplist)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def _trafilatura_on_file(path: Path, url: str | None) -> str:
    return trafilatura.extract(path.read_bytes(), url=url, include_comments=False) or ""


def _read_like_the_pipeline(path: Path) -> RawPage | Reject:
    """The file's one page as the pipeline reads it; a reader crash is a `reader_error`
    reject, as in `flows.batch`."""
    dump = DumpFile(path=path, root=path.parent, size=path.stat().st_size)
    try:
        return next(iter_pages(dump))
    except Exception as error:
        return Reject(dump.source, 0, "reader_error", f"{type(error).__name__}: {error}")


def _winnow(page: RawPage | Reject, url: str | None) -> str:
    """Winnow's text for a page as the pipeline cleans it; nothing for a rejected input."""
    if isinstance(page, Reject):
        return ""
    clean = clean_html if page.content_type == "html" else clean_text
    return clean(page.content, url=url).text


# --- running -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SystemPage:
    """One system on one page: scores only, never the text (results cross process bounds)."""

    words: Scores | None  # None when the dataset has no reference text
    snippets: SnippetCounts
    empty: bool
    error: str | None  # "ExceptionType: message" when the system raised (output counted empty)
    leaks: dict[str, float | None]  # kind -> `leak`, for each kind the page's labels carry


@dataclass(frozen=True, slots=True)
class PageResult:
    id: str
    page_type: str | None
    reader_reject: str | None  # why the pipeline's reader rejected Winnow's input, if it did
    systems: dict[str, SystemPage]


def evaluate_page(page: LabelledPage, *, mode: Mode, case_sensitive_snippets: bool) -> PageResult:
    """Run every system of the mode on one page and score the outputs."""
    source = page.text_path if mode == "text" else page.html_path
    if source is None:
        raise ValueError(f"page {page.id} has no text dump")
    winnow_input = _read_like_the_pipeline(source)
    decoded = winnow_input.content if isinstance(winnow_input, RawPage) else ""
    runs: dict[str, Callable[[], str]] = {
        WINNOW_TEXT if mode == "text" else WINNOW: partial(_winnow, winnow_input, page.url),
        TRAFILATURA: partial(_trafilatura_on_file, page.html_path, page.url),
        # the dump systems, for text mode
        JUSTEXT: partial(justext_on_lines, decoded),
        RAW_DUMP: partial(str, decoded),
    }
    systems = {}
    for name in SYSTEMS[mode]:
        error = None
        try:
            output = runs[name]()
        except Exception as exc:  # a crash is an empty output, and is reported
            output, error = "", f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
        systems[name] = SystemPage(
            words=word_scores(output, page.reference) if page.reference is not None else None,
            snippets=count_snippets(
                output,
                page.with_snippets,
                page.without_snippets,
                case_sensitive=case_sensitive_snippets,
            ),
            empty=not output.strip(),
            error=error,
            leaks={
                kind: leak(output, text, page.reference or "")
                for kind, text in page.negative.items()
            },
        )
    return PageResult(
        id=page.id,
        page_type=page.page_type,
        reader_reject=winnow_input.reason if isinstance(winnow_input, Reject) else None,
        systems=systems,
    )


@dataclass(frozen=True, slots=True)
class EvalOptions:
    mode: Mode = "html"
    workers: int = field(default_factory=default_workers)
    limit: int | None = None  # only the first N pages (by id)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be at least 1, got {self.limit}")


@dataclass(frozen=True, slots=True)
class EvalRun:
    dataset: Dataset
    options: EvalOptions
    pages: tuple[PageResult, ...]
    started_at: str
    seconds: float

    @property
    def systems(self) -> tuple[str, ...]:
        return SYSTEMS[self.options.mode]


def check_runnable(dataset: Dataset, options: EvalOptions) -> None:
    """DatasetError when the mode needs files the dataset lacks, before any work starts."""
    if options.mode != "text":
        return
    if dataset.format != WCXB:
        raise DatasetError(
            f"--text needs text dumps (a wcxb folder with text/); {dataset.name} has none"
        )
    missing = [page.id for page in dataset.pages if page.text_path is None]
    if missing:
        raise DatasetError(
            f"--text: {len(missing)} pages have no text dump in {dataset.root / 'text'} "
            f"(first: {missing[0]})"
        )


def run_eval(
    dataset: Dataset,
    options: EvalOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Evaluate the pages (the first `limit`) on `workers` processes (1 = in this process)."""
    check_runnable(dataset, options)
    pages = dataset.pages[: options.limit]
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    evaluate = partial(
        evaluate_page, mode=options.mode, case_sensitive_snippets=dataset.format == SNIPPETS
    )
    step = max(1, len(pages) // PROGRESS_STEPS)
    results: list[PageResult] = []
    pool_or_none = ProcessPoolExecutor(options.workers) if options.workers > 1 else nullcontext()
    with pool_or_none as pool:
        mapped = pool.map(evaluate, pages, chunksize=4) if pool else map(evaluate, pages)
        for result in mapped:
            results.append(result)
            if progress and (len(results) % step == 0 or len(results) == len(pages)):
                progress(len(results), len(pages))
    return EvalRun(
        dataset=dataset,
        options=options,
        pages=tuple(results),
        started_at=started_at,
        seconds=time.perf_counter() - started,
    )


# --- metrics -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeakMean:
    """One kind of leak over a group: the mean over the pages that have one (None if none)."""

    mean: float | None
    pages: int


@dataclass(frozen=True, slots=True)
class GroupMetrics:
    """One system on one group of pages (a page type or all)."""

    pages: int
    words: Scores | None  # mean over pages of the per-page word scores (wcxb)
    snippets: SnippetCounts  # pooled
    empty_outputs: int
    crashes: int
    leaks: dict[str, LeakMean]  # for each kind that any page of the group is labelled with

    @property
    def primary(self) -> Scores:
        """The dataset's headline P/R/F1: word means (wcxb), else pooled snippet scores."""
        return self.words if self.words is not None else self.snippets.scores()


def group_metrics(results: Sequence[PageResult], system: str) -> GroupMetrics:
    runs = [result.systems[system] for result in results]
    words = [run.words for run in runs if run.words is not None]
    return GroupMetrics(
        pages=len(runs),
        words=Scores(
            precision=statistics.fmean(w.precision for w in words),
            recall=statistics.fmean(w.recall for w in words),
            f1=statistics.fmean(w.f1 for w in words),
        )
        if words
        else None,
        snippets=sum((run.snippets for run in runs), SnippetCounts()),
        empty_outputs=sum(run.empty for run in runs),
        crashes=sum(run.error is not None for run in runs),
        leaks={kind: _leak_mean(runs, kind) for kind in sorted({k for r in runs for k in r.leaks})},
    )


def _leak_mean(runs: Sequence[SystemPage], kind: str) -> LeakMean:
    values = [value for run in runs if (value := run.leaks.get(kind)) is not None]
    return LeakMean(mean=statistics.fmean(values) if values else None, pages=len(values))


def metrics(run: EvalRun) -> dict[str, dict[str, GroupMetrics]]:
    """group (each page type present, then ALL) -> system -> metrics."""
    types = sorted({r.page_type for r in run.pages if r.page_type is not None})
    groups = {t: [r for r in run.pages if r.page_type == t] for t in types}
    groups[ALL] = list(run.pages)
    return {
        group: {system: group_metrics(results, system) for system in run.systems}
        for group, results in groups.items()
    }


# --- report --------------------------------------------------------------------------------


def default_report_path(dataset: Dataset, mode: Mode) -> Path:
    return Path(f"eval-{dataset.name}{'-text' if mode == 'text' else ''}.json")


def _versions() -> dict[str, str]:
    packages = {"winnow": "winnow", "trafilatura": "trafilatura", "justext": "jusText"}
    found = {name: version(package) for name, package in packages.items()}
    return {**found, "python": platform.python_version()}


def _scores_json(scores: Scores) -> dict[str, float]:
    return {
        "precision": round(scores.precision, 4),
        "recall": round(scores.recall, 4),
        "f1": round(scores.f1, 4),
    }


def _snippets_json(counts: SnippetCounts) -> dict[str, int]:
    return {
        "tp": counts.tp,
        "fp": counts.fp,
        "fn": counts.fn,
        "with_total": counts.with_total,
        "without_total": counts.without_total,
    }


def _leaks_json(leaks: dict[str, float | None]) -> dict[str, Any]:
    """A "leak" entry (kind -> share, null when the page has none) when any kind is labelled;
    nothing at all for a folder without negative labels, whose report stays as it was."""
    if not leaks:
        return {}
    return {"leak": {kind: None if v is None else round(v, 4) for kind, v in leaks.items()}}


def _leak_means_json(leaks: dict[str, LeakMean]) -> dict[str, Any]:
    if not leaks:
        return {}
    return {
        "leak": {
            kind: {"mean": None if m.mean is None else round(m.mean, 4), "pages": m.pages}
            for kind, m in leaks.items()
        }
    }


def report(run: EvalRun) -> dict[str, Any]:
    """The JSON report: what ran, headline metrics per group and system, and per-page scores
    (so that two runs can be diffed page by page)."""
    dataset = run.dataset
    word_scored = dataset.format == WCXB
    leak_scoring = (
        {
            "leak": f"share of the negative text's {SHINGLE_TOKENS}-token shingles, less those "
            "of the main text, found in the output; mean over the pages that have any"
        }
        if dataset.negative_kinds
        else {}
    )
    return {
        "report_version": REPORT_VERSION,
        "dataset": {
            "name": dataset.name,
            "path": str(dataset.root),
            "format": dataset.format,
            "pages": len(run.pages),
            "pages_in_dataset": len(dataset.pages),
        },
        "mode": run.options.mode,
        "systems": list(run.systems),
        "scoring": {
            "precision_recall_f1": "word bag per page, mean over pages"
            if word_scored
            else "snippets pooled over pages",
            "snippet_match": "whitespace-normalised substring, "
            + ("case-insensitive" if word_scored else "case-sensitive"),
            **leak_scoring,
        },
        "versions": _versions(),
        "started_at": run.started_at,
        "seconds": round(run.seconds, 1),
        "workers": run.options.workers,
        "limit": run.options.limit,
        "reader_rejects": dict(Counter(r.reader_reject for r in run.pages if r.reader_reject)),
        "metrics": {
            group: {
                system: {
                    "pages": m.pages,
                    **_scores_json(m.primary),
                    **_snippets_json(m.snippets),
                    "empty_outputs": m.empty_outputs,
                    "crashes": m.crashes,
                    **_leak_means_json(m.leaks),
                }
                for system, m in by_system.items()
            }
            for group, by_system in metrics(run).items()
        },
        "pages": [_page_json(result) for result in run.pages],
    }


def _page_json(result: PageResult) -> dict[str, Any]:
    systems = {}
    for name, page in result.systems.items():
        scores = page.words if page.words is not None else page.snippets.scores()
        systems[name] = {
            **_scores_json(scores),
            **_snippets_json(page.snippets),
            "empty": page.empty,
            "error": page.error,
            **_leaks_json(page.leaks),
        }
    return {
        "id": result.id,
        "page_type": result.page_type,
        "reader_reject": result.reader_reject,
        "systems": systems,
    }


def write_report(run: EvalRun, path: Path) -> None:
    """Written under a temporary name and renamed, so a reader never sees half a report."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(json.dumps(report(run), indent=1, ensure_ascii=False) + "\n")
    temporary.replace(path)


# --- printed table -------------------------------------------------------------------------


def format_run(run: EvalRun) -> str:
    """Tables for the terminal, at most 100 columns wide."""
    by_group = metrics(run)
    dataset, systems = run.dataset, run.systems
    rejects = Counter(r.reader_reject for r in run.pages if r.reader_reject)
    head = [
        f"{dataset.name} ({dataset.format}, {run.options.mode} mode): {len(run.pages)} pages, "
        f"{run.options.workers} workers, {run.seconds:.1f} s",
    ]
    if dataset.format == WCXB:
        head.append("word bag of lowercase \\w+ tokens: P/R/F1 per page, mean over pages")
        body = [*_f1_table(by_group, systems), "", *_wcxb_detail_table(by_group, systems)]
        for kind in by_group[ALL][systems[0]].leaks:
            body += ["", *_leak_table(by_group, systems, kind)]
    else:
        head.append("snippets (whitespace-normalised, case-sensitive), counts pooled over pages")
        body = _snippet_table(by_group[ALL], systems)
    source = "text dump" if run.options.mode == "text" else "HTML"
    reject_note = ", ".join(f"{reason} {n}" for reason, n in sorted(rejects.items()))
    empties = ", ".join(f"{s} {by_group[ALL][s].empty_outputs}" for s in systems)
    crashes = ", ".join(
        f"{s} {by_group[ALL][s].crashes}" for s in systems if by_group[ALL][s].crashes
    )
    foot = [
        f"{source} rejected by winnow's reader: {sum(rejects.values())}"
        + (f" ({reject_note})" if reject_note else ""),
        f"empty outputs: {empties}",
        f"crashes (scored as empty): {crashes or 'none'}",
    ]
    return "\n".join([*head, "", *body, "", *foot])


def _f1_table(by_group: dict[str, dict[str, GroupMetrics]], systems: Sequence[str]) -> list[str]:
    """F1 per group and system, and the first system (Winnow) minus each baseline."""
    winnow, baselines = systems[0], [s for s in systems[1:] if s != RAW_DUMP]
    widths = [max(len(s), 6) + 2 for s in systems]
    delta_names = [f"Δ {b}" for b in baselines]
    lines = [
        f"{'F1':<14}{'pages':>5}"
        + "".join(f"{s:>{w}}" for s, w in zip(systems, widths, strict=True))
        + "".join(f"{d:>{len(d) + 2}}" for d in delta_names),
    ]
    for group, by_system in by_group.items():
        f1 = {s: m.primary.f1 for s, m in by_system.items()}
        lines.append(
            f"{group:<14}{by_system[winnow].pages:>5}"
            + "".join(f"{f1[s]:>{w}.3f}" for s, w in zip(systems, widths, strict=True))
            + "".join(
                f"{f1[winnow] - f1[b]:>+{len(d) + 2}.3f}"
                for b, d in zip(baselines, delta_names, strict=True)
            )
        )
    lines.append(f"(Δ x = {winnow} F1 minus x's F1)")
    return lines


def _leak_table(
    by_group: dict[str, dict[str, GroupMetrics]], systems: Sequence[str], kind: str
) -> list[str]:
    """Mean leak of one kind per group and system, laid out like the F1 table; "pages" counts
    the pages that have a leak, which are the same for every system."""
    name = NEGATIVE_KINDS[kind]
    widths = [max(len(s), 6) + 2 for s in systems]
    lines = [
        f"{f'{name} leak':<14}{'pages':>5}"
        + "".join(f"{s:>{w}}" for s, w in zip(systems, widths, strict=True))
    ]
    for group, by_system in by_group.items():
        means = {s: by_system[s].leaks.get(kind, LeakMean(None, 0)) for s in systems}
        lines.append(
            f"{group:<14}{means[systems[0]].pages:>5}"
            + "".join(
                f"{'-':>{w}}" if means[s].mean is None else f"{means[s].mean:>{w}.3f}"
                for s, w in zip(systems, widths, strict=True)
            )
        )
    lines.append(
        f"(share of the {name} text's {SHINGLE_TOKENS}-token shingles, less the main text's, "
        "found in the output,"
    )
    lines.append(" mean over the pages that have any; lower is better)")
    return lines


def _wcxb_detail_table(
    by_group: dict[str, dict[str, GroupMetrics]], systems: Sequence[str]
) -> list[str]:
    lines = [
        f"{'page type':<14}{'system':<13}{'P':>7}{'R':>7}{'F1':>7}"
        f"{'with found':>19}{'without found':>16}"
    ]
    for group, by_system in by_group.items():
        for number, system in enumerate(systems):
            m = by_system[system]
            s = m.snippets
            rate = f"{s.with_found / s.with_total:.1%}" if s.with_total else "-"
            lines.append(
                f"{group if number == 0 else '':<14}{system:<13}"
                f"{m.primary.precision:>7.3f}{m.primary.recall:>7.3f}{m.primary.f1:>7.3f}"
                f"{f'{s.with_found}/{s.with_total} {rate}':>19}"
                f"{f'{s.without_found}/{s.without_total}':>16}"
            )
    return lines


def _snippet_table(by_system: dict[str, GroupMetrics], systems: Sequence[str]) -> list[str]:
    lines = [
        f"{'system':<13}{'TP':>7}{'FP':>7}{'FN':>7}{'P':>8}{'R':>8}{'F':>8}{'without found':>16}"
    ]
    for system in systems:
        m = by_system[system]
        s, scores = m.snippets, m.primary
        lines.append(
            f"{system:<13}{s.tp:>7}{s.fp:>7}{s.fn:>7}"
            f"{scores.precision:>8.3f}{scores.recall:>8.3f}{scores.f1:>8.3f}"
            f"{f'{s.without_found}/{s.without_total}':>16}"
        )
    winnow = systems[0]
    for baseline in systems[1:]:
        if baseline != RAW_DUMP:
            delta = by_system[winnow].primary.f1 - by_system[baseline].primary.f1
            lines.append(f"Δ F {winnow} - {baseline}: {delta:+.3f}")
    return lines


def print_progress(done: int, total: int) -> None:
    print(f"evaluated {done}/{total} pages", file=sys.stderr, flush=True)
