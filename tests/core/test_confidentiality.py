"""The minimum group size and differencing rules, on their own."""

import pytest

from core.confidentiality import hidden_key, tree_visibility, visible_cells


def shown(decisions: dict) -> set[str]:
    return {key for key, d in decisions.items() if d.shown}


def test_cells_at_or_above_k_with_large_remainders_are_shown():
    decisions = visible_cells(parent_n=30, cells={"a": 10, "b": 10, "c": 10}, k=5)
    assert shown(decisions) == {"a", "b", "c"}


def test_a_cell_below_k_is_hidden_and_so_is_the_next_smallest():
    decisions = visible_cells(parent_n=40, cells={"a": 20, "b": 12, "c": 4, "d": 4}, k=5)
    # c and d are hidden (4 < 5); together they hold 8 >= 5, so nothing more is needed.
    assert shown(decisions) == {"a", "b"}
    decisions = visible_cells(parent_n=36, cells={"a": 20, "b": 12, "c": 4}, k=5)
    # c alone is hidden, and 4 could be computed as 36 - 20 - 12: b goes too.
    assert shown(decisions) == {"a"}
    assert decisions["b"].reason == "complementary"


def test_a_cell_whose_remainder_is_below_k_is_hidden():
    decisions = visible_cells(parent_n=12, cells={"a": 9, "b": 3}, k=5)
    assert decisions["a"].reason == "remainder_below_k"
    assert shown(decisions) == set()


def test_a_remainder_of_zero_is_fine():
    assert shown(visible_cells(parent_n=9, cells={"a": 9}, k=5)) == {"a"}


def test_never_shown_groups_count_as_hidden_siblings():
    # 3 respondents kept no location: that small group must not be derivable either.
    cells = {"Berlin": 20, "Lisbon": 8, hidden_key("unknown"): 3}
    decisions = visible_cells(parent_n=31, cells=cells, k=5)
    assert shown(decisions) == {"Berlin"}


def test_people_the_caller_did_not_list_count_as_hidden():
    decisions = visible_cells(parent_n=33, cells={"a": 20, "b": 10}, k=5)
    assert shown(decisions) == {"a"}


def test_siblings_cannot_hold_more_than_the_parent():
    with pytest.raises(ValueError, match="more people"):
        visible_cells(parent_n=5, cells={"a": 4, "b": 4}, k=3)


def test_a_department_below_a_hidden_department_is_hidden():
    # Engineering (12) is hidden to protect Sales (4); its children must not rebuild it.
    decisions = tree_visibility(
        total_n=40,
        node_n={1: 24, 2: 12, 3: 4, 4: 6, 5: 6},
        direct_n={None: 0, 1: 24, 2: 0, 3: 4, 4: 6, 5: 6},
        children={None: [1, 2, 3], 2: [4, 5]},
        k=5,
    )
    assert decisions[3].reason == "below_k"
    assert decisions[2].reason == "complementary"
    assert decisions[4].reason == decisions[5].reason == "parent_hidden"
    assert decisions[1].shown


def test_direct_members_of_a_parent_are_protected():
    # Platform (6) and Apps (6) sit under Engineering, which has 2 people of its own.
    decisions = tree_visibility(
        total_n=34,
        node_n={1: 20, 2: 14, 3: 6, 4: 6},
        direct_n={None: 0, 1: 20, 2: 2, 3: 6, 4: 6},
        children={None: [1, 2], 2: [3, 4]},
        k=5,
    )
    assert decisions[2].shown
    # 14 - 6 - 6 = 2 people of Engineering itself would be exposed: one child is hidden too.
    assert not (decisions[3].shown and decisions[4].shown)
    assert decisions[3].shown != decisions[4].shown
