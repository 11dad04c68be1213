"""Exports of a gap report: CSV and XLSX (the numbers) and PDF (the report as a leader forwards it).

Every export takes the snapshot already scoped for its reader (`selectors.report_scope`) and
shows exactly what that copy holds: no figure is computed or added here, a suppressed cell keeps
its row with every figure empty and the note "fewer than k responses", and figures are rounded
for display the way the pages round them:

- means, gaps and other 1–5 scale figures: 1 decimal;
- percentages, percentage points, eNPS and the self-deception index (0–100): whole numbers;
  onboarding shares (fractions in the snapshot) are shown as whole percentages;
- effect sizes and correlations (Cliff's delta, rank-biserial r, rho, alpha, tau), the priority
  score and the trend slope (scale points per round, mostly below 0.1): 2 decimals;
- p- and q-values: 3 significant figures, or "<0.001".

Rounding is Python's formatting of the stored float (`f"{x:.1f}"`), as the report page's
template filters (analytics/templatetags/report.py) round: an exact tie goes to even (a leaders'
mean of 4.25 shows as 4.2). A rounded zero never keeps a minus sign.

Spreadsheet formula injection (OWASP "CSV injection"): every text cell that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, in the CSV and in the XLSX,
and XLSX text cells are always stored as strings, never as formulas. Numbers stay numbers.
"""

import csv
import datetime as dt
import io
import math
import re
from collections import defaultdict
from typing import Any

SUPPRESSED_NOTE = "fewer than k responses"

CLASS_LABELS = {
    "blind_spot": "Blind spot",
    "hidden_strength": "Hidden strength",
    "aligned_strength": "Aligned strength",
    "shared_weakness": "Shared weakness",
    "middling": "Middling",
    "insufficient_data": "Not enough data",
    "suppressed": "Fewer than k responses",
}

CLASS_EXPLANATIONS = {
    "blind_spot": (
        "Leaders rate this value clearly higher than employees experience it "
        "(a significant, at least medium-sized gap)."
    ),
    "hidden_strength": (
        "Employees experience this value clearly better than leaders rate it "
        "(a significant, at least medium-sized gap)."
    ),
    "aligned_strength": (
        "There is no clear gap, and employees experience this value as lived "
        "(employee mean 3.5 or higher)."
    ),
    "shared_weakness": (
        "There is no clear gap, and employees experience this value as weak "
        "(employee mean below 3.0): not self-deception, but still a problem."
    ),
    "middling": (
        "There is no clear gap, and employees experience this value as partly lived "
        "(employee mean from 3.0 to below 3.5)."
    ),
    "insufficient_data": (
        "Too few answers to test the gap (fewer than 10 employees, or no leader rating); "
        "any figures shown are descriptive only."
    ),
    "suppressed": (
        "Fewer than k people in this group answered, so no figure is shown, "
        "to keep answers anonymous."
    ),
}

SEVERITY_LABELS = {"critical": "critical", "high": "high", "moderate": "moderate"}

TAG_LABELS = {"watch": "Watch", "leadership_split": "Leadership split"}

TAG_EXPLANATIONS = {
    "watch": (
        "A small but noticeable difference between leaders and employees "
        "(not large or certain enough to be a blind spot or hidden strength)."
    ),
    "leadership_split": (
        "Leaders' own ratings of this value differ by 2 points or more: "
        "the value is not shared inside leadership."
    ),
}

SEGMENT_KIND_LABELS = {
    "all": "Whole company",
    "department": "Department",
    "tenure_band": "Tenure",
    "location": "Location",
    "level": "Level",
}

TENURE_LABELS = {
    "lt_6m": "less than 6 months",
    "6_12m": "6 to 12 months",
    "1_2y": "1 to 2 years",
    "2_5y": "2 to 5 years",
    "5y_plus": "5 years or more",
}

RESPONSE_GROUP_LABELS = {
    "leadership": "Leadership self-assessment",
    "lived": "Employees (pulse and engagement)",
    "onboarding": "New hires (onboarding)",
    "exit": "Leavers (exit)",
}

# --- Rounding ---------------------------------------------------------------------------------


def _number(x: Any) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def round_places(x: Any, places: int) -> float | int | None:
    """`x` rounded to `places` decimals (an int for 0 places); None stays None.

    Rounded as Python formats the stored float (`f"{x:.1f}"`), as the report page's template
    filters do: correctly rounded, an exact tie to even (4.25 → 4.2, 4.75 → 4.8). A rounded zero
    has no minus sign.
    """
    value = _number(x)
    if value is None:
        return None
    rounded = float(f"{value:.{places}f}") + 0.0  # + 0.0 turns -0.0 into 0.0
    return int(rounded) if places == 0 else rounded


def round_mean(x: Any) -> float | None:
    """Means, gaps, scale figures: 1 decimal."""
    return round_places(x, 1)


def round_pct(x: Any) -> int | None:
    """Percentages, percentage points, eNPS, the self-deception index: whole numbers."""
    return round_places(x, 0)


def round_effect(x: Any) -> float | None:
    """Effect sizes and correlations (delta, r, rho, alpha, tau): 2 decimals."""
    return round_places(x, 2)


