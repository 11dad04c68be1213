"""The gap report built from stored answers, checked against scipy called directly."""

import json
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats as sps

from analytics.report.comments import mask_personal
from analytics.services import snapshot_compute
from surveys.models import Round
from surveys.services.responses import responses_import

pytestmark = pytest.mark.django_db
K = 5

# 31 employees in round 2026-09: Sales 20, Engineering 8 (itself), Platform 3 (under
# Engineering); tenure 1_2y 27 / 2_5y 4; Berlin 20 / Lisbon 7 / Remote 4.
LAYOUT = (
    [("Sales", "1_2y", "Berlin")] * 20
    + [("Engineering", "1_2y", "Lisbon")] * 7
    + [("Engineering", "2_5y", "Remote")]
    + [("Platform", "2_5y", "Remote")] * 3
)


def employees_answers(seed: int = 1) -> list[tuple[int, int, int]]:
    rng = np.random.default_rng(seed)
    return [
        (int(rng.integers(1, 4)), int(rng.integers(2, 6)), int(rng.integers(0, 11))) for _ in LAYOUT
    ]


def history(answers, leaders=((5, 80), (5, 90), (4, 70)), label="2026-09", comment=None) -> str:
    lines = ["kind,wave,department,tenure_band,location,level,od1,od2,odl,odp,enps,comment"]
    for odl, odp in leaders:
        lines.append(f"leadership,{label},,,,,,,{odl},{odp},,")
    for (department, tenure, location), (od1, od2, enps) in zip(LAYOUT, answers, strict=True):
        lines.append(f"pulse,{label},{department},{tenure},{location},,{od1},{od2},,,{enps},")
    if comment:
        lines[-1] += comment
    return "\n".join(lines) + "\n"


@pytest.fixture
def report(acme):
    answers = employees_answers()
    responses_import(organization=acme, content=history(answers))
    snapshot, _ = snapshot_compute(organization=acme, round_=Round.objects.get(label="2026-09"))
    return snapshot.data, answers


def named(data, segment):
    """A department's segment by the department's name: department:Sales -> department:<id>."""
    dimension, _, name = segment.partition(":")
    if dimension != "department" or name.isdigit():
        return segment
    return f"department:{next(d['id'] for d in data['departments'] if d['name'] == name)}"


def cell(data, segment, value="open_door"):
    segment = named(data, segment)
    return next(
        e for e in data["stated_vs_lived"] if e["value"] == value and e["segment"] == segment
    )


def test_stated_vs_lived_matches_scipy(report):
    data, answers = report
    employees = np.array([(od1 + (6 - od2)) / 2 for od1, od2, _ in answers])
    leaders = np.array([5.0, 5.0, 4.0])

    entry = cell(data, "all")

    assert entry["n_leaders"] == 3
    assert entry["n_employees"] == 31
    assert entry["leader_mean"] == pytest.approx(14 / 3)
    assert entry["employee_mean"] == pytest.approx(employees.mean())
    assert entry["gap"] == pytest.approx(14 / 3 - employees.mean())
    pairs = [np.sign(lead - emp) for lead in leaders for emp in employees]
    assert entry["cliffs_delta"] == pytest.approx(np.mean(pairs))
    # Fewer than 5 leaders: leadership's mean is a fixed claim.
    assert entry["test"] == "one_sample_t"
    assert entry["p_value"] == pytest.approx(sps.ttest_1samp(employees, 14 / 3).pvalue)
    # Method 1.1: mean(L) minus the 95% t interval of mean(E).
    half = sps.t.ppf(0.975, 30) * employees.std(ddof=1) / np.sqrt(31)
    low, high = employees.mean() - half, employees.mean() + half
    assert entry["gap_ci"] == pytest.approx([14 / 3 - high, 14 / 3 - low], rel=1e-12)
    assert entry["employee_favorable_pct"] == pytest.approx(100 * np.mean(employees >= 4))
    assert entry["classification"] == "blind_spot"


