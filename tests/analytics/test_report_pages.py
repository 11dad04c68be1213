"""The leader's report pages and exports: what they show, to whom, and that they log access."""

import csv
import datetime as dt
import io
import json
import re

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from analytics.models import AccessLog, Action, AnalysisJob, ReportSnapshot
from analytics.report.format import format_mean, round_mean, round_pct
from analytics.services import snapshot_compute
from surveys.models import Round
from surveys.services.responses import responses_import
from tests.analytics.test_engine import employees_answers, history
from tests.api.support import ACME, session
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def snapshot(acme):
    responses_import(organization=acme, content=history(employees_answers()))
    return snapshot_compute(organization=acme, round_=Round.objects.get(label="2026-09"))[0]


def segment(org, department: str) -> str:
    """A department's segment in a report: department:<id>."""
    return f"department:{org.departments.get(name=department).pk}"


def report_urls(wave: str = "2026-09") -> list[str]:
    return [
        "/o/acme/report/",
        f"/o/acme/report/{wave}/",
        f"/o/acme/report/{wave}/export.pdf",
        f"/o/acme/report/{wave}/export.csv",
        f"/o/acme/report/{wave}/export.xlsx",
        "/o/acme/access-log/",
    ]


def test_a_leader_lands_on_the_latest_report(leo, snapshot):
    client = client_for(leo)
    assert client.get("/")["Location"] == "/o/acme/report/"
    body = client.get("/o/acme/report/").content.decode()
    assert "Gap report · 2026-09" in body
    assert "Blind spot" in body
    assert "Open door" in body


def test_the_page_shows_every_figure_with_its_n_and_rounding(leo, snapshot):
    body = client_for(leo).get("/o/acme/report/").content.decode()
    cell = next(e for e in snapshot.data["stated_vs_lived"] if e["segment"] == "all")
    employees, leaders = round_mean(cell["employee_mean"]), round_mean(cell["leader_mean"])
    assert f'{employees:.1f} <span class="muted small">n={cell["n_employees"]}' in body
    assert f'{leaders:.1f} <span class="muted small">n=3' in body
    assert f"{round_pct(cell['employee_favorable_pct'])}%" in body


def test_suppressed_cells_show_no_figures_on_the_page_or_in_exports(leo, acme, snapshot):
    hidden = [e for e in snapshot.data["stated_vs_lived"] if e["classification"] == "suppressed"]
    assert {e["segment"] for e in hidden} >= {segment(acme, "Platform"), "location:Lisbon"}
    client = client_for(leo)

    page = client.get("/o/acme/report/2026-09/").content.decode()
    assert page.count("fewer than k</td>") == len(hidden)

    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/o/acme/report/2026-09/export.csv").content.decode("utf-8-sig"))
        )
    )
    by_segment: dict[str, dict[str, dict]] = {}
    for r in rows:
        if r["view"] == "stated_vs_lived":
            by_segment.setdefault(r["segment"], {})[r["figure"]] = r
    named = {segment(acme, "Platform"): "department:Platform"}
    for entry in hidden:
        row = by_segment[named.get(entry["segment"], entry["segment"])]
        assert row["classification"]["text"] == "suppressed"
        for figure in ("employee_mean", "n_employees", "gap"):
            assert (row[figure]["number"], row[figure]["text"]) == ("", "withheld")

    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/o/acme/report/2026-09/export.xlsx").content)
    )
    sheet = book["Values by segment"]
    header = [c.value for c in sheet[1]]
    withheld = 0
    for row in sheet.iter_rows(min_row=2, values_only=True):
        record = dict(zip(header, row, strict=False))
        if record["Classification"] == "Fewer than k responses":
            withheld += 1
            assert record["Employees' mean"] is None
            assert record["Employees (n)"] is None
    assert withheld == len(hidden)


