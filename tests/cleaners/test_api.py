import pytest
import trafilatura
from cleaner_samples import BUS_PARAGRAPHS, FRENCH, GERMAN

from cleaners.api import clean_html, clean_text, extraction_missed_content, prose_share
from cleaners.document import Block, BlockKind, Cleaned, Meta
from cleaners.html import html_page

ARTICLE_TEXT = "\n\n".join(BUS_PARAGRAPHS)

DUMP = "\n".join(
    [
        "Skip to content",
        "Menu",
        "Local",
        "Transport",
        "Council expands bus network",
        "By Jane Doe",
        "Published: March 3, 2024",
        "Share on Facebook",
        BUS_PARAGRAPHS[0],
        BUS_PARAGRAPHS[1],
        "Read more: Tram line delayed again",
        BUS_PARAGRAPHS[2],
        BUS_PARAGRAPHS[3],
        "12 comments",
        "Tram fan: Great news for the north!",
        "Leave a Reply",
        "Back to top",
    ]
)

HTML_HEAD = """<head><title>Council expands bus network | Example Times</title>
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-03">
<meta property="og:site_name" content="Example Times"></head>"""

ARTICLE_HTML = (
    f'<!DOCTYPE html><html lang="en">{HTML_HEAD}<body>'
    '<nav><a href="/">Home</a> <a href="/local">Local</a></nav>'
    "<article><h1>Council expands bus network</h1>"
    + "".join(f"<p>{p}</p>" for p in BUS_PARAGRAPHS)
    + "<h2>Related articles</h2><ul><li>Tram line delayed again after a signal failure</li>"
    "<li>New cycle lanes open along the river</li></ul>"
    '<div id="respond"><h3>Leave a Reply</h3>'
    "<p>Your email address will not be published. Required fields are marked.</p></div>"
    "</article><footer>Example Times, 1 Example Street</footer></body></html>"
)

FALLBACK_HTML = (
    '<html lang="fr"><head><title>Titre secret de la page</title>'
    "<script>var tracking = 1;</script></head><body>"
    '<div class="comments"><div>Skip to content</div><div>Share this article</div>'
    "<div>Note visible numéro un</div><div>Note visible numéro deux</div></div>"
    "</body></html>"
)


def reasons(cleaned: Cleaned) -> dict[str, str]:
    return {r.block.text: r.reason for r in cleaned.removed}


def test_clean_text_end_to_end():
    cleaned = clean_text(DUMP, url="https://example.com/bus")

    assert cleaned.text == ARTICLE_TEXT
    meta = cleaned.meta
    assert (meta.url, meta.title, meta.author, meta.published, meta.language) == (
        "https://example.com/bus",
        "Council expands bus network",
        "Jane Doe",
        "March 3, 2024",
        "en",
    )
    got = reasons(cleaned)
    assert got["Read more: Tram line delayed again"] == "read_more_teaser"
    assert got["12 comments"] in {"tail_marker", "engagement_counter"}
    assert got["Leave a Reply"] == "after_tail_marker"
    assert got["By Jane Doe"] == "byline"


def test_clean_html_uses_trafilatura_content_and_metadata():
    cleaned = clean_html(ARTICLE_HTML, url="https://example.com/bus")

    # the headline stays at the top of the text, as on the page (the title is also `title`)
    assert cleaned.text == "Council expands bus network\n\n" + ARTICLE_TEXT
    meta = cleaned.meta
    assert meta.url == "https://example.com/bus"
    assert meta.title == "Council expands bus network"
    assert meta.author == "Jane Doe"
    assert meta.published == "2024-03-03"
    assert meta.site == "Example Times"
    assert meta.language == "en"


def test_clean_html_drops_related_list_and_reply_form_in_the_article():
    cleaned = clean_html(ARTICLE_HTML)

    got = reasons(cleaned)
    assert "Council expands bus network" not in got
    assert got["Related articles"] == "tail_marker"
    assert got["Tram line delayed again after a signal failure"] == "after_tail_marker"
    assert got["Leave a Reply"] == "after_tail_marker"
    for gone in ("Related", "cycle lanes", "Leave a Reply", "email address", "Example Street"):
        assert gone not in cleaned.text


