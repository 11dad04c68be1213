"""The report API: reports, analysis jobs, actions and the access log.

alice is an HR admin of Acme, leo a leader, petra a leader scoped to Engineering (and Platform
below it), charlie an HR admin of Globex. The snapshot is the one the engine tests check
against scipy: 31 employees in round 2026-09, Platform (3) below k = 5.
"""

import datetime as dt
import json
import re
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.models import AccessLog, Action, AnalysisJob, JobStatus, ReportSnapshot
from analytics.selectors import department_scope, report_data, report_scope
from analytics.services import snapshot_compute
from surveys.models import Department, Employee, Invitation, Round, SurveyResponse
from surveys.services.responses import response_accept, responses_import
from tests.analytics.test_engine import employees_answers, history, named
from tests.api.support import ACME, BASE, bearer, session

pytestmark = pytest.mark.django_db
K = 5


def seg(department: str) -> str:
    """Acme's department segment in a report: department:<id>."""
    return f"department:{Department.objects.get(organization__slug='acme', name=department).pk}"


def round_import(acme, label: str, answers=None) -> Round:
    responses_import(
        organization=acme, content=history(answers or employees_answers(), label=label)
    )
    return Round.objects.get(organization=acme, label=label)


def compute(acme, label: str) -> ReportSnapshot:
    return snapshot_compute(organization=acme, round_=Round.objects.get(label=label))[0]


@pytest.fixture
def snapshot(acme) -> ReportSnapshot:
    round_import(acme, "2026-09")
    return compute(acme, "2026-09")


def cell(data: dict, segment: str = "all", value: str = "open_door") -> dict:
    segment = named(data, segment)
    return next(
        e for e in data["stated_vs_lived"] if e["value"] == value and e["segment"] == segment
    )


ACTION = {
    "wave": "2026-09",
    "value": "open_door",
    "owner": "Maren",
    "due_on": "2026-12-01",
    "description": "Monthly open Q&A with the leadership team.",
}


def action_post(client: APIClient, **changes):
    return client.post(f"{ACME}/actions/", ACTION | changes, format="json")