def test_exports_are_files_with_names_and_every_view_is_logged(leo, snapshot):
    client = client_for(leo)
    pdf = client.get("/o/acme/report/2026-09/export.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == 'attachment; filename="acme-gap-report-2026-09.pdf"'
    client.get("/o/acme/report/")
    client.get("/o/acme/report/2026-09/export.csv")

    log = list(AccessLog.objects.order_by("id").values_list("username", "action", "wave"))
    assert log == [
        ("leo", "export_pdf", "2026-09"),
        ("leo", "view_report", "2026-09"),
        ("leo", "export_csv", "2026-09"),
    ]
    body = client.get("/o/acme/access-log/").content.decode()
    assert "Exported PDF" in body
    assert "Viewed the report" in body


def test_hr_admins_read_the_access_log_too(alice, leo, snapshot):
    client_for(leo).get("/o/acme/report/")
    body = client_for(alice).get("/o/acme/access-log/").content.decode()
    assert "leo" in body


def test_another_organizations_leader_gets_404_everywhere(charlie, snapshot):
    other_leader = UserFactory(username="oscar")
    MembershipFactory(
        user=other_leader, organization=charlie.memberships.get().organization, role="leader"
    )
    for user in (charlie, other_leader):
        client = client_for(user)
        for url in report_urls():
            assert client.get(url).status_code == 404, (user, url)
    assert not AccessLog.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(snapshot):
    for url in report_urls():
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_scoped_leader_sees_only_their_subtree(petra, snapshot):
    client = client_for(petra)
    page = client.get("/o/acme/report/").content.decode()
    assert "Your view: Engineering, Platform and company-wide figures." in page
    assert "Sales" not in page
    assert "Berlin" not in page

    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/o/acme/report/2026-09/export.csv").content.decode("utf-8-sig"))
        )
    )
    segments = {r["segment"] for r in rows if r["view"] == "stated_vs_lived"}
    assert segments == {"all", "department:Engineering", "department:Platform"}
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/o/acme/report/2026-09/export.xlsx").content)
    )
    named = {c.value for c in book["Values by segment"]["C"][1:]}
    assert named == {"Whole company", "Department: Engineering", "Department: Platform"}
    assert set(AccessLog.objects.values_list("scope", flat=True)) == {"Engineering, Platform"}


def test_the_reused_page_body_is_never_shared_across_scopes(leo, petra, snapshot):
    """The report's body is rendered once per snapshot, scope and language and then reused:
    a whole-company reader first must not hand a scoped leader the whole company."""
    whole = client_for(leo).get("/o/acme/report/").content.decode()
    assert "Sales" in whole

    scoped = client_for(petra).get("/o/acme/report/").content.decode()
    assert "Sales" not in scoped
    assert "Berlin" not in scoped
    again = client_for(leo).get("/o/acme/report/").content.decode()
    assert body_of(again) == body_of(whole)


def test_a_report_is_derived_from_its_snapshot_once_and_then_reused(leo, snapshot, monkeypatch):
    import analytics.views

    calls = []
    view = analytics.views.ReportView
    monkeypatch.setattr(analytics.views, "ReportView", lambda data: calls.append(1) or view(data))
    client = client_for(leo)
    with CaptureQueriesContext(connection) as queries:
        pages = [client.get("/o/acme/report/").content.decode() for _ in range(3)]

    assert len(calls) == 1
    # Only the first view reads the snapshot's data.
    reads = [q for q in queries.captured_queries if '"data"' in q["sql"]]
    assert len(reads) == 1
    assert body_of(pages[0]) == body_of(pages[2])
    assert AccessLog.objects.filter(action="view_report").count() == 3  # every view is logged


def test_the_report_page_is_shown_while_its_cache_is_away(leo, snapshot, monkeypatch):
    import analytics.views

    whole = client_for(leo).get("/o/acme/report/").content.decode()

    # given a cache that cannot be reached (Redis away)
    def away(*args, **kwargs):
        raise ConnectionError("the cache is away")

    monkeypatch.setattr(analytics.views.cache, "get", away)
    monkeypatch.setattr(analytics.views.cache, "set", away)

    # when the leader opens the report, then it is rendered afresh, the same
    response = client_for(leo).get("/o/acme/report/")
    assert response.status_code == 200
    assert body_of(response.content.decode()) == body_of(whole)


def body_of(page: str) -> str:
    return page[page.index('<section id="overview"') : page.index('<section id="actions"')]


