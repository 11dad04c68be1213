"""What a reader sees of a report: one view-model for the report page and the PDF.

It reads a (scoped) report only: every figure shown is one the report holds, so suppression is
exactly the report's, and every figure and label comes out of `format.py`. The page and the PDF
lay it out differently; they show the same words and numbers.
"""

from collections import defaultdict
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _

from . import format as fmt
from .charts import calibration_chart, gap_chart, heat_legend, trend_chart
from .parts import (
    CellView,
    ValueView,
    calibration_view,
    cell_view,
    leavers_view,
    promised_view,
    trend_view,
)
from .schema import ALL, Report, department_names, segment_dimension

DRIVER_STRONG, DRIVER_CLEAR = 0.5, 0.3  # |ρ| as words: "strongly", "clearly", else "somewhat"
PRIORITY_SHOWN = 0.1  # the page's "look here first": e.g. a driver of 0.4 and a gap of 0.25
# Comments printed on the page and in the PDF: a random sample (the report keeps them in random
# order) that a person reads, and a page and PDF whose size and time do not grow with the
# organization (100,000 respondents write some 10,000). The CSV and XLSX exports hold them all.
COMMENTS_SHOWN = 200
# Columns of one heatmap table in the PDF: the values of a wider report go on to a second
# table with the same rows, so every column keeps a width its figures and names fit.
PDF_HEATMAP_COLUMNS = 8


