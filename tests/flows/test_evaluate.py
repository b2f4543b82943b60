import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import EXIT_BAD_CONFIG, EXIT_OK, main
from flows.evaluate import (
    SNIPPETS,
    WCXB,
    DatasetError,
    EvalOptions,
    LeakMean,
    PageResult,
    Scores,
    SnippetCounts,
    SystemPage,
    count_snippets,
    evaluate_page,
    group_metrics,
    justext_on_lines,
    leak,
    load_dataset,
    word_scores,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "eval"
WCXB_MINI = FIXTURES / "wcxb-mini"
SNIPPETS_MINI = FIXTURES / "snippets-mini"

# Longer than jusText's 200 characters, so it can be "good" without good neighbours.
ENGLISH_PROSE = (
    "After forty years of automatic operation, the lighthouse at Skerry Point will again have "
    "a resident keeper from next spring, and the harbour trust says that the keeper will record "
    "the weather every three hours for the coastguard."
)
GERMAN_PROSE = (
    "Die Beete werden im März umgegraben, sobald der Boden nicht mehr gefroren ist. Wer schwere "
    "Erde hat, arbeitet reifen Kompost ein und lässt die Schollen einige Tage liegen, damit sie "
    "abtrocknen können, und er wartet auf den Regen."
)


def approx(precision: float, recall: float, f1: float) -> Scores:
    return Scores(pytest.approx(precision), pytest.approx(recall), pytest.approx(f1))


# --- word scores ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "reference", "expected"),
    [
        # got: the×2 cat sat on mat (6); want: the cat sat (3); overlap 3
        ("the cat sat on the mat", "The cat sat.", approx(3 / 6, 3 / 3, 2 * 0.5 * 1 / 1.5)),
        # multiplicity counts: one of the three "a"s matches
        ("a a a", "a", approx(1 / 3, 1.0, 0.5)),
        ("alpha beta", "alpha gamma delta", approx(1 / 2, 1 / 3, 2 * (1 / 6) / (5 / 6))),
        ("Straße ÜBER den Fluss!", "straße über den fluss", approx(1.0, 1.0, 1.0)),
        ("no overlap here", "something else entirely", approx(0.0, 0.0, 0.0)),
    ],
)
def test_word_scores_on_hand_computed_examples(output, reference, expected):
    assert word_scores(output, reference) == expected


@pytest.mark.parametrize(
    ("output", "reference", "expected"),
    [
        ("", "", 1.0),
        ("— · —", "   ", 1.0),  # no \w+ tokens on either side: both empty
        ("", "the reference has words", 0.0),
        ("output where there is nothing", "", 0.0),
        ("...", "words", 0.0),
    ],
)
def test_word_scores_edge_cases_score_all_three_alike(output, reference, expected):
    assert word_scores(output, reference) == Scores(expected, expected, expected)


# --- leak ----------------------------------------------------------------------------------

THREAD = "Mara: The old cottage needs a new roof first.\nTomas: My grandfather kept that lamp."
# 9 + 6 tokens, 12 shingles: they run across the end of a comment


@pytest.mark.parametrize(
    ("output", "negative", "main", "expected"),
    [
        ("Article text only.", THREAD, "Article text only.", 0.0),
        (f"Article text only.\n{THREAD}", THREAD, "Article text only.", 1.0),
        ("", THREAD, "", 0.0),
        # case and punctuation do not matter, the token order does
        ("MARA -- the old cottage needs!", THREAD, "", 2 / 12),
        ("cottage old the needs new a roof", THREAD, "", 0.0),
        # the comment quotes the article: only "the old cottage needs", "old cottage needs a"
        # and "cottage needs a new" are shared with "...that the old cottage needs a new coat"
        (
            "the old cottage needs a new roof",
            THREAD,
            "He said that the old cottage needs a new coat of paint.",
            1 / (12 - 3),
        ),
    ],
)
def test_leak_is_the_share_of_the_negative_shingles_in_the_output(output, negative, main, expected):
    assert leak(output, negative, main) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("negative", "main"),
    [
        ("", "Article text only."),
        ("Great post, thanks", ""),  # three tokens: not one shingle
        ("Thanks!\n\nGreat post.", ""),
        ("the keeper will record", "Now the keeper will record the weather."),  # all quoted
    ],
)
def test_a_page_without_negative_shingles_to_find_has_no_leak(negative, main):
    assert leak(f"{negative} {main}", negative, main) is None


