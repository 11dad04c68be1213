"""A figure over survey rounds: the trend chart and the sparkline."""

import math
from collections.abc import Callable, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..format import format_mean, format_pct
from .svg import (
    ACCENT,
    LINES,
    SOFT_INK,
    WHITE,
    circle,
    clamp,
    document,
    esc,
    fewer_than,
    is_num,
    join_names,
    legend,
    line,
    num,
    text,
)


def _nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / (target - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw - 1e-12)
    first = math.ceil(lo / step - 1e-9) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _tick_label(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else f"{t:g}"


def _runs(values: Sequence[float | None]) -> list[list[int]]:
    """Indexes of consecutive non-None values."""
    runs, cur = [], []
    for i, v in enumerate(values):
        if is_num(v):
            cur.append(i)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def _path(points: Sequence[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{num(x)} {num(y)}" for x, y in points)


def _trend_lines(
    values: Sequence[float | None],
    px: Callable[[int], float],
    py: Callable[[float], float],
    width: float,
) -> list[str]:
    """One path per run of at least two consecutive figures: a None breaks the line."""
    out = []
    for run in _runs(values):
        if len(run) > 1:
            d = _path([(px(i), py(values[i])) for i in run])
            out.append(
                f'<path class="trend-line" d="{d}" fill="none" stroke="{ACCENT}" '
                f'stroke-width="{num(width)}" stroke-linejoin="round" '
                f'stroke-linecap="round"/>'
            )
    return out


def _fmt(y_format: str, v: float) -> str:
    if y_format == "{:.1f}":
        return format_mean(v)
    if y_format == "{:.0f}":
        return format_pct(v)
    return y_format.format(v)


def trend_chart(
    points: list[dict],
    *,
    y_min: float,
    y_max: float,
    label: str,
    y_format: str = "{:.1f}",
    k: int | None = None,
    missing_label: str | None = None,
    width: int = 400,
    height: int = 200,
) -> str:
    """A line over survey rounds. `points` are {"wave", "value", "n"}; a None value breaks the
    line and shows an open marker on the axis ("fewer than k responses" in its tooltip and in
    the desc). The last figure is labelled with its value (and n when known).

    `y_format` "{:.1f}" shows a mean and "{:.0f}" a whole number, rounded as `format.py`
    rounds. `missing_label` replaces "fewer than k responses" where a None means something
    else (for the self-deception index: no value with enough data).

    Text sizes are fixed in the chart's own units, so the `width` says how wide the chart is
    meant to be shown: 400 for a card in a two-column grid (axis labels about 14 px on a
    desktop, 9 px on a phone), wider for a chart across the page. Round labels are thinned so
    that each has at least 52 units.
    """
    missing_text = missing_label or fewer_than(k)
    left, right, top, bottom = 44, 80, 14, 44
    x0, x1, y_top, y_base = left, width - right, top, height - bottom
    span = (y_max - y_min) or 1.0
    count = len(points)

    def px(i: int) -> float:
        return (x0 + x1) / 2 if count <= 1 else x0 + i * (x1 - x0) / (count - 1)

    def py(v: float) -> float:
        return y_base - (clamp(v, y_min, y_max) - y_min) / span * (y_base - y_top)

    values = [p.get("value") if is_num(p.get("value")) else None for p in points]
    body: list[str] = []
    for t in _nice_ticks(y_min, y_max):
        y = py(t)
        body.append(line(x0 - 4, y, x1 + 8, y, LINES if t != y_min else SOFT_INK))
        body.append(text(x0 - 8, y + 4, _tick_label(t), size=12, fill=SOFT_INK, anchor="end"))

    step = max(1, math.ceil(count / max(2, (x1 - x0) // 52 + 1)))
    for i, p in enumerate(points):
        if (count - 1 - i) % step == 0:
            wave = str(p.get("wave", ""))
            body.append(text(px(i), y_base + 18, wave, size=12, fill=SOFT_INK, anchor="middle"))

    body.extend(_trend_lines(values, px, py, 2.5))

    missing = []
    for i, p in enumerate(points):
        wave, v, n = str(p.get("wave", "")), values[i], p.get("n")
        if v is None:
            missing.append(wave)
            tip = _("%(round)s: %(note)s, no figure") % {"round": wave, "note": missing_text}
            marker = circle(px(i), y_base, 4.5, WHITE, SOFT_INK, 1.5, cls="point-missing")
        else:
            n_text = f" (n = {n})" if n is not None else ""
            tip = f"{wave}: {_fmt(y_format, v)}{n_text}"
            marker = circle(px(i), py(v), 4, ACCENT, WHITE, 1.5, cls="point")
        body.append(f"<g><title>{esc(tip)}</title>{marker}</g>")

    shown = [i for i, v in enumerate(values) if v is not None]
    if shown:
        i = shown[-1]
        v = values[i]
        ly = py(v)
        body.append(text(px(i) + 10, ly + 4, _fmt(y_format, v), size=14, weight="600"))
        n = points[i].get("n")
        if n is not None:
            body.append(text(px(i) + 10, ly + 20, f"n = {n}", size=12, fill=SOFT_INK))
    if count and values[-1] is None:
        short = (
            _("no figure")
            if missing_label
            else _("fewer than %(k)s") % {"k": k if k is not None else "k"}
        )
        body.append(
            text(px(count - 1) + 10, y_base + 4, short, size=12, fill=SOFT_INK, italic=True)
        )
    if missing:
        no_figure = _("no figure: %(note)s") % {"note": missing_text}
        body.append(legend(height - 6, [("open", no_figure)], x=x0))

    desc = _trend_desc(points, values, missing, label, y_format, missing_text)
    return document("trend", width, height, label, desc, body)


def _trend_desc(
    points: Sequence[dict],
    values: Sequence[float | None],
    missing: list[str],
    label: str,
    y_format: str,
    missing_text: str,
) -> str:
    shown = [i for i, v in enumerate(values) if v is not None]
    if not points:
        return _("%(label)s: no survey rounds yet.") % {"label": label}
    if not shown:
        return ngettext(
            "%(label)s: no figure in %(count)s round (%(note)s).",
            "%(label)s: no figure in %(count)s rounds (%(note)s).",
            len(points),
        ) % {"label": label, "count": len(points), "note": missing_text}
    last, first = shown[-1], shown[0]
    n = points[last].get("n")
    figures = {
        "label": label,
        "figure": _fmt(y_format, values[last]),
        "round": points[last].get("wave"),
        "n": n,
    }
    desc = (
        _("%(label)s: %(figure)s in %(round)s (n = %(n)s)")
        if n is not None
        else _("%(label)s: %(figure)s in %(round)s")
    ) % figures
    if first != last:
        desc += _(", from %(figure)s in %(round)s") % {
            "figure": _fmt(y_format, values[first]),
            "round": points[first].get("wave"),
        }
    if missing:
        desc += _("; no figure for %(rounds)s (%(note)s)") % {
            "rounds": join_names(missing),
            "note": missing_text,
        }
    return desc + "."


def sparkline(
    values: list[float | None],
    *,
    y_min: float,
    y_max: float,
    label: str | None = None,
    y_format: str = "{:.1f}",
) -> str:
    """A tiny 80×20 trend for tables; a None value breaks the line, the last figure is a dot."""
    width, height, pad = 80, 20, 3
    count = len(values)
    span = (y_max - y_min) or 1.0
    vals = [v if is_num(v) else None for v in values]

    def px(i: int) -> float:
        return width / 2 if count <= 1 else pad + i * (width - 2 * pad) / (count - 1)

    def py(v: float) -> float:
        return height - pad - (clamp(v, y_min, y_max) - y_min) / span * (height - 2 * pad)

    body = [line(pad, height - pad, width - pad, height - pad, LINES)]
    body.extend(_trend_lines(vals, px, py, 1.5))
    shown = [i for i, v in enumerate(vals) if v is not None]
    if shown:
        i = shown[-1]
        body.append(
            f'<circle class="point" cx="{num(px(i))}" cy="{num(py(vals[i]))}" r="2" '
            f'fill="{ACCENT}"/>'
        )
    if not shown:
        desc = ngettext(
            "No figure in %(count)s round.", "No figure in %(count)s rounds.", count
        ) % {"count": count}
    elif len(shown) == 1:
        desc = _("%(figure)s in the only round with a figure.") % {
            "figure": _fmt(y_format, vals[shown[0]])
        }
    else:
        figures = {
            "first": _fmt(y_format, vals[shown[0]]),
            "last": _fmt(y_format, vals[shown[-1]]),
            "count": count,
            "gaps": count - len(shown),
        }
        desc = (
            ngettext(
                "From %(first)s to %(last)s over %(count)s rounds, %(gaps)s without a figure.",
                "From %(first)s to %(last)s over %(count)s rounds, %(gaps)s without a figure.",
                figures["gaps"],
            )
            if figures["gaps"]
            else _("From %(first)s to %(last)s over %(count)s rounds.")
        ) % figures
    return document("spark", width, height, label or _("Trend"), desc, body, scalable=False)
