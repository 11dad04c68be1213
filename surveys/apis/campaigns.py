"""Campaigns, their waves, and the invitations of a wave (counts only).

HR admins and tokens run campaigns; leaders may read campaigns and waves. What a wave tells
about people stays at counts: how many were invited, sent an email, answered. Never who
answered; how many answered only while at least k have and at least k have not, or none has
(`answered_count`; null otherwise), and per segment only counts of at least k
(`wave_response_rates`).
"""

from typing import Any

from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.apis.base import SLUG, Conflict, Rejected, created, errors
from core.apis.lists import ListApi, paginated

from ..errors import ServiceError
from ..filters import CampaignFilter, WaveFilter
from ..models import (
    MIN_GROUP_SIZE_FLOOR,
    Campaign,
    CampaignKind,
    Organization,
    Question,
    SegmentAttribute,
    Wave,
)
from ..selectors import (
    campaign_get,
    campaigns_list,
    department_by_name,
    department_subtree_ids,
    employee_ids_by_email,
    questions_by_code,
    wave_get,
    wave_invitation_counts,
    wave_invitation_total,
    wave_response_counts,
    wave_response_rates,
    waves_list,
)
from ..services.automation import (
    CampaignSchedule,
    campaign_create,
    campaign_schedule_set,
    wave_send_reminders,
)
from ..services.campaigns import (
    CampaignLocked,
    audience_for,
    campaign_is_locked,
    campaign_update,
    organization_today,
    wave_close,
    wave_launch,
)
from ..services.invitations import invitations_create
from ..services.rounds import ROUND_LABEL_MAX, round_label_problem
from .base import HR, api_access

CAMPAIGN_ID = OpenApiParameter("campaign_id", int, OpenApiParameter.PATH)
WAVE_ID = OpenApiParameter("wave_id", int, OpenApiParameter.PATH)


def _department_id(organization: Organization, name: str | None, field: str) -> int | None:
    if not name:
        return None
    department = department_by_name(organization=organization, name=name)
    if department is None:
        raise serializers.ValidationError({field: f'unknown department "{name}"'})
    return department.pk


# --- Campaigns -------------------------------------------------------------------------------


class CampaignOutput(serializers.ModelSerializer):
    questions = serializers.SerializerMethodField(help_text="Question codes, in the order asked.")
    kept_attributes = serializers.ListField(
        child=serializers.ChoiceField(choices=SegmentAttribute.choices)
    )
    reminder_days = serializers.ListField(child=serializers.IntegerField())
    audience_department = serializers.SlugRelatedField(
        slug_field="name",
        read_only=True,
        allow_null=True,
        help_text="Only this subtree; null for everyone.",
    )
    locked = serializers.SerializerMethodField(
        help_text="True once responses arrived: k and the kept attributes can no longer change."
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "kind",
            "intro",
            "questions",
            "min_group_size",
            "kept_attributes",
            "locked",
            "imported",
            "audience_department",
            "wave_days",
            "recurrence_weeks",
            "rotation_values",
            "reminder_days",
            "onboarding_after_days",
            "next_wave_on",
            "created_at",
        ]

    def get_questions(self, campaign: Campaign) -> list[str]:
        return [cq.question.code for cq in campaign.campaignquestion_set.all()]

    def get_locked(self, campaign: Campaign) -> bool:
        return campaign_is_locked(campaign=campaign)


class ScheduleInput(serializers.Serializer):
    """How a campaign runs by itself. Fields left out are left as they are."""

    wave_days = serializers.IntegerField(
        required=False, help_text="Days a wave stays open (1 to 90; 14 by default)."
    )
    recurrence_weeks = serializers.IntegerField(
        required=False, allow_null=True, help_text="Pulse and engagement: repeat every N weeks."
    )
    first_wave_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="With a recurrence: when the first wave opens (default: its planned date, "
        "or today).",
    )
    rotation_values = serializers.IntegerField(
        required=False, allow_null=True, help_text="Values asked per recurring wave; all if null."
    )
    reminder_days = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=20,
        help_text="Days after a wave opens to remind those who have not answered.",
    )
    onboarding_after_days = serializers.IntegerField(
        required=False, allow_null=True, help_text="Onboarding: invite new hires N days in."
    )
    audience_department = serializers.CharField(
        max_length=200,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="A department name: only it and the ones below; null for everyone.",
    )


