import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.errors import ImportRejected
from surveys.models import Answer, Campaign, Round, SurveyResponse, Wave
from surveys.services.responses import responses_import

pytestmark = pytest.mark.django_db

HISTORY = (
    "kind,wave,department,tenure_band,location,level,od1,od2,odl,odp,odx,odf,enps,comment\n"
    "leadership,2026-05,,,,,,,5,80,,,,\n"
    "pulse,2026-05,Engineering,1_2y,Berlin,Senior,2,4,,,,,6,Meetings are one-way.\n"
    "pulse,2026-05,Sales,2 to 5 years,Lisbon,,3,,,,,,8,\n"
    "onboarding,2026-05,Platform,lt_6m,,,,,,,5,2,,\n"
    "exit,2026-05,Sales,,,,1,5,,,,,2,\n"
    "pulse,2026-04,Sales,,,,4,2,,,,,9,\n"
)


def test_it_imports_history_into_rounds_in_order_of_appearance(acme):
    result = responses_import(organization=acme, content=HISTORY)

    assert result.responses == 6
    assert result.rounds == ["2026-05", "2026-04"]
    assert result.by_kind == {"leadership": 1, "pulse": 3, "onboarding": 1, "exit": 1}
    assert list(Round.objects.filter(organization=acme).values_list("label", flat=True)) == [
        "2026-05",
        "2026-04",
    ]
    pulse = Campaign.objects.get(organization=acme, kind="pulse", imported=True)
    assert pulse.waves.count() == 2
    assert all(w.status == "closed" for w in Wave.objects.all())
    engineering = SurveyResponse.objects.get(department__name="Engineering")
    assert (engineering.tenure_band, engineering.location, engineering.level) == (
        "1_2y",
        "Berlin",
        "Senior",
    )
    assert SurveyResponse.objects.get(location="Lisbon").tenure_band == "2_5y"
    answers = {
        a.question.code: (a.number, a.text) for a in engineering.answers.select_related("question")
    }
    assert answers == {
        "od1": (2, ""),
        "od2": (4, ""),
        "enps": (6, ""),
        "comment": (None, "Meetings are one-way."),
    }
    leader = SurveyResponse.objects.get(wave__campaign__kind="leadership")
    assert {a.question.code: a.number for a in leader.answers.all()} == {"odl": 5, "odp": 80}


def test_bad_rows_are_all_reported_and_nothing_is_imported(acme):
    content = (
        "kind,wave,department,tenure_band,od1,odl,enps\n"
        "pulse,2026-05,Engineering,,3,,7\n"
        "survey,2026-05,,,3,,\n"
        "pulse,,,,3,,\n"
        "pulse,2026-05,Nowhere,,3,,\n"
        "pulse,2026-05,,forever,3,,\n"
        "pulse,2026-05,,,9,,\n"
        "pulse,2026-05,,,,4,\n"
        "leadership,2026-05,Sales,,,4,\n"
        "pulse,2026-05,,,,,\n"
    )

    with pytest.raises(ImportRejected) as caught:
        responses_import(organization=acme, content=content)

    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {
        (3, "kind"),
        (4, "wave"),
        (5, "department"),
        (6, "tenure_band"),
        (7, "od1"),
        (8, "odl"),
        (9, "department"),
        (10, ""),
    }
    assert not SurveyResponse.objects.exists()
    assert not Round.objects.exists()
    assert not Campaign.objects.exists()


def test_an_unknown_question_column_is_refused(acme):
    with pytest.raises(ImportRejected, match="not a question code"):
        responses_import(organization=acme, content="kind,wave,q99\npulse,r1,3\n")


def test_the_same_file_cannot_be_imported_twice(acme):
    responses_import(organization=acme, content=HISTORY)
    with pytest.raises(ImportRejected, match="already been imported"):
        responses_import(organization=acme, content=HISTORY)
    assert SurveyResponse.objects.count() == 6


def test_a_later_file_adds_to_the_same_rounds(acme):
    responses_import(organization=acme, content=HISTORY)
    responses_import(organization=acme, content="kind,wave,od1\npulse,2026-05,5\npulse,2026-06,4\n")

    pulse = Campaign.objects.get(organization=acme, kind="pulse", imported=True)
    assert pulse.waves.count() == 3
    assert (
        SurveyResponse.objects.filter(wave__round__label="2026-05", wave__campaign=pulse).count()
        == 3
    )
    assert Answer.objects.filter(question__code="od1").count() == 6


def test_the_command_imports_and_refuses_bad_files(acme, tmp_path, capsys):
    good = tmp_path / "history.csv"
    good.write_text(HISTORY)
    call_command("import_responses", "acme", str(good))
    assert "Imported 6 responses" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_text("kind,wave,od1\npulse,2026-07,7\n")
    with pytest.raises(CommandError, match="row 2, od1: must be from 1 to 5, not 7"):
        call_command("import_responses", "acme", str(bad))
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_responses", "nope", str(good))
