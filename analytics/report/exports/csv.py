"""The report's figures as one long CSV file: one row per figure (docs/exports.md).

Each row of `report_rows` becomes one CSV row per figure it holds, with what the row is about
(view, value, segment, detail) repeated, so the file filters and pivots without empty columns.
An entry withheld for having fewer than k responses keeps a row per figure, with `withheld` in
`text` and no number; a figure the report does not have (not tested, no onboarding pair) has no
row, and the entry's note says why.
"""

import csv
import io
from collections.abc import Iterator
from typing import Any

from ..format import P_FLOOR, SUPPRESSED_NOTE, segment_heading
from ..schema import Report
from .columns import KEYS, LABELS, SECTION_LABELS, SECTIONS
from .rows import Row, report_rows
from .safety import cell

HEADER = [
    "round",
    "view",
    "view_label",
    "value",
    "value_name",
    "segment",
    "segment_name",
    "detail",
    "figure",
    "figure_label",
    "number",
    "text",
]
WITHHELD = "withheld"
# What `detail` holds, per view: the keys that are neither the value nor the segment.
DETAIL_KEYS = ("group", "wave", "from_wave", "to_wave", "outcome", "question", "pooled_waves")


def _number(value: Any) -> tuple[str, str]:
    """(number, text) of a figure: a plain number with a dot, or text; "<0.001" is both."""
    if isinstance(value, bool) or value is None:
        return "", "" if value is None else ("yes" if value else "no")
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value), ""
    if value == "<0.001":  # round_p: a bound, kept as the number it is below
        return repr(P_FLOOR), value
    return "", str(cell(value))


def _detail(row: Row) -> str:
    parts = [str(row[key]) for key in DETAIL_KEYS if row.get(key) not in (None, "")]
    return " → ".join(parts) if {"from_wave", "to_wave"} <= row.keys() else "; ".join(parts)


def _segment_name(segment: str | None) -> str:
    # The rows name departments already ("department:Sales"); the heading reads that too.
    return segment_heading(segment, {}) if segment else ""


def figure_rows(report: Report) -> Iterator[dict[str, str]]:
    """The long rows: each a dict of `HEADER`, every cell a string."""
    for row in report_rows(report):
        section = row["section"]
        withheld = row.get("note") == SUPPRESSED_NOTE
        identity = {
            "round": report["wave"],
            "view": section,
            "view_label": str(SECTION_LABELS[section]),
            "value": row.get("value") or "",
            "value_name": cell(row.get("value_name")) or "",
            "segment": cell(row.get("segment")) or "",
            "segment_name": cell(_segment_name(row.get("segment"))),
            "detail": cell(_detail(row)),
        }
        for column in SECTIONS[section]:
            if column in KEYS:
                continue
            value = row[column]
            if value is None and not (withheld and column != "note"):
                continue
            number, text = ("", WITHHELD) if value is None else _number(value)
            yield identity | {
                "figure": column,
                "figure_label": str(LABELS[column]),
                "number": number,
                "text": text,
            }


def report_csv(report: Report) -> bytes:
    """The long rows as CSV: UTF-8 with a BOM (so Excel reads it as UTF-8), one header row."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(figure_rows(report))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
