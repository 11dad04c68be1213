"""The anonymity of what comments say about each value, on reports built through the real
analysis path: answers imported, the report computed and stored, then read as the page, the
exports and the API read it.

Acme here (k = 5) has a comment box on its value "Open door" (five of them, so one person can
write the same words several times) next to the general "Anything else?". The employees are
those of tests/analytics/test_engine.py: Sales 20, Engineering 8 plus Platform 3 under it;
tenure 1_2y 27 / 2_5y 4; Berlin 20 (= Sales) / Lisbon 7 / Remote 4."""

import csv
import io

import pytest
import yaml
from django.test import Client

from analytics.report.view import ReportView
from analytics.selectors import ReportScope, report_scope
from analytics.services import snapshot_compute
from surveys.models import Round
from surveys.services.definitions import organization_load_definition
from surveys.services.responses import responses_import
from tests.analytics.test_engine import LAYOUT, employees_answers
from tests.conftest import ACME_FILE

pytestmark = pytest.mark.django_db
K = 5
BOXES = ("odc1", "odc2", "odc3", "odc4", "odc5")
SALES = [i for i, (department, _t, _l) in enumerate(LAYOUT) if department == "Sales"]
ENGINEERS = [i for i, (department, _t, _l) in enumerate(LAYOUT) if department == "Engineering"]


@pytest.fixture
def org(acme):
    return with_comment_boxes()


def with_comment_boxes():
    """Acme with five comment boxes on "Open door"."""
    data = yaml.safe_load(ACME_FILE.read_text(encoding="utf-8"))
    data["values"][0]["questions"] += [
        {"code": code, "perspective": "employee", "type": "text", "text": "What makes it so?"}
        for code in BOXES
    ]
    return organization_load_definition(data=data)


def build(org, comments: dict[int, list[str]], layout=LAYOUT, label="r1") -> dict:
    """The stored report of a round where employee i wrote comments[i] (one per box)."""
    answers = employees_answers()
    header = ["kind", "wave", "department", "tenure_band", "location", "od1", "od2", "odl"]
    header += ["enps", *BOXES]
    out = io.StringIO()
    lines = csv.writer(out, lineterminator="\n")
    lines.writerow(header)
    for odl in (5, 5, 4):
        lines.writerow(["leadership", label, "", "", "", "", "", str(odl), ""] + [""] * 5)
    for i, ((department, tenure, location), (od1, od2, enps)) in enumerate(
        zip(layout, answers, strict=False)
    ):
        boxes = [*comments.get(i, []), *[""] * 5][:5]
        row = ["pulse", label, department, tenure, location, str(od1), str(od2), "", str(enps)]
        lines.writerow(row + boxes)
    responses_import(organization=org, content=out.getvalue())
    snapshot, _ = snapshot_compute(organization=org, round_=Round.objects.get(label=label))
    return snapshot.data


def department(data, name: str) -> str:
    return f"department:{next(d['id'] for d in data['departments'] if d['name'] == name)}"


def themes_of(data, segment="all") -> dict | None:
    return next(
        (
            e
            for e in data["themes"]["values"]
            if e["value"] == "open_door" and e["segment"] == segment
        ),
        None,
    )


def phrases(entry) -> dict[str, int]:
    return {t["phrase"]: t["respondents"] for t in entry["themes"]}


def figures_shown(data, segment) -> bool:
    return any(
        e["segment"] == segment
        and e["value"] == "open_door"
        and e["classification"] != "suppressed"
        for e in data["stated_vs_lived"]
    )


def test_themes_need_at_least_max_k_10_respondents(org):
    # given nine employees who all write the same words (k = 5 would allow their figures)
    comments = {i: ["Managers listen to every concern"] for i in range(9)}
    data = build(org, comments, layout=LAYOUT[:9])
    # then the whole company's figures are shown but nothing of what they wrote
    assert figures_shown(data, "all")
    entry = themes_of(data)
    assert entry["shown"] is False
    assert entry["themes"] == []
    assert entry["quotes"] == []
    assert (entry["n_respondents"], entry["n_commenters"], entry["n_comments"]) == (None,) * 3
    assert data["themes"]["min_group_size"] == 10
    assert "Managers listen" not in str(data["themes"])