def round_p(x: Any) -> float | str | None:
    """p- and q-values: 3 significant figures, or the text "<0.001"."""
    value = _number(x)
    if value is None:
        return None
    if value < 0.001:
        return "<0.001"
    return float(f"{value:.3g}")


def _share_pct(x: Any) -> int | None:
    value = _number(x)
    return None if value is None else round_pct(value * 100)


# --- Rows -------------------------------------------------------------------------------------

# One section per view, each with fixed columns (the CSV header is "section" and their union).
SECTIONS: dict[str, list[str]] = {
    "report": [
        "organization",
        "organization_name",
        "wave",
        "method_version",
        "min_group_size",
        "scope",
        "correction",
        "n_tests",
        "fingerprint",
    ],
    "responses": ["group", "n", "note"],
    "self_deception_index": ["wave", "index", "n_values", "values_counted", "definition", "note"],
    "stated_vs_lived": [
        "value",
        "value_name",
        "segment",
        "n_leaders",
        "n_employees",
        "leader_mean",
        "employee_mean",
        "gap",
        "gap_ci_low",
        "gap_ci_high",
        "cliffs_delta",
        "effect_size",
        "test",
        "p_value",
        "q_value",
        "favorable_pct",
        "unfavorable_pct",
        "leader_span",
        "classification",
        "severity",
        "tags",
        "note",
    ],
    "calibration": [
        "value",
        "value_name",
        "n_leaders",
        "n_employees",
        "mean_prediction_pct",
        "actual_favorable_pct",
        "error_pp",
        "note",
    ],
    "calibration_summary": [
        "mean_abs_error_pp",
        "profile_n_values",
        "profile_values",
        "rho",
        "p_value",
        "q_value",
        "note",
    ],
    "leavers_vs_stayers": [
        "value",
        "value_name",
        "segment",
        "pooled_waves",
        "n_exit",
        "n_lived",
        "exit_mean",
        "lived_mean",
        "cliffs_delta",
        "test",
        "p_value",
        "q_value",
        "leaver_signal",
        "note",
    ],
    "promised_vs_found": [
        "value",
        "value_name",
        "segment",
        "n",
        "mean_expected",
        "mean_found",
        "mean_difference",
        "rank_biserial",
        "share_worse_pct",
        "share_equal_pct",
        "share_better_pct",
        "p_value",
        "q_value",
        "credibility_gap",
        "note",
    ],
    "trends": ["value", "value_name", "wave", "n", "mean", "note"],
    "trend_tests": [
        "value",
        "value_name",
        "n_waves",
        "tau",
        "slope",
        "slope_ci_low",
        "slope_ci_high",
        "p_value",
        "q_value",
        "declining",
        "note",
    ],
    "wave_to_wave": [
        "value",
        "value_name",
        "from_wave",
        "to_wave",
        "n_previous",
        "n_current",
        "change",
        "cliffs_delta",
        "test",
        "p_value",
        "q_value",
        "note",
    ],
    "enps": [
        "question",
        "n",
        "promoters",
        "passives",
        "detractors",
        "enps",
        "enps_ci_low",
        "enps_ci_high",
        "note",
    ],
    "reliability": [
        "value",
        "value_name",
        "n_items",
        "n",
        "alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "warning",
        "note",
    ],
    "drivers": [
        "value",
        "value_name",
        "outcome",
        "question",
        "n",
        "rho",
        "p_value",
        "q_value",
        "note",
    ],
    "priorities": [
        "rank",
        "value",
        "value_name",
        "priority",
        "basis",
        "rho",
        "gap",
        "classification",
        "note",
    ],
    "comments": ["question", "comment"],
}


def _union_columns() -> list[str]:
    seen: dict[str, None] = {}
    for columns in SECTIONS.values():
        for column in columns:
            seen.setdefault(column, None)
    return list(seen)


COLUMNS = _union_columns()

# How each numeric column is rounded (and formatted in XLSX).
_ONE_DECIMAL = {
    "leader_mean",
    "employee_mean",
    "gap",
    "gap_ci_low",
    "gap_ci_high",
    "leader_span",
    "exit_mean",
    "lived_mean",
    "mean_expected",
    "mean_found",
    "mean_difference",
    "mean",
    "change",
}
_TWO_DECIMALS = {
    "cliffs_delta",
    "rank_biserial",
    "rho",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "tau",
    "slope",
    "slope_ci_low",
    "slope_ci_high",
    "priority",
}
_P_VALUES = {"p_value", "q_value"}
_NUMBER_FORMATS = {
    **dict.fromkeys(_ONE_DECIMAL, "0.0"),
    **dict.fromkeys(_TWO_DECIMALS, "0.00"),
    **dict.fromkeys(_P_VALUES, "General"),
}


def _yes_no(x: Any) -> str | None:
    if x is None:
        return None
    return "yes" if x else "no"


def _pair(interval: Any, rounder) -> tuple[Any, Any]:
    if not interval or len(interval) != 2:
        return None, None
    return rounder(interval[0]), rounder(interval[1])


