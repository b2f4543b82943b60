"""Entry points: a page's text or HTML in, `Cleaned` out, with the default cleaner sets."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from cleaners.apply import clean
from cleaners.document import (
    BESIDE_CONTENT,
    Block,
    BlockKind,
    Cleaned,
    Cleaner,
    Document,
    Removal,
)
from cleaners.html import html_page
from cleaners.html_input import HtmlInput
from cleaners.patterns import TERMINAL_PUNCTUATION, count_words, normalise, words
from cleaners.rules.captions import Captions
from cleaners.rules.comments import COMMENT_KINDS, CommentSections
from cleaners.rules.head import HeadNavigation, TitleEcho
from cleaners.rules.metadata import Bylines, DateLines, SourceLines
from cleaners.rules.navigation import Breadcrumbs, NavigationLines, PageAsides
from cleaners.rules.region import MainRegion
from cleaners.rules.related import RelatedLists
from cleaners.rules.repeats import RepeatedBlocks
from cleaners.rules.tail import InlineTeasers, TailCut
from cleaners.rules.widgets import Widgets
from cleaners.text import text_document

TEXT_CLEANERS: tuple[Cleaner, ...] = (
    CommentSections(),
    PageAsides(),
    TitleEcho(),
    Bylines(),
    SourceLines(),
    DateLines(),
    Captions(),
    Breadcrumbs(),
    NavigationLines(),
    Widgets(),
    InlineTeasers(),
    TailCut(),
    RelatedLists(),
    RepeatedBlocks(),
    HeadNavigation(),
    MainRegion(),
)
"""Everything a browser's text dump needs: it has all the page's chrome in it."""

RECOVERY_CLEANERS: tuple[Cleaner, ...] = tuple(
    replace(cleaner, cut_concentrated=False) if isinstance(cleaner, MainRegion) else cleaner
    for cleaner in TEXT_CLEANERS
)
"""What decides whether a visible line trafilatura skipped comes back (`_skipped`): the
text-dump cleaners, but for the region rule's cut around a short article's concentrated
prose. The lines it judges lie within trafilatura's own reading, whose lists and tables
beside a few paragraphs are that reading's content. Measured with `winnow eval`: cutting
there cost trafilatura-eval 2 snippets to keep and wcxb-dev's forums and listings."""

HTML_CLEANERS: tuple[Cleaner, ...] = (
    SourceLines(),
    Captions(),
    Widgets(),
    InlineTeasers(),
    TailCut(),
    RelatedLists(),
)
"""What still helps after trafilatura, which already drops menus and most page chrome.

Measured on wcxb-dev (word F1): byline and repeated-block removal cost recall after
trafilatura (its output keeps legitimately repeated lines), so they are text-dump only. The
headline stays where trafilatura puts it, at the top: trafilatura-eval counts it as article
text (removing it cost 7 snippets to keep), wcxb-dev is neutral, and it is `title` too."""


def clean_text(
    text: str, *, url: str | None = None, cleaners: tuple[Cleaner, ...] = TEXT_CLEANERS
) -> Cleaned:
    """Clean a plain-text dump of a page's visible text."""
    return clean(text_document(text, url=url), cleaners)


EXTRACTED_MIN_SHARE = 0.1
"""trafilatura's cleaned output is trusted unless it has fewer words than this share of the
cleaned visible text: then extraction missed the content (listings, app-like pages), and the
visible text cleaned as a text dump is the better reading. Measured on wcxb-dev: 0.1 keeps
every article on trafilatura and lifts listings and service pages; larger shares start to
cost articles. An output that reads as prose (`REGION_MAX_PROSE_SHARE`) is trusted whatever
its length: on dragnet-dev the short posts under big sidebars it held (F1 0.96 against 0.08
for the visible text) were the fallback's losses, and wcxb-dev's gains all kept no prose."""


