"""The numbers of a report as rows: one section per view, each with fixed columns.

Every export takes the report already scoped for its reader (`selectors.report_scope`) and shows
exactly what that copy holds: no figure is computed or added here, and a suppressed entry keeps
its row (what identifies it, and its classification) with every figure empty and the note
"fewer than k responses". Figures are rounded by `format.py`, as the page and the PDF round
them; departments are named, as on the page (`department:Sales`).
"""

from collections.abc import Callable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from ..format import (
    SUPPRESSED_NOTE,
    round_effect,
    round_mean,
    round_p,
    round_pct,
    round_share,
    segment_text,
    times,
)
from ..schema import Report, department_names
from .columns import SECTIONS

Row = dict[str, Any]


def yes_no(x: Any) -> str | None:
    """`yes` or `no`: codes in the CSV (docs/exports.md); the XLSX shows them in words."""
    if x is None:
        return None
    return "yes" if x else "no"


def _pair(interval: Any, rounder: Callable[[Any], Any]) -> tuple[Any, Any]:
    if not interval or len(interval) != 2:
        return None, None
    return rounder(interval[0]), rounder(interval[1])


def _row(section: str, **values: Any) -> Row:
    row: Row = {"section": section}
    for column in SECTIONS[section]:
        row[column] = values.get(column)
    return row


def _withheld(entry: dict) -> bool:
    return bool(entry.get("suppressed")) or entry.get("classification") == "suppressed"


