"""Stated vs lived: leaders' and employees' means per value on the 1–5 scale, with the gap's
interval."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..format import (
    NOT_ENOUGH,
    TAG_LABELS,
    class_label,
    format_interval,
    format_mean,
    segment_heading,
)
from ..schema import ALL
from .svg import (
    DANGER,
    INK,
    LINES,
    OK,
    SOFT_INK,
    TINTS,
    WARN,
    circle,
    clamp,
    diamond,
    document,
    esc,
    fewer_than,
    is_num,
    join_names,
    legend,
    line,
    n_label,
    num,
    text,
    truncate,
)

CLASS_COLOURS = {"blind_spot": DANGER, "hidden_strength": OK, "shared_weakness": WARN}
FLAGS = ("blind_spot", "hidden_strength", "shared_weakness")


def _flagged_phrase(cls: str, names: list[str]) -> str:
    """ "2 blind spots (A and B)", in the reader's language."""
    values = {"count": len(names), "names": join_names(names)}
    if cls == "blind_spot":
        phrase = ngettext(
            "%(count)s blind spot (%(names)s)", "%(count)s blind spots (%(names)s)", len(names)
        )
    elif cls == "hidden_strength":
        phrase = ngettext(
            "%(count)s hidden strength (%(names)s)",
            "%(count)s hidden strengths (%(names)s)",
            len(names),
        )
    else:
        phrase = ngettext(
            "%(count)s shared weakness (%(names)s)",
            "%(count)s shared weaknesses (%(names)s)",
            len(names),
        )
    return phrase % values


WIDTH = 720
NAME_X = 0
X0, X1 = 210, 500  # the 1–5 axis
RIGHT_X = 524
TOP = 58  # first row
ROW = 46


def _x(score: float) -> float:
    return X0 + (clamp(score, 1, 5) - 1) / 4 * (X1 - X0)


