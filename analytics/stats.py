"""Statistics of the gap analysis: the method of ANALYSIS.md (1.1), in pure numpy/scipy.

This module is the reference implementation a statistician audits. It has no Django import
and no I/O: the engine passes arrays in and stores the small frozen result objects it gets back
(``as_dict()`` gives JSON-ready dicts).

Conventions used throughout
---------------------------
* Missing answers and missing scores are NaN (or None) on input and are dropped first.
* Results hold plain Python ``float``/``int`` values; a figure that does not exist is ``None``
  (never NaN).
* Intervals are analytic (Welch or t for the gap, Feldt for Cronbach's alpha): their cost does
  not grow with n. The only random procedure is the Mann-Whitney permutation test used when a
  group has fewer than 10 scores (and only when its permutations are too many to enumerate);
  it draws from ``numpy.random.default_rng(seed)``, a fresh Generator per test, so the same
  input and seed give identical output and the order in which the engine computes things does
  not matter. Its cost does not grow with the larger group (see ``_mann_whitney_perm_p``).
  Samples are sorted (rows of an item matrix put in lexicographic order) first, so neither the
  permutations drawn nor the last bits of a floating-point sum depend on the order in which
  answers happen to be stored.
* Threshold comparisons on score-scale quantities (means, gaps, deltas, spans) allow an
  absolute tolerance of 1e-9 (see ``_TOL``) so that floating-point noise in a mean such as
  (5 + 4 + 4) / 3 never flips a class. Real differences from a threshold in Likert data are
  multiples of 1 / (respondents x items), many orders of magnitude above 1e-9. For the same
  reason two wave means closer than 1e-9 are a tie in the Mann-Kendall trend.
  p- and q-values are compared exactly (q = 0.05 is *not* < 0.05).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any, overload

import numpy as np
import numpy.typing as npt
from scipy import special, stats

__all__ = [
    "METHOD_VERSION",
    "Agreement",
    "Calibration",
    "Classification",
    "Descriptives",
    "DriverResult",
    "EnpsResult",
    "GapResult",
    "LeaverResult",
    "PromisedFoundResult",
    "ReliabilityResult",
    "TrendResult",
    "WaveChangeResult",
    "bh_qvalues",
    "calibration",
    "calibration_mae",
    "classify",
    "cliffs_delta",
    "credibility_gap",
    "cronbach_alpha",
    "declining",
    "describe",
    "effect_size_label",
    "enps",
    "key_driver",
    "leaver_signal",
    "leavers_vs_stayers",
    "priority",
    "profile_agreement",
    "promised_vs_found",
    "reverse_score",
    "self_deception_index",
    "stated_vs_lived",
    "trend",
    "value_scores",
    "wave_to_wave",
]

METHOD_VERSION = "1.1"

FloatArray = npt.NDArray[np.float64]
# Scores as the engine passes them: an array, or a list with None for a missing figure.
Scores = npt.ArrayLike | Sequence[float | None]

# --- Method constants (ANALYSIS.md) -------------------------------------------------------------

N_RESAMPLES = 9999  # Mann-Whitney permutation resamples (a group under 10)
CONFIDENCE_LEVEL = 0.95  # every interval
# Its two tails, written as ANALYSIS.md gives them ((1 - 0.95) / 2 is 0.025000000000000022).
_TAIL_LOW, _TAIL_HIGH = 0.025, 0.975

SMALL_LEADERSHIP = 5  # n_L below this: mean(L) is a fixed claim (one-sample t-test)
ASYMPTOTIC_MIN_N = 10  # Mann-Whitney asymptotic only when both groups have at least this many
MIN_EMPLOYEES = 10  # classification needs n_E >= 10
MIN_WAVES = 5  # trends need at least this many waves
MK_EXACT_MAX_WAVES = 8  # Mann-Kendall p by exact permutation up to this many waves (8! orderings)

# Romano et al. thresholds for |Cliff's delta|.
DELTA_NEGLIGIBLE = 0.147
DELTA_SMALL = 0.33
DELTA_MEDIUM = 0.474
DELTA_CRITICAL = 0.70

GAP_FLAG = 0.5  # |gap| for blind spot / hidden strength
GAP_LO_CRITICAL = 1.5
GAP_LO_HIGH = 1.0
GAP_WATCH = 0.25
ALIGNED_MEAN = 3.5
WEAK_MEAN = 3.0
SPLIT_SPAN = 2.0
Q_ALPHA = 0.05

FAVORABLE_AT = 4.0  # score >= 4.0 is favorable (1-5 scale)
UNFAVORABLE_AT = 2.0  # score <= 2.0 is unfavorable (1-5 scale)

ALPHA_LOW = 0.70
ALPHA_REDUNDANT = 0.95

_TOL = 1e-9  # see module docstring


# --- Result objects -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Result:
    def as_dict(self) -> dict[str, Any]:
        """The result as a plain dict (tuples stay tuples; ``json.dumps`` writes them as lists)."""
        return asdict(self)


@dataclass(frozen=True)
class Descriptives(_Result):
    n: int
    mean: float | None
    median: float | None
    sd: float | None
    counts: dict[int, int]
    favorable_pct: float | None
    unfavorable_pct: float | None


@dataclass(frozen=True)
class GapResult(_Result):
    n_leaders: int
    n_employees: int
    leader_mean: float | None
    employee_mean: float | None
    gap: float | None
    gap_ci: tuple[float, float] | None
    cliffs_delta: float | None
    effect_size: str | None
    p_value: float | None
    test: str | None
    leader_span: float | None


@dataclass(frozen=True)
class Classification(_Result):
    classification: str
    severity: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Calibration(_Result):
    n: int
    mean_prediction: float | None
    actual: float | None
    error: float | None


@dataclass(frozen=True)
class Agreement(_Result):
    n_values: int
    rho: float | None
    p_value: float | None


@dataclass(frozen=True)
class LeaverResult(_Result):
    n_exit: int
    n_lived: int
    mean_exit: float | None
    mean_lived: float | None
    cliffs_delta: float | None
    p_value: float | None
    test: str | None


@dataclass(frozen=True)
class PromisedFoundResult(_Result):
    n: int
    mean_expected: float | None
    mean_found: float | None
    mean_difference: float | None
    p_value: float | None
    rank_biserial: float | None
    share_worse: float | None
    share_equal: float | None
    share_better: float | None


@dataclass(frozen=True)
class TrendResult(_Result):
    n_waves: int
    tau: float
    p_value: float
    slope: float
    slope_low: float
    slope_high: float
    intercept: float


@dataclass(frozen=True)
class WaveChangeResult(_Result):
    n_previous: int
    n_current: int
    mean_previous: float | None
    mean_current: float | None
    change: float | None
    cliffs_delta: float | None
    p_value: float | None
    test: str | None


@dataclass(frozen=True)
class EnpsResult(_Result):
    n: int
    promoters: int
    passives: int
    detractors: int
    score: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class ReliabilityResult(_Result):
    n: int
    k: int
    alpha: float | None
    ci_low: float | None
    ci_high: float | None
    warning: str | None
    note: str | None


@dataclass(frozen=True)
class DriverResult(_Result):
    n: int
    rho: float | None
    p_value: float | None


# --- Small helpers ------------------------------------------------------------------------------


def _clean(values: Scores) -> FloatArray:
    """Sorted 1-D float array with missing values (None / NaN) removed; infinities are an
    input error. Sorting makes permutation tests and float sums independent of the order the
    answers were stored in.
    """
    a = np.asarray(values, dtype=np.float64).ravel()
    if np.isinf(a).any():
        raise ValueError("infinite value in scores")
    return np.sort(a[~np.isnan(a)])


def _opt(x: Any) -> float | None:
    """Plain float, or None for a missing / non-finite figure (NaN never leaves this module)."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def _p_value(p: Any) -> float | None:
    """A p-value as a plain float capped at 1 (a continuity correction can overshoot)."""
    f = _opt(p)
    return None if f is None else min(1.0, f)


