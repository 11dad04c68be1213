"""The campaigns API: campaigns, waves, closing, response rates, reminders and invitations.

alice is an HR admin of Acme, leo a leader of Acme, charlie an HR admin of Globex. `pulse` asks
Acme's employee questions (od1, od2, enps, comment) of the 12 `staff`; `open_wave` is its first
wave (round 2026-08), which invited all 12.
"""

import datetime as dt

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from analytics.models import AnalysisJob
from core.models import OutboxMessage
from surveys.models import (
    Campaign,
    CampaignKind,
    CampaignQuestion,
    Invitation,
    Question,
    Wave,
)
from surveys.services.automation import campaign_create
from surveys.services.campaigns import organization_today
from surveys.services.responses import response_accept
from tests.api.support import ACME, BASE, bearer, session
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def state() -> tuple:
    """Everything these endpoints can change."""
    return (
        list(Campaign.objects.order_by("pk").values()),
        list(CampaignQuestion.objects.order_by("pk").values()),
        list(Wave.objects.order_by("pk").values()),
        list(Invitation.objects.order_by("pk").values()),
        list(AnalysisJob.objects.order_by("pk").values_list("pk", flat=True)),
        list(PeriodicTask.objects.order_by("pk").values_list("name", flat=True)),
        list(OutboxMessage.objects.order_by("pk").values_list("task", "args")),
    )


def answer(wave: Wave, token_for, count: int = 1) -> None:
    for invitation in wave.invitations.filter(answered=False)[:count]:
        response_accept(token=token_for(invitation), answers={"od1": 4, "enps": 9})


NEW_CAMPAIGN = {
    "name": "Autumn pulse",
    "kind": "pulse",
    "questions": ["enps", "od1"],
    "kept_attributes": ["department"],
    "wave_days": 10,
    "reminder_days": [3, 7],
    "audience_department": "Engineering",
}

# Every write, with a request that would succeed for an HR admin; {campaign} and {wave} are
# the pulse and its open wave.
WRITES = [
    ("post", "campaigns/", NEW_CAMPAIGN),
    ("patch", "campaigns/{campaign}/", {"name": "Renamed", "wave_days": 12}),
    ("post", "campaigns/{campaign}/launch/", {"round": "2026-09"}),
    ("post", "waves/{wave}/close/", {}),
    ("post", "waves/{wave}/reminders/", {}),
    ("post", "waves/{wave}/invitations/", {"everyone": True}),
]
READS = ["campaigns/", "campaigns/{campaign}/", "waves/", "waves/{wave}/"]
HR_READS = ["waves/{wave}/response-rates/", "waves/{wave}/invitations/"]


@pytest.fixture
def urls(open_wave):
    def url(path: str, slug: str = "acme") -> str:
        return f"{BASE}/{slug}/" + path.format(campaign=open_wave.campaign_id, wave=open_wave.pk)

    return url


@pytest.fixture
def newcomer(acme, staff):
    """Joined after the open wave was launched."""
    return EmployeeFactory(
        organization=acme,
        email="newcomer@acme.example",
        department=acme.departments.get(name="Sales"),
    )


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", READS + HR_READS)
def test_it_requires_credentials_to_read(urls, path):
    response = APIClient().get(urls(path))

    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_it_requires_credentials_to_write(urls, method, path, body):
    before = state()

    response = getattr(APIClient(), method)(urls(path), body, format="json")

    assert response.status_code == 401
    assert state() == before


@pytest.mark.parametrize("path", READS)
def test_leaders_and_read_only_tokens_can_read(urls, acme, leo, path):
    for client in (session(leo), bearer(acme, "read")):
        response = client.get(urls(path))
        assert response.status_code == 200, response.json()


