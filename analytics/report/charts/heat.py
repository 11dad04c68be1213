"""Heatmap cells: a colour for the gap, and text that stays readable on it."""

from .svg import INK, SUPPRESSED_BG, WHITE, is_num

# Bins of |gap| follow the method's thresholds: watch 0.25, blind spot 0.5, high 1.0,
# critical 1.5; beyond 2 points the darkest shade.
EDGES = (0.25, 0.5, 1.0, 1.5, 2.0)
WARM = ("#fbe9e7", "#f6c9c1", "#ee9b8d", "#bd4434", "#8a1e15")
COOL = ("#e6f4ea", "#bfe3c8", "#8fcb9f", "#2e7a45", "#145a2a")
NEUTRAL = "#f7f8fa"


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
    if classification in ("suppressed", "insufficient_data") or not is_num(gap):
        return SUPPRESSED_BG, INK
    return _shade(gap)


def _shade(gap: float) -> tuple[str, str]:
    """(background, text colour) of a gap's band."""
    size = abs(gap) + 1e-9  # a gap of exactly 0.5 is in the 0.5 bin
    level = sum(size >= edge for edge in EDGES)
    shades = WARM if gap > 0 else COOL
    background = shades[level - 1] if level else NEUTRAL
    text = INK if contrast(background, INK) >= contrast(background, WHITE) else WHITE
    return background, text


def heat_legend() -> list[tuple[str, str, str, float, float | None]]:
    """The colour scale as (side, background, text colour, lowest |gap|, highest or None), side
    "leaders" (leaders rate the value higher), "even" (within 0.25) or "employees"; from the
    largest gap in leaders' favour to the largest in employees', as a legend reads."""
    bands = list(zip(EDGES, (*EDGES[1:], None), strict=True))
    leaders = [("leaders", *_shade(low), low, high) for low, high in bands]
    employees = [("employees", *_shade(-low), low, high) for low, high in bands]
    return [*reversed(leaders), ("even", *_shade(0.0), 0.0, EDGES[0]), *employees]