def _mean(a: FloatArray) -> float | None:
    return float(np.mean(a)) if a.size else None


def _is_constant(a: FloatArray) -> bool:
    return a.size > 0 and bool(np.ptp(a) == 0)


def _ge(x: float | None, threshold: float) -> bool:
    """x >= threshold, up to float noise; False when x is missing."""
    return x is not None and x >= threshold - _TOL


def _le(x: float | None, threshold: float) -> bool:
    """x <= threshold, up to float noise; False when x is missing."""
    return x is not None and x <= threshold + _TOL


def _q_significant(q: float | None) -> bool:
    """q < 0.05, compared exactly; a missing q is not significant."""
    return q is not None and math.isfinite(q) and q < Q_ALPHA


def _mann_whitney_p(x: FloatArray, y: FloatArray, seed: int) -> tuple[float | None, str | None]:
    """Two-sided Mann-Whitney p of x vs y and the name of the method used.

    Asymptotic (normal approximation with tie correction and continuity correction, scipy's
    default) when both groups have >= 10; otherwise the permutation test of
    ``mannwhitneyu(x, y, method=PermutationMethod(n_resamples=9999, rng=default_rng(seed)))``,
    computed at a cost that does not grow with the larger group (see _mann_whitney_perm_p).
    A permutation test needs >= 2 observations per group (as scipy's does), so with a group of
    1 there is no p.
    """
    if x.size < 2 or y.size < 2:
        return None, None
    if min(x.size, y.size) >= ASYMPTOTIC_MIN_N:
        res = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
        return _p_value(res.pvalue), "mann_whitney_asymptotic"
    return _p_value(_mann_whitney_perm_p(x, y, seed)), "mann_whitney_permutation"


def _mann_whitney_perm_p(x: FloatArray, y: FloatArray, seed: int) -> float:
    """Two-sided permutation p of Mann-Whitney U, scipy's permutation test without its cost.

    scipy (``permutation_test`` with ``permutation_type="independent"``, which is what
    ``mannwhitneyu`` runs for a ``PermutationMethod``) permutes the whole pooled sample: every
    resample re-ranks N = n_x + n_y values. Under the null hypothesis the smaller group (s, size
    n) is a uniformly random n-subset of the N pooled responses, and its U is a fixed shift of
    its rank sum, which depends only on how many of each distinct pooled value it holds. So the
    same test is computed on the n chosen positions alone:

    * Ranks: midranks of the pooled sample (ties share their average rank, as scipy ranks).
      They are kept doubled, 2r = 2*end - count + 1 for a distinct value occupying sorted
      positions (end - count, end], so every rank sum is an exact integer.
    * Statistic: T = sum of the doubled ranks of the smaller group (U of either group is an
      affine function of T, and the two-sided p below is symmetric in the two tails).
    * Exact, as scipy is, when the number of pooled permutations, C(N, n) (scipy counts the
      partitions of the N indices, ties or not), is at most 9,999: the null distribution is
      enumerated (_rank_sum_exact) and p = 2 * min(#{T_null <= T}, #{T_null >= T}) / C(N, n).
    * Otherwise Monte Carlo, as scipy is: 9,999 uniformly random n-subsets of the N positions
      drawn from default_rng(seed) (_rank_sum_draws; the same null distribution as scipy's
      full permutations, not the same random stream), and
      p = 2 * min(#{T_null <= T} + 1, #{T_null >= T} + 1) / (9,999 + 1).
    * Capped at 1. scipy compares null statistics to the observed one with a relative
      tolerance of 100 ulp for float noise; T is an exact integer, so the comparisons here are
      exact and count the same null values.
    """
    small, large = (x, y) if x.size <= y.size else (y, x)
    values, counts, twice_rank = _pooled_ranks(small, large)
    observed = int(twice_rank[np.searchsorted(values, small)].sum())
    n, total = int(small.size), int(counts.sum())
    n_perm = math.comb(total, n)
    if n_perm <= N_RESAMPLES:
        null = _rank_sum_exact(counts, twice_rank, n)
        le = sum(w for t, w in null.items() if t <= observed)
        ge = sum(w for t, w in null.items() if t >= observed)
        return min(1.0, min(le / n_perm, ge / n_perm) * 2)
    draws = _rank_sum_draws(counts, twice_rank, n, np.random.default_rng(seed), N_RESAMPLES)
    le = int(np.count_nonzero(draws <= observed)) + 1
    ge = int(np.count_nonzero(draws >= observed)) + 1
    return min(1.0, min(le / (N_RESAMPLES + 1), ge / (N_RESAMPLES + 1)) * 2)