SCHEDULE_FIELDS = tuple(ScheduleInput().fields)


def _schedule_set(organization: Organization, campaign: Campaign, data: dict[str, Any]) -> None:
    """Apply the schedule fields given, keeping the others, through the one schedule service."""
    if not any(field in data for field in SCHEDULE_FIELDS):
        return
    department_id = (
        _department_id(organization, data["audience_department"], "audience_department")
        if "audience_department" in data
        else campaign.audience_department_id
    )
    campaign_schedule_set(
        campaign=campaign,
        recurrence_weeks=data.get("recurrence_weeks", campaign.recurrence_weeks),
        first_wave_on=data.get("first_wave_on"),
        wave_days=data.get("wave_days", campaign.wave_days),
        rotation_values=data.get("rotation_values", campaign.rotation_values),
        reminder_days=data.get("reminder_days", campaign.reminder_days),
        onboarding_after_days=data.get("onboarding_after_days", campaign.onboarding_after_days),
        audience_department_id=department_id,
    )


class CampaignCreateInput(ScheduleInput):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=CampaignKind.choices)
    intro = serializers.CharField(required=False, allow_blank=True, default="")
    questions = serializers.ListField(
        child=serializers.SlugField(max_length=50),
        max_length=500,
        help_text="Question codes, in the order asked.",
    )
    min_group_size = serializers.IntegerField(
        min_value=MIN_GROUP_SIZE_FLOOR,
        max_value=1000,
        required=False,
        help_text="k for this campaign; the organization's by default, never below it.",
    )
    kept_attributes = serializers.ListField(
        child=serializers.ChoiceField(choices=SegmentAttribute.choices),
        required=False,
        help_text="Segment attributes kept (coarsened) with each response; all by default, "
        "none for a leadership survey.",
    )


class CampaignPatchInput(ScheduleInput):
    """Fields left out are left as they are. k and the kept attributes lock when the first
    wave opens (409)."""

    name = serializers.CharField(max_length=200, required=False)
    intro = serializers.CharField(required=False, allow_blank=True)
    min_group_size = serializers.IntegerField(
        min_value=MIN_GROUP_SIZE_FLOOR, max_value=1000, required=False
    )
    kept_attributes = serializers.ListField(
        child=serializers.ChoiceField(choices=SegmentAttribute.choices), required=False
    )


def _questions_by_code(organization: Organization, codes: list[str]) -> list[Question]:
    found = questions_by_code(organization=organization, codes=codes)
    problems, seen = {}, set()
    for index, code in enumerate(codes):
        if code not in found:
            problems[f"questions[{index}]"] = f'unknown question "{code}"'
        elif code in seen:
            problems[f"questions[{index}]"] = f'"{code}" is listed twice'
        seen.add(code)
    if problems:
        raise serializers.ValidationError(problems)
    return [found[code] for code in codes]


