"""Tests of analytics.stats against hand arithmetic and direct scipy calls (no Django needed).

Expected values are never obtained from the function under test: they are worked out by hand
(arithmetic in the comments), by calling numpy/scipy directly, or by brute force (every
ordering of a trend's wave means; every way to pick a Mann-Whitney group from the pooled
responses).

The Mann-Whitney permutation p equals scipy's exactly when scipy enumerates every permutation
(at most 9,999 of them). Otherwise both are Monte Carlo estimates from different random
streams, so the method's p is checked to lie within Monte Carlo error of scipy's and of the
exact p, and its null distribution against the known mean and variance of U.

A permutation test with a fixed seed depends on the order of its input, and so do the last bits
of a floating-point sum; the method makes that order canonical so results do not depend on the
order answers are stored in: a 1-D sample is sorted ascending, the rows of an item matrix are
put in lexicographic order. Expected values from scipy are therefore computed on
`canonical(...)` / `canonical_rows(...)` of the inputs, and the `*_ignores_storage_order` tests
check that shuffled copies of the same inputs give identical results.
"""

from __future__ import annotations

import collections
import itertools
import json
import math
import statistics
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from scipy import stats as st

from analytics import stats as cs

# Any warning (RuntimeWarning from a 0/0, scipy's DegenerateDataWarning, ...) fails the test.
pytestmark = pytest.mark.filterwarnings("error")

SEED = 20240601


def brute_delta(a: Any, b: Any) -> float:
    """Cliff's delta by counting every pair: (#a>b - #a<b) / (n_a * n_b)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    greater = sum(1 for x in a for y in b if x > y)
    less = sum(1 for x in a for y in b if x < y)
    return (greater - less) / (a.size * b.size)


def assert_plain(obj: Any) -> None:
    """Only plain Python scalars inside; floats finite (no numpy scalars, no NaN)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            assert type(k) in (str, int)
            assert_plain(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            assert_plain(v)
    else:
        assert type(obj) in (int, float, str, bool, type(None)), (obj, type(obj))
        if type(obj) is float:
            assert math.isfinite(obj)


def canonical(sample: Any) -> np.ndarray:
    """A 1-D sample in the method's canonical order: ascending."""
    return np.sort(np.asarray(sample, float))


def canonical_rows(items: Any) -> np.ndarray:
    """The rows of an item matrix in lexicographic order (first column first, then second, ...).

    Python's list ordering is lexicographic; equal rows are interchangeable, so this is the
    one canonical order.
    """
    return np.array(sorted(np.asarray(items, float).tolist()), dtype=float)


def shuffled(values: Any, seed: int, n: int = 5) -> list[np.ndarray]:
    """The values reversed and in n random orders (rows move as a whole for a 2-D array)."""
    a = np.asarray(values, float)
    rng = np.random.default_rng(seed)
    return [a[::-1].copy(), *(rng.permutation(a) for _ in range(n))]


def welch_ci(lead: Any, emp: Any) -> tuple[float, float]:
    """scipy's Welch interval of mean(lead) - mean(emp): ttest_ind(equal_var=False).

    scipy warns about catastrophic cancellation on samples without variation (its interval is
    still finite there); that warning is scipy's, not the method's, so it is muted here only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = st.ttest_ind(np.asarray(lead, float), np.asarray(emp, float), equal_var=False)
        ci = res.confidence_interval(confidence_level=0.95)
    return float(ci.low), float(ci.high)


def claim_minus_t_interval(claim: float, emp: Any) -> tuple[float, float]:
    """claim - the 95% t interval of mean(emp), by hand: t.ppf(0.975, n - 1) * s / sqrt(n)."""
    e = np.asarray(emp, float)
    centre, half = e.mean(), st.t.ppf(0.975, e.size - 1) * e.std(ddof=1) / math.sqrt(e.size)
    return claim - (centre + half), claim - (centre - half)


def feldt(alpha: float, n: int, k: int) -> tuple[float, float]:
    """Feldt's 95% interval of Cronbach's alpha with scipy.stats.f."""
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return 1 - (1 - alpha) * st.f.isf(0.025, df1, df2), 1 - (1 - alpha) * st.f.isf(0.975, df1, df2)


def mk_s(y: Any) -> int:
    """Mann-Kendall S by counting every pair of waves in order: #later higher - #later lower."""
    return sum((b > a) - (b < a) for a, b in itertools.combinations(y, 2))


def brute_mk_p(y: list[float]) -> float:
    """Exact two-sided Mann-Kendall p: the share of all m! orderings of the means (tied means
    included, each ordering counted as often as it occurs) with |S| >= |S observed|."""
    s_obs = abs(mk_s(y))
    orderings = list(itertools.permutations(y))
    return sum(abs(mk_s(o)) >= s_obs for o in orderings) / len(orderings)


R = 9999  # Mann-Whitney permutation resamples (ANALYSIS.md)


def scipy_perm_p(x: Any, y: Any, seed: int) -> float:
    """scipy's seeded permutation Mann-Whitney p, as ANALYSIS.md names it (canonical order)."""
    perm = st.PermutationMethod(n_resamples=R, rng=np.random.default_rng(seed))
    res = st.mannwhitneyu(canonical(x), canonical(y), alternative="two-sided", method=perm)
    return float(res.pvalue)


def compositions(n: int, caps: list[int]) -> Any:
    """Every (t_1, ..., t_J) with 0 <= t_j <= caps[j] and sum n, by plain recursion."""
    if not caps:
        if n == 0:
            yield ()
        return
    for t in range(min(n, caps[0]) + 1):
        for rest in compositions(n - t, caps[1:]):
            yield (t, *rest)


def null_twice_rank_sums(x: Any, y: Any) -> collections.Counter[int]:
    """Permutation null of twice the rank sum of x, by enumeration: taking t_v of the m_v pooled
    responses equal to each distinct value v can be done in prod C(m_v, t_v) ways. Ranks are
    st.rankdata's midranks of the pooled sample."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    pooled = np.concatenate([x, y])
    ranks = st.rankdata(pooled)
    values = sorted(set(pooled.tolist()))
    m = [int(np.count_nonzero(pooled == v)) for v in values]
    r2 = [round(2 * float(ranks[pooled == v][0])) for v in values]
    null: collections.Counter[int] = collections.Counter()
    for t in compositions(x.size, m):
        null[sum(a * b for a, b in zip(t, r2, strict=True))] += math.prod(
            math.comb(a, b) for a, b in zip(m, t, strict=True)
        )
    return null


def observed_twice_rank_sum(x: Any, y: Any) -> int:
    x = np.asarray(x, float)
    ranks = st.rankdata(np.concatenate([x, np.asarray(y, float)]))
    return round(2 * float(ranks[: x.size].sum()))


def exact_mw_tails(x: Any, y: Any) -> tuple[float, float]:
    """P(T <= T_obs) and P(T >= T_obs) under the permutation null (T = rank sum of x).

    Enumerated over the smaller group: T_x <= t exactly when T_y >= (sum of all ranks) - t.
    """
    if len(x) > len(y):
        le_y, ge_y = exact_mw_tails(y, x)
        return ge_y, le_y
    null, obs = null_twice_rank_sums(x, y), observed_twice_rank_sum(x, y)
    total = sum(null.values())
    assert total == math.comb(len(x) + len(y), len(x))
    le = sum(w for t, w in null.items() if t <= obs)
    ge = sum(w for t, w in null.items() if t >= obs)
    return le / total, ge / total


def exact_mw_p(x: Any, y: Any) -> float:
    """The exact two-sided permutation p: 2 * the smaller tail, capped at 1."""
    return min(1.0, 2 * min(exact_mw_tails(x, y)))


def mc_sd(p_exact: float) -> float:
    """Standard deviation of a Monte Carlo p = 2 (c + 1) / (R + 1), c ~ Bin(R, p_exact / 2)."""
    q = min(p_exact / 2, 0.5)
    return 2 * math.sqrt(R * q * (1 - q)) / (R + 1)


def assert_monte_carlo_p(p: float | None, x: Any, y: Any, seed: int) -> None:
    """p is a Monte Carlo p (2 (c + 1) / 10,000, as scipy's), where scipy's would be one too,
    within 4.5 sd of the exact p (plus the + 1's bias) and within 4.5 sd of the difference of
    two independent estimates of scipy's own seeded p."""
    assert p is not None
    assert math.comb(len(x) + len(y), len(x)) > R  # scipy draws at random too
    assert p == 1.0 or abs(p * (R + 1) / 2 - round(p * (R + 1) / 2)) < 1e-9
    exact = exact_mw_p(x, y)
    sd = mc_sd(exact)
    assert abs(p - exact) <= 4.5 * sd + 2 / (R + 1), (p, exact, sd)
    ref = scipy_perm_p(x, y, seed)
    assert abs(p - ref) <= 4.5 * math.sqrt(2) * sd + 4 / (R + 1), (p, ref, sd)


# Employees' scores used in several tests: sum = 32 + 31 = 63, n = 20, mean = 3.15.
E20 = [3, 4, 2, 3, 3, 4, 5, 2, 3, 3, 4, 3, 2, 3, 4, 3, 3, 2, 4, 3]


# --- scores ---------------------------------------------------------------------------------


def test_reverse_score() -> None:
    assert cs.reverse_score(1) == 5
    assert cs.reverse_score(2) == 4
    assert cs.reverse_score(5) == 1
    assert cs.reverse_score(3, 0, 10) == 7  # 0 + 10 - 3
    out = cs.reverse_score(np.array([1.0, np.nan, 4.0]))
    assert out[0] == 5
    assert math.isnan(out[1])
    assert out[2] == 2


def test_value_scores_reverse_and_two_thirds_rule() -> None:
    nan = np.nan
    answers = np.array(
        [
            [4, 5, 2],  # third item reversed: 2 -> 4; (4 + 5 + 4) / 3 = 13/3
            [4, nan, nan],  # 1 of 3 answered: 3*1 = 3 < 2*3 = 6 -> no score
            [nan, 2, 1],  # 2 of 3 answered: 6 >= 6; (2 + (6-1)) / 2 = 3.5
            [nan, nan, nan],
        ]
    )
    scores = cs.value_scores(answers, [False, False, True])
    assert scores[0] == pytest.approx(13 / 3)
    assert math.isnan(scores[1])
    assert scores[2] == 3.5
    assert math.isnan(scores[3])


def test_value_scores_two_thirds_with_four_items() -> None:
    nan = np.nan
    answers = np.array([[5, 4, 3, nan], [5, 4, nan, nan]])
    scores = cs.value_scores(answers, [False] * 4)
    assert scores[0] == 4.0  # 3*3 = 9 >= 2*4 = 8; (5+4+3)/3 = 4
    assert math.isnan(scores[1])  # 3*2 = 6 < 8


def test_value_scores_rejects_out_of_range_and_bad_flags() -> None:
    with pytest.raises(ValueError, match="must lie in"):
        cs.value_scores(np.array([[6.0, 1.0]]), [False, False])
    with pytest.raises(ValueError, match="must lie in"):
        cs.value_scores(np.array([[0.0, 1.0]]), [False, False])
    with pytest.raises(ValueError, match="flags for 2 items"):
        cs.value_scores(np.array([[1.0, 1.0]]), [False])


def test_describe_counts_favorable_and_fractional_scores() -> None:
    scores = [1, 2, 3, 4, 5, 12 / 3, 11 / 3, 3.5, np.nan]
    d = cs.describe(scores)
    assert d.n == 8
    # buckets floor(x + 0.5): 4.0 -> 4, 3.67 -> 4, 3.5 -> 4 (half up)
    assert d.counts == {1: 1, 2: 1, 3: 1, 4: 4, 5: 1}
    # favorable: 4, 5 and the fractional 4.0 -> 3/8; 11/3 and 3.5 are not
    assert d.favorable_pct == pytest.approx(37.5)
    assert d.unfavorable_pct == pytest.approx(25.0)  # 1 and 2 -> 2/8
    # mean = (1+2+3+4+5+4+11/3+3.5)/8 = 78.5/24
    assert d.mean == pytest.approx(78.5 / 24)
    # sorted: 1 2 3 3.5 11/3 4 4 5 -> median (3.5 + 11/3) / 2
    assert d.median == pytest.approx((3.5 + 11 / 3) / 2)
    clean = [1, 2, 3, 4, 5, 4.0, 11 / 3, 3.5]
    assert d.sd == pytest.approx(statistics.stdev(clean))
    assert_plain(d.as_dict())


def test_describe_favorable_from_value_scores() -> None:
    # (5 + 4 + 3)/3 = 4.0 exactly -> favorable; (4 + 4 + 3)/3 = 3.67 -> not
    scores = cs.value_scores(np.array([[5, 4, 3], [4, 4, 3.0]]), [False] * 3)
    assert cs.describe(scores).favorable_pct == 50.0


def test_describe_small_and_empty() -> None:
    one = cs.describe([4])
    assert one.n == 1
    assert one.sd is None
    assert one.mean == 4.0
    assert one.favorable_pct == 100.0
    empty = cs.describe([np.nan])
    assert empty.n == 0
    assert empty.mean is None
    assert empty.median is None
    assert empty.favorable_pct is None
    assert empty.counts == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}


# --- Cliff's delta and labels -----------------------------------------------------------------


def test_cliffs_delta_hand_example() -> None:
    # pairs of [5,4] vs [4,3,3]: 5 beats all three; 4 ties 4 and beats 3, 3
    # greater 5, less 0, ties 1 -> delta = 5/6; U_L = 5 + 0.5 = 5.5 -> 2*5.5/6 - 1 = 5/6
    assert cs.cliffs_delta([5, 4], [4, 3, 3]) == pytest.approx(5 / 6)
    assert cs.cliffs_delta([4, 3, 3], [5, 4]) == pytest.approx(-5 / 6)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cliffs_delta_matches_brute_force_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 6, 13).astype(float)
    b = rng.integers(1, 6, 29).astype(float)
    assert cs.cliffs_delta(a, b) == pytest.approx(brute_delta(a, b), abs=1e-12)


def test_cliffs_delta_exact_boundary() -> None:
    lead = [1, 2, 4, 4, 4, 4, 5, 5, 5, 5]
    emp = [1, 2, 2, 3, 3, 3, 4, 4, 5, 5]
    assert brute_delta(lead, emp) == 0.33  # 33 more wins than losses out of 100 pairs
    assert cs.cliffs_delta(lead, emp) == 0.33
    assert cs.effect_size_label(cs.cliffs_delta(lead, emp)) == "medium"


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (0.0, "negligible"),
        (0.1469, "negligible"),
        (0.147, "small"),
        (-0.147, "small"),
        (0.3299, "small"),
        (0.33, "medium"),
        (-0.33, "medium"),
        (0.4739, "medium"),
        (0.474, "large"),
        (-1.0, "large"),
    ],
)
def test_effect_size_label_boundaries(delta: float, label: str) -> None:
    assert cs.effect_size_label(delta) == label


