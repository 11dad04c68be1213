"""Computing and storing report snapshots, and the jobs that do it."""

import datetime as dt
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from surveys.models import Organization, Round

from . import stats
from .engine import report_build
from .models import AnalysisJob, JobStatus, ReportSnapshot
from .selectors import report_fingerprint, report_input

# A running job not heard from for this long is taken to be lost (its worker died without the
# broker redelivering it), so a new request starts a fresh one.
STALE_AFTER = dt.timedelta(minutes=15)


class NothingToReport(Exception):
    """The round has no responses at all."""


def snapshot_compute(
    *, organization: Organization, round_: Round, job: AnalysisJob | None = None
) -> tuple[ReportSnapshot, bool]:
    """The round's snapshot: reused when one exists for the same input, else computed.

    Idempotent: the snapshot is unique per (organization, fingerprint), so running this twice,
    or in two workers at once, stores one snapshot. Returns (snapshot, created).
    """

    def progress(percent: int, stage: str) -> None:
        if job is not None:
            AnalysisJob.objects.filter(pk=job.pk).update(
                progress=percent, stage=stage[:100], updated_at=timezone.now()
            )

    progress(1, "fingerprint")
    fingerprint = report_fingerprint(organization=organization, round_=round_)
    existing = ReportSnapshot.objects.filter(
        organization=organization, fingerprint=fingerprint
    ).first()
    if existing:
        return existing, False
    progress(3, "loading answers")
    inp = report_input(organization=organization, round_=round_)
    if not any((group.round_index == inp.current).any() for group in inp.groups.values()):
        raise NothingToReport(f"The round {round_.label} has no responses in a closed wave yet.")
    started = time.monotonic()
    data = report_build(inp, progress)
    try:
        with transaction.atomic():
            snapshot = ReportSnapshot.objects.create(
                organization=organization,
                round=round_,
                fingerprint=inp.fingerprint,
                method_version=stats.METHOD_VERSION,
                data=data,
                compute_seconds=time.monotonic() - started,
            )
    except IntegrityError:  # another worker stored the same input first
        return ReportSnapshot.objects.get(
            organization=organization, fingerprint=inp.fingerprint
        ), False
    return snapshot, True


def analysis_request(*, organization: Organization, round_: Round, user=None) -> AnalysisJob:
    """Ask for the round's report. A job already queued or running for it is returned instead
    of a second one; the task is queued after commit."""
    active = (
        AnalysisJob.objects.filter(
            organization=organization,
            round=round_,
            status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
            updated_at__gte=timezone.now() - STALE_AFTER,
        )
        .order_by("-created_at")
        .first()
    )
    if active:
        return active
    job = AnalysisJob.objects.create(
        organization=organization, round=round_, requested_by=user if user and user.pk else None
    )
    from surveys.outbox import outbox_enqueue

    outbox_enqueue("analytics.tasks.run_analysis", job.pk)
    return job


def wave_analysis_request(*, wave_id: int) -> int | None:
    """Ask for the report of a sealed wave's round when the wave has responses; returns the
    job's id (None when there is nothing to analyse, or the wave is gone)."""
    from surveys.models import Wave

    wave = Wave.objects.select_related("campaign__organization", "round").filter(pk=wave_id).first()
    if wave is None or wave.sealed_at is None or not wave.responses.exists():
        return None
    return analysis_request(organization=wave.campaign.organization, round_=wave.round).pk


def analysis_run(*, job_id: int) -> int | None:
    """Run a job: compute or reuse its snapshot. Returns the snapshot id.

    Safe to run again (a redelivered task): a finished job is left as it is, and the snapshot
    is unique per input. Connection errors propagate so the task retries.
    """
    job = AnalysisJob.objects.select_related("organization", "round").filter(pk=job_id).first()
    if job is None:  # the organization was deleted meanwhile
        return None
    if job.status == JobStatus.DONE:
        return job.snapshot_id
    AnalysisJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=job.attempts + 1, error="", updated_at=timezone.now()
    )
    try:
        snapshot, _created = snapshot_compute(
            organization=job.organization, round_=job.round, job=job
        )
    except NothingToReport as exc:
        AnalysisJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=str(exc), finished_at=timezone.now()
        )
        return None
    AnalysisJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        progress=100,
        stage="done",
        snapshot=snapshot,
        finished_at=timezone.now(),
    )
    return snapshot.pk


def analysis_fail(*, job_id: int, error: str) -> None:
    AnalysisJob.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


# --- Reading reports: the access log, and actions on flagged values ---------------------------


def access_log_record(
    *,
    organization: Organization,
    user,
    action: str,
    snapshot: ReportSnapshot | None,
    scope: str = "",
) -> None:
    from .models import AccessLog

    AccessLog.objects.create(
        organization=organization,
        # An API token is not a user account; its name is kept as the username.
        user=user if getattr(user, "pk", None) else None,
        username=user.get_username(),
        action=action,
        wave=snapshot.round.label if snapshot else "",
        snapshot=snapshot,
        scope=scope[:200],
    )


class ActionInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def action_create(
    *,
    snapshot: ReportSnapshot,
    value_code: str,
    owner: str,
    due_on: dt.date | None,
    description: str,
    user,
    segment: str = "all",
):
    """Record what leadership will change about a value of this report, with the gap as it
    stands, so later rounds can show whether it closed."""
    from surveys.models import CompanyValue

    from .models import Action

    errors = {}
    value = CompanyValue.objects.filter(organization=snapshot.organization, code=value_code).first()
    if value is None:
        errors["value"] = "Choose a value of this report."
    if not owner.strip():
        errors["owner"] = "Name who owns the action."
    if due_on is None:
        errors["due_on"] = "Give a due date (YYYY-MM-DD)."
    if not description.strip():
        errors["description"] = "Say what will change."
    if errors:
        raise ActionInvalid(errors)
    cell = next(
        (
            e
            for e in snapshot.data["stated_vs_lived"]
            if e["value"] == value_code and e["segment"] == segment
        ),
        None,
    )
    return Action.objects.create(
        organization=snapshot.organization,
        value=value,
        segment=segment,
        round=snapshot.round,
        owner=owner.strip()[:200],
        due_on=due_on,
        description=description.strip(),
        gap_at_start=cell["gap"] if cell else None,
        classification_at_start=cell["classification"] if cell else "",
        created_by=user,
    )


CLOSED_GAP = 0.25  # below this a gap is within what ANALYSIS.md calls negligible-to-watch


def action_progress(*, action, data: dict) -> dict:
    """Compare an action's starting gap with the same cell in a (later) report."""
    cell = next(
        (
            e
            for e in data["stated_vs_lived"]
            if e["value"] == action.value.code and e["segment"] == action.segment
        ),
        None,
    )
    now = cell["gap"] if cell else None
    if data["wave"] == action.round.label or now is None or action.gap_at_start is None:
        status = "started" if data["wave"] == action.round.label else "no_data"
    elif abs(now) < CLOSED_GAP and cell["classification"] not in ("blind_spot", "hidden_strength"):
        status = "closed"
    elif abs(now) <= abs(action.gap_at_start) - CLOSED_GAP:
        status = "narrowing"
    elif abs(now) >= abs(action.gap_at_start) + CLOSED_GAP:
        status = "widening"
    else:
        status = "unchanged"
    return {
        "gap_at_start": action.gap_at_start,
        "gap_now": now,
        "classification_now": cell["classification"] if cell else None,
        "status": status,
    }
