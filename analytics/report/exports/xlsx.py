"""The report's numbers as an XLSX workbook: one sheet per section."""

import io
from collections import defaultdict

from ..schema import Report
from .columns import ONE_DECIMAL, P_VALUES, SECTIONS, TWO_DECIMALS
from .rows import Row, report_rows
from .safety import cell, neutralise

NUMBER_FORMATS = {
    **dict.fromkeys(ONE_DECIMAL, "0.0"),
    **dict.fromkeys(TWO_DECIMALS, "0.00"),
    **dict.fromkeys(P_VALUES, "General"),
}


def report_xlsx(report: Report) -> bytes:
    """The rows as an XLSX workbook: one sheet per section, a bold frozen header row."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    by_section: dict[str, list[Row]] = defaultdict(list)
    for row in report_rows(report):
        by_section[row["section"]].append(row)

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for section, columns in SECTIONS.items():
        sheet = workbook.create_sheet(title=section[:31])
        widths = [len(column) for column in columns]
        for c, column in enumerate(columns, start=1):
            head = sheet.cell(row=1, column=c, value=neutralise(column))
            head.data_type = TYPE_STRING
            head.font = bold
        for r, row in enumerate(by_section.get(section, []), start=2):
            for c, column in enumerate(columns, start=1):
                value = cell(row.get(column))
                if value is None:
                    continue
                target = sheet.cell(row=r, column=c)
                target.value = value
                if isinstance(value, str):
                    target.data_type = TYPE_STRING  # never a formula
                    if len(value) > 60:
                        target.alignment = wrap
                else:
                    target.number_format = NUMBER_FORMATS.get(column, "0")
                widths[c - 1] = max(widths[c - 1], len(str(value)))
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 80)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