# --- stated vs lived ---------------------------------------------------------------------------


def test_small_leadership_uses_one_sample_t_and_the_t_interval_of_employees() -> None:
    lead = [5, 4, 5, 4]  # n_L = 4 < 5; mean 4.5, span 1
    r = cs.stated_vs_lived(lead, E20, seed=SEED)
    assert r.test == "one_sample_t"
    assert r.n_leaders == 4
    assert r.n_employees == 20
    assert r.leader_mean == 4.5
    assert r.employee_mean == pytest.approx(3.15)
    assert r.gap == pytest.approx(1.35)  # 4.5 - 63/20
    assert r.leader_span == 1.0
    emp = canonical(E20)
    assert r.p_value == pytest.approx(st.ttest_1samp(emp, popmean=4.5).pvalue, rel=1e-12)
    # s_E = sqrt(sum (x - 3.15)^2 / 19) = sqrt(12.55 / 19) = 0.812728; t.ppf(0.975, 19) = 2.093024
    # half = 2.093024 * 0.812728 / sqrt(20) = 0.380368 -> 1.35 -+ 0.380368
    assert r.gap_ci == pytest.approx(claim_minus_t_interval(4.5, E20), rel=1e-12, abs=1e-12)
    assert r.gap_ci == pytest.approx((1.35 - 0.380368, 1.35 + 0.380368), abs=1e-6)
    # the same interval from scipy's one-sample t-test (ends swap: claim minus mean(E))
    ci = st.ttest_1samp(emp, popmean=0).confidence_interval()
    assert r.gap_ci == pytest.approx((4.5 - ci.high, 4.5 - ci.low), rel=1e-12, abs=1e-12)
    assert r.cliffs_delta == pytest.approx(brute_delta(lead, E20))
    assert r.effect_size == "large"
    assert_plain(r.as_dict())
    json.dumps(r.as_dict())


def test_five_leaders_use_mann_whitney_permutation_and_the_welch_interval() -> None:
    lead = [5, 4, 5, 3, 4]  # n_L = 5 -> Mann-Whitney; n_L < 10 -> permutation
    r = cs.stated_vs_lived(lead, E20, seed=SEED)
    assert r.test == "mann_whitney_permutation"
    # C(25, 5) = 53,130 pooled permutations > 9,999: a Monte Carlo p, as scipy's
    assert_monte_carlo_p(r.p_value, lead, E20, SEED)
    assert r.gap_ci == pytest.approx(welch_ci(lead, E20), rel=1e-12, abs=1e-12)
    # v_L = 0.7 / 5 = 0.14, v_E = (12.55 / 19) / 20 = 0.0330263; se = sqrt(0.1730263) = 0.415964
    # df = 0.1730263^2 / (0.14^2 / 4 + 0.0330263^2 / 19) = 6.0391; t.ppf(0.975, df) = 2.443080
    # half = 2.443080 * 0.415964 = 1.016234 -> 1.05 -+ 1.016234
    assert r.gap_ci == pytest.approx((1.05 - 1.016234, 1.05 + 1.016234), abs=1e-6)
    assert r.gap == pytest.approx(4.2 - 3.15)
    assert r.leader_span == 2.0


def test_both_groups_of_ten_use_asymptotic_mann_whitney() -> None:
    lead = [5, 4, 5, 3, 4, 5, 4, 4, 5, 3]
    emp = E20[:10]
    r = cs.stated_vs_lived(lead, emp, seed=SEED)
    assert r.test == "mann_whitney_asymptotic"
    expected = st.mannwhitneyu(lead, emp, alternative="two-sided", method="asymptotic").pvalue
    assert r.p_value == pytest.approx(expected, rel=1e-12)


def test_nine_employees_use_permutation_even_with_many_leaders() -> None:
    lead = [5, 4, 5, 3, 4, 5, 4, 4, 5, 3, 4, 4]
    emp = E20[:9]
    r = cs.stated_vs_lived(lead, emp, seed=SEED)
    assert r.test == "mann_whitney_permutation"
    assert_monte_carlo_p(r.p_value, lead, emp, SEED)  # C(21, 9) = 293,930 permutations


def test_stated_vs_lived_is_reproducible_and_its_interval_needs_no_seed() -> None:
    lead = np.array([5, 4, 5, 4, 3, 4], dtype=float)
    emp = np.array([*E20, 3, 4, 2, 3, 4], dtype=float)
    a = cs.stated_vs_lived(lead, emp, seed=7)
    b = cs.stated_vs_lived(lead.copy(), emp.copy(), seed=7)
    c = cs.stated_vs_lived(lead, emp, seed=8)
    assert a.as_dict() == b.as_dict()
    assert a.test == "mann_whitney_permutation"
    assert a.p_value != c.p_value  # the seed drives the permutation test only
    assert a.gap_ci == c.gap_ci  # the interval is analytic
    assert a.gap_ci == pytest.approx(welch_ci(lead, emp), rel=1e-12, abs=1e-12)


