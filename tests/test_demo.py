"""The demo organization is built through the product's own services."""

import pytest
from django.core.management import call_command

from core.models import OutboxMessage
from culturesurvey import demo
from surveys.models import (
    CompanyValue,
    Employee,
    Invitation,
    Membership,
    Organization,
    PendingAnswer,
    Question,
    SurveyResponse,
    Wave,
)
from surveys.selectors import _question_cache


@pytest.fixture(scope="module")
def northwind(django_db_setup, django_db_blocker):
    from culturesurvey.celery import app

    # Module-scoped, so before the per-test cache reset: ids of rolled-back tests repeat.
    _question_cache.clear()
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True  # tasks in-process
    with django_db_blocker.unblock():
        result = demo.demo_load()
    app.conf.task_always_eager = eager
    yield result
    with django_db_blocker.unblock():
        demo.demo_remove()
        OutboxMessage.objects.all().delete()


@pytest.mark.django_db
def test_it_is_a_realistic_organization(northwind):
    org = Organization.objects.get(slug="northwind")
    active = Employee.objects.filter(organization=org, leaving_date__isnull=True).count()
    assert 140 <= active <= 160
    assert Membership.objects.filter(organization=org, role="leader").count() == 4
    assert CompanyValue.objects.filter(organization=org).count() == 6
    assert org.departments.filter(parent__isnull=False).count() >= 2
    kinds = set(
        Wave.objects.filter(campaign__organization=org).values_list("campaign__kind", flat=True)
    )
    assert kinds == {"leadership", "pulse", "onboarding", "exit"}
    pulses = Wave.objects.filter(campaign__organization=org, campaign__kind="pulse")
    assert pulses.filter(status="closed").count() == 6
    assert pulses.filter(status="open").count() == 1


@pytest.mark.django_db
def test_every_response_came_through_an_invitation(northwind):
    responses = SurveyResponse.objects.filter(wave__campaign__organization__slug="northwind")
    # This month's pulse is open: its answers wait, sealed, for it to close.
    pending = PendingAnswer.objects.filter(wave__campaign__organization__slug="northwind")
    answered = Invitation.objects.filter(
        wave__campaign__organization__slug="northwind", answered=True
    )
    assert pending.count() > 0
    assert not responses.filter(wave__status="open").exists()
    assert responses.count() + pending.count() == answered.count() == northwind.responses > 700


@pytest.mark.django_db
def test_the_planted_gaps_are_in_the_answers(northwind):
    from django.db.models import Avg

    def mean(value: str, perspective: str) -> float:
        return SurveyResponse.objects.filter(
            wave__campaign__organization__slug="northwind",
            answers__question__value__code=value,
            answers__question__perspective=perspective,
            answers__question__reverse=False,
        ).aggregate(m=Avg("answers__number"))["m"]

    assert mean("open_communication", "leader") - mean("open_communication", "employee") > 1.2
    assert mean("customer_focus", "employee") - mean("customer_focus", "leader") > 0.7
    assert abs(mean("empowerment", "leader") - mean("empowerment", "employee")) < 0.4


@pytest.mark.django_db
def test_the_printed_links_open_the_open_pulse(northwind, client):
    token = northwind.links[0].rsplit("/s/", 1)[1].strip("/")
    response = client.get(f"/s/{token}/")
    assert response.status_code == 200
    assert "Monthly culture pulse" in response.content.decode()


@pytest.mark.django_db
def test_the_command_prints_logins_and_links_and_is_safe_to_rerun(northwind, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "already loaded" in out
    assert "hr     HR admin" in out
    assert out.count("/s/") == 5
    assert Organization.objects.filter(slug="northwind").count() == 1


@pytest.mark.django_db
def test_the_report_finds_what_was_planted(northwind):
    from analytics.models import ReportSnapshot

    data = ReportSnapshot.objects.get(organization__slug="northwind").data
    company = {e["value"]: e for e in data["stated_vs_lived"] if e["segment"] == "all"}

    assert company["open_communication"]["classification"] == "blind_spot"
    assert company["learning_from_mistakes"]["classification"] == "blind_spot"
    assert company["open_communication"]["severity"] in ("critical", "high")
    assert company["customer_focus"]["classification"] == "hidden_strength"
    for value in ("recognition", "empowerment", "work_life_balance"):
        assert company[value]["classification"] not in ("blind_spot", "hidden_strength"), value
        assert "watch" not in company[value]["tags"], value
    credibility = {e["value"]: e["credibility_gap"] for e in data["promised_vs_found"]}
    assert credibility["open_communication"] is True
    leavers = {
        e["value"]: e["leaver_signal"] for e in data["leavers_vs_stayers"] if e["segment"] == "all"
    }
    assert leavers["recognition"] is True
    declining = {e["value"]: e["declining"] for e in data["trends"]}
    assert declining["work_life_balance"] is True
    assert data["priorities"][0]["value"] == "open_communication"


@pytest.mark.django_db
def test_the_report_says_what_employees_write_about_most_values(northwind):
    from analytics.models import ReportSnapshot

    data = ReportSnapshot.objects.get(organization__slug="northwind").data
    company = {e["value"]: e for e in data["themes"]["values"] if e["segment"] == "all"}
    with_themes = {value for value, e in company.items() if e["shown"] and e["themes"]}
    # The demo's comments recur by value (culturesurvey/demo.py, VALUE_COMMENTS): most of its six
    # values have phrases used by at least 3 people, each with quotes that speak for them.
    assert len(with_themes) >= 5, with_themes
    for value in with_themes:
        assert all(t["respondents"] >= 3 for t in company[value]["themes"])
        assert company[value]["quotes"], value
    # Blame is what its planted blind spot is about.
    phrases = " ".join(t["phrase"] for t in company["learning_from_mistakes"]["themes"])
    assert "blame" in phrases


@pytest.mark.django_db
def test_it_speaks_german_and_french(northwind):
    org = northwind.organization
    values = CompanyValue.objects.filter(organization=org)
    assert all(v.name_de and v.name_fr for v in values)
    questions = Question.objects.filter(
        organization=org, perspective="employee", value__isnull=False
    )
    assert all(q.text_de and q.text_fr for q in questions)
    languages = set(Employee.objects.filter(organization=org).values_list("language", flat=True))
    assert {"de", "fr", ""} <= languages
    answered_in = set(
        SurveyResponse.objects.filter(wave__campaign__organization=org).values_list(
            "language", flat=True
        )
    )
    assert {"de", "fr", "en"} <= answered_in
