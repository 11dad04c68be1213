"""Rounds as HR works with them: one invitation per person per round, actions that ask first,
and closing a round (every open wave of it, then its report)."""

import pytest
from django.db.models import Count
from django.test import Client

from analytics.models import AnalysisJob
from surveys.models import (
    CampaignKind,
    Employee,
    Invitation,
    PendingAnswer,
    Question,
    Wave,
    WaveStatus,
)
from surveys.services.automation import campaign_create
from surveys.services.campaigns import organization_today, wave_launch
from surveys.services.responses import response_accept
from surveys.tasks import send_wave_invitations
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def leadership_survey(acme):
    questions = list(Question.objects.filter(organization=acme, perspective="leader"))
    return campaign_create(
        organization=acme, name="Leadership", kind=CampaignKind.LEADERSHIP, questions=questions
    )


def invitations_per_person(round_label: str) -> dict[str, int]:
    rows = (
        Invitation.objects.filter(wave__round__label=round_label)
        .values("email")
        .annotate(n=Count("id"))
    )
    return {row["email"]: row["n"] for row in rows}


# --- A second launch in the same round --------------------------------------------------------


def test_it_invites_nobody_twice_when_launch_is_clicked_again(alice, pulse, staff, outbox):
    # given: the pulse is launched ("Create and launch"), and one person answers
    client = client_for(alice)
    client.post(f"/o/acme/campaigns/{pulse.pk}/launch/", {"confirm": "1"})
    first = Wave.objects.get(campaign=pulse)
    send_wave_invitations(first.pk)
    emails_before = len(outbox)

    # when: HR clicks "Launch" again on the campaign page, and confirms
    response = client.post(f"/o/acme/campaigns/{pulse.pk}/launch/", {"confirm": "1"})

    # then: it stays in the open wave's round, where everyone has been asked: nothing happens
    assert response.status_code == 400
    assert "already been asked in the round" in response.content.decode()
    assert Wave.objects.filter(campaign=pulse).count() == 1
    assert len(outbox) == emails_before == len(staff)
    assert set(invitations_per_person(first.round.label).values()) == {1}


def test_a_second_wave_in_the_round_asks_only_newcomers(alice, pulse, staff, token_for):
    client = client_for(alice)
    client.post(f"/o/acme/campaigns/{pulse.pk}/launch/", {"confirm": "1"})
    first = Wave.objects.get(campaign=pulse)
    invitation = first.invitations.get(email="staff0@acme.example")
    response_accept(token=token_for(invitation), answers={"od1": 4, "od2": 2})
    EmployeeFactory(organization=pulse.organization, email="new@acme.example", start_date=None)

    page = client.post(f"/o/acme/campaigns/{pulse.pk}/launch/", {})  # the confirmation step
    client.post(f"/o/acme/campaigns/{pulse.pk}/launch/", {"confirm": "1"})

    assert "1 people will get an invitation email" in page.content.decode()
    second = Wave.objects.get(campaign=pulse, number=2)
    assert second.round == first.round
    assert list(second.invitations.values_list("email", flat=True)) == ["new@acme.example"]
    # The person who answered holds one invitation in the round, answered: no second link.
    per_person = invitations_per_person(first.round.label)
    assert per_person["staff0@acme.example"] == 1
    assert set(per_person.values()) == {1}
    assert PendingAnswer.objects.count() == 1


def test_the_campaign_page_says_what_another_launch_does(alice, open_wave, pulse):
    page = client_for(alice).get(f"/o/acme/campaigns/{pulse.pk}/").content.decode()

    assert "Launch another wave" in page
    assert "Wave 1 is open in the round 2026-08" in page
    assert "only people not yet asked in it are invited" in page


# --- Confirmations: a post without confirm changes nothing ------------------------------------