def system_page(leaks: dict[str, float | None]) -> SystemPage:
    return SystemPage(words=None, snippets=SnippetCounts(), empty=False, error=None, leaks=leaks)


def test_group_leak_is_the_mean_over_the_pages_that_have_one():
    results = [
        PageResult(f"p{n}", "article", None, {"winnow": system_page({"comments": value})})
        for n, value in enumerate([0.5, None, 0.1, None])
    ]

    assert group_metrics(results, "winnow").leaks == {
        "comments": LeakMean(mean=pytest.approx(0.3), pages=2)
    }
    no_thread = group_metrics(results[1::2], "winnow")  # labelled, but no comment text
    assert no_thread.leaks == {"comments": LeakMean(mean=None, pages=0)}
    unlabelled = group_metrics([PageResult("x", None, None, {"winnow": system_page({})})], "winnow")
    assert unlabelled.leaks == {}


# --- snippets ------------------------------------------------------------------------------


def test_snippets_match_across_whitespace_and_lines():
    counts = count_snippets(
        "Rye dough behaves\n\nnothing   like wheat.\tLeave a Reply",
        ["dough behaves nothing like", "  wheat. Leave", "missing one"],
        ["Leave a Reply", "Share this"],
        case_sensitive=True,
    )
    assert counts == SnippetCounts(with_found=2, with_total=3, without_found=1, without_total=2)
    assert (counts.tp, counts.fn, counts.fp) == (2, 1, 1)


def test_snippet_case_rule():
    output = "Please leave a reply below."
    sensitive = count_snippets(output, ["Leave a Reply"], [], case_sensitive=True)
    insensitive = count_snippets(output, ["Leave a Reply"], [], case_sensitive=False)
    assert (sensitive.tp, insensitive.tp) == (0, 1)


def test_pooled_snippet_scores_follow_trafilaturas_formula():
    pooled = SnippetCounts(2, 3, 1, 4) + SnippetCounts(1, 1, 1, 2)  # TP 3, FN 1, FP 2
    assert pooled == SnippetCounts(3, 4, 2, 6)
    assert pooled.scores() == approx(3 / 5, 3 / 4, 6 / (6 + 2 + 1))


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (SnippetCounts(), approx(1.0, 1.0, 1.0)),  # nothing expected, nothing found
        (SnippetCounts(0, 2, 0, 3), approx(0.0, 0.0, 0.0)),  # empty output
        (SnippetCounts(0, 0, 1, 1), approx(0.0, 0.0, 0.0)),  # only a found "without"
        (SnippetCounts(2, 2, 0, 0), approx(1.0, 1.0, 1.0)),
    ],
)
def test_snippet_score_edge_cases(counts, expected):
    assert counts.scores() == expected


# --- baselines -----------------------------------------------------------------------------


def test_justext_keeps_prose_lines_and_drops_chrome():
    dump = f"Home\nNews\n\n{ENGLISH_PROSE}\nCopyright 2025 Skerry Gazette. All rights reserved.\n"
    assert justext_on_lines(dump) == ENGLISH_PROSE


def test_justext_uses_the_stoplist_of_the_guessed_language():
    # With the English stop list, German prose has no stop words and is boilerplate.
    assert justext_on_lines(f"Startseite\n{GERMAN_PROSE}\nImpressum\n") == GERMAN_PROSE


def test_justext_on_an_empty_dump_is_empty():
    assert justext_on_lines("\n  \n") == ""


# --- a folder with comment labels, as dragnet-dev has them --------------------------------

ARTICLE = [
    "Skerry Point Lighthouse gets a keeper again",
    "After forty years of automatic operation, the lighthouse at Skerry Point will again have "
    "a resident keeper from next spring, the harbour trust announced on Tuesday.",
    "The keeper will maintain the lamp, record the weather every three hours and guide the "
    "small groups of visitors who climb the tower during the summer season.",
]
COMMENTS = [
    "Mara Quist says:",
    "About time. The cottage at the foot of the tower has stood empty far too long, and I hope "
    "the trust repairs the roof before the first keeper moves in with a family.",
    "Tomas Brel says:",
    "My grandfather kept that lamp for eleven winters and wrote the weather in a green ledger "
    "that the museum in town still shows to anyone who asks for it.",
]
FORUM_POST = (
    "Does anyone know whether the ferry to Skerry Point still runs on Sundays after the end "
    "of September, or do I need to book the water taxi from the harbour office instead?"
)


