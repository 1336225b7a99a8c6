"""Laptops for end-to-end sync tests: each a real SQLCipher vault, enrolled with the real hub
on loopback as one of the test organisation's people, synced by the real engine."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from hubdesk.models import RECORD_KINDS
from hubdesk.server import sync as server_sync
from hubdesk.services import Services
from hubdesk.store.keywrap import TEST_KDF
from hubdesk.store.outbox import content_of
from hubdesk.store.vault import Vault
from hubdesk.sync import protocol as p
from hubdesk.sync.client import SyncEngine, SyncReport
from hubdesk.sync.device_keys import make_csr, new_device_key, private_key_pem
from hubdesk.sync.transport import HubClient
from tests.conftest import passphrase
from tests.server.conftest import PASSWORD


@dataclass
class Device:
    name: str
    folder: Path
    hub_url: str
    vault: Vault
    s: Services = field(init=False)

    def __post_init__(self) -> None:
        self.s = Services(self.vault)

    def sync(self, **options: Any) -> SyncReport:
        link = self.s.hub.link()
        assert link is not None
        with HubClient(link.url, link.token, timeout=10) as hub:
            engine = SyncEngine(self.s.sync, hub, sleep=lambda _s: None, **options)
            return engine.run()

    def reopen(self) -> None:
        """Close the vault (key dropped) and open it again, as after a restart."""
        self.vault.close()
        self.vault = Vault.open(self.folder, passphrase())
        self.s = Services(self.vault)

    def close(self) -> None:
        self.vault.close()

    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        """Live records of one kind: id → content (without local bookkeeping)."""
        cls = RECORD_KINDS[kind]
        with self.vault.read() as session:
            rows = session.scalars(select(cls).where(cls.deleted_at.is_(None))).all()
            return {r.id: content_of(r) for r in rows}

    def state_hash(self) -> str:
        """A digest of every live synced record's content: equal on devices that agree. Each
        record's hash for the check is first seen to match its hub sequence."""
        self.assert_record_hashes()
        everything = {kind: self.records(kind) for kind in RECORD_KINDS}
        return hashlib.sha256(json.dumps(everything, sort_keys=True).encode()).hexdigest()

    def assert_record_hashes(self) -> None:
        """Every record's ``sync_hash`` is ``protocol.record_hash`` of its id and hub sequence
        (None while the hub does not have it), whichever way sync wrote it."""
        for cls in RECORD_KINDS.values():
            with self.vault.read() as session:
                rows = session.execute(select(cls.id, cls.server_seq, cls.sync_hash)).all()
            wrong = [
                record_id
                for record_id, seq, kept in rows
                if kept != (None if seq is None else p.record_hash(record_id, seq))
            ]
            assert not wrong, f"{self.name}: {len(wrong)} {cls.__name__} with a wrong hash"


def new_device(folder: Path, hub_url: str, username: str) -> Device:
    """A fresh vault in ``folder``, enrolled with the hub as ``username``."""
    vault = Vault.create(folder, passphrase(), username, TEST_KDF)
    services = Services(vault)
    key = new_device_key()
    request = p.EnrolRequest(
        username=username,
        password=PASSWORD,
        device_id=uuid.UUID(vault.device_id),
        device_name=f"{username} test laptop",
        csr_pem=make_csr(key, vault.device_id, username).decode("ascii"),
    )
    with HubClient(hub_url) as hub:
        answer = hub.enrol(request)
    services.hub.save_enrolment(hub_url, answer, private_key_pem(key))
    return Device(username, folder, hub_url, vault)


def with_places(device: Device, count: int) -> tuple[str, list[str], list[str]]:
    """A young person linked to ``count`` new places: (person, places, links)."""
    person = device.s.cases.add(given_name="Morgan", family_name="Reid")
    places = [device.s.contexts.create(kind="place", name=f"Place {n}") for n in range(count)]
    links = [device.s.contexts.link(person, place, why="Seen there") for place in places]
    return person, places, links


def change_on_hub(
    device: Device, kind: str, record_id: str, content: dict[str, Any], base_seq: int | None = None
) -> None:
    """A change sent straight to the hub by another laptop, based on ``base_seq`` or else on
    the hub sequence ``device`` holds for the record."""
    if base_seq is None:
        with device.vault.read() as session:
            held = session.get(RECORD_KINDS[kind], record_id)
            assert held is not None
            base_seq = held.server_seq
    pushed_by_hand(device, kind, record_id, "update", content, base_seq)


def pushed_by_hand(
    device: Device,
    kind: str,
    record_id: str,
    op: str,
    content: dict[str, Any],
    base_seq: int | None,
) -> int:
    """One change sent straight to the hub with the device's token, as another client would;
    the hub's sequence for it."""
    link = device.s.hub.link()
    assert link is not None
    young_person = record_id if kind == "young_person" else content.get("young_person_id")
    mutation = p.Mutation(
        mutation_id=uuid.uuid4(),
        kind=kind,
        record_id=record_id,
        op=op,
        base_seq=base_seq,
        young_person_id=young_person,
        content=content,
    )
    with HubClient(link.url, link.token) as client:
        [result] = client.push([mutation]).results
    assert result.status == "applied", result.reason
    assert result.seq is not None
    return result.seq


def newer_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub takes values this HubDesk does not know, as a newer hub would (a level added
    in a later version): only the hub's check is changed, not the laptops'."""
    monkeypatch.setattr(server_sync, "unfit_field", lambda _kind, _content: None)


def remove_on_hub(device: Device, kind: str, ids: list[str], young_person: str | None) -> None:
    """Removals sent straight to the hub by another of the team's laptops."""
    link = device.s.hub.link()
    assert link is not None
    with device.vault.read() as session:
        seqs = {i: session.get(RECORD_KINDS[kind], i).server_seq for i in ids}  # type: ignore[union-attr]
    mutations = [
        p.Mutation(
            mutation_id=uuid.uuid4(),
            kind=kind,
            record_id=i,
            op="delete",
            base_seq=seqs[i],
            young_person_id=young_person,
        )
        for i in ids
    ]
    with HubClient(link.url, link.token) as client:
        assert {r.status for r in client.push(mutations).results} == {"applied"}


def queued_as(device: Device, record_id: str, field: str, value: object) -> None:
    """Change one field of what the outbox holds for a record, underneath the services."""
    with device.vault.write() as session:
        session.execute(
            text(
                "UPDATE outbox SET content = json_set(content, :path, json(:value))"
                " WHERE record_id = :id"
            ),
            {"path": f"$.{field}", "value": json.dumps(value), "id": record_id},
        )
