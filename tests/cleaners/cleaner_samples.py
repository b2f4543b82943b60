"""Invented article text and small helpers shared by the cleaner tests."""

from cleaners.document import Document, Removal
from cleaners.text import text_document

BUS_PARAGRAPHS = (
    "The city council voted on Tuesday to expand the bus network, adding six new routes that "
    "will connect the northern suburbs with the central station by the end of next year.",
    "Officials said the plan would cost about twelve million euros, most of which will come "
    "from a regional transport fund that was set up after the floods of the previous decade.",
    "Residents who spoke at the meeting welcomed the decision, although several asked why the "
    "routes would not run on Sundays, when demand from shift workers is often highest.",
    "The mayor promised to review the timetable after the first six months of operation and to "
    "publish ridership figures every quarter so that the public can follow the results.",
)
"""Four distinct English prose paragraphs of about 30 words each (about 120 words in all)."""

GERMAN = (
    "Der Stadtrat hat am Dienstag beschlossen, das Busnetz zu erweitern. Die neuen Linien "
    "sollen die nördlichen Vororte mit dem Hauptbahnhof verbinden, und die Kosten werden von "
    "dem Land getragen, wie die Stadt mitteilte."
)
FRENCH = (
    "Le conseil municipal a voté mardi pour étendre le réseau de bus. Les nouvelles lignes "
    "relieront les banlieues du nord à la gare centrale, et le coût sera pris en charge par la "
    "région, a indiqué la mairie dans un communiqué."
)

_ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()


def inquiry_paragraph(n: int) -> str:
    """A distinct prose paragraph of 30 words; `n` (0-19) picks the session it talks about."""
    return (
        f"In the {_ORDINALS[n]} session of the inquiry, the committee heard from engineers who "
        "described how the old bridge had been inspected, repaired and finally closed to heavy "
        "traffic last spring."
    )


def doc(*lines: str) -> Document:
    """A text-dump document with one block per line."""
    return text_document("\n".join(lines))


def removed_texts(removals: list[Removal]) -> list[str]:
    return [r.block.text for r in removals]


def reason_by_text(removals: list[Removal]) -> dict[str, str]:
    return {r.block.text: r.reason for r in removals}
