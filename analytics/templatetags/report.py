"""The report's rounding rules (ANALYSIS.md): means to 1 decimal, percentages as whole numbers."""

from django import template

register = template.Library()
DASH = "–"


@register.filter
def mean(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


@register.filter
def signed(value: float | None) -> str:
    if value is None:
        return DASH
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text.replace("-", "−")


@register.filter
def effect(value: float | None) -> str:
    return DASH if value is None else f"{value:+.2f}".replace("-", "−")


@register.filter
def pct(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f}%"


@register.filter
def share(value: float | None) -> str:
    """A fraction (0–1) as a whole percentage."""
    return DASH if value is None else f"{100 * value:.0f}%"


@register.filter
def pvalue(value: float | None) -> str:
    if value is None:
        return DASH
    if value < 0.001:
        return "<0.001"
    return f"{value:.3g}"