def write_page(folder: Path, page_id: str, body: list[str], dump: list[str]) -> None:
    (folder / "html" / f"{page_id}.html").write_text(
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Skerry</title></head>"
        "<body><nav><a href=/>Home</a> <a href=/news>News</a></nav>"
        + "".join(body)
        + "<footer><p>Copyright Skerry Gazette</p></footer></body></html>",
        encoding="utf-8",
    )
    (folder / "text" / f"{page_id}.txt").write_text(
        "\n".join(["Home", "News", *dump, "Copyright Skerry Gazette"]) + "\n", encoding="utf-8"
    )


@pytest.fixture
def commented_folder(tmp_path) -> Path:
    """Three pages: an article with a thread, one without, and a forum post whose only
    comment is too short to score."""
    folder = tmp_path / "dragnet-like"
    (folder / "html").mkdir(parents=True)
    (folder / "text").mkdir()
    article = [f"<article><h1>{ARTICLE[0]}</h1>"] + [f"<p>{p}</p>" for p in ARTICLE[1:]]
    thread = ['<section id="comments" class="comments"><h2>2 Comments</h2>'] + [
        f'<div class="comment"><p>{line}</p></div>' for line in COMMENTS
    ]
    write_page(folder, "C1", [*article, "</article>", *thread, "</section>"], ARTICLE + COMMENTS)
    write_page(folder, "N1", [*article, "</article>"], ARTICLE)
    write_page(
        folder,
        "S1",
        [f"<article><p>{FORUM_POST}</p></article>", '<div class="comment"><p>No idea!</p></div>'],
        [FORUM_POST, "No idea!"],
    )
    truth = {
        "C1": {"comments": "\n\n".join(COMMENTS), "main_content": "\n".join(ARTICLE)},
        "N1": {"comments": "", "main_content": "\n".join(ARTICLE)},
        "S1": {"comments": "No idea!", "main_content": FORUM_POST, "page_type": "forum"},
    }
    labels = {
        page_id: {"url": None, "site": "skerry.example", "page_type": "article", **item}
        | {"with": [], "without": []}
        for page_id, item in truth.items()
    }
    (folder / "ground-truth.json").write_text(json.dumps(labels), encoding="utf-8")
    return folder


def test_load_a_folder_with_comment_labels(commented_folder):
    dataset = load_dataset(commented_folder)

    assert (dataset.format, dataset.negative_kinds) == (WCXB, ("comments",))
    pages = {page.id: page for page in dataset.pages}
    assert pages["C1"].negative == {"comments": "\n\n".join(COMMENTS)}
    assert pages["N1"].negative == {"comments": ""}
    assert dataset.page_types == ("article", "forum")


def test_folders_without_negative_labels_have_none():
    for folder in (WCXB_MINI, SNIPPETS_MINI):
        dataset = load_dataset(folder)
        assert dataset.negative_kinds == ()
        assert all(page.negative == {} for page in dataset.pages)


def test_a_comment_label_that_is_not_text_is_rejected(commented_folder):
    path = commented_folder / "ground-truth.json"
    truth = json.loads(path.read_text())
    truth["N1"]["comments"] = ["a list"]
    path.write_text(json.dumps(truth))
    with pytest.raises(DatasetError, match="page N1: field 'comments'"):
        load_dataset(commented_folder)


# --- loaders -------------------------------------------------------------------------------


def test_load_wcxb_folder():
    dataset = load_dataset(WCXB_MINI)

    assert (dataset.name, dataset.format) == ("wcxb-mini", WCXB)
    assert [p.id for p in dataset.pages] == ["0001", "0002", "0003", "0004"]
    assert dataset.page_types == ("article", "forum", "product")
    first = dataset.pages[0]
    assert first.html_path == WCXB_MINI.resolve() / "html" / "0001.html"
    assert first.text_path == WCXB_MINI.resolve() / "text" / "0001.txt"
    assert first.url == "https://skerry-gazette.example/news/lighthouse-keepers"
    assert first.reference.startswith("After forty years")
    assert first.with_snippets[1] == "record the weather every three hours"
    assert dataset.pages[3].reference == ""