def assert_invalid(response, *fields: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Invalid input; nothing was changed."
    assert set(fields) <= set(body["errors"]), body


# --- GET reports/ --------------------------------------------------------------------------


def test_it_lists_the_rounds_with_a_report_newest_first(alice, acme, snapshot):
    round_import(acme, "2026-10")
    later = compute(acme, "2026-10")
    round_import(acme, "2026-11")  # responses, but no report yet

    response = session(alice).get(f"{ACME}/reports/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [r["wave"] for r in body["results"]] == ["2026-10", "2026-09"]
    first = body["results"][1]
    assert first["fingerprint"] == snapshot.fingerprint
    assert first["method_version"] == snapshot.method_version
    assert first["url"] == "http://testserver/api/v1/organizations/acme/reports/2026-09/"
    assert body["results"][0]["fingerprint"] == later.fingerprint
    paged = session(alice).get(f"{ACME}/reports/?page_size=1").json()
    assert [r["wave"] for r in paged["results"]] == ["2026-10"]
    assert paged["next"]
    assert not AccessLog.objects.exists()  # a list shows no figures


def test_it_lists_the_newest_snapshot_of_a_round(alice, acme, snapshot):
    with mock.patch("analytics.stats.METHOD_VERSION", "9.9"):  # recomputed under a new method
        newer = snapshot_compute(
            organization=acme, round_=Round.objects.get(label="2026-09"), recompute=True
        )[0]
    assert newer.pk != snapshot.pk

    results = session(alice).get(f"{ACME}/reports/").json()["results"]

    assert [(r["wave"], r["fingerprint"]) for r in results] == [("2026-09", newer.fingerprint)]


def test_it_lists_reports_to_leaders_and_tokens_only_of_their_organization(
    leo, petra, charlie, acme, globex, snapshot
):
    for client in (session(leo), session(petra), bearer(acme, "read")):
        assert client.get(f"{ACME}/reports/").json()["count"] == 1
    assert session(charlie).get(f"{ACME}/reports/").status_code == 404
    assert bearer(globex, "read").get(f"{ACME}/reports/").status_code == 404
    assert bearer(globex, "read").get(f"{BASE}/globex/reports/").json()["count"] == 0
    assert APIClient().get(f"{ACME}/reports/").status_code == 401


# --- GET reports/latest/ and reports/{wave}/ -----------------------------------------------


def test_it_returns_the_snapshot_to_hr_admins_and_leaders(alice, leo, snapshot):
    for client in (session(alice), session(leo)):
        for url in (f"{ACME}/reports/2026-09/", f"{ACME}/reports/latest/"):
            response = client.get(url)
            assert response.status_code == 200
            assert response["Cache-Control"] == "no-store"
            assert response.json() == snapshot.data


def test_latest_is_the_newest_round_with_a_report(alice, acme, snapshot):
    round_import(acme, "2026-10")
    later = compute(acme, "2026-10")
    round_import(acme, "2026-11")  # newer, but not computed

    body = session(alice).get(f"{ACME}/reports/latest/").json()

    assert body["wave"] == "2026-10"
    assert body["fingerprint"] == later.fingerprint
    assert session(alice).get(f"{ACME}/reports/2026-09/").json() == snapshot.data


def test_a_token_reads_the_whole_report_and_is_logged_by_name(acme, snapshot):
    response = bearer(acme, "read", name="BI export").get(f"{ACME}/reports/2026-09/")

    assert response.status_code == 200
    assert response.json() == snapshot.data
    entry = AccessLog.objects.get()
    assert (entry.user, entry.username, entry.action, entry.wave, entry.scope) == (
        None,
        "api-token:BI export",
        "api_report",
        "2026-09",
        "",
    )
    assert entry.snapshot == snapshot


def test_a_scoped_leader_gets_exactly_the_scoped_report(petra, snapshot):
    """The API gives a scoped leader what the page and the exports give: report_scope."""
    scope = department_scope(reach=petra.memberships.get())
    expected = report_scope(data=report_data(snapshot=snapshot), scope=scope)

    for url in (f"{ACME}/reports/2026-09/", f"{ACME}/reports/latest/"):
        body = session(petra).get(url).json()
        assert body == expected
        assert {e["segment"] for e in body["stated_vs_lived"]} == {
            "all",
            seg("Engineering"),
            seg("Platform"),
        }
        assert {e["segment"] for e in body["leavers_vs_stayers"]} <= {
            "all",
            seg("Engineering"),
            seg("Platform"),
        }
        assert body["scope"] == {"departments": ["Engineering", "Platform"]}
        assert seg("Sales") not in json.dumps(body["stated_vs_lived"])
        assert {d["name"] for d in body["departments"]} == {"Engineering", "Platform"}
    # The whole report does have the other segments: the scope removed them.
    assert {e["segment"] for e in snapshot.data["stated_vs_lived"]} > {
        e["segment"] for e in expected["stated_vs_lived"]
    }
    assert set(AccessLog.objects.values_list("scope", flat=True)) == {"Engineering, Platform"}


def test_an_unknown_round_or_one_without_a_report_is_404_and_not_logged(alice, acme, snapshot):
    client = session(alice)
    unknown = client.get(f"{ACME}/reports/1999-01/")
    assert unknown.status_code == 404
    assert "no survey round" in unknown.json()["detail"]

    round_import(acme, "2026-10")
    pending = client.get(f"{ACME}/reports/2026-10/")
    assert pending.status_code == 404
    assert "not been computed yet" in pending.json()["detail"]
    assert "reports/2026-10/compute/" in pending.json()["detail"]
    assert not AccessLog.objects.exists()


def test_latest_without_any_report_is_404_and_names_the_round_to_compute(alice, acme):
    client = session(alice)
    assert client.get(f"{ACME}/reports/latest/").json() == {
        "detail": "No report has been computed yet."
    }
    round_import(acme, "2026-09")
    response = client.get(f"{ACME}/reports/latest/")
    assert response.status_code == 404
    assert "reports/2026-09/compute/" in response.json()["detail"]
    assert not AccessLog.objects.exists()


def test_another_organization_never_sees_the_report(charlie, acme, globex, snapshot):
    for client in (session(charlie), bearer(globex, "write")):
        for url in (f"{ACME}/reports/2026-09/", f"{ACME}/reports/latest/"):
            assert client.get(url).status_code == 404, url
        # Acme's round under Globex's own slug does not exist either.
        assert client.get(f"{BASE}/globex/reports/2026-09/").status_code == 404
    assert not AccessLog.objects.exists()


def test_reading_a_report_needs_credentials(acme, snapshot):
    for url in (f"{ACME}/reports/2026-09/", f"{ACME}/reports/latest/"):
        assert APIClient().get(url).status_code == 401
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Bearer cs_not-a-token")
    assert forged.get(f"{ACME}/reports/latest/").status_code == 401
    assert not AccessLog.objects.exists()


# --- POST reports/{wave}/compute/ and GET jobs/{id}/ ---------------------------------------


def test_it_computes_a_report_once_and_shows_the_job(
    alice, acme, snapshot, django_capture_on_commit_callbacks
):
    round_import(acme, "2026-10")
    client = session(alice)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        first = client.post(f"{ACME}/reports/2026-10/compute/")
        again = client.post(f"{ACME}/reports/2026-10/compute/")

    assert first.status_code == again.status_code == 202
    job = first.json()["job"]
    assert again.json()["job"]["id"] == job["id"]  # an active job is not duplicated
    assert len(queued) == 1
    assert AnalysisJob.objects.count() == 1
    assert first["Location"] == f"http://testserver/api/v1/organizations/acme/jobs/{job['id']}/"
    assert job | {"id": 0} == {
        "id": 0,
        "wave": "2026-10",
        "status": "queued",
        "progress": 0,
        "stage": "",
        "error": "",
        "snapshot_url": None,
    }
    done = client.get(f"{ACME}/jobs/{job['id']}/").json()
    assert (done["status"], done["progress"], done["stage"]) == ("done", 100, "done")
    assert done["snapshot_url"] == "http://testserver/api/v1/organizations/acme/reports/2026-10/"
    report = client.get(done["snapshot_url"]).json()
    assert report["wave"] == "2026-10"
    assert report == ReportSnapshot.objects.get(round__label="2026-10").data


def test_leaders_and_write_tokens_may_compute(leo, petra, acme, snapshot):
    round_import(acme, "2026-10")
    for client in (session(leo), session(petra), bearer(acme, "write")):
        response = client.post(f"{ACME}/reports/2026-10/compute/")
        assert response.status_code == 202
    job = AnalysisJob.objects.get()  # one job, still queued: the others reused it
    assert job.requested_by.username == "leo"


def test_a_published_report_is_computed_again_only_when_asked_to_recompute(
    alice, acme, snapshot, django_capture_on_commit_callbacks
):
    client = session(alice)

    refused = client.post(f"{ACME}/reports/2026-09/compute/")
    assert refused.status_code == 409
    assert "published and frozen" in refused.json()["detail"]
    assert not AnalysisJob.objects.exists()

    with (
        mock.patch("analytics.stats.METHOD_VERSION", "9.9"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        accepted = client.post(f"{ACME}/reports/2026-09/compute/", {"recompute": True}, "json")
    assert accepted.status_code == 202
    newest = ReportSnapshot.objects.filter(round=snapshot.round).first()
    assert newest.method_version == "9.9"
    # Same answers, same groups: every figure keeps its n.
    assert [e["n_employees"] for e in newest.data["stated_vs_lived"]] == [
        e["n_employees"] for e in snapshot.data["stated_vs_lived"]
    ]


def test_a_read_only_token_may_not_compute(acme, snapshot):
    response = bearer(acme, "read").post(f"{ACME}/reports/2026-09/compute/")
    assert response.status_code == 403
    assert response.json() == {"detail": "This API token is read-only."}
    assert not AnalysisJob.objects.exists()


def test_compute_refuses_a_round_without_responses_and_an_unknown_round(
    alice, acme, open_wave, token_for
):
    response_accept(token=token_for(open_wave.invitations.first()), answers={"od1": 4})
    client = session(alice)

    # The only response is in a wave still open: nothing can be reported yet.
    assert_invalid(client.post(f"{ACME}/reports/2026-08/compute/"), "wave")
    assert client.post(f"{ACME}/reports/1999-01/compute/").status_code == 404
    assert not AnalysisJob.objects.exists()


def test_compute_and_jobs_are_closed_to_other_organizations(charlie, acme, globex, snapshot):
    job = AnalysisJob.objects.create(organization=acme, round=snapshot.round)
    for client in (session(charlie), bearer(globex, "write")):
        assert client.post(f"{ACME}/reports/2026-09/compute/").status_code == 404
        assert client.get(f"{ACME}/jobs/{job.pk}/").status_code == 404
        assert client.get(f"{BASE}/globex/jobs/{job.pk}/").status_code == 404
        assert client.post(f"{BASE}/globex/reports/2026-09/compute/").status_code == 404
    assert APIClient().post(f"{ACME}/reports/2026-09/compute/").status_code == 401
    assert APIClient().get(f"{ACME}/jobs/{job.pk}/").status_code == 401
    assert AnalysisJob.objects.count() == 1


def test_a_job_reports_its_failure_and_an_unknown_job_is_404(leo, acme, snapshot):
    failed = AnalysisJob.objects.create(
        organization=acme,
        round=snapshot.round,
        status=JobStatus.FAILED,
        progress=3,
        stage="loading answers",
        error="NothingToReport: no responses",
    )
    client = session(leo)
    body = client.get(f"{ACME}/jobs/{failed.pk}/").json()
    assert body == {
        "id": failed.pk,
        "wave": "2026-09",
        "status": "failed",
        "progress": 3,
        "stage": "loading answers",
        "error": "NothingToReport: no responses",
        "snapshot_url": None,
    }
    assert client.get(f"{ACME}/jobs/{failed.pk + 1}/").status_code == 404


# --- Actions -------------------------------------------------------------------------------


def test_a_leader_records_an_action_with_the_gap_as_it_stands(leo, snapshot):
    response = action_post(session(leo))

    assert response.status_code == 201
    body = response.json()
    action = Action.objects.get()
    gap = cell(snapshot.data)["gap"]
    assert body == {
        "id": action.pk,
        "wave": "2026-09",
        "value": "open_door",
        "value_name": "Open door",
        "segment": "all",
        "owner": "Maren",
        "due_on": "2026-12-01",
        "description": "Monthly open Q&A with the leadership team.",
        "status": "open",
        "gap_at_start": pytest.approx(gap),
        "classification_at_start": cell(snapshot.data)["classification"],
        "created_by": "leo",
        "created_at": body["created_at"],
        "progress": {
            "wave": "2026-09",
            "gap_at_start": pytest.approx(gap),
            "gap_now": pytest.approx(gap),
            "classification_now": cell(snapshot.data)["classification"],
            "status": "started",
        },
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"owner": ""}, "owner"),
        ({"owner": "   "}, "owner"),
        ({"description": ""}, "description"),
        ({"due_on": "next week"}, "due_on"),
        ({"due_on": None}, "due_on"),
        ({"value": "no_such_value"}, "value"),
        ({"wave": "1999-01"}, "wave"),
        ({"segment": "department:Nowhere"}, "segment"),
        ({"segment": ""}, "segment"),
    ],
)
def test_bad_actions_are_refused_and_nothing_is_stored(alice, snapshot, changes, field):
    assert_invalid(action_post(session(alice), **changes), field)
    assert not Action.objects.exists()


def test_an_action_needs_every_required_field(alice, snapshot):
    response = session(alice).post(f"{ACME}/actions/", {}, format="json")
    assert_invalid(response, "wave", "value", "owner", "due_on", "description")
    assert not Action.objects.exists()


def test_an_action_needs_a_round_with_a_report(alice, acme, snapshot):
    round_import(acme, "2026-10")
    response = action_post(session(alice), wave="2026-10")
    assert_invalid(response, "wave")
    assert response.json()["errors"]["wave"] == "This round has no report yet."
    assert not Action.objects.exists()


def test_a_scoped_leader_acts_only_on_segments_they_see(petra, snapshot):
    client = session(petra)
    assert_invalid(action_post(client, segment=seg("Sales")), "segment")
    assert_invalid(action_post(client, segment="location:Berlin"), "segment")
    assert not Action.objects.exists()

    response = action_post(client, segment=seg("Engineering"))
    assert response.status_code == 201
    assert response.json()["gap_at_start"] == pytest.approx(
        cell(snapshot.data, "department:Engineering")["gap"]
    )


def test_tokens_write_actions_only_with_write_scope(acme, snapshot):
    refused = action_post(bearer(acme, "read"))
    assert refused.status_code == 403
    assert not Action.objects.exists()

    response = action_post(bearer(acme, "write"))
    assert response.status_code == 201
    assert response.json()["created_by"] is None  # a token is not a user account


def test_actions_are_closed_to_other_organizations(charlie, acme, globex, alice, snapshot):
    action_id = action_post(session(alice)).json()["id"]
    for client in (session(charlie), bearer(globex, "write")):
        assert action_post(client).status_code == 404
        assert client.get(f"{ACME}/actions/").status_code == 404
        assert client.get(f"{ACME}/actions/{action_id}/").status_code == 404
        assert client.get(f"{BASE}/globex/actions/{action_id}/").status_code == 404
        assert (
            client.patch(
                f"{BASE}/globex/actions/{action_id}/", {"status": "done"}, format="json"
            ).status_code
            == 404
        )
        assert (
            client.patch(
                f"{ACME}/actions/{action_id}/", {"status": "done"}, format="json"
            ).status_code
            == 404
        )
    assert bearer(globex, "read").get(f"{BASE}/globex/actions/").json()["count"] == 0
    anonymous = APIClient()
    assert action_post(anonymous).status_code == 401
    assert anonymous.get(f"{ACME}/actions/").status_code == 401
    assert anonymous.get(f"{ACME}/actions/{action_id}/").status_code == 401
    assert (
        anonymous.patch(
            f"{ACME}/actions/{action_id}/", {"status": "done"}, format="json"
        ).status_code
        == 401
    )
    assert Action.objects.get().status == "open"
    assert Action.objects.count() == 1


def test_it_lists_and_filters_actions(alice, acme, snapshot):
    client = session(alice)
    open_door = action_post(client, due_on="2026-11-01").json()
    sales = action_post(client, segment=seg("Sales"), due_on="2026-12-01").json()
    Action.objects.filter(pk=sales["id"]).update(status="done")
    round_import(acme, "2026-10")
    compute(acme, "2026-10")
    later = action_post(client, wave="2026-10", due_on="2027-01-01").json()

    def ids(query: str = "") -> list[int]:
        response = client.get(f"{ACME}/actions/{query}")
        assert response.status_code == 200, response.content
        return [a["id"] for a in response.json()["results"]]

    assert ids() == [open_door["id"], sales["id"], later["id"]]  # by due date
    assert ids("?status=done") == [sales["id"]]
    assert ids("?status=open&wave=2026-09") == [open_door["id"]]
    assert ids("?wave=2026-10") == [later["id"]]
    assert ids("?value=open_door") == [open_door["id"], sales["id"], later["id"]]
    assert ids("?value=other") == []
    listed = client.get(f"{ACME}/actions/").json()["results"][0]
    assert listed["progress"]["wave"] == "2026-10"  # measured against the newest report
    assert_invalid(client.get(f"{ACME}/actions/?status=closed"), "status")


def test_a_scoped_leader_sees_only_actions_on_their_segments(alice, petra, snapshot):
    company = action_post(session(alice)).json()
    engineering = action_post(session(alice), segment=seg("Platform")).json()
    sales = action_post(session(alice), segment=seg("Sales")).json()
    client = session(petra)

    listed = [a["id"] for a in client.get(f"{ACME}/actions/").json()["results"]]

    assert sorted(listed) == sorted([company["id"], engineering["id"]])
    assert client.get(f"{ACME}/actions/{sales['id']}/").status_code == 404
    response = client.patch(f"{ACME}/actions/{sales['id']}/", {"status": "done"}, format="json")
    assert response.status_code == 404
    assert Action.objects.get(pk=sales["id"]).status == "open"


def test_an_action_shows_whether_the_gap_closed_in_the_newest_report(leo, acme, snapshot):
    client = session(leo)
    action_id = action_post(client).json()["id"]
    first_gap = cell(snapshot.data)["gap"]

    # The next round: employees now rate open door higher.
    round_import(acme, "2026-10", answers=[(4, 1, 9)] * 31)
    later = compute(acme, "2026-10")
    body = client.get(f"{ACME}/actions/{action_id}/").json()

    now = cell(later.data)["gap"]
    assert abs(now) < abs(first_gap)
    assert body["progress"]["wave"] == "2026-10"
    assert body["progress"]["gap_at_start"] == pytest.approx(first_gap)
    assert body["progress"]["gap_now"] == pytest.approx(now)
    assert body["progress"]["status"] in ("closed", "narrowing")


def test_a_leader_marks_an_action_done_and_changes_it(leo, snapshot):
    client = session(leo)
    action_id = action_post(client).json()["id"]

    response = client.patch(
        f"{ACME}/actions/{action_id}/",
        {"status": "done", "owner": "Ola", "due_on": "2027-02-01"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["owner"], body["due_on"]) == ("done", "Ola", "2027-02-01")
    assert body["progress"]["status"] == "started"
    action = Action.objects.get()
    assert (action.status, action.owner, action.due_on) == ("done", "Ola", dt.date(2027, 2, 1))
    reopened = client.patch(f"{ACME}/actions/{action_id}/", {"status": "open"}, format="json")
    assert reopened.json()["status"] == "open"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"owner": ""}, "owner"),
        ({"description": " "}, "description"),
        ({"due_on": "2027-13-01"}, "due_on"),
        ({"value": "empowerment", "status": "done"}, "value"),
        ({"segment": "department:Sales"}, "segment"),
        ({}, "non_field"),
    ],
)
def test_bad_changes_to_an_action_are_refused_and_change_nothing(alice, snapshot, payload, field):
    client = session(alice)
    created = action_post(client).json()

    assert_invalid(client.patch(f"{ACME}/actions/{created['id']}/", payload, format="json"), field)
    action = Action.objects.select_related("value").get()
    assert (action.status, action.owner, action.value.code, action.segment) == (
        "open",
        "Maren",
        "open_door",
        "all",
    )