def test_a_leader_records_an_action_and_later_rounds_show_the_gap(leo, acme, snapshot):
    client = client_for(leo)
    response = client.post(
        "/o/acme/report/2026-09/actions/",
        {
            "value": "open_door",
            "owner": "Maren",
            "due_on": "2026-12-01",
            "description": "Monthly open Q&A with the leadership team.",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    first_gap = next(e["gap"] for e in snapshot.data["stated_vs_lived"] if e["segment"] == "all")
    assert action.gap_at_start == pytest.approx(first_gap)

    # The next round: employees now rate open door higher.
    better = [(4, 1, 9)] * 31
    responses_import(organization=acme, content=history(better, label="2026-10"))
    later = snapshot_compute(organization=acme, round_=Round.objects.get(label="2026-10"))[0]
    body = client.get("/o/acme/report/2026-10/").content.decode()
    now = next(e["gap"] for e in later.data["stated_vs_lived"] if e["segment"] == "all")
    assert abs(now) < abs(first_gap)
    assert "Monthly open Q&amp;A with the leadership team." in body
    # From +2.4 to +0.2: below the quarter point that counts as closed, and the page says so.
    assert (round(first_gap, 1), round(now, 1)) == (2.4, 0.2)
    assert '<td>+2.4 → +0.2 <span class="badge progress-closed">gap closed</span>' in body


def test_bad_actions_are_refused_with_a_message(leo, snapshot):
    response = client_for(leo).post(
        "/o/acme/report/2026-09/actions/", {"value": "open_door", "owner": ""}, follow=True
    )
    assert "Name who owns the action." in response.content.decode()
    assert not Action.objects.exists()


GOOD_ACTION = {
    "value": "open_door",
    "owner": "Maren",
    "due_on": "2026-12-01",
    "description": "Monthly open Q&A.",
}


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("value", "synergy", "Value: Choose a value of this report."),
        ("owner", "", "Owner: Name who owns the action."),
        ("due_on", "01/12/2026", "Due on: Give the due date as YYYY-MM-DD."),
        ("description", "", "Description: Say what will change."),
    ],
)
def test_each_bad_action_field_is_named_in_the_message_and_nothing_is_recorded(
    leo, snapshot, field, bad, message
):
    response = client_for(leo).post(
        "/o/acme/report/2026-09/actions/", {**GOOD_ACTION, field: bad}, follow=True
    )
    assert message in response.content.decode()
    assert not Action.objects.exists()


def test_an_action_on_a_segment_the_reader_cannot_see_is_not_found(petra, snapshot):
    response = client_for(petra).post(
        "/o/acme/report/2026-09/actions/", {**GOOD_ACTION, "segment": "department:Sales"}
    )
    assert response.status_code == 404
    assert not Action.objects.exists()


def test_no_report_yet_offers_to_compute_it(alice, acme, open_wave, token_for, close_and_seal):
    from surveys.services.responses import response_accept

    response_accept(token=token_for(open_wave.invitations.first()), answers={"od1": 4})
    close_and_seal(open_wave)
    client = client_for(alice)
    body = client.get("/o/acme/report/").content.decode()
    assert "has not been computed yet" in body

    response = client.post("/o/acme/report/2026-08/compute/")
    job = AnalysisJob.objects.get()
    assert response["Location"] == f"/o/acme/jobs/{job.pk}/"
    status = client.get(f"/o/acme/jobs/{job.pk}/", HTTP_ACCEPT="application/json").json()
    assert status["status"] in ("queued", "running", "done")


def test_the_job_page_shows_progress_then_the_report(alice, acme, snapshot):
    job = AnalysisJob.objects.create(
        organization=acme,
        round=snapshot.round,
        status="running",
        progress=40,
        stage="stated vs lived: open_door",
    )
    client = client_for(alice)
    page = client.get(f"/o/acme/jobs/{job.pk}/")
    assert '<meta http-equiv="refresh" content="2">' in page.content.decode()
    assert 'data-refresh="2"' in page.content.decode()  # js/refresh.js follows it in place
    assert 'value="40"' in page.content.decode()
    AnalysisJob.objects.filter(pk=job.pk).update(status="done", progress=100, snapshot=snapshot)
    assert client.get(f"/o/acme/jobs/{job.pk}/")["Location"] == "/o/acme/report/2026-09/"
    data = client.get(f"/o/acme/jobs/{job.pk}/", HTTP_ACCEPT="application/json").json()
    assert data == {
        "status": "done",
        "progress": 100,
        "stage": "stated vs lived: open_door",
        "error": "",
        "report_url": "/o/acme/report/2026-09/",
    }