def test_clean_html_falls_back_to_visible_text_and_text_cleaners():
    """A page that is nothing but its comment section is a thread: its posts are its text."""
    cleaned = clean_html(FALLBACK_HTML)

    assert cleaned.text == "Note visible numéro un\n\nNote visible numéro deux"
    assert reasons(cleaned) == {
        "Skip to content": "navigation_line",
        "Share this article": "share_or_account_prompt",
    }
    assert "Titre secret" not in cleaned.text
    assert "tracking" not in cleaned.text
    assert cleaned.meta.language == "fr"


@pytest.mark.parametrize(
    ("text", "language"), [(ARTICLE_TEXT, "en"), (GERMAN, "de"), (FRENCH, "fr")]
)
def test_clean_text_guesses_the_language(text, language):
    assert clean_text(text).meta.language == language


def test_clean_html_takes_the_language_of_the_text_over_a_wrong_html_lang():
    html = ARTICLE_HTML.replace('<html lang="en">', '<html lang="de-AT">')

    assert clean_html(html).meta.language == "en"


def test_clean_html_guesses_the_language_without_html_lang():
    body = "".join(f"<p>{sentence}.</p>" for sentence in GERMAN.split(". "))
    html = f"<html><head><title>Busnetz</title></head><body><article>{body}</article></body></html>"

    assert clean_html(html).meta.language == "de"


def test_custom_cleaner_set_is_used():
    cleaned = clean_text(DUMP, cleaners=())

    assert cleaned.removed == ()
    assert cleaned.text == "\n\n".join(DUMP.split("\n"))


def test_clean_html_audit_lists_what_extraction_dropped():
    cleaned = clean_html(ARTICLE_HTML)

    assert cleaned.extractor == "trafilatura"
    dropped = {r.block.text for r in cleaned.removed if r.cleaner == "extractor"}
    assert dropped == {"Home Local", "Example Times, 1 Example Street"}
    assert {r.reason for r in cleaned.removed if r.cleaner == "extractor"} == {
        "outside_main_content"
    }


def test_every_visible_line_is_kept_or_explained():
    cleaned = clean_html(ARTICLE_HTML)
    explained = {r.block.text for r in cleaned.removed}

    for block in html_page(ARTICLE_HTML).visible.blocks:
        assert block.text in cleaned.text or block.text in explained, block.text


def test_a_repeat_that_extraction_kept_once_is_explained():
    paragraph = BUS_PARAGRAPHS[0]
    page = f"<html><body><article><p>{paragraph}</p><p>{paragraph}</p></article></body></html>"

    cleaned = clean_html(page)

    assert cleaned.text.count(paragraph) == 1
    assert [(r.block.text, r.cleaner, r.reason) for r in cleaned.removed] == [
        (paragraph, "extractor", "outside_main_content")
    ]


BIKES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]
LISTING_HTML = (
    "<html><head><title>City bikes | Example Cycles</title></head><body>"
    '<nav><a href="/">Home</a> <a href="/bikes">Bikes</a> <a href="/contact">Contact</a></nav>'
    "<main><h1>City bikes</h1>"
    "<p>Six city bikes for every commute, from light frames to sturdy cargo models.</p>"
    + "".join(
        f'<div class="card"><a href="/bikes/{i}"><h3>City bike model {name}</h3></a>'
        f'<p><a href="/bikes/{i}">Seven gears, {name} frame, {400 + 50 * i} euros</a></p></div>'
        for i, name in enumerate(BIKES)
    )
    + "<p>All prices include delivery to your door within five working days.</p></main>"
    "<footer>Example Cycles, 1 Example Street</footer></body></html>"
)