@pytest.mark.parametrize("path", HR_READS)
def test_who_was_invited_and_answered_is_for_hr(urls, acme, leo, path):
    assert session(leo).get(urls(path)).status_code == 403
    assert bearer(acme, "read").get(urls(path)).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_leaders_cannot_write(
    urls, leo, method, path, body, newcomer, django_capture_on_commit_callbacks
):
    before = state()

    with django_capture_on_commit_callbacks() as queued:
        response = getattr(session(leo), method)(urls(path), body, format="json")

    assert response.status_code == 403
    assert state() == before
    assert queued == []  # no email, reminder or analysis queued either


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_only_token_cannot_write(
    urls, acme, method, path, body, newcomer, django_capture_on_commit_callbacks
):
    before = state()

    with django_capture_on_commit_callbacks() as queued:
        response = getattr(bearer(acme, "read"), method)(urls(path), body, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "This API token is read-only."}
    assert state() == before
    assert queued == []


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_write_token_can_write(urls, acme, open_wave, method, path, body, newcomer):
    open_wave.invitations.update(sent_at=timezone.now())  # so that there is someone to remind
    before = state()

    response = getattr(bearer(acme, "write"), method)(urls(path), body, format="json")

    created = path in ("campaigns/", "campaigns/{campaign}/launch/")
    assert response.status_code == (201 if created else 200), response.json()
    assert state() != before


@pytest.mark.parametrize("path", READS + HR_READS)
def test_it_rejects_other_organization_reading(urls, charlie, globex, path):
    for client in (session(charlie), bearer(globex, "write")):
        assert client.get(urls(path)).status_code == 404
        if "{" in path:  # Acme's ids under Globex's own address do not exist either
            assert client.get(urls(path, slug="globex")).status_code == 404


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_it_rejects_other_organization_writing(urls, charlie, globex, method, path, body):
    before = state()

    for client in (session(charlie), bearer(globex, "write")):
        response = getattr(client, method)(urls(path), body, format="json")
        assert response.status_code == 404
        if "{" in path:
            response = getattr(client, method)(urls(path, slug="globex"), body, format="json")
            assert response.status_code == 404

    assert state() == before


def test_lists_never_show_another_organizations_campaigns(urls, charlie, globex):
    globex_campaigns = session(charlie).get(urls("campaigns/", slug="globex")).json()
    globex_waves = session(charlie).get(urls("waves/", slug="globex")).json()

    assert (globex_campaigns["count"], globex_waves["count"]) == (0, 0)


# --- Campaigns ----------------------------------------------------------------------------------


def test_it_lists_campaigns_newest_first_with_a_kind_filter(acme, alice, pulse):
    leadership = campaign_create(
        organization=acme,
        name="Leaders",
        kind=CampaignKind.LEADERSHIP,
        questions=list(Question.objects.filter(code__in=["odl", "odp"])),
    )
    client = session(alice)

    everything = client.get(f"{ACME}/campaigns/").json()
    pulses = client.get(f"{ACME}/campaigns/?kind=pulse").json()

    assert [c["id"] for c in everything["results"]] == [leadership.pk, pulse.pk]
    assert everything["count"] == 2
    assert [c["name"] for c in pulses["results"]] == ["Pulse"]
    first = pulses["results"][0]
    assert first["questions"] == ["od1", "od2", "enps", "comment"]
    assert (first["min_group_size"], first["locked"]) == (5, False)
    assert client.get(f"{ACME}/campaigns/?kind=weekly").status_code == 400
    assert client.get(f"{ACME}/campaigns/?page_size=1&page=2").json()["results"][0]["id"] == (
        pulse.pk
    )


