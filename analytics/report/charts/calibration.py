"""Calibration: leaders' predicted share of favourable answers against the actual share."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
                ("circle", _("Actual %% favourable (employees)") % {}),
                ("diamond", _("Leaders’ mean prediction")),
            ],
        )
    ]
    for p in (0, 25, 50, 75, 100):
        x = _x(p)
        body.append(svg.line(x, plot_top, x, plot_bottom, svg.LINES))
        body.append(svg.text(x, TOP - 12, f"{p}%", size=11, fill=svg.SOFT_INK, anchor="middle"))
    body.append(svg.text(0, TOP - 12, _("Value"), size=11, fill=svg.SOFT_INK))
    body.append(svg.text(RIGHT_X, TOP - 12, _("Calibration error"), size=11, fill=svg.SOFT_INK))

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
            tip = _("%(name)s: %(note)s.") % {"name": name, "note": note}
        elif not svg.is_num(pred):
            row.append(svg.line(X0, ymid, X1, ymid, svg.LINES))
            row.append(svg.circle(_x(actual), ymid, 4.5, svg.INK, cls="actual"))
            row.append(
                svg.text(
                    RIGHT_X,
                    y0 + 18,
                    _("no prediction"),
                    size=12.5,
                    fill=svg.SOFT_INK,
                    weight="600",
                )
            )
            row.append(
                svg.text(
                    RIGHT_X,
                    y0 + 34,
                    _("actual %(actual)s%%") % {"actual": format_pct(actual)},
                    size=11,
                    fill=svg.SOFT_INK,
                )
            )
            tip = _("%(name)s: no prediction from leaders; actual %(actual)s%% favourable.") % {
                "name": name,
                "actual": format_pct(actual),
            }
        else:
            err = err if svg.is_num(err) else pred - actual
            rounded = round_pct(err)
            if rounded > 0:
                colour, word = svg.DANGER, _("overconfident")
                over.append(name)
            elif rounded < 0:
                colour, word = svg.OK, _("underconfident")
                under.append(name)
            else:
                colour, word = svg.SOFT_INK, _("calibrated")
            xa, xp = _x(actual), _x(pred)
            row.append(svg.line(X0, ymid, X1, ymid, svg.LINES))
            row.append(svg.line(xa, ymid, xp, ymid, colour, 2.5, ' class="error-line"'))
            row.append(svg.diamond(xp, ymid, 7, colour, cls="prediction"))
            row.append(svg.circle(xa, ymid, 4.5, svg.INK, cls="actual"))
            reading = _("%(points)s pts %(word)s") % {"points": _points(err), "word": word}
            row.append(svg.text(RIGHT_X, y0 + 18, reading, size=12.5, fill=colour, weight="600"))
            numbers = _("predicted %(predicted)s%% · actual %(actual)s%%") % {
                "predicted": format_pct(pred),
                "actual": format_pct(actual),
            }
            row.append(svg.text(RIGHT_X, y0 + 34, numbers, size=11, fill=svg.SOFT_INK))
            tip = _(
                "%(name)s: leaders predicted %(predicted)s%% favourable, actual %(actual)s%%, "
                "error %(points)s points (%(word)s); %(counts)s."
            ) % {
                "name": name,
                "predicted": format_pct(pred),
                "actual": format_pct(actual),
                "points": _points(err),
                "word": word,
                "counts": counts,
            }
        body.append(f'<g class="row"><title>{svg.esc(tip)}</title>{"".join(row)}</g>')

    body.append(
        svg.text(
            0,
            height - 8,
            _("Error = leaders’ mean prediction − actual %% favourable, in percentage points.")
            % {},
            size=11,
            fill=svg.SOFT_INK,
        )
    )
    title = _("Calibration: leaders’ predicted vs actual %% favourable, per value") % {}
    parts = []
    if over:
        parts.append(_("leaders overestimated %(names)s") % {"names": svg.join_names(over)})
    if under:
        parts.append(_("underestimated %(names)s") % {"names": svg.join_names(under)})
    desc = ngettext(
        "Leaders’ mean prediction of the share of favourable answers against the actual share "
        "for %(count)s value: %(found)s",
        "Leaders’ mean prediction of the share of favourable answers against the actual share "
        "for %(count)s values: %(found)s",
        len(rows),
    ) % {"count": len(rows), "found": "; ".join(parts) or _("no calibration error")}
    if hidden:
        desc += "; " + _("%(names)s hidden (%(note)s)") % {
            "names": svg.join_names(hidden),
            "note": svg.fewer_than(k),
        }
    return svg.document("calibration", 720, height, title, desc + ".", body)
