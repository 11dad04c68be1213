"""Reports, analysis jobs, actions and the access log, for HR admins, leaders and API tokens.

Like the pages, the API reads stored snapshots and never computes on request; a leader scoped
to a department gets the report through `report_scope`, exactly as the page and the exports
show it; and every read of a report is written to the access log.
"""

from collections.abc import Callable
from typing import TypeVar

from django.http import Http404
from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.apis.base import SLUG, Conflict, errors
from core.apis.lists import ListApi, paginated
from surveys.apis.base import ApiAccess, api_access
from surveys.models import Round

from .filters import AccessLogFilter, ReportActionFilter
from .models import (
    AccessAction,
    AccessLog,
    Action,
    ActionStatus,
    AnalysisJob,
    JobStatus,
    ReportSnapshot,
)
from .selectors import (
    access_log_list,
    action_get,
    actions_list,
    analysis_job_get,
    department_scope,
    report_data,
    report_progress,
    report_scope,
    reports_list,
    round_get,
    round_has_closed_responses,
    round_latest_reportable,
    rounds_reported,
    scope_label,
    snapshot_of_round,
)
from .services import (
    ActionInvalid,
    AnalysisRefused,
    access_log_record,
    action_create,
    action_progress,
    action_update,
    analysis_request,
)

WAVE = OpenApiParameter(
    "wave", str, OpenApiParameter.PATH, description="The survey round's label, e.g. 2026-09."
)
REPORT_BODY = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "The report snapshot as stored, field by field as described in docs/report-schema.md. "
        "A leader scoped to a department gets the company-level figures and the cells of that "
        "department's subtree only, and a `scope` key naming those departments. No figure is "
        "given for fewer than k respondents."
    ),
)


class NamedChoiceField(serializers.ChoiceField):
    """A choice field documented as its own enum component, `enum_name`: several fields of the
    API are called `status` or `action` with different choices, and unnamed they collide."""

    def __init__(self, *args, enum_name: str, **kwargs) -> None:
        self.enum_name = enum_name
        super().__init__(*args, **kwargs)


class NamedChoiceFieldScheme(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField
    match_subclasses = True

    def get_name(self) -> str:
        return self.target.enum_name

    def map_serializer_field(self, auto_schema, direction) -> dict:
        choices = self.target.choices
        return {
            "type": "string",
            "enum": list(choices),
            "description": "\n".join(f"* `{key}` - {label}" for key, label in choices.items()),
        }


T = TypeVar("T")


def _found(get: Callable[[], T], message: str) -> T:
    """What a selector found, or a 404 that says what was not found."""
    try:
        return get()
    except Http404:
        raise exceptions.NotFound(message) from None


def _round(access: ApiAccess, wave: str) -> Round:
    round_ = round_get(reach=access, label=wave)
    if round_ is None:
        raise exceptions.NotFound(f"There is no survey round {wave!r}.")
    return round_


def _report_url(request: Request, slug: str, wave: str) -> str:
    return request.build_absolute_uri(reverse("api_report", kwargs={"slug": slug, "wave": wave}))


# --- Reports ---------------------------------------------------------------------------------


class ReportUrlField(serializers.URLField):
    """The address of a round's report, from the round's label."""

    def to_representation(self, value: str) -> str:
        return _report_url(self.context["request"], self.context["slug"], value)


# Reads the rounds of `reports_list`, with their newest snapshot's figures.
class ReportSummaryOutput(serializers.Serializer):
    wave = serializers.CharField(source="label", help_text="The survey round's label.")
    created_at = serializers.DateTimeField(help_text="When its newest snapshot was computed.")
    method_version = serializers.CharField()
    fingerprint = serializers.CharField(help_text="SHA-256 of the snapshot's input.")
    url = ReportUrlField(source="label", help_text="The report.")


class ReportListApi(ListApi):
    @extend_schema(
        parameters=[SLUG], responses={200: ReportSummaryOutput(many=True), **errors(401, 404)}
    )
    def get(self, request: Request, slug: str) -> Response:
        """The survey rounds that have a report, newest round first."""
        access = api_access(request, slug)
        context = {"request": request, "slug": slug}
        return paginated(request, reports_list(reach=access), ReportSummaryOutput, context=context)


class ReportDetailApi(APIView):
    def _snapshot(self, access: ApiAccess, wave: str | None) -> ReportSnapshot:
        if wave is None:
            round_ = rounds_reported(organization=access.organization).first()
            if round_ is None:
                reportable = round_latest_reportable(organization=access.organization)
                hint = (
                    f" The newest round with responses is {reportable.label}: POST to "
                    f"reports/{reportable.label}/compute/."
                    if reportable
                    else ""
                )
                raise exceptions.NotFound("No report has been computed yet." + hint)
        else:
            round_ = _round(access, wave)
        snapshot = snapshot_of_round(round_=round_)
        if snapshot is None:
            raise exceptions.NotFound(
                f"The report of round {round_.label} has not been computed yet: POST to "
                f"reports/{round_.label}/compute/."
            )
        return snapshot

    @extend_schema(parameters=[SLUG, WAVE], responses={200: REPORT_BODY, **errors(401, 404)})
    def get(self, request: Request, slug: str, wave: str | None = None) -> Response:
        """The gap report of a round: its newest snapshot. Every read is written to the access
        log."""
        access = api_access(request, slug)
        snapshot = self._snapshot(access, wave)
        scope = department_scope(reach=access)
        data = report_scope(data=report_data(snapshot=snapshot), scope=scope)
        access_log_record(
            organization=access.organization,
            user=access.user,  # a token's user has no account: the log keeps its name
            action=AccessAction.API_REPORT,
            snapshot=snapshot,
            scope=scope_label(scope),
        )
        return Response(data, headers={"Cache-Control": "no-store"})


class ReportLatestApi(ReportDetailApi):
    @extend_schema(parameters=[SLUG], responses={200: REPORT_BODY, **errors(401, 404)})
    def get(self, request: Request, slug: str, wave: str | None = None) -> Response:
        """The gap report of the newest round that has one. Every read is written to the
        access log."""
        return super().get(request, slug, None)


# --- Analysis jobs ---------------------------------------------------------------------------


class AnalysisJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    wave = serializers.CharField(source="round.label")
    status = NamedChoiceField(choices=JobStatus.choices, enum_name="AnalysisJobStatusEnum")
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text="Percent done.")
    stage = serializers.CharField(help_text="What the job is doing now.")
    error = serializers.CharField(help_text="Why the job failed; empty otherwise.")
    snapshot_url = serializers.SerializerMethodField(help_text="The report, once the job is done.")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_snapshot_url(self, job: AnalysisJob) -> str | None:
        if job.status != JobStatus.DONE or job.snapshot_id is None:
            return None
        return _report_url(self.context["request"], self.context["slug"], job.round.label)