def test_a_read_only_token_reads_actions_but_cannot_change_them(alice, acme, snapshot):
    action_id = action_post(session(alice)).json()["id"]
    reader = bearer(acme, "read")

    assert reader.get(f"{ACME}/actions/{action_id}/").status_code == 200
    response = reader.patch(f"{ACME}/actions/{action_id}/", {"status": "done"}, format="json")
    assert response.status_code == 403
    assert Action.objects.get().status == "open"
    writer = bearer(acme, "write")
    assert (
        writer.patch(f"{ACME}/actions/{action_id}/", {"status": "done"}, format="json").status_code
        == 200
    )
    assert Action.objects.get().status == "done"


# --- The access log ------------------------------------------------------------------------


def test_every_report_read_is_logged_and_shown_in_the_access_log(alice, leo, petra, acme, snapshot):
    reads = [
        (session(alice), f"{ACME}/reports/2026-09/"),
        (session(leo), f"{ACME}/reports/latest/"),
        (session(petra), f"{ACME}/reports/2026-09/"),
        (bearer(acme, "read", name="BI"), f"{ACME}/reports/latest/"),
        (session(leo), f"{ACME}/reports/2026-09/"),
    ]
    for client, url in reads:
        assert client.get(url).status_code == 200
        # Reads that show no figure are not report reads.
        client.get(f"{ACME}/reports/")
        client.get(f"{ACME}/reports/1999-01/")

    assert AccessLog.objects.count() == len(reads)
    entries = session(leo).get(f"{ACME}/access-log/").json()
    assert entries["count"] == len(reads)
    assert [(e["username"], e["action"], e["wave"], e["scope"]) for e in entries["results"]] == [
        ("leo", "api_report", "2026-09", ""),
        ("api-token:BI", "api_report", "2026-09", ""),
        ("petra", "api_report", "2026-09", "Engineering, Platform"),
        ("leo", "api_report", "2026-09", ""),
        ("alice", "api_report", "2026-09", ""),
    ]  # newest first
    for client in (session(alice), session(petra), bearer(acme, "read")):
        assert client.get(f"{ACME}/access-log/").json()["count"] == len(reads)


