"""Cell values shared by the writers: formula-injection neutralisation, control characters."""

from __future__ import annotations

import re
from typing import Any

# A spreadsheet reads a text starting with one of these as a formula (or as the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Control characters a spreadsheet cell cannot hold (openpyxl refuses them: IllegalCharacterError).
# The importer replaces them (warning `caractere-controle`), but data imported before may hold some.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula gets a leading `'`, and its control
    characters become spaces; anything that is not a text (amounts, dates, counts) is returned
    unchanged, so a negative amount stays a number."""
    if not isinstance(value, str):
        return value
    if CONTROL.search(value):
        value = CONTROL.sub(" ", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