def test_reliability_has_feldts_interval(report):
    data, answers = report
    # open_door's employee items, od2 reversed: every answer is present (listwise n = 31)
    items = np.array([(od1, 6 - od2) for od1, od2, _ in answers], dtype=float)
    n, k = items.shape
    alpha = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    df1, df2 = n - 1, (n - 1) * (k - 1)

    entry = next(e for e in data["reliability"] if e["value"] == "open_door")

    assert (entry["n"], entry["n_items"]) == (31, 2)
    assert entry["alpha"] == pytest.approx(alpha, rel=1e-12)
    assert entry["alpha_ci"] == pytest.approx(
        [
            1 - (1 - alpha) * sps.f.isf(0.025, df1, df2),
            1 - (1 - alpha) * sps.f.isf(0.975, df1, df2),
        ],
        rel=1e-12,
    )


def test_every_p_value_of_the_report_is_corrected_together(report):
    data, _ = report
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("p_value") is not None:
                found.append((node["p_value"], node["q_value"]))
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(data)
    p, q = np.array([x for x, _ in found]), np.array([y for _, y in found])
    assert len(found) == data["multiple_comparisons"]["n_tests"] >= 5
    assert q == pytest.approx(sps.false_discovery_control(p, method="bh"))


def test_segment_cells_follow_the_suppression_rules(report):
    data, _ = report
    status = {e["segment"]: e["classification"] for e in data["stated_vs_lived"]}
    status |= {
        f"department:{d['name']}": status[named(data, f"department:{d['name']}")]
        for d in data["departments"]
    }

    assert status["department:Sales"] != "suppressed"
    assert status["department:Engineering"] != "suppressed"  # 11, rest 20
    assert status["department:Platform"] == "suppressed"  # 3 < k
    assert status["tenure_band:2_5y"] == "suppressed"  # 4 < k
    assert status["tenure_band:1_2y"] == "suppressed"  # 27, but 31 - 27 = 4 < k
    assert status["location:Berlin"] != "suppressed"
    assert status["location:Remote"] == "suppressed"  # 4 < k
    assert status["location:Lisbon"] == "suppressed"  # complementary: 4 alone is derivable
    engineering = cell(data, "department:Engineering")
    assert engineering["n_employees"] == 11


def test_a_suppressed_cell_carries_no_figures(report):
    data, _ = report
    hidden = cell(data, "department:Platform")
    figures = {k: v for k, v in hidden.items() if k not in ("value", "segment", "classification")}
    assert hidden["classification"] == "suppressed"
    assert all(v in (None, []) for v in figures.values()), figures


def all_counts(node, found=None, key=""):
    found = [] if found is None else found
    if isinstance(node, dict):
        for k, v in node.items():
            all_counts(v, found, k)
    elif isinstance(node, list):
        for v in node:
            all_counts(v, found, key)
    elif (
        key
        in (
            "n",
            "n_employees",
            "n_exit",
            "n_lived",
            "n_previous",
            "n_current",
            "n_respondents",
            "lived",
            "onboarding",
            "exit",
        )
        and node is not None
    ):
        found.append((key, node))
    return found


def test_no_figure_for_fewer_than_k_respondents_reaches_the_snapshot(report):
    data, _ = report
    counts = all_counts(data)
    assert counts
    assert all(n == 0 or n >= K for _key, n in counts), counts


def test_hidden_cells_cannot_be_recovered_by_subtraction(report):
    """An attacker's attempt: parent minus shown siblings must never isolate a small group."""
    data, _ = report
    cells = {e["segment"]: e for e in data["stated_vs_lived"] if e["value"] == "open_door"}
    cells |= {
        f"department:{d['name']}": cell(data, f"department:{d['name']}")
        for d in data["departments"]
    }
    company_n = cells["all"]["n_employees"]
    for dimension in ("tenure_band", "location"):
        shown = [
            e["n_employees"]
            for s, e in cells.items()
            if s.startswith(dimension) and e["classification"] != "suppressed"
        ]
        remainder = company_n - sum(shown)
        assert remainder == 0 or remainder >= K, (dimension, remainder)
    # Departments: the top level against the company, and Engineering against its children.
    top = [cells["department:Sales"], cells["department:Engineering"]]
    remainder = company_n - sum(e["n_employees"] or 0 for e in top)
    assert remainder == 0 or remainder >= K
    engineering = cells["department:Engineering"]["n_employees"]
    platform = cells["department:Platform"]["n_employees"] or 0
    assert engineering - platform == 0 or engineering - platform >= K
    # The mean of a hidden group cannot be derived: its size is never known and small.
    assert cells["location:Lisbon"]["employee_mean"] is None


