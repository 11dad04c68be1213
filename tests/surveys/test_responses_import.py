import csv
import io
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Sum

from surveys.errors import ImportRejected, RowError
from surveys.models import Answer, Campaign, ResponseImport, Round, SurveyResponse, Wave
from surveys.services import csvfiles, responses
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


# --- Large files: checked in one pass, written in batches in another -------------------------

LARGE_HEADER = "kind,wave,department,tenure_band,location,level,od1,od2,odl,odp,enps,comment"


def large_history(rows: int, seed: int = 5) -> tuple[list[dict], str]:
    """Valid rows as dicts, and the CSV; some comments span lines, so rows and lines differ."""
    rng = random.Random(seed)
    parsed = []
    for n in range(rows):
        if n % 50 == 0:
            row = {"kind": "leadership", "wave": rng.choice(["2025-11", "2026-02"])}
            row |= {"odl": str(rng.randint(1, 5)), "odp": str(rng.randint(0, 100))}
        else:
            row = {
                "kind": rng.choice(["pulse", "exit"]),
                "wave": rng.choice(["2025-11", "2026-02"]),
                "department": rng.choice(["Engineering", "Platform", "Sales", ""]),
                "tenure_band": rng.choice(["lt_6m", "2_5y", ""]),
                "location": rng.choice(["Berlin", "Lisbon", ""]),
                "level": rng.choice(["Senior", ""]),
                "od1": str(rng.randint(1, 5)),
                "od2": rng.choice(["", "1", "3", "5"]),
                "enps": str(rng.randint(0, 10)),
                "comment": rng.choice(["", "", "", "Fine.", 'Two\nlines, "quoted"']),
            }
        parsed.append(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, LARGE_HEADER.split(","), restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(parsed)
    return parsed, buffer.getvalue()


def test_a_bad_last_row_of_many_stops_the_whole_file_with_its_line_number(acme):
    # given: thousands of good rows, a blank line, then one bad row
    rows, content = large_history(3000)
    lines = content.count("\n")
    content += "\npulse,2026-02,Sales,,,,9,,,,,\n"

    # when
    with pytest.raises(ImportRejected) as caught:
        responses_import(organization=acme, content=content.encode())

    # then: the line the spreadsheet shows (multi-line comments counted), and nothing written
    assert caught.value.errors == [RowError(lines + 2, "od1", "must be from 1 to 5, not 9")]
    assert lines > len(rows) + 1
    assert not SurveyResponse.objects.exists()
    assert not Answer.objects.exists()
    assert not Round.objects.exists()
    assert not Campaign.objects.exists()
    assert not ResponseImport.objects.exists()


def test_a_shape_error_is_told_alone_even_after_bad_rows(acme):
    content = "kind,wave,od1\nsurvey,2026-05,3\npulse,2026-05,3,4\npulse,2026-05,9\n"

    with pytest.raises(ImportRejected) as caught:
        responses_import(organization=acme, content=content)

    assert caught.value.errors == [RowError(3, "", "4 cells but the header has 3")]


def test_thousands_of_rows_written_in_batches_are_exactly_the_rows_of_the_file(acme, monkeypatch):
    # given: a file of several batches, the last one partial
    monkeypatch.setattr(responses, "IMPORT_BATCH", 700)
    rows, content = large_history(3000)
    departments = dict(acme.departments.values_list("name", "pk"))

    # when
    result = responses_import(organization=acme, content=content.encode())

    # then: every row is one response, with its wave and segment
    assert result.responses == len(rows) == SurveyResponse.objects.count()
    expected_segments = Counter(
        (
            row["kind"],
            row["wave"],
            departments.get(row.get("department", "")),
            row.get("tenure_band", ""),
            row.get("location", ""),
            row.get("level", ""),
        )
        for row in rows
    )
    stored_segments = Counter(
        SurveyResponse.objects.values_list(
            "wave__campaign__kind",
            "wave__round__label",
            "department_id",
            "tenure_band",
            "location",
            "level",
        )
    )
    assert stored_segments == expected_segments
    # and every answer, counted and summed per question and kind
    codes = ["od1", "od2", "odl", "odp", "enps"]
    expected_numbers = {
        (kind, code): (
            sum(1 for row in rows if row["kind"] == kind and row.get(code)),
            sum(int(row[code]) for row in rows if row["kind"] == kind and row.get(code)),
        )
        for kind in ("pulse", "exit", "leadership")
        for code in codes
    }
    stored_numbers = {
        (row["response__wave__campaign__kind"], row["question__code"]): (row["n"], row["total"])
        for row in Answer.objects.filter(number__isnull=False)
        .values("response__wave__campaign__kind", "question__code")
        .annotate(n=Count("id"), total=Sum("number"))
    }
    assert stored_numbers == {key: value for key, value in expected_numbers.items() if value[0]}
    expected_texts = Counter(row["comment"] for row in rows if row.get("comment"))
    stored_texts = Counter(Answer.objects.filter(question__code="comment").values_list("text"))
    assert stored_texts == Counter({(text,): n for text, n in expected_texts.items()})
    assert Answer.objects.count() == sum(
        1 for row in rows for code in [*codes, "comment"] if row.get(code)
    )
    # no response without answers, none answered twice
    assert not SurveyResponse.objects.filter(answers__isnull=True).exists()
    assert (
        Answer.objects.values("response", "question").annotate(n=Count("id")).filter(n__gt=1)
    ).count() == 0


def test_the_upload_limit_holds_for_uploads_but_not_for_a_file_on_the_servers_disk(
    acme, tmp_path, monkeypatch, capsys
):
    # given: a file over the limit
    monkeypatch.setattr(csvfiles, "MAX_CSV_BYTES", 1000)
    _rows, content = large_history(100)
    assert len(content) > 1000
    path = tmp_path / "history.csv"
    path.write_text(content)

    # when / then: an upload is refused, the operator's command imports it
    with pytest.raises(ImportRejected, match="larger than"):
        responses_import(organization=acme, content=content.encode())
    call_command("import_responses", "acme", str(path))

    assert "Imported 100 responses" in capsys.readouterr().out
    assert SurveyResponse.objects.count() == 100