def test_themes_need_k_commenters_on_the_value_even_with_enough_respondents(org):
    # given 31 respondents of whom four write about the value, in the same words
    comments = {i: ["Managers listen to every concern"] for i in SALES[:4]}
    data = build(org, comments)
    entry = themes_of(data)
    assert entry["shown"] is False
    assert "Managers listen" not in str(data["themes"])
    # and with a fifth commenter they are shown
    comments[SALES[4]] = ["Managers listen to every concern"]
    shown = themes_of(build(org, comments, label="r2"))
    assert shown["shown"] is True
    assert shown["n_commenters"] == 5
    assert phrases(shown)["managers listen"] == 5


def test_one_person_repeating_a_phrase_counts_once(org):
    # given one employee who writes the same rare phrase in all five boxes, one more who
    # writes it once, and six others who write about something else
    comments = {SALES[0]: ["The purple elephant in the room"] * 5}
    comments[SALES[1]] = ["A purple elephant nobody names"]
    for i in SALES[2:8]:
        comments[i] = ["Late evenings before each release"]
    entry = themes_of(build(org, comments))
    # then the phrase of two people is never shown, however often one of them wrote it
    assert entry["shown"] is True
    found = phrases(entry)
    assert not [p for p in found if "purple" in p or "elephant" in p], found
    assert found["late evenings"] == 6
    assert all(n >= 3 for n in found.values())
    assert not [q for q in entry["quotes"] if "elephant" in q["text"]]
    assert entry["n_comments"] == 12
    assert entry["n_commenters"] == 8


def test_a_segments_themes_are_withheld_where_its_figures_are(org):
    # given enough commenters in every tenure band and location with at least ten people
    comments = {i: ["Managers listen to every concern"] for i in range(len(LAYOUT))}
    data = build(org, comments)
    # tenure 1_2y has 27 people and 27 commenters, but its figures are withheld (2_5y has 4)
    assert not figures_shown(data, "tenure_band:1_2y")
    assert themes_of(data, "tenure_band:1_2y") is None
    # Berlin (= Sales, 20) publishes its figures and so its themes
    assert figures_shown(data, "location:Berlin")
    assert themes_of(data, "location:Berlin")["shown"] is True
    # every shown segment of the value publishes its figures; the hidden ones carry nothing
    for entry in data["themes"]["values"]:
        if entry["segment"] != "all":
            assert entry["shown"], entry["segment"]
            assert figures_shown(data, entry["segment"]), entry["segment"]


def test_themes_of_a_department_and_the_company_cannot_be_subtracted(org):
    """An attack: Sales's five commenters and two engineers all write "fear of retaliation".
    The company's count (7) minus Sales's (5) would tell that both engineers wrote it."""
    comments = {i: ["There is a fear of retaliation here"] for i in SALES[:5]}
    comments |= {i: ["Honestly a fear of retaliation"] for i in ENGINEERS[:2]}
    data = build(org, comments)
    company = themes_of(data)
    assert company["shown"] is True
    assert phrases(company)["retaliation"] == 7
    assert figures_shown(data, department(data, "Sales"))  # its figures are published
    # then Sales's themes are withheld, and Berlin's (the same 5 commenters) too
    assert themes_of(data, department(data, "Sales")) is None
    assert themes_of(data, "location:Berlin") is None
    # and no two shown segments of the value differ by 1 to k-1 commenters
    assert_no_small_difference(data, comments)


