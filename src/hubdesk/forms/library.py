"""The screening tool definitions shipped with HubDesk (``resources/screening/*.json``), found
by id and version.

A screening names the definition id and version it was filled with. The vault keeps every
version it has seen (``services/definitions.py``) and prefers its own copy; this module only
knows what this install ships.
"""

from __future__ import annotations

from functools import cache

from hubdesk.forms.definition import Definition
from hubdesk.forms.loader import DefinitionError, load_definition
from hubdesk.forms.schema import SCHEMA_NAME, SCREENING_DIR


@cache
def shipped() -> tuple[Definition, ...]:
    """Every shipped definition (a bad one raises DefinitionError naming the file)."""
    return tuple(
        load_definition(path)
        for path in sorted(SCREENING_DIR.glob("*.json"))
        if path.name != SCHEMA_NAME
    )


def find(definition_id: str, version: int) -> Definition | None:
    return next((d for d in shipped() if (d.id, d.version) == (definition_id, version)), None)


def newest_active(definition_id: str) -> Definition:
    active = [d for d in shipped() if d.id == definition_id and d.status == "active"]
    if not active:
        raise LookupError(f"No active screening tool '{definition_id}' is installed.")
    return max(active, key=lambda d: d.version)


__all__ = ["DefinitionError", "find", "newest_active", "shipped"]