def storage_orders(a: Any, b: Any, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs of reordered copies of two samples: each one shuffled alone, then both together."""
    a_orders, b_orders = shuffled(a, seed), shuffled(b, seed + 1)
    a0, b0 = np.asarray(a, float), np.asarray(b, float)
    return [
        *((x, b0) for x in a_orders),
        *((a0, y) for y in b_orders),
        *zip(a_orders, b_orders, strict=True),
    ]


@pytest.mark.parametrize(
    ("lead", "emp", "test"),
    [
        ([5, 4, np.nan, 5, 4], [*E20, np.nan], "one_sample_t"),  # t interval of E
        ([5, 4, 5, 3, 4], E20, "mann_whitney_permutation"),  # Welch
        ([5, 4, 5, 3, 4, 5, 4, 4, 5, 3, 4, 4], E20[:9], "mann_whitney_permutation"),
        ([5, 4, 5, 3, 4, 5, 4, 4, 5, 3], E20, "mann_whitney_asymptotic"),
        ([4] * 5, E20, "mann_whitney_permutation"),  # leaders agree: t interval of E
        ([5, 4, 5, 3, 4, 5, 4, 4, 5, 3], [3] * 12, "mann_whitney_asymptotic"),  # E agree
        # fractional scores: float sums that depend on the order unless it is canonical
        (
            [13 / 3, 11 / 3, 4, 5, 10 / 3, 3, 14 / 3, 7 / 2, 9 / 2, 4],
            [*E20, 7 / 3, 8 / 3],
            "mann_whitney_asymptotic",
        ),
    ],
)
def test_stated_vs_lived_ignores_storage_order(lead: Any, emp: Any, test: str | None) -> None:
    ref = cs.stated_vs_lived(lead, emp, seed=SEED)
    assert ref.test == test
    assert ref.gap_ci is not None
    assert ref.gap_ci[0] < ref.gap_ci[1]  # a real interval, not the zero-width one
    for lead_order, emp_order in storage_orders(lead, emp, seed=31):
        r = cs.stated_vs_lived(lead_order, emp_order, seed=SEED)
        assert r.as_dict() == ref.as_dict()


def test_ties_heavy_data_matches_scipy() -> None:
    lead = [4, 4, 4, 5, 4, 4]
    emp = [4] * 15 + [3] * 3 + [5] * 2
    r = cs.stated_vs_lived(lead, emp, seed=SEED)
    assert r.cliffs_delta == pytest.approx(brute_delta(lead, emp))
    assert_monte_carlo_p(r.p_value, lead, emp, SEED)
    assert r.gap_ci == pytest.approx(welch_ci(lead, emp), rel=1e-12, abs=1e-12)
    assert r.gap_ci[0] < r.gap < r.gap_ci[1]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("n_l", "n_e"), [(5, 12), (7, 60), (12, 40), (40, 11), (25, 900)])
def test_welch_interval_matches_ttest_ind(seed: int, n_l: int, n_e: int) -> None:
    rng = np.random.default_rng(seed)
    answers = rng.integers(1, 6, (n_l + n_e, 3)).astype(float)
    scores = answers.mean(axis=1)  # fractional value scores, as the engine passes them
    lead, emp = scores[:n_l], scores[n_l:]
    r = cs.stated_vs_lived(lead, emp, seed=SEED)
    assert r.gap_ci == pytest.approx(welch_ci(lead, emp), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("n_l", [1, 2, 3, 4])
def test_small_leadership_interval_matches_t_by_hand(n_l: int) -> None:
    rng = np.random.default_rng(n_l)
    lead = rng.integers(3, 6, n_l).astype(float)
    emp = rng.integers(1, 6, (57, 2)).mean(axis=1)
    r = cs.stated_vs_lived(lead, emp, seed=SEED)
    expected = claim_minus_t_interval(float(np.mean(lead)), emp)
    assert r.gap_ci == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_all_equal_gives_zero_width_interval_and_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small = cs.stated_vs_lived([4, 4, 4], [4] * 12, seed=SEED)
        large = cs.stated_vs_lived([4] * 6, [4] * 12, seed=SEED)
        asym = cs.stated_vs_lived([4] * 10, [4] * 10, seed=SEED)
    for r in (small, large, asym):
        assert r.gap == 0.0
        assert r.gap_ci == (0.0, 0.0)
        assert r.cliffs_delta == 0.0
        assert r.p_value == 1.0
        assert_plain(r.as_dict())
    assert welch_ci([4] * 6, [4] * 12) == (0.0, 0.0)  # scipy agrees (it sets the 0/0 df to 1)


def test_zero_variance_on_both_sides_with_fractional_scores() -> None:
    # a mean of equal fractional scores can miss them by an ulp; the interval is still
    # exactly zero-width around the gap, never a 1e-16-wide one or NaN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = cs.stated_vs_lived([13 / 3] * 7, [11 / 3] * 23, seed=SEED)
    assert r.gap == pytest.approx(2 / 3)
    assert r.gap_ci == (r.gap, r.gap)


def test_zero_variance_employees_against_a_different_claim() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = cs.stated_vs_lived([5, 5, 4], [3] * 12, seed=SEED)
    # mean(L) = 14/3, E all 3: the t statistic tends to +inf -> p = 0
    assert r.p_value == 0.0
    assert r.gap == pytest.approx(5 / 3)
    assert r.gap_ci == (r.gap, r.gap)
    assert r.cliffs_delta == 1.0


def test_one_group_without_variation_gives_the_t_interval_of_the_other() -> None:
    # Welch with v_L = 0: df = v_E^2 / (v_E^2 / (n_E - 1)) = n_E - 1, se = s_E / sqrt(n_E):
    # the interval is 4 - the t interval of mean(E), as scipy computes it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = cs.stated_vs_lived([4] * 5, E20, seed=SEED)
        agreeing_employees = cs.stated_vs_lived([5, 4, 5, 3, 4], [3] * 12, seed=SEED)
    assert r.gap_ci == pytest.approx(claim_minus_t_interval(4.0, E20), rel=1e-12, abs=1e-12)
    assert r.gap_ci == pytest.approx(welch_ci([4] * 5, E20), rel=1e-12, abs=1e-12)
    # v_E = 0: the t interval of mean(L) (df 4) minus 3: s_L = sqrt(0.7), t.ppf(0.975, 4)
    # = 2.776445, half = 2.776445 * 0.836660 / sqrt(5) = 1.038851 -> 1.2 -+ 1.038851
    lo, hi = claim_minus_t_interval(0.0, [5, 4, 5, 3, 4])  # (-high, -low) of mean(L)
    assert agreeing_employees.gap_ci == pytest.approx((-hi - 3, -lo - 3), rel=1e-12, abs=1e-12)
    assert agreeing_employees.gap_ci == pytest.approx(
        welch_ci([5, 4, 5, 3, 4], [3] * 12), rel=1e-12, abs=1e-12
    )
    assert agreeing_employees.gap_ci == pytest.approx((1.2 - 1.038851, 1.2 + 1.038851), abs=1e-6)


def test_single_employee_has_no_interval() -> None:
    # one score has no sample variance, so neither the t nor the Welch interval exists
    # (scipy's is NaN); no p either (the tests need two scores)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small = cs.stated_vs_lived([5, 4, 4], [3], seed=SEED)
        large = cs.stated_vs_lived([5, 4, 5, 3, 4], [3], seed=SEED)
    assert small.gap == pytest.approx(13 / 3 - 3)
    assert large.gap == pytest.approx(4.2 - 3)
    for r in (small, large):
        assert r.gap_ci is None
        assert (r.p_value, r.test) == (None, None)
        assert_plain(r.as_dict())
    assert (small.cliffs_delta, large.cliffs_delta) == (1.0, 0.8)  # 4 of 5 leaders above, 1 tie


def test_welch_gap_interval_covers_95_percent() -> None:
    """2,000 simulated cells of 6 leaders and 40 employees, Likert answers from known
    distributions: the 95% interval must hold the true difference of means 93-97% of the time
    (the Monte Carlo standard error is 0.5 points). With this seed: 94.2% and 93.5%; over
    200,000 draws both cases cover 93.8% (discrete, skewed answers in a group of 6 cost Welch
    about a point). ANALYSIS.md: method 1.0's BCa interval covered about 90% for 5 to 8 leaders.

    The interval helper is called directly: stated_vs_lived would also run a 9,999-permutation
    Mann-Whitney test per cell (6 leaders < 10), which this check does not need.
    """
    rng = np.random.default_rng(SEED)
    answers = np.arange(1, 6, dtype=float)
    cases = [
        # leaders see the value lived, employees less so (a typical blind spot)
        (np.array([0.0, 0.05, 0.15, 0.45, 0.35]), np.array([0.1, 0.2, 0.3, 0.3, 0.1])),
        # both groups spread over the scale
        (np.array([0.1, 0.15, 0.3, 0.3, 0.15]), np.array([0.15, 0.25, 0.3, 0.2, 0.1])),
    ]
    for p_lead, p_emp in cases:
        true_gap = answers @ p_lead - answers @ p_emp
        leads = np.sort(rng.choice(answers, (2000, 6), p=p_lead), axis=1)
        emps = np.sort(rng.choice(answers, (2000, 40), p=p_emp), axis=1)
        hits = 0
        for lead, emp in zip(leads, emps, strict=True):
            ci = cs._gap_interval(lead, emp, float(lead.mean() - emp.mean()))
            assert ci is not None
            hits += ci[0] <= true_gap <= ci[1]
        assert 0.93 <= hits / 2000 <= 0.97, hits / 2000


def test_missing_groups_give_none() -> None:
    no_leaders = cs.stated_vs_lived([], E20, seed=SEED)
    assert no_leaders.n_leaders == 0
    assert no_leaders.employee_mean == pytest.approx(3.15)
    assert no_leaders.leader_mean is None
    assert no_leaders.gap is None
    assert no_leaders.gap_ci is None
    assert no_leaders.p_value is None
    assert no_leaders.cliffs_delta is None
    assert no_leaders.leader_span is None
    no_emp = cs.stated_vs_lived([5, 3], [np.nan], seed=SEED)
    assert no_emp.n_employees == 0
    assert no_emp.leader_mean == 4.0
    assert no_emp.leader_span == 2.0
    assert no_emp.gap is None
    assert no_emp.test is None
    assert_plain(no_emp.as_dict())


def test_nan_scores_are_dropped() -> None:
    lead = [5, 4, np.nan, 5, 4]
    emp = [*E20, np.nan]
    r = cs.stated_vs_lived(lead, emp, seed=SEED)
    assert r.n_leaders == 4
    assert r.n_employees == 20
    assert r.p_value == pytest.approx(st.ttest_1samp(E20, popmean=4.5).pvalue)


# --- Mann-Whitney permutation test ----------------------------------------------------------------


def _likert_sample(rng: np.random.Generator, n: int) -> list[float]:
    """n value scores: whole answers or means of 2 or 3 items (many ties, fractional values)."""
    k = rng.choice([1, 2, 3], n)
    return (rng.integers(k, 5 * k + 1) / k).tolist()


def _perm_cases(seed: int, count: int, *, exact: bool) -> list[tuple[list[float], list[float]]]:
    """Random cases with a group under 10 where scipy enumerates (exact) or draws (not exact)."""
    rng = np.random.default_rng(seed)
    cases: list[tuple[list[float], list[float]]] = []
    while len(cases) < count:
        small, large = int(rng.integers(2, 10)), int(rng.integers(2, 50))
        if (math.comb(small + large, small) <= R) != exact:
            continue
        x, y = _likert_sample(rng, small), _likert_sample(rng, large)
        cases.append((x, y) if rng.random() < 0.5 else (y, x))  # the larger group first too
    return cases


EXACT_CASES = [
    # C(17, 5) = 6,188 pooled permutations: the smallest leadership against 12 employees
    ([5, 4, 5, 3, 4], E20[:12]),
    ([5, 4], (E20 * 7)[:139]),  # C(141, 2) = 9,870, the most for 2 (C(142, 2) = 10,011)
    ([5, 4, 4], (E20 * 2)[:37]),  # C(40, 3) = 9,880
    ([2, 2, 3, 4], E20[:19]),  # C(23, 4) = 8,855
    ([4, 4, 5, 4, 4, 5], E20[:10]),  # C(16, 6) = 8,008
    (E20[:8], [4, 4, 5, 5, 4, 3, 5]),  # C(15, 7) = 6,435, the larger group first
    ([4.0] * 5, [4.0] * 9),  # every response equal: p = 1
    ([5.0] * 5, [1, 2, 3, 1, 2, 3, 2, 1, 3]),  # complete separation: p = 2 / C(14, 5)
    ([13 / 3, 11 / 3, 4, 5, 10 / 3], [7 / 3, 8 / 3, 3, 11 / 3, 4, 10 / 3, 3, 3, 9 / 2]),
    *_perm_cases(3, 25, exact=True),
]


@pytest.mark.parametrize(("x", "y"), EXACT_CASES)
def test_permutation_p_equals_scipys_exact_p(x: list[float], y: list[float]) -> None:
    """C(N, n) <= 9,999: scipy enumerates every partition of the pooled responses, and so does
    the method: the same p to the last bit, whatever the seed."""
    assert math.comb(len(x) + len(y), len(x)) <= R
    ref = scipy_perm_p(x, y, SEED)
    for seed in (SEED, 1, 2):
        assert cs._mann_whitney_p(canonical(x), canonical(y), seed) == (
            ref,
            "mann_whitney_permutation",
        )
    assert ref == pytest.approx(exact_mw_p(x, y), rel=1e-15)


def test_exact_permutation_p_by_hand() -> None:
    # complete separation, 5 vs 9: only the 5 highest ranks (and the 5 lowest) are as extreme,
    # one subset each among C(14, 5) = 2,002: p = 2 * 1 / 2,002
    p, test = cs._mann_whitney_p(np.full(5, 5.0), canonical([1, 2, 3, 1, 2, 3, 2, 1, 3]), SEED)
    assert (p, test) == (2 / 2002, "mann_whitney_permutation")
    # every response equal: every subset ties the observed U, both tails are 1, p = 1
    assert cs._mann_whitney_p(np.full(5, 4.0), np.full(9, 4.0), SEED)[0] == 1.0


@pytest.mark.parametrize(
    ("n1", "n2"),
    [(2, 139), (2, 140), (3, 37), (3, 38), (4, 19), (4, 20), (5, 13), (5, 14), (7, 8), (7, 9)],
)
def test_exact_when_scipy_is_exact(n1: int, n2: int) -> None:
    """scipy 1.17's permutation_test(permutation_type="independent") counts C(N, n1)
    partitions (ties or not) and enumerates them all when that is <= n_resamples; otherwise it
    draws n_resamples permutations and adds 1 to count and total."""
    n_perm = math.comb(n1 + n2, n1)
    x, y = [5, 4, 5, 3, 4, 5, 4][:n1], (E20 * 7)[:n2]
    res = st.permutation_test(
        (np.asarray(x, float), np.asarray(y, float)),
        lambda a, b, axis: np.mean(a, axis=axis) - np.mean(b, axis=axis),
        n_resamples=R,
        rng=np.random.default_rng(SEED),
    )
    assert res.null_distribution.size == min(n_perm, R)
    p, _ = cs._mann_whitney_p(canonical(x), canonical(y), SEED)
    assert p is not None
    if n_perm <= R:
        assert p == scipy_perm_p(x, y, SEED)
        assert p == 1.0 or p * n_perm / 2 == pytest.approx(round(p * n_perm / 2), abs=1e-9)
    else:
        assert_monte_carlo_p(p, x, y, SEED)  # a multiple of 2 / 10,000


def test_exactly_n_resamples_permutations_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """No sample size gives C(N, n) = 9,999 exactly, so the boundary is checked at 6,188
    resamples (5 vs 12, C(17, 5) = 6,188): exact there, Monte Carlo with one fewer."""
    x, y = canonical([5, 4, 5, 3, 4]), canonical(E20[:12])
    exact = st.mannwhitneyu(
        x, y, method=st.PermutationMethod(n_resamples=6188, rng=np.random.default_rng(1))
    ).pvalue
    monkeypatch.setattr(cs, "N_RESAMPLES", 6188)
    assert cs._mann_whitney_p(x, y, SEED)[0] == float(exact)
    monkeypatch.setattr(cs, "N_RESAMPLES", 6187)
    p = cs._mann_whitney_p(x, y, SEED)[0]
    assert p is not None
    assert p * 6188 / 2 == pytest.approx(round(p * 6188 / 2), abs=1e-9)  # 2 (c + 1) / 6,188
    assert p != float(exact)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([4, 4, 5], [3, 4, 4, 5, 5, 2]),
        ([13 / 3, 11 / 3, 4], [7 / 3, 4, 11 / 3, 4, 13 / 3, 3, 3]),
        ([1, 2, 3], [4, 5, 6, 7, 8, 9]),  # no ties
        ([4, 4], [4, 4, 4, 4]),  # one value
        ([5, 4, 5, 3, 4], E20[:9]),
    ],
)
def test_rank_sum_null_matches_every_subset(x: list[float], y: list[float]) -> None:
    """The exact null, by every one of the C(N, n) subsets of the pooled responses."""
    pooled = np.concatenate([canonical(x), canonical(y)])
    ranks = st.rankdata(pooled)
    brute = collections.Counter(
        round(2 * float(ranks[list(c)].sum()))
        for c in itertools.combinations(range(pooled.size), len(x))
    )
    values, counts, twice_rank = cs._pooled_ranks(canonical(x), canonical(y))
    assert values.tolist() == sorted(set(pooled.tolist()))
    assert twice_rank.tolist() == [round(2 * float(ranks[pooled == v][0])) for v in values]
    assert counts.tolist() == [int(np.count_nonzero(pooled == v)) for v in values]
    assert cs._rank_sum_exact(counts, twice_rank, len(x)) == brute
    assert null_twice_rank_sums(x, y) == brute  # the test's own enumeration, used below
    assert sum(brute.values()) == math.comb(pooled.size, len(x))


def u_mean_var(n1: int, n2: int, ties: list[int]) -> tuple[float, float]:
    """Mean n1 n2 / 2 and tie-corrected variance of U under the null:
    n1 n2 / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1)))."""
    n = n1 + n2
    return n1 * n2 / 2, n1 * n2 / 12 * ((n + 1) - sum(t**3 - t for t in ties) / (n * (n - 1)))


def big_cell() -> tuple[np.ndarray, np.ndarray]:
    """6 leaders against 100,000 employees; value scores are means of 3 items (13 values)."""
    rng = np.random.default_rng(SEED)
    emp = canonical(rng.integers(3, 16, 100_000) / 3)
    return canonical([11 / 3, 4, 10 / 3, 4, 3, 13 / 3]), emp


@pytest.mark.parametrize(
    "case",
    [
        "big",
        ([5, 4, 5, 3, 4], E20),
        ([4, 4, 4, 5, 4, 4], [4] * 15 + [3] * 3 + [5] * 2),  # heavy ties
        ([2, 3], list(range(1, 6)) * 100),
        ([13 / 3, 11 / 3, 4, 5, 10 / 3, 3, 14 / 3, 7 / 2, 9 / 2], [*E20, 7 / 3, 8 / 3] * 3),
    ],
)
def test_monte_carlo_null_has_the_mean_and_tie_corrected_variance_of_u(case: Any) -> None:
    x, y = big_cell() if case == "big" else (canonical(case[0]), canonical(case[1]))
    _, counts, twice_rank = cs._pooled_ranks(x, y)
    n = x.size
    draws = cs._rank_sum_draws(counts, twice_rank, n, np.random.default_rng(SEED), R)
    assert draws.shape == (R,)
    u = draws / 2 - n * (n + 1) / 2
    mean, var = u_mean_var(n, y.size, counts.tolist())
    # standard error of a mean of 9,999 draws; of a variance about sqrt(2 / 9,999) = 1.4%
    assert abs(u.mean() - mean) <= 4 * math.sqrt(var / R)
    assert u.var(ddof=1) / var == pytest.approx(1.0, abs=0.06)
    assert u.min() >= 0
    assert u.max() <= n * y.size


@pytest.mark.parametrize(
    ("x", "y"),
    [([5, 4, 5, 3, 4], E20), ([2, 3], [1, 2, 2, 3, 3, 3, 4, 4, 5]), ([4.0] * 3, [4.0] * 5)],
)
def test_exact_null_has_the_mean_and_tie_corrected_variance_of_u(x: Any, y: Any) -> None:
    _, counts, twice_rank = cs._pooled_ranks(canonical(x), canonical(y))
    null = cs._rank_sum_exact(counts, twice_rank, len(x))
    total = sum(null.values())
    n = len(x)
    u = {Fraction(t, 2) - Fraction(n * (n + 1), 2): w for t, w in null.items()}
    mean = sum(k * w for k, w in u.items()) / total
    var = sum((k - mean) ** 2 * w for k, w in u.items()) / total
    n_all = n + len(y)
    ties = sum(t**3 - t for t in counts.tolist())
    assert mean == Fraction(n * len(y), 2)
    assert var == Fraction(n * len(y), 12) * (n_all + 1 - Fraction(ties, n_all * (n_all - 1)))


def test_random_subsets_are_uniform() -> None:
    rng = np.random.default_rng(SEED)
    rows = cs._random_subsets(rng, 7, 3, 35 * 2000)
    assert ((rows >= 0) & (rows < 7)).all()
    assert all(len(set(r)) == 3 for r in rows.tolist())
    freq = collections.Counter(tuple(sorted(r)) for r in rows.tolist())
    assert len(freq) == math.comb(7, 3)
    assert st.chisquare(list(freq.values())).pvalue > 1e-3  # 70,000 draws over 35 subsets
    full = cs._random_subsets(rng, 9, 9, 1000)  # n = N: every row holds every position
    assert (np.sort(full, axis=1) == np.arange(9)).all()
    big = cs._random_subsets(rng, 100_006, 6, R)
    assert ((big >= 0) & (big < 100_006)).all()
    assert all(len(set(r)) == 6 for r in big.tolist())
    # every position equally likely: mean (N - 1) / 2, sd of a mean of 59,994 positions
    sd = math.sqrt((100_006**2 - 1) / 12 / big.size)
    assert abs(big.mean() - 100_005 / 2) <= 4 * sd


def test_monte_carlo_null_matches_the_exact_null_distribution() -> None:
    """200,000 draws of 5 of 25 pooled responses against the exact probabilities (chi-square)."""
    x, y = canonical([5, 4, 5, 3, 4]), canonical(E20)
    exact = null_twice_rank_sums(x, y)
    total = sum(exact.values())
    _, counts, twice_rank = cs._pooled_ranks(x, y)
    draws = cs._rank_sum_draws(counts, twice_rank, 5, np.random.default_rng(SEED), 200_000)
    seen = collections.Counter(draws.tolist())
    assert set(seen) <= set(exact)
    keys = sorted(exact)
    observed = np.array([seen[k] for k in keys], float)
    expected = np.array([exact[k] / total * draws.size for k in keys])
    assert expected.min() >= 5  # 49 attainable rank sums, each expected 11 times or more
    assert st.chisquare(observed, expected).pvalue > 1e-3


@pytest.mark.parametrize(
    "case",
    [
        "big",
        ([5, 4, 5, 3, 4], E20),
        ([13 / 3, 11 / 3, 4, 4, 10 / 3, 3, 14 / 3, 7 / 2, 4], [*E20, 7 / 3, 8 / 3, 4, 3] * 2),
    ],
)
def test_monte_carlo_p_is_binomial_around_the_exact_tail(case: Any) -> None:
    """Over 150 seeds, c = p * 10,000 / 2 - 1 (the count in the smaller tail) has the mean and
    variance of Binomial(9,999, q), q the exact tail probability."""
    x, y = big_cell() if case == "big" else (canonical(case[0]), canonical(case[1]))
    q = min(exact_mw_tails(x, y))
    assert 0.001 < q < 0.2  # the smaller tail is the one counted
    ps = [cs._mann_whitney_p(x, y, seed)[0] for seed in range(150)]
    assert None not in ps
    c = np.array(ps, dtype=float) * (R + 1) / 2 - 1
    assert np.allclose(c, np.round(c), atol=1e-6)
    mean, var = R * q, R * q * (1 - q)
    assert abs(c.mean() - mean) <= 4 * math.sqrt(var / c.size)
    assert 0.7 <= c.var(ddof=1) / var <= 1.35  # chi-square(149) / 149 is 1 +- 0.12


@pytest.mark.parametrize(("x", "y"), _perm_cases(5, 12, exact=False))
def test_monte_carlo_p_within_monte_carlo_error_of_scipy_and_exact(
    x: list[float], y: list[float]
) -> None:
    seed = int(sum(x) * 1000 + len(y))
    p, test = cs._mann_whitney_p(canonical(x), canonical(y), seed)
    assert test == "mann_whitney_permutation"
    assert_monte_carlo_p(p, x, y, seed)
    assert cs._mann_whitney_p(canonical(x), canonical(y), seed)[0] == p  # reproducible


def test_big_cell_permutation_p_matches_the_exact_p() -> None:
    """6 leaders against 100,000 employees (scipy would permute all 100,006 scores 9,999
    times): the Monte Carlo p lies within its error of the exact p."""
    lead, emp = big_cell()
    r = cs.stated_vs_lived(lead, emp, seed=SEED)
    assert r.test == "mann_whitney_permutation"
    p = r.p_value
    assert p is not None
    exact = exact_mw_p(lead, emp)
    assert abs(p - exact) <= 4.5 * mc_sd(exact) + 2 / (R + 1)


# --- Benjamini-Hochberg ---------------------------------------------------------------------------


def test_bh_by_hand() -> None:
    # sorted p: 0.005 (i=1), 0.01 (2), 0.03 (3), 0.04 (4), m = 4
    # p*m/i: 0.02, 0.02, 0.04, 0.04; running minimum from the top changes nothing
    assert cs.bh_qvalues([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_bh_step_up_and_none_kept_in_place() -> None:
    # p*m/i = 0.03, 0.03, 0.025 -> minimum from the top: 0.025 for all three
    assert cs.bh_qvalues([0.01, None, 0.02, 0.025]) == [
        pytest.approx(0.025),
        None,
        pytest.approx(0.025),
        pytest.approx(0.025),
    ]
    q = cs.bh_qvalues([None, 0.01, 0.04, None, 0.03, 0.005, float("nan")])
    assert q[0] is None
    assert q[3] is None
    assert q[6] is None
    assert q[1:3] == pytest.approx([0.02, 0.04])
    assert q[4:6] == pytest.approx([0.04, 0.02])
    assert cs.bh_qvalues([None, None]) == [None, None]
    assert cs.bh_qvalues([]) == []
    assert all(type(x) is float for x in cs.bh_qvalues([0.5, 0.2]))


# --- classification ------------------------------------------------------------------------------

BASE = {
    "n_leaders": 3,
    "n_employees": 20,
    "employee_mean": 3.2,
    "gap": 0.8,
    "gap_ci_low": 0.3,
    "cliffs_delta": 0.4,
    "q_value": 0.01,
    "leader_span": 1.0,
}


def klass(**overrides: Any) -> cs.Classification:
    return cs.classify(**{**BASE, **overrides})


def test_insufficient_data_rows() -> None:
    assert klass(n_employees=9).classification == "insufficient_data"
    assert klass(n_employees=10).classification == "blind_spot"
    assert klass(n_leaders=0, gap=None, cliffs_delta=None, leader_span=None).as_dict() == {
        "classification": "insufficient_data",
        "severity": None,
        "tags": (),
    }


def test_blind_spot_boundaries() -> None:
    edge = klass(cliffs_delta=0.33, gap=0.5, q_value=0.049)
    assert (edge.classification, edge.severity) == ("blind_spot", "moderate")
    assert klass(cliffs_delta=0.3299).classification == "middling"
    assert klass(gap=0.4999).classification == "middling"
    assert klass(q_value=0.05).classification == "middling"  # 0.05 is not < 0.05
    assert klass(q_value=None).classification == "middling"
    assert "watch" not in edge.tags


@pytest.mark.parametrize(
    ("delta", "gap_lo", "severity"),
    [
        (0.70, 1.5, "critical"),
        (0.95, 2.0, "critical"),
        (0.6999, 1.5, "high"),
        (0.70, 1.4999, "high"),
        (0.474, 1.0, "high"),
        (0.4739, 1.2, "moderate"),
        (0.60, 0.9999, "moderate"),
        (0.80, None, "moderate"),
    ],
)
def test_blind_spot_severity(delta: float, gap_lo: float | None, severity: str) -> None:
    c = klass(cliffs_delta=delta, gap=2.0, gap_ci_low=gap_lo)
    assert (c.classification, c.severity) == ("blind_spot", severity)


def test_hidden_strength_boundaries() -> None:
    c = klass(cliffs_delta=-0.33, gap=-0.5, q_value=0.01, employee_mean=4.2)
    assert (c.classification, c.severity, c.tags) == ("hidden_strength", None, ())
    assert klass(cliffs_delta=-0.3299, gap=-0.5, employee_mean=4.2).classification == (
        "aligned_strength"
    )
    assert klass(cliffs_delta=-0.5, gap=-0.4999, employee_mean=4.2).classification == (
        "aligned_strength"
    )
    assert klass(cliffs_delta=-0.5, gap=-1, q_value=0.05, employee_mean=4.2).classification == (
        "aligned_strength"
    )


def test_mean_based_rows() -> None:
    quiet = {"cliffs_delta": 0.0, "gap": 0.0, "q_value": 0.9}
    assert klass(employee_mean=3.5, **quiet).classification == "aligned_strength"
    assert klass(employee_mean=3.4999, **quiet).classification == "middling"
    assert klass(employee_mean=3.0, **quiet).classification == "middling"
    assert klass(employee_mean=2.9999, **quiet).classification == "shared_weakness"
    assert klass(employee_mean=3.2, **quiet).as_dict() == {
        "classification": "middling",
        "severity": None,
        "tags": (),
    }
    with pytest.raises(ValueError, match="employee_mean"):
        klass(employee_mean=None, **quiet)


def test_float_noise_does_not_flip_a_class() -> None:
    # scores 3, 13/3, 3, 11/3 have mean exactly 3.5, but in floating point 3.4999999999999996
    e_mean = float(np.mean([3.0, 13 / 3, 3.0, 11 / 3]))
    assert e_mean < 3.5
    quiet = {"cliffs_delta": 0.0, "gap": 0.0, "q_value": 0.9}
    assert klass(employee_mean=e_mean, **quiet).classification == "aligned_strength"
    span = 13 / 3 - 7 / 3  # exactly 2, in floating point 1.9999999999999996
    assert span < 2
    assert "leadership_split" in klass(leader_span=span).tags


def test_watch_tag() -> None:
    base = {"employee_mean": 3.2, "q_value": 0.5}
    assert klass(cliffs_delta=0.147, gap=0.25, **base).tags == ("watch",)
    assert klass(cliffs_delta=-0.2, gap=-0.3, **base).tags == ("watch",)
    assert klass(cliffs_delta=0.1469, gap=1.0, **base).tags == ()
    assert klass(cliffs_delta=0.5, gap=0.2499, **base).tags == ()
    # significant-looking figures that are not significant: aligned strength, watched
    c = klass(cliffs_delta=0.5, gap=0.8, q_value=0.2, employee_mean=3.6)
    assert (c.classification, c.tags) == ("aligned_strength", ("watch",))
    # never on a blind spot or hidden strength
    assert klass().tags == ()
    assert klass(cliffs_delta=-0.5, gap=-0.8).tags == ()


def test_leadership_split_tag_on_any_class() -> None:
    assert klass(leader_span=2.0).tags == ("leadership_split",)  # blind spot
    assert klass(leader_span=1.99).tags == ()
    both = klass(leader_span=3.0, q_value=0.3)
    assert (both.classification, both.tags) == ("middling", ("watch", "leadership_split"))
    # insufficient data keeps both tags (documented decision: "tags on any class")
    few = klass(n_employees=5, leader_span=2.5)
    assert (few.classification, few.tags) == ("insufficient_data", ("watch", "leadership_split"))


# --- organization-level figures -----------------------------------------------------------------


def test_self_deception_index_by_hand() -> None:
    # 100 * (0.5 + max(0, -0.2) + 0.1) / 3 = 100 * 0.6 / 3 = 20
    assert cs.self_deception_index([0.5, -0.2, 0.1, None]) == pytest.approx(20.0)
    assert cs.self_deception_index([-0.4, -0.1]) == 0.0
    assert cs.self_deception_index([]) is None
    assert cs.self_deception_index([None]) is None


def test_calibration_and_mae_by_hand() -> None:
    over = cs.calibration([80, 70, 90], 55.0)  # mean 80; 80 - 55 = +25 points
    assert (over.n, over.mean_prediction, over.actual, over.error) == (3, 80.0, 55.0, 25.0)
    under = cs.calibration([40, None, 50], 60.0)  # mean 45; 45 - 60 = -15
    assert (under.n, under.error) == (2, -15.0)
    assert cs.calibration_mae([over.error, under.error, None]) == 20.0  # (25 + 15) / 2
    assert cs.calibration_mae([]) is None
    none = cs.calibration([], 60.0)
    assert (none.n, none.mean_prediction, none.error) == (0, None, None)
    assert cs.calibration([50], None).error is None
    with pytest.raises(ValueError, match="percentages"):
        cs.calibration([120], 50.0)


def test_profile_agreement_matches_spearmanr() -> None:
    leaders = [4.5, 4.0, 3.8, 4.2, 3.0, None]
    employees = [3.1, 3.5, 2.9, 3.3, 2.5, 3.9]
    ref = st.spearmanr([4.5, 4.0, 3.8, 4.2, 3.0], [3.1, 3.5, 2.9, 3.3, 2.5])
    a = cs.profile_agreement(leaders, employees)
    assert a.n_values == 5
    assert a.rho == pytest.approx(ref.statistic)
    assert a.p_value == pytest.approx(ref.pvalue)
    assert cs.profile_agreement([4, 3], [3, 2]).rho is None
    const = cs.profile_agreement([4, 4, 4], [3, 2, 1])
    assert (const.rho, const.p_value) == (None, None)


# --- other views ----------------------------------------------------------------------------------


def test_leavers_vs_stayers() -> None:
    exits = [2, 3, 1, 2, 3, 2, 4, 2, 1, 3, 2, 2]
    r = cs.leavers_vs_stayers(exits, E20, seed=SEED)
    assert (r.n_exit, r.n_lived) == (12, 20)
    assert r.mean_exit == pytest.approx(27 / 12)
    assert r.mean_lived == pytest.approx(3.15)
    assert r.cliffs_delta == pytest.approx(brute_delta(exits, E20))
    assert r.test == "mann_whitney_asymptotic"
    ref = st.mannwhitneyu(
        canonical(exits), canonical(E20), alternative="two-sided", method="asymptotic"
    )
    assert r.p_value == pytest.approx(ref.pvalue)
    small = cs.leavers_vs_stayers(exits[:6], E20, seed=SEED)
    assert small.test == "mann_whitney_permutation"
    assert_monte_carlo_p(small.p_value, exits[:6], E20, SEED)
    tiny = cs.leavers_vs_stayers(exits[:3], E20[:9], seed=SEED)  # C(12, 3) = 220: exact
    assert tiny.test == "mann_whitney_permutation"
    assert tiny.p_value == scipy_perm_p(exits[:3], E20[:9], SEED)
    empty = cs.leavers_vs_stayers([], E20, seed=SEED)
    assert empty.cliffs_delta is None
    assert empty.p_value is None


@pytest.mark.parametrize(
    ("exits", "test"),
    [
        ([2, 3, 1, 2, np.nan, 3, 2], "mann_whitney_permutation"),
        # no resampling on this path, so it is order-free even unsorted (whole-result check)
        ([2, 3, 1, 2, 3, 2, 4, 2, 1, 3, 2, 2], "mann_whitney_asymptotic"),
    ],
)
def test_leavers_vs_stayers_ignore_storage_order(exits: list[float], test: str) -> None:
    ref = cs.leavers_vs_stayers(exits, E20, seed=SEED)
    assert ref.test == test
    for exit_order, lived_order in storage_orders(exits, E20, seed=41):
        r = cs.leavers_vs_stayers(exit_order, lived_order, seed=SEED)
        assert r.as_dict() == ref.as_dict()


def test_leaver_signal() -> None:
    assert cs.leaver_signal(-0.33, 0.049)
    assert not cs.leaver_signal(-0.3299, 0.01)
    assert not cs.leaver_signal(-0.5, 0.05)
    assert not cs.leaver_signal(None, 0.01)
    assert not cs.leaver_signal(-0.5, None)


def test_promised_vs_found_by_hand() -> None:
    expected = [4, 4, 5, 3, 5, 4, 2, 3, np.nan]
    found = [3, 4, 3, 3, 2, 2, 2, 4, 5]
    # d = expected - found = 1, 0, 2, 0, 3, 2, 0, -1 (last pair dropped: missing side)
    # non-zero |d| = 1, 2, 3, 2, 1 -> ranks 1.5, 3.5, 5, 3.5, 1.5
    # R+ = 1.5 + 3.5 + 5 + 3.5 = 13.5, R- = 1.5 -> r = 12 / 15 = 0.8
    r = cs.promised_vs_found(expected, found)
    assert r.n == 8
    assert r.rank_biserial == pytest.approx(0.8)
    assert r.mean_difference == pytest.approx(7 / 8)
    assert r.mean_expected == pytest.approx(30 / 8)
    assert r.mean_found == pytest.approx(23 / 8)
    assert (r.share_worse, r.share_equal, r.share_better) == (4 / 8, 3 / 8, 1 / 8)
    ref = st.wilcoxon([4, 4, 5, 3, 5, 4, 2, 3], [3, 4, 3, 3, 2, 2, 2, 4])
    assert r.p_value == pytest.approx(ref.pvalue)
    assert_plain(r.as_dict())


def test_promised_vs_found_larger_sample_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    expected = rng.integers(2, 6, 60).astype(float)
    found = np.clip(expected - rng.integers(-1, 3, 60), 1, 5)
    r = cs.promised_vs_found(expected, found)
    assert r.p_value == pytest.approx(st.wilcoxon(expected, found).pvalue)
    d = expected - found
    assert r.share_worse + r.share_equal + r.share_better == pytest.approx(1.0)
    assert r.share_worse == np.mean(d > 0)


def test_promised_vs_found_all_equal_and_empty() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = cs.promised_vs_found([4, 3, 5], [4, 3, 5])
    assert (r.p_value, r.rank_biserial, r.share_equal, r.mean_difference) == (1.0, 0.0, 1.0, 0.0)
    empty = cs.promised_vs_found([np.nan], [3])
    assert empty.n == 0
    assert empty.p_value is None
    assert empty.share_worse is None


def test_credibility_gap() -> None:
    assert cs.credibility_gap(0.33, 0.01)
    assert not cs.credibility_gap(0.3299, 0.01)
    assert not cs.credibility_gap(0.8, 0.05)
    assert not cs.credibility_gap(-0.8, 0.001)


def test_trend_needs_five_waves() -> None:
    assert cs.trend([3.0, 3.1, 3.2, 3.3]) is None
    assert cs.trend([3.0, None, 3.1, 3.2, 3.3]) is None  # 4 waves with a mean


def test_trend_mann_kendall_and_theilslopes_by_hand() -> None:
    means = [3.4, 3.3, None, 3.35, 3.1, 3.0, 2.9]
    x = [0, 1, 3, 4, 5, 6]  # the missing wave keeps its place (for Theil-Sen)
    y = [3.4, 3.3, 3.35, 3.1, 3.0, 2.9]
    # S, pair by pair: 3.4 -> five lower (-5); 3.3 -> 3.35 higher, three lower (-2);
    # 3.35 -> -3; 3.1 -> -2; 3.0 -> -1: S = -13, tau = -13 / 15
    t = cs.trend(means)
    assert t is not None
    assert t.n_waves == 6
    assert mk_s(y) == -13
    assert t.tau == -13 / 15
    assert t.p_value == brute_mk_p(y)
    ts = st.theilslopes(y, x)
    assert (t.slope, t.slope_low, t.slope_high, t.intercept) == pytest.approx(
        (ts.slope, ts.low_slope, ts.high_slope, ts.intercept)
    )
    assert t.tau < 0
    assert_plain(t.as_dict())


@pytest.mark.parametrize(
    "means",
    [
        [3.0, 3.1, 3.2, 3.3, 3.4],  # m = 5, strictly increasing: p = 2/120
        [3.2, 3.1, 3.1, 3.0, 3.0],  # m = 5, ties
        [3.5, 3.5, 3.5, 3.5, 3.0],  # m = 5, one wave off a flat line
        [3.2, 3.2, 3.2, 3.0, 3.0, 3.0],  # m = 6, two blocks of ties
        [4.1, 3.9, 4.0, 3.6, 3.8, 3.7],  # m = 6, no ties
        [3.3, 3.1, 3.3, 3.1, 3.0, 3.1, 2.9],  # m = 7, ties
        [2.8, 3.0, 2.9, 3.1, 3.0, 3.2, 3.1, 3.3],  # m = 8, ties
        [3.8, 3.6, 3.7, 3.5, 3.4, 3.6, 3.3, 3.2],  # m = 8, one tie
        [3.0, 3.4, 3.1, 3.3, 3.2, 3.5, 3.6, 2.9],  # m = 8, no ties, no trend
    ],
)
def test_mann_kendall_exact_p_matches_brute_force(means: list[float]) -> None:
    m = len(means)
    t = cs.trend(means)
    assert t is not None
    assert t.n_waves == m
    assert t.tau == mk_s(means) / (m * (m - 1) / 2)
    assert t.p_value == brute_mk_p(means)  # both are (count / m!) in floating point


def test_mann_kendall_exact_p_strictly_monotone_by_hand() -> None:
    # without ties, only the increasing and the decreasing orderings reach |S| = m(m-1)/2
    for m in range(5, 9):
        t = cs.trend([3.0 - 0.1 * i for i in range(m)])
        assert t is not None
        assert (t.tau, t.p_value) == (-1.0, 2 / math.factorial(m))


def normal_mk_p(y: list[float]) -> float:
    """Normal approximation by hand: tie-corrected var(S), continuity-corrected z."""
    m, s = len(y), mk_s(y)
    ties = collections.Counter(y).values()
    var = (m * (m - 1) * (2 * m + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    z = (s - (s > 0) + (s < 0)) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))  # = 2 * (1 - Phi(|z|))


@pytest.mark.parametrize(
    "means",
    [
        [3.2, 3.2, 3.2, 3.1, 3.1, 3.1, 3.0, 3.0, 3.0],  # m = 9, three blocks of ties
        [3.0, 3.1, 3.1, 3.2, 3.0, 3.3, 3.3, 3.3, 3.4],  # m = 9, ties
        [3.4, 3.3, 3.4, 3.2, 3.3, 3.1, 3.2, 3.0, 3.1, 3.0],  # m = 10, pairs of ties
        [3.1, 3.2, 3.0, 3.1, 3.3, 3.1, 3.2, 3.0, 3.2, 3.1, 3.3, 3.2],  # m = 12, no trend
    ],
)
def test_mann_kendall_normal_approximation_from_nine_waves(means: list[float]) -> None:
    m = len(means)
    t = cs.trend(means)
    assert t is not None
    assert t.tau == mk_s(means) / (m * (m - 1) / 2)
    assert t.p_value == pytest.approx(normal_mk_p(means), rel=1e-12)


def test_mann_kendall_normal_approximation_worked_example() -> None:
    # 9 waves, strictly increasing: S = 36, var = 9 * 8 * 23 / 18 = 92,
    # z = (36 - 1) / sqrt(92) = 3.649002, p = 2 * (1 - Phi(3.648972)) = 2.6327e-4
    t = cs.trend([3.0 + 0.1 * i for i in range(9)])
    assert t is not None
    assert t.tau == 1.0
    assert t.p_value == pytest.approx(2.6327e-4, rel=1e-4)
    # with ties: 3.0 x3, 3.1 x3, 3.2 x3 in order: S = 27 (the 27 pairs across blocks),
    # var = (1656 - 3 * 3 * 2 * 11) / 18 = (1656 - 198) / 18 = 81, z = 26 / 9 = 2.888889
    tied = cs.trend([3.0] * 3 + [3.1] * 3 + [3.2] * 3)
    assert tied is not None
    assert tied.tau == 27 / 36
    assert tied.p_value == pytest.approx(math.erfc(26 / 9 / math.sqrt(2)), rel=1e-12)
    assert tied.p_value == pytest.approx(0.0038661, rel=1e-4)


def test_tied_series_kendalltau_called_declining_is_not_significant() -> None:
    """The 1.0 failure: kendalltau's asymptotic p on tied wave means is too small."""
    for means, exact in [
        # 5 waves, 3.2 -> 3.0 with ties: S = -8 reached by 8 of 120 orderings
        ([3.2, 3.1, 3.1, 3.0, 3.0], 8 / 120),
        # 6 waves, two flat blocks: S = -9 reached by 72 of 720 orderings
        ([3.2, 3.2, 3.2, 3.0, 3.0, 3.0], 72 / 720),
    ]:
        old = st.kendalltau(range(len(means)), means)
        assert old.statistic < 0
        assert old.pvalue < 0.05  # 1.0 flagged it "declining" on its own
        t = cs.trend(means)
        assert t is not None
        assert t.p_value == pytest.approx(exact, rel=1e-12)
        assert t.p_value == brute_mk_p(means)
        assert t.p_value >= 0.05
        q = cs.bh_qvalues([t.p_value])[0]
        assert not cs.declining(t.tau, q)


