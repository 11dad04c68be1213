"""Spreadsheet formula injection (OWASP "CSV injection"): every text cell that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, in the CSV and in the XLSX,
and XLSX text cells are always stored as strings, never as formulas. Numbers stay numbers."""

import re
from typing import Any

from .rows import yes_no

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML 1.0 (and so XLSX) cannot hold; removed from both exports alike.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run: a leading apostrophe before a formula start."""
    text = _ILLEGAL.sub("", text)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def cell(value: Any) -> Any:
    """What a spreadsheet cell holds: None, a number, or neutralised text."""
    if value is None or isinstance(value, bool):
        return None if value is None else yes_no(value)
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))
