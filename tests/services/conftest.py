"""Fixtures for the service tests. Each test module keeps its own names and clock: it sets
FAKER_SEED and NOW at its top, and these fixtures read them through request.module."""

from __future__ import annotations

import pytest
from faker import Faker

from hubdesk.services import Services
from hubdesk.store.vault import Vault
from tests.services.helpers import module_faker, module_now, new_person


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> Faker:
    return module_faker(request)


@pytest.fixture
def fixed(request: pytest.FixtureRequest, vault: Vault) -> Services:
    """Services whose clock always reads the test module's NOW."""
    now = module_now(request)
    return Services(vault, clock=lambda: now)


@pytest.fixture
def pid(fixed: Services, fake: Faker) -> str:
    """A young person with a French given name and an Irish family name."""
    return new_person(fixed, fake)
