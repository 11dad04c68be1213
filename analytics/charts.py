"""Server-rendered SVG charts of the gap report.

Every function takes figures shaped like the report snapshot (docs/report-schema.md) and returns
a standalone SVG 1.1 document as a plain `str`, ready to be inlined in a Django template (which
marks it safe) or in the WeasyPrint PDF. No JavaScript, no external reference, system fonts only.

Conventions, shared by every chart:

- explicit width, height and viewBox, plus ``style="max-width:100%"`` so a chart scales down
  on a phone (the viewBox keeps its proportions). The page's stylesheet adds ``height:auto``
  (app.css ``.chart svg``, report_pdf.html ``figure.chart svg``) so the box shrinks with it;
  that rule must not be inlined here: WeasyPrint reads an inline ``height:auto`` as the SVG's
  own height and then draws the chart in a square box;
- ``role="img"`` and ``aria-labelledby`` pointing to the chart's <title> and <desc>; the desc is
  a one-sentence summary of what the chart shows;
- colour never carries meaning alone: leaders and employees have different marker shapes, and
  every class or direction is also written out;
- every text colour has a contrast of at least 4.5:1 on white;
- every inserted text is escaped (value names come from users);
- means are shown to 1 decimal and percentages as whole numbers, rounding half up; n is shown;
- the output is deterministic: the same input gives the same string (element ids are derived
  from the content, so two different charts on one page do not share ids).
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["calibration_chart", "gap_chart", "heat_colour", "sparkline", "trend_chart"]

# House palette.
INK = "#1c2430"
SOFT_INK = "#4a5566"
LINES = "#d6dce4"
ACCENT = "#0b6e69"
DANGER = "#a3261b"
WARN = "#8a5a00"
OK = "#1d6b35"
WHITE = "#ffffff"
# Light tints (app.css --*-soft) for bands behind markers; never used for text.
_TINTS = {DANGER: "#fbe9e7", OK: "#e6f4ea", WARN: "#fff4dc", SOFT_INK: "#e9edf2", ACCENT: "#e3f2f1"}
SUPPRESSED_BG = "#eef1f4"

FONT = "system-ui, sans-serif"

CLASS_LABELS = {
    "blind_spot": "Blind spot",
    "hidden_strength": "Hidden strength",
    "shared_weakness": "Shared weakness",
    "aligned_strength": "Aligned strength",
    "middling": "Middling",
    "insufficient_data": "Not enough data",
    "suppressed": "Hidden",
}
CLASS_COLOURS = {"blind_spot": DANGER, "hidden_strength": OK, "shared_weakness": WARN}
TAG_LABELS = {"watch": "watch", "leadership_split": "leaders split"}

NOT_ENOUGH = "not enough data"


def _fewer_than(k: int | None) -> str:
    return f"fewer than {k if k is not None else 'k'} responses"


# --------------------------------------------------------------------------------------------
# Formatting


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _round_half_up(x: float, places: int) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    d = Decimal(repr(float(x))).quantize(quantum, rounding=ROUND_HALF_UP)
    return d if d != 0 else abs(d)  # never "-0.0"


def fmt_mean(x: float) -> str:
    """A mean on the 1–5 scale: 1 decimal, half up (2.75 -> "2.8")."""
    return str(_round_half_up(x, 1))


def fmt_pct(x: float) -> str:
    """A percentage: whole number, half up, without the % sign."""
    return str(_round_half_up(x, 0))


def _signed(d: Decimal) -> str:
    if d > 0:
        return f"+{d}"
    if d < 0:
        return f"\u2212{abs(d)}"
    return f"\u00b1{d}"


def fmt_gap(x: float) -> str:
    """A signed gap in scale points, 1 decimal: "+2.0", "−0.9", "±0.0"."""
    return _signed(_round_half_up(x, 1))


def fmt_points(x: float) -> str:
    """Signed percentage points, whole: "+77", "−24", "±0"."""
    return _signed(_round_half_up(x, 0))


def _range(lo: float, hi: float) -> str:
    return f"{fmt_gap(lo)} to {fmt_gap(hi)}"


def _n(x: float) -> str:
    """A coordinate: at most 2 decimals, no trailing zeros, never "-0"."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _truncate(name: str, limit: int = 26) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _n_label(n_employees: int | None, n_leaders: int | None) -> str:
    parts = []
    if n_employees is not None:
        parts.append(f"n = {n_employees}")
    if n_leaders is not None:
        parts.append(
            "no leader ratings"
            if n_leaders == 0
            else f"{n_leaders} leader{'' if n_leaders == 1 else 's'}"
        )
    return " · ".join(parts)


