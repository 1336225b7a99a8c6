"""Plain helpers shared by the service and model tests: seeded Faker, awkward names, a young
person to hang records on, and reading one stored record back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import pytest
from faker import Faker

from hubdesk.models import Record, YoungPerson
from hubdesk.services import Services
from hubdesk.store.vault import Vault

#: Names come from these locales: accents (fr_FR) and apostrophes (en_IE) on purpose.
FAKER_LOCALES = ["en_GB", "fr_FR", "en_IE"]
#: Used when a test module sets no FAKER_SEED of its own.
DEFAULT_FAKER_SEED = 2025
#: Used when a test module sets no NOW of its own.
DEFAULT_NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)

R = TypeVar("R", bound=Record)


def seeded_faker(seed: int) -> Faker:
    generator = Faker(FAKER_LOCALES)
    generator.seed_instance(seed)
    return generator


def module_faker(request: pytest.FixtureRequest) -> Faker:
    """A Faker seeded with the requesting test module's FAKER_SEED, so its names stay fixed."""
    return seeded_faker(getattr(request.module, "FAKER_SEED", DEFAULT_FAKER_SEED))


def module_now(request: pytest.FixtureRequest) -> datetime:
    """The requesting test module's NOW, the time its fixed clock reads."""
    return getattr(request.module, "NOW", DEFAULT_NOW)


def accented(fake: Faker) -> str:
    return next(n for n in iter(fake["fr_FR"].first_name, None) if not n.isascii())


def apostrophed(fake: Faker) -> str:
    return next(n for n in iter(fake["en_IE"].last_name, None) if "'" in n)


def new_person(services: Services, fake: Faker) -> str:
    return services.cases.add(
        given_name=fake["fr_FR"].first_name(), family_name=fake["en_IE"].last_name()
    )


def stored(vault: Vault, cls: type[R], record_id: str) -> R:
    """The record as it is in the vault; it must be there."""
    with vault.read() as session:
        found = session.get(cls, record_id)
    assert found is not None
    return found


def person(vault: Vault, pid: str) -> YoungPerson:
    return stored(vault, YoungPerson, pid)
