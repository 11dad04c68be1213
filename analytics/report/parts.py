"""The view of each part of a report: a stated vs lived cell, a value with everything the
report says of it, and its calibration, new hires, leavers and trend, every figure as text from
`format.py`. `view.ReportView` puts them together."""

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _

from analytics import stats

from . import format as fmt
from .charts import heat_colour, trend_chart
from .schema import Calibration, GapCell, LeaversCell, PromisedCell, Trend

FLAGGED = ("blind_spot", "hidden_strength", "shared_weakness")


@dataclass(frozen=True)
class CellView:
    """A stated vs lived cell."""

    value: str
    segment: str
    dimension: str  # "Department", or "Whole company"
    label: str  # "Sales"
    heading: str  # "Department: Sales"
    classification: str
    suppressed: bool
    class_label: str  # "Blind spot (critical)"
    class_text: str  # with the tags: "Not enough data · watch"
    tags: list[str]
    tag_labels: list[str]
    explanation: str
    next_step: str = ""  # a first step for a flagged value, in plain words
    flag: bool = False
    n_leaders: str = fmt.DASH
    n_employees: str = fmt.DASH
    leader_mean: str = fmt.DASH
    employee_mean: str = fmt.DASH
    gap: str = fmt.DASH
    interval: str = fmt.DASH
    delta: str = fmt.DASH
    q: str = fmt.DASH
    favorable: str = fmt.DASH
    background: str = ""
    colour: str = ""


@dataclass(frozen=True)
class ValueView:
    code: str
    name: str
    cell: CellView  # the whole company's
    cells: list[CellView]
    k: int
    points: list[dict[str, Any]]
    leaders: dict[str, Any] | None = None
    calibration: dict[str, Any] | None = None
    promised: dict[str, Any] | None = None
    leavers: list[dict[str, Any]] = field(default_factory=list)
    trend: dict[str, Any] | None = None
    # What the comments say about it (absent from reports stored before themes were).
    voice: dict[str, Any] | None = None
    voice_line: str = ""
    segment_voices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.cell.classification in FLAGGED

    @property
    def tag_explanations(self) -> list[str]:
        tags = [t for t in self.cell.tags if t in fmt.TAG_EXPLANATIONS]
        return [str(fmt.TAG_EXPLANATIONS[t]) for t in tags]

    @cached_property
    def trend_chart(self) -> str:
        points = [{"wave": p["wave"], "value": p["mean"], "n": p["n"]} for p in self.points]
        label = _("%(value)s: employees' mean by round") % {"value": self.name}
        return trend_chart(points, y_min=1, y_max=5, label=label, k=self.k)


def cell_view(cell: GapCell, departments: dict[int, str]) -> CellView:
    classification = cell["classification"]
    suppressed = classification == "suppressed"
    tags = [] if suppressed else list(cell["tags"])
    base = {
        "value": cell["value"],
        "segment": cell["segment"],
        "dimension": fmt.dimension_label(cell["segment"]),
        "label": fmt.segment_label(cell["segment"], departments),
        "heading": fmt.segment_heading(cell["segment"], departments),
        "classification": classification,
        "suppressed": suppressed,
        "class_label": fmt.class_label(classification, cell["severity"]),
        "class_text": fmt.class_text(classification, cell["severity"], tags),
        "tags": tags,
        "tag_labels": fmt.tag_labels(tags),
        "explanation": str(fmt.CLASS_EXPLANATIONS.get(classification, "")),
        "next_step": str(fmt.NEXT_STEPS.get(classification, "")),
    }
    if suppressed:
        return CellView(**base)
    background, colour = heat_colour(cell["gap"], classification)
    return CellView(
        **base,
        flag=classification in ("blind_spot", "hidden_strength"),
        n_leaders=fmt.format_count(cell["n_leaders"]),
        n_employees=fmt.format_count(cell["n_employees"]),
        leader_mean=fmt.format_mean(cell["leader_mean"]),
        employee_mean=fmt.format_mean(cell["employee_mean"]),
        gap=fmt.format_mean(cell["gap"], signed=True),
        interval=fmt.format_interval(cell["gap_ci"], fmt.format_mean, signed=True),
        delta=fmt.format_effect(cell["cliffs_delta"], signed=True),
        q=fmt.format_p(cell["q_value"]),
        favorable=fmt.format_percent(cell["employee_favorable_pct"]),
        background=background,
        colour=colour,
    )


