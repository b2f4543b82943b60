"""Comment threads in a page's text, known from what a thread looks like line by line.

A text dump has no markup to say where the comments are, but a thread has a shape of its own:
post after post, each with a short header line that says who and when ("Anna says:", "Posted
by: Nick at November 7, 2012 7:39 AM", "October 24, 2012 at 3:11 am") and often an action line
("Reply", "ReplyDelete", "Report abuse"), under a heading that counts the posts ("49
comments:", "Leave a Reply"). One such line is anything (a byline, a quote's "he said:"), and
dated lines repeat in diaries, timelines and forums too; headers repeating under a comment
heading are a thread.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from statistics import median
from typing import Literal

from cleaners.document import Document
from cleaners.patterns import (
    COMMENT_HEADINGS,
    COMMENT_VERB,
    DATE_IN_LINE,
    HEADER_FRAME_WORDS,
    LINE_CACHE_SIZE,
    MONTH_NAMES,
    POST_ACTIONS,
    POST_REPLY_ACTIONS,
    RELATIVE_AGE,
    THREAD_HEADING_PATTERNS,
    TIME_OF_DAY,
    alternation,
    normalise,
    words,
)
from cleaners.signals import is_prose, word_count

HeaderKind = Literal["verb", "action", "timed", "dated"]

HEADER_MAX_WORDS = 16
"""A post's header names its author and its time, sometimes its number and a "Reply" link:
"Posted by Harriet May on November 5, 2012 at 8:37 am | permalink | Reply" has 14 words."""
POST_MAX_LINES = 20
"""A thread's headers are at most this many lines apart, and the first at most this many below
its heading: a post of that many paragraphs is rare. Some threads give the header after the
post ("Posted by: Nick at ..."), some have a "Leave a Reply" form between the heading and the
first post."""
SENTENCE_MIN_WORDS = 8
"""A line of this many words that ends like a sentence is one, dated or not: headers end in a
name, a time, a colon or an ellipsis."""
FIRST_HEADER_MAX_WORDS = 120
"""Between a thread's heading and its first header stand at most this many words (a post
whose header follows it, a comment form's labels): a "Comments" link by an article's byline
stands over the whole article before any dated line."""
LONG_POST_MAX_LINES = 100
TEMPLATE_MIN_REPEATS = 2
"""Past `POST_MAX_LINES` without a header a thread goes on only to a header of a template it
has shown `TEMPLATE_MIN_REPEATS` times (`header_template`), at most this many lines on: a long
post, or a reader quoting a poem, between two posts of the same thread."""
THREAD_MIN_HEADERS = 2
"""Under a heading, two headers make a thread: one post's name line and its date, or two
posts' "says:" lines."""


@lru_cache(maxsize=LINE_CACHE_SIZE)
def post_header(text: str) -> HeaderKind | None:
    """What makes the line a post's header, if anything: a commenter's verb ("says:"), an
    action line ("Reply"), a date with a clock time or an age ("3 days ago"), or a date."""
    size = word_count(text)
    if size > HEADER_MAX_WORDS or (size >= SENTENCE_MIN_WORDS and _ends_a_sentence(text)):
        return None
    key = normalise(text)
    tokens = words(key)
    if tokens and all(t in POST_ACTIONS or t.isdigit() for t in tokens):
        if any(t in POST_REPLY_ACTIONS for t in tokens):
            return "action"
        if not all(t.isdigit() for t in tokens):
            return None  # "Like 3", "Report": an action, but no reply to a post
    if COMMENT_VERB.search(key):
        return "verb"
    dated = DATE_IN_LINE.search(key) is not None
    if RELATIVE_AGE.search(key) or (dated and TIME_OF_DAY.search(key)):
        return "timed"
    return "dated" if dated else None


_TOKEN = re.compile(r"\w+|[^\w\s]")


@lru_cache(maxsize=LINE_CACHE_SIZE)
def header_template(text: str) -> str:
    """The frame of a header line: numbers and month names folded to a class each, runs of
    other words (a name) to one "w", actions, commenter's verbs, `HEADER_FRAME_WORDS` and
    punctuation kept. The headers of one thread share it: "Matt Jaycox | November 9, 2012
    12:13 AM | Reply" and "Ulysses S | November 9, 2012 9:14 AM | Reply" are both
    "w | M 0 , 0 0 : 0 am | reply"."""
    frame: list[str] = []
    for token in _TOKEN.findall(normalise(text)):
        if token.isdigit():
            part = "0"
        elif token in MONTH_NAMES:
            part = "M"
        elif token in POST_ACTIONS or token in HEADER_FRAME_WORDS or COMMENT_VERB.fullmatch(token):
            part = token
        elif token[0].isalnum() or token[0] == "_":
            part = "w"
            if frame and frame[-1] == "w":
                continue
        else:
            part = token
        frame.append(part)
    return " ".join(frame)


