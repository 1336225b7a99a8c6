"""End-to-end tests: the real hub on loopback (the server tests' fixtures) and real vaults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.devices import Device, new_device
from tests.server.conftest import Org, Served, database_url, hub, loopback_server, org, served

__all__ = ["database_url", "hub", "loopback_server", "org", "served"]


@pytest.fixture
def amy(served: Served, org: Org, tmp_path: Path) -> Iterator[Device]:
    """A practitioner's laptop, enrolled."""
    device = new_device(tmp_path / "amy", served.base, "north-amy")
    yield device
    device.close()


@pytest.fixture
def lead(served: Served, org: Org, tmp_path: Path) -> Iterator[Device]:
    """Her team lead's laptop, enrolled."""
    device = new_device(tmp_path / "lead", served.base, "north-lead")
    yield device
    device.close()