def _row(section: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"section": section}
    for column in SECTIONS[section]:
        row[column] = values.get(column)
    return row


def _value_names(data: dict) -> dict[str, str]:
    return {v["code"]: v.get("name", v["code"]) for v in data.get("values", [])}


def _is_suppressed(entry: dict) -> bool:
    return bool(entry.get("suppressed")) or entry.get("classification") == "suppressed"


def report_rows(data: dict) -> list[dict]:
    """The numbers of a (scoped) snapshot as rows: one section per view, fixed columns.

    Each row is a dict with "section" and every column of `SECTIONS[section]`, in that order;
    None is an empty cell. Figures are rounded as on the pages. A suppressed entry keeps its
    row (what identifies it, and its classification) with every figure empty and the note
    "fewer than k responses".
    """
    names = _value_names(data)
    rows: list[dict] = []

    def named(code: str) -> dict[str, Any]:
        return {"value": code, "value_name": names.get(code, code)}

    # Report metadata.
    scope = data.get("scope") or {}
    comparisons = data.get("multiple_comparisons") or {}
    rows.append(
        _row(
            "report",
            organization=data.get("organization"),
            organization_name=data.get("organization_name"),
            wave=data.get("wave"),
            method_version=data.get("method_version"),
            min_group_size=data.get("min_group_size"),
            scope=(
                "departments: " + ", ".join(scope["departments"])
                if scope.get("departments") is not None
                else "whole organization"
            ),
            correction=comparisons.get("method"),
            n_tests=comparisons.get("n_tests"),
            fingerprint=data.get("fingerprint"),
        )
    )

    for group, n in (data.get("responses") or {}).items():
        rows.append(
            _row("responses", group=group, n=n, note=SUPPRESSED_NOTE if n is None else None)
        )

    # Self-deception index and its trend.
    sdi = data.get("self_deception_index") or {}
    trend = list(sdi.get("trend") or [])
    if data.get("wave") is not None and not any(t.get("wave") == data["wave"] for t in trend):
        trend.append(
            {"wave": data["wave"], "value": sdi.get("value"), "n_values": sdi.get("n_values")}
        )
    for point in trend:
        current = point.get("wave") == data.get("wave")
        rows.append(
            _row(
                "self_deception_index",
                wave=point.get("wave"),
                index=round_pct(point.get("value")),
                n_values=point.get("n_values"),
                values_counted="; ".join(sdi.get("values") or []) if current else None,
                definition=sdi.get("definition") if current else None,
                note="no value with enough data" if point.get("value") is None else None,
            )
        )

    # Stated vs lived.
    for cell in data.get("stated_vs_lived", []):
        if _is_suppressed(cell):
            rows.append(
                _row(
                    "stated_vs_lived",
                    **named(cell["value"]),
                    segment=cell.get("segment"),
                    classification="suppressed",
                    note=SUPPRESSED_NOTE,
                )
            )
            continue
        low, high = _pair(cell.get("gap_ci"), round_mean)
        rows.append(
            _row(
                "stated_vs_lived",
                **named(cell["value"]),
                segment=cell.get("segment"),
                n_leaders=cell.get("n_leaders"),
                n_employees=cell.get("n_employees"),
                leader_mean=round_mean(cell.get("leader_mean")),
                employee_mean=round_mean(cell.get("employee_mean")),
                gap=round_mean(cell.get("gap")),
                gap_ci_low=low,
                gap_ci_high=high,
                cliffs_delta=round_effect(cell.get("cliffs_delta")),
                effect_size=cell.get("effect_size"),
                test=cell.get("test"),
                p_value=round_p(cell.get("p_value")),
                q_value=round_p(cell.get("q_value")),
                favorable_pct=round_pct(cell.get("employee_favorable_pct")),
                unfavorable_pct=round_pct(cell.get("employee_unfavorable_pct")),
                leader_span=round_mean(cell.get("leader_span")),
                classification=cell.get("classification"),
                severity=cell.get("severity"),
                tags="; ".join(cell.get("tags") or []) or None,
                note=(
                    "not tested: fewer than 10 employees or no leader rating"
                    if cell.get("classification") == "insufficient_data"
                    else None
                ),
            )
        )

    # Calibration.
    for entry in data.get("calibration", []):
        if _is_suppressed(entry):
            rows.append(
                _row(
                    "calibration",
                    **named(entry["value"]),
                    n_leaders=entry.get("n_leaders"),
                    note=SUPPRESSED_NOTE,
                )
            )
            continue
        rows.append(
            _row(
                "calibration",
                **named(entry["value"]),
                n_leaders=entry.get("n_leaders"),
                n_employees=entry.get("n_employees"),
                mean_prediction_pct=round_pct(entry.get("mean_prediction")),
                actual_favorable_pct=round_pct(entry.get("actual_favorable_pct")),
                error_pp=round_pct(entry.get("error")),
                note="no prediction from leaders" if entry.get("mean_prediction") is None else None,
            )
        )
    agreement = data.get("profile_agreement") or {}
    if "calibration_mae" in data or agreement:
        rows.append(
            _row(
                "calibration_summary",
                mean_abs_error_pp=round_pct(data.get("calibration_mae")),
                profile_n_values=agreement.get("n_values"),
                profile_values="; ".join(agreement.get("values") or []) or None,
                rho=round_effect(agreement.get("rho")),
                p_value=round_p(agreement.get("p_value")),
                q_value=round_p(agreement.get("q_value")),
            )
        )

    # Leavers vs stayers.
    for cell in data.get("leavers_vs_stayers", []):
        pooled = ", ".join(cell.get("waves") or []) or None
        if _is_suppressed(cell):
            rows.append(
                _row(
                    "leavers_vs_stayers",
                    **named(cell["value"]),
                    segment=cell.get("segment"),
                    pooled_waves=pooled,
                    note=SUPPRESSED_NOTE,
                )
            )
            continue
        rows.append(
            _row(
                "leavers_vs_stayers",
                **named(cell["value"]),
                segment=cell.get("segment"),
                pooled_waves=pooled,
                n_exit=cell.get("n_exit"),
                n_lived=cell.get("n_lived"),
                exit_mean=round_mean(cell.get("exit_mean")),
                lived_mean=round_mean(cell.get("lived_mean")),
                cliffs_delta=round_effect(cell.get("cliffs_delta")),
                test=cell.get("test"),
                p_value=round_p(cell.get("p_value")),
                q_value=round_p(cell.get("q_value")),
                leaver_signal=_yes_no(cell.get("leaver_signal")),
            )
        )

    # Promised vs found.
    for entry in data.get("promised_vs_found", []):
        if _is_suppressed(entry):
            rows.append(
                _row(
                    "promised_vs_found",
                    **named(entry["value"]),
                    segment=entry.get("segment"),
                    note=SUPPRESSED_NOTE,
                )
            )
            continue
        rows.append(
            _row(
                "promised_vs_found",
                **named(entry["value"]),
                segment=entry.get("segment"),
                n=entry.get("n"),
                mean_expected=round_mean(entry.get("mean_expected")),
                mean_found=round_mean(entry.get("mean_found")),
                mean_difference=round_mean(entry.get("mean_difference")),
                rank_biserial=round_effect(entry.get("rank_biserial")),
                share_worse_pct=_share_pct(entry.get("share_worse")),
                share_equal_pct=_share_pct(entry.get("share_equal")),
                share_better_pct=_share_pct(entry.get("share_better")),
                p_value=round_p(entry.get("p_value")),
                q_value=round_p(entry.get("q_value")),
                credibility_gap=_yes_no(entry.get("credibility_gap")),
                note="no onboarding pair" if entry.get("n") is None else None,
            )
        )

    # Trends: the means per round, the trend test, the change since the previous round.
    trends = data.get("trends", [])
    for entry in trends:
        for point in entry.get("waves") or []:
            shown = point.get("mean") is not None
            rows.append(
                _row(
                    "trends",
                    **named(entry["value"]),
                    wave=point.get("wave"),
                    n=point.get("n") if shown else None,
                    mean=round_mean(point.get("mean")),
                    note=None if shown else SUPPRESSED_NOTE,
                )
            )
    for entry in trends:
        slope_low, slope_high = _pair(entry.get("slope_ci"), round_effect)
        rows.append(
            _row(
                "trend_tests",
                **named(entry["value"]),
                n_waves=entry.get("n_waves"),
                tau=round_effect(entry.get("tau")),
                slope=round_effect(entry.get("slope")),
                slope_ci_low=slope_low,
                slope_ci_high=slope_high,
                p_value=round_p(entry.get("p_value")),
                q_value=round_p(entry.get("q_value")),
                declining=_yes_no(entry.get("declining")),
                note=("fewer than 5 rounds with a mean" if entry.get("tau") is None else None),
            )
        )
    for entry in trends:
        change = entry.get("change")
        if not change:
            continue
        shown = change.get("change") is not None
        rows.append(
            _row(
                "wave_to_wave",
                **named(entry["value"]),
                from_wave=change.get("from"),
                to_wave=change.get("to"),
                n_previous=change.get("n_previous") if shown else None,
                n_current=change.get("n_current") if shown else None,
                change=round_mean(change.get("change")),
                cliffs_delta=round_effect(change.get("cliffs_delta")) if shown else None,
                test=change.get("test") if shown else None,
                p_value=round_p(change.get("p_value")) if shown else None,
                q_value=round_p(change.get("q_value")) if shown else None,
                note=None if shown else SUPPRESSED_NOTE,
            )
        )

    # eNPS.
    enps = data.get("enps")
    if enps:
        if _is_suppressed(enps):
            rows.append(_row("enps", question=enps.get("question"), note=SUPPRESSED_NOTE))
        else:
            low, high = _pair(enps.get("ci"), round_pct)
            rows.append(
                _row(
                    "enps",
                    question=enps.get("question"),
                    n=enps.get("n"),
                    promoters=enps.get("promoters"),
                    passives=enps.get("passives"),
                    detractors=enps.get("detractors"),
                    enps=round_pct(enps.get("score")),
                    enps_ci_low=low,
                    enps_ci_high=high,
                    note="no recommend question" if enps.get("question") is None else None,
                )
            )

    # Reliability.
    for entry in data.get("reliability", []):
        if _is_suppressed(entry):
            rows.append(
                _row(
                    "reliability",
                    **named(entry["value"]),
                    n_items=entry.get("n_items"),
                    note=SUPPRESSED_NOTE,
                )
            )
            continue
        low, high = _pair(entry.get("alpha_ci"), round_effect)
        note = entry.get("note")
        if entry.get("alpha") is None and (entry.get("n_items") or 0) < 2:
            note = "fewer than 2 employee items"
        rows.append(
            _row(
                "reliability",
                **named(entry["value"]),
                n_items=entry.get("n_items"),
                n=entry.get("n"),
                alpha=round_effect(entry.get("alpha")),
                alpha_ci_low=low,
                alpha_ci_high=high,
                warning=entry.get("warning"),
                note=note,
            )
        )

    # Drivers and priorities.
    for entry in data.get("drivers", []):
        if _is_suppressed(entry):
            rows.append(
                _row(
                    "drivers",
                    **named(entry["value"]),
                    outcome=entry.get("outcome"),
                    question=entry.get("question"),
                    note=SUPPRESSED_NOTE,
                )
            )
            continue
        rows.append(
            _row(
                "drivers",
                **named(entry["value"]),
                outcome=entry.get("outcome"),
                question=entry.get("question"),
                n=entry.get("n"),
                rho=round_effect(entry.get("rho")),
                p_value=round_p(entry.get("p_value")),
                q_value=round_p(entry.get("q_value")),
            )
        )
    for entry in data.get("priorities", []):
        rows.append(
            _row(
                "priorities",
                rank=entry.get("rank"),
                **named(entry["value"]),
                priority=round_effect(entry.get("priority")),
                basis=entry.get("basis"),
                rho=round_effect(entry.get("driver_rho")),
                gap=round_mean(entry.get("gap")),
                classification=entry.get("classification"),
            )
        )

    # Comments, only when the snapshot shows them.
    comments = data.get("comments") or {}
    if comments.get("shown"):
        for item in comments.get("items") or []:
            rows.append(_row("comments", question=item.get("question"), comment=item.get("text")))
    return rows