def test_page_and_snapshot_agree_on_every_shown_company_figure(leo, snapshot):
    body = client_for(leo).get("/o/acme/report/").content.decode()
    data = json.loads(json.dumps(snapshot.data))
    for entry in data["stated_vs_lived"]:
        if entry["classification"] not in ("suppressed",) and entry["segment"] == "all":
            assert f"n={entry['n_employees']}" in body
    assert ReportSnapshot.objects.count() == 1


def _action_on(acme, snapshot, segment: str) -> Action:
    from analytics.services import action_create

    return action_create(
        snapshot=snapshot,
        value_code="open_door",
        owner="Maren",
        due_on=dt.date(2026, 12, 1),
        description="Monthly open Q&A.",
        user=None,
        segment=segment,
    )


def test_a_scoped_leader_cannot_mark_another_departments_action_done(petra, acme, snapshot):
    sales = _action_on(acme, snapshot, segment(acme, "Sales"))

    # given petra, a leader scoped to Engineering, and an action on Sales
    page = client_for(petra).post(f"/o/acme/actions/{sales.pk}/done/")
    api = session(petra).patch(f"{ACME}/actions/{sales.pk}/", {"status": "done"}, format="json")

    # then both the page and the API answer that it does not exist, and nothing changes
    assert page.status_code == 404
    assert api.status_code == 404
    assert Action.objects.get(pk=sales.pk).status == "open"


@pytest.mark.parametrize("department", [None, "Platform", "Engineering"])
def test_a_scoped_leader_marks_actions_of_their_own_scope_done(petra, acme, snapshot, department):
    action = _action_on(acme, snapshot, segment(acme, department) if department else "all")

    response = client_for(petra).post(f"/o/acme/actions/{action.pk}/done/")

    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).status == "done"


def test_unscoped_leaders_and_hr_admins_mark_any_action_done(leo, alice, acme, snapshot):
    for user in (leo, alice):
        action = _action_on(acme, snapshot, segment(acme, "Sales"))

        response = client_for(user).post(f"/o/acme/actions/{action.pk}/done/")

        assert response.status_code == 302
        assert Action.objects.get(pk=action.pk).status == "done"


def test_marking_an_action_done_is_refused_for_another_organization(charlie, acme, snapshot):
    action = _action_on(acme, snapshot, "all")

    assert client_for(charlie).post(f"/o/acme/actions/{action.pk}/done/").status_code == 404
    assert client_for(charlie).post(f"/o/globex/actions/{action.pk}/done/").status_code == 404
    assert Action.objects.get(pk=action.pk).status == "open"


def test_the_heatmap_scrolls_sideways_in_a_region_the_keyboard_reaches(leo, snapshot):
    body = client_for(leo).get("/o/acme/report/").content.decode()
    heatmap = body[body.index('<section id="heatmap"') : body.index('<section id="newhires"')]

    # Each table sits in its own named region that takes the focus (arrow keys scroll it)...
    regions = re.findall(
        r'<h3 id="(heatmap-[a-z_]+)">[^<]+</h3>\s*<div class="table-wrap scroll" role="region"'
        r' tabindex="0" aria-labelledby="(heatmap-[a-z_]+)">\s*<table>',
        heatmap,
    )
    assert regions
    assert all(heading == label for heading, label in regions)
    assert heatmap.count("<table>") == len(regions)
    assert ("heatmap-department", "heatmap-department") in regions
    # ...which scrolls rather than overflowing the page, its value names kept in view.
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    assert re.search(r"\.table-wrap \{[^}]*overflow-x: auto;", css)
    assert re.search(r"\.heatmap tbody th\[scope=\"row\"\][^{]*\{[^}]*position: sticky", css)