class AnalysisJobAcceptedOutput(serializers.Serializer):
    job = AnalysisJobOutput()


class ReportComputeInput(serializers.Serializer):
    recompute = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Compute a published round again, under the current method version, on the "
        "same answers (refused if the answers or departments behind it have changed).",
    )


class ReportComputeApi(APIView):
    @extend_schema(
        parameters=[SLUG, WAVE],
        request=ReportComputeInput,
        responses={202: AnalysisJobAcceptedOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str, wave: str) -> Response:
        """Compute the round's report in the background (HR admins, leaders, write tokens).
        While a job for the round is queued or running, that job is returned instead of a new
        one. A round is reported once every wave of it is closed (409 before), and its report
        is then frozen: computing it again is a 409 unless `recompute` asks for the current
        method on the same answers."""
        access = api_access(request, slug, write=True)
        round_ = _round(access, wave)
        serializer = ReportComputeInput(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        if not round_has_closed_responses(round_=round_):
            raise serializers.ValidationError(
                {"wave": f"The round {round_.label} has no responses in a closed wave yet."}
            )
        try:
            job = analysis_request(
                organization=access.organization,
                round_=round_,
                user=access.user if access.token is None else None,
                recompute=serializer.validated_data["recompute"],
            )
        except AnalysisRefused as exc:
            raise Conflict(exc.message) from None
        job = analysis_job_get(reach=access, job_id=job.pk)
        body = AnalysisJobOutput(job, context={"request": request, "slug": slug}).data
        location = request.build_absolute_uri(
            reverse("api_job", kwargs={"slug": slug, "job_id": job.pk})
        )
        return Response(
            {"job": body}, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


class AnalysisJobDetailApi(APIView):
    @extend_schema(parameters=[SLUG], responses={200: AnalysisJobOutput, **errors(401, 404)})
    def get(self, request: Request, slug: str, job_id: int) -> Response:
        """The progress of an analysis job."""
        access = api_access(request, slug)
        job = _found(
            lambda: analysis_job_get(reach=access, job_id=job_id), "There is no such analysis job."
        )
        return Response(
            AnalysisJobOutput(job, context={"request": request, "slug": slug}).data,
            headers={"Cache-Control": "no-store"},
        )


class WaitingWaveOutput(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.CharField(source="campaign.name")
    number = serializers.IntegerField()
    status = serializers.CharField(help_text="open, or closed with its answers being sealed.")


class ReportProgressOutput(serializers.Serializer):
    wave = serializers.CharField(source="round.label")
    state = serializers.ChoiceField(
        choices=["waiting", "requested", "computing", "failed", "published", "nothing"],
        help_text="waiting: for the waves in `waiting_for`; requested: every wave is in and the "
        "analysis is about to start; computing or failed: see `analysis_job`; published: the "
        "report is at `snapshot_url`; nothing: nobody answered in the round.",
    )
    waiting_for = WaitingWaveOutput(many=True)
    analysis_job = AnalysisJobOutput(source="job", allow_null=True)
    snapshot_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_snapshot_url(self, progress) -> str | None:
        if progress.state != "published":
            return None
        return _report_url(self.context["request"], self.context["slug"], progress.round.label)


class ReportProgressApi(APIView):
    @extend_schema(
        parameters=[SLUG], responses={200: ReportProgressOutput, **errors(401, 403, 404)}
    )
    def get(self, request: Request, slug: str, wave: str) -> Response:
        """Where a round's report stands: which of its waves it still waits for (a report is
        computed once every wave of its round is closed and sealed), its analysis job, and the
        report once published. Closing a wave answers with this address."""
        access = api_access(request, slug)
        round_ = _round(access, wave)
        progress = report_progress(organization=access.organization, round_=round_)
        context = {"request": request, "slug": slug}
        return Response(
            ReportProgressOutput(progress, context=context).data,
            headers={"Cache-Control": "no-store"},
        )


# --- Actions on flagged values ---------------------------------------------------------------


PROGRESS = {
    "started": "recorded on this report's round",
    "no_data": "the newest report has no figure for the cell",
    "closed": "the gap is now negligible",
    "narrowing": "the gap narrowed",
    "widening": "the gap widened",
    "unchanged": "about the same gap",
}


class ReportActionProgressOutput(serializers.Serializer):
    wave = serializers.CharField(help_text="The report compared against: the newest one.")
    gap_at_start = serializers.FloatField(allow_null=True)
    gap_now = serializers.FloatField(allow_null=True)
    classification_now = serializers.CharField(allow_null=True)
    status = NamedChoiceField(
        choices=list(PROGRESS.items()), enum_name="ReportActionProgressStatusEnum"
    )


class ReportActionOutput(serializers.ModelSerializer):
    wave = serializers.CharField(source="round.label", help_text="The round it was recorded on.")
    value = serializers.CharField(source="value.code")
    value_name = serializers.CharField(source="value.name")
    status = NamedChoiceField(choices=ActionStatus.choices, enum_name="ReportActionStatusEnum")
    created_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who recorded it; null when it was recorded with an API token.",
    )
    progress = serializers.SerializerMethodField(
        help_text="The same cell in the newest report: has the gap closed?"
    )

    class Meta:
        model = Action
        fields = [
            "id",
            "wave",
            "value",
            "value_name",
            "segment",
            "owner",
            "due_on",
            "description",
            "status",
            "gap_at_start",
            "classification_at_start",
            "created_by",
            "created_at",
            "progress",
        ]

    @extend_schema_field(ReportActionProgressOutput(allow_null=True))
    def get_progress(self, action: Action) -> dict | None:
        data = self.context.get("newest")
        if data is None:
            return None
        return {"wave": data["wave"]} | action_progress(action=action, data=data)


class ReportActionInput(serializers.Serializer):
    wave = serializers.CharField(max_length=50, help_text="The round whose report it answers.")
    value = serializers.CharField(max_length=100, help_text="The value's code.")
    segment = serializers.CharField(
        max_length=200,
        default="all",
        help_text="A segment of that report, as the report names it: all, or e.g. department:12 "
        "(the department's id).",
    )
    owner = serializers.CharField(max_length=200)
    due_on = serializers.DateField()
    description = serializers.CharField(max_length=5000, help_text="What will change.")


class ReportActionUpdateInput(serializers.Serializer):
    status = NamedChoiceField(
        choices=ActionStatus.choices, enum_name="ReportActionStatusEnum", required=False
    )
    owner = serializers.CharField(max_length=200, required=False)
    due_on = serializers.DateField(required=False)
    description = serializers.CharField(max_length=5000, required=False)

    def validate(self, attrs: dict) -> dict:
        fixed = sorted(set(self.initial_data) - set(self.fields))
        if fixed:
            raise serializers.ValidationError(dict.fromkeys(fixed, "cannot be changed"))
        if not attrs:
            raise serializers.ValidationError(f"Send at least one of {', '.join(self.fields)}.")
        return attrs


def _newest_report(access: ApiAccess) -> dict | None:
    """The newest report as the caller sees it: what actions are measured against."""
    round_ = rounds_reported(organization=access.organization).first()
    snapshot = snapshot_of_round(round_=round_) if round_ else None
    if snapshot is None:
        return None
    return report_scope(data=report_data(snapshot=snapshot), scope=department_scope(reach=access))


def _action_get(access: ApiAccess, action_id: int) -> Action:
    return _found(lambda: action_get(reach=access, action_id=action_id), "There is no such action.")


class ReportActionListApi(ListApi):
    filterset_class = ReportActionFilter

    @extend_schema(
        parameters=[SLUG],
        responses={200: ReportActionOutput(many=True), **errors(400, 401, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        """Actions recorded on report values, by due date."""
        access = api_access(request, slug)
        actions = actions_list(reach=access, filters=request.query_params)
        context = {"newest": _newest_report(access)}
        return paginated(request, actions, ReportActionOutput, context=context)

    @extend_schema(
        parameters=[SLUG],
        request=ReportActionInput,
        responses={201: ReportActionOutput, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Record what leadership will change about a value of a report, with the gap as it
        stands, so later reports show whether it closes."""
        access = api_access(request, slug, write=True)
        serializer = ReportActionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        round_ = round_get(reach=access, label=given["wave"])
        if round_ is None:
            raise serializers.ValidationError({"wave": "There is no such survey round."})
        snapshot = snapshot_of_round(round_=round_)
        if snapshot is None:
            raise serializers.ValidationError({"wave": "This round has no report yet."})
        data = report_scope(
            data=report_data(snapshot=snapshot), scope=department_scope(reach=access)
        )
        if given["segment"] not in {e["segment"] for e in data["stated_vs_lived"]}:
            raise serializers.ValidationError(
                {"segment": "Choose a segment of this report that you can see."}
            )
        try:
            action = action_create(
                snapshot=snapshot,
                value_code=given["value"],
                owner=given["owner"],
                due_on=given["due_on"],
                description=given["description"],
                user=access.user if access.token is None else None,
                segment=given["segment"],
            )
        except ActionInvalid as exc:
            raise serializers.ValidationError(exc.errors) from exc
        context = {"newest": _newest_report(access)}
        return Response(
            ReportActionOutput(_action_get(access, action.pk), context=context).data,
            status=status.HTTP_201_CREATED,
        )


class ReportActionDetailApi(APIView):
    def _detail(self, access: ApiAccess, action_id: int) -> dict:
        action = _action_get(access, action_id)
        return ReportActionOutput(action, context={"newest": _newest_report(access)}).data

    @extend_schema(parameters=[SLUG], responses={200: ReportActionOutput, **errors(401, 404)})
    def get(self, request: Request, slug: str, action_id: int) -> Response:
        """An action, with its progress against the newest report."""
        access = api_access(request, slug)
        return Response(self._detail(access, action_id))

    @extend_schema(
        parameters=[SLUG],
        request=ReportActionUpdateInput,
        responses={200: ReportActionOutput, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slug: str, action_id: int) -> Response:
        """Mark an action done (or open again), or change its owner, due date or description.
        The value, segment and round it answers cannot change."""
        access = api_access(request, slug, write=True)
        action = _action_get(access, action_id)
        serializer = ReportActionUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        action_update(action=action, **serializer.validated_data)
        return Response(self._detail(access, action_id))


# --- The access log --------------------------------------------------------------------------


class AccessLogEntryOutput(serializers.ModelSerializer):
    action = NamedChoiceField(choices=AccessAction.choices, enum_name="AccessLogActionEnum")

    class Meta:
        model = AccessLog
        fields = ["id", "created_at", "username", "action", "wave", "scope"]


class AccessLogApi(ListApi):
    filterset_class = AccessLogFilter

    @extend_schema(
        parameters=[SLUG],
        responses={200: AccessLogEntryOutput(many=True), **errors(400, 401, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        """Who read or exported which report, and when; newest first."""
        access = api_access(request, slug)
        entries = access_log_list(reach=access, filters=request.query_params)
        return paginated(request, entries, AccessLogEntryOutput)