# --- Spreadsheet safety -----------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML 1.0 (and so XLSX) cannot hold; removed from both exports alike.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run: a leading apostrophe before a formula start."""
    text = _ILLEGAL.sub("", text)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _cell(value: Any) -> Any:
    """What a spreadsheet cell holds: None, a number, or neutralised text."""
    if value is None or isinstance(value, bool):
        return None if value is None else _yes_no(value)
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def _csv_text(value: Any) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def report_csv(data: dict) -> bytes:
    """The rows as CSV: UTF-8 with a BOM (so Excel reads it as UTF-8), one header row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    header = ["section", *COLUMNS]
    writer.writerow(header)
    for row in report_rows(data):
        writer.writerow([_csv_text(row.get(column)) for column in header])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(data: dict) -> bytes:
    """The rows as an XLSX workbook: one sheet per section, a bold frozen header row."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    by_section: dict[str, list[dict]] = defaultdict(list)
    for row in report_rows(data):
        by_section[row["section"]].append(row)

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for section, columns in SECTIONS.items():
        sheet = workbook.create_sheet(title=section[:31])
        widths = [len(column) for column in columns]
        for c, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=c, value=neutralise(column))
            cell.data_type = TYPE_STRING
            cell.font = bold
        for r, row in enumerate(by_section.get(section, []), start=2):
            for c, column in enumerate(columns, start=1):
                value = _cell(row.get(column))
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, str):
                    cell.value = value
                    cell.data_type = TYPE_STRING  # never a formula
                    if len(value) > 60:
                        cell.alignment = wrap
                else:
                    cell.value = value
                    cell.number_format = _NUMBER_FORMATS.get(column, "0")
                widths[c - 1] = max(widths[c - 1], len(str(value)))
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 80)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------

