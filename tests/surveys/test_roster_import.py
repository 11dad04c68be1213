import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from surveys.errors import ImportRejected
from surveys.models import CampaignKind, Employee, Invitation, Question
from surveys.services.automation import campaign_create
from surveys.services.campaigns import wave_launch
from surveys.services.roster import employee_mark_leaver, roster_import
from surveys.services.tokens import api_token_create
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "email,name,department,start_date,location,level\n"
    "ana@acme.example,Ana,Engineering,2023-04-01,Berlin,Senior\n"
    "bo@acme.example,Bo,Platform,2025-11-20,Lisbon,Associate\n"
    "cy@acme.example,Cy,,,,\n"
)


def test_it_imports_a_roster(acme):
    result = roster_import(organization=acme, content=GOOD)

    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    bo = Employee.objects.get(organization=acme, email="bo@acme.example")
    assert bo.department.name == "Platform"
    assert bo.start_date == dt.date(2025, 11, 20)
    assert (bo.location, bo.level) == ("Lisbon", "Associate")
    assert Employee.objects.get(email="cy@acme.example").department is None


def test_a_reimport_updates_by_email_and_leaves_absent_columns_alone(acme):
    roster_import(organization=acme, content=GOOD)

    result = roster_import(
        organization=acme,
        content="Email,Department\nANA@acme.example,Sales\nbo@acme.example,Platform\n",
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    ana = Employee.objects.get(email="ana@acme.example")
    assert ana.department.name == "Sales"
    assert ana.level == "Senior"  # no level column: unchanged
    assert Employee.objects.filter(organization=acme).count() == 3


def roster_of(count: int) -> str:
    departments = ["Engineering", "Platform", "Sales"]
    rows = [
        f"p{n}@acme.example,P {n},{departments[n % 3]},2024-01-0{1 + n % 9},Berlin,Senior"
        for n in range(count)
    ]
    return "email,name,department,start_date,location,level\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("count", [10, 60])
def test_a_reimport_takes_the_same_queries_for_any_number_of_rows(
    acme, count, django_assert_max_num_queries
):
    """The nightly HRIS sync of an unchanged roster: no query per row."""
    roster_import(organization=acme, content=roster_of(count))

    with django_assert_max_num_queries(8):
        result = roster_import(organization=acme, content=roster_of(count))

    assert (result.created, result.updated, result.unchanged) == (0, 0, count)


def test_every_bad_row_is_reported_and_nothing_is_saved(acme):
    content = (
        "email,name,department,start_date,leaving_date\n"
        "ok@acme.example,Ok,Engineering,2024-01-01,\n"
        "not-an-email,Bad,Engineering,2024-01-01,\n"
        "x@acme.example,X,Marketing,2024-01-01,\n"
        "y@acme.example,Y,Sales,01/02/2024,\n"
        "z@acme.example,Z,Sales,2024-05-01,2024-04-01\n"
        "OK@acme.example,Dup,Sales,,\n"
    )

    with pytest.raises(ImportRejected) as caught:
        roster_import(organization=acme, content=content)

    found = [(e.row, e.column) for e in caught.value.errors]
    # The rows' own problems first; departments not there yet in one line after them.
    assert found == [
        (3, "email"),
        (5, "start_date"),
        (6, "leaving_date"),
        (7, "email"),
        (0, "department"),
    ]
    messages = {(e.row, e.column): e.message for e in caught.value.errors}
    assert messages[(0, "department")].startswith(
        "1 row names 1 department that does not exist yet: Marketing (existing: "
    )
    assert "YYYY-MM-DD" in messages[(5, "start_date")]
    assert messages[(7, "email")] == "ok@acme.example is already on row 2"
    assert not Employee.objects.exists()


def test_a_missing_email_column_is_refused(acme):
    with pytest.raises(ImportRejected) as caught:
        roster_import(organization=acme, content="name,department\nAna,Sales\n")
    assert caught.value.errors[0].column == "email"
    assert "required column" in caught.value.errors[0].message


def test_an_unknown_column_is_refused(acme):
    with pytest.raises(ImportRejected, match="unknown column"):
        roster_import(organization=acme, content="email,salary\na@acme.example,100\n")
    assert not Employee.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"email\n", "no rows"), (b"\x00\x01\x02binary", "not a CSV")],
)
def test_empty_and_binary_files_get_a_clear_error(acme, content, message):
    with pytest.raises(ImportRejected, match=message):
        roster_import(organization=acme, content=content)