def test_it_filters_the_access_log(alice, leo, acme, snapshot):
    session(leo).get(f"{ACME}/reports/2026-09/")
    session(alice).get(f"{ACME}/reports/latest/")
    AccessLog.objects.create(organization=acme, username="leo", action="export_pdf", wave="2026-09")
    client = session(alice)
    today = timezone.localdate()

    def actions(query: str) -> list[tuple[str, str]]:
        response = client.get(f"{ACME}/access-log/{query}")
        assert response.status_code == 200, response.content
        return [(e["username"], e["action"]) for e in response.json()["results"]]

    assert actions("?action=api_report") == [("alice", "api_report"), ("leo", "api_report")]
    assert actions("?username=leo") == [("leo", "export_pdf"), ("leo", "api_report")]
    assert actions("?wave=2026-09&action=export_pdf") == [("leo", "export_pdf")]
    assert actions("?wave=1999-01") == []
    assert len(actions(f"?from={today}&to={today}")) == 3
    assert actions(f"?to={today - dt.timedelta(days=1)}") == []
    assert actions(f"?from={today + dt.timedelta(days=1)}") == []
    page = client.get(f"{ACME}/access-log/?page_size=2").json()
    assert (page["count"], len(page["results"])) == (3, 2)


@pytest.mark.parametrize(
    ("query", "field"), [("?action=deleted", "action"), ("?from=yesterday", "from")]
)
def test_bad_access_log_filters_are_400(alice, snapshot, query, field):
    assert_invalid(session(alice).get(f"{ACME}/access-log/{query}"), field)


