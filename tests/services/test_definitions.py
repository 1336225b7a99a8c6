"""Screening tool definitions kept in the vault: every tool seen is stored word for word, a
screening reads with its own version after HubDesk stops shipping it, the same id and version
never change content, a withdrawn version stays withdrawn, and new screenings use the newest
active version wherever it came from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from hubdesk.errors import DomainError
from hubdesk.forms import library
from hubdesk.forms.definition import Definition
from hubdesk.models import Screening, ScreeningDefinition
from hubdesk.services import Services
from hubdesk.services.definitions import StoredDefinitionError
from hubdesk.store.vault import Vault
from tests.services.helpers import stored

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FAKER_SEED = 5150


def shipped_v1() -> Definition:
    v1 = library.find("exploitation", 1)
    assert v1 is not None
    return v1


def revised(v1: Definition, version: int) -> Definition:
    """A later version of the tool: its first section renamed."""
    first = v1.sections[0].model_copy(update={"title": f"About this screening (v{version})"})
    return v1.model_copy(update={"version": version, "sections": [first, *v1.sections[1:]]})


def test_the_shipped_tools_are_kept_once(fixed: Services) -> None:
    assert fixed.definitions.kept() == []
    assert fixed.definitions.remember_shipped() == len(library.shipped())
    assert fixed.definitions.remember_shipped() == 0
    assert fixed.definitions.kept() == [("exploitation", 1, shipped_v1().title, "active")]


def test_starting_a_screening_keeps_its_tool_in_the_same_write(
    fixed: Services, vault: Vault, pid: str
) -> None:
    screening_id = fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    assert [k[:2] for k in fixed.definitions.kept()] == [("exploitation", 1)]
    row = stored_definition(vault, "exploitation", 1)
    assert row.source == "shipped"
    assert row.first_seen_at == NOW
    assert stored(vault, Screening, screening_id).definition_version == 1


def test_a_screening_reads_with_its_tool_after_hubdesk_stops_shipping_it(
    fixed: Services, pid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = shipped_v1()
    fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    v2 = revised(v1, 2)
    monkeypatch.setattr(library, "shipped", lambda: (v2,))  # an update ships only v2

    assert fixed.definitions.find("exploitation", 1) == v1
    assert fixed.definitions.newest_active("exploitation") == v2
    assert fixed.definitions.find("exploitation", 7) is None


def test_a_different_tool_under_the_same_id_and_version_is_refused(
    fixed: Services, vault: Vault
) -> None:
    v1 = shipped_v1()
    fixed.definitions.remember_shipped()
    impostor = revised(v1, 1)
    with pytest.raises(DomainError) as refused:
        fixed.definitions.remember(impostor, "hub")
    assert refused.value.message == (
        "A different screening tool arrived as 'exploitation' version 1. The one already kept "
        "in this vault was used for screenings and stays as it is."
    )
    assert fixed.definitions.find("exploitation", 1) == v1


def test_a_withdrawn_version_stays_withdrawn_and_cannot_start_a_screening(
    fixed: Services, pid: str
) -> None:
    v1 = shipped_v1()
    fixed.definitions.remember_shipped()
    withdrawn = v1.model_copy(update={"status": "withdrawn"})
    assert fixed.definitions.remember(withdrawn, "hub") is True
    assert fixed.definitions.kept()[0][3] == "withdrawn"
    # HubDesk still ships v1 as active; that older copy does not bring it back.
    assert fixed.definitions.remember_shipped() == 0
    assert fixed.definitions.kept()[0][3] == "withdrawn"

    with pytest.raises(DomainError) as none_left:
        fixed.definitions.newest_active("exploitation")
    assert none_left.value.message == "No active screening tool 'exploitation' is installed."
    with pytest.raises(DomainError) as refused:
        fixed.screenings.start(pid, definition_id="exploitation", definition_version=1)
    assert "has been withdrawn" in refused.value.message

    v2 = revised(v1, 2)
    fixed.definitions.remember(v2, "hub")
    assert fixed.definitions.newest_active("exploitation") == v2
    assert fixed.definitions.find("exploitation", 1) == withdrawn  # old screenings still read


def test_a_tool_that_is_not_installed_cannot_start_a_screening(fixed: Services, pid: str) -> None:
    with pytest.raises(DomainError) as refused:
        fixed.screenings.start(pid, definition_id="county-tool", definition_version=3)
    assert refused.value.message == (
        "The screening tool 'county-tool' version 3 is not installed, so a screening cannot "
        "be started with it."
    )
    assert fixed.definitions.kept() == []


def test_a_kept_tool_this_hubdesk_cannot_read_is_named_in_words(
    fixed: Services, vault: Vault
) -> None:
    fixed.definitions.remember_shipped()
    with vault.write() as session:
        session.execute(
            update(ScreeningDefinition).values(content='{"id": "exploitation", "version": 1}')
        )
    with pytest.raises(StoredDefinitionError) as unreadable:
        fixed.definitions.find("exploitation", 1)
    assert unreadable.value.message.startswith(
        "The screening tool 'exploitation' version 1 kept in this vault cannot be used by this "
        "version of HubDesk: "
    )


def stored_definition(vault: Vault, definition_id: str, version: int) -> ScreeningDefinition:
    with vault.read() as session:
        row = session.get(ScreeningDefinition, (definition_id, version))
        assert row is not None
        session.expunge(row)
        return row