def clean_html(
    html: HtmlInput, *, url: str | None = None, cleaners: tuple[Cleaner, ...] = HTML_CLEANERS
) -> Cleaned:
    """Extract the main content of an HTML page, then clean what extraction left in. The page
    comes as text, bytes, an lxml tree or a BeautifulSoup document (`cleaners.html_input`).

    When extraction missed the content (kept no prose, and far fewer words than the page
    shows), the visible text cleaned as a text dump is the reading. Otherwise the lines it
    skipped inside its own region come back: all of them when it kept a list rather than
    prose (`REGION_MAX_PROSE_SHARE`), the list items on a prose page (`PROSE_REGION_KINDS`);
    so do the other posts or cards when it kept one of a run (`cleaners.html.repeated_items`).
    The audit covers extraction too: lines of the visible page that are not in the result
    are `extractor/outside_main_content` removals.
    """
    page = html_page(html, url=url)
    if page.extracted is None:
        return _visible_reading(page.visible)
    main = clean(page.extracted, cleaners)
    prose = prose_share(main.kept) >= REGION_MAX_PROSE_SHARE
    # The cleaned visible text never has more words than the page's visible text, so when
    # extraction holds its share of the latter, the fallback cannot win: skip cleaning it.
    # An extraction that reads as prose found an article, however short: the visible words
    # it left are the page around the article (sidebars, link lists, comments), not content
    # it missed.
    if not (prose and main.kept) and (
        count_words(main.text) < EXTRACTED_MIN_SHARE * _words(page.visible.blocks)
    ):
        visible = _visible_reading(page.visible)
        if extraction_missed_content(main, visible):
            return visible
    extracted, extractor = page.extracted, "trafilatura"
    if skipped := _skipped_in_region(
        page.visible, extracted, PROSE_REGION_KINDS if prose else RECOVERED_KINDS
    ):
        extracted, extractor = _with_lines(extracted, skipped), "trafilatura+region"
    if page.items is not None and (
        skipped := _skipped(page.items, _normalised(page.items), _normalised(extracted))
    ):
        extracted, extractor = _with_lines(extracted, skipped), f"{extractor}+items"
    if extracted is not page.extracted:
        main = clean(extracted, cleaners)
    dropped = _dropped_by_extraction(page.visible, extracted, main.kept)
    removed = tuple(sorted(main.removed + dropped, key=lambda removal: removal.at or 0))
    return replace(main, removed=removed, extractor=extractor)


PROSE_PARAGRAPH_MIN_WORDS = 25
REGION_MAX_PROSE_SHARE = 0.5
"""Below this share of its words in prose paragraphs (`PROSE_PARAGRAPH_MIN_WORDS`+ words,
ending like a sentence), trafilatura's output is a list, a catalogue or a set of sections,
and the visible lines it skipped inside its own region are mostly more of the same: they are
taken back (`_skipped_in_region`). Measured with `winnow eval`: wcxb-dev word F1 all types
0.825 -> 0.835 (listings, collections, services); on trafilatura-eval, mostly articles, the
snippets found balance (+6 to keep, +7 to drop). Taking them back on every page cost
trafilatura-eval 0.015 (a scratch replay of the same readings, not `winnow eval`)."""
REGION_ANCHOR_MIN_WORDS = 3
RECOVERED_KINDS: frozenset[BlockKind] = frozenset({"line", "link", "list_item"})
"""Visible lines that can come back into trafilatura's reading: not asides (lines inside
`<aside>`, `<nav>` or `<footer>`) or comments (`cleaners.html.visible_lines`), which it
removes on purpose. Measured with `winnow eval`: wcxb-dev word F1 all types 0.843 -> 0.845 (a
Q&A's comments under its answers, a forum's link previews came back with the region, a
forum's comments with its posts); trafilatura-eval 4 fewer snippets to drop."""
PROSE_REGION_KINDS: frozenset[BlockKind] = frozenset({"list_item"})
"""On prose pages only list items come back from the region, lines that stand mostly in an
`<li>` and are not links (`cleaners.html.visible_lines`): the facts and steps of an article
that trafilatura dropped with their list (a list's class, a link-heavy neighbour). Captions,
bylines, author boxes and "related" headings, which the same recovery of every line brought
back, are not list items. Measured with `winnow eval`: wcxb-dev word F1 all types 0.837 ->
0.841 (articles 0.955 -> 0.959); trafilatura-eval +1 snippet to keep, +4 to drop (F 0.941)."""


def prose_share(blocks: tuple[Block, ...]) -> float:
    """Share of the words that stand in prose paragraphs."""
    sizes = [(count_words(block.text), block.text.rstrip()) for block in blocks]
    total = sum(size for size, _ in sizes)
    prose = sum(
        size
        for size, text in sizes
        if size >= PROSE_PARAGRAPH_MIN_WORDS and text.endswith(TERMINAL_PUNCTUATION)
    )
    return prose / total if total else 1.0


def _skipped_in_region(
    visible: Document, extracted: Document, kinds: frozenset[BlockKind]
) -> list[tuple[int, Block]]:
    """`_skipped` over the visible lines between the first and the last line that trafilatura
    kept (lines of 3+ words found once on the page, as anchors)."""
    texts = _normalised(extracted)
    everything = " ".join(texts)
    lines = _normalised(visible)
    counts = Counter(lines)
    anchors = [
        number
        for number, line in enumerate(lines)
        if counts[line] == 1 and len(words(line)) >= REGION_ANCHOR_MIN_WORDS and line in everything
    ]
    if not anchors:
        return []
    first, last = anchors[0], anchors[-1] + 1
    region = Document(visible.blocks[first:last], visible.meta, origin="text")
    return _skipped(region, lines[first:last], texts, kinds)