def calibration_view(entry: Calibration | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    if entry["suppressed"]:
        return {"suppressed": True, "missing": False, "n_leaders": entry["n_leaders"]}
    if entry["mean_prediction"] is None:
        return {"suppressed": False, "missing": True, "n_leaders": entry["n_leaders"]}
    error = fmt.round_pct(entry["error"])
    if not error:
        reading = _("well calibrated")
    elif error > 0:
        reading = _("overconfident")
    else:
        reading = _("too pessimistic")
    return {
        "suppressed": False,
        "missing": False,
        "n_leaders": entry["n_leaders"],
        "n_employees": entry["n_employees"],
        "prediction": fmt.format_percent(entry["mean_prediction"]),
        "actual": fmt.format_percent(entry["actual_favorable_pct"]),
        "error": fmt.format_pct(entry["error"], signed=True),
        "reading": reading,
    }


def promised_view(entry: PromisedCell | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    if entry["n"] is None:
        return {"suppressed": entry["suppressed"], "missing": not entry["suppressed"]}
    return {
        "suppressed": False,
        "missing": False,
        "n": entry["n"],
        "expected": fmt.format_mean(entry["mean_expected"]),
        "found": fmt.format_mean(entry["mean_found"]),
        "difference": fmt.format_mean(entry["mean_difference"], signed=True),
        "r": fmt.format_effect(entry["rank_biserial"], signed=True),
        "worse": fmt.format_share(entry["share_worse"]),
        "equal": fmt.format_share(entry["share_equal"]),
        "better": fmt.format_share(entry["share_better"]),
        "q": fmt.format_p(entry["q_value"]),
        "credibility_gap": bool(entry["credibility_gap"]),
    }


def leavers_view(cell: LeaversCell, names: dict[str, str], departments: dict[int, str]) -> dict:
    base = {
        "name": names.get(cell["value"], cell["value"]),
        "segment": cell["segment"],
        "label": fmt.segment_label(cell["segment"], departments),
        "heading": fmt.segment_heading(cell["segment"], departments),
        "suppressed": cell["suppressed"],
    }
    if cell["suppressed"]:
        return base
    return base | {
        "n_exit": fmt.format_count(cell["n_exit"]),
        "n_lived": fmt.format_count(cell["n_lived"]),
        "exit_mean": fmt.format_mean(cell["exit_mean"]),
        "lived_mean": fmt.format_mean(cell["lived_mean"]),
        "delta": fmt.format_effect(cell["cliffs_delta"], signed=True),
        "q": fmt.format_p(cell["q_value"]),
        "signal": bool(cell["leaver_signal"]),
    }


def trend_view(entry: Trend | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    change = entry["change"]
    return {
        "points": [
            {
                "wave": p["wave"],
                "suppressed": p["mean"] is None,
                "mean": fmt.format_mean(p["mean"]),
                "n": fmt.format_count(p["n"]),
            }
            for p in entry["waves"]
        ],
        "tested": entry["tau"] is not None,
        "tau": fmt.format_effect(entry["tau"], signed=True),
        "slope": fmt.format_effect(entry["slope"], signed=True),
        "slope_interval": fmt.format_interval(entry["slope_ci"], fmt.format_effect, signed=True),
        "q": fmt.format_p(entry["q_value"]),
        "declining": bool(entry["declining"]),
        "change": None
        if change is None
        else {
            "from": change["from"],
            "to": change["to"],
            "suppressed": change["change"] is None,
            "change": fmt.format_mean(change["change"], signed=True),
            "delta": fmt.format_effect(change["cliffs_delta"], signed=True),
            "q": fmt.format_p(change["q_value"]),
            # The method's test (q < 0.05): a change chance alone would rarely give.
            "clear": change["q_value"] is not None and change["q_value"] < stats.Q_ALPHA,
        },
    }