def _pooled_ranks(
    a: FloatArray, b: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct values of a and b pooled (ascending, equal meaning ==, as scipy ranks),
    their counts and their doubled midranks."""
    values, counts = np.unique(np.concatenate((a, b)), return_counts=True)
    counts = counts.astype(np.int64)
    ends = np.cumsum(counts)
    return values, counts, 2 * ends - counts + 1


def _rank_sum_exact(
    counts: npt.NDArray[np.int64], twice_rank: npt.NDArray[np.int64], n: int
) -> dict[int, int]:
    """Null distribution of the doubled rank sum of n of the pooled responses, exactly.

    Maps each doubled rank sum to the number of n-subsets of the N = sum(counts) pooled
    responses that reach it: taking t_j of the counts[j] responses of each distinct value can be
    done in prod_j C(counts[j], t_j) ways (multivariate hypergeometric weights). The counts add
    up to C(N, n). Built value by value; used only when C(N, n) <= 9,999.
    """
    ways: dict[tuple[int, int], int] = {(0, 0): 1}
    for m, r2 in zip(counts.tolist(), twice_rank.tolist(), strict=True):
        grown: dict[tuple[int, int], int] = {}
        for (k, t), w in ways.items():
            for j in range(min(m, n - k) + 1):
                key = (k + j, t + j * r2)
                grown[key] = grown.get(key, 0) + w * math.comb(m, j)
        ways = grown
    return {t: w for (k, t), w in ways.items() if k == n}


def _rank_sum_draws(
    counts: npt.NDArray[np.int64],
    twice_rank: npt.NDArray[np.int64],
    n: int,
    rng: np.random.Generator,
    size: int,
) -> npt.NDArray[np.int64]:
    """``size`` draws from the null distribution of the doubled rank sum of n pooled responses.

    Each draw is a uniformly random n-subset of the N sorted pooled positions (_random_subsets);
    a position's value is found from the cumulative counts, so a draw costs O(n^2 + n log J)
    for J distinct values, whatever N.
    """
    positions = _random_subsets(rng, int(counts.sum()), n, size)
    ends = np.cumsum(counts)
    return twice_rank[np.searchsorted(ends, positions, side="right")].sum(axis=1)


def _random_subsets(
    rng: np.random.Generator, total: int, n: int, size: int
) -> npt.NDArray[np.int64]:
    """``size`` independent uniformly random n-subsets of range(total), one per row.

    Floyd's algorithm (Bentley & Floyd, "A sample of brilliance", CACM 1987), vectorized over
    rows: for j = total - n, ..., total - 1, draw r uniform on 0..j; take r unless the row holds
    it already, else take j. Every n-subset comes out with probability 1 / C(total, n). O(n^2)
    per row; no array of size total.
    """
    out = np.empty((size, n), dtype=np.int64)
    for col, j in enumerate(range(total - n, total)):
        r = rng.integers(0, j + 1, size=size, dtype=np.int64)
        taken = (out[:, :col] == r[:, None]).any(axis=1)
        out[:, col] = np.where(taken, j, r)
    return out


def _sample_var(a: FloatArray) -> float:
    """Sample variance (ddof=1) of at least 2 scores; exactly 0.0 when all are equal (a mean of
    equal fractional scores can miss them by an ulp, which would leave a variance of 1e-32)."""
    return 0.0 if _is_constant(a) else float(np.var(a, ddof=1))


# --- Scores -------------------------------------------------------------------------------------


@overload
def reverse_score(x: float, scale_min: float = 1, scale_max: float = 5) -> float: ...
@overload
def reverse_score(x: FloatArray, scale_min: float = 1, scale_max: float = 5) -> FloatArray: ...
def reverse_score(
    x: float | FloatArray, scale_min: float = 1, scale_max: float = 5
) -> float | FloatArray:
    """Reverse-score an answer: x' = (scale_min + scale_max) - x, i.e. 6 - x on 1-5.

    NaN (unanswered) stays NaN.
    """
    if isinstance(x, np.ndarray):
        return (scale_min + scale_max) - x.astype(np.float64)
    return float((scale_min + scale_max) - x)


def value_scores(
    answers: npt.ArrayLike,
    reverse: Sequence[bool],
    *,
    scale_min: float = 1,
    scale_max: float = 5,
) -> FloatArray:
    """Value score per respondent from an (n_respondents x n_items) answer matrix (NaN = no answer).

    Reverse-scored items are flipped first (6 - x). Then, for each respondent with m answered
    items out of k:

        score = (sum of answered items) / m     if 3*m >= 2*k   (at least two thirds answered)
        score = NaN                             otherwise

    The two-thirds rule uses exact integer arithmetic (3 items: 2 answered is enough, 1 is not;
    4 items: 3 needed). Answers outside [scale_min, scale_max] raise ValueError.
    """
    a = np.array(answers, dtype=np.float64, ndmin=2)
    if a.ndim != 2:
        raise ValueError("answers must be a 2-D (respondents x items) array")
    n_items = a.shape[1]
    if n_items == 0:
        raise ValueError("a value needs at least one item")
    flags = np.asarray(reverse, dtype=bool)
    if flags.shape != (n_items,):
        raise ValueError(f"reverse has {flags.size} flags for {n_items} items")
    answered_mask = ~np.isnan(a)
    if np.isinf(a).any() or ((a[answered_mask] < scale_min) | (a[answered_mask] > scale_max)).any():
        raise ValueError(f"answers must lie in [{scale_min}, {scale_max}]")
    a[:, flags] = (scale_min + scale_max) - a[:, flags]
    answered = answered_mask.sum(axis=1)
    totals = np.where(answered_mask, a, 0.0).sum(axis=1)
    enough = answered * 3 >= n_items * 2  # integers: exact
    scores = np.full(a.shape[0], np.nan)
    # enough implies answered >= 1 (k >= 1), so the division is safe where it is used.
    scores[enough] = totals[enough] / answered[enough]
    return scores


def describe(
    scores: Scores,
    *,
    scale_min: int = 1,
    scale_max: int = 5,
    favorable_at: float = FAVORABLE_AT,
    unfavorable_at: float = UNFAVORABLE_AT,
) -> Descriptives:
    """Descriptives of one group's scores (NaN dropped first).

    * n, mean, median; sd with ddof=1 (None when n < 2).
    * counts per answer scale_min..scale_max: integer scores count as themselves; a fractional
      score x goes to the bucket floor(x + 0.5) (round half up: 3.5 -> 4, 3.33 -> 3).
    * favorable_pct = 100 * #{x >= 4.0} / n   (a fractional 4.0 counts; 3.67 does not)
    * unfavorable_pct = 100 * #{x <= 2.0} / n (the 1-2 end; used for priority where leaders
      have no rating)
    Percentages are None when n = 0.
    """
    x = _clean(scores)
    n = int(x.size)
    if n and ((x < scale_min) | (x > scale_max)).any():
        raise ValueError(f"scores must lie in [{scale_min}, {scale_max}]")
    buckets = np.floor(x + 0.5).astype(int)
    counts = {v: int(np.count_nonzero(buckets == v)) for v in range(scale_min, scale_max + 1)}
    if n == 0:
        return Descriptives(0, None, None, None, counts, None, None)
    return Descriptives(
        n=n,
        mean=float(np.mean(x)),
        median=float(np.median(x)),
        sd=float(np.std(x, ddof=1)) if n >= 2 else None,
        counts=counts,
        favorable_pct=100.0 * int(np.count_nonzero(x >= favorable_at)) / n,
        unfavorable_pct=100.0 * int(np.count_nonzero(x <= unfavorable_at)) / n,
    )


# --- Stated vs lived ----------------------------------------------------------------------------


def cliffs_delta(a: Scores, b: Scores) -> float:
    """Cliff's delta of a vs b: delta = P(a > b) - P(a < b) = 2*U_a / (n_a*n_b) - 1.

    U_a = scipy.stats.mannwhitneyu(a, b).statistic (ties count 1/2). Computed as
    (2*U_a - n_a*n_b) / (n_a*n_b): the numerator is an exact integer, so delta is the correctly
    rounded value of the exact fraction and a delta of exactly 0.33 compares as 0.33.
    NaN dropped; raises ValueError when a group is empty.
    """
    x, y = _clean(a), _clean(b)
    if x.size == 0 or y.size == 0:
        raise ValueError("Cliff's delta needs two non-empty groups")
    # The statistic does not depend on the p-value method; asymptotic is the cheapest.
    u = float(stats.mannwhitneyu(x, y, method="asymptotic").statistic)
    nm = x.size * y.size
    return float((2.0 * u - nm) / nm)


def effect_size_label(delta: float) -> str:
    """Romano's labels for |delta|: < 0.147 negligible, < 0.33 small, < 0.474 medium, else large."""
    d = abs(delta)
    if not _ge(d, DELTA_NEGLIGIBLE):
        return "negligible"
    if not _ge(d, DELTA_SMALL):
        return "small"
    if not _ge(d, DELTA_MEDIUM):
        return "medium"
    return "large"