def test_it_asks_before_launching(alice, pulse, staff, outbox):
    response = client_for(alice).post(
        f"/o/acme/campaigns/{pulse.pk}/launch/", {"round": "2026-10", "closes_on": "2099-01-31"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"{len(staff)} people will get an invitation email" in page
    assert "2026-10 (new)" in page
    assert 'name="confirm" value="1"' in page
    assert 'name="round" value="2026-10"' in page
    assert 'name="closes_on" value="2099-01-31"' in page
    assert not Wave.objects.exists()
    assert outbox == []


def test_it_asks_before_sending_reminders(
    alice, open_wave, outbox, django_capture_on_commit_callbacks
):
    send_wave_invitations(open_wave.pk)
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(f"/o/acme/waves/{open_wave.pk}/remind/")

    assert response.status_code == 200
    assert "Send reminders now?" in response.content.decode()
    assert outbox == []
    assert not Invitation.objects.filter(reminders_sent__gt=0).exists()


def test_it_asks_before_marking_a_leaver(alice, staff, outbox):
    employee = staff[0]

    response = client_for(alice).post(
        f"/o/acme/roster/{employee.pk}/leaver/", {"leaving_date": "2026-12-31"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Mark {employee.email} as leaving?" in page
    assert 'name="leaving_date" value="2026-12-31"' in page
    assert Employee.objects.get(pk=employee.pk).leaving_date is None


def test_it_asks_before_closing_a_wave(alice, open_wave):
    response = client_for(alice).post(f"/o/acme/waves/{open_wave.pk}/close/")

    assert response.status_code == 200
    assert "Close Pulse, wave 1?" in response.content.decode()
    assert Wave.objects.get(pk=open_wave.pk).status == WaveStatus.OPEN


def test_confirmations_are_posts_with_csrf(alice, open_wave, pulse):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.get(f"/o/acme/waves/{open_wave.pk}/remind/").status_code == 405
    assert client.post(f"/o/acme/waves/{open_wave.pk}/close/", {"confirm": "1"}).status_code == 403
    assert client.post("/o/acme/rounds/2026-08/close/", {"confirm": "1"}).status_code == 403
    assert Wave.objects.get(pk=open_wave.pk).status == WaveStatus.OPEN


# --- Closing one wave of a round, or the round --------------------------------------------------


@pytest.fixture
def round_with_leadership(acme, leo, open_wave):
    """Round 2026-08: the pulse's open wave and the leadership survey's (leo is invited)."""
    leadership = wave_launch(campaign=leadership_survey(acme), round_label="2026-08")
    return open_wave, leadership


def test_closing_the_pulse_while_leadership_is_open_warns(alice, round_with_leadership):
    pulse_wave, _leadership_wave = round_with_leadership

    response = client_for(alice).post(f"/o/acme/waves/{pulse_wave.pk}/close/")

    page = response.content.decode()
    assert "Other waves of the round 2026-08 are still open" in page
    assert "Leadership (Leadership self-assessment), wave 1" in page
    assert "no leader ratings to compare with" in page
    assert "Close both" in page
    assert "Close this one and wait" in page
    assert 'action="/o/acme/rounds/2026-08/close/"' in page
    assert set(Wave.objects.values_list("status", flat=True)) == {WaveStatus.OPEN}


def test_closing_this_one_and_waiting_leaves_the_report_for_later(
    alice, round_with_leadership, django_capture_on_commit_callbacks
):
    pulse_wave, leadership_wave = round_with_leadership

    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(f"/o/acme/waves/{pulse_wave.pk}/close/", {"confirm": "1"})

    assert Wave.objects.get(pk=pulse_wave.pk).status == WaveStatus.CLOSED
    assert Wave.objects.get(pk=leadership_wave.pk).status == WaveStatus.OPEN
    assert not AnalysisJob.objects.exists()


def test_the_close_round_page_lists_the_open_waves_and_changes_nothing(
    alice, round_with_leadership
):
    response = client_for(alice).get("/o/acme/rounds/2026-08/close/")
    posted = client_for(alice).post("/o/acme/rounds/2026-08/close/")

    page = response.content.decode()
    assert "Close the round 2026-08?" in page
    assert "Leadership (Leadership self-assessment), wave 1" in page
    assert "Pulse (Pulse), wave 1, 12 invited" in page
    assert posted.status_code == 200
    assert set(Wave.objects.values_list("status", flat=True)) == {WaveStatus.OPEN}


# Outside a test transaction: with in-process tasks the seals and the analysis run as each
# close commits, as in the embedded default.
@pytest.mark.django_db(transaction=True)
def test_close_round_closes_every_wave_then_computes_the_report(
    alice, round_with_leadership, token_for
):
    pulse_wave, leadership_wave = round_with_leadership
    for invitation in pulse_wave.invitations.all()[:10]:
        response_accept(token=token_for(invitation), answers={"od1": 4, "od2": 2})
    leader = leadership_wave.invitations.get()
    response_accept(token=token_for(leader), answers={"odl": 5})

    response = client_for(alice).post("/o/acme/rounds/2026-08/close/", {"confirm": "1"})

    assert response["Location"] == "/o/acme/report/2026-08/progress/"
    waves = Wave.objects.filter(round__label="2026-08")
    assert {w.status for w in waves} == {WaveStatus.CLOSED}
    assert all(w.sealed_at is not None for w in waves)
    job = AnalysisJob.objects.get()
    assert job.round.label == "2026-08"
    assert job.status == "done"
    assert job.snapshot.data["stated_vs_lived"]  # with the leaders' ratings in it


def test_close_round_twice_closes_nothing_more(
    alice, round_with_leadership, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/o/acme/rounds/2026-08/close/", {"confirm": "1"}, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post("/o/acme/rounds/2026-08/close/", {"confirm": "1"}, follow=True)

    assert "Round 2026-08 closed: 2 waves." in first.content.decode()
    assert "Every wave of the round was already closed." in again.content.decode()


def test_it_rejects_other_organization(charlie, round_with_leadership):
    client = client_for(charlie)

    assert client.get("/o/acme/rounds/2026-08/close/").status_code == 404
    assert client.post("/o/acme/rounds/2026-08/close/", {"confirm": "1"}).status_code == 404
    assert set(Wave.objects.values_list("status", flat=True)) == {WaveStatus.OPEN}


def test_it_rejects_a_leader(leo, round_with_leadership):
    response = client_for(leo).post("/o/acme/rounds/2026-08/close/", {"confirm": "1"})

    assert response.status_code == 403
    assert set(Wave.objects.values_list("status", flat=True)) == {WaveStatus.OPEN}


def test_the_monitor_names_tenure_bands_in_words(alice, acme, pulse):
    today = organization_today(acme)
    for i, years in enumerate((0, 1, 3)):
        EmployeeFactory(
            organization=acme,
            email=f"t{i}@acme.example",
            start_date=today.replace(year=today.year - years, day=1),
        )
    wave = wave_launch(campaign=pulse, round_label="2026-08")

    page = client_for(alice).get(f"/o/acme/waves/{wave.pk}/").content.decode()

    assert "2 to 5 years" in page
    assert "1_2y" not in page
    assert "lt_6m" not in page