class _Rows:
    """One method per section; each yields that section's rows."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.names = {v["code"]: v["name"] for v in report["values"]}
        self.departments = department_names(report)

    def named(self, code: str) -> dict[str, str]:
        return {"value": code, "value_name": self.names.get(code, code)}

    def segment(self, segment: str) -> str:
        return segment_text(segment, self.departments)

    def head(self) -> Iterator[Row]:
        report = self.report
        scope = report.get("scope")
        comparisons = report["multiple_comparisons"]
        yield _row(
            "report",
            organization=report["organization"],
            organization_name=report["organization_name"],
            wave=report["wave"],
            method_version=report["method_version"],
            min_group_size=report["min_group_size"],
            scope=_("departments: %(departments)s")
            % {"departments": ", ".join(scope["departments"])}
            if scope
            else _("whole organization"),
            correction=comparisons["method"],
            n_tests=comparisons["n_tests"],
            fingerprint=report["fingerprint"],
        )
        for group, n in self.report["responses"].items():
            note = SUPPRESSED_NOTE if n is None else None
            yield _row("responses", group=group, n=n, note=note)

    def self_deception_index(self) -> Iterator[Row]:
        sdi = self.report["self_deception_index"]
        wave = self.report["wave"]
        for point in sdi["trend"]:
            current = point["wave"] == wave
            yield _row(
                "self_deception_index",
                wave=point["wave"],
                index=round_pct(point["value"]),
                n_values=point["n_values"],
                values_counted="; ".join(sdi["values"]) if current else None,
                definition=sdi["definition"] if current else None,
                note=_("no value with enough data") if point["value"] is None else None,
            )

    def stated_vs_lived(self) -> Iterator[Row]:
        for cell in self.report["stated_vs_lived"]:
            identity = self.named(cell["value"]) | {"segment": self.segment(cell["segment"])}
            if _withheld(cell):
                yield _row(
                    "stated_vs_lived", **identity, classification="suppressed", note=SUPPRESSED_NOTE
                )
                continue
            low, high = _pair(cell["gap_ci"], round_mean)
            yield _row(
                "stated_vs_lived",
                **identity,
                n_leaders=cell["n_leaders"],
                n_employees=cell["n_employees"],
                leader_mean=round_mean(cell["leader_mean"]),
                employee_mean=round_mean(cell["employee_mean"]),
                gap=round_mean(cell["gap"]),
                gap_ci_low=low,
                gap_ci_high=high,
                cliffs_delta=round_effect(cell["cliffs_delta"]),
                effect_size=cell["effect_size"],
                test=cell["test"],
                p_value=round_p(cell["p_value"]),
                q_value=round_p(cell["q_value"]),
                favorable_pct=round_pct(cell["employee_favorable_pct"]),
                unfavorable_pct=round_pct(cell["employee_unfavorable_pct"]),
                leader_span=round_mean(cell["leader_span"]),
                classification=cell["classification"],
                severity=cell["severity"],
                tags="; ".join(cell["tags"]) or None,
                note=_("not tested: fewer than 10 employees or no leader rating")
                if cell["classification"] == "insufficient_data"
                else None,
            )

    def calibration(self) -> Iterator[Row]:
        for entry in self.report["calibration"]:
            identity = self.named(entry["value"]) | {"n_leaders": entry["n_leaders"]}
            if entry["suppressed"]:
                yield _row("calibration", **identity, note=SUPPRESSED_NOTE)
                continue
            yield _row(
                "calibration",
                **identity,
                n_employees=entry["n_employees"],
                mean_prediction_pct=round_pct(entry["mean_prediction"]),
                actual_favorable_pct=round_pct(entry["actual_favorable_pct"]),
                error_pp=round_pct(entry["error"]),
                note=_("no prediction from leaders") if entry["mean_prediction"] is None else None,
            )
        agreement = self.report["profile_agreement"]
        yield _row(
            "calibration_summary",
            mean_abs_error_pp=round_pct(self.report["calibration_mae"]),
            profile_n_values=agreement["n_values"],
            profile_values="; ".join(agreement["values"]) or None,
            rho=round_effect(agreement["rho"]),
            p_value=round_p(agreement["p_value"]),
            q_value=round_p(agreement["q_value"]),
        )

    def leavers_vs_stayers(self) -> Iterator[Row]:
        for cell in self.report["leavers_vs_stayers"]:
            identity = self.named(cell["value"]) | {
                "segment": self.segment(cell["segment"]),
                "pooled_waves": ", ".join(cell["waves"]) or None,
            }
            if cell["suppressed"]:
                yield _row("leavers_vs_stayers", **identity, note=SUPPRESSED_NOTE)
                continue
            yield _row(
                "leavers_vs_stayers",
                **identity,
                n_exit=cell["n_exit"],
                n_lived=cell["n_lived"],
                exit_mean=round_mean(cell["exit_mean"]),
                lived_mean=round_mean(cell["lived_mean"]),
                cliffs_delta=round_effect(cell["cliffs_delta"]),
                test=cell["test"],
                p_value=round_p(cell["p_value"]),
                q_value=round_p(cell["q_value"]),
                leaver_signal=yes_no(cell["leaver_signal"]),
            )

    def promised_vs_found(self) -> Iterator[Row]:
        for entry in self.report["promised_vs_found"]:
            identity = self.named(entry["value"]) | {"segment": entry["segment"]}
            if entry["suppressed"]:
                yield _row("promised_vs_found", **identity, note=SUPPRESSED_NOTE)
                continue
            yield _row(
                "promised_vs_found",
                **identity,
                n=entry["n"],
                mean_expected=round_mean(entry["mean_expected"]),
                mean_found=round_mean(entry["mean_found"]),
                mean_difference=round_mean(entry["mean_difference"]),
                rank_biserial=round_effect(entry["rank_biserial"]),
                share_worse_pct=round_share(entry["share_worse"]),
                share_equal_pct=round_share(entry["share_equal"]),
                share_better_pct=round_share(entry["share_better"]),
                p_value=round_p(entry["p_value"]),
                q_value=round_p(entry["q_value"]),
                credibility_gap=yes_no(entry["credibility_gap"]),
                note=_("no onboarding pair") if entry["n"] is None else None,
            )

    def trends(self) -> Iterator[Row]:
        """The means per round, then the trend tests, then the change since the last round."""
        trends = self.report["trends"]
        for entry in trends:
            for point in entry["waves"]:
                shown = point["mean"] is not None
                yield _row(
                    "trends",
                    **self.named(entry["value"]),
                    wave=point["wave"],
                    n=point["n"] if shown else None,
                    mean=round_mean(point["mean"]),
                    note=None if shown else SUPPRESSED_NOTE,
                )
        for entry in trends:
            low, high = _pair(entry["slope_ci"], round_effect)
            yield _row(
                "trend_tests",
                **self.named(entry["value"]),
                n_waves=entry["n_waves"],
                tau=round_effect(entry["tau"]),
                slope=round_effect(entry["slope"]),
                slope_ci_low=low,
                slope_ci_high=high,
                p_value=round_p(entry["p_value"]),
                q_value=round_p(entry["q_value"]),
                declining=yes_no(entry["declining"]),
                note=_("fewer than 5 rounds with a mean") if entry["tau"] is None else None,
            )
        for entry in trends:
            change = entry["change"]
            if change is None:
                continue
            shown = change["change"] is not None
            yield _row(
                "wave_to_wave",
                **self.named(entry["value"]),
                from_wave=change["from"],
                to_wave=change["to"],
                n_previous=change["n_previous"],
                n_current=change["n_current"],
                change=round_mean(change["change"]),
                cliffs_delta=round_effect(change["cliffs_delta"]),
                test=change["test"],
                p_value=round_p(change["p_value"]),
                q_value=round_p(change["q_value"]),
                note=None if shown else SUPPRESSED_NOTE,
            )

    def enps(self) -> Iterator[Row]:
        enps = self.report["enps"]
        if enps["suppressed"]:
            yield _row("enps", question=enps["question"], note=SUPPRESSED_NOTE)
            return
        low, high = _pair(enps["ci"], round_pct)
        yield _row(
            "enps",
            question=enps["question"],
            n=enps["n"],
            promoters=enps["promoters"],
            passives=enps["passives"],
            detractors=enps["detractors"],
            enps=round_pct(enps["score"]),
            enps_ci_low=low,
            enps_ci_high=high,
            note=_("no recommend question") if enps["question"] is None else None,
        )

    def reliability(self) -> Iterator[Row]:
        for entry in self.report["reliability"]:
            identity = self.named(entry["value"]) | {"n_items": entry["n_items"]}
            if entry["suppressed"]:
                yield _row("reliability", **identity, note=SUPPRESSED_NOTE)
                continue
            low, high = _pair(entry["alpha_ci"], round_effect)
            note = entry["note"]
            if entry["alpha"] is None and entry["n_items"] < 2:
                note = _("fewer than 2 employee items")
            yield _row(
                "reliability",
                **identity,
                n=entry["n"],
                alpha=round_effect(entry["alpha"]),
                alpha_ci_low=low,
                alpha_ci_high=high,
                warning=entry["warning"],
                note=note,
            )

    def drivers(self) -> Iterator[Row]:
        for entry in self.report["drivers"]:
            identity = self.named(entry["value"]) | {
                "outcome": entry["outcome"],
                "question": entry["question"],
            }
            if entry["suppressed"]:
                yield _row("drivers", **identity, note=SUPPRESSED_NOTE)
                continue
            yield _row(
                "drivers",
                **identity,
                n=entry["n"],
                rho=round_effect(entry["rho"]),
                p_value=round_p(entry["p_value"]),
                q_value=round_p(entry["q_value"]),
            )
        for entry in self.report["priorities"]:
            yield _row(
                "priorities",
                rank=entry["rank"],
                **self.named(entry["value"]),
                priority=round_effect(entry["priority"]),
                basis=entry["basis"],
                rho=round_effect(entry["driver_rho"]),
                gap=round_mean(entry["gap"]),
                classification=entry["classification"],
            )

    def comments(self) -> Iterator[Row]:
        comments = self.report["comments"]
        if comments["shown"]:  # items of a hidden list are never exported, whatever it holds
            for item in comments["items"]:
                # Identical comments are one item, "×N" as on the page; older snapshots hold
                # one item per comment.
                yield _row(
                    "comments",
                    question=item["question"],
                    comment=times(item["text"], item.get("count", 1)),
                )


def report_rows(report: Report) -> list[Row]:
    """The numbers of a (scoped) report as rows.

    Each row is a dict with "section" and every column of `SECTIONS[section]`, in that order;
    None is an empty cell.
    """
    rows = _Rows(report)
    sections = (
        rows.head,
        rows.self_deception_index,
        rows.stated_vs_lived,
        rows.calibration,
        rows.leavers_vs_stayers,
        rows.promised_vs_found,
        rows.trends,
        rows.enps,
        rows.reliability,
        rows.drivers,
        rows.comments,
    )
    return [row for section in sections for row in section()]