class CampaignListApi(ListApi):
    filterset_class = CampaignFilter

    @extend_schema(
        parameters=[SLUG], responses={200: CampaignOutput(many=True), **errors(400, 401, 404)}
    )
    def get(self, request: Request, slug: str) -> Response:
        """The organization's campaigns, newest first (HR admins, leaders, tokens)."""
        access = api_access(request, slug)
        campaigns = campaigns_list(reach=access, filters=request.query_params)
        return paginated(request, campaigns, CampaignOutput)

    @extend_schema(
        parameters=[SLUG],
        request=CampaignCreateInput,
        responses={201: CampaignOutput, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Create a campaign, with its schedule. No wave opens until it is launched (or its
        recurrence opens one)."""
        access = api_access(request, slug, roles=HR, write=True)
        organization = access.organization
        serializer = CampaignCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        questions = _questions_by_code(organization, data["questions"])
        schedule = None
        if any(field in data for field in SCHEDULE_FIELDS):
            schedule = CampaignSchedule(
                wave_days=data.get("wave_days", CampaignSchedule.wave_days),
                recurrence_weeks=data.get("recurrence_weeks"),
                first_wave_on=data.get("first_wave_on"),
                rotation_values=data.get("rotation_values"),
                reminder_days=data.get("reminder_days", ()),
                onboarding_after_days=data.get("onboarding_after_days"),
                audience_department_id=_department_id(
                    organization, data.get("audience_department"), "audience_department"
                ),
            )
        try:
            campaign = campaign_create(
                organization=organization,
                name=data["name"],
                kind=data["kind"],
                questions=questions,
                min_group_size=data.get("min_group_size"),
                kept_attributes=data.get("kept_attributes"),
                intro=data["intro"],
                schedule=schedule,
            )
        except ServiceError as exc:
            raise Rejected(exc.message) from exc
        return created(CampaignOutput(campaign_get(reach=access, campaign_id=campaign.pk)).data)


class CampaignDetailApi(APIView):
    @extend_schema(
        parameters=[SLUG, CAMPAIGN_ID], responses={200: CampaignOutput, **errors(401, 404)}
    )
    def get(self, request: Request, slug: str, campaign_id: int) -> Response:
        access = api_access(request, slug)
        return Response(CampaignOutput(campaign_get(reach=access, campaign_id=campaign_id)).data)

    @extend_schema(
        parameters=[SLUG, CAMPAIGN_ID],
        request=CampaignPatchInput,
        responses={200: CampaignOutput, **errors(400, 401, 403, 404, 409)},
    )
    def patch(self, request: Request, slug: str, campaign_id: int) -> Response:
        """Rename, reword the intro, change the schedule, or (until the first wave opens) the
        anonymity settings: k and the kept attributes. All or nothing."""
        access = api_access(request, slug, roles=HR, write=True)
        campaign = campaign_get(reach=access, campaign_id=campaign_id)
        serializer = CampaignPatchInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            with transaction.atomic():
                campaign = campaign_update(
                    campaign=campaign,
                    name=data.get("name"),
                    intro=data.get("intro"),
                    min_group_size=data.get("min_group_size"),
                    kept_attributes=data.get("kept_attributes"),
                )
                _schedule_set(access.organization, campaign, data)
        except CampaignLocked as exc:
            raise Conflict(exc.message) from exc
        except ServiceError as exc:
            raise Rejected(exc.message) from exc
        return Response(CampaignOutput(campaign_get(reach=access, campaign_id=campaign_id)).data)


# --- Waves -----------------------------------------------------------------------------------

ANSWERED_HELP = (
    "How many answered: a total only, never who. Given while at least the campaign's k "
    "(min_group_size) have answered and at least k have not, and as 0 while nobody has (of at "
    "least k invited); null otherwise (fewer than k answered, or fewer than k have not), when "
    "the number could tell who answered."
)


class WaveOutput(serializers.ModelSerializer):
    round = serializers.SlugRelatedField(slug_field="label", read_only=True)
    invited = serializers.SerializerMethodField()
    answered = serializers.SerializerMethodField(help_text=ANSWERED_HELP)

    class Meta:
        model = Wave
        fields = [
            "id",
            "campaign",
            "number",
            "round",
            "status",
            "opens_on",
            "closes_on",
            "closed_at",
            "invited",
            "answered",
        ]

    def get_invited(self, wave: Wave) -> int:
        return self.context["counts"][wave.pk]["invited"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_answered(self, wave: Wave) -> int | None:
        return self.context["counts"][wave.pk]["answered"]


def wave_data(wave: Wave) -> dict[str, Any]:
    return WaveOutput(wave, context={"counts": wave_response_counts(waves=[wave])}).data


class LaunchInput(serializers.Serializer):
    round = serializers.CharField(
        max_length=ROUND_LABEL_MAX,
        required=False,
        allow_blank=True,
        help_text="The survey round it reports in, such as 2026-08 (default: this month): "
        "letters, digits, - and _.",
    )

    def validate_round(self, value: str) -> str:
        problem = round_label_problem(value) if value else None
        if problem:
            raise serializers.ValidationError(f"The survey round {problem}.")
        return value

    closes_on = serializers.DateField(
        required=False, allow_null=True, help_text="Open until closed by hand when left out."
    )


class CampaignLaunchApi(APIView):
    @extend_schema(
        parameters=[SLUG, CAMPAIGN_ID],
        request=LaunchInput,
        responses={201: WaveOutput, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, slug: str, campaign_id: int) -> Response:
        """Open the campaign's next wave and invite its audience (emails go out in the
        background). Refused, with nothing launched, when nobody is in the audience."""
        access = api_access(request, slug, roles=HR, write=True)
        campaign = campaign_get(reach=access, campaign_id=campaign_id)
        serializer = LaunchInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            wave = wave_launch(
                campaign=campaign,
                round_label=serializer.validated_data.get("round") or None,
                closes_on=serializer.validated_data.get("closes_on"),
            )
        except ServiceError as exc:
            raise Rejected(exc.message) from exc
        return created(wave_data(wave))


class WaveListApi(ListApi):
    filterset_class = WaveFilter

    @extend_schema(
        parameters=[SLUG], responses={200: WaveOutput(many=True), **errors(400, 401, 404)}
    )
    def get(self, request: Request, slug: str) -> Response:
        """Every wave of the organization's campaigns, newest first."""
        access = api_access(request, slug)
        waves = waves_list(reach=access, filters=request.query_params)
        return paginated(
            request,
            waves,
            WaveOutput,
            context=lambda page: {"counts": wave_response_counts(waves=page)},
        )


class WaveDetailApi(APIView):
    @extend_schema(parameters=[SLUG, WAVE_ID], responses={200: WaveOutput, **errors(401, 404)})
    def get(self, request: Request, slug: str, wave_id: int) -> Response:
        access = api_access(request, slug)
        return Response(wave_data(wave_get(reach=access, wave_id=wave_id)))


class WaveCloseOutput(serializers.Serializer):
    wave = WaveOutput()
    already_closed = serializers.BooleanField(help_text="True when it was closed before.")
    report_progress = serializers.URLField(
        help_text="Where the report of the wave's round stands (GET it): the waves it still "
        "waits for, its analysis job, then the report. The analysis is requested once every "
        "wave of the round is closed and its answers are sealed into responses, which a "
        "worker does right after the close."
    )


class WaveCloseApi(APIView):
    @extend_schema(
        parameters=[SLUG, WAVE_ID],
        request=None,
        responses={200: WaveCloseOutput, **errors(401, 403, 404)},
    )
    def post(self, request: Request, slug: str, wave_id: int) -> Response:
        """Close the wave; its answers are then sealed into responses, and the analysis of its
        round is queued once every wave of the round is in (follow `report_progress`). Closing
        again changes nothing and queues nothing (`already_closed` is then true)."""
        access = api_access(request, slug, roles=HR, write=True)
        wave = wave_get(reach=access, wave_id=wave_id)
        closed = wave_close(wave=wave)
        # The reporting side's endpoint, by URL name: surveys knows nothing of reports.
        progress = reverse("api_report_progress", kwargs={"slug": slug, "wave": wave.round.label})
        return Response(
            {
                "wave": wave_data(wave),
                "already_closed": not closed,
                "report_progress": request.build_absolute_uri(progress),
            }
        )


class SegmentRate(serializers.Serializer):
    label = serializers.CharField()
    invited = serializers.IntegerField()
    answered = serializers.IntegerField(allow_null=True, help_text="null: hidden (below k).")
    rate = serializers.FloatField(allow_null=True, help_text="Percent; null when hidden.")


class DimensionRates(serializers.Serializer):
    name = serializers.CharField(help_text="department, location, level, tenure_band or language.")
    segments = SegmentRate(many=True)


class ResponseRates(serializers.Serializer):
    invited = serializers.IntegerField()
    answered = serializers.IntegerField(allow_null=True, help_text=ANSWERED_HELP)
    hidden = serializers.ChoiceField(
        choices=["", "few", "few_left"],
        help_text="Why `answered` is null: `few` (fewer than k answered, or none of fewer than "
        "k invited), `few_left` (fewer than k have not answered); empty when it is given.",
    )
    rate = serializers.FloatField(
        allow_null=True, help_text="Percent; null before invitations and when `answered` is."
    )
    dimensions = DimensionRates(many=True)


class WaveResponseRatesApi(APIView):
    @extend_schema(
        parameters=[SLUG, WAVE_ID], responses={200: ResponseRates, **errors(401, 403, 404)}
    )
    def get(self, request: Request, slug: str, wave_id: int) -> Response:
        """The response rate, overall and per segment (HR admins and tokens). A segment's
        answered count below the campaign's k, or one that would reveal such a count by
        subtraction, is null."""
        access = api_access(request, slug, roles=HR)
        wave = wave_get(reach=access, wave_id=wave_id)
        return Response(wave_response_rates(wave=wave, k=wave.campaign.min_group_size))


class RemindersOutput(serializers.Serializer):
    queued = serializers.IntegerField(
        allow_null=True,
        help_text="Reminders queued (0 for a closed wave). null when the wave's `answered` is: "
        "the reminded are those who have not answered.",
    )


class WaveRemindersApi(APIView):
    @extend_schema(
        parameters=[SLUG, WAVE_ID],
        request=None,
        responses={200: RemindersOutput, **errors(401, 403, 404)},
    )
    def post(self, request: Request, slug: str, wave_id: int) -> Response:
        """Remind, with a fresh link, everyone invited who has not answered yet."""
        access = api_access(request, slug, roles=HR, write=True)
        wave = wave_get(reach=access, wave_id=wave_id)
        queued = wave_send_reminders(wave=wave)
        if wave_response_counts(waves=[wave])[wave.pk]["answered"] is None:
            queued = None
        return Response({"queued": queued})


# --- Invitations (counts only) ---------------------------------------------------------------


class InvitationCounts(serializers.Serializer):
    invited = serializers.IntegerField()
    answered = serializers.IntegerField(allow_null=True, help_text=ANSWERED_HELP)
    sent = serializers.IntegerField(help_text="Invitation emails sent.")
    not_sent = serializers.IntegerField(help_text="Still queued.")


class InvitationsInput(serializers.Serializer):
    """Exactly one of: `employees` (roster emails), `department` (its subtree, within the
    campaign's audience rules), `everyone` (the campaign's whole audience)."""

    employees = serializers.ListField(
        child=serializers.EmailField(), required=False, allow_empty=False, max_length=50000
    )
    department = serializers.CharField(max_length=200, required=False)
    everyone = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("everyone") is False:
            raise serializers.ValidationError({"everyone": "must be true when given"})
        if len(attrs) != 1:
            raise serializers.ValidationError(
                "Give exactly one of employees, department or everyone."
            )
        return attrs


class InvitationsCreated(serializers.Serializer):
    created = serializers.IntegerField(help_text="New invitations; people already invited skip.")
    total = serializers.IntegerField(help_text="Invitations of the wave now.")


def _people(wave: Wave, data: dict[str, Any]) -> list[tuple[str, int | None]]:
    campaign = wave.campaign
    organization = campaign.organization
    if "employees" in data:
        emails = [email.strip().lower() for email in data["employees"]]
        roster = employee_ids_by_email(organization=organization, emails=emails)
        # Positions, not addresses: this endpoint never sends an email address back.
        unknown = {
            f"employees[{i}]": "not on the roster" for i, e in enumerate(emails) if e not in roster
        }
        if unknown:
            raise serializers.ValidationError(unknown)
        return [(email, roster[email]) for email in emails]
    if "department" in data:
        department_id = _department_id(organization, data["department"], "department")
        department_ids = department_subtree_ids(
            organization=organization, department_id=department_id
        )
    elif campaign.audience_department_id:
        department_ids = department_subtree_ids(
            organization=organization, department_id=campaign.audience_department_id
        )
    else:
        department_ids = None
    return audience_for(
        campaign=campaign, on_date=organization_today(organization), department_ids=department_ids
    )


class WaveInvitationsApi(APIView):
    @extend_schema(
        parameters=[SLUG, WAVE_ID], responses={200: InvitationCounts, **errors(401, 403, 404)}
    )
    def get(self, request: Request, slug: str, wave_id: int) -> Response:
        """How many were invited, were sent their email, and answered: counts, never names."""
        access = api_access(request, slug, roles=HR)
        wave = wave_get(reach=access, wave_id=wave_id)
        return Response(wave_invitation_counts(reach=access, wave=wave))

    @extend_schema(
        parameters=[SLUG, WAVE_ID],
        request=InvitationsInput,
        responses={200: InvitationsCreated, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str, wave_id: int) -> Response:
        """Invite more people to an open wave, such as late joiners. People already invited
        are skipped, so sending the same request twice invites nobody twice. A closed wave is
        a 409."""
        access = api_access(request, slug, roles=HR, write=True)
        wave = wave_get(reach=access, wave_id=wave_id)
        serializer = InvitationsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not wave.is_open:
            raise Conflict("The wave is closed; only an open wave takes invitations.")
        people = _people(wave, serializer.validated_data)
        with transaction.atomic():  # the emails are queued once this commits
            added = invitations_create(wave=wave, people=people)
        return Response({"created": added, "total": wave_invitation_total(wave=wave)})
