"""Snapshots are computed by jobs, once per input, and read by everyone else."""

import json
from unittest import mock

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from analytics.models import AnalysisJob, ReportSnapshot
from analytics.selectors import report_input, round_latest_reportable
from analytics.services import (
    AnalysisRefused,
    analysis_request,
    analysis_run,
    snapshot_compute,
)
from analytics.tasks import run_analysis
from surveys.errors import ImportRejected
from surveys.models import Round, Wave
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_close, wave_launch
from surveys.services.responses import response_accept, responses_import
from surveys.services.sealing import wave_seal
from tests.analytics.test_engine import employees_answers, history

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(acme):
    responses_import(organization=acme, content=history(employees_answers()))
    return Round.objects.get(label="2026-09")


def test_the_same_input_stores_one_snapshot(acme, round_):
    first, created = snapshot_compute(organization=acme, round_=round_)
    again, created_again = snapshot_compute(organization=acme, round_=round_)

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert ReportSnapshot.objects.count() == 1
    assert first.data["method_version"] == "1.1"
    assert first.data["fingerprint"] == first.fingerprint


def test_a_published_round_is_frozen(acme, round_):
    """Padding by history import: a report and a second one over one more response would
    give that response away by subtraction. A published round takes nothing more."""
    first, _ = snapshot_compute(organization=acme, round_=round_)
    round_.refresh_from_db()
    assert round_.published_at is not None

    with pytest.raises(ImportRejected, match="2026-09 is frozen"):
        responses_import(organization=acme, content="kind,wave,od1,od2\npulse,2026-09,5,1\n")
    again, created = snapshot_compute(organization=acme, round_=round_)
    with pytest.raises(AnalysisRefused, match="published and frozen"):
        analysis_request(organization=acme, round_=round_)

    assert (again.pk, created) == (first.pk, False)
    assert first.data["stated_vs_lived"][0]["n_employees"] == 31
    assert ReportSnapshot.objects.count() == 1


def test_a_published_round_is_recomputed_only_on_the_same_answers(acme, round_):
    first, _ = snapshot_compute(organization=acme, round_=round_)

    # A new method on the same answers: a new snapshot, every group keeps its n.
    with mock.patch("analytics.stats.METHOD_VERSION", "9.9"):
        second, created = snapshot_compute(organization=acme, round_=round_, recompute=True)
    assert created is True
    assert second.data_fingerprint == first.data_fingerprint
    n = {(e["value"], e["segment"]): e["n_employees"] for e in first.data["stated_vs_lived"]}
    assert n == {
        (e["value"], e["segment"]): e["n_employees"] for e in second.data["stated_vs_lived"]
    }

    # Departments moved since: a recomputation could move figures, so it is refused.
    platform = acme.departments.get(name="Platform")
    platform.parent = acme.departments.get(name="Sales")
    platform.save()
    with (
        mock.patch("analytics.stats.METHOD_VERSION", "9.10"),
        pytest.raises(AnalysisRefused, match="have changed since"),
    ):
        snapshot_compute(organization=acme, round_=round_, recompute=True)


def test_a_job_runs_once_and_a_rerun_changes_nothing(acme, round_):
    job = analysis_request(organization=acme, round_=round_)
    assert analysis_request(organization=acme, round_=round_).pk == job.pk  # still queued

    snapshot_id = analysis_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts) == ("done", 100, 1)
    assert job.snapshot_id == snapshot_id

    assert analysis_run(job_id=job.pk) == snapshot_id
    job.refresh_from_db()
    assert job.attempts == 1
    assert ReportSnapshot.objects.count() == 1


def test_progress_is_reported_while_the_job_runs(acme, round_):
    job = analysis_request(organization=acme, round_=round_)
    seen = []
    original = AnalysisJob.objects.filter

    def spy(*args, **kwargs):
        queryset = original(*args, **kwargs)
        seen.append(AnalysisJob.objects.values_list("progress", "stage").get(pk=job.pk))
        return queryset

    with mock.patch.object(AnalysisJob.objects, "filter", side_effect=spy):
        analysis_run(job_id=job.pk)

    progress = [p for p, _stage in seen]
    assert progress == sorted(progress)
    assert any(0 < p < 100 for p in progress)
    assert {stage for _p, stage in seen} >= {"loading answers", "trends"}