def test_a_listing_gets_back_the_items_extraction_skipped_inside_its_region():
    names = [f"City bike model {name}" for name in BIKES]
    skipped = [name for name in names if name not in bare(LISTING_HTML)]
    assert skipped, "trafilatura keeps every item: the page no longer tests the recovery"

    cleaned = clean_html(LISTING_HTML)

    assert cleaned.extractor == "trafilatura+region"
    paragraphs = cleaned.text.split("\n\n")
    for number, name in enumerate(BIKES):  # each name back above its own details
        assert paragraphs[1 + 2 * number : 3 + 2 * number] == [
            f"City bike model {name}",
            f"Seven gears, {name} frame, {400 + 50 * number} euros",
        ]
    assert cleaned.text.endswith("within five working days.")
    assert {r.block.text for r in cleaned.removed} == {
        "Home Bikes Contact",
        "Example Cycles, 1 Example Street",
    }


@pytest.mark.parametrize(
    ("section", "reason"),
    [
        ('<div class="comments"><ul><li>{}</li><li>{}</li></ul></div>', "comment_section"),
        ("<aside><p>{}</p><p>{}</p></aside>", "outside_main_content"),
    ],
)
def test_region_recovery_leaves_out_what_extraction_removes_on_purpose(section, reason):
    """Comment sections and asides inside the region stay out: trafilatura removed them as a
    whole, not for want of text."""
    lines = ("Great choice, I ride model Alder every day", "Are the prices the same in the shop")
    listing = LISTING_HTML.replace("<p>All prices", section.format(*lines) + "<p>All prices")

    cleaned = clean_html(listing)

    assert cleaned.extractor == "trafilatura+region"
    assert "City bike model" in cleaned.text
    assert not any(line in cleaned.text for line in lines)
    assert {reasons(cleaned)[line] for line in lines} == {reason}


POSTS = [
    (
        "ana",
        "My bike chain keeps slipping on the two largest rear cogs ever since I replaced the "
        "worn cassette last week, and it happens on every ride, uphill and on the flat.",
        "The shop that fitted the cassette says the chain is new as well and fits it. Has "
        "anyone here seen this before, and did you ever find out what caused it?",
    ),
    (
        "ben",
        "Check the cable tension first. A new gear cable stretches during its first few rides, "
        "so the derailleur no longer lines up with the cogs it shifted onto cleanly at the start.",
        "A quarter turn on the barrel adjuster, anticlockwise and one step at a time, usually "
        "settles the shifting on the two largest cogs again within a single ride.",
    ),
    (
        "cleo",
        "If the tension does not help, look at the derailleur hanger next. Even a small bend "
        "after a fall or a knock in a bike rack makes the chain climb off the big cogs.",
        "Most shops can straighten a bent hanger with an alignment tool in a few minutes, and "
        "it costs far less than the new derailleur that a badly bent hanger ends up needing.",
    ),
    (
        "dan",
        "Thanks to both of you. It was the hanger after all: the bike fell over in the rack at "
        "the station last month, and I never thought that could bend anything.",
        "After the shop straightened it this morning, the chain runs quietly on every cog of "
        "the new cassette, and the shifting feels better than it did before the fall.",
    ),
]


def thread_html(posts) -> str:
    return (
        "<html><head><title>Chain slipping - Cycling forum</title></head><body>"
        '<nav><a href="/">Forum</a> <a href="/c/repairs">Repairs</a></nav>'
        '<main><h1>Chain slipping on new cassette</h1><div class="thread">'
        + "".join(
            f'<article class="post"><div class="author">{user}</div>'
            f'<div class="body"><p>{first}</p><p>{second}</p></div></article>'
            for user, first, second in posts
        )
        + "</div></main><footer>Cycling forum, run by volunteers</footer></body></html>"
    )


def test_a_thread_gets_back_the_posts_extraction_left_out():
    page = thread_html(POSTS)
    assert POSTS[1][1] not in bare(page), "trafilatura keeps every post: nothing to recover"

    cleaned = clean_html(page)

    assert cleaned.extractor == "trafilatura+items"
    paragraphs = cleaned.text.split("\n\n")
    in_order = [text for _, first, second in POSTS for text in (first, second)]
    assert [p for p in paragraphs if p in in_order] == in_order
    assert "Forum Repairs" not in cleaned.text
    assert "run by volunteers" not in cleaned.text