def stated_vs_lived(leaders: Scores, employees: Scores, *, seed: int) -> GapResult:
    """Stated (leaders, L) vs lived (employees, E) for one cell. NaN scores are dropped.

    gap = mean(L) - mean(E); delta = Cliff's delta of L vs E; leader_span = max(L) - min(L).

    p-value:
      n_L < 5:  ttest_1samp(E, popmean=mean(L))  (leadership's mean is a fixed claim).
                If E has zero variance the t statistic is +-inf or 0/0; the limit is used:
                p = 1.0 when E's common value equals mean(L), else p = 0.0. None when n_E < 2.
      n_L >= 5: mannwhitneyu(L, E, two-sided), asymptotic when both groups >= 10, else a
                permutation test (9,999 resamples, default_rng(seed)). None when n_E < 2.

    95% interval of the gap (analytic; seed plays no part in it), gap -+ t.ppf(0.975, df) * se:
      n_L < 5:  mean(L) minus the t interval of mean(E): se = s_E / sqrt(n_E), df = n_E - 1.
      n_L >= 5: Welch-Satterthwaite: se = sqrt(v_L + v_E) with v = s^2 / n,
                df = (v_L + v_E)^2 / (v_L^2 / (n_L - 1) + v_E^2 / (n_E - 1)).
      s is the sample sd (ddof 1). This is scipy's ttest_ind(L, E, equal_var=False)
      .confidence_interval() for n_L >= 5, degenerate cases included: one group without
      variation gives df = n - 1 of the other (the t interval of the side that varies); no
      variation on either side gives the zero-width (gap, gap). The interval is None when
      n_E = 1 (one score has no sample variance; n_L >= 5 guarantees two leaders).

    With n_L = 0 or n_E = 0 only the figures that exist are filled; the rest are None.
    """
    lead, emp = _clean(leaders), _clean(employees)
    n_l, n_e = int(lead.size), int(emp.size)
    mean_l, mean_e = _mean(lead), _mean(emp)
    span = float(np.ptp(lead)) if n_l else None
    if mean_l is None or mean_e is None:
        return GapResult(n_l, n_e, mean_l, mean_e, None, None, None, None, None, None, span)

    gap = mean_l - mean_e
    delta = cliffs_delta(lead, emp)

    p: float | None
    test: str | None
    if n_l < SMALL_LEADERSHIP:
        p, test = _one_sample_t_p(emp, mean_l), "one_sample_t"
        if p is None:
            test = None
    else:
        p, test = _mann_whitney_p(lead, emp, seed)

    return GapResult(
        n_leaders=n_l,
        n_employees=n_e,
        leader_mean=mean_l,
        employee_mean=mean_e,
        gap=gap,
        gap_ci=_gap_interval(lead, emp, gap),
        cliffs_delta=delta,
        effect_size=effect_size_label(delta),
        p_value=p,
        test=test,
        leader_span=span,
    )


