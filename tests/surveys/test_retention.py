"""Forgetting leavers, exporting an organization, deleting it."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import call_command

from analytics.models import ReportSnapshot
from analytics.services import snapshot_compute
from culturesurvey.exports import organization_export
from surveys.models import (
    Answer,
    Department,
    Employee,
    Invitation,
    Organization,
    PendingAnswer,
    Question,
    SurveyResponse,
)
from surveys.services.responses import response_accept
from surveys.services.retention import leavers_purge
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def test_leavers_past_the_retention_period_are_forgotten_but_not_their_answers(
    acme, open_wave, token_for, close_and_seal
):
    invitation = open_wave.invitations.first()
    response_accept(token=token_for(invitation), answers={"od1": 4})
    close_and_seal(open_wave)
    person = invitation.employee
    person.leaving_date = dt.date(2025, 1, 31)
    person.save()
    recent = EmployeeFactory(organization=acme, leaving_date=dt.date(2026, 11, 1))
    acme.leaver_retention_days = 180
    acme.save()

    forgotten = leavers_purge(organization=acme, today=dt.date(2026, 11, 23))

    assert forgotten == 1
    assert not Employee.objects.filter(pk=person.pk).exists()
    assert not Invitation.objects.filter(email=person.email).exists()
    assert Employee.objects.filter(pk=recent.pk).exists()
    assert SurveyResponse.objects.count() == 1  # the anonymous answer stays
    assert Answer.objects.count() == 1


def test_without_a_retention_period_nobody_is_forgotten(acme):
    EmployeeFactory(organization=acme, leaving_date=dt.date(2000, 1, 1))
    assert leavers_purge(organization=acme) == 0
    assert Employee.objects.count() == 1


def test_the_export_holds_everything_and_nothing_links_answers_to_people(
    acme, open_wave, token_for, close_and_seal
):
    for invitation in open_wave.invitations.all()[:10]:
        response_accept(token=token_for(invitation), answers={"od1": 3, "od2": 2})
    close_and_seal(open_wave)
    snapshot_compute(organization=acme, round_=open_wave.round)

    archive = zipfile.ZipFile(io.BytesIO(organization_export(organization=acme)))
    files = {name.split("/", 1)[1]: json.loads(archive.read(name)) for name in archive.namelist()}

    assert set(files) == {
        "definition.json",
        "roster.json",
        "campaigns.json",
        "waves.json",
        "invitations.json",
        "responses.json",
        "answers.json",
        "report_snapshots.json",
        "actions.json",
        "access_log.json",
    }
    assert files["definition.json"]["organization"]["slug"] == "acme"
    assert len(files["roster.json"]) == 12
    assert sum(i["answered"] for i in files["invitations.json"]) == 10
    assert len(files["responses.json"]) == 10
    assert len(files["answers.json"]) == 20
    assert set(files["responses.json"][0]) == {
        "id",
        "wave_id",
        "submitted_on",
        "department__name",
        "tenure_band",
        "location",
        "level",
    }
    assert "email" not in files["answers.json"][0]


def test_the_commands_export_and_delete(acme, open_wave, token_for, tmp_path, globex):
    response_accept(token=token_for(open_wave.invitations.first()), answers={"od1": 3})
    target = tmp_path / "acme.zip"
    call_command("export_org", "acme", str(target))
    assert zipfile.is_zipfile(target)

    call_command("delete_org", "acme", "--yes")

    assert not Organization.objects.filter(slug="acme").exists()
    assert not SurveyResponse.objects.exists()
    assert not PendingAnswer.objects.exists()
    assert not Question.objects.filter(organization__slug="acme").exists()
    assert not Department.objects.filter(organization__slug="acme").exists()
    assert not ReportSnapshot.objects.exists()
    assert Organization.objects.filter(slug="globex").exists()
