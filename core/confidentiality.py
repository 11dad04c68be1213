"""Which cells of a breakdown may be shown: the minimum group size and differencing rules.

Pure functions, no Django: every figure that reaches a report passes through `visible_cells`,
so the rules live here and nowhere else.

The rules (ANALYSIS.md, "Confidentiality in the numbers"):
1. A cell is shown only if its own n >= k.
2. ...and the rest of its parent group (parent n - cell n) is 0 or >= k, so the cell cannot be
   subtracted from its parent to reveal a small remainder.
3. Complementary suppression: where a sibling is hidden, the next smallest shown sibling is
   hidden too, and this goes on until the hidden siblings together hold 0 or >= k people, so
   no hidden group can be computed as parent minus the shown ones.
4. (Trees.) A cell below a hidden cell is hidden: otherwise the hidden parent could be rebuilt
   by adding up its children.

Groups that are never shown (respondents without the attribute, people attached directly to a
parent department) take part as siblings, so they are protected like any other cell.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

HIDDEN_ONLY = "__hidden__"  # prefix of pseudo-cells that are counted but never shown


@dataclass(frozen=True)
class Decision:
    shown: bool
    # "", "below_k", "remainder_below_k", "complementary", "parent_hidden", "never_shown",
    # "differencing" (the auditor found it could be recovered with an earlier report)
    reason: str


def hidden_key(name: str) -> str:
    return f"{HIDDEN_ONLY}{name}"


def visible_cells(
    *,
    parent_n: int,
    cells: Mapping[str, int],
    k: int,
    parent_shown: bool = True,
    forced: Collection[str] = (),
) -> dict[str, Decision]:
    """Decide, for sibling cells under one parent, which may be shown.

    `cells` maps each sibling (including never-shown pseudo-cells, whose keys start with
    HIDDEN_ONLY) to its n. Their sum must not exceed parent_n. Cells in `forced` are hidden
    whatever their n (the differencing auditor found them), and count as hidden siblings.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if sum(cells.values()) > parent_n:
        raise ValueError("siblings hold more people than their parent")
    decisions: dict[str, Decision] = {}
    for key, n in cells.items():
        if not parent_shown:
            decisions[key] = Decision(False, "parent_hidden")
        elif key.startswith(HIDDEN_ONLY):
            decisions[key] = Decision(False, "never_shown")
        elif key in forced:
            decisions[key] = Decision(False, "differencing")
        elif n < k:
            decisions[key] = Decision(False, "below_k")
        elif 0 < parent_n - n < k:
            decisions[key] = Decision(False, "remainder_below_k")
        else:
            decisions[key] = Decision(True, "")
    # People in the parent but in no sibling cell (a leftover the caller did not list) count as
    # a hidden group too.
    leftover = parent_n - sum(cells.values())
    while True:
        hidden_total = leftover + sum(
            cells[key] for key, decision in decisions.items() if not decision.shown
        )
        if hidden_total == 0 or hidden_total >= k:
            break
        shown = sorted(
            (key for key, decision in decisions.items() if decision.shown),
            key=lambda key: (cells[key], key),
        )
        if not shown:
            break
        decisions[shown[0]] = Decision(False, "complementary")
    return decisions


def tree_visibility(
    *,
    total_n: int,
    node_n: Mapping[int, int],
    direct_n: Mapping[int | None, int],
    children: Mapping[int | None, list[int]],
    k: int,
    forced: Collection[int] = (),
    root_shown: bool = True,
) -> dict[int, Decision]:
    """Visibility of every node of a tree breakdown (departments with their subtrees).

    node_n[d] counts the respondents of d's whole subtree; direct_n[d] those attached to d
    itself (direct_n[None]: respondents with no department). children[None] are the roots.
    """
    decisions: dict[int, Decision] = {}

    def walk(parent: int | None, parent_n: int, parent_shown: bool) -> None:
        kids = children.get(parent, [])
        if not kids:
            return
        cells = {str(kid): node_n.get(kid, 0) for kid in kids}
        if direct_n.get(parent, 0):
            cells[hidden_key("direct")] = direct_n[parent]
        result = visible_cells(
            parent_n=parent_n,
            cells=cells,
            k=k,
            parent_shown=parent_shown,
            forced={str(kid) for kid in kids if kid in forced},
        )
        for kid in kids:
            decisions[kid] = result[str(kid)]
            walk(kid, node_n.get(kid, 0), decisions[kid].shown)

    walk(None, total_n, root_shown)
    return decisions