def _one_sample_t_p(emp: FloatArray, claim: float) -> float | None:
    """p of ttest_1samp(E, popmean=claim); the zero-variance limit (see stated_vs_lived)."""
    if emp.size < 2:
        return None
    if _is_constant(emp):
        # Zero variance: scipy would divide by zero. Limit of the t statistic: 0/0 -> no
        # evidence (p = 1) when E sits exactly on the claim, +-inf -> p = 0 otherwise.
        return 1.0 if math.isclose(float(emp[0]), claim, rel_tol=0.0, abs_tol=_TOL) else 0.0
    return _p_value(stats.ttest_1samp(emp, popmean=claim).pvalue)


def _gap_interval(lead: FloatArray, emp: FloatArray, gap: float) -> tuple[float, float] | None:
    """95% interval of the gap (see stated_vs_lived)."""
    n_l, n_e = lead.size, emp.size
    if n_e < 2:
        return None
    if n_l < SMALL_LEADERSHIP:
        df: float = n_e - 1
        se = math.sqrt(_sample_var(emp)) / math.sqrt(n_e)
    else:
        v_l, v_e = _sample_var(lead) / n_l, _sample_var(emp) / n_e
        if v_l + v_e == 0:
            # scipy's df would be 0/0 (it substitutes 1); with se = 0 the df does not matter.
            return (gap, gap)
        df = (v_l + v_e) ** 2 / (v_l**2 / (n_l - 1) + v_e**2 / (n_e - 1))
        se = math.sqrt(v_l + v_e)
    # special.stdtrit(df, q) is t.ppf(q, df) (the function t.ppf calls, bit for bit) without
    # the distribution object's overhead of about half a millisecond per call.
    half = float(special.stdtrit(df, _TAIL_HIGH)) * se
    return (gap - half, gap + half)


