"""The attacks an HR admin or a leader could make with nothing but ordinary access, each
performed against the product: every one of them recovered individual answers before.

1. a second wave into a published round, then subtract the two reports;
2. padding a suppressed cell with made-up history rows;
3. subtracting the exit pools of consecutive reports;
4. the stayers side of leavers vs stayers minus the trend points of the same rounds;
5. undoing the comment shuffle with the seed the report carried.
"""

import datetime as dt
import itertools
import zlib

import numpy as np
import pytest

from analytics.models import ReportSnapshot
from analytics.selectors import department_scope, report_scope, snapshot_of_round
from analytics.services import snapshot_compute
from surveys.errors import ImportRejected
from surveys.models import Round, SurveyResponse, Wave
from surveys.services.responses import responses_import
from tests.analytics.scenario import Company
from tests.api.support import ACME, session

pytestmark = pytest.mark.django_db
K = 5


def day(month: int) -> dt.date:
    return dt.date(2026, month, 12)


@pytest.fixture
def company(acme) -> Company:
    return Company(acme)


def published(org) -> list[dict]:
    return [s.data for s in ReportSnapshot.objects.filter(organization=org).order_by("pk")]


def differences(figures):
    """Every pair of published (n, n x mean) of one figure: what subtraction isolates."""
    for (n1, s1), (n2, s2) in itertools.combinations(figures, 2):
        if n1 != n2:
            yield abs(n1 - n2), abs(s1 - s2) / abs(n1 - n2)


# --- 1. A second wave into a published round --------------------------------------------------


def test_no_wave_is_launched_into_a_published_round(alice, acme, company):
    people = company.hire(12)
    round_ = company.round(day(8), answering=people[:11])
    before = snapshot_of_round(round_=round_)
    newcomer = company.hire(1)[0]
    client = session(alice)

    page = client.post(
        f"/o/acme/campaigns/{company.pulse.pk}/launch/", {"round": round_.label}, follow=True
    )
    api = client.post(
        f"{ACME}/campaigns/{company.pulse.pk}/launch/", {"round": round_.label}, format="json"
    )

    assert "is frozen" in page.content.decode()
    assert api.status_code == 400
    assert "is frozen" in api.json()["detail"]
    assert not Wave.objects.filter(round=round_, invitations__email=newcomer.email).exists()
    assert Wave.objects.filter(round=round_).count() == 2
    assert snapshot_of_round(round_=round_).pk == before.pk
    # A wave launched without a round goes into a new one, never the published one.
    later = client.post(f"{ACME}/campaigns/{company.pulse.pk}/launch/", {}, format="json")
    assert later.status_code == 201
    assert later.json()["round"] != round_.label


def test_leavers_marked_after_a_report_go_into_a_new_round(hr_client, acme, company):
    people = company.hire(12)
    round_ = company.round(dt.date.today().replace(day=1), answering=people[:11])
    leaver = people[0]

    hr_client.post(
        f"/o/acme/roster/{leaver.pk}/leaver/",
        {"leaving_date": dt.date.today().isoformat(), "confirm": "1"},
    )

    exit_invitation = leaver.invitations.get(wave__campaign=company.exit)
    assert exit_invitation.wave.round != round_
    assert exit_invitation.wave.round.sequence > round_.sequence


# --- 2. Padding a suppressed cell with history ------------------------------------------------


def test_history_cannot_pad_a_live_round(hr_client, acme, company):
    """One person in Lisbon is hidden; four made-up Lisbon rows would make five."""
    people = company.hire(11) + company.hire(1, location="Lisbon")
    round_ = company.round(day(8), answering=people)
    lisbon = next(
        e
        for e in snapshot_of_round(round_=round_).data["stated_vs_lived"]
        if e["segment"] == "location:Lisbon"
    )
    assert lisbon["n_employees"] is None
    padding = "kind,wave,location,od1,od2\n" + "pulse,2026-08,Lisbon,3,3\n" * 4

    response = hr_client.post("/o/acme/history/", {"file": _upload(padding)})

    assert response.status_code == 400
    assert "holds answers collected in culturesurvey" in response.content.decode()
    assert SurveyResponse.objects.filter(wave__round=round_).count() == 12
    # Nor into a live round that has no report yet.
    company.hire(3)
    open_wave = company.pulse.waves.create(
        round=Round.objects.create(
            organization=acme, label="2026-09", sequence=round_.sequence + 1
        ),
        number=9,
        opens_on=day(9),
    )
    with pytest.raises(ImportRejected, match="holds answers collected"):
        responses_import(organization=acme, content=padding.replace("2026-08", "2026-09"))
    assert not open_wave.responses.exists()


def test_history_goes_only_into_rounds_older_than_every_live_round(acme, company):
    people = company.hire(12)
    live = company.round(day(8), answering=people[:11])

    with pytest.raises(ImportRejected, match="history must be older than the round 2026-08"):
        responses_import(organization=acme, content="kind,wave,od1,od2\npulse,2026-09,3,3\n")
    responses_import(organization=acme, content="kind,wave,od1,od2\n" + "pulse,2025-11,3,3\n" * 6)

    older = Round.objects.get(label="2025-11")
    live.refresh_from_db()
    assert older.sequence < live.sequence


