"""The differencing auditor: no published figure may be recovered by subtraction, ever.

Every published cell stands for a set of responses. Before a report is published, the auditor
looks at every cell it would publish next to every cell already published for the
organization (in this report and in every earlier one) and finds:

1. a cell whose own number of live responses is 1 to k-1 (imported history does not count
   towards k: whoever imported it knows it);
2. a pair of cells of the same measure where one set contains the other and the difference
   holds 1 to k-1 live responses (a department and its parent, a pool and one of its rounds,
   the stayers side and a trend point, a new report of a round and an old one);
3. a cell from which the published cells of one family inside it (the departments of a
   company, the rounds of a pool) can be taken away to leave 1 to k-1 live responses
   (complementary suppression across reports).

For each finding it names one cell of the report being built to suppress. Cells published
earlier cannot be withdrawn, so the new one goes. The caller suppresses them, runs its own
complementary suppression again and asks again, until nothing is found.

Pure numpy, no Django: the sets are boolean masks over one array of responses.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AuditCell:
    key: str  # unique among the cells given
    measure: str  # cells are compared only with cells of the same measure
    family: str  # cells of one family partition what contains them (e.g. "department")
    mask: np.ndarray  # bool, one entry per response of the universe
    new: bool  # in the report being built (False: already published)
    rank: int = 0  # which new cell to suppress first when several could go: lowest rank


@dataclass(frozen=True)
class Finding:
    suppress: str  # key of the new cell to suppress
    reason: str  # "live_below_k", "difference_below_k", "remainder_below_k"
    cells: tuple[str, ...]  # the cells involved
    responses: int  # live responses the subtraction would isolate


def audit(cells: Iterable[AuditCell], *, live: np.ndarray, k: int) -> list[Finding]:
    """Findings for the new cells among `cells`; `live[i]` is False for imported responses."""
    by_measure: dict[str, list[AuditCell]] = defaultdict(list)
    for cell in cells:
        by_measure[cell.measure].append(cell)
    findings: list[Finding] = []
    for group in by_measure.values():
        if any(cell.new for cell in group):
            findings.extend(_audit_measure(group, live=live, k=k))
    return findings


@dataclass
class _Set:
    """Cells with identical masks, seen as one set of responses."""

    members: list[AuditCell]
    row: int  # index into the atom matrix

    @property
    def new(self) -> bool:
        # A set already published may be published again: that reveals nothing new.
        return all(cell.new for cell in self.members)

    def victim(self) -> AuditCell:
        return min(self.members, key=lambda cell: (cell.rank, cell.key))


def _audit_measure(group: list[AuditCell], *, live: np.ndarray, k: int) -> list[Finding]:
    full = np.array([cell.mask for cell in group], dtype=bool)
    # Only responses in a new cell, or in an old cell that meets one, can matter.
    touched = full[[cell.new for cell in group]].any(axis=0)
    meets = (full & touched).any(axis=1)
    group = [cell for cell, keep in zip(group, meets, strict=True) if keep]
    full = full[meets]
    columns = full.any(axis=0)

    # Responses that belong to exactly the same cells (and are alike live or imported) are one
    # atom; cells with the same atoms are one set.
    atoms, weights, live_weights = _atoms(full[:, columns], live[columns])
    unique, index = np.unique(atoms, axis=0, return_inverse=True)
    sets = [_Set([], row) for row in range(unique.shape[0])]
    for cell, row in zip(group, index.ravel(), strict=True):
        sets[row].members.append(cell)
    member = unique.astype(np.float64)  # sets x atoms
    sizes = member @ weights
    live_sizes = member @ live_weights
    # outside[a, b]: responses of set a not in set b; lost[a, b]: the same, live ones only.
    outside = member @ ((1 - member) * weights).T
    lost = member @ ((1 - member) * live_weights).T
    new = np.array([s.new for s in sets])
    # within[b, a]: set b lies strictly inside set a.
    within = (outside == 0) & (sizes[:, None] < sizes[None, :])

    findings: list[Finding] = []
    suppressed: set[str] = set()

    def report(candidates: list[_Set], reason: str, n: float) -> None:
        fresh = [s for s in candidates if s.new]
        if not fresh:
            return  # all published before: nothing this report can change
        chosen = min(fresh, key=lambda s: (s.victim().rank, sizes[s.row], s.victim().key))
        victim = chosen.victim().key
        if victim not in suppressed:
            suppressed.add(victim)
            keys = tuple(cell.key for s in candidates for cell in s.members)
            findings.append(Finding(victim, reason, keys, int(n)))

    for row in np.flatnonzero(new & (live_sizes > 0) & (live_sizes < k)):
        report([sets[row]], "live_below_k", live_sizes[row])

    # Pairs: b inside a, one of them new, a minus b isolating 1 to k-1 live responses.
    b_rows, a_rows = np.nonzero(within & (new[:, None] | new[None, :]))
    for b, a in zip(b_rows, a_rows, strict=True):
        n = lost[a, b]
        if 0 < n < k:
            report([sets[b], sets[a]], "difference_below_k", n)

    # Families: a minus the disjoint cells of one family inside it.
    for a in range(len(sets)):
        inside = np.flatnonzero(within[:, a])
        if inside.size < 2:
            continue
        families: dict[str, list[int]] = defaultdict(list)
        for b in inside:
            for family in {cell.family for cell in sets[b].members}:
                families[family].append(int(b))
        for rows in families.values():
            if len(rows) < 2 or not (new[a] or new[rows].any()):
                continue
            chosen, covered = [], np.zeros(member.shape[1], dtype=bool)
            for b in sorted(rows, key=lambda r: -sizes[r]):
                atoms_of_b = member[b] > 0
                if not (atoms_of_b & covered).any():
                    chosen.append(b)
                    covered |= atoms_of_b
            if len(chosen) < 2:
                continue  # one cell alone is the pairwise check above
            n = float(live_weights[(member[a] > 0) & ~covered].sum())
            if 0 < n < k:
                report([sets[a], *(sets[b] for b in chosen)], "remainder_below_k", n)
    return findings


def _atoms(masks: np.ndarray, live: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Responses grouped by the cells they belong to (and whether they are live): the
    distinct columns of `masks`, as (cells x atoms) membership, with their counts."""
    columns = np.vstack([masks, live[None, :]]).T
    first, inverse = _distinct_rows(np.packbits(columns, axis=1))
    weights = np.bincount(inverse).astype(np.float64)
    live_weights = np.bincount(inverse, weights=live.astype(np.float64))
    return columns[first, :-1].T, weights, live_weights


def _distinct_rows(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(packed, axis=0, return_index=True, return_inverse=True) without its cost
    on a million rows: each row of bytes is read as big-endian 64-bit words (so the words
    compare as the bytes do) and the rows are sorted by them with one stable lexsort.
    Returns the index of each distinct row's first occurrence, in the order np.unique gives,
    and each row's group."""
    n, width = packed.shape
    padded = np.zeros((n, -(-width // 8) * 8), dtype=np.uint8)
    padded[:, :width] = packed
    words = padded.view(">u8")
    order = np.lexsort(words.T[::-1])  # the first word is the most significant key
    ranked = words[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = np.cumsum(starts) - 1
    return order[starts], inverse