def bh_qvalues(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini-Hochberg q-values over one report run: scipy false_discovery_control(p, "bh").

    q_(i) = min over j >= i of  min(1, p_(j) * m / j)  for the sorted p-values, m = number of
    p-values present. Missing entries (None or NaN) are skipped and stay None in place.
    """
    present = [(i, v) for i, p in enumerate(p_values) if (v := _opt(p)) is not None]
    out: list[float | None] = [None] * len(p_values)
    if not present:
        return out
    qs = stats.false_discovery_control(np.array([v for _, v in present]), method="bh")
    for (i, _), q in zip(present, qs, strict=True):
        out[i] = float(q)
    return out


def classify(
    *,
    n_leaders: int,
    n_employees: int,
    employee_mean: float | None,
    gap: float | None,
    gap_ci_low: float | None,
    cliffs_delta: float | None,
    q_value: float | None,
    leader_span: float | None,
) -> Classification:
    """Class, severity and tags of a cell (ANALYSIS.md table, first matching row wins).

    insufficient_data  n_E < 10 or n_L = 0
    blind_spot         delta >= 0.33 and gap >= 0.5 and q < 0.05; severity
                         critical  delta >= 0.70  and gap_lo >= 1.5
                         high      delta >= 0.474 and gap_lo >= 1.0
                         moderate  otherwise (also when gap_lo is missing)
    hidden_strength    delta <= -0.33 and gap <= -0.5 and q < 0.05   (severity None)
    aligned_strength   mean(E) >= 3.5
    shared_weakness    mean(E) < 3.0
    middling           otherwise

    Tags, on any class including insufficient_data ("Tags on any class"):
    "watch"            |delta| >= 0.147 and |gap| >= 0.25, class not blind_spot/hidden_strength
                       (needs delta and gap, which exist whenever both groups have a score)
    "leadership_split" leader_span >= 2
    A missing delta, gap or q never meets a condition.
    """
    tags: list[str] = []
    klass: str
    severity: str | None = None
    significant = _q_significant(q_value)

    if n_employees < MIN_EMPLOYEES or n_leaders == 0:
        klass = "insufficient_data"
    elif significant and _ge(cliffs_delta, DELTA_SMALL) and _ge(gap, GAP_FLAG):
        klass = "blind_spot"
        if _ge(cliffs_delta, DELTA_CRITICAL) and _ge(gap_ci_low, GAP_LO_CRITICAL):
            severity = "critical"
        elif _ge(cliffs_delta, DELTA_MEDIUM) and _ge(gap_ci_low, GAP_LO_HIGH):
            severity = "high"
        else:
            severity = "moderate"
    elif significant and _le(cliffs_delta, -DELTA_SMALL) and _le(gap, -GAP_FLAG):
        klass = "hidden_strength"
    else:
        if employee_mean is None:
            raise ValueError("employee_mean is required when n_employees >= 10")
        if _ge(employee_mean, ALIGNED_MEAN):
            klass = "aligned_strength"
        elif not _ge(employee_mean, WEAK_MEAN):
            klass = "shared_weakness"
        else:
            klass = "middling"

    if (
        klass not in ("blind_spot", "hidden_strength")
        and cliffs_delta is not None
        and gap is not None
        and _ge(abs(cliffs_delta), DELTA_NEGLIGIBLE)
        and _ge(abs(gap), GAP_WATCH)
    ):
        tags.append("watch")
    if _ge(leader_span, SPLIT_SPAN):
        tags.append("leadership_split")
    return Classification(klass, severity, tuple(tags))


# --- Organization-level figures ----------------------------------------------------------------


def self_deception_index(deltas: Sequence[float | None]) -> float | None:
    """Self-deception index (0-100) = 100 * mean over values of max(0, delta).

    The engine passes the company-level delta of each value with enough data; missing deltas
    (None / NaN) are skipped. None when no delta is given.
    """
    ds = [v for d in deltas if (v := _opt(d)) is not None]
    if not ds:
        return None
    return 100.0 * float(np.mean([max(0.0, d) for d in ds]))


def calibration(
    predictions: Sequence[float | None], actual_favorable_pct: float | None
) -> Calibration:
    """Leaders' calibration for one value (percentages, 0-100).

    error = mean(predictions) - actual % favorable, in percentage points
    (positive = leaders overconfident). Missing predictions are skipped; error is None when
    there is no prediction or no actual figure.
    """
    preds = _clean(np.array(predictions, dtype=np.float64))
    if ((preds < 0) | (preds > 100)).any():
        raise ValueError("predictions are percentages in [0, 100]")
    mean_pred = _mean(preds)
    actual = _opt(actual_favorable_pct)
    error = mean_pred - actual if mean_pred is not None and actual is not None else None
    return Calibration(int(preds.size), mean_pred, actual, error)


def calibration_mae(errors: Sequence[float | None]) -> float | None:
    """Overall calibration error: mean |error| over values (missing skipped); None when none."""
    es = [abs(v) for e in errors if (v := _opt(e)) is not None]
    return float(np.mean(es)) if es else None


def _pairs(a: Scores, b: Scores) -> tuple[FloatArray, FloatArray]:
    """Two equal-length arrays with every pair that has a missing side dropped."""
    x = np.asarray(a, dtype=np.float64).ravel()
    y = np.asarray(b, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"paired inputs differ in length: {x.size} vs {y.size}")
    if np.isinf(x).any() or np.isinf(y).any():
        raise ValueError("infinite value in paired input")
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def _spearman(x: FloatArray, y: FloatArray) -> tuple[float | None, float | None]:
    """scipy.stats.spearmanr(x, y); (None, None) below 3 pairs or with a constant side."""
    if x.size < 3 or _is_constant(x) or _is_constant(y):
        return None, None
    res = stats.spearmanr(x, y)
    return _opt(res.statistic), _opt(res.pvalue)


def profile_agreement(
    leader_means: Sequence[float | None], employee_means: Sequence[float | None]
) -> Agreement:
    """Profile agreement: Spearman rho between leaders' and employees' value means.

    Paired by value; values missing on either side are dropped. rho and p are None with fewer
    than 3 values or when either profile is constant (rho undefined).
    """
    x, y = _pairs(leader_means, employee_means)
    rho, p = _spearman(x, y)
    return Agreement(int(x.size), rho, p)


# --- Other views --------------------------------------------------------------------------------


def leavers_vs_stayers(exit_scores: Scores, lived_scores: Scores, *, seed: int) -> LeaverResult:
    """Leavers (exit) vs stayers (lived) for one value.

    delta = cliffs_delta(exit, lived) (negative = leavers see it worse); p = two-sided
    Mann-Whitney, asymptotic when both groups >= 10, else permutation (9,999, default_rng(seed)).
    Figures that need both groups are None when one is empty; p is None when a group has < 2.
    """
    ex, lv = _clean(exit_scores), _clean(lived_scores)
    if ex.size == 0 or lv.size == 0:
        return LeaverResult(int(ex.size), int(lv.size), _mean(ex), _mean(lv), None, None, None)
    p, test = _mann_whitney_p(ex, lv, seed)
    return LeaverResult(
        n_exit=int(ex.size),
        n_lived=int(lv.size),
        mean_exit=_mean(ex),
        mean_lived=_mean(lv),
        cliffs_delta=cliffs_delta(ex, lv),
        p_value=p,
        test=test,
    )


def leaver_signal(delta: float | None, q: float | None) -> bool:
    """Leaver signal: delta(exit vs lived) <= -0.33 and q < 0.05."""
    return _le(delta, -DELTA_SMALL) and _q_significant(q)


def promised_vs_found(expected: Scores, found: Scores) -> PromisedFoundResult:
    """Promised (expected) vs found, paired within each onboarding response.

    Pairs with a missing side are dropped; d = expected - found.
    * p = scipy.stats.wilcoxon(expected, found) with its defaults made explicit:
      zero_method="wilcox" (zero differences are discarded, as the method's plain call does;
      share_equal reports them) and method="auto" (deterministic). All d = 0 -> p = 1.0.
    * matched-pairs rank-biserial r = (R+ - R-) / (R+ + R-), R+/R- the sums of the ranks of |d|
      (average ranks for ties) over the non-zero d with d > 0 / d < 0. Positive = expected above
      found. All d = 0 -> r = 0.0 (no difference in either direction).
    * share_worse = #{found < expected}/n, share_equal = #{d = 0}/n, share_better = #{found >
      expected}/n.
    Everything but n is None when no pair is left.
    """
    exp, fnd = _pairs(expected, found)
    n = int(exp.size)
    if n == 0:
        return PromisedFoundResult(0, None, None, None, None, None, None, None, None)
    d = exp - fnd
    nonzero = d[d != 0]
    if nonzero.size == 0:
        p: float | None = 1.0
        r = 0.0
    else:
        res = stats.wilcoxon(exp, fnd, zero_method="wilcox", method="auto")
        p = _p_value(res.pvalue)
        ranks = stats.rankdata(np.abs(nonzero))
        r_plus = float(ranks[nonzero > 0].sum())
        r_minus = float(ranks[nonzero < 0].sum())
        r = (r_plus - r_minus) / (r_plus + r_minus)
    return PromisedFoundResult(
        n=n,
        mean_expected=float(np.mean(exp)),
        mean_found=float(np.mean(fnd)),
        mean_difference=float(np.mean(d)),
        p_value=p,
        rank_biserial=r,
        share_worse=int(np.count_nonzero(d > 0)) / n,
        share_equal=int(np.count_nonzero(d == 0)) / n,
        share_better=int(np.count_nonzero(d < 0)) / n,
    )


def credibility_gap(r: float | None, q: float | None) -> bool:
    """Credibility gap: rank-biserial r >= 0.33 (expected above found) and q < 0.05."""
    return _ge(r, DELTA_SMALL) and _q_significant(q)


def trend(means: Sequence[float | None]) -> TrendResult | None:
    """Trend of one figure over waves (oldest first); None with fewer than 5 waves with a mean.

    wave_index = 0, 1, 2, ... is the position in ``means``; waves without a mean (None/NaN) are
    skipped but keep their position (it matters to Theil-Sen only). Over the m waves with a mean:
    * Mann-Kendall S = sum over waves i < j of sign(mean_j - mean_i) (0 for a tie: two means
      closer than 1e-9, see the module docstring), tau = S / (m(m-1)/2).
    * p, two-sided:
      m <= 8: exact, by permutation of the wave order: the share of all m! orderings of the
              observed means (tied means included, so equal orderings count as many times as
              they occur) whose |S| >= |S_obs|.
      m > 8:  normal approximation, var(S) = (m(m-1)(2m+5) - sum_t t(t-1)(2t+5)) / 18 over the
              tie groups of size t, continuity-corrected z = (S - sign(S)) / sqrt(var(S)),
              p = 2 * norm.sf(|z|). S = 0 gives p = 1.
      A constant series has S = 0, tau = 0.0 and p = 1.0.
    * Theil-Sen: slope (per wave), intercept (at wave_index 0) and the 95% interval of the slope
      from scipy.stats.theilslopes(mean, wave_index, alpha=0.95).
    """
    y_all = np.asarray(means, dtype=np.float64).ravel()
    idx = np.arange(y_all.size, dtype=np.float64)
    keep = ~np.isnan(y_all)
    x, y = idx[keep], y_all[keep]
    if y.size < MIN_WAVES:
        return None
    m = int(y.size)
    s, p = _mann_kendall(_tie_codes(y))
    ts = stats.theilslopes(y, x, alpha=CONFIDENCE_LEVEL)
    return TrendResult(
        n_waves=m,
        tau=s / (m * (m - 1) / 2),
        p_value=p,
        slope=float(ts.slope),
        slope_low=float(ts.low_slope),
        slope_high=float(ts.high_slope),
        intercept=float(ts.intercept),
    )


def _tie_codes(y: FloatArray) -> npt.NDArray[np.int64]:
    """Each value's rank among the distinct values (0, 1, ...), values within 1e-9 being one.

    Mann-Kendall needs only the order of the means, and integer codes make its ties exact.
    """
    order = np.argsort(y, kind="stable")
    steps = np.concatenate(([0], np.cumsum(np.diff(y[order]) > _TOL)))
    codes = np.empty(y.size, dtype=np.int64)
    codes[order] = steps
    return codes


@cache
def _orderings(m: int) -> npt.NDArray[np.intp]:
    """All m! orderings of m positions, one per row (40,320 x 8 at most)."""
    return np.array(list(itertools.permutations(range(m))), dtype=np.intp)


def _mk_s(codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Mann-Kendall S of each row (last axis = waves in order)."""
    m = codes.shape[-1]
    i, j = np.triu_indices(m, k=1)
    return np.sign(codes[..., j] - codes[..., i]).sum(axis=-1)