def test_load_snippet_folder():
    dataset = load_dataset(SNIPPETS_MINI)

    assert (dataset.name, dataset.format) == ("snippets-mini", SNIPPETS)
    assert [p.id for p in dataset.pages] == ["empty.html", "kleingarten.html", "rye-bread.html"]
    assert dataset.page_types == ()
    garden = dataset.pages[1]
    assert (garden.page_type, garden.reference, garden.text_path) == (None, None, None)
    assert garden.without_snippets == ("Ähnliche Beiträge", "Datenschutz")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "not a labelled dataset"),
        (lambda d: (d / "ground-truth.json").write_text("{}"), "not a labelled dataset"),
        (lambda d: shutil.rmtree(d), "not a folder"),
    ],
)
def test_unknown_folders_are_rejected(tmp_path, setup, message):
    folder = tmp_path / "data"
    (folder / "texts").mkdir(parents=True)
    setup(folder)
    with pytest.raises(DatasetError, match=message):
        load_dataset(folder)


def test_a_page_without_its_html_file_is_rejected(tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(SNIPPETS_MINI, folder)
    (folder / "html" / "rye-bread.html").unlink()
    with pytest.raises(DatasetError, match=r"1 labelled pages have no HTML .*rye-bread.html"):
        load_dataset(folder)


def test_a_malformed_label_is_rejected(tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(WCXB_MINI, folder)
    truth = json.loads((folder / "ground-truth.json").read_text())
    truth["0002"]["with"] = "not a list"
    (folder / "ground-truth.json").write_text(json.dumps(truth))
    with pytest.raises(DatasetError, match="page 0002: field 'with'"):
        load_dataset(folder)


def test_options_are_validated_at_construction():
    with pytest.raises(ValueError, match="workers"):
        EvalOptions(workers=0)
    with pytest.raises(ValueError, match="limit"):
        EvalOptions(limit=0)
    with pytest.raises(ValueError, match="mode"):
        EvalOptions(mode="pdf")


# --- one page ------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "winnow"), [("html", "winnow"), ("text", "winnow-text")])
def test_a_clean_article_scores_one_for_winnow(mode, winnow):
    page = load_dataset(WCXB_MINI).pages[0]  # the reference is exactly the article text

    result = evaluate_page(page, mode=mode, case_sensitive_snippets=False)

    assert result.systems[winnow].words == Scores(1.0, 1.0, 1.0)
    assert result.systems[winnow].snippets == SnippetCounts(2, 2, 0, 2)


# --- the command ---------------------------------------------------------------------------


def run_eval_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def page_scores(report: dict) -> dict[str, dict]:
    return {page["id"]: page["systems"] for page in report["pages"]}


def test_eval_html_mode_writes_the_report_and_prints_the_table(tmp_path, capsys):
    report_path = tmp_path / "report.json"

    code, out, err = run_eval_cli(
        capsys, str(WCXB_MINI), "--workers", "1", "--report", str(report_path)
    )

    assert code == EXIT_OK, err
    report = json.loads(report_path.read_text())
    assert report["dataset"] == {
        "name": "wcxb-mini",
        "path": str(WCXB_MINI.resolve()),
        "format": "wcxb",
        "pages": 4,
        "pages_in_dataset": 4,
    }
    assert (report["mode"], report["systems"]) == ("html", ["winnow", "trafilatura"])
    assert set(report["versions"]) == {"winnow", "trafilatura", "justext", "python"}
    assert list(report["metrics"]) == ["article", "forum", "product", "all"]
    assert report["reader_rejects"] == {}
    for group in report["metrics"].values():
        assert set(group) == {"winnow", "trafilatura"}
    everything = report["metrics"]["all"]["winnow"]
    assert (everything["pages"], everything["tp"] + everything["fn"]) == (4, 6)
    scores = page_scores(report)
    assert list(scores) == ["0001", "0002", "0003", "0004"]
    assert scores["0001"]["winnow"]["f1"] == 1.0
    assert scores["0001"]["trafilatura"]["f1"] == 1.0  # both read the clean article whole
    # 0004 has an empty reference: any output scores 0
    assert scores["0004"]["winnow"]["f1"] == (1.0 if scores["0004"]["winnow"]["empty"] else 0.0)

    lines = out.splitlines()
    assert lines[0].startswith("wcxb-mini (wcxb, html mode): 4 pages, 1 workers")
    assert max(map(len, lines)) <= 100
    f1_header = next(line for line in lines if line.startswith("F1"))
    assert f1_header.split() == ["F1", "pages", "winnow", "trafilatura", "Δ", "trafilatura"]
    f1_all = next(line for line in lines if line.startswith("all "))
    winnow_f1 = report["metrics"]["all"]["winnow"]["f1"]
    trafilatura_f1 = report["metrics"]["all"]["trafilatura"]["f1"]
    assert f1_all.split() == [
        "all",
        "4",
        f"{winnow_f1:.3f}",
        f"{trafilatura_f1:.3f}",
        f"{winnow_f1 - trafilatura_f1:+.3f}",
    ]
    assert f"report: {report_path}" in out
    # no comment labels, no leak
    assert "leak" not in out
    assert "leak" not in report["scoring"]
    assert all("leak" not in system for page in scores.values() for system in page.values())


def leak_table(out: str) -> dict[str, list[str]]:
    """The printed comment-leak table: its header and each row, split into words."""
    lines = out.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("comment leak"))
    rows = {"header": lines[start].split()}
    for line in lines[start + 1 :]:
        if not line or line.startswith("("):
            break
        rows[line.split()[0]] = line.split()[1:]
    return rows


def test_eval_reports_the_comment_leak_per_page_and_per_page_type(
    commented_folder, tmp_path, capsys
):
    report_path = tmp_path / "report.json"

    code, out, err = run_eval_cli(
        capsys, str(commented_folder), "--workers", "1", "--report", str(report_path)
    )

    assert code == EXIT_OK, err
    report = json.loads(report_path.read_text())
    assert "4-token shingles" in report["scoring"]["leak"]
    scores = page_scores(report)
    page_leaks = {
        page: {system: scores[page][system]["leak"] for system in ("winnow", "trafilatura")}
        for page in scores
    }
    thread_leaks = page_leaks["C1"]
    assert all(isinstance(thread_leaks[s]["comments"], float) for s in thread_leaks)
    # no thread, and a thread too short to score: no leak, and not counted in the means
    assert (
        page_leaks["N1"]
        == page_leaks["S1"]
        == {
            "winnow": {"comments": None},
            "trafilatura": {"comments": None},
        }
    )
    metrics = report["metrics"]
    for system in ("winnow", "trafilatura"):
        assert metrics["all"][system]["leak"] == metrics["article"][system]["leak"]
        assert metrics["all"][system]["leak"] == {
            "comments": {"mean": thread_leaks[system]["comments"], "pages": 1}
        }
        assert metrics["forum"][system]["leak"] == {"comments": {"mean": None, "pages": 0}}

    assert max(map(len, out.splitlines())) <= 100
    table = leak_table(out)
    assert table["header"] == ["comment", "leak", "pages", "winnow", "trafilatura"]
    assert table["forum"] == ["0", "-", "-"]
    assert (
        table["all"]
        == table["article"]
        == [
            "1",
            f"{thread_leaks['winnow']['comments']:.3f}",
            f"{thread_leaks['trafilatura']['comments']:.3f}",
        ]
    )


def test_eval_text_mode_reports_the_leak_of_every_system(commented_folder, tmp_path, capsys):
    report_path = tmp_path / "report.json"

    code, out, err = run_eval_cli(
        capsys, str(commented_folder), "--text", "--workers", "1", "--report", str(report_path)
    )

    assert code == EXIT_OK, err
    report = json.loads(report_path.read_text())
    systems = ["winnow-text", "justext", "trafilatura", "raw-dump"]
    thread = page_scores(report)["C1"]
    assert thread["raw-dump"]["leak"] == {"comments": 1.0}  # the dump holds the whole thread
    assert all(isinstance(thread[s]["leak"]["comments"], float) for s in systems)
    table = leak_table(out)
    assert table["header"] == ["comment", "leak", "pages", *systems]
    assert table["all"] == ["1"] + [f"{thread[s]['leak']['comments']:.3f}" for s in systems]


def test_eval_text_mode_runs_four_systems_and_counts_rejected_dumps(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)

    code, out, err = run_eval_cli(capsys, str(WCXB_MINI), "--text", "--workers", "1")

    assert code == EXIT_OK, err
    report = json.loads((tmp_path / "eval-wcxb-mini-text.json").read_text())
    systems = ["winnow-text", "justext", "trafilatura", "raw-dump"]
    assert (report["mode"], report["systems"]) == ("text", systems)
    assert all(list(group) == systems for group in report["metrics"].values())
    assert report["reader_rejects"] == {"empty_file": 1}
    scores = page_scores(report)
    assert scores["0003"]["winnow-text"] == scores["0003"]["raw-dump"]
    assert scores["0003"]["winnow-text"]["empty"] is True
    assert scores["0003"]["winnow-text"]["f1"] == 0.0
    assert scores["0003"]["trafilatura"]["empty"] is False  # trafilatura reads the HTML
    assert scores["0001"]["winnow-text"]["f1"] == 1.0
    # The raw dump holds the whole article plus its menu and footer.
    for page in ("0001", "0002"):
        assert scores[page]["raw-dump"]["recall"] == 1.0
        assert scores[page]["raw-dump"]["precision"] < 1.0
        assert scores[page]["raw-dump"]["fp"] == scores[page]["raw-dump"]["without_total"]
    assert report["metrics"]["all"]["raw-dump"]["empty_outputs"] == 1
    assert "text dump rejected by winnow's reader: 1 (empty_file 1)" in out
    assert "Δ justext" in out
    assert f"report: {Path('eval-wcxb-mini-text.json')}" in out


def test_eval_snippet_dataset_pools_counts(tmp_path, capsys):
    report_path = tmp_path / "snippets.json"

    code, out, err = run_eval_cli(
        capsys, str(SNIPPETS_MINI), "--workers", "1", "--report", str(report_path)
    )

    assert code == EXIT_OK, err
    report = json.loads(report_path.read_text())
    assert report["dataset"]["format"] == "trafilatura-eval"
    assert list(report["metrics"]) == ["all"]
    assert report["reader_rejects"] == {"empty_file": 1}
    winnow = report["metrics"]["all"]["winnow"]
    assert (winnow["with_total"], winnow["without_total"]) == (6, 6)
    tp, fp, fn = winnow["tp"], winnow["fp"], winnow["fn"]
    assert winnow["f1"] == round(2 * tp / (2 * tp + fp + fn), 4)
    scores = page_scores(report)
    # a rejected page is an empty output: its "with" snippet is a miss
    assert scores["empty.html"]["winnow"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "tp": 0,
        "fp": 0,
        "fn": 1,
        "with_total": 1,
        "without_total": 1,
        "empty": True,
        "error": None,
    }
    # decoded as cp1252, as its <meta charset> says: the umlauts match
    assert scores["kleingarten.html"]["winnow"]["tp"] == 3
    header = next(line for line in out.splitlines() if line.startswith("system"))
    assert header.split() == ["system", "TP", "FP", "FN", "P", "R", "F", "without", "found"]
    assert "Δ F winnow - trafilatura:" in out


def test_pool_and_in_process_runs_agree_and_limit_takes_the_first_pages(tmp_path, capsys):
    reports = {}
    for workers in ("1", "2"):
        path = tmp_path / f"w{workers}.json"
        code, _, err = run_eval_cli(
            capsys, str(WCXB_MINI), "--workers", workers, "--limit", "3", "--report", str(path)
        )
        assert code == EXIT_OK, err
        reports[workers] = json.loads(path.read_text())

    assert reports["1"]["pages"] == reports["2"]["pages"]
    assert [page["id"] for page in reports["2"]["pages"]] == ["0001", "0002", "0003"]
    assert reports["2"]["dataset"]["pages_in_dataset"] == 4
    assert list(reports["2"]["metrics"]) == ["article", "forum", "all"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}"], "not a labelled dataset"),
        (["{tmp}/missing"], "not a folder"),
        ([str(SNIPPETS_MINI), "--text"], "--text needs text dumps"),
        ([str(WCXB_MINI), "--workers", "0"], "workers must be at least 1"),
        ([str(WCXB_MINI), "--limit", "0"], "limit must be at least 1"),
        ([str(WCXB_MINI), "--report", "{tmp}/no/such/report.json"], "--report: no such folder"),
        ([str(WCXB_MINI), "--limit", "two"], "invalid int value"),
    ],
)
def test_bad_input_fails_fast_with_one_line(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["eval", *(a.format(tmp=tmp_path) for a in args)])
    except SystemExit as exit:  # argparse's own errors
        code = exit.code

    err = capsys.readouterr().err
    assert code == EXIT_BAD_CONFIG
    assert err.count("\n") == 1 and err.startswith("winnow")
    assert message in err
    assert list(tmp_path.glob("*.json")) == []


def test_text_mode_needs_every_dump(tmp_path, capsys):
    folder = tmp_path / "partial"
    shutil.copytree(WCXB_MINI, folder)
    (folder / "text" / "0002.txt").unlink()

    code, _, err = run_eval_cli(capsys, str(folder), "--text")

    assert code == EXIT_BAD_CONFIG
    assert "--text: 1 pages have no text dump" in err and "(first: 0002)" in err


def test_evaluate_does_not_import_prefect():
    code = "import sys, flows.evaluate; sys.exit('prefect' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0
