"""HR admins see who was invited and response rates by segment (at least k), never who
answered: not on a page, not in the API, not in an export.

Each test builds two worlds that differ only in what HR must not learn (who answered, or how
many answered when that is fewer than k), walks everything an HR admin can read in each, and
requires the two walks to be the same, byte for byte. Every page and API operation of
`tests/test_roles_matrix.py` is walked, so a new one is walked too.
"""

import difflib
import json
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from surveys.models import CampaignKind, Invitation, Question
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_close, wave_launch
from surveys.services.responses import response_accept
from surveys.services.roster import employee_mark_leaver
from tests.test_roles_matrix import OPERATIONS

pytestmark = pytest.mark.django_db

ANSWERS = {"od1": 4, "od2": 2, "enps": 8}
VOLATILE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken"'),
    # When the wave was closed: a moment apart in the two worlds, by the clock, not by answers.
    (re.compile(r'"closed_at": "[^"]+"'), '"closed_at": "…"'),
    # The analysis job queued as the wave closed: PostgreSQL does not hand an id back when
    # the first world is rolled back, so the second world's job has the next one.
    (re.compile(r"/jobs/\d+/"), "/jobs/…/"),
]


def _normal(body: bytes) -> str:
    text = body.decode(errors="replace")
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _ids(acme, wave, staff) -> dict[str, object]:
    return {
        "campaign": wave.campaign_id,
        "campaign_id": wave.campaign_id,
        "open_wave": wave.pk,
        "open_round": wave.round.label,
        "wave_id": wave.pk,
        "wave": wave.round.label,
        "employee": staff[0].pk,
        "employee_id": staff[0].pk,
        "department_id": acme.departments.order_by("pk").first().pk,
        "code": "od1",
        "action": 0,
        "action_id": 0,
        "job": 0,
        "job_id": 0,
        "token_id": 0,
        "token": "x" * 22,
        "invite": "x" * 22,
        "invite_id": 0,
        "membership_id": 0,
    }


def walk(user, acme, wave, staff) -> dict[str, object]:
    """Everything an HR admin can read about the organization, after asking for reminders
    (whose answer is something HR reads too)."""
    ids = _ids(acme, wave, staff)
    page, api = Client(), APIClient()
    page.force_login(user)
    api.force_login(user)
    seen: dict[str, object] = {}
    if wave.is_open:
        reminded = page.post(reverse("wave_remind", args=["acme", wave.pk]), follow=True)
        seen["page remind"] = _normal(reminded.content)
        seen["api remind"] = api.post(
            f"/api/v1/organizations/acme/waves/{wave.pk}/reminders/"
        ).json()
    reads = [op for op in OPERATIONS if op.method == "get" and op.rule != "survey"]
    for op in reads:
        if op.kind != "page" or op.target in ("login", "healthz"):
            continue
        url = op.url(ids)
        for suffix in ("", "?page=2"):
            response = page.get(url + suffix)
            seen[f"page {url}{suffix}"] = (response.status_code, _normal(response.content))
    for fmt in ("csv", "xlsx"):  # exports: the report of the wave's round, when there is one
        response = page.get(reverse("report_export", args=["acme", wave.round.label, fmt]))
        seen[f"export {fmt}"] = (response.status_code, response.content)
    for op in reads:
        if op.kind != "api":
            continue
        url = op.url(ids)
        response = api.get(url)
        body = response.json() if response.get("Content-Type", "").endswith("json") else None
        seen[f"api {url}"] = (
            response.status_code,
            _normal(json.dumps(body, sort_keys=True).encode()),
        )
    return seen


def in_a_world(build, *, user, acme, staff, wave_of):
    """Build a world inside a savepoint, walk it, and undo it."""
    with transaction.atomic():
        build()
        wave = wave_of()
        seen = walk(user, acme, wave, staff)
        transaction.set_rollback(True)
    return seen


def send_all(wave) -> None:
    """The invitation emails go out (after commit, which a test's transaction never reaches)."""
    from surveys.services.invitations import invitation_send

    for pk in Invitation.objects.filter(wave=wave).values_list("pk", flat=True):
        invitation_send(invitation_id=pk)


def answer(wave, *people, token_for) -> None:
    for person in people:
        invitation = Invitation.objects.get(wave=wave, employee=person)
        response_accept(token=token_for(invitation), answers=ANSWERS)


def _lines(seen: object) -> list[str]:
    parts = seen if isinstance(seen, tuple) else (seen,)
    return [line for part in parts for line in str(part).splitlines()]


def assert_same(first: dict, second: dict) -> None:
    assert first.keys() == second.keys()
    differing = {
        key: [
            line
            for line in difflib.unified_diff(
                _lines(first[key]), _lines(second[key]), lineterm="", n=0
            )
            if line[:1] in "+-" and line[:3] not in ("+++", "---")
        ][:6]
        for key in first
        if first[key] != second[key]
    }
    assert not differing, differing


@pytest.fixture
def sent_wave(open_wave):
    send_all(open_wave)
    return open_wave


@pytest.fixture
def same_segment(staff):
    """Four employees with the same department, location, level and start date: their
    responses are identical whoever of them answers."""
    people = [person for i, person in enumerate(staff) if i % 3 == 0]
    assert len({(p.department_id, p.location, p.level, p.start_date) for p in people}) == 1
    return people


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_hr_cannot_tell_who_answered(
    alice, acme, staff, sent_wave, same_segment, token_for, closed
):
    a, b, c, d = same_segment

    def world(*people):
        def build():
            answer(sent_wave, *people, token_for=token_for)
            if closed:
                wave_close(wave=sent_wave)

        return in_a_world(
            build,
            user=alice,
            acme=acme,
            staff=staff,
            wave_of=lambda: type(sent_wave).objects.get(pk=sent_wave.pk),
        )

    # given the same wave where a and b answered, or c and d
    # then nothing HR can read tells the two apart
    assert_same(world(a, b), world(c, d))