def _mann_kendall(codes: npt.NDArray[np.int64]) -> tuple[int, float]:
    """S and its two-sided p (see trend) from the tie codes of the wave means, in wave order."""
    m = codes.size
    s = int(_mk_s(codes))
    if s == 0:
        return 0, 1.0
    if m <= MK_EXACT_MAX_WAVES:
        s_all = _mk_s(codes[_orderings(m)])
        return s, int(np.count_nonzero(np.abs(s_all) >= abs(s))) / s_all.size
    t = np.unique(codes, return_counts=True)[1]
    var = (m * (m - 1) * (2 * m + 5) - int((t * (t - 1) * (2 * t + 5)).sum())) / 18
    z = (s - math.copysign(1, s)) / math.sqrt(var)
    return s, min(1.0, float(2 * stats.norm.sf(abs(z))))


def declining(tau: float | None, q: float | None) -> bool:
    """Declining: Mann-Kendall tau < 0 (that is, S < 0) and q < 0.05."""
    return tau is not None and tau < 0 and _q_significant(q)


def wave_to_wave(previous: Scores, current: Scores, *, seed: int) -> WaveChangeResult:
    """Wave-to-wave change of one cell (unpaired: anonymous responses cannot be linked).

    change = mean(current) - mean(previous); delta = cliffs_delta(current, previous) (positive =
    better now); p = two-sided Mann-Whitney, asymptotic when both groups >= 10, else
    permutation (9,999, default_rng(seed)); None when a group has < 2.
    """
    prev, cur = _clean(previous), _clean(current)
    m_prev, m_cur = _mean(prev), _mean(cur)
    if m_prev is None or m_cur is None:
        return WaveChangeResult(
            int(prev.size), int(cur.size), m_prev, m_cur, None, None, None, None
        )
    p, test = _mann_whitney_p(cur, prev, seed)
    return WaveChangeResult(
        n_previous=int(prev.size),
        n_current=int(cur.size),
        mean_previous=m_prev,
        mean_current=m_cur,
        change=m_cur - m_prev,
        cliffs_delta=cliffs_delta(cur, prev),
        p_value=p,
        test=test,
    )


