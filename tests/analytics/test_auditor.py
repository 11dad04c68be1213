"""The differencing auditor, on hand-made sets: it finds every subtraction that isolates 1 to
k-1 live responses, and names a new cell to suppress."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.auditor import AuditCell, _distinct_rows, audit

K = 5


def cell(key, rows, *, size=40, new=True, measure="lived:open_door", family="all", rank=1):
    mask = np.zeros(size, dtype=bool)
    mask[list(rows)] = True
    return AuditCell(key=key, measure=measure, family=family, mask=mask, new=new, rank=rank)


def live(size=40, imported=()):
    flags = np.ones(size, dtype=bool)
    flags[list(imported)] = False
    return flags


def suppressed(findings):
    return {f.suppress for f in findings}


def test_a_department_one_person_short_of_its_parent_is_found():
    parent = cell("parent", range(20), family="department")
    child = cell("child", range(19), family="department")

    findings = audit([parent, child], live=live(), k=K)

    assert [(f.suppress, f.reason, f.responses) for f in findings] == [
        ("child", "difference_below_k", 1)
    ]


def test_differences_of_zero_or_at_least_k_pass():
    cells = [
        cell("all", range(30)),
        cell("a", range(20), family="department"),
        cell("same", range(20), family="location"),  # the same people: nothing new
        cell("b", range(25), family="tenure_band"),  # 5 more than a: k exactly
    ]

    assert audit(cells, live=live(), k=K) == []


def test_a_new_report_of_the_same_round_with_one_more_person_is_found():
    """The second wave into a published round: n went 53 -> 54."""
    before = cell("old", range(20), new=False)
    after = cell("new", range(21))

    findings = audit([before, after], live=live(), k=K)

    assert suppressed(findings) == {"new"}  # the old one is published and stays


def test_cells_published_before_are_never_named():
    old_parent = cell("p", range(20), new=False)
    old_child = cell("c", range(18), new=False)  # an earlier mistake cannot be undone here
    unrelated = cell("n", range(30, 40), family="department")

    assert audit([old_parent, old_child, unrelated], live=live(), k=K) == []


def test_imported_history_does_not_count_towards_k():
    """Padding: four made-up rows next to one real person make five, but only one is live."""
    padded = cell("location:Lisbon", [0, 1, 2, 3, 4], family="location")

    findings = audit([padded], live=live(imported=[0, 1, 2, 3]), k=K)

    assert [(f.suppress, f.reason, f.responses) for f in findings] == [
        ("location:Lisbon", "live_below_k", 1)
    ]
    # A difference made only of imported rows isolates nobody.
    pool = cell("pool", range(12), family="all")
    point = cell("point", range(9), family="round")
    assert audit([pool, point], live=live(imported=[9, 10, 11]), k=K) == []


def test_a_pool_minus_its_published_rounds_is_found():
    """The stayers side over three rounds minus the trend points of two of them leaves the
    one person of the third round."""
    stayers = cell("pool", range(21), family="all", rank=0)
    r1 = cell("trend/r1", range(10), new=False, family="round", rank=2)
    r3 = cell("trend/r3", range(11, 21), new=False, family="round", rank=2)

    findings = audit([stayers, r1, r3], live=live(), k=K)

    assert [(f.suppress, f.reason, f.responses) for f in findings] == [
        ("pool", "remainder_below_k", 1)
    ]


def test_the_lowest_ranked_new_cell_goes_first():
    pool = cell("pool", range(21), rank=0)
    point = cell("point", range(20), rank=2)

    assert suppressed(audit([pool, point], live=live(), k=K)) == {"pool"}


def test_cells_of_other_measures_are_not_compared():
    a = cell("a", range(20), measure="lived:open_door")
    b = cell("b", range(19), measure="lived:customers")

    assert audit([a, b], live=live(), k=K) == []


def test_overlapping_cells_that_do_not_contain_each_other_pass():
    a = cell("a", range(0, 20))
    b = cell("b", range(1, 21))

    assert audit([a, b], live=live(), k=K) == []


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 300),
    cells=st.integers(1, 130),
    density=st.floats(0.0, 1.0),
    repeats=st.integers(0, 300),
    seed=st.integers(0, 2**32 - 1),
)
def test_atoms_group_rows_exactly_as_numpy_unique_does(rows, cells, density, repeats, seed):
    """The atoms (responses in exactly the same cells) are grouped by a sort of 64-bit words;
    groups, their order and first rows must be numpy's own, for any number of cells."""
    rng = np.random.default_rng(seed)
    columns = rng.random((rows, cells)) < density
    columns[rng.integers(0, rows, repeats)] = columns[0]  # many rows alike, as in a survey
    packed = np.packbits(columns, axis=1)

    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    ours_first, ours_inverse = _distinct_rows(packed)

    assert ours_first.tolist() == first.tolist()
    assert ours_inverse.tolist() == inverse.ravel().tolist()