def test_it_creates_a_campaign_with_its_schedule(acme, alice, staff):
    response = session(alice).post(f"{ACME}/campaigns/", NEW_CAMPAIGN, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["questions"] == ["enps", "od1"]  # in the order given
    assert (data["kind"], data["min_group_size"]) == ("pulse", 5)
    assert (data["kept_attributes"], data["audience_department"]) == (
        ["department"],
        "Engineering",
    )
    assert (data["wave_days"], data["reminder_days"], data["recurrence_weeks"]) == (
        10,
        [3, 7],
        None,
    )
    campaign = Campaign.objects.get(pk=data["id"])
    assert campaign.organization == acme
    assert campaign.audience_department.name == "Engineering"
    assert list(
        CampaignQuestion.objects.filter(campaign=campaign).values_list("question__code", flat=True)
    ) == ["enps", "od1"]
    assert not campaign.waves.exists()


def test_a_recurring_campaign_gets_its_beat_task(acme, alice, staff):
    body = {"name": "Monthly", "kind": "pulse", "questions": ["od1"], "recurrence_weeks": 4}
    first_wave_on = organization_today(acme) + dt.timedelta(days=7)

    response = session(alice).post(
        f"{ACME}/campaigns/", body | {"first_wave_on": first_wave_on.isoformat()}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["next_wave_on"] == first_wave_on.isoformat()
    assert PeriodicTask.objects.filter(name__contains=f"campaign {response.json()['id']} ").exists()


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        (NEW_CAMPAIGN | {"questions": ["od1", "nope"]}, "questions[1]", 'unknown question "nope"'),
        (NEW_CAMPAIGN | {"questions": ["od1", "od1"]}, "questions[1]", "listed twice"),
        (NEW_CAMPAIGN | {"kind": "weekly"}, "kind", "not a valid choice"),
        (NEW_CAMPAIGN | {"kept_attributes": ["email"]}, "kept_attributes[0]", "valid choice"),
        (NEW_CAMPAIGN | {"min_group_size": 2}, "min_group_size", "greater than or equal to 3"),
        (NEW_CAMPAIGN | {"audience_department": "Nowhere"}, "audience_department", "unknown"),
        ({"kind": "pulse", "questions": ["od1"]}, "name", "required"),
    ],
)
def test_a_bad_campaign_gets_field_errors_and_creates_nothing(acme, alice, body, key, problem):
    before = state()

    response = session(alice).post(f"{ACME}/campaigns/", body, format="json")

    assert response.status_code == 400
    assert problem in response.json()["errors"][key], response.json()
    assert state() == before


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (NEW_CAMPAIGN | {"questions": ["odl"]}, "do not belong in a pulse survey"),
        (NEW_CAMPAIGN | {"questions": []}, "at least one question"),
        (NEW_CAMPAIGN | {"min_group_size": 4}, "cannot be below the organization's (5)"),
        # The schedule is refused after the campaign itself was accepted: still nothing stays.
        (NEW_CAMPAIGN | {"reminder_days": [30]}, "Reminders go out between day 1 and day 9"),
        (NEW_CAMPAIGN | {"kind": "exit", "recurrence_weeks": 4}, "Only pulse and engagement"),
    ],
)
def test_a_campaign_the_rules_refuse_is_a_400_with_the_reason(acme, alice, body, problem):
    before = state()

    response = session(alice).post(f"{ACME}/campaigns/", body, format="json")

    assert response.status_code == 400
    assert problem in response.json()["detail"]
    assert state() == before


def test_it_shows_one_campaign(urls, alice, pulse):
    client = session(alice)

    assert client.get(urls("campaigns/{campaign}/")).json()["name"] == "Pulse"
    assert client.get(f"{ACME}/campaigns/999999/").status_code == 404


@pytest.fixture
def draft(acme, staff) -> Campaign:
    """A campaign no wave of which has opened yet: its anonymity settings can still change."""
    questions = list(Question.objects.filter(organization=acme, perspective="employee"))
    return campaign_create(
        organization=acme, name="Draft", kind=CampaignKind.PULSE, questions=questions
    )