def test_the_access_log_is_closed_to_other_organizations(charlie, acme, globex, leo, snapshot):
    session(leo).get(f"{ACME}/reports/latest/")
    for client in (session(charlie), bearer(globex, "read")):
        assert client.get(f"{ACME}/access-log/").status_code == 404
        assert client.get(f"{BASE}/globex/access-log/").json()["count"] == 0
    assert APIClient().get(f"{ACME}/access-log/").status_code == 401


# --- Anonymity across every endpoint -------------------------------------------------------

COUNT_KEYS = {"n", "n_employees", "n_exit", "n_lived", "n_previous", "n_current", "n_respondents"}
RESPONSE_COUNT_KEYS = {"lived", "onboarding", "exit"}  # inside `responses`
LINKING_KEY = re.compile(
    r"response_?ids?$|response_?uuid|invitation|e_?mail|employee_?id|token_hash|ip_?addr|user_agent",
    re.IGNORECASE,
)
UUID_DASHED = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
UUID_HEX = re.compile(r"[0-9a-f]{32}", re.IGNORECASE)


def walk(node, counts: list, keys: set, strings: list, parent: str = "") -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            keys.add(key)
            if (key in COUNT_KEYS or (parent == "responses" and key in RESPONSE_COUNT_KEYS)) and (
                value is None or isinstance(value, int)
            ):
                counts.append((key, value))
            walk(value, counts, keys, strings, key)
    elif isinstance(node, list):
        for item in node:
            walk(item, counts, keys, strings, parent)
    elif isinstance(node, str):
        strings.append(node)


