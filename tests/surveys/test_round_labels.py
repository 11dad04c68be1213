"""Survey round labels are slugs (letters, digits, - and _, at most 50) wherever they enter:
they are part of report addresses (/o/<org>/report/<label>/), and one with a / in it made the
organization's report page fail for everyone."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from analytics.services import snapshot_compute
from surveys.errors import ServiceError
from surveys.models import Round, SurveyResponse, Wave
from surveys.services.responses import responses_import
from surveys.services.rounds import round_get_or_create
from tests.analytics.test_engine import employees_answers, history
from tests.api.support import ACME, session

pytestmark = pytest.mark.django_db

BAD_LABELS = ["a/b", "2026/09", "a b", "wave?x=1", "ünï", "#1", "x" * 51]


def client_for(user) -> Client:
    # A 500 is an answer here, not an exception in the test.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def nothing_created(acme) -> bool:
    return not Round.objects.filter(organization=acme).exists() and not Wave.objects.exists()


def test_the_report_page_never_fails_on_a_round_label(alice, acme, pulse):
    from django.core.files.uploadedfile import SimpleUploadedFile

    # the attack as reported: history imported into round a/b, a launch with round a/b
    client = client_for(alice)
    content = history(employees_answers(), label="a/b").encode()
    client.post("/o/acme/history/", {"file": SimpleUploadedFile("history.csv", content)})
    client.post(f"/o/acme/campaigns/{pulse.pk}/launch/", {"round": "a/b"})

    # then the report page and the organization page still answer
    assert client.get("/o/acme/report/").status_code == 200
    assert client.get("/o/acme/").status_code == 200
    assert client.get(f"/o/acme/campaigns/{pulse.pk}/").status_code == 200
    assert not Round.objects.filter(label="a/b").exists()


@pytest.mark.parametrize("label", BAD_LABELS)
def test_the_launch_page_refuses_a_round_label_that_is_not_a_slug(alice, acme, pulse, label):
    client = client_for(alice)

    response = client.post(f"/o/acme/campaigns/{pulse.pk}/launch/", {"round": label})

    assert response.status_code == 400
    assert '<p class="error" id="round-error">The survey round ' in response.content.decode()
    assert nothing_created(acme)


def test_the_launch_page_takes_a_slug(alice, acme, pulse):
    client_for(alice).post(
        f"/o/acme/campaigns/{pulse.pk}/launch/", {"round": "2026-q3_pulse", "confirm": "1"}
    )

    assert Wave.objects.get().round.label == "2026-q3_pulse"


@pytest.mark.parametrize("label", BAD_LABELS)
def test_the_launch_api_refuses_a_round_label_that_is_not_a_slug(alice, acme, pulse, label):
    response = session(alice).post(
        f"{ACME}/campaigns/{pulse.pk}/launch/", {"round": label}, format="json"
    )

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Invalid input; nothing was changed."
    assert "round" in body["errors"]
    assert nothing_created(acme)


@pytest.mark.parametrize("label", ["a/b", "a b", "x" * 51])
def test_a_history_import_refuses_a_round_label_with_its_row(alice, acme, label):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = history(employees_answers()).replace("2026-09", label, 2)  # rows 2 and 3
    client = client_for(alice)

    response = client.post(
        "/o/acme/history/", {"file": SimpleUploadedFile("history.csv", content.encode())}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Row 2, wave: " in body
    assert "Row 3, wave: " in body
    assert "Row 4, wave" not in body
    assert not SurveyResponse.objects.exists()
    assert nothing_created(acme)
    assert client.get("/o/acme/report/").status_code == 200


def test_import_responses_refuses_a_round_label_with_its_row(acme, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(history(employees_answers(), label="2026/09"))

    with pytest.raises(CommandError) as refused:
        call_command("import_responses", "acme", str(path))

    assert "row 2, wave: " in str(refused.value)
    assert not SurveyResponse.objects.exists()
    assert nothing_created(acme)


def test_the_campaign_wizard_names_rounds_itself(alice, acme, staff):
    """The wizard takes no round label: its waves report in this month's round."""
    from surveys.services.campaigns import organization_today
    from tests.surveys.test_wizard import walk

    client = client_for(alice)
    walk(client)

    client.post("/o/acme/campaigns/new/create/", {"launch": "1", "round": "a/b"})

    assert Wave.objects.get().round.label == organization_today(acme).strftime("%Y-%m")


@pytest.mark.parametrize("label", [*BAD_LABELS, "", "   "])
def test_round_get_or_create_refuses_what_is_not_a_slug(acme, label):
    with pytest.raises(ServiceError):
        round_get_or_create(organization=acme, label=label)

    assert not Round.objects.exists()