def _join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# --------------------------------------------------------------------------------------------
# SVG building blocks


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float = 12,
    fill: str = INK,
    anchor: str = "start",
    weight: str | None = None,
    italic: bool = False,
) -> str:
    attrs = [f'x="{_n(x)}"', f'y="{_n(y)}"', f'font-size="{_n(size)}"', f'fill="{fill}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if weight:
        attrs.append(f'font-weight="{weight}"')
    if italic:
        attrs.append('font-style="italic"')
    return f"<text {' '.join(attrs)}>{_esc(text)}</text>"


def _line(
    x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1, extra: str = ""
) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" '
        f'stroke-width="{_n(width)}"{extra}/>'
    )


def _circle(
    cx: float,
    cy: float,
    r: float,
    fill: str,
    stroke: str = WHITE,
    width: float = 1.5,
    cls: str = "",
) -> str:
    c = f' class="{cls}"' if cls else ""
    return (
        f'<circle{c} cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{_n(width)}"/>'
    )


def _diamond(cx: float, cy: float, r: float, fill: str, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    d = f"M{_n(cx)} {_n(cy - r)}L{_n(cx + r)} {_n(cy)}L{_n(cx)} {_n(cy + r)}L{_n(cx - r)} {_n(cy)}Z"
    return f'<path{c} d="{d}" fill="{fill}" stroke="{WHITE}" stroke-width="1.5"/>'


def _svg(
    kind: str,
    width: float,
    height: float,
    title: str,
    desc: str,
    body: Iterable[str],
    *,
    scalable: bool = True,
) -> str:
    content = "".join(body)
    digest = hashlib.sha256(f"{kind}\n{title}\n{desc}\n{content}".encode()).hexdigest()[:10]
    uid = f"cs-{kind}-{digest}"
    style = ' style="max-width:100%"' if scalable else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" class="chart chart-{kind}" '
        f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}"'
        f'{style} role="img" aria-labelledby="{uid}-title {uid}-desc" '
        f'font-family="{FONT}">'
        f'<title id="{uid}-title">{_esc(title)}</title>'
        f'<desc id="{uid}-desc">{_esc(desc)}</desc>'
        f"{content}</svg>"
    )


def _clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _is_num(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


# --------------------------------------------------------------------------------------------
# Stated vs lived


_G_WIDTH = 720
_G_NAME_X = 0
_G_X0, _G_X1 = 210, 500  # the 1–5 axis
_G_RIGHT_X = 524
_G_TOP = 58  # first row
_G_ROW = 46


def _gap_x(score: float) -> float:
    return _G_X0 + (_clamp(score, 1, 5) - 1) / 4 * (_G_X1 - _G_X0)


def _row_colour(classification: str) -> str:
    return CLASS_COLOURS.get(classification, SOFT_INK)


def _class_label(entry: dict) -> str:
    label = CLASS_LABELS.get(entry.get("classification") or "", "")
    if entry.get("classification") == "blind_spot" and entry.get("severity"):
        label += f" · {entry['severity']}"
    return label


def _legend(y: float, items: Sequence[tuple[str, str]], x: float = 0) -> str:
    """Legend items of (kind, label), kind one of circle, diamond, band, open."""
    parts = []
    for kind, label in items:
        if kind == "circle":
            parts.append(_circle(x + 6, y - 4, 4.5, INK))
        elif kind == "diamond":
            parts.append(_diamond(x + 6, y - 4, 6, SOFT_INK))
        elif kind == "open":
            parts.append(_circle(x + 6, y - 4, 4, WHITE, SOFT_INK, 1.5))
        else:  # band
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(y - 10)}" width="16" height="12" '
                f'fill="{_TINTS[SOFT_INK]}"/>'
            )
            parts.append(
                f'<path d="M{_n(x)} {_n(y - 10)}v12M{_n(x + 16)} {_n(y - 10)}v12" '
                f'stroke="{SOFT_INK}" stroke-width="1" fill="none"/>'
            )
        parts.append(_text(x + 20, y, label, size=11.5, fill=SOFT_INK))
        x += 26 + len(label) * 6.1 + 18
    return "".join(parts)


