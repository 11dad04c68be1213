"""The starter question bank (surveys/question_bank.yaml, in the organization file format)."""

from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from ..errors import ServiceError
from ..models import CompanyValue, Organization, Question
from .definitions import definition_parse, organization_load_definition

BANK_PATH = Path(__file__).resolve().parent.parent / "question_bank.yaml"


@cache
def question_bank() -> dict[str, Any]:
    return definition_parse(content=BANK_PATH.read_bytes())


def bank_values() -> list[dict[str, Any]]:
    return question_bank()["values"]


@transaction.atomic
def question_bank_adopt(
    *, organization: Organization, value_codes: list[str], general: bool = True
) -> int:
    """Add the chosen bank values (with their questions), and the bank's general questions
    (eNPS, intent to stay, exit items, comment) the organization does not have yet.

    Values the organization already has are left alone. Returns how many values were added.
    """
    bank = {v["code"]: v for v in bank_values()}
    unknown = [code for code in value_codes if code not in bank]
    if unknown:
        raise ServiceError(f"Not in the question bank: {', '.join(unknown)}.")
    have_values = set(
        CompanyValue.objects.filter(organization=organization).values_list("code", flat=True)
    )
    have_questions = set(
        Question.objects.filter(organization=organization).values_list("code", flat=True)
    )
    chosen = [bank[code] for code in dict.fromkeys(value_codes) if code not in have_values]
    clashes = sorted(
        q["code"] for v in chosen for q in v.get("questions", []) if q["code"] in have_questions
    )
    if clashes:
        raise ServiceError(
            f"The organization already has questions with these codes: {', '.join(clashes)}."
        )
    extra = (
        [q for q in question_bank().get("questions", []) if q["code"] not in have_questions]
        if general
        else []
    )
    if not chosen and not extra:
        return 0
    organization_load_definition(
        organization=organization,
        data={
            "organization": {"slug": organization.slug, "name": organization.name},
            "values": [_with_existing_position(v) for v in chosen],
            "questions": extra,
        },
    )
    return len(chosen)


def _with_existing_position(value: dict[str, Any]) -> dict[str, Any]:
    keys = ("code", "name", "claim", "description", "questions")
    return {key: value[key] for key in keys if key in value}
