import pytest
from cleaner_samples import BUS_PARAGRAPHS, doc, reason_by_text

from cleaners.rules.captions import Captions


@pytest.mark.parametrize(
    "line",
    [
        "(Photo: Reuters)",
        "Photo: Getty Images",
        "Image by Jane Doe",
        "Foto: dpa",
        "JOHN SMITH/AFP via Getty Images",
        "Jane Doe / Reuters",
        "Crédits photos : Bestimage",
        "Titelbild: Jane Doe/ABACA/picture-alliance",
        "Beitragsbild: Titelseite der Zeitung vom 2.4.2019, Ausriss.",
        "Image illustrative : Lego Minifigures by Jane Doe",
        "Fot. Jan Kowalski / Agencja Gazeta",
        "Bildnachweis: Quelle, cc-Lizenz",
    ],
)
def test_credit_lines_go(line):
    removals = Captions().judge(doc(BUS_PARAGRAPHS[0], line, BUS_PARAGRAPHS[1]))

    assert reason_by_text(removals) == {line: "photo_credit"}
    assert removals[0].cleaner == "captions"
    assert removals[0].moves_to is None


@pytest.mark.parametrize(
    "line",
    [
        "A man walks past the ruins of the old mill. (Courtesy of Jane Roe, public domain)",
        "Commuters wait for the first bus on the new northern route (Photo: Jane Doe)",
        "The old tram depot in 1950 (Wikimedia Commons, CC BY-SA 4.0)",
        "Protesters outside the town hall on Tuesday (Credit: Jane Doe",
        "Logo des Nachhaltigkeitspreises der Fachzeitschriften | © Springer",
    ],
)
def test_captions_ending_in_a_credit_go(line):
    assert reason_by_text(Captions().judge(doc(line))) == {line: "photo_caption"}


@pytest.mark.parametrize(
    "line",
    [
        "He told Reuters that the deal was off and that talks would not resume before autumn.",
        "The photo, taken in 1950, shows the tram depot before the fire destroyed it.",
        "The museum's picture archive is open to the public on weekdays (except holidays).",
        "Das Titelbild der Ausgabe zeigt den neuen Busbahnhof am Abend.",
        "Kostenlos Homepage Baukasten erstellen | Copyright MyCorp © 2016 and all the rest",
        "Beitragsbilder sind oft wichtiger als der Text selbst, sagt die Redakteurin.",
        *BUS_PARAGRAPHS,
    ],
)
def test_prose_mentioning_photos_and_agencies_stays(line):
    assert Captions().judge(doc(line)) == []


CITATION_PARAGRAPHS = [
    "The talks between the two governments ended on Tuesday without an agreement on the "
    "disputed border crossing, and both delegations said they would return to their capitals "
    "for consultations (Reuters, June 24).",
    "Ten people were injured in the blast, police said on Thursday, according to a statement "
    "released late in the evening by the interior ministry (AFP).",
]


@pytest.mark.parametrize("paragraph", CITATION_PARAGRAPHS)
def test_agency_citation_at_the_end_of_a_prose_paragraph_is_not_a_caption(paragraph):
    assert Captions().judge(doc(paragraph)) == []


@pytest.mark.parametrize(
    "heading", ["Reuters Institute Digital News Report 2024", "Why AFP changed its style guide"]
)
def test_heading_naming_an_agency_is_not_a_credit(heading):
    assert Captions().judge(doc(heading, *BUS_PARAGRAPHS)) == []


def test_caption_length_is_configurable():
    line = "Commuters wait for the first bus on the new northern route (Photo: Jane Doe)"
    assert Captions().judge(doc(line)) != []
    assert Captions(max_caption_words=5).judge(doc(line)) == []


def test_captions_rejects_invalid_settings():
    with pytest.raises(ValueError):
        Captions(max_caption_words=0)