def test_mann_kendall_float_noise_is_a_tie() -> None:
    # (3 + 13/3 + 3 + 11/3) / 4 is 3.5 exactly, 3.4999999999999996 in floating point
    noisy = float(np.mean([3.0, 13 / 3, 3.0, 11 / 3]))
    assert noisy < 3.5
    t = cs.trend([3.5, noisy, 3.4, 3.3, 3.2])
    clean = cs.trend([3.5, 3.5, 3.4, 3.3, 3.2])
    assert t is not None
    assert clean is not None
    assert (t.tau, t.p_value) == (clean.tau, clean.p_value)
    assert clean.tau == -9 / 10


def test_trend_constant_series() -> None:
    t = cs.trend([3.0] * 5)
    assert t is not None
    assert (t.tau, t.p_value, t.slope, t.slope_low, t.slope_high) == (0.0, 1.0, 0.0, 0.0, 0.0)


def test_declining() -> None:
    assert cs.declining(-0.6, 0.01)
    assert not cs.declining(0.6, 0.01)
    assert not cs.declining(-0.6, 0.05)
    assert not cs.declining(0.0, 0.0)


def test_wave_to_wave() -> None:
    previous = E20
    current = [4, 4, 3, 5, 4, 3, 4, 5]
    r = cs.wave_to_wave(previous, current, seed=SEED)
    assert r.change == pytest.approx(32 / 8 - 3.15)
    assert r.cliffs_delta == pytest.approx(brute_delta(current, previous))
    assert r.test == "mann_whitney_permutation"
    assert_monte_carlo_p(r.p_value, current, previous, SEED)
    big = cs.wave_to_wave(previous, current + current, seed=SEED)
    assert big.test == "mann_whitney_asymptotic"
    assert big.p_value == pytest.approx(
        st.mannwhitneyu(
            canonical(current + current), canonical(previous), method="asymptotic"
        ).pvalue
    )


