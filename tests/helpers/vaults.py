"""Vault files handled directly: hashes, a little fictional data, the database keyed by hand."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from faker import Faker
from sqlalchemy import Engine

from hubdesk.services import Services
from hubdesk.store import keywrap
from hubdesk.store.engine import make_vault_engine
from hubdesk.store.secrets_util import wipe
from hubdesk.store.vault import DB_NAME, KEY_NAME

SEED = 20261127


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_caseload(services: Services, people: int = 3, seed: int = SEED) -> list[str]:
    """Fictional young people (Faker en_GB, seeded), each with a contact note."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    now = services.cases.clock()
    ids = []
    for _ in range(people):
        person = services.cases.add(given_name=fake.first_name(), family_name=fake.last_name())
        services.notes.add(
            person,
            kind="home_visit",
            occurred_at=now - timedelta(days=1),
            narrative=fake.paragraph(nb_sentences=8),
            present=fake.name(),
        )
        ids.append(person)
    return ids


@contextmanager
def raw_engine(folder: Path, passphrase: bytearray) -> Iterator[Engine]:
    """The vault's database keyed by hand: no throttle, no migrations, no ORM guards — what
    someone holding the passphrase could do with their own tools."""
    key = keywrap.unwrap(keywrap.read_key_file(folder / KEY_NAME), passphrase)
    engine = make_vault_engine(folder / DB_NAME, key)
    try:
        yield engine
    finally:
        engine.dispose()
        wipe(key)