_Z_975 = float(stats.norm.ppf(0.975))  # 1.959964...


def enps(scores_0_10: Scores) -> EnpsResult:
    """eNPS of the 0-10 recommend item, with the adjusted-Wald 95% interval.

    P = #{9, 10}, D = #{0..6}, passives = #{7, 8}, n = P + passives + D (missing dropped).
        score = 100 * (P - D) / n

    Adjusted-Wald interval for a difference of two multinomial proportions, as applied to NPS
    by Rocks (2016, "Interval estimation for the 'net promoter score'", The American
    Statistician 70(4)) and Sauro & Lewis (Quantifying the User Experience): add 3 to n and
    0.75 to each of P and D:
        pP = (P + 0.75)/(n + 3),  pD = (D + 0.75)/(n + 3),  diff = pP - pD
        var = (pP + pD - diff^2) / (n + 3)
        interval = 100 * (diff -+ z * sqrt(var)), z = norm.ppf(0.975), clipped to [-100, 100]
    The interval is centred on the adjusted diff, not on the score. All None when n = 0.
    Scores must be integers 0-10.
    """
    s = _clean(scores_0_10)
    if ((s < 0) | (s > 10) | (s != np.floor(s))).any():
        raise ValueError("recommend scores must be integers 0-10")
    n = int(s.size)
    promoters = int(np.count_nonzero(s >= 9))
    detractors = int(np.count_nonzero(s <= 6))
    passives = n - promoters - detractors
    if n == 0:
        return EnpsResult(0, 0, 0, 0, None, None, None)
    p_p = (promoters + 0.75) / (n + 3)
    p_d = (detractors + 0.75) / (n + 3)
    diff = p_p - p_d
    half = _Z_975 * math.sqrt((p_p + p_d - diff**2) / (n + 3))
    return EnpsResult(
        n=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        score=100.0 * (promoters - detractors) / n,
        ci_low=max(-100.0, 100.0 * (diff - half)),
        ci_high=min(100.0, 100.0 * (diff + half)),
    )


def cronbach_alpha(items: npt.ArrayLike, *, seed: int | None = None) -> ReliabilityResult:
    """Cronbach's alpha of one value scale (respondents x items, NaN = unanswered).

    Listwise: only respondents who answered every item are used (n of them, k items).
        alpha = k/(k-1) * (1 - sum_i var(item_i) / var(sum of items)),  variances ddof=1
    Reverse-scored items must already be flipped.
    Interval: Feldt's 95% interval, df1 = n - 1, df2 = (n - 1)(k - 1):
        low  = 1 - (1 - alpha) * F.isf(0.025, df1, df2)
        high = 1 - (1 - alpha) * F.isf(0.975, df1, df2)
    warning = "low" when alpha < 0.70; note = "redundant" when alpha > 0.95.
    All figures None when k < 2, n < 3 or the total score has zero variance.
    ``seed`` is accepted and ignored: the interval is analytic since method 1.1.
    """
    del seed
    a = np.array(items, dtype=np.float64, ndmin=2)
    if a.ndim != 2:
        raise ValueError("items must be a 2-D (respondents x items) array")
    complete = a[~np.isnan(a).any(axis=1)]
    # Rows in lexicographic order, so the float sums do not depend on storage order.
    complete = complete[np.lexsort(complete.T[::-1])]
    n, k = int(complete.shape[0]), int(complete.shape[1])
    totals = complete.sum(axis=1)
    if k < 2 or n < 3 or _is_constant(totals):
        return ReliabilityResult(n, k, None, None, None, None, None)
    item_var = float(np.var(complete, axis=0, ddof=1).sum())
    alpha = k / (k - 1) * (1.0 - item_var / float(np.var(totals, ddof=1)))
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return ReliabilityResult(
        n=n,
        k=k,
        alpha=alpha,
        ci_low=1.0 - (1.0 - alpha) * float(stats.f.isf(_TAIL_LOW, df1, df2)),
        ci_high=1.0 - (1.0 - alpha) * float(stats.f.isf(_TAIL_HIGH, df1, df2)),
        warning="low" if alpha < ALPHA_LOW else None,
        note="redundant" if alpha > ALPHA_REDUNDANT else None,
    )


def key_driver(value_scores: Scores, outcome: Scores) -> DriverResult:
    """Driver strength: Spearman rho (scipy.stats.spearmanr) between respondents' value score and
    an outcome (recommend 0-10, intent to stay), over respondents with both.

    rho and p are None below 3 respondents or when either side is constant.
    """
    x, y = _pairs(value_scores, outcome)
    rho, p = _spearman(x, y)
    return DriverResult(int(x.size), rho, p)


def priority(
    *,
    driver_rho: float | None,
    gap: float | None = None,
    share_unfavorable: float | None = None,
) -> float:
    """Priority of a value = max(0, rho) * max(0, gap), or max(0, rho) * share_unfavorable when
    leaders have no rating (gap is None).

    A negative driver strength counts as 0 (a value that moves the outcome the wrong way is no
    lever). share_unfavorable is a fraction in [0, 1] (unfavorable_pct / 100). Missing figures
    give 0.0. The two kinds of priority are on different scales; rank them separately.
    """
    rho = _opt(driver_rho)
    if rho is None:
        return 0.0
    strength = max(0.0, rho)
    g = _opt(gap)
    if g is not None:
        return strength * max(0.0, g)
    share = _opt(share_unfavorable)
    if share is None:
        return 0.0
    if not 0.0 <= share <= 1.0:
        raise ValueError("share_unfavorable is a fraction in [0, 1]")
    return strength * share