KNOWN_CHARTS = ("gap", "sdi_trend", "calibration")


def segment_label(segment: str) -> str:
    """A segment key for people: "Department: Sales", "Tenure: less than 6 months"."""
    if segment == "all":
        return SEGMENT_KIND_LABELS["all"]
    kind, _, name = segment.partition(":")
    if kind == "tenure_band":
        name = TENURE_LABELS.get(name, name)
    return f"{SEGMENT_KIND_LABELS.get(kind, kind)}: {name}"


def class_label(classification: str | None) -> str:
    return CLASS_LABELS.get(classification or "", classification or "")


MINUS = "\u2212"  # a typographic minus for printed figures, as on the page


def _text(x: Any, places: int, *, signed: bool = False) -> str:
    value = round_places(x, places)
    if value is None:
        return "–"
    text = f"{value:.{places}f}".replace("-", MINUS)
    return "+" + text if signed and value > 0 else text


def format_mean(x: Any, *, signed: bool = False) -> str:
    """A mean, gap or other scale figure for people: "2.7", "+2.0" ("–" when missing)."""
    return _text(x, 1, signed=signed)


def format_pct(x: Any, *, signed: bool = False) -> str:
    """A percentage (or percentage points, eNPS, index) for people: "3" ("–" when missing)."""
    return _text(x, 0, signed=signed)


