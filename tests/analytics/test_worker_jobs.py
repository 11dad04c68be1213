"""Analysis jobs on a real Celery worker through Redis: idempotent, and surviving a dead worker."""

import time

import pytest
from django.db import connections

from analytics.models import AnalysisJob, ReportSnapshot
from analytics.services import analysis_request
from analytics.tasks import run_analysis
from surveys.models import Round
from surveys.services.responses import responses_import
from tests.analytics.bigdata import big_history
from tests.analytics.test_engine import employees_answers, history

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def wait_for(condition, timeout: float = 120, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError("timed out waiting for the worker")


def job_state(pk: int) -> tuple[str, int]:
    return AnalysisJob.objects.values_list("status", "progress").get(pk=pk)


def test_the_task_run_twice_stores_one_snapshot(celery_worker, acme):
    responses_import(organization=acme, content=history(employees_answers()))
    round_ = Round.objects.get(label="2026-09")

    job = analysis_request(organization=acme, round_=round_)
    wait_for(lambda: job_state(job.pk)[0] == "done")
    run_analysis.delay(job.pk)  # a duplicate delivery of the same job
    second = analysis_request(organization=acme, round_=round_)  # and a new request
    wait_for(lambda: job_state(second.pk)[0] == "done")
    time.sleep(1)

    assert ReportSnapshot.objects.count() == 1
    assert AnalysisJob.objects.get(pk=second.pk).snapshot_id == ReportSnapshot.objects.get().pk
    assert AnalysisJob.objects.get(pk=job.pk).attempts == 1


def test_a_worker_killed_mid_job_is_replaced_and_the_job_finishes_once(celery_worker, acme):
    responses_import(organization=acme, content=big_history())
    round_ = Round.objects.get(label="big")

    # Another session keeps snapshots from being written, so the job computes everything and
    # then waits to store its snapshot: the worker is killed there, at the last moment, however
    # fast the analysis runs on this machine.
    blocker = connections.create_connection("default")
    with blocker.cursor() as cursor:
        cursor.execute("BEGIN")
        table = blocker.ops.quote_name(ReportSnapshot._meta.db_table)
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    try:
        job = analysis_request(organization=acme, round_=round_)
        wait_for(lambda: job_state(job.pk)[1] >= 15, every=0.05)
        time.sleep(1)
        celery_worker.kill()
        status, progress = job_state(job.pk)
        assert status == "running"
        assert progress < 100
    finally:
        blocker.close()  # rolls the lock back
    assert not ReportSnapshot.objects.exists()

    celery_worker.start()  # a new worker; the broker redelivers the unacknowledged job
    wait_for(lambda: job_state(job.pk)[0] == "done", timeout=240)

    job.refresh_from_db()
    assert job.attempts == 2
    assert ReportSnapshot.objects.count() == 1
    assert job.snapshot.data["wave"] == "big"
    assert job.snapshot.data["stated_vs_lived"][0]["n_employees"] == 600
