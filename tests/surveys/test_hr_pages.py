"""HR pages: the response-rate monitor, reminders, closing a wave, editing values."""

import pytest
from django.test import Client
from django.utils import timezone

from analytics.models import AnalysisJob
from surveys.models import CompanyValue, Invitation, Question, Wave
from surveys.services.campaigns import wave_close
from surveys.services.responses import response_accept
from surveys.tasks import send_wave_invitations

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_monitor_shows_rates_and_hides_small_segments(alice, open_wave, token_for, staff):
    # Six answers, all from one department: its count shows, the others' stay hidden.
    departments = {}
    for invitation in open_wave.invitations.select_related("employee__department"):
        departments.setdefault(invitation.employee.department.name, []).append(invitation)
    biggest = max(departments, key=lambda name: len(departments[name]))
    for invitation in departments[biggest][:4]:
        response_accept(token=token_for(invitation), answers={"od1": 3})
    others = [i for name, group in departments.items() if name != biggest for i in group]
    for invitation in others[:2]:
        response_accept(token=token_for(invitation), answers={"od1": 3})

    response = client_for(alice).get(f"/o/acme/waves/{open_wave.pk}/")

    body = response.content.decode()
    rates = response.context["rates"]
    assert (rates["invited"], rates["answered"]) == (12, 6)
    assert rates["rate"] == pytest.approx(50)
    department = next(d for d in rates["dimensions"] if d["name"] == "department")
    shown = [s for s in department["segments"] if s["answered"] is not None]
    assert all(s["answered"] >= 5 for s in shown)
    assert "fewer than k" in body
    assert "staff0@acme.example" in body  # who was invited, for reminders


def test_reminders_go_to_those_who_have_not_answered(
    alice, open_wave, token_for, outbox, django_capture_on_commit_callbacks
):
    send_wave_invitations(open_wave.pk)
    answered = open_wave.invitations.first()
    response_accept(token=token_for(answered), answers={"od1": 3})
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            f"/o/acme/waves/{open_wave.pk}/remind/", {"confirm": "1"}, follow=True
        )

    # One answer of k = 5: how many were reminded would say how many answered.
    assert "Reminders queued for everyone who has not answered." in response.content.decode()
    assert len(outbox) == 11
    assert answered.email not in {m.to[0] for m in outbox}
    assert all(m.subject.startswith("Reminder:") for m in outbox)


# Outside a test transaction, as in production: with in-process tasks the seal and then the
# analysis run as the close commits.
@pytest.mark.django_db(transaction=True)
def test_closing_a_wave_shows_the_analysis_progress(alice, open_wave, token_for):
    for invitation in open_wave.invitations.all()[:10]:
        response_accept(token=token_for(invitation), answers={"od1": 3, "od2": 2})

    client = client_for(alice)
    response = client.post(f"/o/acme/waves/{open_wave.pk}/close/", {"confirm": "1"})

    label = open_wave.round.label
    assert response["Location"] == f"/o/acme/report/{label}/progress/"
    # The analysis ran in-process as the close committed: the report is published, and the
    # progress page goes on to it.
    assert AnalysisJob.objects.get().status == "done"
    assert client.get(response["Location"])["Location"] == f"/o/acme/report/{label}/"


def test_while_the_analysis_runs_the_progress_page_goes_on_to_the_job(alice, open_wave):
    wave_close(wave=open_wave)
    Wave.objects.filter(pk=open_wave.pk).update(sealed_at=timezone.now())
    job = AnalysisJob.objects.create(
        organization=open_wave.campaign.organization, round=open_wave.round
    )

    response = client_for(alice).get(f"/o/acme/report/{open_wave.round.label}/progress/")

    assert response["Location"] == f"/o/acme/jobs/{job.pk}/"


def test_the_report_progress_page_says_which_waves_the_round_still_waits_for(
    alice, open_wave, pulse
):
    response = client_for(alice).get(f"/o/acme/report/{open_wave.round.label}/progress/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Still waiting for:" in page
    assert f"{pulse.name} · wave {open_wave.number}" in page
    assert '<meta http-equiv="refresh" content="5">' in page


def test_closing_a_wave_whose_answers_a_worker_still_seals_says_the_report_follows(
    alice, open_wave, token_for
):
    for invitation in open_wave.invitations.all()[:10]:
        response_accept(token=token_for(invitation), answers={"od1": 3, "od2": 2})

    # What the seal task queues after commit has not run yet, as with a busy worker.
    response = client_for(alice).post(
        f"/o/acme/waves/{open_wave.pk}/close/", {"confirm": "1"}, follow=True
    )

    assert response.redirect_chain == [(f"/o/acme/waves/{open_wave.pk}/", 302)]
    assert "the answers are being sealed, and the report follows" in response.content.decode()
    assert not AnalysisJob.objects.exists()


def test_editing_a_value_and_adding_a_question(alice, acme):
    client = client_for(alice)
    response = client.post(
        "/o/acme/values/open_door/edit/",
        {
            "name": "Open door",
            "claim": "Anyone can talk to anyone.",
            "description": "",
            "text_od1": "I can raise a concern with my manager.",
            "reverse_od2": "on",
            "new_code": "od3",
            "new_perspective": "employee",
            "new_text": "Leaders here thank people who bring bad news.",
        },
    )
    assert response["Location"] == "/o/acme/values/"
    value = CompanyValue.objects.get(organization=acme, code="open_door")
    assert value.claim == "Anyone can talk to anyone."
    assert Question.objects.get(code="od1").text == "I can raise a concern with my manager."
    assert Question.objects.get(code="od2").reverse is True
    assert Question.objects.get(code="od3").value == value


def test_a_bad_edit_names_the_problem_and_saves_nothing(alice, acme):
    response = client_for(alice).post(
        "/o/acme/values/open_door/edit/",
        {
            "name": "",
            "text_od1": "Changed",
        },
    )
    assert response.status_code == 400
    assert (
        '<p class="error" id="name-error">Give the value a name.</p>' in response.content.decode()
    )
    assert Question.objects.get(code="od1").text.startswith("I can raise a concern")


def test_the_loaders_refusal_shows_next_to_the_question_it_is_about(alice, acme):
    response = client_for(alice).post(
        "/o/acme/values/open_door/edit/",
        {"name": "Open door", "text_od1": "Changed", "new_code": "od1", "new_text": "Again"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert '<p class="error" id="new_code-error">values[0].questions[' in body
    assert "appears twice" in body
    assert Question.objects.get(code="od1").text.startswith("I can raise a concern")


def test_adding_a_value(alice, acme):
    response = client_for(alice).post(
        "/o/acme/values/new/",
        {
            "code": "candour",
            "name": "Candour",
            "claim": "We say it as it is.",
        },
    )
    assert response["Location"] == "/o/acme/values/"
    assert CompanyValue.objects.filter(organization=acme, code="candour").exists()


def test_hr_pages_are_closed_to_leaders_and_other_organizations(leo, charlie, open_wave):
    urls = [
        ("get", f"/o/acme/waves/{open_wave.pk}/"),
        ("post", f"/o/acme/waves/{open_wave.pk}/remind/"),
        ("get", "/o/acme/values/open_door/edit/"),
        ("get", "/o/acme/values/new/"),
    ]
    for user, status in ((leo, 403), (charlie, 404)):
        client = client_for(user)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == status, (user, url)
    assert not Invitation.objects.filter(reminders_sent__gt=0).exists()