def test_it_changes_a_campaign(alice, draft):
    pulse = draft
    body = {
        "name": "Renamed",
        "intro": "Five minutes.",
        "min_group_size": 7,
        "kept_attributes": ["department", "location"],
        "reminder_days": [2],
        "audience_department": "Sales",
    }

    response = session(alice).patch(f"{ACME}/campaigns/{pulse.pk}/", body, format="json")

    assert response.status_code == 200, response.json()
    pulse.refresh_from_db()
    assert (pulse.name, pulse.intro, pulse.min_group_size) == ("Renamed", "Five minutes.", 7)
    assert pulse.kept_attributes == ["department", "location"]
    assert (pulse.reminder_days, pulse.audience_department.name) == ([2], "Sales")
    assert pulse.wave_days == 14  # not given: kept
    assert response.json()["reminder_days"] == [2]


def test_anonymity_settings_lock_when_the_first_wave_opens(urls, alice, open_wave):
    """Not at the first response: HR would see the lock turn on as someone answered."""
    before = state()
    client = session(alice)

    response = client.patch(
        urls("campaigns/{campaign}/"), {"name": "Renamed", "min_group_size": 3}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "A wave has been launched, so this campaign's anonymity settings are locked."
    }
    assert state() == before  # the name in the same request did not change either
    assert (
        client.patch(
            urls("campaigns/{campaign}/"), {"kept_attributes": ["level"]}, format="json"
        ).status_code
        == 409
    )
    # The settings sent back unchanged, with another change, are fine.
    unchanged = client.get(urls("campaigns/{campaign}/")).json()
    response = client.patch(
        urls("campaigns/{campaign}/"),
        {
            "name": "Renamed",
            "min_group_size": unchanged["min_group_size"],
            "kept_attributes": unchanged["kept_attributes"],
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["locked"] is True
    assert Campaign.objects.get(pk=open_wave.campaign_id).name == "Renamed"


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        ({"name": "Renamed", "wave_days": 0}, 400, "between 1 and 90 days"),
        ({"name": "Renamed", "min_group_size": 4}, 400, "cannot be below"),
        ({"name": "Renamed", "audience_department": "Nowhere"}, 400, "unknown department"),
        ({"name": ""}, 400, "may not be blank"),
        ({"min_group_size": "many"}, 400, "valid integer"),
    ],
)
def test_a_bad_campaign_change_changes_nothing(alice, draft, body, status, problem):
    before = state()

    response = session(alice).patch(f"{ACME}/campaigns/{draft.pk}/", body, format="json")

    assert response.status_code == status
    assert problem in str(response.json())
    assert state() == before


# --- Launching ------------------------------------------------------------------------------------


def test_launching_opens_numbered_waves(acme, alice, pulse):
    client = session(alice)
    closes_on = organization_today(acme) + dt.timedelta(days=14)

    first = client.post(
        f"{ACME}/campaigns/{pulse.pk}/launch/",
        {"round": "2026-09", "closes_on": closes_on.isoformat()},
        format="json",
    )
    # While wave 1 is open, a launch without a round goes into its round, where everyone has
    # been asked already: refused, so a second click asks nobody twice.
    again = client.post(f"{ACME}/campaigns/{pulse.pk}/launch/", {}, format="json")
    month = organization_today(acme).strftime("%Y-%m")
    second = client.post(f"{ACME}/campaigns/{pulse.pk}/launch/", {"round": month}, format="json")

    assert again.status_code == 400
    assert "already been asked in the round 2026-09" in again.json()["detail"]
    assert (first.status_code, second.status_code) == (201, 201), second.json()
    assert first.json()["number"] == 1
    assert second.json()["number"] == 2
    assert (first.json()["round"], first.json()["closes_on"]) == ("2026-09", closes_on.isoformat())
    assert second.json()["round"] == month
    assert (first.json()["status"], first.json()["invited"], first.json()["answered"]) == (
        "open",
        12,
        0,
    )
    assert Wave.objects.filter(campaign=pulse).count() == 2


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"closes_on": "2000-01-01"}, "before the opening date"),
        ({"closes_on": "soon"}, "Date has wrong format"),
        ({"round": "x" * 51}, "no more than 50 characters"),
    ],
)
def test_a_bad_launch_launches_nothing(acme, alice, pulse, body, problem):
    before = state()

    response = session(alice).post(f"{ACME}/campaigns/{pulse.pk}/launch/", body, format="json")

    assert response.status_code == 400
    assert problem in str(response.json())
    assert state() == before


