"""The report's figures in templates, as `analytics.report.format` shows them everywhere."""

from django import template

from analytics.report import format as fmt

register = template.Library()


@register.filter
def mean(value: float | None) -> str:
    return fmt.format_mean(value)


@register.filter
def signed(value: float | None) -> str:
    return fmt.format_mean(value, signed=True)


@register.filter
def effect(value: float | None) -> str:
    return fmt.format_effect(value, signed=True)


@register.filter
def pct(value: float | None) -> str:
    return fmt.format_percent(value)


@register.filter
def share(value: float | None) -> str:
    """A fraction (0–1) as a whole percentage."""
    return fmt.format_share(value)


@register.filter
def pvalue(value: float | None) -> str:
    return fmt.format_p(value)