@pytest.fixture
def tour(alice, leo, petra, acme, snapshot, open_wave, token_for):
    """Every endpoint of the report API, called by every kind of caller, including failures.

    Acme also has a roster, invitations and a real survey response (in a wave still open), so
    there is something to leak."""
    response_accept(token=token_for(open_wave.invitations.first()), answers={"od1": 4})
    callers = [session(alice), session(leo), session(petra), bearer(acme, "write", name="BI")]
    bodies = []
    for client in callers:
        action = action_post(client, segment=seg("Engineering")).json()
        calls = [
            client.get(f"{ACME}/reports/"),
            client.get(f"{ACME}/reports/latest/"),
            client.get(f"{ACME}/reports/2026-09/"),
            client.get(f"{ACME}/reports/2026-08/"),
            client.get(f"{ACME}/reports/1999-01/"),
            client.post(f"{ACME}/reports/2026-09/compute/", {"recompute": True}, format="json"),
            client.post(f"{ACME}/reports/2026-08/compute/"),
            client.post(f"{ACME}/reports/2026-09/compute/"),
            client.get(f"{ACME}/actions/"),
            action_post(client, owner=""),
            client.get(f"{ACME}/actions/{action['id']}/"),
            client.patch(f"{ACME}/actions/{action['id']}/", {"status": "done"}, format="json"),
            client.get(f"{ACME}/access-log/"),
        ]
        job_id = calls[5].json()["job"]["id"]
        calls.append(client.get(f"{ACME}/jobs/{job_id}/"))
        bodies.append(action)
        for response in calls:
            assert response["Content-Type"] == "application/json", response
            bodies.append(response.json())
    return bodies