def test_two_posts_are_not_a_run_of_items():
    page = thread_html(POSTS[:2])
    assert POSTS[1][1] not in bare(page), "trafilatura keeps both posts: nothing to test"

    cleaned = clean_html(page)

    assert cleaned.extractor == "trafilatura"
    assert POSTS[1][1] not in cleaned.text


def article_with_facts(facts: str) -> str:
    """A prose article with a list that trafilatura drops (its class is "meta")."""
    return (
        '<html><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<article><h1>Council expands bus network</h1><p>{BUS_PARAGRAPHS[0]}</p>"
        f'<ul class="meta">{facts}</ul><p>{BUS_PARAGRAPHS[1]}</p></article>'
        "<footer>Footer imprint and contact details</footer></body></html>"
    )


def test_a_prose_page_gets_back_the_list_items_extraction_dropped_in_place():
    page = article_with_facts(
        "<li><strong>Length:</strong> 14 km</li><li><strong>Stops:</strong> 22</li>"
        "<li><strong>First bus:</strong> 5:40</li>"
    )
    assert "Stops: 22" not in bare(page), "trafilatura keeps the list: nothing to recover"

    cleaned = clean_html(page)

    assert cleaned.extractor == "trafilatura+region"
    paragraphs = cleaned.text.split("\n\n")
    first = paragraphs.index(BUS_PARAGRAPHS[0])
    assert paragraphs[first + 1 : first + 5] == [
        "Length: 14 km",
        "Stops: 22",
        "First bus: 5:40",
        BUS_PARAGRAPHS[1],
    ]


def test_a_prose_page_does_not_get_back_linked_list_items():
    page = article_with_facts(
        '<li><a href="/fares">Bus fares rise in spring</a></li>'
        '<li><a href="/tram">Tram line opens in May</a></li>'
    )
    assert "Bus fares rise" not in bare(page), "trafilatura keeps the list: nothing to test"

    cleaned = clean_html(page)

    assert cleaned.extractor == "trafilatura"
    assert "Bus fares rise in spring" not in cleaned.text
    assert "Tram line opens in May" not in cleaned.text


def test_prose_keeps_trafilaturas_reading():
    assert clean_html(ARTICLE_HTML).extractor == "trafilatura"


@pytest.mark.parametrize(
    ("paragraphs", "share"),
    [
        ((BUS_PARAGRAPHS[0], "City bike model Alpha"), 31 / 35),
        (("City bike model Alpha", "Seven gears"), 0.0),
        ((), 1.0),
    ],
)
def test_prose_share_counts_the_words_in_long_sentence_like_paragraphs(paragraphs, share):
    blocks = tuple(Block(i, text) for i, text in enumerate(paragraphs))
    assert prose_share(blocks) == pytest.approx(share)


def bare(html: str) -> str:
    return trafilatura.extract(html, include_comments=False) or ""


def test_fallback_page_reports_the_visible_text_extractor():
    assert clean_html(FALLBACK_HTML).extractor == "visible_text"
    assert clean_text(DUMP).extractor == "text_dump"


def _cleaned(text: str, kind: BlockKind = "line") -> Cleaned:
    return Cleaned(text=text, meta=Meta(), kept=(Block(0, text, kind),), removed=())


@pytest.mark.parametrize(
    ("extracted_words", "visible_words", "missed"),
    [(5, 200, True), (19, 200, True), (20, 200, False), (150, 200, False), (0, 0, False)],
)
def test_extraction_counts_as_missed_when_far_shorter_than_the_visible_text(
    extracted_words, visible_words, missed
):
    extracted = _cleaned(" ".join(["word"] * extracted_words))
    visible = _cleaned(" ".join(["word"] * visible_words))

    assert extraction_missed_content(extracted, visible) is missed


@pytest.mark.parametrize("kind", ["aside", "comment", "post"])
def test_words_beside_the_content_are_no_content_the_extractor_missed(kind):
    """A sidebar, a comment section or a thread of 200 words beside a 5-word extraction."""
    extracted = _cleaned(" ".join(["word"] * 5))
    visible = _cleaned(" ".join(["word"] * 200), kind)

    assert extraction_missed_content(extracted, visible) is False


