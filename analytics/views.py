"""Report pages and exports. They read stored snapshots and never compute on request; every
view and export is written to the access log."""

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from surveys.models import Membership, Role, Round
from surveys.selectors import membership_get
from surveys.services.rounds import round_label_problem

from .forms import ActionForm
from .models import AccessAction, AnalysisJob, JobStatus, ReportSnapshot
from .report import exports
from .report.format import segment_label
from .report.view import ReportView
from .selectors import (
    ReportScope,
    access_log_list,
    action_get,
    actions_list,
    analysis_job_get,
    department_scope,
    report_data,
    report_in_language,
    report_progress,
    report_scope,
    round_get,
    round_jobs,
    round_latest_reportable,
    rounds_reported,
    rounds_with_snapshot,
    scope_label,
    snapshot_of_round,
)
from .services import (
    ActionInvalid,
    AnalysisRefused,
    access_log_record,
    action_create,
    action_mark_done,
    action_progress,
    analysis_request,
)

EXPORT_ACTIONS = {
    "pdf": AccessAction.EXPORT_PDF,
    "csv": AccessAction.EXPORT_CSV,
    "xlsx": AccessAction.EXPORT_XLSX,
}


def _round_for(
    membership: Membership, wave: str | None, reported: list[Round] | None = None
) -> Round | None:
    """The round asked for, else the latest with a report, else the latest reportable one.
    `reported` (the rounds with a report, newest first) spares the page a query."""
    organization = membership.organization
    if wave:
        round_ = next((r for r in reported or [] if r.label == wave), None)
        round_ = round_ or round_get(reach=membership, label=wave)
        if round_ is None:
            raise Http404
        return round_
    if reported is None:
        reported = list(rounds_reported(organization=organization)[:1])
    return reported[0] if reported else round_latest_reportable(organization=organization)


def _snapshot(round_: Round | None, *, with_data: bool = True) -> ReportSnapshot | None:
    return snapshot_of_round(round_=round_, with_data=with_data) if round_ else None


def _scoped(membership: Membership, snapshot: ReportSnapshot) -> tuple[dict, str]:
    scope = department_scope(reach=membership)
    data = report_in_language(
        data=report_data(snapshot=snapshot),
        organization_id=snapshot.organization_id,
        language=get_language(),
    )
    return report_scope(data=data, scope=scope), scope_label(scope)


def _jobs(round_: Round | None) -> tuple[AnalysisJob | None, AnalysisJob | None]:
    """The round's analysis job under way, and its latest failed one (one query)."""
    return round_jobs(round_=round_) if round_ else (None, None)


# Bump when what the cache holds changes shape, so no process reads another release's entries.
PAGE_CACHE_VERSION = 5
logger = logging.getLogger(__name__)


def _report_page(snapshot: ReportSnapshot, scope: ReportScope | None) -> dict[str, Any]:
    """A snapshot as the report page shows it to one reader: the body rendered from the report
    in the reader's scope, and what the rest of the page needs of it (k, the flagged values
    for the action form, and each cell's gap for the actions).

    A snapshot never changes (new responses make a new one), so this is kept in the shared
    cache (settings CACHES) per snapshot, scope and language: when every leader opens the
    report on the same morning, it is read and rendered once, not once per reader.
    """
    key = ":".join(
        [
            "report-page",
            str(PAGE_CACHE_VERSION),
            str(snapshot.pk),
            snapshot.fingerprint,
            scope.cache_key if scope else "all",
            get_language(),
        ]
    )

    def render() -> dict[str, Any]:
        data = report_in_language(
            data=report_data(snapshot=snapshot),
            organization_id=snapshot.organization_id,
            language=get_language(),
        )
        data = report_scope(data=data, scope=scope)
        view = ReportView(data)
        return {
            "body": render_to_string("analytics/_report_body.html", {"report": view}),
            "k": data["min_group_size"],
            "flagged": [
                {"code": v.code, "name": v.name, "label": v.cell.class_label} for v in view.flagged
            ],
            # The report's cells as `action_progress` reads them, with their labels.
            "report": {
                "wave": data["wave"],
                "stated_vs_lived": [
                    {k: e[k] for k in ("value", "segment", "gap", "classification")}
                    for e in data["stated_vs_lived"]
                ],
            },
            "labels": {
                e["segment"]: segment_label(e["segment"], view.departments)
                for e in data["stated_vs_lived"]
            },
        }

    return _cached(key, render)