@pytest.mark.parametrize(("reader", "most"), [("leo", 6), ("petra", 8)])
def test_a_report_page_view_costs_a_bounded_number_of_queries(
    reader, most, request, acme, snapshot, django_assert_max_num_queries
):
    """Session, user, membership, the rounds with their snapshots, the access log and the
    actions (and the reader's departments for a scoped leader): however many actions and
    rounds there are."""
    user = request.getfixturevalue(reader)
    for department in ("Engineering", "Platform", "Sales", None):
        _action_on(acme, snapshot, segment(acme, department) if department else "all")
    client = client_for(user)
    client.get("/o/acme/report/")  # the page's body is derived from the snapshot once

    for url in ("/o/acme/report/", "/o/acme/report/2026-09/"):
        with django_assert_max_num_queries(most):
            response = client.get(url)
        assert response.status_code == 200
        assert "Monthly open Q&amp;A." in response.content.decode()
    assert AccessLog.objects.filter(user=user, action="view_report").count() == 3


def test_the_heatmap_has_a_legend_for_every_colour_it_uses(leo, snapshot):
    """The number in a cell is the employees' mean, its colour the gap to leaders: the legend
    says which colour is which gap, in the method's bands, for every colour on the page."""
    body = client_for(leo).get("/o/acme/report/").content.decode()
    heatmap = body[body.index('<section id="heatmap"') : body.index('<section id="newhires"')]
    legend = heatmap[heatmap.index('<div class="heat-legend">') : heatmap.index("</ul>")]
    swatches = dict(
        re.findall(
            r'<span class="swatch" style="background:(#[0-9a-f]{6});[^"]*"[^>]*>[^<]*'
            r"</span> ([^<]+)</li>",
            legend,
        )
    )
    used = set(re.findall(r'<td class="num heat" style="background:(#[0-9a-f]{6})', heatmap))

    assert used
    assert used <= set(swatches)
    assert len(swatches) == 11  # five bands each way and the near-white one
    labels = list(swatches.values())
    assert labels[0] == "Leaders rate it 2 or more higher"
    assert "Leaders rate it 0.5 to 1 higher" in labels
    assert labels[5] == "Within 0.25 of each other"
    assert labels[-1] == "Employees rate it 2 or more higher"
    assert (
        "Not shown: fewer than k responses" in heatmap[heatmap.index('<div class="heat-legend">') :]
    )


def test_a_round_without_a_report_names_earlier_and_later_reports_as_such(leo, acme):
    """The page of a round not computed yet lists the other rounds' reports; a later round
    must not be called earlier (2026-09's page once said "Earlier reports: 2026-10")."""
    for label in ("2026-08", "2026-09", "2026-10"):
        responses_import(organization=acme, content=history(employees_answers(), label=label))
    for label in ("2026-08", "2026-10"):
        snapshot_compute(organization=acme, round_=Round.objects.get(label=label))

    body = client_for(leo).get("/o/acme/report/2026-09/").content.decode()

    assert "has not been computed yet" in body
    earlier = body[body.index("Earlier reports:") :].split("</p>")[0]
    later = body[body.index("Later reports:") :].split("</p>")[0]
    assert ">2026-08<" in earlier
    assert "2026-10" not in earlier
    assert ">2026-10<" in later
    assert "2026-08" not in later


def test_each_flag_says_what_to_do_and_leads_to_recording_an_action(leo, snapshot):
    data = ReportSnapshot.objects.get().data
    flagged = [
        c["value"]
        for c in data["stated_vs_lived"]
        if c["segment"] == "all" and c["classification"] in ("blind_spot", "shared_weakness")
    ]
    assert flagged  # the fixture's round has a value to act on

    body = client_for(leo).get("/o/acme/report/").content.decode()
    values = body[body.index('<section id="values"') : body.index('<section id="heatmap"')]
    assert values.count('<details class="next-step"><summary>What to do</summary>') >= len(flagged)
    assert "read the comments on it" in values or "pick one concrete" in values
    for code in flagged:
        assert f'href="?act={code}#actions"' in values

    # The link opens the report with that value chosen in the action form.
    chosen = client_for(leo).get(f"/o/acme/report/?act={flagged[0]}").content.decode()
    assert re.search(rf'<option value="{flagged[0]}" selected>', chosen)
    assert chosen.count(" selected>") == 1