def _ends_a_sentence(text: str) -> bool:
    end = text.rstrip()
    return end.endswith((".", "!", "?")) and not end.endswith(("...", "…"))


@lru_cache(maxsize=LINE_CACHE_SIZE)
def is_thread_heading(text: str) -> bool:
    """A short line that counts or names the comments below it: "49 comments:", "13
    Responses to "..."", "Comments (87)"."""
    if word_count(text) > HEADER_MAX_WORDS:
        return False
    key = normalise(text)
    return key in COMMENT_HEADINGS or _THREAD_HEADING.fullmatch(key) is not None


_THREAD_HEADING = alternation(THREAD_HEADING_PATTERNS)


@dataclass(frozen=True, slots=True)
class Thread:
    """Positions (in the document's blocks) of a thread: `start` is its heading or first
    header, `end` one past its last post."""

    start: int
    end: int
    headers: int


def comment_threads(doc: Document) -> list[Thread]:
    """The comment threads of a page, in page order: under a thread heading ("49 comments",
    "Leave a Reply"), a run of post headers, each at most `POST_MAX_LINES` below the one
    before (the first below the heading, and at most `FIRST_HEADER_MAX_WORDS` words) or a
    header like the thread's own after a long post (`LONG_POST_MAX_LINES`), at least
    `THREAD_MIN_HEADERS` of them.

    The heading is what tells a thread from an article's dated sections (a diary, a live
    blog, a timeline) and a forum's posts, which repeat headers just as well: measured on
    dragnet-dev's text dumps, runs of headers under no heading held mostly main text. A
    thread runs from its heading to the end of its last post, taken to be no longer than the
    run's median distance between headers, and cut short by the next heading.
    """
    texts = [block.text for block in doc.blocks]
    headings = [position for position, text in enumerate(texts) if is_thread_heading(text)]
    threads = []
    for number, heading in enumerate(headings):
        following = headings[number + 1] if number + 1 < len(headings) else len(texts)
        headers: list[int] = []
        templates: Counter[str] = Counter()
        words_before_first = 0
        position = heading + 1
        while position < following:
            if position - (headers[-1] if headers else heading) > POST_MAX_LINES:
                resumed = _next_header_like(texts, templates, position, following)
                if resumed is None:
                    break
                position = resumed
            if post_header(texts[position]) is not None:
                headers.append(position)
                templates[header_template(texts[position])] += 1
            elif not headers:
                words_before_first += word_count(texts[position])
                if words_before_first > FIRST_HEADER_MAX_WORDS:
                    break
            position += 1
        if len(headers) < THREAD_MIN_HEADERS:
            continue
        last = headers[-1]
        post_lines = round(median(b - a for a, b in pairwise(headers)))
        threads.append(Thread(heading, min(last + post_lines, following), len(headers)))
    return threads


def _next_header_like(
    texts: list[str], templates: Counter[str], start: int, following: int
) -> int | None:
    """The next header, at most `LONG_POST_MAX_LINES` after `start`, of a template the thread
    has shown `TEMPLATE_MIN_REPEATS` times."""
    for position in range(start, min(start + LONG_POST_MAX_LINES, following)):
        text = texts[position]
        if post_header(text) and templates[header_template(text)] >= TEMPLATE_MIN_REPEATS:
            return position
    return None


def with_threads_marked(doc: Document) -> Document:
    """The document with the lines of its comment threads made kind "post".

    Decided once, on the whole page, before any cleaner removes a line (a thread's first
    header may well go as a date line): a thread is the page's comments when prose of the
    page's own stands above it, an article above its comments. A page whose prose starts
    inside its thread is a forum or Q&A page, and its posts are its content. Lines already
    known to be comments from the page's structure stay "comment"."""
    blocks = list(doc.blocks)
    for thread in comment_threads(doc):
        if any(is_prose(block.text) for block in blocks[: thread.start] if block.kind != "comment"):
            for position in range(thread.start, thread.end):
                if blocks[position].kind != "comment":
                    blocks[position] = replace(blocks[position], kind="post")
    return replace(doc, blocks=tuple(blocks))
