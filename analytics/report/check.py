"""Checking data against the report's declarations (`schema.py`): what is missing, extra or of
another type, and each type as docs/report-schema.md writes it."""

import types
import typing
from typing import Annotated, Any, Literal, NotRequired, Union

from .schema import PAIR, Report


def fields(kind: type) -> dict[str, Any]:
    """A TypedDict's fields and their types (NotRequired unwrapped)."""
    hints = typing.get_type_hints(kind, include_extras=True)
    return {name: _required(hint) for name, hint in hints.items()}


def optional_fields(kind: type) -> frozenset[str]:
    return frozenset(getattr(kind, "__optional_keys__", ()))


def _required(hint: Any) -> Any:
    return typing.get_args(hint)[0] if typing.get_origin(hint) is NotRequired else hint


def is_record(hint: Any) -> bool:
    return typing.is_typeddict(hint)


def problems(data: Any, kind: Any = Report, path: str = "") -> list[str]:
    """What in `data` does not follow `kind`: a missing or an extra key, or a value of another
    type. Empty when the report follows its schema exactly."""
    where = path or "report"
    origin = typing.get_origin(kind)
    if kind is Any:
        return []
    if origin is Annotated:
        inner, *marks = typing.get_args(kind)
        found = problems(data, inner, path)
        if PAIR in marks and not found and len(data) != 2:
            found.append(f"{where}: {len(data)} numbers, not a [low, high] pair")
        return found
    if origin in (Union, types.UnionType):
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return []
        attempts = [problems(data, option, path) for option in options if option is not type(None)]
        return min(attempts, key=len)
    if origin is Literal:
        allowed = typing.get_args(kind)
        return [] if data in allowed else [f"{where}: {data!r} is none of {allowed}"]
    if is_record(kind):
        if not isinstance(data, dict):
            return [f"{where}: {type(data).__name__}, not an object"]
        declared = fields(kind)
        optional = optional_fields(kind)
        found = [
            f"{where}: no {key!r}" for key in declared if key not in data and key not in optional
        ]
        found += [f"{where}: {key!r} is not in the schema" for key in data if key not in declared]
        for key, hint in declared.items():
            if key in data:
                found += problems(data[key], hint, f"{path}.{key}" if path else key)
        return found
    if origin is list:
        if not isinstance(data, list):
            return [f"{where}: {type(data).__name__}, not a list"]
        (item,) = typing.get_args(kind)
        return [p for i, entry in enumerate(data) for p in problems(entry, item, f"{path}[{i}]")]
    if kind is float:
        ok = isinstance(data, int | float) and not isinstance(data, bool)
    elif kind is int:
        ok = isinstance(data, int) and not isinstance(data, bool)
    else:
        ok = isinstance(data, kind)
    return [] if ok else [f"{where}: {data!r} is not {describe(kind)}"]


def describe(kind: Any) -> str:
    """A type as docs/report-schema.md writes it: "number or null", "array of object"."""
    origin = typing.get_origin(kind)
    if origin is Annotated:
        inner, *marks = typing.get_args(kind)
        return "array [low, high]" if PAIR in marks else describe(inner)
    if origin in (Union, types.UnionType):
        options = [o for o in typing.get_args(kind) if o is not type(None)]
        text = " or ".join(describe(o) for o in options)
        return f"{text} or null" if len(options) < len(typing.get_args(kind)) else text
    if origin is Literal:
        return describe(type(typing.get_args(kind)[0]))
    if origin is list:
        return f"array of {describe(typing.get_args(kind)[0])}"
    if is_record(kind):
        return "object"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}[kind]
