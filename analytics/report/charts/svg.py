"""The building blocks every chart shares: palette, escaping, coordinates and SVG elements."""

import hashlib
import html
import math
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..format import SUPPRESSED_NOTE

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
TINTS = {DANGER: "#fbe9e7", OK: "#e6f4ea", WARN: "#fff4dc", SOFT_INK: "#e9edf2", ACCENT: "#e3f2f1"}
SUPPRESSED_BG = "#eef1f4"

FONT = "system-ui, sans-serif"


def fewer_than(k: int | None) -> str:
    """ "fewer than 5 responses", or the report's wording where k is not given."""
    if k is None:
        return str(SUPPRESSED_NOTE)
    return ngettext("fewer than %(k)s response", "fewer than %(k)s responses", k) % {"k": k}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def num(x: float) -> str:
    """A coordinate: at most 2 decimals, no trailing zeros, never "-0"."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def truncate(name: str, limit: int = 26) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def n_label(n_employees: int | None, n_leaders: int | None) -> str:
    parts = []
    if n_employees is not None:
        parts.append(f"n = {n_employees}")
    if n_leaders is not None:
        parts.append(
            _("no leader ratings")
            if n_leaders == 0
            else ngettext("%(n)s leader", "%(n)s leaders", n_leaders) % {"n": n_leaders}
        )
    return " · ".join(parts)


def join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return _("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


def clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def is_num(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = 12,
    fill: str = INK,
    anchor: str = "start",
    weight: str | None = None,
    italic: bool = False,
) -> str:
    attrs = [f'x="{num(x)}"', f'y="{num(y)}"', f'font-size="{num(size)}"', f'fill="{fill}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if weight:
        attrs.append(f'font-weight="{weight}"')
    if italic:
        attrs.append('font-style="italic"')
    return f"<text {' '.join(attrs)}>{esc(content)}</text>"


def line(
    x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1, extra: str = ""
) -> str:
    return (
        f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" stroke="{stroke}" '
        f'stroke-width="{num(width)}"{extra}/>'
    )


def circle(
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
        f'<circle{c} cx="{num(cx)}" cy="{num(cy)}" r="{num(r)}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{num(width)}"/>'
    )


def diamond(cx: float, cy: float, r: float, fill: str, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    d = (
        f"M{num(cx)} {num(cy - r)}L{num(cx + r)} {num(cy)}"
        f"L{num(cx)} {num(cy + r)}L{num(cx - r)} {num(cy)}Z"
    )
    return f'<path{c} d="{d}" fill="{fill}" stroke="{WHITE}" stroke-width="1.5"/>'


def legend(y: float, items: Sequence[tuple[str, str]], x: float = 0) -> str:
    """Legend items of (kind, label), kind one of circle, diamond, band, open."""
    parts = []
    for kind, label in items:
        if kind == "circle":
            parts.append(circle(x + 6, y - 4, 4.5, INK))
        elif kind == "diamond":
            parts.append(diamond(x + 6, y - 4, 6, SOFT_INK))
        elif kind == "open":
            parts.append(circle(x + 6, y - 4, 4, WHITE, SOFT_INK, 1.5))
        else:  # band
            parts.append(
                f'<rect x="{num(x)}" y="{num(y - 10)}" width="16" height="12" '
                f'fill="{TINTS[SOFT_INK]}"/>'
            )
            parts.append(
                f'<path d="M{num(x)} {num(y - 10)}v12M{num(x + 16)} {num(y - 10)}v12" '
                f'stroke="{SOFT_INK}" stroke-width="1" fill="none"/>'
            )
        parts.append(text(x + 20, y, label, size=11.5, fill=SOFT_INK))
        x += 26 + len(label) * 6.1 + 18
    return "".join(parts)


def document(
    kind: str,
    width: float,
    height: float,
    title: str,
    desc: str,
    body: Iterable[str],
    *,
    scalable: bool = True,
) -> str:
    """The standalone SVG: its ids derived from its content, so charts on one page differ."""
    content = "".join(body)
    digest = hashlib.sha256(f"{kind}\n{title}\n{desc}\n{content}".encode()).hexdigest()[:10]
    uid = f"cs-{kind}-{digest}"
    style = ' style="max-width:100%"' if scalable else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" class="chart chart-{kind}" '
        f'width="{num(width)}" height="{num(height)}" viewBox="0 0 {num(width)} {num(height)}"'
        f'{style} role="img" aria-labelledby="{uid}-title {uid}-desc" '
        f'font-family="{FONT}">'
        f'<title id="{uid}-title">{esc(title)}</title>'
        f'<desc id="{uid}-desc">{esc(desc)}</desc>'
        f"{content}</svg>"
    )