def format_effect(x: Any, *, signed: bool = False) -> str:
    """An effect size or correlation for people: "0.99", "+1.00" ("–" when missing)."""
    return _text(x, 2, signed=signed)


def format_p(x: Any) -> str:
    """A p- or q-value for people: 3 significant figures ("0.52") or "<0.001"."""
    value = round_p(x)
    if value is None:
        return "–"
    return value if isinstance(value, str) else f"{value:.3g}"


def _count(x: Any) -> str:
    return "–" if x is None else str(x)


def _share(x: Any) -> str:
    value = _number(x)
    return format_pct(None if value is None else value * 100)


def _with_n(figure: str, n: Any) -> str:
    return figure if n is None else f"{figure} (n {n})"


def _interval(interval: Any, formatter) -> str:
    if not interval or len(interval) != 2 or interval[0] is None:
        return "–"
    return f"{formatter(interval[0])} to {formatter(interval[1])}"


def _class_words(classification: str | None, severity: str | None, tags: list[str]) -> str:
    words = class_label(classification)
    if severity:
        words += f" ({SEVERITY_LABELS.get(severity, severity)})"
    for tag in tags:
        words += f" · {TAG_LABELS.get(tag, tag)}"
    return words


def _stated_row(cell: dict) -> dict:
    segment = cell.get("segment", "")
    kind, _, name = segment.partition(":")
    if kind == "tenure_band":
        name = TENURE_LABELS.get(name, name)
    base = {
        "segment": segment,
        "group": SEGMENT_KIND_LABELS.get(kind, kind),
        "label": SEGMENT_KIND_LABELS["all"] if segment == "all" else name,
        "classification": cell.get("classification"),
    }
    if _is_suppressed(cell):
        return base | {"suppressed": True, "class_text": CLASS_LABELS["suppressed"]}
    return base | {
        "suppressed": False,
        "n_leaders": _count(cell.get("n_leaders")),
        "n_employees": _count(cell.get("n_employees")),
        "leaders": _with_n(format_mean(cell.get("leader_mean")), cell.get("n_leaders")),
        "employees": _with_n(format_mean(cell.get("employee_mean")), cell.get("n_employees")),
        "leader_mean": format_mean(cell.get("leader_mean")),
        "employee_mean": format_mean(cell.get("employee_mean")),
        "gap": format_mean(cell.get("gap"), signed=True),
        "interval": _interval(cell.get("gap_ci"), format_mean),
        "delta": format_effect(cell.get("cliffs_delta"), signed=True),
        "q": format_p(cell.get("q_value")),
        "favorable": format_pct(cell.get("employee_favorable_pct")),
        "class_text": _class_words(
            cell.get("classification"), cell.get("severity"), cell.get("tags") or []
        ),
        "flag": cell.get("classification") in ("blind_spot", "hidden_strength"),
    }


def _calibration_view(entry: dict | None) -> dict | None:
    if entry is None:
        return None
    if _is_suppressed(entry):
        return {"suppressed": True, "n_leaders": entry.get("n_leaders")}
    if entry.get("mean_prediction") is None:
        return {"suppressed": False, "missing": True}
    error = round_pct(entry.get("error"))
    if error is None or error == 0:
        reading = "well calibrated"
    elif error > 0:
        reading = "overconfident"
    else:
        reading = "too pessimistic"
    return {
        "suppressed": False,
        "missing": False,
        "n_leaders": entry.get("n_leaders"),
        "n_employees": entry.get("n_employees"),
        "prediction": format_pct(entry.get("mean_prediction")),
        "actual": format_pct(entry.get("actual_favorable_pct")),
        "error": format_pct(entry.get("error"), signed=True),
        "reading": reading,
    }


def _promised_view(entry: dict | None) -> dict | None:
    if entry is None:
        return None
    if _is_suppressed(entry):
        return {"suppressed": True}
    if entry.get("n") is None:
        return {"suppressed": False, "missing": True}
    return {
        "suppressed": False,
        "missing": False,
        "n": entry.get("n"),
        "expected": format_mean(entry.get("mean_expected")),
        "found": format_mean(entry.get("mean_found")),
        "difference": format_mean(entry.get("mean_difference"), signed=True),
        "r": format_effect(entry.get("rank_biserial"), signed=True),
        "worse": _share(entry.get("share_worse")),
        "equal": _share(entry.get("share_equal")),
        "better": _share(entry.get("share_better")),
        "q": format_p(entry.get("q_value")),
        "credibility_gap": bool(entry.get("credibility_gap")),
    }


def _leavers_row(cell: dict) -> dict:
    segment = cell.get("segment", "")
    base = {"label": segment_label(segment)}
    if _is_suppressed(cell):
        return base | {"suppressed": True}
    return base | {
        "suppressed": False,
        "n_exit": _count(cell.get("n_exit")),
        "n_lived": _count(cell.get("n_lived")),
        "exit_mean": format_mean(cell.get("exit_mean")),
        "lived_mean": format_mean(cell.get("lived_mean")),
        "delta": format_effect(cell.get("cliffs_delta"), signed=True),
        "q": format_p(cell.get("q_value")),
        "signal": bool(cell.get("leaver_signal")),
    }