def test_themes_of_a_department_and_its_parent_cannot_be_subtracted(org):
    """An attack one level down: Engineering (11 people) against its department Platform is
    not possible (Platform has 3), so against the company: the company's commenters are
    Engineering's plus 3 in Sales."""
    comments = {i: ["Nobody dares raise a concern"] for i in ENGINEERS}  # 8 engineers
    comments |= {i: ["Nobody dares raise a concern"] for i in SALES[:3]}
    data = build(org, comments)
    assert figures_shown(data, department(data, "Engineering"))
    assert themes_of(data)["shown"] is True
    assert phrases(themes_of(data))["dares raise"] == 11
    assert themes_of(data, department(data, "Engineering")) is None
    assert themes_of(data, department(data, "Sales")) is None
    assert_no_small_difference(data, comments)


def assert_no_small_difference(data, comments):
    """Every pair of shown nested segments differs by 0 or at least k commenters."""
    members = {
        "all": set(range(len(LAYOUT))),
        **{
            department(data, name): {i for i, p in enumerate(LAYOUT) if p[0] in names}
            for name, names in (
                ("Sales", {"Sales"}),
                ("Engineering", {"Engineering", "Platform"}),
                ("Platform", {"Platform"}),
            )
        },
        **{
            f"{dimension}:{category}": {
                i
                for i, p in enumerate(LAYOUT)
                if p[1 if dimension == "tenure_band" else 2] == category
            }
            for dimension, categories in (
                ("tenure_band", ("1_2y", "2_5y")),
                ("location", ("Berlin", "Lisbon", "Remote")),
            )
            for category in categories
        },
    }
    shown = [
        members[e["segment"]] & set(comments)
        for e in data["themes"]["values"]
        if e["value"] == "open_door" and e["shown"]
    ]
    for a in shown:
        assert len(a) >= K
        for b in shown:
            if b < a:
                assert len(a - b) >= K, (len(a), len(b))


@pytest.fixture
def sales_and_company(org):
    """A round where Sales's themes are shown: every employee writes about the value, Sales
    people about the rota and engineers about the late evenings."""
    comments = {i: ["The sales rota is never discussed openly"] for i in SALES}
    comments |= {
        i: ["Late evenings are never questioned"] for i, p in enumerate(LAYOUT) if p[0] != "Sales"
    }
    data = build(org, comments)
    assert themes_of(data, department(data, "Sales"))["shown"] is True
    assert "sales rota" in str(phrases(themes_of(data, department(data, "Sales"))))
    return data


def test_a_scoped_leader_gets_no_theme_of_another_department(org, sales_and_company):
    data = sales_and_company
    engineering = org.departments.get(name="Engineering")
    platform = org.departments.get(name="Platform")
    scope = ReportScope(
        department_ids=frozenset({engineering.pk, platform.pk}), names=("Engineering", "Platform")
    )
    scoped = report_scope(data=data, scope=scope)
    segments = {e["segment"] for e in scoped["themes"]["values"]}
    assert segments <= {"all", department(data, "Engineering"), department(data, "Platform")}
    view = ReportView(scoped)
    labels = [s["label"] for v in view.values for s in v.segment_voices]
    assert not [label for label in labels if "Sales" in label]


def test_a_scoped_leaders_page_shows_no_theme_of_another_department(
    org, leo, petra, sales_and_company
):
    whole = Client()
    whole.force_login(leo)
    page = whole.get("/o/acme/report/").content.decode()
    assert "Department: Sales" in page or "Sales</strong>" in page
    scoped = Client()
    scoped.force_login(petra)
    page = scoped.get("/o/acme/report/").content.decode()
    assert "what they write about it" in page
    assert "Sales" not in page
    assert "Berlin" not in page


def test_no_count_below_k_reaches_the_stored_themes(org, sales_and_company):
    for entry in sales_and_company["themes"]["values"]:
        if entry["shown"]:
            assert entry["n_respondents"] >= 10
            assert entry["n_commenters"] >= K
            assert all(t["respondents"] >= 3 for t in entry["themes"])
        else:
            assert entry["themes"] == []
            assert entry["quotes"] == []
