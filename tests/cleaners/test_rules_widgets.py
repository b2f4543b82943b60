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
        (
            "We recommend products independently. We may receive compensation if you buy "
            "through our links.",
            "disclaimer",
        ),
        ("Bei den Verlinkungen handelt es sich um Affiliate Links.", "disclaimer"),
        ("*Werbung. Dieser Beitrag enthält Werbung für eine Kosmetikmarke.", "disclaimer"),
        ("Anzeige", "advertising_label"),
        ("ANZEIGE - Heute mal ausgehen? Wie wäre es mit:", "advertising_label"),
        ("Advertisement", "advertising_label"),
        ("Reklama", "advertising_label"),
        ("Kategorie: News", "taxonomy_label"),
        ("Categories", "taxonomy_label"),
        ("Temas", "taxonomy_label"),
        ("Tags: buses, trams", "taxonomy_label"),
        ("Bild anzeigen Bild schließen", "share_or_account_prompt"),
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


READER_APPEALS = (
    "Subscribe now to our Weekend edition for the full story.",
    "To view the full story, please subscribe to the Example Times. You can choose a $60 "
    "annual subscription or a $5 weekly pass.",
    "If you're seeing this message but you're already a subscriber, you can log in for "
    "immediate access to this story.",
    "Never miss the latest news by signing up to our newsletter today!",
    "If you enjoyed reading this post, would you consider supporting our work? Just click here.",
    "Follow the Example Times on Twitter and Instagram for more local news.",
    "For the latest stories download the Example News apps for iOS and Android.",
    "We want to hear what you think. Submit a letter to the editor or write to us.",
    "Lust auf mehr? Melde dich hier für unseren Newsletter an und erhalte die besten Storys!",
    "Unterstützen Sie unabhängigen Journalismus!",
    "Siguenos en Telegram, Instagram, Facebook y Twitter para recibir todas las noticias",
    "¿Ya sabías que tenemos canal de Telegram? Únete desde tu celular.",
    "Pour lire la suite et accéder gratuitement à 3 articles par mois, créez votre compte",
    "Czytasz nowy rodzaj materiału na naszym portalu. Wesprzyj nas darowizną.",
)


@pytest.mark.parametrize("line", READER_APPEALS)
def test_reader_appeals_go_even_as_long_sentences(line):
    removals = Widgets().judge(doc(BUS_PARAGRAPHS[0], line, BUS_PARAGRAPHS[1]))

    assert reason_by_text(removals) == {line: "reader_appeal"}


@pytest.mark.parametrize(
    "line",
    [
        "The council will launch a weekly newsletter about roadworks, the spokeswoman said.",
        "Amazon isn't taking pre-orders, but you can sign up to be notified when cards arrive.",
        "Werden Sie Teil der Community und unterstützen Sie uns dabei, unsere Produkte zu testen.",
        "Die Stadt unterstützt den Ausbau der Buslinien mit zwei Millionen Euro.",
        "The drivers follow the same guidelines on luggage as they do on trains.",
        "The advertisement campaign for the new bus line starts in May, the council said.",
        "Werbung nervt. Tracking nervt. Und mobil habe ich keine Zeit für schwere Seiten.",
        "Kategorie: Unterhaltung für die beste Kinderserie des Jahres 2019",
        "Themen wie Verkehr und Wohnen bestimmen den Wahlkampf in der Stadt.",
        "As an affiliate of the national network, the station carries its evening news.",
    ],
)
def test_prose_near_appeal_label_and_disclaimer_words_stays(line):
    assert Widgets().judge(doc(BUS_PARAGRAPHS[0], line, BUS_PARAGRAPHS[1])) == []


def test_reader_appeal_longer_than_the_limit_stays():
    line = "Sign up for our newsletter. " + "The council approved the new bus routes. " * 10
    assert Widgets().judge(doc(line)) == []
