"""Reading and writing the translated texts of values, questions and campaigns.

Every translated field (`surveys.translation`) has one column per language. The organization's
default language (`Organization.language`) is the language of plain strings: a text given
without a language is that language's, and a missing translation shows that language's text,
saying so. These helpers read and write the columns directly, so nothing depends on which
language happens to be active.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

from .models import Campaign, CompanyValue, Question

TRANSLATED_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    CompanyValue: ("name", "claim", "description"),
    Question: ("text", "choices"),
    Campaign: ("intro",),
}


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_name(code: str) -> str:
    """A language as named in the product's list (in its own language)."""
    return dict(settings.LANGUAGES).get(code, code)


def language_or(code: str | None, default: str) -> str:
    """`code` if it is one of the product's languages, else `default`."""
    return code if code in language_codes() else default


def text_of(obj: models.Model, field: str, language: str) -> Any:
    """The text of one language exactly as stored (empty when not translated)."""
    return getattr(obj, f"{field}_{language}", None) or ("" if field != "choices" else [])


def translated(obj: models.Model, field: str, language: str, default: str) -> tuple[Any, str]:
    """(text, the language it is in): the wanted language's text, or the default language's
    when there is none yet."""
    wanted = text_of(obj, field, language)
    if wanted:
        return wanted, language
    return text_of(obj, field, default), default


def translations_of(obj: models.Model, field: str) -> dict[str, Any]:
    """Every language's text of a field, the empty ones left out."""
    return {code: value for code in language_codes() if (value := text_of(obj, field, code))}


def translations_set(obj: models.Model, field: str, given: Any, default: str) -> list[str]:
    """Store a field's texts from what HR gave: a plain value is the default language's, a
    mapping {language: text} sets each language it names (an empty text clears one). Returns
    the columns written; raises ValueError naming an unknown language."""
    if not isinstance(given, dict):
        given = {default: given}
    unknown = [str(code) for code in given if code not in language_codes()]
    if unknown:
        raise ValueError(
            _("unknown language %(codes)s (the languages are %(languages)s)")
            % {"codes": ", ".join(unknown), "languages": ", ".join(language_codes())}
        )
    written = []
    for code, value in given.items():
        column = f"{field}_{code}"
        setattr(obj, column, value if value is not None else ("" if field != "choices" else []))
        written.append(column)
    # The untranslated column mirrors the default language's text for code that reads it.
    if default in given:
        obj.__dict__[field] = getattr(obj, f"{field}_{default}")
    return written


def missing_translations(obj: models.Model, fields: tuple[str, ...], default: str) -> list[str]:
    """The languages in which a field with a default-language text has no translation."""
    missing = []
    for code in language_codes():
        if code == default:
            continue
        if any(text_of(obj, f, default) and not text_of(obj, f, code) for f in fields):
            missing.append(code)
    return missing


def survey_missing_translations(
    *, questions: list[Question], default: str, intro: Campaign | None = None
) -> list[dict[str, Any]]:
    """Per language other than the default: what a respondent reading it would see in the
    default language instead (question codes, value codes, "intro"), for the preview and the
    launch confirmation."""
    values = {q.value_id: q.value for q in questions if q.value_id}
    out = []
    for code in language_codes():
        if code == default:
            continue
        missing = [
            q.code
            for q in questions
            if code in missing_translations(q, ("text", "choices"), default)
        ]
        missing += [
            v.code for v in values.values() if code in missing_translations(v, ("name",), default)
        ]
        if intro is not None and code in missing_translations(intro, ("intro",), default):
            missing.append("intro")
        out.append({"code": code, "name": language_name(code), "missing": missing})
    return out
