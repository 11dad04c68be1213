"""The language answered in as a segment: published only when it passes k and differencing,
and never a key that splits one question's answers apart."""

import datetime as dt
import itertools

import pytest

from analytics.selectors import snapshot_of_round
from analytics.services import snapshot_compute
from surveys.models import CampaignKind, Invitation, Question, Round
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_close, wave_launch
from surveys.services.definitions import organization_load_definition
from surveys.services.invitations import invitation_issue_token
from surveys.services.responses import response_accept
from surveys.services.sealing import wave_seal
from tests.conftest import ACME_FILE
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db
K = 5
DAY = dt.date(2026, 8, 12)


def answers(i: int) -> dict[str, int]:
    return {"od1": 1 + i % 5, "od2": 1 + (i * 3) % 5, "enps": i % 11}


def run_round(org, languages: list[str]) -> dict:
    """Everyone answers the pulse, person i in languages[i]; the round is published."""
    pulse = campaign_create(
        organization=org,
        name="Pulse",
        kind=CampaignKind.PULSE,
        questions=list(Question.objects.filter(organization=org, perspective="employee")),
    )
    sales = org.departments.get(name="Sales")
    people = [
        EmployeeFactory(organization=org, email=f"p{i}@{org.slug}.example", department=sales)
        for i in range(len(languages))
    ]
    wave = wave_launch(campaign=pulse, round_label="2026-08", opens_on=DAY)
    for i, (person, language) in enumerate(zip(people, languages, strict=True)):
        invitation = Invitation.objects.get(wave=wave, email=person.email)
        token = invitation_issue_token(invitation=invitation)
        response_accept(token=token, answers=answers(i), language=language)
    wave_close(wave=wave, analyze=False)
    wave_seal(wave_id=wave.pk, analyze=False)
    round_ = Round.objects.get(organization=org, label="2026-08")
    snapshot_compute(organization=org, round_=round_)
    return snapshot_of_round(round_=round_).data


def cells(data: dict, value: str = "open_door") -> dict[str, dict]:
    return {e["segment"]: e for e in data["stated_vs_lived"] if e["value"] == value}


def test_a_language_of_enough_speakers_is_a_segment(acme):
    data = run_round(acme, ["de"] * 6 + ["fr"] * 6)

    shown = cells(data)
    assert shown["language:de"]["n_employees"] == 6
    assert shown["language:fr"]["n_employees"] == 6
    assert shown["all"]["n_employees"] == 12


def test_two_german_speakers_cannot_be_recovered_by_subtraction(acme):
    """The attack: 12 answer, 2 of them in German. Were "English" (10) published beside the
    whole company (12), the German pair's mean would follow by subtraction: 12 x all - 10 x
    English = the sum of their two answers. Both language cells must be hidden, and no pair of
    published figures of any segment may differ by 1 to k-1 people."""
    data = run_round(acme, ["en"] * 10 + ["de"] * 2)

    shown = cells(data)
    assert shown["language:de"]["n_employees"] is None
    assert shown["language:de"]["employee_mean"] is None
    assert shown["language:en"]["n_employees"] is None  # the complement goes too
    assert shown["all"]["n_employees"] == 12
    for value in ("open_door",):
        published = [
            e["n_employees"]
            for e in cells(data, value).values()
            if e["n_employees"] is not None
            and (e["segment"] == "all" or e["segment"].startswith("language:"))
        ]
        for a, b in itertools.combinations(published, 2):
            assert not 0 < abs(a - b) < K, (a, b)


def test_a_single_french_speaker_is_hidden_with_the_rest_shown(acme):
    # 7 German, 6 English, 1 French: French is hidden, and one more cell with it, so that
    # the whole minus the shown languages never leaves the French answer alone.
    data = run_round(acme, ["de"] * 7 + ["en"] * 6 + ["fr"])

    shown = cells(data)
    assert shown["language:fr"]["n_employees"] is None
    visible = [s for s in ("language:de", "language:en") if shown[s]["n_employees"] is not None]
    assert len(visible) <= 1
    hidden_total = 14 - sum(shown[s]["n_employees"] for s in visible)
    assert hidden_total >= K


def test_the_analysis_pools_every_language_of_a_question(acme):
    """The same answers, given in four languages in one organization and in one language in
    another, give the same company figures: a question is one row whatever it is read in."""
    other = organization_load_definition(
        content=ACME_FILE.read_text().replace("slug: acme", "slug: mono")
    )
    mixed = run_round(acme, ["en", "de", "fr", "es"] * 3)
    single = run_round(other, [""] * 12)

    def figures(data):
        return {
            (e["value"], e["segment"]): (e["n_employees"], e["employee_mean"], e["gap"])
            for e in data["stated_vs_lived"]
            if e["segment"] == "all"
        }

    assert figures(mixed) == figures(single)
    assert figures(mixed)[("open_door", "all")][0] == 12


@pytest.mark.django_db
def test_comments_are_matched_against_each_language_a_value_is_written_in(acme_in_german):
    from analytics.selectors import _value_texts

    texts = _value_texts(acme_in_german)["open_door"]
    names = [name for name, _claim, _description, _items in texts]
    assert "Offene Tür" in names
    assert "Porte ouverte" in names
    german = next(t for t in texts if t[0] == "Offene Tür")
    # Its German item, and only the German one (od2 has no German text).
    assert german[3] == ["Ich kann ein Anliegen ohne Sorge bei meiner Führungskraft ansprechen."]
    english = next(t for t in texts if t[0] and t[0] not in ("Offene Tür", "Porte ouverte"))
    assert len(english[3]) == 2