def _skipped(
    lines: Document,
    normalised: list[str],
    texts: list[str],
    kinds: frozenset[BlockKind] = RECOVERED_KINDS,
) -> list[tuple[int, Block]]:
    """The lines (of `kinds`) that trafilatura did not keep and the text-dump cleaners
    do, each with the number of extracted blocks that come before it. `normalised` are the
    lines and `texts` the extracted blocks, normalised."""
    everything = " ".join(texts)
    skipped: list[tuple[int, Block]] = []
    reached = 0  # extracted blocks that the lines so far belong to
    for block, line in zip(lines.blocks, normalised, strict=True):
        if line not in everything:
            if block.kind in kinds:
                skipped.append((reached, block))
            continue
        reached = _reached(line, texts, reached)
    if not skipped:
        return skipped
    kept = {block.index for block in clean(lines, RECOVERY_CLEANERS).kept}
    return [(at, block) for at, block in skipped if block.index in kept]


def _normalised(doc: Document) -> list[str]:
    return [normalise(block.text) for block in doc.blocks]


def _with_lines(extracted: Document, lines: list[tuple[int, Block]]) -> Document:
    """The extracted blocks with each line put after the extracted blocks that precede it."""
    blocks: list[Block] = []
    pending = iter(lines)
    line = next(pending, None)
    for number, block in enumerate((*extracted.blocks, None)):
        while line is not None and line[0] <= number:
            blocks.append(line[1])
            line = next(pending, None)
        if block is not None:
            blocks.append(block)
    renumbered = tuple(replace(block, index=i) for i, block in enumerate(blocks))
    return replace(extracted, blocks=renumbered)


def _visible_reading(visible: Document) -> Cleaned:
    return replace(clean(visible, TEXT_CLEANERS), extractor="visible_text")


def _words(blocks: tuple[Block, ...]) -> int:
    return sum(count_words(block.text) for block in blocks)


def extraction_missed_content(extracted: Cleaned, visible: Cleaned) -> bool:
    """Whether the extraction has under `EXTRACTED_MIN_SHARE` of the words of the visible
    reading that stand outside asides and comments: the words the page's own markup puts
    beside its content are never content the extractor missed (a photo post under a sidebar
    of ads kept them all, having no prose of its own)."""
    content = tuple(block for block in visible.kept if block.kind not in BESIDE_CONTENT)
    return count_words(extracted.text) < EXTRACTED_MIN_SHARE * _words(content)


def _dropped_by_extraction(
    visible: Document, extracted: Document, kept: tuple[Block, ...]
) -> tuple[Removal, ...]:
    """Visible lines that appear nowhere in trafilatura's output (compared normalised), or
    more often on the page than in the output (a repeat extraction kept once), each placed
    after the last kept paragraph that an earlier visible line belongs to."""
    everything = normalise(" ".join(block.text for block in extracted.blocks))
    paragraphs = [normalise(block.text) for block in kept]
    dropped: list[Removal] = []
    shown: Counter[str] = Counter()
    seen = 0  # kept paragraphs that visible lines so far have reached
    for block in visible.blocks:
        line = normalise(block.text)
        shown[line] += 1
        repeat_dropped = shown[line] > 1 and line and shown[line] > everything.count(line)
        if line not in everything or repeat_dropped:
            dropped.append(_dropped(block, at=seen))
            continue
        seen = _reached(line, paragraphs, seen)
    return tuple(dropped)


def _dropped(block: Block, *, at: int) -> Removal:
    """Why extraction left out a visible line: a comment section or post, or a related box,
    is named as such."""
    if block.kind in COMMENT_KINDS:
        return Removal(block, "comments", COMMENT_KINDS[block.kind], at=at)
    if block.kind == "related":
        return Removal(block, "related", "related_list", at=at)
    return Removal(block, "extractor", "outside_main_content", at=at)


def _reached(line: str, paragraphs: list[str], reached: int) -> int:
    """How many of the paragraphs a page's lines have reached once this line is placed: the
    first paragraph holding it, from the last one reached on (lines go in page order)."""
    for number in range(max(reached - 1, 0), len(paragraphs)):
        if line and line in paragraphs[number]:
            return number + 1
    return reached
