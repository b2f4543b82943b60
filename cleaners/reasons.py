"""Every removal's name, by cleaner: what `winnow inspect --reason` accepts and the audit's
`cleaner`/`reason` columns hold. Data, checked against the cleaners by
`tests/cleaners/test_reasons.py`."""

from __future__ import annotations

REMOVAL_REASONS: dict[str, tuple[str, ...]] = {
    "title": ("title_echo",),
    "bylines": ("byline",),
    "source_lines": ("source_line", "publication_line"),
    "date_lines": ("date_line",),
    "captions": ("photo_caption", "photo_credit"),
    "breadcrumbs": ("breadcrumb",),
    "navigation": ("navigation_line", "page_aside"),
    "widgets": (
        "social_share",
        "share_or_account_prompt",
        "reader_appeal",
        "advertising_label",
        "taxonomy_label",
        "cookie_notice",
        "disclaimer",
        "copyright_notice",
        "engagement_counter",
    ),
    "teasers": ("read_more_teaser",),
    "tail": ("tail_marker", "after_tail_marker"),
    "related": ("related_list",),
    "repeats": ("repeated_block",),
    "head": ("head_navigation",),
    "region": ("outside_main_region",),
    "comments": ("comment_section", "comment_post"),
    "extractor": ("outside_main_content",),
}


def is_known_removal(name: str) -> bool:
    """Whether `name` is a cleaner, a reason, or "cleaner/reason" of one of them."""
    cleaner, _, reason = name.partition("/")
    if reason:
        return reason in REMOVAL_REASONS.get(cleaner, ())
    return name in REMOVAL_REASONS or any(name in reasons for reasons in REMOVAL_REASONS.values())