def test_a_round_without_responses_fails_clearly(acme, pulse, staff):
    from surveys.services.campaigns import wave_launch

    wave = wave_launch(campaign=pulse, round_label="empty")
    with pytest.raises(AnalysisRefused, match="answers are not all in"):
        analysis_request(organization=acme, round_=wave.round)
    wave_close(wave=wave)
    wave_seal(wave_id=wave.pk, analyze=False)
    job = analysis_request(organization=acme, round_=wave.round)

    assert analysis_run(job_id=job.pk) is None

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "The round empty has no responses in a closed wave yet."
    assert not ReportSnapshot.objects.exists()


def test_closing_a_wave_queues_the_analysis(
    acme, open_wave, token_for, django_capture_on_commit_callbacks
):
    for invitation in open_wave.invitations.all()[:11]:
        response_accept(token=token_for(invitation), answers={"od1": 4, "od2": 2})

    with django_capture_on_commit_callbacks(execute=True):
        wave_close(wave=open_wave)

    job = AnalysisJob.objects.get()
    assert (job.round, job.status) == (open_wave.round, "done")
    assert job.snapshot.data["wave"] == "2026-08"


def test_closing_an_already_closed_wave_queues_nothing(acme, open_wave, token_for, close_and_seal):
    response_accept(token=token_for(open_wave.invitations.first()), answers={"od1": 4})
    assert close_and_seal(open_wave, analyze=True) is True
    assert close_and_seal(open_wave, analyze=True) is False
    assert AnalysisJob.objects.count() == 1


def test_a_closed_wave_is_reported_only_once_its_answers_are_sealed(
    acme, open_wave, token_for, django_capture_on_commit_callbacks
):
    for invitation in open_wave.invitations.all()[:6]:
        response_accept(token=token_for(invitation), answers={"od1": 4, "od2": 2})
    wave_close(wave=open_wave, analyze=False)  # what it queues has not run: not sealed yet

    with pytest.raises(AnalysisRefused, match="answers are not all in"):
        snapshot_compute(organization=acme, round_=open_wave.round)
    assert round_latest_reportable(organization=acme) is None

    wave_seal(wave_id=open_wave.pk, analyze=False)
    snapshot, _created = snapshot_compute(organization=acme, round_=open_wave.round)
    assert snapshot.data["wave"] == "2026-08"
    assert round_latest_reportable(organization=acme) == open_wave.round


def test_the_task_retries_after_a_lost_database_connection(acme, round_):
    job = AnalysisJob.objects.create(organization=acme, round=round_)
    calls = []

    def flaky(*, job_id):
        calls.append(job_id)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return analysis_run(job_id=job_id)

    with mock.patch("analytics.tasks.analysis_run", side_effect=flaky):
        result = run_analysis.apply(args=[job.pk], throw=False)  # runs the retry in-process

    assert calls == [job.pk, job.pk]
    job.refresh_from_db()
    assert job.status == "done"
    assert job.snapshot == ReportSnapshot.objects.get()
    assert result.get() == job.snapshot_id


def test_answers_are_loaded_with_one_query_per_wave(acme, round_):
    responses_import(organization=acme, content=history(employees_answers(2), label="2026-10"))
    waves = Wave.objects.count()
    with CaptureQueriesContext(connection) as queries:
        report_input(organization=acme, round_=Round.objects.get(label="2026-10"))
    answer_queries = [q for q in queries.captured_queries if '"surveys_answer"' in q["sql"]]
    assert len(answer_queries) == waves == 4
    # The rest is a fixed number of small lookups (and one per campaign), whatever the size.
    assert len(queries.captured_queries) <= 2 * waves + 15


def test_the_command_prints_the_stored_snapshot_as_json(acme, round_, capsys):
    call_command("gap_report", "acme", "--json")
    printed = json.loads(capsys.readouterr().out)

    snapshot = ReportSnapshot.objects.get()
    assert printed == snapshot.data
    for key in (
        "organization",
        "wave",
        "method_version",
        "min_group_size",
        "self_deception_index",
        "stated_vs_lived",
        "calibration",
        "calibration_mae",
        "profile_agreement",
        "leavers_vs_stayers",
        "promised_vs_found",
        "trends",
        "enps",
        "reliability",
        "drivers",
    ):
        assert key in printed
    assert (printed["organization"], printed["wave"]) == ("acme", "2026-09")

    call_command("gap_report", "acme", "--wave", "2026-09")
    summary = capsys.readouterr().out
    assert "stored snapshot" in summary
    assert "open_door" in summary
    assert ReportSnapshot.objects.count() == 1


