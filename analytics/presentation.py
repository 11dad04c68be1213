"""Turns a (scoped) snapshot into what the report page shows. Reads the snapshot only: every
figure on the page is one the snapshot holds, so suppression is exactly the snapshot's."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from .charts import calibration_chart, gap_chart, heat_colour, sparkline, trend_chart
from .exports import CLASS_EXPLANATIONS, CLASS_LABELS

DIMENSION_LABELS = {
    "department": _("Department"),
    "tenure_band": _("Tenure"),
    "location": _("Location"),
    "level": _("Level"),
}
TENURE_LABELS = {
    "lt_6m": _("< 6 months"),
    "6_12m": _("6–12 months"),
    "1_2y": _("1–2 years"),
    "2_5y": _("2–5 years"),
    "5y_plus": _("5+ years"),
}
FLAGGED = ("blind_spot", "hidden_strength", "shared_weakness")
PRIORITY_SHOWN = 0.1
SEVERITY_LABELS = {"critical": _("critical"), "high": _("high"), "moderate": _("moderate")}


def segment_label(segment: str) -> str:
    if segment == "all":
        return str(_("Whole company"))
    dimension, _sep, name = segment.partition(":")
    if dimension == "tenure_band":
        return str(TENURE_LABELS.get(name, name))
    return name


def class_label(entry: dict[str, Any]) -> str:
    label = str(CLASS_LABELS.get(entry["classification"], entry["classification"]))
    if entry.get("severity"):
        label += f" · {SEVERITY_LABELS.get(entry['severity'], entry['severity'])}"
    return label


def heatmaps(data: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """Value × segment tables, one per dimension present in the (scoped) snapshot."""
    by_dimension: dict[str, list[str]] = {}
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in data["stated_vs_lived"]:
        cells[(entry["value"], entry["segment"])] = entry
        if entry["segment"] == "all":
            continue
        dimension = entry["segment"].split(":", 1)[0]
        columns = by_dimension.setdefault(dimension, [])
        if entry["segment"] not in columns:
            columns.append(entry["segment"])
    tables = []
    for dimension in DIMENSION_LABELS:
        columns = by_dimension.get(dimension)
        if not columns:
            continue
        rows = []
        for value in data["values"]:
            row = []
            for segment in ["all", *columns]:
                entry = cells.get((value["code"], segment))
                if entry is None:
                    continue
                background, text = heat_colour(entry["gap"], entry["classification"])
                row.append(
                    {
                        "entry": entry,
                        "background": background,
                        "text": text,
                        "label": class_label(entry),
                        "segment": segment_label(segment),
                    }
                )
            rows.append({"value": value, "cells": row})
        tables.append(
            {
                "dimension": dimension,
                "label": DIMENSION_LABELS[dimension],
                "columns": [segment_label("all")] + [segment_label(c) for c in columns],
                "rows": rows,
            }
        )
    return tables


def report_charts(data: dict[str, Any]) -> dict[str, str]:
    """The charts the page and the PDF share."""
    names = {v["code"]: v["name"] for v in data["values"]}
    k = data["min_group_size"]
    company = [e for e in data["stated_vs_lived"] if e["segment"] == "all"]
    return {
        "gap": gap_chart(company, names, k=k),
        "calibration": calibration_chart(data["calibration"], names, k=k),
        "sdi_trend": trend_chart(
            [
                {"wave": t["wave"], "value": t["value"], "n": t["n_values"]}
                for t in data["self_deception_index"]["trend"]
            ],
            y_min=0,
            y_max=100,
            label=str(_("Self-deception index by round")),
            y_format="{:.0f}",
            missing_label=str(_("no value with enough data")),
        ),
    }


def report_view(data: dict[str, Any]) -> dict[str, Any]:
    names = {v["code"]: v["name"] for v in data["values"]}
    company = [e for e in data["stated_vs_lived"] if e["segment"] == "all"]
    trends = {t["value"]: t for t in data["trends"]}
    calibration = {c["value"]: c for c in data["calibration"]}
    promised = {p["value"]: p for p in data["promised_vs_found"]}
    leavers = {e["value"]: e for e in data["leavers_vs_stayers"] if e["segment"] == "all"}
    reliability = {r["value"]: r for r in data["reliability"]}
    values = []
    for entry in company:
        code = entry["value"]
        trend = trends.get(code, {"waves": []})
        values.append(
            {
                "code": code,
                "name": names.get(code, code),
                "cell": entry,
                "label": class_label(entry),
                "explanation": CLASS_EXPLANATIONS.get(entry["classification"], ""),
                "flagged": entry["classification"] in FLAGGED,
                "trend": trend,
                "trend_chart": trend_chart(
                    [
                        {"wave": w["wave"], "value": w["mean"], "n": w["n"]}
                        for w in trend.get("waves", [])
                    ],
                    y_min=1,
                    y_max=5,
                    label=f"{names.get(code, code)}: employees' mean by round",
                    k=data["min_group_size"],
                ),
                "spark": sparkline([w["mean"] for w in trend.get("waves", [])], y_min=1, y_max=5),
                "calibration": calibration.get(code),
                "promised": promised.get(code),
                "leavers": leavers.get(code),
                "reliability": reliability.get(code),
            }
        )
    sdi = data["self_deception_index"]
    legend = [
        {"code": code, "label": CLASS_LABELS[code], "explanation": CLASS_EXPLANATIONS[code]}
        for code in (
            "blind_spot",
            "hidden_strength",
            "shared_weakness",
            "aligned_strength",
            "middling",
            "insufficient_data",
            "suppressed",
        )
    ]
    charts = report_charts(data)
    return {
        "values": values,
        "flagged": [v for v in values if v["flagged"]],
        "gap_chart": charts["gap"],
        "calibration_chart": charts["calibration"],
        "sdi": sdi,
        "sdi_chart": charts["sdi_trend"],
        "heatmaps": heatmaps(data, names),
        "legend": legend,
        "leavers_segments": [
            e | {"segment_label": segment_label(e["segment"]), "name": names.get(e["value"])}
            for e in data["leavers_vs_stayers"]
            if not e["suppressed"] or e["segment"] == "all"
        ],
        "leavers_hidden_departments": len(
            {
                e["segment"]
                for e in data["leavers_vs_stayers"]
                if e["suppressed"] and e["segment"] != "all"
            }
        ),
        "leavers_waves": next((e["waves"] for e in data["leavers_vs_stayers"]), []),
        "exit_pool": data.get("exit_pool"),
        "withheld_for_differencing": data.get("withheld_for_differencing") or 0,
        "reliability_warnings": [
            r | {"name": names.get(r["value"], r["value"])}
            for r in data["reliability"]
            if r.get("warning") or r.get("note")
        ],
        # Only values that call for attention: a priority of at least 0.1 (e.g. a driver of
        # 0.4 and a gap of a quarter point).
        "priorities": [
            p | {"name": names.get(p["value"], p["value"])}
            for p in data["priorities"]
            if p["priority"] >= PRIORITY_SHOWN
        ],
        "names": names,
    }
