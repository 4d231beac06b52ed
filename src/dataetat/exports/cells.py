"""Cell values shared by the writers: formula-injection neutralisation."""

from __future__ import annotations

from typing import Any

# A spreadsheet reads a text starting with one of these as a formula (or as the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula gets a leading `'`; anything that is not a
    text (amounts, dates, counts) is returned unchanged, so a negative amount stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