def arrays(inp) -> dict:
    """Every array of a report input, rows in a canonical order (rows carry no identity)."""
    out = {}
    for name, rs in inp.groups.items():
        keys = [np.nan_to_num(rs.numbers, nan=-1).tolist(), rs.department.tolist()]
        keys += [rs.tenure_band.tolist(), rs.location.tolist(), rs.level.tolist()]
        texts = {}
        for row, column, text in rs.texts:
            texts.setdefault(row, []).append((column, text))
        rows = [
            (*map(str, row), sorted(texts.get(i, [])))
            for i, row in enumerate(zip(*keys, strict=True))
        ]
        out[name] = (sorted(rows), rs.round_index.tolist().count(0), rs.asked.sum())
    return out


@pytest.mark.postgres
def test_postgresql_gathers_each_response_into_the_same_arrays_as_the_answer_by_answer_read(
    acme, round_
):
    """On PostgreSQL each response's answers come as arrays (ARRAY_AGG); the read one answer at
    a time, the embedded default's, must give exactly the same input."""
    later = history(employees_answers(2), label="2026-10", comment="Decisions are explained.")
    responses_import(organization=acme, content=later)
    round_10 = Round.objects.get(label="2026-10")
    gathered = report_input(organization=acme, round_=round_10)
    with mock.patch("analytics.selectors.connection", mock.Mock(vendor="sqlite")):
        one_by_one = report_input(organization=acme, round_=round_10)

    assert arrays(gathered) == arrays(one_by_one)
    assert sum(rs.size for rs in gathered.groups.values()) > 60
    assert any(rs.texts for rs in gathered.groups.values())


def test_the_command_recomputes_a_published_round_only_when_asked(acme, round_, capsys):
    call_command("gap_report", "acme", "--json")
    first = ReportSnapshot.objects.get()

    with mock.patch("analytics.stats.METHOD_VERSION", "9.9"):
        call_command("gap_report", "acme", "--json")  # the stored report, as it was
        assert ReportSnapshot.objects.count() == 1
        capsys.readouterr()
        call_command("gap_report", "acme", "--json", "--recompute")
    printed = json.loads(capsys.readouterr().out)

    assert ReportSnapshot.objects.count() == 2
    assert (printed["method_version"], first.method_version) == ("9.9", "1.1")
    assert ReportSnapshot.objects.get(pk=first.pk).data == first.data  # never rewritten

    platform = acme.departments.get(name="Platform")
    platform.parent = acme.departments.get(name="Sales")
    platform.save()
    with (
        mock.patch("analytics.stats.METHOD_VERSION", "9.10"),
        pytest.raises(CommandError, match="have changed since"),
    ):
        call_command("gap_report", "acme", "--recompute")


def test_the_command_refuses_unknown_rounds_and_organizations(acme, round_):
    with pytest.raises(CommandError, match='No survey round "1999-01" \\(known: 2026-09\\)'):
        call_command("gap_report", "acme", "--wave", "1999-01")
    with pytest.raises(CommandError, match="No organization"):
        call_command("gap_report", "nope")


def test_a_round_is_reported_once_every_wave_of_it_is_closed(acme, open_wave, token_for):
    """While a wave is open its answers arrive one at a time; a report before and after one
    more answer would give that answer away. So a round is reported once, when all of its
    waves are closed, and no wave can join it after that."""
    response_accept(token=token_for(open_wave.invitations.first()), answers={"od1": 5, "od2": 1})

    with pytest.raises(AnalysisRefused, match="answers are not all in \\(Pulse #1"):
        snapshot_compute(organization=acme, round_=open_wave.round)
    assert not ReportSnapshot.objects.exists()


def test_the_last_wave_of_a_round_to_be_sealed_asks_for_its_report(
    acme, open_wave, token_for, close_and_seal
):
    """A leaver's exit wave in the same round holds the report back until it closes too, even
    when nobody answered it."""
    exit_campaign = campaign_create(
        organization=acme,
        name="Exit",
        kind="exit",
        questions=list(acme.questions.filter(perspective="employee")),
    )
    exit_wave = wave_launch(campaign=exit_campaign, round_label=open_wave.round.label)
    for invitation in open_wave.invitations.all()[:6]:
        response_accept(token=token_for(invitation), answers={"od1": 4, "od2": 2})

    close_and_seal(open_wave, analyze=True)
    assert not AnalysisJob.objects.exists()

    close_and_seal(exit_wave, analyze=True)
    job = AnalysisJob.objects.get()
    assert (job.round, job.status) == (open_wave.round, "done")