def test_a_launch_with_nobody_in_the_audience_is_refused(acme, alice):
    campaign = campaign_create(
        organization=acme,
        name="Nobody",
        kind=CampaignKind.PULSE,
        questions=list(Question.objects.filter(code="od1")),
    )
    before = state()

    response = session(alice).post(f"{ACME}/campaigns/{campaign.pk}/launch/", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Nobody matches this survey's audience; nothing was launched."
    }
    assert state() == before


# --- Waves --------------------------------------------------------------------------------------

WAVE_KEYS = {
    "id",
    "campaign",
    "number",
    "round",
    "status",
    "opens_on",
    "closes_on",
    "closed_at",
    "invited",
    "answered",
}


def test_it_lists_waves_with_filters(acme, alice, pulse, open_wave, token_for):
    answer(open_wave, token_for, count=2)
    later = session(alice).post(
        f"{ACME}/campaigns/{pulse.pk}/launch/", {"round": "2026-09"}, format="json"
    )
    session(alice).post(f"{ACME}/waves/{open_wave.pk}/close/", {}, format="json")
    client = session(alice)

    everything = client.get(f"{ACME}/waves/").json()
    closed = client.get(f"{ACME}/waves/?status=closed").json()
    in_round = client.get(f"{ACME}/waves/?round=2026-09&campaign={pulse.pk}").json()

    assert everything["count"] == 2
    assert {w["id"] for w in everything["results"]} == {open_wave.pk, later.json()["id"]}
    assert [w["id"] for w in closed["results"]] == [open_wave.pk]
    # Two answers, of k = 5: a total that small is not given.
    assert (closed["results"][0]["invited"], closed["results"][0]["answered"]) == (12, None)
    assert [w["id"] for w in in_round["results"]] == [later.json()["id"]]
    assert client.get(f"{ACME}/waves/?campaign={pulse.pk + 1}").json()["count"] == 0
    assert client.get(f"{ACME}/waves/?status=paused").status_code == 400
    assert set(everything["results"][0]) == WAVE_KEYS


def test_it_shows_a_wave_as_counts_only(urls, alice, open_wave, token_for):
    answer(open_wave, token_for, count=6)

    response = session(alice).get(urls("waves/{wave}/"))

    data = response.json()
    assert set(data) == WAVE_KEYS
    assert (data["status"], data["round"], data["number"]) == ("open", "2026-08", 1)
    assert (data["invited"], data["answered"]) == (12, 6)
    assert "@" not in response.content.decode()
    assert session(alice).get(f"{ACME}/waves/999999/").status_code == 404


# --- Closing ------------------------------------------------------------------------------------


# Outside a test transaction, as in production: with in-process tasks the seal, then the
# analysis request, run as the close commits, before the response is built.
@pytest.mark.django_db(transaction=True)
def test_closing_twice_queues_one_analysis(urls, alice, open_wave, token_for):
    answer(open_wave, token_for)
    client = session(alice)

    first = client.post(urls("waves/{wave}/close/"), {}, format="json")
    second = client.post(urls("waves/{wave}/close/"), {}, format="json")

    assert (first.status_code, second.status_code) == (200, 200)
    job = AnalysisJob.objects.get()  # one job, not two
    assert job.round == open_wave.round
    assert first.json()["already_closed"] is False
    assert first.json()["wave"]["status"] == "closed"
    assert second.json()["already_closed"] is True
    progress_url = f"http://testserver{urls('reports/')}{open_wave.round.label}/progress/"
    assert first.json()["report_progress"] == second.json()["report_progress"] == progress_url
    progress = client.get(progress_url).json()
    assert (progress["wave"], progress["waiting_for"]) == (open_wave.round.label, [])
    assert progress["analysis_job"]["id"] == job.pk
    assert progress["state"] == ("published" if job.status == "done" else "computing")
    assert Wave.objects.get(pk=open_wave.pk).status == "closed"


