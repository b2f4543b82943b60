"""Every removal's name, by cleaner, with what it means: what `winnow inspect --reason`
accepts, what the audit's `cleaner`/`reason` columns hold, and the one line the report shows
beside a reason. Data, checked against the cleaners by `tests/cleaners/test_reasons.py`, which
also fails on a reason without an explanation."""

from __future__ import annotations

REMOVAL_REASONS: dict[str, dict[str, str]] = {
    "title": {"title_echo": "The page's title repeated at the top of its text."},
    "bylines": {"byline": 'A line naming the author ("By Jane Doe"), moved to `author`.'},
    "source_lines": {
        "source_line": 'A "Source: ..." attribution line, moved to `site` when short.',
        "publication_line": 'A "Publication: ... Volume: ..." trailer, moved to `site`.',
    },
    "date_lines": {"date_line": "A line that is only a (labelled) date, moved to `published`."},
    "captions": {
        "photo_caption": "The caption of a picture the text no longer has.",
        "photo_credit": 'The credit line of a picture ("Photo: Jan Berg / Reuters").',
    },
    "breadcrumbs": {"breadcrumb": 'A breadcrumb trail such as "Home > News > Title".'},
    "navigation": {
        "navigation_line": 'A navigation line such as "Skip to content", "Menu" or "Back to top".',
        "page_aside": "A line of the page's sidebar, menu or footer (<aside>, <nav>, <footer>).",
    },
    "widgets": {
        "social_share": "A share bar: only the names of social networks.",
        "share_or_account_prompt": "A short prompt to share, follow, subscribe or log in.",
        "reader_appeal": "An appeal to sign up, subscribe or donate.",
        "advertising_label": 'An advertising label ("Advertisement", "Sponsored").',
        "taxonomy_label": 'A category or tag label ("Tags: ...", "Filed under ...").',
        "cookie_notice": "A cookie or consent notice.",
        "disclaimer": "A disclaimer: the views expressed, affiliate links, no advice.",
        "copyright_notice": 'A copyright line ("© 2024 ... All rights reserved").',
        "engagement_counter": "A count of likes, shares, comments or views, or a reading time.",
    },
    "teasers": {
        "read_more_teaser": 'A link to another article inside the text ("Read more: ...").',
    },
    "tail": {
        "tail_marker": "The line where the article ends: a related-articles, comments or"
        " reviews heading.",
        "after_tail_marker": "Everything below the line where the article ends.",
    },
    "related": {
        "related_list": "A box of related or recommended headlines, with its heading.",
    },
    "repeats": {"repeated_block": "A block the page already showed once higher up."},
    "head": {
        "head_navigation": "A short menu or section line above the first paragraph of prose.",
    },
    "region": {
        "outside_main_region": "Outside the stretch of the page densest in prose: menus,"
        " sidebars, footers.",
    },
    "comments": {
        "comment_section": "A line of the page's comment section, known from its markup.",
        "comment_post": "A post of a comment thread below the article, known from its shape.",
    },
    "extractor": {
        "outside_main_content": "A visible line of the page that the HTML extraction left"
        " out of the main content.",
    },
}


def is_known_removal(name: str) -> bool:
    """Whether `name` is a cleaner, a reason, or "cleaner/reason" of one of them."""
    cleaner, _, reason = name.partition("/")
    if reason:
        return reason in REMOVAL_REASONS.get(cleaner, {})
    return name in REMOVAL_REASONS or any(name in reasons for reasons in REMOVAL_REASONS.values())


def removal_explanation(reason: str) -> str | None:
    """What a removal reason means, or None for a name no cleaner gives (a part written by
    another version). A reason names one cleaner's removals, so the reason alone finds it."""
    return next(
        (reasons[reason] for reasons in REMOVAL_REASONS.values() if reason in reasons), None
    )
