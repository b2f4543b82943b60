"""Winnow's cleaning library: pure functions over strings and small dataclasses.

No prefect, no filesystem. Entry points: `clean_html` and `clean_text`.
"""

from cleaners.api import clean_html, clean_text
from cleaners.document import Block, Cleaned, Document, Meta, Removal

__all__ = ["Block", "Cleaned", "Document", "Meta", "Removal", "clean_html", "clean_text"]
