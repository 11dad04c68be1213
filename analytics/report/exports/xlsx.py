"""The report's figures as an XLSX workbook a leader can forward: a Summary sheet first, then
one sheet per part of the report, each holding one table per section with human headers.

Numbers are numeric cells with a number format (p- and q-values too; "<0.001" is the number
0.001 shown as "<0.001"), text cells are always strings (never formulas), and a figure withheld
for having fewer than k responses is an empty cell beside the note "fewer than k responses".
"""

import io
from collections import defaultdict
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..format import (
    CLASS_LABELS,
    P_FLOOR,
    RESPONSE_GROUP_LABELS,
    round_pct,
    segment_heading,
    with_severity,
)
from ..schema import Report
from ..view import ReportView
from .columns import (
    LABELS,
    ONE_DECIMAL,
    P_VALUES,
    PCT,
    SECTION_LABELS,
    SECTIONS,
    SHEETS,
    TWO_DECIMALS,
)
from .rows import Row, report_rows
from .safety import cell, neutralise

NUMBER_FORMATS = {
    **dict.fromkeys(ONE_DECIMAL, "0.0"),
    **dict.fromkeys(TWO_DECIMALS, "0.00"),
    **dict.fromkeys(PCT, "0"),
    **dict.fromkeys(P_VALUES, "0.000###"),
}
BELOW_FLOOR = '"<"0.000'
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
WRAP = Alignment(wrap_text=True, vertical="top")
# The columns of the Summary's values table (the company-level row of each value).
SUMMARY_VALUES = [
    "value_name",
    "leader_mean",
    "employee_mean",
    "gap",
    "gap_ci_low",
    "gap_ci_high",
    "q_value",
    "favorable_pct",
    "classification",
]
# The finding lines of the Summary, as the report words them.


class _Sheet:
    """Writes rows to a sheet top to bottom and keeps each column's width."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 1
        self.widths: dict[int, int] = defaultdict(lambda: 8)

    def put(self, c: int, value: Any, column: str = "", font: Font | None = None) -> None:
        value = cell(value)
        if value is None:
            return
        target = self.sheet.cell(row=self.row, column=c)
        if column in P_VALUES and value == "<0.001":  # round_p's bound
            value = P_FLOOR
            target.number_format = BELOW_FLOOR
        elif not isinstance(value, str):
            target.number_format = NUMBER_FORMATS.get(column, "0")
        target.value = value
        if isinstance(value, str):
            target.data_type = TYPE_STRING  # never a formula
            if len(value) > 60:
                target.alignment = WRAP
        if font is not None:
            target.font = font
        self.widths[c] = max(self.widths[c], min(len(str(value)) + 2, 60))

    def line(self, values: list[Any], columns: list[str] | None = None, font=None) -> None:
        for c, value in enumerate(values, start=1):
            self.put(c, value, columns[c - 1] if columns else "", font)
        self.row += 1

    def table(self, columns: list[str], rows: list[Row]) -> None:
        self.line([str(LABELS[column]) for column in columns], font=BOLD)
        for row in rows:
            self.line([_shown(row, column) for column in columns], columns)

    def finish(self, freeze: str | None) -> None:
        for c, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(c)].width = width
        self.sheet.freeze_panes = freeze


def _shown(row: Row, column: str) -> Any:
    if column == "classification" and row[column]:
        return with_severity(str(CLASS_LABELS[row[column]]), row.get("severity"))
    if column == "segment" and row[column]:
        return segment_heading(row[column], {})  # "department:Sales" -> "Department: Sales"
    return row[column]


def _summary(book: Workbook, report: Report, by_section: dict[str, list[Row]]) -> None:
    out = _Sheet(book.create_sheet("Summary"))
    view = ReportView(report)
    head = by_section["report"][0]
    sdi = report["self_deception_index"]["value"]
    out.line([f"Gap report: {head['organization_name']}"], font=TITLE)
    for column in ("organization_name", "wave", "method_version", "min_group_size", "scope"):
        out.line([str(LABELS[column]), head[column]], ["", column])
    out.line(["Self-deception index", round_pct(sdi)], ["", "index"])
    if sdi is None:
        out.line(["", "no value with enough data"])
    for row in by_section["responses"]:
        label = f"Responses: {RESPONSE_GROUP_LABELS.get(row['group'], row['group'])}"
        out.line([label, row["n"] if row["n"] is not None else row["note"]])
    out.row += 1
    out.line(["Key findings"], font=BOLD)
    for finding in view.key_findings:
        out.line([finding["text"]])
    if not view.has_findings:
        out.line(["No value is flagged at company level."])
    out.row += 1
    out.line(["Values, whole company"], font=BOLD)
    company = [r for r in by_section["stated_vs_lived"] if r["segment"] == "all"]
    out.table(SUMMARY_VALUES, company)
    out.finish(None)
    out.sheet.column_dimensions["A"].width = 30


def report_xlsx(report: Report) -> bytes:
    """The workbook: Summary, then the sheets of `SHEETS`, each table headed by its section."""
    by_section: dict[str, list[Row]] = defaultdict(list)
    for row in report_rows(report):
        by_section[row["section"]].append(row)

    book = Workbook()
    book.remove(book.active)
    _summary(book, report, by_section)
    for name, sections in SHEETS.items():
        out = _Sheet(book.create_sheet(name))
        for i, section in enumerate(sections):
            if len(sections) > 1:
                out.line([str(SECTION_LABELS[section])], font=TITLE)
            out.table(SECTIONS[section], by_section.get(section, []))
            if i < len(sections) - 1:
                out.row += 1
        out.finish("A3" if len(sections) > 1 else "A2")
    book.properties.title = neutralise(f"Gap report {report['wave']}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