def gap_chart(entries: list[dict], value_names: dict[str, str], *, k: int | None = None) -> str:
    """Stated vs lived, one row per value, for the `stated_vs_lived` entries of ONE segment.

    On a 1–5 axis: the employees' mean (circle), the leaders' mean (diamond), the gap as a line
    between them, and the gap's 95% interval as a band from employee_mean + gap_ci[0] to
    employee_mean + gap_ci[1] (where the leaders' mean could plausibly sit relative to the
    employees'). A row is coloured by its class, and the class is also written at its end.
    Suppressed and insufficient rows show a grey note and no markers. `k`, when given, is
    written instead of the letter k in "fewer than k responses".
    """
    rows = list(entries)
    segment = next((e.get("segment") for e in rows if e.get("segment")), "all")
    height = _G_TOP + _G_ROW * max(len(rows), 1) + 30
    plot_top, plot_bottom = _G_TOP - 6, _G_TOP + _G_ROW * max(len(rows), 1) - 4
    body: list[str] = []

    body.append(
        _legend(
            14,
            [
                ("circle", "Employees’ mean"),
                ("diamond", "Leaders’ mean"),
                ("band", "95% interval of the gap"),
            ],
        )
    )
    # Axis: gridlines and tick labels at the top.
    for s in range(1, 6):
        x = _gap_x(s)
        body.append(_line(x, plot_top, x, plot_bottom, LINES))
        body.append(_text(x, _G_TOP - 12, str(s), size=11, fill=SOFT_INK, anchor="middle"))
    body.append(_text(_G_NAME_X, _G_TOP - 12, "Value", size=11, fill=SOFT_INK))
    body.append(_text(_G_RIGHT_X, _G_TOP - 12, "Reading", size=11, fill=SOFT_INK))

    flagged: dict[str, list[str]] = {"blind_spot": [], "hidden_strength": [], "shared_weakness": []}
    hidden, thin = [], []
    for i, e in enumerate(rows):
        y0 = _G_TOP + i * _G_ROW
        ymid = y0 + 22
        code = str(e.get("value", ""))
        name = str(value_names.get(code, code))
        cls = e.get("classification") or ""
        colour = _row_colour(cls)
        emp, lead, ci = e.get("employee_mean"), e.get("leader_mean"), e.get("gap_ci")
        n_label = _n_label(e.get("n_employees"), e.get("n_leaders"))
        row: list[str] = [_text(_G_NAME_X, y0 + 18, _truncate(name), size=13, weight="600")]
        if n_label:
            row.append(_text(_G_NAME_X, y0 + 34, n_label, size=11, fill=SOFT_INK))

        if cls == "suppressed" or (cls != "insufficient_data" and not _is_num(emp)):
            note = _fewer_than(k)
            hidden.append(name)
            row.append(_text(_G_X0 + 8, ymid + 4, note, size=11.5, fill=SOFT_INK, italic=True))
            tip = f"{name}: hidden, {note}."
        elif cls == "insufficient_data" or not (_is_num(emp) and _is_num(lead)):
            thin.append(name)
            row.append(
                _text(_G_X0 + 8, ymid + 4, NOT_ENOUGH, size=11.5, fill=SOFT_INK, italic=True)
            )
            tip = f"{name}: {NOT_ENOUGH}" + (f" ({n_label})." if n_label else ".")
        else:
            if cls in flagged:
                flagged[cls].append(name)
            xe, xl = _gap_x(emp), _gap_x(lead)
            row.append(_line(_G_X0, ymid, _G_X1, ymid, LINES))
            if ci and _is_num(ci[0]) and _is_num(ci[1]):
                xa, xb = sorted((_gap_x(emp + ci[0]), _gap_x(emp + ci[1])))
                row.append(
                    f'<rect class="gap-ci" x="{_n(xa)}" y="{_n(ymid - 8)}" '
                    f'width="{_n(xb - xa)}" height="16" fill="{_TINTS[colour]}"/>'
                )
                row.append(
                    f'<path d="M{_n(xa)} {_n(ymid - 8)}v16M{_n(xb)} {_n(ymid - 8)}v16" '
                    f'stroke="{colour}" stroke-width="1" fill="none"/>'
                )
            row.append(_line(xe, ymid, xl, ymid, colour, 2.5, ' class="gap-line"'))
            row.append(_diamond(xl, ymid, 7, colour, cls="leader-mean"))
            row.append(_circle(xe, ymid, 4.5, INK, cls="employee-mean"))
            gap = e.get("gap") if _is_num(e.get("gap")) else lead - emp
            label = _class_label(e)
            row.append(_text(_G_RIGHT_X, y0 + 18, label, size=12.5, fill=colour, weight="600"))
            detail = [f"gap {fmt_gap(gap)}"]
            detail += [TAG_LABELS[t] for t in e.get("tags") or () if t in TAG_LABELS]
            row.append(_text(_G_RIGHT_X, y0 + 34, " · ".join(detail), size=11, fill=SOFT_INK))
            ci_text = (
                f" (95% interval {_range(ci[0], ci[1])})"
                if ci and _is_num(ci[0]) and _is_num(ci[1])
                else ""
            )
            tip = (
                f"{name}: employees {fmt_mean(emp)}, leaders {fmt_mean(lead)}, "
                f"gap {fmt_gap(gap)}{ci_text}; {label.lower()}; {n_label}."
            )
        body.append(f'<g class="row row-{_esc(cls)}"><title>{_esc(tip)}</title>{"".join(row)}</g>')

    body.append(
        _text(
            _G_NAME_X,
            height - 8,
            "Scale 1 to 5: 5 means the value is fully lived.",
            size=11,
            fill=SOFT_INK,
        )
    )

    seg = "" if segment == "all" else f" ({segment.replace(':', ': ', 1)})"
    title = f"Stated vs lived: leaders’ and employees’ ratings per value{seg}"
    desc = _gap_desc(len(rows), flagged, hidden, thin, k)
    return _svg("gap", _G_WIDTH, height, title, desc, body)