def _cached(key: str, make: Callable[[], Any]) -> Any:
    """`make()`, kept in the cache; made afresh, and not kept, while the cache (Redis) is away:
    a report page never fails for want of its cache."""
    try:
        found = cache.get(key)
    except Exception:  # any error of the cache's backend: fail open, like the rate limits
        logger.warning("report cache unavailable: rendering without it", exc_info=True)
        return make()
    if found is None:
        found = make()
        try:
            cache.set(key, found, settings.REPORT_CACHE_SECONDS)
        except Exception:
            logger.warning("report cache unavailable: not kept", exc_info=True)
    return found


@login_required
def report(request: HttpRequest, slug: str, wave: str | None = None) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug)
    organization = membership.organization
    if wave is None and request.GET.get("wave"):  # the round picker, without JavaScript
        picked = request.GET["wave"]
        if (
            round_label_problem(picked)
            or not rounds_reported(organization=organization).filter(label=picked).exists()
        ):
            raise Http404
        return redirect("report_wave", slug=slug, wave=picked)
    # The rounds for the picker, each with its newest snapshot, without its data: the page's
    # cache holds what the page needs of that.
    rounds = rounds_with_snapshot(organization=organization)
    round_ = _round_for(membership, wave, rounds)
    snapshot = getattr(round_, "snapshot", None)
    base = {
        "membership": membership,
        "organization": organization,
        "is_hr": membership.role == Role.HR_ADMIN,
        "round": round_,
        "rounds": rounds,
    }
    if snapshot is None:
        job, failed_job = _jobs(round_)
        sequence = round_.sequence if round_ else None
        return render(
            request,
            "analytics/report_empty.html",
            base
            | {
                "job": job,
                "failed_job": failed_job,
                "earlier": [r for r in rounds if sequence is None or r.sequence < sequence],
                "later": [r for r in rounds if sequence is not None and r.sequence > sequence],
            },
        )
    scope = department_scope(reach=membership)
    page = _report_page(snapshot, scope)
    access_log_record(
        organization=organization,
        user=request.user,
        action=AccessAction.VIEW_REPORT,
        snapshot=snapshot,
        scope=scope_label(scope),
    )
    actions = list(actions_list(reach=membership).order_by("status", "due_on"))
    actions = [a for a in actions if a.segment in page["labels"]]
    for action in actions:
        action.progress = action_progress(action=action, data=page["report"])
        action.segment_label = page["labels"][action.segment]
    context = base | {
        "snapshot": snapshot,
        "scope": scope_label(scope),
        "page": page,
        "actions": actions,
        "today": dt.date.today(),  # noqa: DTZ011 (a form default only)
    }
    return render(request, "analytics/report.html", context)


@login_required
def report_export(request: HttpRequest, slug: str, wave: str, fmt: str) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug)
    if fmt not in EXPORT_ACTIONS:
        raise Http404
    snapshot = _snapshot(_round_for(membership, wave))
    if snapshot is None:
        raise Http404
    data, scope = _scoped(membership, snapshot)
    access_log_record(
        organization=membership.organization,
        user=request.user,
        action=EXPORT_ACTIONS[fmt],
        snapshot=snapshot,
        scope=scope,
    )
    filename = f"{membership.organization.slug}-gap-report-{snapshot.round.label}"
    if fmt == "csv":
        body, content_type = exports.report_csv(data), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = exports.report_xlsx(data)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = exports.report_pdf(
            data, generated_for=request.user.get_full_name() or request.user.get_username()
        )
        content_type = "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def report_compute(request: HttpRequest, slug: str, wave: str) -> HttpResponse:
    """Ask for the round's report on demand (HR admins and leaders)."""
    membership = membership_get(user=request.user, slug=slug)
    round_ = _round_for(membership, wave)
    try:
        job = analysis_request(
            organization=membership.organization, round_=round_, user=request.user
        )
    except AnalysisRefused as exc:
        messages.error(request, exc.message)
        return redirect("report_wave", slug=slug, wave=round_.label)
    return redirect("analysis_job", slug=slug, job_id=job.pk)


