"""Reading snapshots stored before segments were keyed by department id.

Stored snapshots are never rewritten. One stored before this schema names its departments in
its segments (`department:Sales`) and may lack keys added since (`exit_pool`,
`withheld_for_differencing`, a pool's `period` and `stayer_waves`). `upgrade` reads it as a
report of today's schema, in memory, so every reader (page, PDF, exports, API, actions) works on
one shape:

- a department named in a segment is found by what the snapshot's stored cells say it stood
  for (`ReportSnapshot.cells`: the department's subtree by id, at publication), so a rename since
  changes nothing; failing that (a suppressed cell has no stored cell, the oldest snapshots have
  none at all) by its name in today's tree, which is how such snapshots were always read;
- a department found in neither keeps its named segment: shown to whole-organization readers,
  never inside a department scope;
- a missing key gets the empty value of its type (null, 0, false, "", []; null where only named
  values are allowed), as readers of these snapshots have always taken a missing key.
"""

import copy
import types
import typing
from collections.abc import Iterable
from typing import Any

from .check import fields, is_record, optional_fields
from .schema import DEPARTMENT, Department, Report, department_segment

Tree = dict[int, tuple[str, int | None]]  # department id -> (name today, parent id)


def is_legacy(data: dict[str, Any]) -> bool:
    return "departments" not in data


def upgrade(data: dict[str, Any], *, departments: Tree, cells: Iterable[dict] | None) -> Report:
    """The stored snapshot `data` as a report keyed by department id (a copy; `data` as it is
    when it already is one)."""
    if not is_legacy(data):
        return data  # type: ignore[return-value]
    report = copy.deepcopy(data)
    named = _named_departments(report)
    ids = _resolve(named, departments, cells or ())
    for key in ("stated_vs_lived", "leavers_vs_stayers"):
        for entry in report.get(key, []):
            dimension, _, name = entry.get("segment", "").partition(":")
            if dimension == DEPARTMENT and name in ids:
                entry["segment"] = department_segment(ids[name])
    report["departments"] = [
        Department(id=ids[name], name=name, parent=departments.get(ids[name], ("", None))[1])
        for name in named
        if name in ids
    ]
    return complete(report, Report)


def _named_departments(report: dict[str, Any]) -> list[str]:
    """The departments the snapshot names, in its order."""
    found: dict[str, None] = {}
    for key in ("stated_vs_lived", "leavers_vs_stayers"):
        for entry in report.get(key, []):
            dimension, _, name = entry.get("segment", "").partition(":")
            if dimension == DEPARTMENT:
                found.setdefault(name, None)
    return list(found)


def _resolve(named: list[str], departments: Tree, cells: Iterable[dict]) -> dict[str, int]:
    """Department name in the snapshot -> id: by its stored cells, else by today's name, never
    two names to one department."""
    by_cells = _ids_from_cells(cells, departments)
    by_name = {name: pk for pk, (name, _parent) in departments.items()}
    ids = {name: by_cells[name] for name in named if name in by_cells}
    taken = set(ids.values())
    for name in named:
        pk = by_name.get(name)
        if name not in ids and pk is not None and pk not in taken:
            ids[name] = pk
            taken.add(pk)
    return ids


def _ids_from_cells(cells: Iterable[dict], departments: Tree) -> dict[str, int]:
    """Department name -> id, from the stored cells: a department cell stood for its subtree,
    whose top is the one department in it whose parent is outside it."""
    found: dict[str, int] = {}
    for cell in cells:
        where = cell.get("where")
        if not cell.get("key", "").startswith("stated/") or not where or where[0] != DEPARTMENT:
            continue
        segment = cell["key"].split("/", 2)[2]
        subtree = set(where[1])
        tops = [pk for pk in subtree if departments.get(pk, ("", None))[1] not in subtree]
        if len(tops) == 1:
            found[segment.partition(":")[2]] = tops[0]
    return found


def complete(data: Any, kind: Any) -> Any:
    """`data` with every key `kind` declares: a missing one gets the empty value of its type."""
    if is_record(kind) and isinstance(data, dict):
        optional = optional_fields(kind)
        for key, hint in fields(kind).items():
            if key in data:
                data[key] = complete(data[key], hint)
            elif key not in optional:
                data[key] = _empty(hint)
        return data
    if typing.get_origin(kind) is list and isinstance(data, list):
        (item,) = typing.get_args(kind)
        return [complete(entry, item) for entry in data]
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and data is not None:
        options = [o for o in typing.get_args(kind) if is_record(o) or typing.get_origin(o) is list]
        return complete(data, options[0]) if options else data
    return data


def _empty(kind: Any) -> Any:
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return None
    if typing.get_origin(kind) is typing.Annotated:
        return _empty(typing.get_args(kind)[0])
    if typing.get_origin(kind) is list:
        return []
    if typing.get_origin(kind) is typing.Literal:
        return None  # no class or test is invented for a snapshot that has none
    if is_record(kind):
        return complete({}, kind)
    return {str: "", int: 0, float: 0.0, bool: False}[kind]