def test_imported_rows_never_make_a_cell_publishable(acme, company):
    """An exit pool of 9 imported rows and 1 live leaver reaches 10, but only 1 is live."""
    history = "kind,wave,od1,od2\n" + "exit,2025-11,2,4\n" * 9 + "pulse,2025-11,3,3\n" * 12
    responses_import(organization=acme, content=history)
    people = company.hire(14)
    company.round(day(1), answering=people[:12], leaving=people[12:13])
    company.round(day(4), answering=people[:12])

    april = snapshot_of_round(round_=Round.objects.get(label="2026-04")).data
    pool = [e for e in april["leavers_vs_stayers"] if e["segment"] == "all"]

    # 2025-Q4 (9 imported exits) joined 2026-Q1 (1 live leaver): 10, but 1 live. Not shown.
    assert [e["waves"] for e in pool] == [["2025-11", "2026-01"]]
    assert [e["n_exit"] for e in pool] == [None]
    assert april["withheld_for_differencing"] >= 1


# --- 3. Exit pools of consecutive reports -----------------------------------------------------

EXITS = {2: 4, 3: 4, 4: 3, 5: 1, 6: 4, 7: 0}


def exit_year(company: Company) -> None:
    """Stayers answer every month; 4, 4, 3, 1, 4 people leave from February to June."""
    stayers = company.hire(14, department="Sales") + company.hire(14, department="Engineering")
    leavers = company.hire(sum(EXITS.values()), department="Sales")
    for month in range(1, 8):
        leaving = [leavers.pop() for _ in range(EXITS.get(month, 0))]
        company.round(day(month), answering=stayers, leaving=leaving)


def test_consecutive_reports_never_share_a_leaver(acme, company, petra):
    exit_year(company)

    pools = [
        (data["wave"], e)
        for data in published(acme)
        for e in data["leavers_vs_stayers"]
        if e["n_exit"] is not None
    ]
    shown = {tuple(e["waves"]) for _wave, e in pools}
    # Q1 held 8 exits, too few: it joined Q2, and the pool was shown once, in July.
    assert shown == {("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")}
    assert {wave for wave, _e in pools} == {"2026-07"}
    for a, b in itertools.combinations(shown, 2):
        assert not set(a) & set(b)
    by_figure: dict = {}
    for _wave, e in pools:
        by_figure.setdefault((e["value"], e["segment"]), []).append(
            (e["n_exit"], e["n_exit"] * e["exit_mean"])
        )
    for figures in by_figure.values():
        assert all(not 0 < n < K for n, _mean in differences(figures))
    # A department-scoped leader sees a part of the same figures, nothing of their own.
    engineering = department_scope(reach=petra.memberships.get())
    for data in published(acme):
        scoped = report_scope(data=data, scope=engineering)
        assert all(e in data["leavers_vs_stayers"] for e in scoped["leavers_vs_stayers"])


# --- 4. The stayers side minus trend points ---------------------------------------------------


def test_the_stayers_side_leaves_out_rounds_below_k(acme, company):
    stayers = company.hire(10)
    leavers = company.hire(12)
    company.round(day(1), answering=stayers, leaving=leavers[:5])
    company.round(day(2), answering=stayers[:1], leaving=leavers[5:8])  # one answered
    company.round(day(3), answering=stayers, leaving=leavers[8:])
    company.round(day(4), answering=stayers)

    april = snapshot_of_round(round_=Round.objects.get(label="2026-04")).data
    entry = next(e for e in april["leavers_vs_stayers"] if e["segment"] == "all")
    trend = next(t for t in april["trends"] if t["value"] == "open_door")
    points = {p["wave"]: p for p in trend["waves"] if p["n"] is not None}

    assert entry["waves"] == ["2026-01", "2026-02", "2026-03"]
    assert entry["stayer_waves"] == ["2026-01", "2026-03"]
    assert "2026-02" not in points
    # The attack: stayers n x mean minus the published points of the same rounds.
    rest_n = entry["n_lived"] - sum(points[w]["n"] for w in entry["stayer_waves"])
    rest_sum = entry["n_lived"] * entry["lived_mean"] - sum(
        points[w]["n"] * points[w]["mean"] for w in entry["stayer_waves"]
    )
    assert rest_n == 0
    assert rest_sum == pytest.approx(0, abs=1e-9)


# --- 5. Comments ------------------------------------------------------------------------------


def test_the_comment_order_cannot_be_undone(acme, company):
    """Two comment questions: each response wrote two comments. The report's order once came
    from a seed its fingerprint gave away, and undone it put each response's two comments
    side by side."""
    company.pulse.questions.add(
        acme.questions.create(code="better", type="text", text="What would make it better?"),
        through_defaults={"position": 99},
    )
    people = company.hire(20)

    def answers(i):
        return {"od1": 3, "od2": 3, "enps": 7, "comment": f"{i} likes", "better": f"{i} wants"}

    round_ = company.round(day(8), answering=people, answers=answers)
    data = snapshot_of_round(round_=round_).data
    items = data["comments"]["items"]
    authors = [item["text"].split()[0] for item in items]

    assert len(items) == 40
    # As published: never two comments of one response next to each other.
    assert all(a != b for a, b in itertools.pairwise(authors))
    # Undone with the seed the report carried, as the attack did.
    seed = zlib.crc32(f"comments|{data['fingerprint']}".encode())
    undone: list = [None] * len(items)
    for position, original in enumerate(np.random.default_rng(seed).permutation(len(items))):
        undone[original] = authors[position]
    linked = sum(a == b for a, b in itertools.pairwise(undone))
    assert linked < 10  # chance alone links about one pair; the attack linked all 20
    # Computed again, the same answers come out in another order: nothing stored fixes it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("analytics.stats.METHOD_VERSION", "9.9")
        again = snapshot_compute(organization=acme, round_=round_, recompute=True)[0]
    assert [i["text"] for i in again.data["comments"]["items"]] != [i["text"] for i in items]


def _upload(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("history.csv", text.encode(), content_type="text/csv")


@pytest.fixture
def hr_client(alice):
    from django.test import Client

    client = Client()
    client.force_login(alice)
    return client
