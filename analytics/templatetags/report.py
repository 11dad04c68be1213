"""The report's figures in templates, as `analytics.report.format` shows them everywhere."""

import re

from django import template
from django.utils.safestring import mark_safe

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


# What a placeholder of a running head or foot stands for in the PDF's page margins.
_CSS_PLACES = {
    "round": "string(round)",
    "page": "counter(page)",
    "pages": "counter(pages)",
}
_CSS_PLACE = re.compile(r"\{(" + "|".join(_CSS_PLACES) + r")\}")


@register.filter
def css_content(text: str) -> str:
    """A translated running head as a CSS `content` value: "Page {page} of {pages}" becomes
    `"Page " counter(page) " of " counter(pages)`. The words are quoted and escaped for a CSS
    string inside <style>, where HTML escaping would show as entities, whatever the language."""
    parts = _CSS_PLACE.split(str(text))
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(_CSS_PLACES[part])
        elif part:
            out.append(f'"{_css_string(part)}"')
    return mark_safe(" ".join(out))  # noqa: S308 - every word is escaped for a CSS string


def _css_string(text: str) -> str:
    escaped = []
    for char in text:
        if char in '\\"<>&' or ord(char) < 0x20 or char == "\x7f":
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return "".join(escaped)