def _trend_view(entry: dict | None) -> dict | None:
    if entry is None:
        return None
    points = [
        {
            "wave": p.get("wave"),
            "suppressed": p.get("mean") is None,
            "mean": format_mean(p.get("mean")),
            "n": _count(p.get("n")),
        }
        for p in entry.get("waves") or []
    ]
    change = entry.get("change")
    change_view = None
    if change:
        shown = change.get("change") is not None
        change_view = {
            "from": change.get("from"),
            "to": change.get("to"),
            "suppressed": not shown,
            "change": format_mean(change.get("change"), signed=True),
            "delta": format_effect(change.get("cliffs_delta"), signed=True),
            "q": format_p(change.get("q_value")),
        }
    return {
        "points": points,
        "tested": entry.get("tau") is not None,
        "tau": format_effect(entry.get("tau"), signed=True),
        "slope": format_effect(entry.get("slope"), signed=True),
        "slope_interval": _interval(entry.get("slope_ci"), format_effect),
        "q": format_p(entry.get("q_value")),
        "declining": bool(entry.get("declining")),
        "change": change_view,
    }


def report_pdf_context(
    data: dict,
    *,
    charts: dict[str, str] | None = None,
    generated_for: str = "",
    generated_on: dt.date | None = None,
) -> dict:
    """What the PDF template shows: the snapshot's figures, rounded and put into words."""
    if generated_on is None:
        from django.utils import timezone

        generated_on = timezone.localdate()
    names = _value_names(data)
    codes = [v["code"] for v in data.get("values", [])]
    k = data.get("min_group_size")

    stated: dict[str, list[dict]] = defaultdict(list)
    company: dict[str, dict] = {}
    for cell in data.get("stated_vs_lived", []):
        stated[cell["value"]].append(cell)
        if cell.get("segment") == "all":
            company[cell["value"]] = cell
    leavers: dict[str, list[dict]] = defaultdict(list)
    for cell in data.get("leavers_vs_stayers", []):
        leavers[cell["value"]].append(cell)
    pooled = next(
        (c.get("waves") for c in data.get("leavers_vs_stayers", []) if c.get("waves")), []
    )
    by_value = {
        key: {e["value"]: e for e in data.get(key, [])}
        for key in ("calibration", "promised_vs_found", "trends")
    }

    overview = []
    for code in codes:
        cell = company.get(code)
        if cell is None:
            continue
        overview.append({"name": names[code], **_stated_row(cell)})

    values = []
    for code in codes:
        cell = company.get(code)
        classification = cell.get("classification") if cell else None
        # Every cell compares the whole leadership group with the cell's employees.
        lead = next((c for c in stated.get(code, []) if not _is_suppressed(c)), None)
        values.append(
            {
                "code": code,
                "name": names[code],
                "leaders": None
                if lead is None
                else {
                    "n": lead.get("n_leaders"),
                    "mean": format_mean(lead.get("leader_mean")),
                    "rated": lead.get("leader_mean") is not None,
                },
                "classification": classification,
                "headline": _class_words(
                    classification, cell.get("severity"), cell.get("tags") or []
                )
                if cell
                else "",
                "explanation": CLASS_EXPLANATIONS.get(classification or "", ""),
                "tag_explanations": [
                    TAG_EXPLANATIONS[t]
                    for t in (cell or {}).get("tags") or []
                    if t in TAG_EXPLANATIONS
                ],
                "cells": [_stated_row(c) for c in stated.get(code, [])],
                "calibration": _calibration_view(by_value["calibration"].get(code)),
                "promised": _promised_view(by_value["promised_vs_found"].get(code)),
                "leavers": [_leavers_row(c) for c in leavers.get(code, [])],
                "trend": _trend_view(by_value["trends"].get(code)),
            }
        )

    # Key findings: the snapshot's own flags, company level.
    findings = {
        "blind_spots": [
            f"{names[c]} ({SEVERITY_LABELS.get(company[c].get('severity'), '')})"
            if company[c].get("severity")
            else names[c]
            for c in codes
            if c in company and company[c].get("classification") == "blind_spot"
        ],
        "hidden_strengths": [
            names[c]
            for c in codes
            if c in company and company[c].get("classification") == "hidden_strength"
        ],
        "credibility_gaps": [
            names[e["value"]]
            for e in data.get("promised_vs_found", [])
            if e.get("credibility_gap") and e["value"] in names
        ],
        "leaver_signals": [
            names[e["value"]]
            for e in data.get("leavers_vs_stayers", [])
            if e.get("leaver_signal") and e.get("segment") == "all" and e["value"] in names
        ],
        "declining": [
            names[e["value"]]
            for e in data.get("trends", [])
            if e.get("declining") and e["value"] in names
        ],
    }

    sdi = data.get("self_deception_index") or {}
    agreement = data.get("profile_agreement") or {}
    enps = data.get("enps") or {}
    comments = data.get("comments") or {}
    scope = data.get("scope") or {}
    chart_map = {name: svg for name, svg in (charts or {}).items() if isinstance(svg, str) and svg}

    responses = []
    for group, n in (data.get("responses") or {}).items():
        responses.append(
            {
                "label": RESPONSE_GROUP_LABELS.get(group, group),
                "n": SUPPRESSED_NOTE if n is None else n,
            }
        )

    return {
        "organization_name": data.get("organization_name") or data.get("organization", ""),
        "wave": data.get("wave", ""),
        "method_version": data.get("method_version", ""),
        "k": k,
        "generated_on": generated_on.isoformat(),
        "generated_for": generated_for,
        "scope_departments": scope.get("departments"),
        "responses": responses,
        "findings": findings,
        "has_findings": any(findings.values()),
        "sdi": {
            "value": format_pct(sdi.get("value")),
            "n_values": sdi.get("n_values"),
            "definition": sdi.get("definition", ""),
            "values": [names.get(c, c) for c in sdi.get("values") or []],
            "trend": [
                {
                    "wave": t.get("wave"),
                    "value": format_pct(t.get("value")),
                    "n_values": t.get("n_values"),
                }
                for t in sdi.get("trend") or []
            ],
        },
        "overview": overview,
        "calibration_mae": format_pct(data.get("calibration_mae")),
        "calibration_rows": [
            {"name": names.get(code, code), **(_calibration_view(entry) or {})}
            for code, entry in by_value["calibration"].items()
        ],
        "agreement": {
            "n_values": agreement.get("n_values"),
            "rho": format_effect(agreement.get("rho"), signed=True),
            "q": format_p(agreement.get("q_value")),
            "present": agreement.get("rho") is not None,
        },
        "values": values,
        "pooled_waves": pooled,
        "enps": {
            "present": bool(enps) and enps.get("question") is not None,
            "suppressed": _is_suppressed(enps),
            "score": format_pct(enps.get("score"), signed=True),
            "interval": _interval(enps.get("ci"), format_pct),
            "n": enps.get("n"),
            "promoters": enps.get("promoters"),
            "passives": enps.get("passives"),
            "detractors": enps.get("detractors"),
        },
        "reliability": [
            {
                "name": names.get(e["value"], e["value"]),
                "suppressed": _is_suppressed(e),
                "n_items": e.get("n_items"),
                "n": _count(e.get("n")),
                "alpha": format_effect(e.get("alpha")),
                "interval": _interval(e.get("alpha_ci"), format_effect),
                "warning": e.get("warning"),
                "note": e.get("note"),
            }
            for e in data.get("reliability", [])
        ],
        "reliability_warnings": [
            names.get(e["value"], e["value"])
            for e in data.get("reliability", [])
            if e.get("warning") or e.get("note")
        ],
        "priorities": [
            {
                "rank": p.get("rank"),
                "name": names.get(p["value"], p["value"]),
                "priority": format_effect(p.get("priority")),
                "basis": "gap" if p.get("basis") == "gap" else "share unfavorable",
                "rho": format_effect(p.get("driver_rho"), signed=True),
                "gap": format_mean(p.get("gap"), signed=True),
                "class_text": class_label(p.get("classification")),
            }
            for p in sorted(data.get("priorities", []), key=lambda p: p.get("rank") or 0)
        ],
        "priority_outcome": next(
            (d.get("outcome") for d in data.get("drivers", []) if not _is_suppressed(d)),
            None,
        ),
        "comments": {
            "shown": bool(comments.get("shown")),
            "min_group_size": comments.get("min_group_size"),
            "n_respondents": comments.get("n_respondents"),
            "items": [item.get("text", "") for item in comments.get("items") or []]
            if comments.get("shown")
            else [],
        },
        "n_tests": (data.get("multiple_comparisons") or {}).get("n_tests"),
        "classes": [
            {"label": CLASS_LABELS[code], "explanation": CLASS_EXPLANATIONS[code]}
            for code in CLASS_LABELS
        ],
        "tags": [
            {"label": TAG_LABELS[code], "explanation": TAG_EXPLANATIONS[code]}
            for code in TAG_LABELS
        ],
        "charts": chart_map,
        "extra_charts": [
            {"name": name, "svg": svg}
            for name, svg in chart_map.items()
            if name not in KNOWN_CHARTS
        ],
    }


def report_pdf_html(
    data: dict,
    *,
    charts: dict[str, str] | None = None,
    generated_for: str = "",
    generated_on: dt.date | None = None,
) -> str:
    """The HTML the PDF is printed from (templates/analytics/report_pdf.html)."""
    from django.template.loader import render_to_string

    context = report_pdf_context(
        data, charts=charts, generated_for=generated_for, generated_on=generated_on
    )
    return render_to_string("analytics/report_pdf.html", context)


def report_pdf(
    data: dict, *, charts: dict[str, str] | None = None, generated_for: str = ""
) -> bytes:
    """The report as a leader would forward it: an A4 PDF."""
    from django.conf import settings
    from weasyprint import HTML

    html = report_pdf_html(data, charts=charts, generated_for=generated_for)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
