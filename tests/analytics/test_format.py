"""One rounding rule and one set of labels for the page, the charts, the PDF and the exports
(analytics/report/format.py): half up on the decimal the report stores."""

import csv
import html
import io
import re

from django.template.loader import render_to_string
from openpyxl import load_workbook

from analytics.report import format as fmt
from analytics.report.charts import gap_chart
from analytics.report.exports import report_csv, report_xlsx
from analytics.report.exports.pdf import report_pdf_html
from analytics.report.view import ReportView
from tests.analytics.test_exports import OC, make_snapshot


def test_ties_go_up_on_the_decimal_the_report_stores():
    # 4.35 is stored as the float nearest 4.35 (a hair below it in binary): still a tie.
    assert (fmt.round_mean(4.25), fmt.round_mean(4.35), fmt.round_mean(4.45)) == (4.3, 4.4, 4.5)
    assert fmt.round_mean(4.75) == 4.8
    assert (fmt.round_pct(0.5), fmt.round_pct(2.5), fmt.round_pct(3.5)) == (1, 3, 4)
    assert fmt.round_effect(2.675) == 2.68
    assert fmt.round_share(0.125) == 13
    # Away from zero below it, and a rounded zero has no sign.
    assert fmt.round_mean(-0.25) == -0.3
    assert str(fmt.round_mean(-0.04)) == "0.0"
    assert str(fmt.round_pct(-0.4)) == "0"
    assert fmt.round_mean(None) is None
    assert fmt.round_mean(float("nan")) is None


def test_p_values_keep_three_significant_figures():
    assert fmt.round_p(0.00390625) == 0.00391
    assert fmt.round_p(0.1235) == 0.124  # a tie in decimal, whatever the binary float
    assert fmt.round_p(0.0556) == 0.0556
    assert fmt.round_p(1.0) == 1.0
    assert fmt.round_p(0.001) == 0.001
    assert fmt.round_p(0.000999) == "<0.001"
    assert fmt.round_p(2.49e-67) == "<0.001"
    assert fmt.round_p(None) is None
    assert (fmt.format_p(0.52), fmt.format_p(0.1235), fmt.format_p(1.0)) == ("0.52", "0.124", "1")


def test_figures_as_text():
    assert fmt.format_mean(4.25) == "4.3"
    assert fmt.format_mean(-0.8807, signed=True) == "\u22120.9"
    assert fmt.format_mean(2.0, signed=True) == "+2.0"
    assert fmt.format_mean(-0.04, signed=True) == "0.0"
    assert fmt.format_effect(1.0, signed=True) == "+1.00"
    assert fmt.format_percent(2.5) == "3%"
    assert fmt.format_share(0.9) == "90%"
    assert fmt.format_interval([1.8897, 2.1062], fmt.format_mean, signed=True) == "+1.9 to +2.1"
    assert fmt.format_mean(None) == fmt.format_interval(None, fmt.format_mean) == "–"


def test_labels_are_defined_once():
    assert fmt.class_label("blind_spot", "critical") == "Blind spot (critical)"
    assert fmt.class_text("insufficient_data", None, ["watch"]) == "Not enough data · watch"
    assert fmt.class_text("middling", None, ["leadership_split"]) == "Middling · leadership split"
    departments = {7: "Sales"}
    assert fmt.segment_label("all", departments) == "Whole company"
    assert fmt.segment_label("department:7", departments) == "Sales"
    assert fmt.segment_label("tenure_band:lt_6m", departments) == "Less than 6 months"
    assert fmt.segment_label("location:Berlin", departments) == "Berlin"
    assert fmt.segment_heading("tenure_band:2_5y", departments) == "Tenure band: 2 to 5 years"
    assert fmt.segment_text("department:7", departments) == "department:Sales"
    # A snapshot stored before segments were keyed by id names the department itself.
    assert fmt.segment_label("department:Platform", departments) == "Platform"


def test_a_tie_reads_the_same_in_table_chart_csv_xlsx_and_pdf():
    # given a cell whose leaders' mean is 4.25 and employees' mean 4.35, 2.5% favorable
    report = make_snapshot()
    cell = report["stated_vs_lived"][0]
    cell |= {"leader_mean": 4.25, "employee_mean": 4.35, "employee_favorable_pct": 2.5}

    # when every output shows it
    page = render_to_string("analytics/_report_body.html", {"report": ReportView(report)})
    chart = gap_chart([cell], {OC: "Open communication"})
    rows = csv.DictReader(io.StringIO(report_csv(report).decode("utf-8-sig")))
    row = {
        r["figure"]: r["number"]
        for r in rows
        if (r["view"], r["value"], r["segment"]) == ("stated_vs_lived", OC, "all")
    }
    sheet = load_workbook(io.BytesIO(report_xlsx(report)))["Values by segment"]
    header = [c.value for c in sheet[1]]
    xlsx = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    pdf = re.sub(r"\s+", " ", report_pdf_html(report))

    # then every one rounds both ties up
    assert '4.3 <span class="muted small">n=4' in page
    assert '4.4 <span class="muted small">n=31' in page
    assert '<td class="num">3%</td>' in page
    assert "employees 4.4, leaders 4.3" in chart
    assert (row["leader_mean"], row["employee_mean"], row["favorable_pct"]) == ("4.3", "4.4", "3")
    means = (xlsx["Leaders' mean"], xlsx["Employees' mean"], xlsx["Employees favourable (%)"])
    assert means == (4.3, 4.4, 3)
    assert '<td class="num">4.3 (n 4)</td><td class="num">4.4 (n 31)</td>' in pdf
    assert '<td class="num">3%</td>' in pdf


def test_look_here_first_says_why_a_flagged_value_is_not_on_it():
    """A critical blind spot once went missing from "Look here first" without a word: the list
    ranks by how much a value moves recommending, and the page must say so for each flag."""
    report = make_snapshot()
    company = next(
        c for c in report["stated_vs_lived"] if (c["value"], c["segment"]) == (OC, "all")
    )
    company |= {"classification": "blind_spot", "severity": "critical"}

    def shown(priorities):
        report["priorities"] = priorities
        view = ReportView(report)
        page = render_to_string("analytics/_report_body.html", {"report": view})
        return view.flagged_elsewhere, page

    # No driver could be measured: not ranked, and the page says why.
    missing, page = shown([])
    reasons = {f["name"]: f["reason"] for f in missing}
    assert "could not be measured" in reasons["Open communication"]
    assert "Flagged, and not in this list:" in page
    assert "could not be measured" in page

    # Ranked, but it barely moves the outcome.
    weak = {"value": OC, "priority": 0.05, "basis": "gap", "driver_rho": 0.08, "gap": 1.6}
    missing, _page = shown([weak | {"classification": "blind_spot", "rank": 1}])
    reasons = {f["name"]: f["reason"] for f in missing}
    assert "barely moves" in reasons["Open communication"]
    assert "ρ = +0.08" in reasons["Open communication"]

    # On the list: nothing to explain.
    strong = weak | {"priority": 0.9, "driver_rho": 0.6, "classification": "blind_spot", "rank": 1}
    missing, page = shown([strong])
    assert "Open communication" not in {f["name"] for f in missing}
    listed = html.unescape(page[page.index("Look here first") : page.index('id="values"')])
    # In plain words first; the statistics after them.
    assert (
        "<strong>Open communication</strong>: leaders rate it 1.6 points above employees' "
        "experience, and it strongly moves employees' willingness to recommend" in listed
    )
    assert "ρ = +0.60" in listed