def _gap_desc(
    n_rows: int, flagged: dict[str, list[str]], hidden: list[str], thin: list[str], k: int | None
) -> str:
    parts = []
    for cls, singular, plural in (
        ("blind_spot", "blind spot", "blind spots"),
        ("hidden_strength", "hidden strength", "hidden strengths"),
        ("shared_weakness", "shared weakness", "shared weaknesses"),
    ):
        names = flagged[cls]
        if names:
            word = singular if len(names) == 1 else plural
            parts.append(f"{len(names)} {word} ({_join_names(names)})")
    found = "; ".join(parts) if parts else "no blind spot, hidden strength or shared weakness"
    desc = f"Leaders’ and employees’ mean ratings of {n_rows} values on a 1 to 5 scale: {found}"
    if hidden:
        desc += f"; {_join_names(hidden)} hidden ({_fewer_than(k)})"
    if thin:
        desc += f"; {NOT_ENOUGH} for {_join_names(thin)}"
    return desc + "."


# --------------------------------------------------------------------------------------------
# Trends


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
        if _is_num(v):
            cur.append(i)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def _path(points: Sequence[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{_n(x)} {_n(y)}" for x, y in points)


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
                f'stroke-width="{_n(width)}" stroke-linejoin="round" '
                f'stroke-linecap="round"/>'
            )
    return out


def _fmt(y_format: str, v: float) -> str:
    if y_format == "{:.1f}":
        return fmt_mean(v)
    if y_format == "{:.0f}":
        return fmt_pct(v)
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
) -> str:
    """A line over survey rounds. `points` are {"wave", "value", "n"}; a None value breaks the
    line and shows an open marker on the axis ("fewer than k responses" in its tooltip and in
    the desc). The last figure is labelled with its value (and n when known).

    `y_format` "{:.1f}" and "{:.0f}" round half up (the product's rule). `missing_label`
    replaces "fewer than k responses" where a None means something else (for the
    self-deception index: no value with enough data).
    """
    missing_text = missing_label or _fewer_than(k)
    width, height = 560, 210
    left, right, top, bottom = 44, 96, 14, 44
    x0, x1, y_top, y_base = left, width - right, top, height - bottom
    span = (y_max - y_min) or 1.0
    count = len(points)

    def px(i: int) -> float:
        return (x0 + x1) / 2 if count <= 1 else x0 + i * (x1 - x0) / (count - 1)

    def py(v: float) -> float:
        return y_base - (_clamp(v, y_min, y_max) - y_min) / span * (y_base - y_top)

    values = [p.get("value") if _is_num(p.get("value")) else None for p in points]
    body: list[str] = []
    for t in _nice_ticks(y_min, y_max):
        y = py(t)
        body.append(_line(x0 - 4, y, x1 + 8, y, LINES if t != y_min else SOFT_INK))
        body.append(_text(x0 - 8, y + 4, _tick_label(t), size=11, fill=SOFT_INK, anchor="end"))

    step = max(1, math.ceil(count / 8))
    for i, p in enumerate(points):
        if (count - 1 - i) % step == 0:
            body.append(
                _text(
                    px(i),
                    y_base + 18,
                    str(p.get("wave", "")),
                    size=11,
                    fill=SOFT_INK,
                    anchor="middle",
                )
            )

    body.extend(_trend_lines(values, px, py, 2.5))

    missing = []
    for i, p in enumerate(points):
        wave, v, n = str(p.get("wave", "")), values[i], p.get("n")
        if v is None:
            missing.append(wave)
            tip = f"{wave}: {missing_text}, no figure"
            marker = _circle(px(i), y_base, 4.5, WHITE, SOFT_INK, 1.5, cls="point-missing")
        else:
            n_text = f" (n = {n})" if n is not None else ""
            tip = f"{wave}: {_fmt(y_format, v)}{n_text}"
            marker = _circle(px(i), py(v), 4, ACCENT, WHITE, 1.5, cls="point")
        body.append(f"<g><title>{_esc(tip)}</title>{marker}</g>")

    shown = [i for i, v in enumerate(values) if v is not None]
    if shown:
        i = shown[-1]
        v = values[i]
        ly = py(v)
        body.append(_text(px(i) + 10, ly + 4, _fmt(y_format, v), size=13, weight="600"))
        n = points[i].get("n")
        if n is not None:
            body.append(_text(px(i) + 10, ly + 19, f"n = {n}", size=11, fill=SOFT_INK))
    if count and values[-1] is None:
        short = "no figure" if missing_label else f"fewer than {k if k is not None else 'k'}"
        body.append(
            _text(px(count - 1) + 10, y_base + 4, short, size=11, fill=SOFT_INK, italic=True)
        )
    if missing:
        body.append(_legend(height - 6, [("open", f"no figure: {missing_text}")], x=x0))

    desc = _trend_desc(points, values, missing, label, y_format, missing_text)
    return _svg("trend", width, height, label, desc, body)


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
        return f"{label}: no survey rounds yet."
    if not shown:
        return f"{label}: no figure in {len(points)} rounds ({missing_text})."
    last, first = shown[-1], shown[0]
    n = points[last].get("n")
    n_text = f" (n = {n})" if n is not None else ""
    desc = f"{label}: {_fmt(y_format, values[last])} in {points[last].get('wave')}{n_text}"
    if first != last:
        desc += f", from {_fmt(y_format, values[first])} in {points[first].get('wave')}"
    if missing:
        desc += f"; no figure for {_join_names(missing)} ({missing_text})"
    return desc + "."


