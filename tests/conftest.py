"""Shared fixtures: every test gets its own HubDesk home and temp folder; vaults use the cheap
test KDF (the real one is exercised by the CLI tests and bench/store.py)."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hubdesk import config
from hubdesk.services import Services
from hubdesk.store.keywrap import TEST_KDF
from hubdesk.store.vault import Vault

PASSPHRASE = "plum orchard lantern 42 quietly"


def passphrase() -> bytearray:
    return bytearray(PASSPHRASE.encode())


@pytest.fixture(autouse=True)
def hubdesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HUBDESK_HOME", str(home))
    config.init(home)
    yield home
    config.init(None)


@pytest.fixture(autouse=True)
def collector_left_as_it_was() -> Iterator[None]:
    """A test that runs ``hubdesk sync`` or the hub's ``serve`` tunes the collector of the
    test process (``collector.collect_less``); it is put back for the tests after it."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def vault(vault_dir: Path) -> Iterator[Vault]:
    v = Vault.create(vault_dir, passphrase(), "Test Practitioner", TEST_KDF)
    yield v
    v.close()


@pytest.fixture
def services(vault: Vault) -> Services:
    return Services(vault)