def test_no_response_of_the_api_has_a_figure_below_k(tour, snapshot):
    counts: list = []
    for body in tour:
        walk(body, counts, set(), [])

    figures = [n for _key, n in counts if n is not None]
    assert figures, "the tour must reach the report's counts"
    assert None in {n for _key, n in counts}, "suppressed counts are returned as null"
    assert all(n == 0 or n >= K for n in figures), sorted(set(figures))
    # The data behind the report does hold a group below k (Platform, 3 employees).
    assert (
        SurveyResponse.objects.filter(
            wave__round__label="2026-09", wave__campaign__kind="pulse", department__name="Platform"
        ).count()
        == 3
    )
    assert cell(snapshot.data, "department:Platform")["n_employees"] is None


def test_no_response_of_the_api_links_an_answer_to_a_person(tour, acme):
    keys: set = set()
    strings: list = []
    for body in tour:
        walk(body, [], keys, strings)
    raw = json.dumps(tour)

    assert not [key for key in keys if LINKING_KEY.search(key)]
    assert not [s for s in strings if UUID_DASHED.search(s) or UUID_HEX.fullmatch(s)]
    response_ids = list(SurveyResponse.objects.values_list("pk", flat=True))
    assert len(response_ids) > 31  # the imported rounds and the survey response
    for pk in response_ids:
        assert str(pk) not in raw
        assert pk.hex not in raw
    emails = list(Employee.objects.filter(organization=acme).values_list("email", flat=True))
    emails += list(Invitation.objects.values_list("email", flat=True))
    assert emails
    assert not [email for email in emails if email in raw]