@login_required
@never_cache
def analysis_job(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    """The progress of an analysis job: a page that refreshes itself, or JSON for scripts."""
    membership = membership_get(user=request.user, slug=slug)
    job = analysis_job_get(reach=membership, job_id=job_id)
    report_url = reverse("report_wave", kwargs={"slug": slug, "wave": job.round.label})
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {
                "status": job.status,
                "progress": job.progress,
                "stage": job.stage,
                "error": job.error,
                "report_url": report_url if job.status == JobStatus.DONE else None,
            }
        )
    if job.status == JobStatus.DONE and request.GET.get("stay") != "1":
        return redirect(report_url)
    return render(
        request,
        "analytics/job.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "is_hr": membership.role == Role.HR_ADMIN,
            "job": job,
            "report_url": report_url,
            "refresh": job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        },
    )


@login_required
def report_progress_page(request: HttpRequest, slug: str, wave: str) -> HttpResponse:
    """Where a round's report stands after one of its waves closed: waiting for the round's
    other waves, being computed (the job's page), published (the report) or nothing to
    analyse. Refreshes itself while it waits."""
    membership = membership_get(user=request.user, slug=slug)
    round_ = _round_for(membership, wave)
    progress = report_progress(organization=membership.organization, round_=round_)
    if progress.state == "published":
        return redirect("report_wave", slug=slug, wave=round_.label)
    if progress.state in ("computing", "failed"):
        return redirect("analysis_job", slug=slug, job_id=progress.job.pk)
    return render(
        request,
        "analytics/report_progress.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "is_hr": membership.role == Role.HR_ADMIN,
            "progress": progress,
            "refresh": progress.state in ("waiting", "requested"),
        },
    )


@login_required
@require_POST
def action_new(request: HttpRequest, slug: str, wave: str) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug)
    snapshot = _snapshot(_round_for(membership, wave))
    if snapshot is None:
        raise Http404
    data, _scope = _scoped(membership, snapshot)
    form = ActionForm(request.POST, segments={e["segment"] for e in data["stated_vs_lived"]})
    valid = form.is_valid()
    if form.has_error("segment") or form.cleaned_data.get("segment") not in form.segments:
        raise Http404  # a segment the reader cannot see is not theirs to act on
    if valid:
        try:
            action_create(
                snapshot=snapshot,
                value_code=form.cleaned_data["value"],
                owner=form.cleaned_data["owner"],
                due_on=form.cleaned_data["due_on"],
                description=form.cleaned_data["description"],
                user=request.user,
                segment=form.cleaned_data["segment"],
            )
        except ActionInvalid as exc:
            form.service_errors(exc.errors)
    if form.errors:
        messages.error(request, " ".join(form.problems()))
    else:
        messages.success(
            request, _("Action recorded. Later rounds will show whether the gap closes.")
        )
    return redirect(reverse("report_wave", kwargs={"slug": slug, "wave": wave}) + "#actions")


@login_required
@require_POST
def action_done(request: HttpRequest, slug: str, action_id: int) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug)
    action = action_get(reach=membership, action_id=action_id)
    action_mark_done(action=action)
    messages.success(request, _("Action marked as done."))
    return redirect(reverse("report", kwargs={"slug": slug}) + "#actions")


@login_required
def access_log(request: HttpRequest, slug: str) -> HttpResponse:
    membership = membership_get(user=request.user, slug=slug)
    entries = access_log_list(reach=membership)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "analytics/access_log.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "is_hr": membership.role == Role.HR_ADMIN,
            "page": page,
        },
    )
