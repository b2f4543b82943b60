import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc, inquiry_paragraph

from cleaners.api import clean_text
from cleaners.html import html_page
from cleaners.threads import comment_threads, is_thread_heading, post_header

ARTICLE = (*BUS_PARAGRAPHS, inquiry_paragraph(19))
"""150 words of prose: more than stand between a thread's heading and its first header."""


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Anna says:", "verb"),
        ("Paul Titov said...", "verb"),
        ("On October 12, 2012 at 10:52 am Qaoileann said:", "verb"),
        ("Mgwala Says: August 9th, 2012 at 6:03 pm", "verb"),
        ("Karin schreibt:", "verb"),
        ("Posted by: Nick at November 7, 2012 7:39 AM", "timed"),
        ("Matt Jaycox | November 9, 2012 12:13 AM | Reply", "timed"),
        ("Chris Nahr 07.15.12 at 11:59", "timed"),
        ("Rosa 3 days ago", "timed"),
        ("vor 2 Stunden", "timed"),
        ("1. William Kirk - August 8, 2012", "dated"),
        ("2012-10-29", "dated"),  # a date of numbers alone is no action line of counts
        ("12", None),
        ("Reply", "action"),
        ("ReplyDelete", "action"),
        ("Report abuse", "action"),
        ("Reply to this comment", "action"),
        ("[Reply]", "action"),
        ("Like 0", None),  # a share bar has those too: no reply, no post
        ("Share this article", None),
        ("The council said on November 7, 2012 that the six routes would open next year.", None),
        ("The mayor said", "verb"),  # one such line is nothing: threads need headers repeating
    ],
)
def test_a_post_header_says_who_and_when(line, kind):
    assert post_header(line) == kind


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("49 comments:", True),
        ("13 Responses to “Police replaces spokesman”", True),
        ("8 appreciated comments on “New work”", True),
        ("{ 4 comments… read them below or add one }", True),
        ("Comments (87)", True),
        ("Reader comments 1", True),
        ("Leave a Reply", True),
        ("Kommentare", True),
        ("One Response", True),
        ("Comments are closed after thirty days.", False),
        ("Related articles", False),
        ("The six new routes", False),
    ],
)
def test_a_thread_heading_counts_or_names_the_comments(line, heading):
    assert is_thread_heading(line) is heading


POSTS = (
    (
        "Anna says:",
        "November 9, 2012 at 12:13 am",
        "I take the bus every morning and six new routes would save me a long walk in the rain.",
    ),
    (
        "Ben says:",
        "November 9, 2012 at 1:20 am",
        "Sunday service matters more than new routes to anyone who works shifts at the hospital.",
    ),
    (
        "Carla says:",
        "November 9, 2012 at 2:49 am",
        "Twelve million euros is a lot of money for buses that will run half empty all day.",
    ),
)
THREAD_LINES = tuple(line for post in POSTS for line in (*post, "Reply"))


def _article_with(*thread: str) -> list[str]:
    return ["Bus network to grow", *ARTICLE, *thread, "About us", "Contact"]


def test_a_thread_under_an_article_goes_as_comment_posts():
    cleaned = clean_text("\n".join(_article_with("3 Responses to “Bus network”", *THREAD_LINES)))

    assert all(paragraph in cleaned.text for paragraph in ARTICLE)
    gone = {r.block.text: (r.cleaner, r.reason) for r in cleaned.removed}
    assert gone["3 Responses to “Bus network”"] == ("comments", "comment_post")
    assert {gone[line] for line in THREAD_LINES} == {("comments", "comment_post")}
    assert cleaned.meta.author is None  # a commenter is not the author,
    assert cleaned.meta.published is None  # a post's date not the article's


def test_a_thread_that_outweighs_its_article_still_goes():
    """Nineteen comments of 30 words under a 150-word story: neither the densest region nor
    the tail cut's share of the prose above may take the thread for the article."""
    posts = [
        line
        for n in range(19)
        for line in (
            f"Reader {n} says:",
            f"November {n + 1}, 2012 at 9:15 am",
            inquiry_paragraph(n),
            "Reply",
        )
    ]
    cleaned = clean_text("\n".join(_article_with("19 comments", *posts)))

    assert cleaned.text.endswith("\n\n".join(ARTICLE))


def test_dated_lines_under_no_heading_are_no_thread():
    """A diary, a live blog or a timeline repeats dated lines too: without a heading that
    names comments they stay."""
    entries = [
        line
        for n in range(4)
        for line in (f"November {n + 1}, 2012 at 9:15 am", inquiry_paragraph(n))
    ]
    document = doc("Inquiry diary", *BUS_PARAGRAPHS[:2], *entries)

    assert comment_threads(document) == []
    assert all(
        entry in clean_text("\n".join(document_lines(document))).text for entry in entries[1::2]
    )


def document_lines(document) -> list[str]:
    return [block.text for block in document.blocks]


def test_a_comments_link_by_the_byline_is_no_thread_over_the_article():
    """ "Comments" by an article's byline stands above the whole article: its first dated
    line comes far more words below than a post's header does."""
    lines = [
        "Bus network to grow",
        "Comments",
        *ARTICLE,
        "Posted on November 7, 2012 at 6:16 AM",
        "Filed under: Transport, updated November 7, 2012 at 9:16 AM",
    ]

    assert comment_threads(doc(*lines)) == []
    assert all(p in clean_text("\n".join(lines)).text for p in ARTICLE)


def test_a_page_whose_prose_starts_in_its_thread_keeps_its_posts():
    """A forum or Q&A page: the thread is the page, its first post the question."""
    lines = ["Community forum", "Bus routes", "3 replies", *THREAD_LINES]

    cleaned = clean_text("\n".join(lines))

    assert all(body in cleaned.text for _, _, body in POSTS)
    assert not any(r.cleaner == "comments" for r in cleaned.removed)


def test_a_thread_ends_at_the_next_heading():
    document = doc(*_article_with("3 comments", *THREAD_LINES, "Leave a Reply", "Your name"))

    (thread,) = comment_threads(document)
    texts = document_lines(document)
    assert texts[thread.start] == "3 comments"
    assert texts[thread.end] == "Leave a Reply"
    assert thread.headers == 3 * 3


def test_the_visible_text_of_an_html_page_knows_its_thread_without_comment_markup():
    """No id or class names the thread: its shape does, so the visible-text reading and the
    lines taken back into trafilatura's reading leave it out."""
    story = "".join(f"<p>{p}</p>" for p in BUS_PARAGRAPHS)
    posts = "".join(f"<div><p>{line}</p></div>" for line in THREAD_LINES)
    html = f"<html><body><article>{story}</article><h3>3 Responses</h3>{posts}</body></html>"

    visible = html_page(html).visible

    kinds = {block.text: block.kind for block in visible.blocks}
    assert {kinds[line] for line in THREAD_LINES} == {"post"}
    assert {kinds[p] for p in BUS_PARAGRAPHS} == {"line"}
