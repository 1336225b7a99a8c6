"""Fixtures for the model tests: a Faker seeded with the test module's FAKER_SEED."""

from __future__ import annotations

import pytest
from faker import Faker

from tests.services.helpers import module_faker


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> Faker:
    return module_faker(request)
