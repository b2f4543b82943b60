"""Text bound for the user's terminal, with the characters a terminal acts on made visible.

Pages, their titles and URLs, and file names are written by strangers. Printed raw, an ESC in
them is a command to the terminal: `ESC ] 0 ; title BEL` retitles the window, `ESC [ 2 J`
clears the screen, OSC 8 plants a hyperlink under innocent text; the C1 controls do the same
without an ESC (U+009B is CSI); BEL, backspace and carriage return hide or overwrite what came
before. Every line the CLI prints goes through `printable`, except `inspect`'s coloured text,
whose page strings go through it before the styles are added. Prefect-free.
"""

from __future__ import annotations

import json
import re
from typing import Any

_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""C0 controls except tab and newline, DEL, C1 controls, and lone surrogates (a file name's
undecodable bytes, which stdout would refuse or, in a C locale, write back as raw bytes)."""
_RAW_IN_JSON = re.compile("[\x7f-\x9f\ud800-\udfff]")
"""What `json.dumps(..., ensure_ascii=False)` leaves raw in its strings of the above: DEL, C1
controls and lone surrogates (it escapes C0 controls, and is ASCII outside its strings)."""


def printable(text: str) -> str:
    """`text` with each terminal control character written the way Python writes it in a
    literal (ESC as the four characters `\\x1b`, a lone surrogate as `\\udcff`), so the reader
    sees that it was there and the terminal does nothing. Tabs and newlines stay. For display
    only: a backslash already in the text is left alone, so the escape is not reversible."""
    return _TERMINAL_CONTROLS.sub(_escaped, text)


def printable_json(value: Any) -> str:
    """`value` as one line of JSON (non-ASCII text kept readable) holding no terminal control
    character: those `json.dumps` leaves raw become `\\u009b`-style escapes, so the line is
    still JSON and decodes to the same value."""
    return _RAW_IN_JSON.sub(
        lambda match: f"\\u{ord(match[0]):04x}", json.dumps(value, ensure_ascii=False)
    )


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