def test_excel_exports_with_a_bom_or_in_windows_1252_are_read(acme):
    roster_import(organization=acme, content="\ufeffemail,name\nj@acme.example,Jürgen\n".encode())
    roster_import(organization=acme, content="email,name\nr@acme.example,Renée\n".encode("cp1252"))

    assert Employee.objects.get(email="j@acme.example").name == "Jürgen"
    assert Employee.objects.get(email="r@acme.example").name == "Renée"


def test_semicolon_separated_files_are_read(acme):
    roster_import(organization=acme, content="email;name;department\nk@acme.example;K;Sales\n")
    assert Employee.objects.get(email="k@acme.example").department.name == "Sales"


def test_a_dry_run_counts_and_saves_nothing(acme):
    result = roster_import(organization=acme, content=GOOD, dry_run=True)
    assert result.created == 3
    assert not Employee.objects.exists()


def test_the_roster_of_another_organization_is_untouched(acme, globex):
    EmployeeFactory(organization=globex, email="ana@acme.example", name="Globex Ana")
    roster_import(organization=acme, content=GOOD)
    assert Employee.objects.get(organization=globex).name == "Globex Ana"


def exit_wave(acme):
    items = list(Question.objects.filter(organization=acme, perspective="employee"))
    campaign = campaign_create(
        organization=acme, name="Exit", kind=CampaignKind.EXIT, questions=items
    )
    return wave_launch(campaign=campaign)


def test_marking_a_leaver_invites_them_to_the_open_exit_survey(acme, outbox):
    ana = EmployeeFactory(
        organization=acme, email="ana@acme.example", start_date=dt.date(2020, 1, 1)
    )
    wave = exit_wave(acme)

    invited = employee_mark_leaver(employee=ana, leaving_date=dt.date(2026, 12, 31))
    again = employee_mark_leaver(employee=ana, leaving_date=dt.date(2026, 12, 30))

    assert invited is True
    assert again is False
    assert list(Invitation.objects.filter(wave=wave).values_list("email", flat=True)) == [
        "ana@acme.example"
    ]


def test_a_leaving_date_in_the_roster_file_invites_the_leaver(acme):
    roster_import(organization=acme, content=GOOD)
    wave = exit_wave(acme)

    roster_import(organization=acme, content="email,leaving_date\nbo@acme.example,2026-12-01\n")

    assert list(wave.invitations.values_list("email", flat=True)) == ["bo@acme.example"]


def test_the_command_imports_and_reports_errors(acme, tmp_path, capsys):
    good = tmp_path / "roster.csv"
    good.write_text(GOOD)
    call_command("import_roster", "acme", str(good))
    assert "3 new" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_text("email\nnope\n")
    with pytest.raises(CommandError, match="row 2, email"):
        call_command("import_roster", "acme", str(bad))


def test_a_leaver_opens_an_exit_wave_when_none_is_open(acme):
    items = list(Question.objects.filter(organization=acme, perspective="employee"))
    campaign = campaign_create(
        organization=acme, name="Exit", kind=CampaignKind.EXIT, questions=items
    )
    ana = EmployeeFactory(organization=acme, email="ana@acme.example")

    assert employee_mark_leaver(employee=ana, leaving_date=dt.date(2026, 12, 31)) is True

    wave = campaign.waves.get()
    assert wave.status == "open"
    assert list(wave.invitations.values_list("email", flat=True)) == ["ana@acme.example"]


def test_without_an_exit_campaign_marking_a_leaver_invites_nobody(acme):
    ana = EmployeeFactory(organization=acme, email="ana@acme.example")
    assert employee_mark_leaver(employee=ana, leaving_date=dt.date(2026, 12, 31)) is False
    assert not Invitation.objects.exists()