@pytest.mark.parametrize(
    ("current", "test"),
    [
        ([4, 4, 3, 5, np.nan, 4, 3, 4, 5], "mann_whitney_permutation"),
        # no resampling on this path, so it is order-free even unsorted (whole-result check)
        ([4, 4, 3, 5, 4, 3, 4, 5] * 2, "mann_whitney_asymptotic"),
    ],
)
def test_wave_to_wave_ignores_storage_order(current: list[float], test: str) -> None:
    ref = cs.wave_to_wave(E20, current, seed=SEED)
    assert ref.test == test
    for prev_order, cur_order in storage_orders(E20, current, seed=51):
        r = cs.wave_to_wave(prev_order, cur_order, seed=SEED)
        assert r.as_dict() == ref.as_dict()


# --- eNPS ---------------------------------------------------------------------------------------


def test_enps_adjusted_wald_by_hand() -> None:
    scores = [10, 9, 9, 8, 7, 6, 5, 10, 3, 9]
    # promoters 10, 9, 9, 10, 9 -> 5; passives 8, 7 -> 2; detractors 6, 5, 3 -> 3
    # score = 100 * (5 - 3) / 10 = 20
    # pP = 5.75/13, pD = 3.75/13, diff = 2/13
    # var = (9.5/13 - (2/13)^2) / 13 = (123.5/169 - 4/169) / 13 = 119.5 / 2197
    half = 1.959964 * math.sqrt(119.5 / 2197)  # 0.45711
    r = cs.enps(scores)
    assert (r.n, r.promoters, r.passives, r.detractors, r.score) == (10, 5, 2, 3, 20.0)
    assert r.ci_low == pytest.approx(100 * (2 / 13 - half), abs=1e-4)  # -30.33
    assert r.ci_high == pytest.approx(100 * (2 / 13 + half), abs=1e-4)  # 61.10
    assert r.ci_low == pytest.approx(-30.326, abs=1e-3)