def test_the_calibration_compares_predictions_with_what_employees_said(report):
    data, answers = report
    employees = np.array([(od1 + (6 - od2)) / 2 for od1, od2, _ in answers])
    actual = 100 * np.mean(employees >= 4)

    entry = data["calibration"][0]

    assert entry["mean_prediction"] == pytest.approx(80)
    assert entry["actual_favorable_pct"] == pytest.approx(actual)
    assert entry["error"] == pytest.approx(80 - actual)
    assert data["calibration_mae"] == pytest.approx(abs(80 - actual))


def test_enps_and_its_interval(report):
    data, answers = report
    scores = np.array([enps for _, _, enps in answers])
    n, promoters, detractors = len(scores), (scores >= 9).sum(), (scores <= 6).sum()
    p_hat, d_hat = (promoters + 0.75) / (n + 3), (detractors + 0.75) / (n + 3)
    diff = p_hat - d_hat
    half = 1.959964 * np.sqrt((p_hat + d_hat - diff**2) / (n + 3))

    enps = data["enps"]

    assert enps["score"] == pytest.approx(100 * (promoters - detractors) / n)
    assert enps["ci"] == pytest.approx([100 * (diff - half), 100 * (diff + half)], abs=1e-4)


def test_floats_are_stored_unrounded_and_the_json_round_trips(report):
    data, answers = report
    assert json.loads(json.dumps(data)) == data
    # The mean of 31 value scores has a repeating decimal: rounding it anywhere would show.
    exact = sum(Fraction(od1 + 6 - od2, 2) for od1, od2, _ in answers) / 31
    assert round(exact, 9) != exact

    entry = cell(data, "all")

    assert entry["employee_mean"] == pytest.approx(float(exact), rel=1e-14, abs=0)
    assert entry["gap"] == pytest.approx(float(Fraction(14, 3) - exact), rel=1e-14, abs=0)


def test_comments_need_max_k_10_and_are_masked(acme):
    answers = employees_answers()
    responses_import(
        organization=acme,
        content=history(answers, comment="Write me at a.b@acme.example or +49 151 2345 6789"),
    )
    data = snapshot_compute(organization=acme, round_=Round.objects.get())[0].data
    assert data["comments"]["shown"] is True
    assert data["comments"]["items"] == [
        {"question": "comment", "text": "Write me at [email] or [phone number]", "count": 1}
    ]


def test_a_small_round_shows_no_comments_and_no_company_figures(acme):
    content = "kind,wave,od1,od2,odl,comment\nleadership,r1,,,5,\n" + "".join(
        "pulse,r1,3,3,,Hello\n" for _ in range(4)
    )
    responses_import(organization=acme, content=content)
    data = snapshot_compute(organization=acme, round_=Round.objects.get())[0].data
    assert cell(data, "all")["classification"] == "suppressed"
    assert data["comments"] == {
        "shown": False,
        "min_group_size": 10,
        "n_respondents": None,
        "items": [],
    }
    assert data["responses"]["lived"] is None


def test_masking_personal_details():
    assert mask_personal("mail jo.doe+x@mail.example.org now") == "mail [email] now"
    assert mask_personal("call (030) 123-45-67 or +44 20 7946 0958") == (
        "call [phone number] or [phone number]"
    )
    assert mask_personal("We shipped 3 releases in 2026") == "We shipped 3 releases in 2026"