def test_closing_a_wave_without_answers_analyses_nothing(
    urls, alice, open_wave, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the seal, as after commit
        response = session(alice).post(urls("waves/{wave}/close/"), {}, format="json")

    assert response.status_code == 200
    assert response.json()["already_closed"] is False
    progress = session(alice).get(response.json()["report_progress"]).json()
    assert (progress["state"], progress["analysis_job"], progress["snapshot_url"]) == (
        "nothing",
        None,
        None,
    )
    assert not AnalysisJob.objects.exists()


# --- Response rates -----------------------------------------------------------------------------


def test_response_rates_hide_segments_below_k(urls, alice, open_wave, token_for):
    answer(open_wave, token_for, count=2)

    response = session(alice).get(urls("waves/{wave}/response-rates/"))

    assert response.status_code == 200
    data = response.json()
    # Two answers in all, of k = 5: neither the total nor the rate is given.
    assert (data["invited"], data["answered"], data["rate"]) == (12, None, None)
    departments = next(d for d in data["dimensions"] if d["name"] == "department")
    assert sum(s["invited"] for s in departments["segments"]) == 12
    # Two answers in all: every segment's count is below k = 5, so none is shown.
    assert departments["segments"]
    assert all(s["answered"] is None and s["rate"] is None for s in departments["segments"])
    assert "@" not in response.content.decode()


def test_response_rates_show_segments_of_k_or_more(urls, alice, open_wave, token_for):
    answer(open_wave, token_for, count=6)

    data = session(alice).get(urls("waves/{wave}/response-rates/")).json()

    locations = next(d for d in data["dimensions"] if d["name"] == "location")
    assert locations["segments"] == [
        {"label": "Berlin", "invited": 12, "answered": 6, "rate": 50.0}
    ]


def test_response_rates_do_not_say_that_everyone_in_a_segment_answered(
    urls, alice, open_wave, token_for
):
    answer(open_wave, token_for, count=12)

    data = session(alice).get(urls("waves/{wave}/response-rates/")).json()

    assert (data["answered"], data["rate"]) == (None, None)
    for dimension in data["dimensions"]:
        assert all(s["answered"] is None for s in dimension["segments"]), dimension


# --- Reminders ----------------------------------------------------------------------------------


def test_reminders_go_to_those_who_have_not_answered(
    urls, alice, open_wave, token_for, outbox, django_capture_on_commit_callbacks
):
    Invitation.objects.filter(wave=open_wave).update(sent_at=timezone.now())
    answer(open_wave, token_for, count=5)
    waiting = set(
        Invitation.objects.filter(wave=open_wave, answered=False).values_list("email", flat=True)
    )

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = session(alice).post(urls("waves/{wave}/reminders/"), {}, format="json")

    assert (response.status_code, response.json()) == (200, {"queued": 7})
    assert len(queued) == 1  # one batched task for the wave, not one per person
    assert OutboxMessage.objects.filter(task="surveys.tasks.send_wave_reminders").count() == 1
    assert sorted(m.to[0] for m in outbox) == sorted(waiting)


def test_how_many_were_reminded_is_not_given_below_k_answers(
    urls, alice, open_wave, token_for, outbox, django_capture_on_commit_callbacks
):
    """The reminded are those who have not answered: their number would give the answered."""
    Invitation.objects.filter(wave=open_wave).update(sent_at=timezone.now())
    answer(open_wave, token_for, count=4)

    with django_capture_on_commit_callbacks(execute=True):
        response = session(alice).post(urls("waves/{wave}/reminders/"), {}, format="json")

    assert (response.status_code, response.json()) == (200, {"queued": None})
    assert len(outbox) == 8  # the reminders still go out


def test_a_closed_wave_sends_no_reminders(urls, alice, open_wave):
    Invitation.objects.filter(wave=open_wave).update(sent_at=timezone.now())
    session(alice).post(urls("waves/{wave}/close/"), {}, format="json")

    response = session(alice).post(urls("waves/{wave}/reminders/"), {}, format="json")

    assert response.json() == {"queued": 0}


# --- Invitations --------------------------------------------------------------------------------


def test_invitations_are_counts_only(urls, alice, open_wave, token_for):
    Invitation.objects.filter(wave=open_wave, email__in=["staff0@acme.example"]).update(
        sent_at=timezone.now()
    )
    answer(open_wave, token_for, count=1)

    response = session(alice).get(urls("waves/{wave}/invitations/"))

    assert response.status_code == 200
    # One answer, of k = 5: not given.
    assert response.json() == {"invited": 12, "answered": None, "sent": 1, "not_sent": 11}
    assert "@" not in response.content.decode()


def test_inviting_everyone_adds_only_those_not_invited(urls, alice, open_wave, newcomer):
    client = session(alice)

    first = client.post(urls("waves/{wave}/invitations/"), {"everyone": True}, format="json")
    second = client.post(urls("waves/{wave}/invitations/"), {"everyone": True}, format="json")

    assert first.json() == {"created": 1, "total": 13}
    assert second.json() == {"created": 0, "total": 13}
    assert open_wave.invitations.filter(employee=newcomer).count() == 1
    assert "@" not in first.content.decode() + second.content.decode()


def test_it_invites_named_people_or_a_department(urls, alice, open_wave, newcomer, acme):
    other = EmployeeFactory(
        organization=acme,
        email="late@acme.example",
        department=acme.departments.get(name="Platform"),
    )
    client = session(alice)

    named = client.post(
        urls("waves/{wave}/invitations/"),
        {"employees": ["NEWCOMER@acme.example", "staff0@acme.example"]},
        format="json",
    )
    # Engineering's subtree includes Platform, where the other late joiner is.
    department = client.post(
        urls("waves/{wave}/invitations/"), {"department": "Engineering"}, format="json"
    )

    assert named.json() == {"created": 1, "total": 13}
    assert department.json() == {"created": 1, "total": 14}
    assert open_wave.invitations.filter(employee__in=[newcomer, other]).count() == 2


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        ({"employees": ["staff0@acme.example", "ghost@acme.example"]}, "employees[1]", "roster"),
        ({"employees": ["not-an-email"]}, "employees[0]", "valid email"),
        ({"employees": []}, "employees", "may not be empty"),
        ({"department": "Nowhere"}, "department", "unknown department"),
        ({"everyone": False}, "everyone", "must be true"),
        ({"everyone": True, "department": "Sales"}, "non_field", "exactly one"),
        ({}, "non_field", "exactly one"),
    ],
)
def test_a_bad_invitation_request_invites_nobody(
    urls, alice, open_wave, newcomer, body, key, problem
):
    before = state()

    response = session(alice).post(urls("waves/{wave}/invitations/"), body, format="json")

    assert response.status_code == 400
    assert problem in response.json()["errors"][key], response.json()
    assert "ghost" not in response.content.decode()  # no address is echoed back
    assert state() == before


def test_a_closed_wave_takes_no_invitations(urls, alice, open_wave, newcomer):
    session(alice).post(urls("waves/{wave}/close/"), {}, format="json")
    before = state()

    response = session(alice).post(
        urls("waves/{wave}/invitations/"), {"everyone": True}, format="json"
    )

    assert response.status_code == 409
    assert "closed" in response.json()["detail"]
    assert state() == before