def test_responses_import_refuses_what_is_not_a_slug_as_the_last_line(acme):
    from surveys.errors import ImportRejected

    with pytest.raises(ImportRejected) as refused:
        responses_import(organization=acme, content=history(employees_answers(), label="a/b"))

    assert {(e.column, e.row) for e in refused.value.errors} >= {("wave", 2), ("wave", 3)}
    assert nothing_created(acme)


@pytest.fixture
def reported(acme):
    responses_import(organization=acme, content=history(employees_answers()))
    return snapshot_compute(organization=acme, round_=Round.objects.get(label="2026-09"))[0]


@pytest.mark.parametrize("wave", ["a/b", "nope", "a b", "%2F", "x" * 60, "../2026-09"])
def test_an_unknown_or_malformed_wave_on_the_report_page_is_a_404(leo, reported, wave):
    client = client_for(leo)

    assert client.get("/o/acme/report/", {"wave": wave}).status_code == 404


def test_the_round_picker_goes_to_a_known_round(leo, reported):
    response = client_for(leo).get("/o/acme/report/", {"wave": "2026-09"})

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/report/2026-09/"


@pytest.mark.parametrize(
    "path",
    [
        "/o/acme/report/nope/",
        "/o/acme/report/nope/export.csv",
        "/o/acme/report/nope/export.xlsx",
        "/o/acme/report/nope/export.pdf",
        "/o/acme/report/a%2Fb/export.csv",
        "/o/acme/report/2026-09/export.csv?wave=a/b",
    ],
)
def test_unknown_rounds_in_report_and_export_addresses_are_a_404(leo, reported, path):
    expected = 200 if path.startswith("/o/acme/report/2026-09/") else 404
    assert client_for(leo).get(path).status_code == expected


# --- Old installs: labels that are not slugs become slugs ---------------------------------


def _migrate(target: list[tuple[str, str]] | None = None) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(target or executor.loader.graph.leaf_nodes())


def _round_label_migration() -> None:
    """Run 0008_round_label_slug again, as on an install that had not had it."""
    _migrate([("surveys", "0006_leaver_retention")])
    _migrate()


@pytest.mark.django_db(transaction=True)
def test_old_round_labels_become_unique_slugs(acme, globex):
    from surveys.models import Organization

    def make(organization: Organization, sequence: int, label: str) -> int:
        return Round.objects.create(organization=organization, label=label, sequence=sequence).pk

    ids = {
        "2026-09": make(acme, 1, "2026-09"),  # a slug already: kept
        "2026/09": make(acme, 2, "2026/09"),
        "2026 09": make(acme, 3, "2026 09"),
        "Q3 ünï/x": make(acme, 4, "Q3 ünï/x"),
        "///": make(acme, 5, "///"),
        "long": make(acme, 6, "a/" * 25),
        "long again": make(acme, 7, "a?" * 25),
        "globex": make(globex, 1, "2026/09"),
    }

    _round_label_migration()

    labels = {name: Round.objects.get(pk=pk).label for name, pk in ids.items()}
    assert labels == {
        "2026-09": "2026-09",
        "2026/09": "2026-09-2",
        "2026 09": "2026-09-3",
        "Q3 ünï/x": "Q3-uni-x",
        "///": "round-5",
        "long": ("a-" * 25).rstrip("-"),
        "long again": ("a-" * 25)[:47].rstrip("-") + "-2",
        "globex": "2026-09",  # unique per organization
    }
    assert all(len(label) <= 50 for label in labels.values())


@pytest.mark.django_db(transaction=True)
def test_an_old_install_with_a_slash_in_a_round_label_has_working_report_pages(leo, acme):
    from analytics.models import ReportSnapshot

    responses_import(organization=acme, content=history(employees_answers()))
    round_ = Round.objects.get(label="2026-09")
    snapshot = snapshot_compute(organization=acme, round_=round_)[0]
    # as an install before labels were checked would hold it
    Round.objects.filter(pk=round_.pk).update(label="2026/09")
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(data=snapshot.data | {"wave": "2026/09"})
    client = client_for(leo)
    assert client.get("/o/acme/report/").status_code == 500

    _round_label_migration()

    assert Round.objects.get(pk=round_.pk).label == "2026-09"
    for path in ["/o/acme/report/", "/o/acme/report/2026-09/", "/o/acme/report/2026-09/export.csv"]:
        assert client.get(path).status_code == 200, path
    assert session(leo).get(f"{ACME}/reports/").status_code == 200
