"""A large organization's report, printed and exported: 40 departments in two levels, every
segment dimension, more values than one heatmap table holds, and thousands of comments.

Built with the schema's constructors: no database. The PDF is checked on the document WeasyPrint
lays out, so a label cut off or running out of its cell shows here.
"""

import csv
import io
import re

import pytest
from django.conf import settings
from weasyprint import HTML

from analytics.report import schema
from analytics.report.check import problems
from analytics.report.exports import report_csv
from analytics.report.exports.pdf import report_pdf_html
from analytics.report.view import COMMENTS_SHOWN, PDF_HEATMAP_COLUMNS, ReportView
from tests.analytics.test_exports import gap_cell, make_snapshot

DIVISIONS, TEAMS = 8, 4
N_VALUES = PDF_HEATMAP_COLUMNS + 2  # one table of values, and a second one
N_COMMENTS = COMMENTS_SHOWN + 37
OTHER_SEGMENTS = [
    *(f"tenure_band:{band}" for band in ("lt_6m", "6_12m", "1_2y", "2_5y", "5y_plus")),
    *(f"location:{city}" for city in ("Berlin", "Lisbon", "Toronto", "Singapore", "Remote")),
    *(f"level:{level}" for level in ("Associate", "Senior", "Lead", "Director")),
]


def departments() -> list[schema.Department]:
    tree = []
    for d in range(1, DIVISIONS + 1):
        tree.append(schema.Department(id=100 * d, name=f"Division {d}", parent=None))
        tree += [
            schema.Department(id=100 * d + t, name=f"Team {d}.{t} Operations", parent=100 * d)
            for t in range(1, TEAMS + 1)
        ]
    return tree


def large_report() -> schema.Report:
    report = make_snapshot()
    report["departments"] = departments()
    report["values"] += [  # after the hand-made report's two, which its other views describe
        schema.Value(code=f"v{i}", name=f"Value {i}: we keep our promises")
        for i in range(len(report["values"]), N_VALUES)
    ]
    segments = [
        "all",
        *(schema.department_segment(d["id"]) for d in report["departments"]),
        *OTHER_SEGMENTS,
    ]
    cells = []
    for i, value in enumerate(report["values"]):
        for j, segment in enumerate(segments):
            if (i + j) % 7 == 3:  # some hidden cells in every row and column
                cells.append(schema.suppressed_cell(value["code"], segment))
            else:
                gap = ((i + 2 * j) % 9 - 4) / 3  # gaps of every colour
                cells.append(gap_cell(value["code"], segment, gap=gap))
    report["stated_vs_lived"] = cells
    report["comments"] = schema.Comments(
        shown=True,
        min_group_size=5,
        n_respondents=40_000,
        items=[
            schema.Comment(question="comment", text=f"Comment number {n}.")
            for n in range(1, N_COMMENTS + 1)
        ],
    )
    return report


@pytest.fixture(scope="module")
def report() -> schema.Report:
    return large_report()


@pytest.fixture(scope="module")
def document(report):
    html = report_pdf_html(report, generated_for="Leo Leader")
    return HTML(string=html, base_url=str(settings.BASE_DIR)).render()


def test_the_large_report_follows_the_schema(report):
    assert problems(report) == []


def _lines(box, out: list[str]) -> list[str]:
    """The text of every line box, in document order."""
    if type(box).__name__ == "LineBox":
        out.append("".join(_texts(box)))
        return out
    for child in getattr(box, "children", None) or []:
        _lines(child, out)
    return out


def _texts(box):
    if getattr(box, "text", None):
        yield box.text
    for child in getattr(box, "children", None) or []:
        yield from _texts(child)


def _overflows(box, page_width: float, cell=None) -> list[str]:
    """Text boxes that run out of their table cell or off the page."""
    found = []
    if type(box).__name__ == "TableCellBox":
        cell = box
    if getattr(box, "text", None) and box.text.strip():
        right = box.position_x + box.width
        if box.position_x < 0 or right > page_width:
            found.append(f"off the page: {box.text!r}")
        if cell is not None:
            cell_right = cell.border_box_x() + cell.border_width()
            if right > cell_right + 0.5 or box.position_x < cell.border_box_x() - 0.5:
                found.append(f"out of its cell: {box.text!r}")
    for child in getattr(box, "children", None) or []:
        found += _overflows(child, page_width, cell)
    return found


def test_the_pdf_prints_a_heatmap_with_every_department_named_whole(report, document):
    lines = [line.strip() for page in document.pages for line in _lines(page._page_box, [])]
    for department in report["departments"]:
        assert department["name"] in lines, department["name"]  # a row label, on one line
    # Every value heads a column, and the values past the first table's get a second table.
    text = " ".join(lines)
    assert "Where the gap is: segments" in text
    assert "(values, part 1 of 2)" in text
    assert "(values, part 2 of 2)" in text


def test_nothing_in_the_pdf_is_cut_off_or_runs_out_of_its_cell(document):
    for number, page in enumerate(document.pages, start=1):
        problems = _overflows(page._page_box, page.width)
        assert problems == [], (number, problems[:5])


def test_the_printed_heatmap_has_a_row_per_segment_and_a_column_per_value(report):
    view = ReportView(report)
    tables = view.heatmaps_printed
    departments = [t for t in tables if t["dimension"] == "department"]
    assert [t["part"] for t in departments] == [1, 2]
    first, second = departments
    assert len(first["values"]) == PDF_HEATMAP_COLUMNS
    assert len(second["values"]) == N_VALUES - PDF_HEATMAP_COLUMNS
    labels = [row["label"] for row in first["rows"]]
    assert labels == ["Whole company", *(d["name"] for d in report["departments"])]
    assert labels == [row["label"] for row in second["rows"]]
    # Each cell is the report's own: hidden where the report hides it.
    cell = first["rows"][1]["cells"][0]
    assert (cell.value, cell.label) == ("open_communication", "Division 1")
    hidden = {
        (c["value"], c["segment"]) for c in report["stated_vs_lived"] if c["n_employees"] is None
    }
    for table in departments:
        for row in table["rows"]:
            for cell in row["cells"]:
                assert cell.suppressed == ((cell.value, cell.segment) in hidden)
                if cell.suppressed:
                    assert cell.employee_mean == "–"
    assert {t["dimension"] for t in tables} == {"department", "tenure_band", "location", "level"}


def test_the_pdf_and_page_print_a_sample_of_many_comments_and_the_exports_keep_all(report):
    html = re.sub(r"\s+", " ", report_pdf_html(report))
    printed = re.findall(r"<li>Comment number (\d+)\.</li>", html)
    assert printed == [str(n) for n in range(1, COMMENTS_SHOWN + 1)]  # in the report's order
    assert f"{N_COMMENTS} comments from a round with 40000 responses" in html
    assert f"the other {N_COMMENTS - COMMENTS_SHOWN} are in the CSV and Excel exports" in html

    comments = ReportView(report).comments
    assert (comments["total"], len(comments["items"])) == (N_COMMENTS, COMMENTS_SHOWN)
    assert comments["more"] == N_COMMENTS - COMMENTS_SHOWN

    rows = list(csv.DictReader(io.StringIO(report_csv(report).decode("utf-8-sig"))))
    assert len([r for r in rows if r["view"] == "comments"]) == N_COMMENTS