def test_enps_interval_is_clipped() -> None:
    # 100 promoters: pP = 100.75/103, pD = 0.75/103, diff = 100/103 = 0.9709
    # var = (101.5/103 - (100/103)^2)/103 = 0.00041594, half = 1.96 * 0.020394 = 0.03997
    # high end 100 * 1.0108 -> clipped to 100
    r = cs.enps([10] * 100)
    assert r.score == 100.0
    assert r.ci_high == 100.0
    assert r.ci_low == pytest.approx(100 * (100 / 103 - 0.039972), abs=1e-3)


def test_enps_empty_and_invalid() -> None:
    assert cs.enps([]).score is None
    assert cs.enps([]).ci_low is None
    with pytest.raises(ValueError, match="integers 0-10"):
        cs.enps([11])
    with pytest.raises(ValueError, match="integers 0-10"):
        cs.enps([7.5])


# --- reliability ---------------------------------------------------------------------------------

ALPHA_ITEMS = np.array([[2, 3, 3], [3, 3, 4], [4, 5, 4], [5, 5, 5]], dtype=float)


def test_cronbach_alpha_by_hand() -> None:
    # item variances (ddof=1): [2,3,4,5] -> 5/3; [3,3,5,5] -> 4/3; [3,4,4,5] -> 2/3; sum 11/3
    # totals 8, 10, 13, 15: mean 11.5, squares 12.25+2.25+2.25+12.25 = 29 -> var 29/3
    # alpha = 3/2 * (1 - (11/3)/(29/3)) = 3/2 * 18/29 = 27/29
    with_missing = np.vstack([ALPHA_ITEMS, [[1, np.nan, 2]]])  # dropped listwise
    r = cs.cronbach_alpha(with_missing, seed=SEED)
    assert (r.n, r.k) == (4, 3)
    assert r.alpha == pytest.approx(27 / 29)
    assert r.warning is None
    assert r.note is None
    # Feldt: df1 = 3, df2 = 6; F.isf(0.025, 3, 6) = 6.598799, F.isf(0.975, 3, 6) = 0.067867
    # low = 1 - (2/29) * 6.598799 = 0.544910, high = 1 - (2/29) * 0.067867 = 0.995320
    assert (r.ci_low, r.ci_high) == pytest.approx(feldt(27 / 29, 4, 3), rel=1e-12)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.544910, 0.995320), abs=1e-6)


