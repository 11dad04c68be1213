"""Data retention: forgetting leavers, and what an organization's export holds of its surveys."""

import datetime as dt
from typing import Any

from django.db import transaction

from ..models import (
    Answer,
    Campaign,
    Employee,
    Invitation,
    Organization,
    SurveyResponse,
    Wave,
    WaveStatus,
)
from .campaigns import organization_today
from .definitions import organization_export_definition


@transaction.atomic
def leavers_purge(*, organization: Organization, today: dt.date | None = None) -> int:
    """Delete leavers whose leaving date is more than the organization's retention period
    ago, with their invitations to closed waves. Their anonymous answers stay: nothing ever
    linked those to them. Returns how many people were forgotten."""
    days = organization.leaver_retention_days
    if days is None:
        return 0
    today = today or organization_today(organization)
    leavers = Employee.objects.filter(
        organization=organization, leaving_date__lt=today - dt.timedelta(days=days)
    )
    ids = list(leavers.values_list("pk", flat=True))
    if not ids:
        return 0
    Invitation.objects.filter(employee_id__in=ids, wave__status=WaveStatus.CLOSED).delete()
    # An invitation to a wave still open keeps its place, without the person.
    Invitation.objects.filter(employee_id__in=ids).update(employee=None)
    Employee.objects.filter(pk__in=ids).delete()
    return len(ids)


def leavers_purge_all(*, today: dt.date | None = None) -> int:
    return sum(
        leavers_purge(organization=organization, today=today)
        for organization in Organization.objects.filter(leaver_retention_days__isnull=False)
    )


def _rows(queryset, fields: list[str]) -> list[dict[str, Any]]:
    return list(queryset.values(*fields))


def organization_export_files(*, organization: Organization) -> dict[str, Any]:
    """What the survey side holds about an organization, as JSON-ready rows per file name: its
    definition, roster, campaigns and waves, invitations (who was asked and whether they
    answered) and the anonymous responses and answers."""
    waves = Wave.objects.filter(campaign__organization=organization)
    responses = SurveyResponse.objects.filter(wave__campaign__organization=organization)
    return {
        "definition.json": organization_export_definition(organization=organization),
        "roster.json": _rows(
            Employee.objects.filter(organization=organization),
            [
                "email",
                "name",
                "department__name",
                "start_date",
                "location",
                "level",
                "leaving_date",
            ],
        ),
        "campaigns.json": _rows(
            Campaign.objects.filter(organization=organization),
            [
                "id",
                "name",
                "kind",
                "intro",
                "min_group_size",
                "kept_attributes",
                "imported",
                "wave_days",
                "recurrence_weeks",
                "rotation_values",
                "reminder_days",
                "onboarding_after_days",
                "created_at",
            ],
        ),
        "waves.json": _rows(
            waves,
            [
                "id",
                "campaign_id",
                "round__label",
                "number",
                "status",
                "opens_on",
                "closes_on",
                "asked",
            ],
        ),
        "invitations.json": _rows(
            Invitation.objects.filter(wave__in=waves),
            ["wave_id", "email", "answered", "sent_at", "reminders_sent"],
        ),
        "responses.json": _rows(
            responses,
            [
                "id",
                "wave_id",
                "submitted_on",
                "department__name",
                "tenure_band",
                "location",
                "level",
            ],
        ),
        "answers.json": _rows(
            Answer.objects.filter(response__in=responses),
            ["response_id", "question__code", "number", "text"],
        ),
    }
