"""Three-way merge of one record's content: the hub's copy at the last sync (base), this
laptop's copy (mine) and the hub's copy now (theirs).

A field changed on one side only takes that side's value; a field changed on both sides to
different values is *contested*: the merge takes the hub's value and the caller keeps both
sides in a conflict record, so nothing is lost. Values that are themselves objects (a plan
version's sections) are merged one level down, so two people editing different sections of
one plan do not contest each other. Pure functions: no vault, no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Not merged: the tombstone is decided by the caller from both sides' deleted flags.
NOT_MERGED = frozenset({"deleted_at"})
SEPARATOR = "."


@dataclass(frozen=True)
class Merge:
    content: dict[str, Any]
    #: Fields changed on both sides to different values (``content.worries`` for a section).
    contested: tuple[str, ...]
    #: Fields changed here and not on the hub: the merge differs from the hub's copy.
    mine_only: tuple[str, ...]


def flatten(content: dict[str, Any]) -> dict[str, Any]:
    """Fields by path, objects opened one level (``{"content": {"a": 1}}`` → ``content.a``)."""
    flat: dict[str, Any] = {}
    for key, value in content.items():
        if key in NOT_MERGED:
            continue
        if isinstance(value, dict) and value:
            for inner, item in value.items():
                flat[f"{key}{SEPARATOR}{inner}"] = item
        else:
            flat[key] = value
    return flat


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for path, value in flat.items():
        outer, _, inner = path.partition(SEPARATOR)
        if inner:
            if not isinstance(content.get(outer), dict):
                content[outer] = {}
            content[outer][inner] = value
        elif not (value == {} and isinstance(content.get(outer), dict)):
            content[outer] = value
    return content


_ABSENT = object()


def three_way(base: dict[str, Any] | None, mine: dict[str, Any], theirs: dict[str, Any]) -> Merge:
    """Merge ``mine`` into ``theirs`` against ``base`` (None when there is no common base:
    then every field that differs is contested)."""
    b, m, t = flatten(base or {}), flatten(mine), flatten(theirs)
    merged = dict(t)
    contested: list[str] = []
    mine_only: list[str] = []
    for path in sorted(set(m) | set(t)):
        mv, tv = m.get(path, _ABSENT), t.get(path, _ABSENT)
        if mv == tv:
            continue
        bv = b.get(path, _ABSENT) if base is not None else _ABSENT
        if base is not None and tv == bv:  # changed here only
            mine_only.append(path)
            if mv is _ABSENT:
                merged.pop(path, None)
            else:
                merged[path] = mv
        elif base is not None and mv == bv:  # changed on the hub only: theirs stands
            continue
        else:
            contested.append(path)
    return Merge(unflatten(merged), tuple(contested), tuple(mine_only))


def value_at(content: dict[str, Any], path: str) -> Any:
    """The value at a field path in ``content`` (None when absent)."""
    return flatten(content).get(path)


def with_value(content: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``content`` with the field at ``path`` set to ``value``."""
    flat = flatten(content)
    flat[path] = value
    kept = {k: v for k, v in content.items() if k in NOT_MERGED}
    return {**unflatten(flat), **kept}