def sparkline(
    values: list[float | None],
    *,
    y_min: float,
    y_max: float,
    label: str = "Trend",
    y_format: str = "{:.1f}",
) -> str:
    """A tiny 80×20 trend for tables; a None value breaks the line, the last figure is a dot."""
    width, height, pad = 80, 20, 3
    count = len(values)
    span = (y_max - y_min) or 1.0
    vals = [v if _is_num(v) else None for v in values]

    def px(i: int) -> float:
        return width / 2 if count <= 1 else pad + i * (width - 2 * pad) / (count - 1)

    def py(v: float) -> float:
        return height - pad - (_clamp(v, y_min, y_max) - y_min) / span * (height - 2 * pad)

    body = [_line(pad, height - pad, width - pad, height - pad, LINES)]
    body.extend(_trend_lines(vals, px, py, 1.5))
    shown = [i for i, v in enumerate(vals) if v is not None]
    if shown:
        i = shown[-1]
        body.append(
            f'<circle class="point" cx="{_n(px(i))}" cy="{_n(py(vals[i]))}" r="2" fill="{ACCENT}"/>'
        )
    if not shown:
        desc = f"No figure in {count} rounds."
    elif len(shown) == 1:
        desc = f"{_fmt(y_format, vals[shown[0]])} in the only round with a figure."
    else:
        desc = (
            f"From {_fmt(y_format, vals[shown[0]])} to {_fmt(y_format, vals[shown[-1]])} "
            f"over {count} rounds"
        )
        gaps = count - len(shown)
        desc += f", {gaps} without a figure." if gaps else "."
    return _svg("spark", width, height, label, desc, body, scalable=False)