def test_cronbach_alpha_variance_formula_and_feldt_interval() -> None:
    rng = np.random.default_rng(11)
    base = rng.integers(1, 6, 40)
    items = np.clip(base[:, None] + rng.integers(-1, 2, (40, 4)), 1, 5).astype(float)
    k = items.shape[1]
    item_vars = sum(np.var(items[:, j], ddof=1) for j in range(k))
    total_var = np.var(items.sum(axis=1), ddof=1)
    expected = k / (k - 1) * (1 - item_vars / total_var)
    r = cs.cronbach_alpha(items, seed=SEED)
    assert r.alpha == pytest.approx(expected, rel=1e-12)
    assert (r.ci_low, r.ci_high) == pytest.approx(feldt(expected, 40, 4), rel=1e-12)
    assert r.ci_low < r.alpha < r.ci_high
    assert cs.cronbach_alpha(items, seed=SEED) == r  # reproducible
    assert cs.cronbach_alpha(items) == r  # the seed plays no part (accepted for old callers)


@pytest.mark.parametrize(("n", "k"), [(3, 2), (12, 3), (250, 5), (5000, 2)])
def test_cronbach_alpha_feldt_matches_scipy_f(n: int, k: int) -> None:
    rng = np.random.default_rng(n * k)
    base = rng.integers(1, 6, n)
    items = np.clip(base[:, None] + rng.integers(-2, 3, (n, k)), 1, 5).astype(float)
    r = cs.cronbach_alpha(items)
    assert r.alpha is not None
    assert (r.ci_low, r.ci_high) == pytest.approx(feldt(r.alpha, n, k), rel=1e-12)