def test_hr_cannot_tell_how_many_answered_below_k(
    alice, acme, staff, sent_wave, same_segment, token_for
):
    a, b, c, _d = same_segment
    assert sent_wave.campaign.min_group_size == 5

    def world(*people):
        return in_a_world(
            lambda: answer(sent_wave, *people, token_for=token_for),
            user=alice,
            acme=acme,
            staff=staff,
            wave_of=lambda: type(sent_wave).objects.get(pk=sent_wave.pk),
        )

    # two answers or three, of k = 5: the same
    assert_same(world(a, b), world(a, b, c))


def test_hr_cannot_tell_whether_a_lone_leaver_answered_the_exit_survey(
    alice, acme, staff, token_for
):
    questions = list(Question.objects.filter(organization=acme, perspective="employee"))
    exit_campaign = campaign_create(
        organization=acme, name="Exit", kind=CampaignKind.EXIT, questions=questions
    )
    wave = wave_launch(campaign=exit_campaign, round_label="2026-08")
    leaver = staff[0]
    employee_mark_leaver(employee=leaver, leaving_date=wave.opens_on)
    assert Invitation.objects.filter(wave=wave).count() == 1
    send_all(wave)

    def world(answered: bool):
        def build():
            if answered:
                answer(wave, leaver, token_for=token_for)

        return in_a_world(
            build,
            user=alice,
            acme=acme,
            staff=staff,
            wave_of=lambda: type(wave).objects.get(pk=wave.pk),
        )

    assert_same(world(False), world(True))


def test_a_wave_with_two_answers_of_k_5_shows_no_count(alice, acme, sent_wave, staff, token_for):
    answer(sent_wave, staff[0], staff[1], token_for=token_for)
    page = Client()
    page.force_login(alice)
    api = APIClient()
    api.force_login(alice)
    base = "/api/v1/organizations/acme"

    wave_page = page.get(f"/o/acme/waves/{sent_wave.pk}/").content.decode()
    campaign_page = page.get(f"/o/acme/campaigns/{sent_wave.campaign_id}/").content.decode()
    organization_page = page.get("/o/acme/").content.decode()
    listed = api.get(f"{base}/waves/").json()["results"][0]
    detail = api.get(f"{base}/waves/{sent_wave.pk}/").json()
    counts = api.get(f"{base}/waves/{sent_wave.pk}/invitations/").json()
    rates = api.get(f"{base}/waves/{sent_wave.pk}/response-rates/").json()
    reminded = api.post(f"{base}/waves/{sent_wave.pk}/reminders/").json()

    for body in (wave_page, campaign_page, organization_page):
        assert "fewer than 5" in body
    assert listed["answered"] is None
    assert detail["answered"] is None
    assert counts["answered"] is None
    assert (rates["answered"], rates["rate"]) == (None, None)
    assert reminded["queued"] is None
    assert (listed["invited"], counts["invited"], rates["invited"]) == (12, 12, 12)


def test_the_count_shows_from_k_answers_and_at_zero(alice, acme, sent_wave, staff, token_for):
    api = APIClient()
    api.force_login(alice)
    url = f"/api/v1/organizations/acme/waves/{sent_wave.pk}/"

    assert api.get(url).json()["answered"] == 0
    answer(sent_wave, *staff[:5], token_for=token_for)
    assert api.get(url).json()["answered"] == 5
    assert api.get(url + "response-rates/").json()["rate"] == pytest.approx(100 * 5 / 12)


def test_hr_cannot_tell_that_everyone_answered(alice, acme, staff, sent_wave, token_for):
    """All twelve, or all but two: either would name who answered (everyone) or let the next
    one invited be followed."""

    def world(*people):
        return in_a_world(
            lambda: answer(sent_wave, *people, token_for=token_for),
            user=alice,
            acme=acme,
            staff=staff,
            wave_of=lambda: type(sent_wave).objects.get(pk=sent_wave.pk),
        )

    everyone = world(*staff)
    assert_same(everyone, world(*staff[:10]))
    assert "all but fewer than 5" in everyone[f"page /o/acme/waves/{sent_wave.pk}/"][1]


def test_the_wave_page_lists_the_invited_without_who_answered(alice, sent_wave, staff, token_for):
    answer(sent_wave, staff[0], token_for=token_for)
    page = Client()
    page.force_login(alice)

    body = page.get(f"/o/acme/waves/{sent_wave.pk}/").content.decode()

    for person in staff:
        assert person.email in body
    assert "not yet" not in body
    assert ">Answered</th>" not in body.split("Who was invited")[1]
    assert ">Reminders</th>" not in body.split("Who was invited")[1]


def test_the_reminder_job_still_skips_those_who_answered(sent_wave, staff, token_for, outbox):
    from surveys.services.automation import wave_send_reminders

    answer(sent_wave, staff[0], token_for=token_for)
    outbox.clear()

    queued = wave_send_reminders(wave=sent_wave)

    assert queued == len(staff) - 1
    assert staff[0].email not in {address for message in outbox for address in message.to}