@pytest.mark.postgres
def test_a_roster_larger_than_a_statements_parameter_limit_is_checked(acme):
    # PostgreSQL binds at most 65,535 parameters per statement; existing people are looked up
    # in chunks, so a 70,000-person HRIS push works.
    from surveys.services.roster import roster_upsert

    people = [{"email": f"person{n}@acme.example"} for n in range(70_000)]

    result = roster_upsert(organization=acme, people=people, dry_run=True)

    assert result.created == 70_000


# --- Departments the file names that do not exist yet ---------------------------------------

NEW_DEPARTMENTS = (
    "email,name,department\n"
    + "".join(
        f"p{n}@acme.example,P {n},{['Support', 'Legal', 'Sales'][n % 3]}\n" for n in range(30)
    )
    + "broken,Bad,Sales\n"
)


def test_missing_departments_are_one_line_after_the_real_row_errors(acme):
    with pytest.raises(ImportRejected) as caught:
        roster_import(organization=acme, content=NEW_DEPARTMENTS)

    errors = caught.value.errors
    assert [(e.row, e.column) for e in errors] == [(32, "email"), (0, "department")]
    assert errors[-1].message.startswith(
        "20 rows name 2 departments that do not exist yet: Legal, Support (existing: "
    )
    assert "tick 'create missing departments'" in errors[-1].message
    assert not Employee.objects.exists()


def test_with_the_option_missing_departments_are_created_and_every_row_imported(acme):
    good = NEW_DEPARTMENTS.replace("broken,Bad,Sales\n", "ok@acme.example,Ok,support\n")

    result = roster_import(organization=acme, content=good, create_departments=True)

    assert result.created == 31
    support = acme.departments.get(name="Support")  # the first spelling, at the top
    assert support.parent is None
    assert Employee.objects.filter(department=support).count() == 11
    assert acme.departments.filter(name__iexact="support").count() == 1
    assert Employee.objects.filter(department__name="Legal").count() == 10


def test_with_the_option_a_bad_row_still_stops_everything(acme):
    with pytest.raises(ImportRejected) as caught:
        roster_import(organization=acme, content=NEW_DEPARTMENTS, create_departments=True)

    assert [(e.row, e.column) for e in caught.value.errors] == [(32, "email")]
    assert not acme.departments.filter(name__in=["Support", "Legal"]).exists()
    assert not Employee.objects.exists()


def test_a_dry_run_with_the_option_creates_nothing(acme):
    content = "email,department\nana@acme.example,Support\n"

    result = roster_import(
        organization=acme, content=content, create_departments=True, dry_run=True
    )

    assert result.created == 1
    assert not acme.departments.filter(name="Support").exists()
    assert not Employee.objects.exists()


def test_the_command_creates_departments_when_asked(acme, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("email,department\nana@acme.example,Support\n")

    with pytest.raises(CommandError, match="not exist yet: Support"):
        call_command("import_roster", "acme", str(path))
    call_command("import_roster", "acme", str(path), "--create-departments")

    assert Employee.objects.get().department.name == "Support"


def test_the_roster_page_has_the_option(alice, acme):
    client = Client()
    client.force_login(alice)
    upload = b"email,department\nana@acme.example,Support\n"

    refused = client.post(
        "/o/acme/roster/", {"file": SimpleUploadedFile("r.csv", upload, "text/csv")}
    )
    assert refused.status_code == 400
    assert "not exist yet: Support" in refused.content.decode()
    assert 'name="create_departments"' in refused.content.decode()

    done = client.post(
        "/o/acme/roster/",
        {"file": SimpleUploadedFile("r.csv", upload, "text/csv"), "create_departments": "on"},
    )
    assert done.status_code == 302
    assert Employee.objects.get().department.name == "Support"


def test_the_bulk_api_creates_departments_when_asked(acme):
    token = api_token_create(organization=acme, name="hris", scope="write", user=None)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    people = [{"email": "ana@acme.example", "department": "Support"}]
    url = "/api/v1/organizations/acme/employees/bulk/"

    refused = client.post(url, {"people": people}, format="json")
    assert refused.status_code == 400
    # The API answers per person, as for every other problem of a row.
    assert refused.json()["errors"] == {"people[0].department": 'unknown department "Support"'}

    done = client.post(url, {"people": people, "create_departments": True}, format="json")
    assert done.status_code == 200
    assert Employee.objects.get().department.name == "Support"