# --------------------------------------------------------------------------------------------
# Calibration


_C_X0, _C_X1 = 210, 480
_C_RIGHT_X = 504


def _pct_x(p: float) -> float:
    return _C_X0 + _clamp(p, 0, 100) / 100 * (_C_X1 - _C_X0)


def calibration_chart(
    entries: list[dict], value_names: dict[str, str], *, k: int | None = None
) -> str:
    """Leaders' mean prediction of % favourable (diamond) vs the actual % favourable (circle),
    one dumbbell per value on a 0–100% axis, labelled with both numbers and the error in
    percentage points (positive: leaders overconfident)."""
    rows = list(entries)
    height = _G_TOP + _G_ROW * max(len(rows), 1) + 30
    plot_top, plot_bottom = _G_TOP - 6, _G_TOP + _G_ROW * max(len(rows), 1) - 4
    body: list[str] = [
        _legend(
            14,
            [
                ("circle", "Actual % favourable (employees)"),
                ("diamond", "Leaders’ mean prediction"),
            ],
        )
    ]
    for p in (0, 25, 50, 75, 100):
        x = _pct_x(p)
        body.append(_line(x, plot_top, x, plot_bottom, LINES))
        body.append(_text(x, _G_TOP - 12, f"{p}%", size=11, fill=SOFT_INK, anchor="middle"))
    body.append(_text(0, _G_TOP - 12, "Value", size=11, fill=SOFT_INK))
    body.append(_text(_C_RIGHT_X, _G_TOP - 12, "Calibration error", size=11, fill=SOFT_INK))

    over, under, hidden = [], [], []
    for i, e in enumerate(rows):
        y0 = _G_TOP + i * _G_ROW
        ymid = y0 + 22
        code = str(e.get("value", ""))
        name = str(value_names.get(code, code))
        pred, actual, err = e.get("mean_prediction"), e.get("actual_favorable_pct"), e.get("error")
        n_label = _n_label(e.get("n_employees"), e.get("n_leaders"))
        row = [_text(0, y0 + 18, _truncate(name), size=13, weight="600")]
        if n_label:
            row.append(_text(0, y0 + 34, n_label, size=11, fill=SOFT_INK))
        if e.get("suppressed") or not _is_num(actual):
            note = _fewer_than(k) if e.get("suppressed") else NOT_ENOUGH
            if e.get("suppressed"):
                hidden.append(name)
            row.append(_text(_C_X0 + 8, ymid + 4, note, size=11.5, fill=SOFT_INK, italic=True))
            tip = f"{name}: {note}."
        elif not _is_num(pred):
            xa = _pct_x(actual)
            row.append(_line(_C_X0, ymid, _C_X1, ymid, LINES))
            row.append(_circle(xa, ymid, 4.5, INK, cls="actual"))
            row.append(
                _text(_C_RIGHT_X, y0 + 18, "no prediction", size=12.5, fill=SOFT_INK, weight="600")
            )
            row.append(
                _text(_C_RIGHT_X, y0 + 34, f"actual {fmt_pct(actual)}%", size=11, fill=SOFT_INK)
            )
            tip = f"{name}: no prediction from leaders; actual {fmt_pct(actual)}% favourable."
        else:
            err = err if _is_num(err) else pred - actual
            rounded = _round_half_up(err, 0)
            if rounded > 0:
                colour, word = DANGER, "overconfident"
                over.append(name)
            elif rounded < 0:
                colour, word = OK, "underconfident"
                under.append(name)
            else:
                colour, word = SOFT_INK, "calibrated"
            xa, xp = _pct_x(actual), _pct_x(pred)
            row.append(_line(_C_X0, ymid, _C_X1, ymid, LINES))
            row.append(_line(xa, ymid, xp, ymid, colour, 2.5, ' class="error-line"'))
            row.append(_diamond(xp, ymid, 7, colour, cls="prediction"))
            row.append(_circle(xa, ymid, 4.5, INK, cls="actual"))
            row.append(
                _text(
                    _C_RIGHT_X,
                    y0 + 18,
                    f"{fmt_points(err)} pts {word}",
                    size=12.5,
                    fill=colour,
                    weight="600",
                )
            )
            numbers = f"predicted {fmt_pct(pred)}% · actual {fmt_pct(actual)}%"
            row.append(_text(_C_RIGHT_X, y0 + 34, numbers, size=11, fill=SOFT_INK))
            tip = (
                f"{name}: leaders predicted {fmt_pct(pred)}% favourable, actual "
                f"{fmt_pct(actual)}%, error {fmt_points(err)} points ({word}); {n_label}."
            )
        body.append(f'<g class="row"><title>{_esc(tip)}</title>{"".join(row)}</g>')

    body.append(
        _text(
            0,
            height - 8,
            "Error = leaders’ mean prediction − actual % favourable, in percentage points.",
            size=11,
            fill=SOFT_INK,
        )
    )
    title = "Calibration: leaders’ predicted vs actual % favourable, per value"
    parts = []
    if over:
        parts.append(f"leaders overestimated {_join_names(over)}")
    if under:
        parts.append(f"underestimated {_join_names(under)}")
    desc = (
        f"Leaders’ mean prediction of the share of favourable answers against the actual "
        f"share for {len(rows)} values: " + ("; ".join(parts) or "no calibration error")
    )
    if hidden:
        desc += f"; {_join_names(hidden)} hidden ({_fewer_than(k)})"
    return _svg("calibration", 720, height, title, desc + ".", body)


