"""Computing and storing report snapshots, and the jobs that do it."""

import datetime as dt
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.outbox import outbox_enqueue
from surveys.models import CompanyValue, Organization, Round, Wave

from . import stats
from .models import AccessLog, Action, ActionStatus, AnalysisJob, JobStatus, ReportSnapshot
from .publication import published_specs
from .report.build import report_build
from .selectors import (
    report_data,
    report_fingerprints,
    report_input,
    round_open_waves,
    snapshot_of_round,
)

# A running job not heard from for this long is taken to be lost (its worker died without the
# broker redelivering it), so a new request starts a fresh one.
STALE_AFTER = dt.timedelta(minutes=15)


class NothingToReport(Exception):
    """The round has no responses at all."""


class AnalysisRefused(Exception):
    """The round's report cannot be computed now; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def analysis_check(*, round_: Round, recompute: bool = False) -> None:
    """Raise AnalysisRefused unless the round's report may be computed now.

    A report is published once per round, when every wave of the round is closed: an answer
    arriving after it would change a published figure by one person. A published round is
    computed again only on request (`recompute`), for a new method on the same answers.
    """
    still_open = round_open_waves(round_=round_)
    if still_open:
        names = ", ".join(f"{w.campaign.name} #{w.number}" for w in still_open)
        raise AnalysisRefused(
            f"The round {round_.label} still has waves whose answers are not all in ({names}: "
            "open, or closed and being sealed). Its report is computed once every wave of the "
            "round is closed and sealed, and cannot change after that."
        )
    if round_.published_at is not None and not recompute:
        raise AnalysisRefused(
            f"The report of round {round_.label} is published and frozen. A new method version "
            "recomputes it on the same answers (gap_report --recompute)."
        )


def snapshot_compute(
    *,
    organization: Organization,
    round_: Round,
    job: AnalysisJob | None = None,
    recompute: bool = False,
) -> tuple[ReportSnapshot, bool]:
    """The round's snapshot: reused when one exists, else computed. Returns (snapshot, created).

    A round with a report keeps it: the newest is returned unless `recompute` asks for a new
    computation, which is refused when the answers or the departments behind the figures have
    changed since (every group must keep its n). Idempotent: the snapshot is unique per
    (organization, fingerprint), so running this twice, or in two workers at once, stores one.
    The cells are audited against every report published before (report.plan.Planner.publish).
    """

    def progress(percent: int, stage: str) -> None:
        if job is not None:
            AnalysisJob.objects.filter(pk=job.pk).update(
                progress=percent, stage=stage[:100], updated_at=timezone.now()
            )

    progress(1, "fingerprint")
    published = snapshot_of_round(round_=round_, with_data=False)
    if published is not None and not recompute:
        return snapshot_of_round(round_=round_), False
    analysis_check(round_=round_, recompute=True)
    fingerprint, data_fingerprint = report_fingerprints(organization=organization, round_=round_)
    existing = ReportSnapshot.objects.filter(
        organization=organization, fingerprint=fingerprint
    ).first()
    if existing:
        return existing, False
    if published is not None and published.data_fingerprint != data_fingerprint:
        raise AnalysisRefused(
            f"The report of round {round_.label} is published, and the answers or departments "
            "behind it have changed since; it is not recomputed, so no figure can move."
        )
    progress(3, "loading answers")
    inp = report_input(organization=organization, round_=round_)
    if not any((group.round_index == inp.current).any() for group in inp.groups.values()):
        raise NothingToReport(f"The round {round_.label} has no responses in a closed wave yet.")
    started = time.monotonic()
    data, cells = report_build(
        inp, progress, published_specs(organization=organization, round_=round_, inp=inp)
    )
    try:
        with transaction.atomic():
            snapshot = ReportSnapshot.objects.create(
                organization=organization,
                round=round_,
                fingerprint=inp.fingerprint,
                data_fingerprint=data_fingerprint,
                method_version=stats.METHOD_VERSION,
                data=data,
                cells=cells,
                compute_seconds=time.monotonic() - started,
            )
            Round.objects.filter(pk=round_.pk, published_at__isnull=True).update(
                published_at=timezone.now()
            )
    except IntegrityError:  # another worker stored the same input first
        return ReportSnapshot.objects.get(
            organization=organization, fingerprint=inp.fingerprint
        ), False
    return snapshot, True


def analysis_request(
    *, organization: Organization, round_: Round, user=None, recompute: bool = False
) -> AnalysisJob:
    """Ask for the round's report. A job already queued or running for it is returned instead
    of a second one; the task is queued after commit. Raises AnalysisRefused when the round
    still has waves whose answers are not all in, or is published and `recompute` was not
    asked for."""
    analysis_check(round_=round_, recompute=recompute)
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
        organization=organization,
        round=round_,
        requested_by=user if user and user.pk else None,
        recompute=recompute,
    )
    outbox_enqueue("analytics.tasks.run_analysis", job.pk)
    return job


def wave_analysis_request(*, wave_id: int) -> int | None:
    """Ask for the report of a sealed wave's round when every wave of the round is sealed and
    the round has responses; returns the job's id (None when there is nothing to analyse yet,
    or the wave is gone)."""

    wave = Wave.objects.select_related("campaign__organization", "round").filter(pk=wave_id).first()
    # The round's last wave to be sealed may hold no answers (an exit wave nobody answered):
    # what matters is that the round has some.
    if (
        wave is None
        or wave.sealed_at is None
        or not wave.round.waves.filter(responses__isnull=False).exists()
    ):
        return None
    try:
        return analysis_request(organization=wave.campaign.organization, round_=wave.round).pk
    except AnalysisRefused:
        return None  # another wave of the round is not sealed yet: the last one asks


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
            organization=job.organization, round_=job.round, job=job, recompute=job.recompute
        )
    except (NothingToReport, AnalysisRefused) as exc:
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
            for e in report_data(snapshot=snapshot)["stated_vs_lived"]
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


def action_update(*, action, **changes) -> None:
    """Change an action's status, owner, due date or description; what it answers (value,
    segment, round) stays. The caller has checked access (`action_get`)."""
    allowed = {"status", "owner", "due_on", "description"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    if changes:
        Action.objects.filter(pk=action.pk).update(**changes)
        for name, value in changes.items():
            setattr(action, name, value)


def action_mark_done(*, action) -> None:
    action_update(action=action, status=ActionStatus.DONE)


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


def organization_export_files(*, organization: Organization) -> dict[str, list[dict]]:
    """What the reporting side holds about an organization, as JSON-ready rows per file name:
    its report snapshots, actions and the access log."""
    snapshot_fields = ["round__label", "fingerprint", "method_version", "created_at", "data"]
    action_fields = [
        "value__code",
        "segment",
        "round__label",
        "owner",
        "due_on",
        "description",
        "status",
        "gap_at_start",
        "created_at",
    ]
    log_fields = ["username", "action", "wave", "scope", "created_at"]
    return {
        "report_snapshots.json": list(
            ReportSnapshot.objects.filter(organization=organization).values(*snapshot_fields)
        ),
        "actions.json": list(
            Action.objects.filter(organization=organization).values(*action_fields)
        ),
        "access_log.json": list(
            AccessLog.objects.filter(organization=organization).values(*log_fields)
        ),
    }