SIDEBAR_TOPICS = "harbour bridge council museum river tram school garden market station".split()


def test_a_short_article_beside_a_long_link_list_keeps_trafilaturas_reading():
    """Two paragraphs beside 150 linked headlines: trafilatura read the article, and the
    visible text, ten times longer, is the page around it. An extraction that reads as prose
    found the content, however short."""
    story = "".join(f"<p>{p}</p>" for p in BUS_PARAGRAPHS[:2])
    headlines = "".join(
        f'<li><a href="/p{n}">The {SIDEBAR_TOPICS[n % 10]} story number {n} in the '
        f"{SIDEBAR_TOPICS[n * 3 % 10]} weekly</a></li>"
        for n in range(150)
    )
    html = (
        f"<html><body><div id='main'><article><h1>Bus network to grow</h1>{story}</article>"
        f"</div><div id='sidebar'><h3>My writing elsewhere</h3><ul>{headlines}</ul></div>"
        "</body></html>"
    )

    cleaned = clean_html(html)

    assert cleaned.extractor == "trafilatura"
    assert cleaned.text == "\n\n".join(("Bus network to grow", *BUS_PARAGRAPHS[:2]))
    assert reasons(cleaned)["The harbour story number 0 in the harbour weekly"] == (
        "outside_main_content"
    )


def test_removals_know_where_they_stood_among_the_kept_paragraphs():
    cleaned = clean_html(ARTICLE_HTML)
    places = [(r.cleaner, r.at) for r in cleaned.removed]
    assert all(at is not None for _, at in places)
    assert [at for _, at in places] == sorted(at for _, at in places)  # page order
    paragraphs = len(cleaned.text.split("\n\n"))
    assert all(0 <= at <= paragraphs for _, at in places)


STORY = (
    "The harbour office said on Monday that the new breakwater held through three storms.",
    "Fishing boats returned to the inner basin in October, a month earlier than last year.",
)
THREAD = tuple(
    f"Comment {n}: I have fished from that pier for years and the water was never this calm"
    f" in a November gale, so the engineers deserve some credit for number {n}."
    for n in range(40)
)


def test_a_long_comment_thread_is_not_content_the_extractor_missed():
    """Forty comments under a two-paragraph story outweigh it tenfold: the visible text would
    win the fallback test if its thread counted. The comment section is no reading."""
    story = "".join(f"<p>{paragraph}</p>" for paragraph in STORY)
    thread = "".join(f'<div class="comment-body"><p>{line}</p></div>' for line in THREAD)
    html = (
        "<html><body><article><h1>Breakwater holds</h1>"
        f'{story}</article><div id="comments"><h3>40 comments</h3>{thread}</div></body></html>'
    )

    cleaned = clean_html(html)

    assert cleaned.extractor != "visible_text"
    assert all(paragraph in cleaned.text for paragraph in STORY)
    assert not any(line in cleaned.text for line in THREAD)
    assert {reasons(cleaned)[line] for line in THREAD} == {"comment_section"}


def test_a_box_of_related_stories_is_no_content_the_extractor_missed():
    """A two-paragraph story beside a box of forty teasers: trafilatura's reading takes the box
    in (it outweighs the story), but the box is no reading of the page, and its lines are
    related links in the audit."""
    story = "".join(f"<p>{paragraph}</p>" for paragraph in STORY)
    teasers = tuple(f"Teaser {n}: {line}" for n, line in enumerate(THREAD))
    box = "".join(f'<li><p><a href="/{n}">{line}</a></p></li>' for n, line in enumerate(teasers))
    html = (
        "<html><body><article><h1>Breakwater holds</h1>"
        f'{story}</article><div class="related-stories"><ul>{box}</ul></div></body></html>'
    )

    cleaned = clean_html(html)

    assert cleaned.extractor != "visible_text"
    assert all(paragraph in cleaned.text for paragraph in STORY)
    assert not any(line in cleaned.text for line in teasers)
    assert {reasons(cleaned)[line] for line in teasers} == {"related_list"}
