import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc, reason_by_text

from cleaners.rules.widgets import Widgets


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Share this article", "share_or_account_prompt"),
        ("Share on Facebook", "share_or_account_prompt"),
        ("Follow us on Instagram", "share_or_account_prompt"),
        ("Sign in", "share_or_account_prompt"),
        ("Subscribe now", "share_or_account_prompt"),
        ("Already a subscriber? Log in", "share_or_account_prompt"),
        ("Artikel teilen", "share_or_account_prompt"),
        ("Partager", "share_or_account_prompt"),
        ("Facebook Twitter Email", "social_share"),
        ("Facebook | X | WhatsApp | E-mail", "social_share"),
        ("Print", "social_share"),
        ("1.2k shares", "engagement_counter"),
        ("4 min read", "engagement_counter"),
        ("We use cookies to improve your experience. Accept all cookies", "cookie_notice"),
        ("Wir verwenden Cookies, um unsere Website zu verbessern.", "cookie_notice"),
        ("© 2024 Example Media. All rights reserved.", "copyright_notice"),
        ("Copyright Example Media 2024", "copyright_notice"),
        ("Alle Rechte vorbehalten.", "copyright_notice"),
        (
            "The views expressed in this article are the author's own and do not necessarily "
            "reflect those of Example Times.",
            "disclaimer",
        ),
        ("This post contains affiliate links, and we may earn a commission.", "disclaimer"),
    ],
)
def test_widget_lines_go_with_their_reason(line, reason):
    removals = Widgets().judge(doc(BUS_PARAGRAPHS[0], line, BUS_PARAGRAPHS[1]))

    assert reason_by_text(removals) == {line: reason}
    assert removals[0].cleaner == "widgets"
    assert removals[0].moves_to is None


@pytest.mark.parametrize(
    "line",
    [
        "She decided to share the prize money with her brother, who had helped her for years.",
        "Share prices fell by three percent on Friday after the company warned on profits.",
        "Readers can follow the council's debates on the local radio station every Tuesday.",
        "The bakery on the corner sells cookies and bread to commuters from six in the morning.",
        "Facebook said on Monday that it would appeal against the fine imposed by the regulator.",
        *BUS_PARAGRAPHS,
    ],
)
def test_prose_mentioning_widget_words_stays(line):
    assert Widgets().judge(doc(line)) == []


@pytest.mark.parametrize(
    "sentence",
    ["Voters must register by Friday.", "She will sign up for the marathon next year."],
)
def test_short_prose_sentence_with_an_account_word_stays(sentence):
    assert Widgets().judge(doc(BUS_PARAGRAPHS[0], sentence, BUS_PARAGRAPHS[1])) == []


def test_share_bar_with_copy_link_goes():
    line = "Facebook | X | WhatsApp | Copy link"
    assert reason_by_text(Widgets().judge(doc(line))) == {line: "social_share"}


def test_word_limit_is_configurable():
    line = "Share this article with your friends on Facebook"

    assert Widgets().judge(doc(line)) != []
    assert Widgets(max_words=5).judge(doc(line)) == []


def test_widgets_rejects_invalid_settings():
    with pytest.raises(ValueError):
        Widgets(max_words=0)
