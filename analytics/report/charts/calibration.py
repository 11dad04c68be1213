"""Calibration: leaders' predicted share of favourable answers against the actual share."""

import analytics.report.charts.svg as svg

from ..format import NOT_ENOUGH, format_pct, round_pct
from .gap import ROW, TOP

X0, X1 = 210, 480
RIGHT_X = 504


def _x(p: float) -> float:
    return X0 + svg.clamp(p, 0, 100) / 100 * (X1 - X0)


def _points(x: float) -> str:
    """Signed percentage points, whole: "+77", "−24", "0"."""
    return format_pct(x, signed=True)


def calibration_chart(
    entries: list[dict], value_names: dict[str, str], *, k: int | None = None
) -> str:
    """Leaders' mean prediction of % favourable (diamond) vs the actual % favourable (circle),
    one dumbbell per value on a 0–100% axis, labelled with both numbers and the error in
    percentage points (positive: leaders overconfident)."""
    rows = list(entries)
    height = TOP + ROW * max(len(rows), 1) + 30
    plot_top, plot_bottom = TOP - 6, TOP + ROW * max(len(rows), 1) - 4
    body: list[str] = [
        svg.legend(
            14,
            [
                ("circle", "Actual % favourable (employees)"),
                ("diamond", "Leaders’ mean prediction"),
            ],
        )
    ]
    for p in (0, 25, 50, 75, 100):
        x = _x(p)
        body.append(svg.line(x, plot_top, x, plot_bottom, svg.LINES))
        body.append(svg.text(x, TOP - 12, f"{p}%", size=11, fill=svg.SOFT_INK, anchor="middle"))
    body.append(svg.text(0, TOP - 12, "Value", size=11, fill=svg.SOFT_INK))
    body.append(svg.text(RIGHT_X, TOP - 12, "Calibration error", size=11, fill=svg.SOFT_INK))

    over, under, hidden = [], [], []
    for i, e in enumerate(rows):
        y0 = TOP + i * ROW
        ymid = y0 + 22
        code = str(e.get("value", ""))
        name = str(value_names.get(code, code))
        pred, actual, err = e.get("mean_prediction"), e.get("actual_favorable_pct"), e.get("error")
        counts = svg.n_label(e.get("n_employees"), e.get("n_leaders"))
        row = [svg.text(0, y0 + 18, svg.truncate(name), size=13, weight="600")]
        if counts:
            row.append(svg.text(0, y0 + 34, counts, size=11, fill=svg.SOFT_INK))
        if e.get("suppressed") or not svg.is_num(actual):
            note = svg.fewer_than(k) if e.get("suppressed") else str(NOT_ENOUGH)
            if e.get("suppressed"):
                hidden.append(name)
            row.append(svg.text(X0 + 8, ymid + 4, note, size=11.5, fill=svg.SOFT_INK, italic=True))
            tip = f"{name}: {note}."
        elif not svg.is_num(pred):
            row.append(svg.line(X0, ymid, X1, ymid, svg.LINES))
            row.append(svg.circle(_x(actual), ymid, 4.5, svg.INK, cls="actual"))
            row.append(
                svg.text(
                    RIGHT_X, y0 + 18, "no prediction", size=12.5, fill=svg.SOFT_INK, weight="600"
                )
            )
            row.append(
                svg.text(
                    RIGHT_X, y0 + 34, f"actual {format_pct(actual)}%", size=11, fill=svg.SOFT_INK
                )
            )
            tip = f"{name}: no prediction from leaders; actual {format_pct(actual)}% favourable."
        else:
            err = err if svg.is_num(err) else pred - actual
            rounded = round_pct(err)
            if rounded > 0:
                colour, word = svg.DANGER, "overconfident"
                over.append(name)
            elif rounded < 0:
                colour, word = svg.OK, "underconfident"
                under.append(name)
            else:
                colour, word = svg.SOFT_INK, "calibrated"
            xa, xp = _x(actual), _x(pred)
            row.append(svg.line(X0, ymid, X1, ymid, svg.LINES))
            row.append(svg.line(xa, ymid, xp, ymid, colour, 2.5, ' class="error-line"'))
            row.append(svg.diamond(xp, ymid, 7, colour, cls="prediction"))
            row.append(svg.circle(xa, ymid, 4.5, svg.INK, cls="actual"))
            reading = f"{_points(err)} pts {word}"
            row.append(svg.text(RIGHT_X, y0 + 18, reading, size=12.5, fill=colour, weight="600"))
            numbers = f"predicted {format_pct(pred)}% · actual {format_pct(actual)}%"
            row.append(svg.text(RIGHT_X, y0 + 34, numbers, size=11, fill=svg.SOFT_INK))
            tip = (
                f"{name}: leaders predicted {format_pct(pred)}% favourable, actual "
                f"{format_pct(actual)}%, error {_points(err)} points ({word}); {counts}."
            )
        body.append(f'<g class="row"><title>{svg.esc(tip)}</title>{"".join(row)}</g>')

    body.append(
        svg.text(
            0,
            height - 8,
            "Error = leaders’ mean prediction − actual % favourable, in percentage points.",
            size=11,
            fill=svg.SOFT_INK,
        )
    )
    title = "Calibration: leaders’ predicted vs actual % favourable, per value"
    parts = []
    if over:
        parts.append(f"leaders overestimated {svg.join_names(over)}")
    if under:
        parts.append(f"underestimated {svg.join_names(under)}")
    desc = (
        f"Leaders’ mean prediction of the share of favourable answers against the actual "
        f"share for {len(rows)} values: " + ("; ".join(parts) or "no calibration error")
    )
    if hidden:
        desc += f"; {svg.join_names(hidden)} hidden ({svg.fewer_than(k)})"
    return svg.document("calibration", 720, height, title, desc + ".", body)
