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
    from .tasks import run_analysis

    run_analysis.delay_on_commit(job.pk)
    return job


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
