"""The report's numbers as one CSV file."""

import csv
import io
from typing import Any

from ..schema import Report
from .columns import COLUMNS
from .rows import report_rows
from .safety import cell


def _text(value: Any) -> str:
    value = cell(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def report_csv(report: Report) -> bytes:
    """The rows as CSV: UTF-8 with a BOM (so Excel reads it as UTF-8), one header row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    header = ["section", *COLUMNS]
    writer.writerow(header)
    for row in report_rows(report):
        writer.writerow([_text(row.get(column)) for column in header])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