def test_cronbach_alpha_ignores_storage_order() -> None:
    rng = np.random.default_rng(11)
    base = rng.integers(1, 6, 40)
    items = np.clip(base[:, None] + rng.integers(-1, 2, (40, 4)), 1, 5).astype(float)
    items[[3, 17], [1, 2]] = np.nan  # two incomplete respondents, dropped listwise
    ref = cs.cronbach_alpha(items, seed=SEED)
    assert ref.n == 38
    assert ref.ci_low is not None
    assert ref.ci_high is not None
    for order in shuffled(items, seed=61):  # whole rows move: respondents keep their answers
        assert cs.cronbach_alpha(order, seed=SEED).as_dict() == ref.as_dict()


def test_cronbach_alpha_low_just_below_threshold() -> None:
    # items [1,2,3,4,5] and [3,1,4,2,5]: variances 2.5 and 2.5
    # totals 4,3,7,6,10: mean 6, squares 4+9+1+0+16 = 30 -> var 7.5
    # alpha = 2 * (1 - 5/7.5) = 2/3 < 0.70 -> "low"
    items = np.array([[1, 3], [2, 1], [3, 4], [4, 2], [5, 5]], dtype=float)
    r = cs.cronbach_alpha(items, seed=SEED)
    assert r.alpha == pytest.approx(2 / 3)
    assert (r.warning, r.note) == ("low", None)


def test_cronbach_alpha_flags_and_missing_figures() -> None:
    rng = np.random.default_rng(5)
    noise = rng.integers(1, 6, (30, 4)).astype(float)  # unrelated items
    low = cs.cronbach_alpha(noise, seed=SEED)
    assert low.alpha is not None
    assert low.alpha < 0.70
    assert low.warning == "low"
    col = np.array([1, 2, 3, 4, 5, 2, 4], dtype=float)
    same = np.column_stack([col, col, col])
    # identical items: sum var = 3v, total var = 9v -> alpha = 3/2 * (1 - 1/3) = 1
    redundant = cs.cronbach_alpha(same, seed=SEED)
    assert redundant.alpha == pytest.approx(1.0)
    assert redundant.note == "redundant"
    assert redundant.warning is None
    assert (redundant.ci_low, redundant.ci_high) == pytest.approx((1.0, 1.0))  # 1 - 0 * F
    assert cs.cronbach_alpha(ALPHA_ITEMS[:, :1], seed=SEED).alpha is None  # k = 1
    assert cs.cronbach_alpha(ALPHA_ITEMS[:2], seed=SEED).alpha is None  # n = 2
    flat = cs.cronbach_alpha(np.full((6, 3), 4.0), seed=SEED)  # zero total variance
    assert (flat.alpha, flat.ci_low) == (None, None)
    assert_plain(redundant.as_dict())


# --- drivers and priority ------------------------------------------------------------------------


def test_key_driver_matches_spearmanr() -> None:
    scores = [3.5, 4.0, 2.0, np.nan, 4.5, 3.0, 1.5, 5.0]
    outcome = [7, 9, 4, 10, 9, np.nan, 3, 10]
    r = cs.key_driver(scores, outcome)
    ref = st.spearmanr([3.5, 4.0, 2.0, 4.5, 1.5, 5.0], [7, 9, 4, 9, 3, 10])
    assert r.n == 6
    assert r.rho == pytest.approx(ref.statistic)
    assert r.p_value == pytest.approx(ref.pvalue)
    assert cs.key_driver([1, 2], [3, 4]).rho is None


def test_priority() -> None:
    assert cs.priority(driver_rho=0.5, gap=1.2) == pytest.approx(0.6)
    assert cs.priority(driver_rho=-0.3, gap=1.0) == 0.0  # negative driver counts as 0
    assert cs.priority(driver_rho=0.5, gap=-0.4) == 0.0
    assert cs.priority(driver_rho=0.4, share_unfavorable=0.25) == pytest.approx(0.1)
    assert cs.priority(driver_rho=0.4, gap=0.5, share_unfavorable=0.9) == pytest.approx(0.2)
    assert cs.priority(driver_rho=None, gap=1.0) == 0.0
    assert cs.priority(driver_rho=0.4) == 0.0
    with pytest.raises(ValueError, match="fraction"):
        cs.priority(driver_rho=0.4, share_unfavorable=25)


def test_method_version() -> None:
    assert cs.METHOD_VERSION == "1.1"