def gap_chart(
    entries: list[dict],
    value_names: dict[str, str],
    *,
    k: int | None = None,
    departments: Mapping[int, str] | None = None,
) -> str:
    """Stated vs lived, one row per value, for the `stated_vs_lived` entries of ONE segment.

    On a 1–5 axis: the employees' mean (circle), the leaders' mean (diamond), the gap as a line
    between them, and the gap's 95% interval as a band from employee_mean + gap_ci[0] to
    employee_mean + gap_ci[1] (where the leaders' mean could plausibly sit relative to the
    employees'). A row is coloured by its class, and the class is also written at its end.
    Suppressed and insufficient rows show a grey note and no markers. `k`, when given, is
    written instead of the letter k in "fewer than k responses"; `departments` names the
    report's departments by id.
    """
    rows = list(entries)
    segment = next((e.get("segment") for e in rows if e.get("segment")), ALL)
    height = TOP + ROW * max(len(rows), 1) + 30
    plot_top, plot_bottom = TOP - 6, TOP + ROW * max(len(rows), 1) - 4
    body: list[str] = [
        legend(
            14,
            [
                ("circle", _("Employees’ mean")),
                ("diamond", _("Leaders’ mean")),
                ("band", _("95%% interval of the gap") % {}),
            ],
        )
    ]
    # Axis: gridlines and tick labels at the top.
    for s in range(1, 6):
        x = _x(s)
        body.append(line(x, plot_top, x, plot_bottom, LINES))
        body.append(text(x, TOP - 12, str(s), size=11, fill=SOFT_INK, anchor="middle"))
    body.append(text(NAME_X, TOP - 12, _("Value"), size=11, fill=SOFT_INK))
    body.append(text(RIGHT_X, TOP - 12, _("Reading"), size=11, fill=SOFT_INK))

    flagged: dict[str, list[str]] = {cls: [] for cls in FLAGS}
    hidden, thin = [], []
    for i, e in enumerate(rows):
        y0 = TOP + i * ROW
        ymid = y0 + 22
        code = str(e.get("value", ""))
        name = str(value_names.get(code, code))
        cls = e.get("classification") or ""
        colour = CLASS_COLOURS.get(cls, SOFT_INK)
        emp, lead, ci = e.get("employee_mean"), e.get("leader_mean"), e.get("gap_ci")
        counts = n_label(e.get("n_employees"), e.get("n_leaders"))
        row: list[str] = [text(NAME_X, y0 + 18, truncate(name), size=13, weight="600")]
        if counts:
            row.append(text(NAME_X, y0 + 34, counts, size=11, fill=SOFT_INK))

        if cls == "suppressed" or (cls != "insufficient_data" and not is_num(emp)):
            note = fewer_than(k)
            hidden.append(name)
            row.append(text(X0 + 8, ymid + 4, note, size=11.5, fill=SOFT_INK, italic=True))
            tip = _("%(name)s: hidden, %(note)s.") % {"name": name, "note": note}
        elif cls == "insufficient_data" or not (is_num(emp) and is_num(lead)):
            thin.append(name)
            row.append(
                text(X0 + 8, ymid + 4, str(NOT_ENOUGH), size=11.5, fill=SOFT_INK, italic=True)
            )
            tip = (
                _("%(name)s: %(note)s (%(counts)s).") if counts else _("%(name)s: %(note)s.")
            ) % {"name": name, "note": NOT_ENOUGH, "counts": counts}
        else:
            if cls in flagged:
                flagged[cls].append(name)
            xe, xl = _x(emp), _x(lead)
            row.append(line(X0, ymid, X1, ymid, LINES))
            has_ci = bool(ci) and is_num(ci[0]) and is_num(ci[1])
            if has_ci:
                xa, xb = sorted((_x(emp + ci[0]), _x(emp + ci[1])))
                row.append(
                    f'<rect class="gap-ci" x="{num(xa)}" y="{num(ymid - 8)}" '
                    f'width="{num(xb - xa)}" height="16" fill="{TINTS[colour]}"/>'
                )
                row.append(
                    f'<path d="M{num(xa)} {num(ymid - 8)}v16M{num(xb)} {num(ymid - 8)}v16" '
                    f'stroke="{colour}" stroke-width="1" fill="none"/>'
                )
            row.append(line(xe, ymid, xl, ymid, colour, 2.5, ' class="gap-line"'))
            row.append(diamond(xl, ymid, 7, colour, cls="leader-mean"))
            row.append(circle(xe, ymid, 4.5, INK, cls="employee-mean"))
            gap = e.get("gap") if is_num(e.get("gap")) else lead - emp
            label = class_label(cls, e.get("severity"))
            row.append(text(RIGHT_X, y0 + 18, label, size=12.5, fill=colour, weight="600"))
            detail = [_("gap %(gap)s") % {"gap": format_mean(gap, signed=True)}]
            detail += [str(TAG_LABELS[t]) for t in e.get("tags") or () if t in TAG_LABELS]
            row.append(text(RIGHT_X, y0 + 34, " · ".join(detail), size=11, fill=SOFT_INK))
            interval = format_interval(ci, format_mean, signed=True)
            figures = {
                "name": name,
                "employees": format_mean(emp),
                "leaders": format_mean(lead),
                "gap": format_mean(gap, signed=True),
                "interval": interval,
                "reading": label.lower(),
                "counts": counts,
            }
            tip = (
                _(
                    "%(name)s: employees %(employees)s, leaders %(leaders)s, gap %(gap)s "
                    "(95%% interval %(interval)s); %(reading)s; %(counts)s."
                )
                if has_ci
                else _(
                    "%(name)s: employees %(employees)s, leaders %(leaders)s, gap %(gap)s; "
                    "%(reading)s; %(counts)s."
                )
            ) % figures
        body.append(f'<g class="row row-{esc(cls)}"><title>{esc(tip)}</title>{"".join(row)}</g>')

    body.append(
        text(
            NAME_X,
            height - 8,
            _("Scale 1 to 5: 5 means the value is fully lived."),
            size=11,
            fill=SOFT_INK,
        )
    )
    title = (
        _("Stated vs lived: leaders’ and employees’ ratings per value")
        if segment == ALL
        else _("Stated vs lived: leaders’ and employees’ ratings per value (%(segment)s)")
        % {"segment": segment_heading(segment, departments or {})}
    )
    return document("gap", WIDTH, height, title, _desc(len(rows), flagged, hidden, thin, k), body)


def _desc(
    n_rows: int, flagged: dict[str, list[str]], hidden: list[str], thin: list[str], k: int | None
) -> str:
    parts = [_flagged_phrase(cls, flagged[cls]) for cls in FLAGS if flagged[cls]]
    found = "; ".join(parts) if parts else _("no blind spot, hidden strength or shared weakness")
    desc = ngettext(
        "Leaders’ and employees’ mean ratings of %(count)s value on a 1 to 5 scale: %(found)s",
        "Leaders’ and employees’ mean ratings of %(count)s values on a 1 to 5 scale: %(found)s",
        n_rows,
    ) % {"count": n_rows, "found": found}
    if hidden:
        desc += "; " + _("%(names)s hidden (%(note)s)") % {
            "names": join_names(hidden),
            "note": fewer_than(k),
        }
    if thin:
        desc += "; " + _("%(note)s for %(names)s") % {
            "note": NOT_ENOUGH,
            "names": join_names(thin),
        }
    return desc + "."