# --------------------------------------------------------------------------------------------
# Heatmap cells


# Bins of |gap| follow the method's thresholds: watch 0.25, blind spot 0.5, high 1.0,
# critical 1.5; beyond 2 points the darkest shade.
_HEAT_EDGES = (0.25, 0.5, 1.0, 1.5, 2.0)
_HEAT_WARM = ("#fbe9e7", "#f6c9c1", "#ee9b8d", "#bd4434", "#8a1e15")
_HEAT_COOL = ("#e6f4ea", "#bfe3c8", "#8fcb9f", "#2e7a45", "#145a2a")
_HEAT_NEUTRAL = "#f7f8fa"


def _luminance(colour: str) -> float:
    h = colour.lstrip("#")
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def heat_colour(gap: float | None, classification: str) -> tuple[str, str]:
    """(background, text colour) of a heatmap cell: leaders above employees (gap > 0) in warm
    red shades, below in green shades, |gap| < 0.25 near white; the text colour (ink or white)
    has a contrast of at least 4.5:1. Suppressed, insufficient or missing: light grey and ink."""
    if classification in ("suppressed", "insufficient_data") or not _is_num(gap):
        return SUPPRESSED_BG, INK
    size = abs(gap) + 1e-9  # a gap of exactly 0.5 is in the 0.5 bin
    level = sum(size >= edge for edge in _HEAT_EDGES)
    shades = _HEAT_WARM if gap > 0 else _HEAT_COOL
    background = shades[level - 1] if level else _HEAT_NEUTRAL
    text = INK if contrast(background, INK) >= contrast(background, WHITE) else WHITE
    return background, text