class ReportView:
    """A (scoped) report as people read it."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.k = report["min_group_size"]
        self.names = {v["code"]: v["name"] for v in report["values"]}
        self.departments = department_names(report)
        self.cells = [cell_view(c, self.departments) for c in report["stated_vs_lived"]]
        self.company = {c["value"]: c for c in report["stated_vs_lived"] if c["segment"] == ALL}
        self.values = self._values()
        self.flagged = [v for v in self.values if v.flagged]

    def _values(self) -> list[ValueView]:
        report = self.report
        cells: dict[str, list[CellView]] = defaultdict(list)
        for view in self.cells:
            cells[view.value].append(view)
        leavers: dict[str, list[dict]] = defaultdict(list)
        for entry in report["leavers_vs_stayers"]:
            leavers[entry["value"]].append(leavers_view(entry, self.names, self.departments))
        by_value = {
            key: {e["value"]: e for e in report[key]}
            for key in ("calibration", "promised_vs_found", "trends")
        }
        themes = report.get("themes")
        voices: dict[str, dict[str, Any]] = {}
        segment_voices: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if themes:
            rules = {
                "k": self.k,
                "need": themes["min_group_size"],
                "minimum": themes["min_phrase_respondents"],
            }
            for entry in themes["values"]:
                said = fmt.voice(entry, **rules)
                if entry["segment"] == ALL:
                    voices[entry["value"]] = said
                elif entry["shown"]:
                    said["label"] = fmt.segment_heading(entry["segment"], self.departments)
                    segment_voices[entry["value"]].append(said)
        values = []
        for code, name in self.names.items():
            if code not in self.company:
                continue
            # Every cell compares the whole leadership group with the cell's employees.
            lead = next(
                (
                    c
                    for c in report["stated_vs_lived"]
                    if c["value"] == code and c["classification"] != "suppressed"
                ),
                None,
            )
            trend = by_value["trends"].get(code)
            values.append(
                ValueView(
                    code=code,
                    name=name,
                    cell=cells[code][0],
                    cells=cells[code],
                    k=self.k,
                    points=trend["waves"] if trend else [],
                    leaders=None
                    if lead is None
                    else {
                        "n": lead["n_leaders"],
                        "mean": fmt.format_mean(lead["leader_mean"]),
                        "rated": lead["leader_mean"] is not None,
                    },
                    calibration=calibration_view(by_value["calibration"].get(code)),
                    promised=promised_view(by_value["promised_vs_found"].get(code)),
                    leavers=leavers.get(code, []),
                    trend=trend_view(trend),
                    voice=voices.get(code),
                    voice_line=fmt.voice_line(
                        self.company[code]["leader_mean"],
                        self.company[code]["employee_mean"],
                        voices[code]["text"],
                    )
                    if code in voices
                    else "",
                    segment_voices=segment_voices.get(code, []),
                )
            )
        return values

    # --- the head of the report -------------------------------------------------------------

    @cached_property
    def header(self) -> dict[str, Any]:
        report = self.report
        scope = report.get("scope")
        return {
            "organization_name": report["organization_name"] or report["organization"],
            "wave": report["wave"],
            "method_version": report["method_version"],
            "k": self.k,
            "scope_departments": scope["departments"] if scope else None,
            "n_tests": report["multiple_comparisons"]["n_tests"],
            "withheld_for_differencing": report["withheld_for_differencing"],
        }

    @cached_property
    def responses(self) -> list[dict[str, Any]]:
        return [
            {
                "label": str(fmt.RESPONSE_GROUP_LABELS.get(group, group)),
                "n": str(fmt.SUPPRESSED_NOTE) if n is None else n,
            }
            for group, n in self.report["responses"].items()
        ]

    @cached_property
    def findings(self) -> dict[str, list[str]]:
        """The report's own flags, company level."""
        report, names = self.report, self.names
        return {
            "blind_spots": [
                fmt.with_severity(v.name, self.company[v.code]["severity"])
                for v in self.values
                if v.cell.classification == "blind_spot"
            ],
            "hidden_strengths": [
                v.name for v in self.values if v.cell.classification == "hidden_strength"
            ],
            "credibility_gaps": [
                names[e["value"]] for e in report["promised_vs_found"] if e["credibility_gap"]
            ],
            "leaver_signals": [
                names[e["value"]]
                for e in report["leavers_vs_stayers"]
                if e["leaver_signal"] and e["segment"] == ALL
            ],
            "declining": [names[e["value"]] for e in report["trends"] if e["declining"]],
        }

    @property
    def has_findings(self) -> bool:
        return any(self.findings.values())

    @cached_property
    def key_findings(self) -> list[dict[str, Any]]:
        """The findings in plain words, the first thing a reader sees: what each kind of flag
        means and which values carry it."""
        return [
            {
                "label": str(label),
                "explanation": str(explanation),
                "values": self.findings[key],
                "text": f"{label} ({explanation}): {', '.join(self.findings[key])}",
            }
            for key, (label, explanation) in fmt.FINDING_LABELS.items()
            if self.findings[key]
        ]

    @cached_property
    def sdi(self) -> dict[str, Any]:
        sdi = self.report["self_deception_index"]
        return {
            "value": fmt.format_pct(sdi["value"]),
            "present": sdi["value"] is not None,
            "n_values": sdi["n_values"],
            "definition": _(sdi["definition"]) if sdi["definition"] else sdi["definition"],
            "values": [self.names.get(c, c) for c in sdi["values"]],
            "trend": [
                {"wave": t["wave"], "value": fmt.format_pct(t["value"]), "n_values": t["n_values"]}
                for t in sdi["trend"]
            ],
        }

    @cached_property
    def calibration_mae(self) -> dict[str, Any]:
        mae = self.report["calibration_mae"]
        return {"present": mae is not None, "value": fmt.format_pct(mae)}

    @cached_property
    def calibration_rows(self) -> list[dict[str, Any]]:
        return [
            {"name": self.names.get(e["value"], e["value"]), **calibration_view(e)}
            for e in self.report["calibration"]
        ]

    @cached_property
    def agreement(self) -> dict[str, Any]:
        agreement = self.report["profile_agreement"]
        return {
            "present": agreement["rho"] is not None,
            "n_values": agreement["n_values"],
            "rho": fmt.format_effect(agreement["rho"], signed=True),
            "q": fmt.format_p(agreement["q_value"]),
        }

    # --- breakdowns -------------------------------------------------------------------------

    @cached_property
    def _breakdowns(self) -> list[tuple[str, str, list[str]]]:
        """(dimension, its label, its segments after the whole company) of each dimension
        present in the (scoped) report, in the order of `format.DIMENSION_LABELS`."""
        columns: dict[str, list[str]] = {}
        for view in self.cells:
            if view.segment != ALL:
                found = columns.setdefault(segment_dimension(view.segment), [])
                if view.segment not in found:
                    found.append(view.segment)
        return [
            (dimension, str(label), [ALL, *columns[dimension]])
            for dimension, label in fmt.DIMENSION_LABELS.items()
            if columns.get(dimension)
        ]

    @cached_property
    def _cell_of(self) -> dict[tuple[str, str], CellView]:
        return {(view.value, view.segment): view for view in self.cells}

    @cached_property
    def heatmaps(self) -> list[dict[str, Any]]:
        """Value × segment tables, one per dimension present in the (scoped) report: a row per
        value, a column per segment (the page scrolls a wide one sideways)."""
        by_key = self._cell_of
        return [
            {
                "dimension": dimension,
                "label": label,
                "columns": [fmt.segment_label(s, self.departments) for s in keys],
                "rows": [
                    {
                        "name": v.name,
                        "cells": [by_key[(v.code, s)] for s in keys if (v.code, s) in by_key],
                    }
                    for v in self.values
                ],
            }
            for dimension, label, keys in self._breakdowns
        ]

    @cached_property
    def heat_legend(self) -> list[dict[str, str]]:
        """The heatmap's colour scale in words: which colour stands for which gap to leaders."""
        keys = []
        for side, background, colour, low, high in heat_legend():
            span = {"low": fmt.format_threshold(low), "high": fmt.format_threshold(high or 0)}
            if side == "even":
                label = _("Within %(high)s of each other") % span
            elif high is None:
                label = (
                    _("Leaders rate it %(low)s or more higher")
                    if side == "leaders"
                    else _("Employees rate it %(low)s or more higher")
                ) % span
            else:
                label = (
                    _("Leaders rate it %(low)s to %(high)s higher")
                    if side == "leaders"
                    else _("Employees rate it %(low)s to %(high)s higher")
                ) % span
            keys.append({"background": background, "colour": colour, "label": label})
        return keys

    @cached_property
    def heatmaps_printed(self) -> list[dict[str, Any]]:
        """The heatmaps as the PDF prints them: a row per segment and a column per value, so
        that 40 departments make a table 40 rows long rather than 40 columns wide; a report
        of more than PDF_HEATMAP_COLUMNS values gets a further table for the next values.
        A cell the report does not hold is None."""
        by_key = self._cell_of
        tables = []
        groups = [
            self.values[i : i + PDF_HEATMAP_COLUMNS]
            for i in range(0, len(self.values), PDF_HEATMAP_COLUMNS)
        ]
        for dimension, label, keys in self._breakdowns:
            for part, values in enumerate(groups, start=1):
                tables.append(
                    {
                        "dimension": dimension,
                        "label": label,
                        "part": part,
                        "parts": len(groups),
                        "values": [v.name for v in values],
                        "rows": [
                            {
                                "label": fmt.segment_label(s, self.departments),
                                "cells": [by_key.get((v.code, s)) for v in values],
                            }
                            for s in keys
                        ],
                    }
                )
        return tables

    @cached_property
    def leavers(self) -> dict[str, Any]:
        entries = self.report["leavers_vs_stayers"]
        return {
            "pool": self.report["exit_pool"],
            "waves": next((e["waves"] for e in entries), []),
            "rows": [
                leavers_view(e, self.names, self.departments)
                for e in entries
                if not e["suppressed"] or e["segment"] == ALL
            ],
            "hidden_departments": len(
                {e["segment"] for e in entries if e["suppressed"] and e["segment"] != ALL}
            ),
        }

    @cached_property
    def enps(self) -> dict[str, Any]:
        enps = self.report["enps"]
        return {
            "present": enps["question"] is not None,
            "suppressed": enps["suppressed"],
            "shown": enps["score"] is not None,
            "score": fmt.format_pct(enps["score"], signed=True),
            "interval": fmt.format_interval(enps["ci"], fmt.format_pct, signed=True),
            "n": enps["n"],
            "promoters": enps["promoters"],
            "passives": enps["passives"],
            "detractors": enps["detractors"],
        }

    @cached_property
    def reliability(self) -> list[dict[str, Any]]:
        return [
            {
                "name": self.names.get(e["value"], e["value"]),
                "suppressed": e["suppressed"],
                "n_items": e["n_items"],
                "n": fmt.format_count(e["n"]),
                "alpha": fmt.format_effect(e["alpha"]),
                "interval": fmt.format_interval(e["alpha_ci"], fmt.format_effect),
                "warning": e["warning"],
                "note": e["note"],
            }
            for e in self.report["reliability"]
        ]

    @property
    def reliability_warnings(self) -> list[dict[str, Any]]:
        return [r for r in self.reliability if r["warning"] or r["note"]]

    @cached_property
    def priorities(self) -> list[dict[str, Any]]:
        return [
            {
                "rank": p["rank"],
                "name": self.names.get(p["value"], p["value"]),
                "shown": p["priority"] >= PRIORITY_SHOWN,
                "priority": fmt.format_effect(p["priority"]),
                "basis": str(fmt.BASIS_LABELS.get(p["basis"], p["basis"])),
                "rho": fmt.format_effect(p["driver_rho"], signed=True),
                "gap": fmt.format_mean(p["gap"], signed=True),
                "has_gap": p["gap"] is not None,
                "class_text": fmt.class_label(p["classification"]),
                "plain": self._priority_words(p),
            }
            for p in sorted(self.report["priorities"], key=lambda p: p["rank"])
        ]

    def _priority_words(self, entry: dict[str, Any]) -> str:
        """Why a value is on "Look here first", without the statistics."""
        rho = abs(entry["driver_rho"] or 0.0)
        strength = (
            _("strongly")
            if rho >= DRIVER_STRONG
            else _("clearly")
            if rho >= DRIVER_CLEAR
            else _("somewhat")
        )
        moves = {"strength": strength, "outcome": self.priority_outcome}
        if entry["gap"] is None:
            return (
                _("many employees experience it as weak, and it %(strength)s moves %(outcome)s")
                % moves
            )
        return _(
            "leaders rate it %(gap)s points above employees' experience, and it %(strength)s "
            "moves %(outcome)s"
        ) % (moves | {"gap": fmt.format_mean(entry["gap"])})

    @property
    def priorities_shown(self) -> list[dict[str, Any]]:
        """Only values that call for attention, on the page."""
        return [p for p in self.priorities if p["shown"]]

    @cached_property
    def flagged_elsewhere(self) -> list[dict[str, str]]:
        """Flagged values that "Look here first" does not list, each with the reason: the list
        ranks by how much a value moves the outcome, which a flag alone does not say."""
        listed = {p["name"] for p in self.priorities_shown[:3]}
        ranked = {p["value"]: p for p in self.report["priorities"]}
        found = []
        for value in self.flagged:
            if value.name in listed:
                continue
            entry = ranked.get(value.code)
            if entry is None:
                reason = _(
                    "not ranked: how much it moves %(outcome)s could not be measured (too few "
                    "answers to that question, or it was not asked)"
                ) % {"outcome": self.priority_outcome}
            elif entry["priority"] < PRIORITY_SHOWN:
                reason = _(
                    "ranked %(rank)d, but it barely moves %(outcome)s (ρ = %(rho)s), so it is "
                    "worth a look without being first"
                ) % {
                    "rank": entry["rank"],
                    "outcome": self.priority_outcome,
                    "rho": fmt.format_effect(entry["driver_rho"], signed=True),
                }
            else:
                reason = _("ranked %(rank)d, after the three above") % {"rank": entry["rank"]}
            found.append(
                {"name": value.name, "class_text": value.cell.class_label, "reason": reason}
            )
        return found

    @cached_property
    def priority_outcome(self) -> str:
        outcome = next((d["outcome"] for d in self.report["drivers"] if not d["suppressed"]), None)
        return str(fmt.OUTCOME_LABELS.get(outcome or "enps"))

    @cached_property
    def comments(self) -> dict[str, Any]:
        comments = self.report["comments"]
        items = (
            [fmt.times(item["text"], item.get("count", 1)) for item in comments["items"]]
            if comments["shown"]
            else []
        )
        return {
            "shown": comments["shown"],
            "min_group_size": comments["min_group_size"],
            "n_respondents": comments["n_respondents"],
            "total": len(items),
            "items": items[:COMMENTS_SHOWN],
            "more": max(0, len(items) - COMMENTS_SHOWN),  # in the CSV and XLSX exports
        }

    @cached_property
    def legend(self) -> dict[str, list[dict[str, str]]]:
        return {
            "classes": [
                {
                    "code": code,
                    "label": str(fmt.CLASS_LABELS[code]),
                    "explanation": str(fmt.CLASS_EXPLANATIONS[code]),
                }
                for code in fmt.CLASS_ORDER
            ],
            "tags": [
                {"code": code, "label": str(label), "explanation": str(fmt.TAG_EXPLANATIONS[code])}
                for code, label in fmt.TAG_LABELS.items()
            ],
        }

    # --- charts, drawn when a template asks for them ----------------------------------------

    @cached_property
    def gap_chart(self) -> str:
        company = list(self.company.values())
        return gap_chart(company, self.names, k=self.k, departments=self.departments)

    @cached_property
    def calibration_chart(self) -> str:
        return calibration_chart(self.report["calibration"], self.names, k=self.k)

    @cached_property
    def sdi_chart(self) -> str:
        """The index over the rounds, drawn to be read across the page (and in the PDF)."""
        return self._sdi_trend(width=900, height=220)

    @cached_property
    def sdi_chart_narrow(self) -> str:
        """The same chart drawn for a phone's width, where the wide one's text would shrink."""
        return self._sdi_trend(width=400, height=200)

    def _sdi_trend(self, *, width: int, height: int) -> str:
        points = [
            {"wave": t["wave"], "value": t["value"], "n": t["n_values"]}
            for t in self.report["self_deception_index"]["trend"]
        ]
        return trend_chart(
            points,
            y_min=0,
            y_max=100,
            label=_("Self-deception index by round"),
            y_format="{:.0f}",
            missing_label=_("no value with enough data"),
            width=width,
            height=height,
        )