def test_the_page_opens_with_the_key_findings_in_plain_words(leo, snapshot):
    data = ReportSnapshot.objects.get().data
    blind_spots = [
        c["value"]
        for c in data["stated_vs_lived"]
        if c["segment"] == "all" and c["classification"] == "blind_spot"
    ]
    names = {v["code"]: v["name"] for v in data["values"]}
    body = client_for(leo).get("/o/acme/report/").content.decode()
    findings = body[body.index('<div class="card key-findings">') :].split("</div>")[0]

    # First on the page, before every figure, in words a leader reads without the method.
    assert body.index("Key findings") < body.index("Self-deception index")
    assert blind_spots  # the fixture's round has one
    line = findings[findings.index("<strong>Blind spots</strong>") :].split("</li>")[0]
    assert "leaders rate the value clearly above what employees experience" in line
    assert all(names[code] in line for code in blind_spots)
    # The index is explained on tap or click, not in a hover-only tooltip.
    assert '<details class="explain"><summary>What is this?</summary>' in body
    assert "<abbr" not in body[: body.index('<section id="values"')]


def test_a_trend_card_says_in_words_whether_a_change_is_clear(leo, acme):
    for label, seed in (("2026-09", 1), ("2026-10", 5)):
        responses_import(organization=acme, content=history(employees_answers(seed), label=label))
    snapshot, _ = snapshot_compute(organization=acme, round_=Round.objects.get(label="2026-10"))
    changes = {
        t["value"]: t["change"]
        for t in snapshot.data["trends"]
        if t["change"] and t["change"]["change"] is not None
    }
    assert changes

    body = client_for(leo).get("/o/acme/report/2026-10/").content.decode()
    trends = body[body.index('<section id="trends"') :]
    names = {v["code"]: v["name"] for v in snapshot.data["values"]}
    for code, change in changes.items():
        card = trends[trends.index(f"<h3>{names[code]}") :].split('<div class="card">')[0]
        words = "a clear change" if change["q_value"] < 0.05 else "within what chance explains"
        shown = format_mean(change["change"], signed=True)
        assert f"2026-09 → 2026-10: employees' mean {shown}, {words}" in card
        assert words in card


def test_the_page_and_the_pdf_say_what_employees_write_about_a_value(leo, acme):
    # given a round where seven people write the same words in the value's comment box and
    # four others write about being heard
    from analytics.report.exports.pdf import report_pdf_html
    from analytics.selectors import report_data
    from tests.analytics.test_value_themes_report import (
        ENGINEERS,
        SALES,
        build,
        with_comment_boxes,
    )

    organization = with_comment_boxes()
    comments = {i: ["Managers really listen to every concern"] for i in SALES[:7]}
    comments |= {i: ["Concerns are heard, managers listen"] for i in ENGINEERS[:4]}
    data = build(organization, comments)
    assert any(e["shown"] and e["themes"] for e in data["themes"]["values"])

    page = client_for(leo).get("/o/acme/report/").content.decode()
    # then the value's row says it in words, the quotes sit inside a <details>
    line = re.search(r'<tr class="voice" id="voice-open_door">(.*?)</tr>', page, re.S)
    assert line, "no line on what employees write about Open door"
    assert "what they write about it: managers really listen (11)" in line.group(1)
    details = re.search(
        r"<details><summary>What they write: quotes</summary>(.*?)</details>", line.group(1), re.S
    )
    assert details
    assert "Managers really listen to every concern ×7" in details.group(1)
    # and the comment list shows the repeated comment once, with its count
    comment_list = page[page.index('id="comments"') :]
    assert comment_list.count("Managers really listen to every concern") == 1
    assert "<li>Managers really listen to every concern ×7</li>" in comment_list
    assert "<li>Concerns are heard, managers listen ×4</li>" in comment_list

    # the PDF holds the same block
    snapshot = ReportSnapshot.objects.get(round__label="r1")
    pdf = re.sub(r"\s+", " ", report_pdf_html(report_data(snapshot=snapshot)))
    assert "<h3>What they write about it</h3>" in pdf
    assert "what they write about it: managers really listen (11)" in pdf
    assert "<li>Managers really listen to every concern ×7</li>" in pdf
