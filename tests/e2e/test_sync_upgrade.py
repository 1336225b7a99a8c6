"""Changes waiting in the outbox survive a schema upgrade: the committed fixture vault made
at schema 0006 (when the outbox began, before sync state existed) is opened by this HubDesk,
enrolled, and synced; everything it queued reaches the hub once, and a second laptop of the
team receives the same records."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

from sqlalchemy import func, select

from hubdesk.models import OutboxEntry
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from hubdesk.sync import protocol as p
from hubdesk.sync.device_keys import make_csr, new_device_key, private_key_pem
from hubdesk.sync.transport import HubClient
from tests.e2e.devices import Device, new_device
from tests.server.conftest import PASSWORD, Org, Served

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "vaults" / "schema-0006"


def test_a_vault_upgraded_with_changes_waiting_syncs_them_all(
    served: Served, org: Org, tmp_path: Path
) -> None:
    folder = tmp_path / "old"
    shutil.copytree(FIXTURE, folder)
    manifest = json.loads((FIXTURE / "manifest.json").read_text())
    (folder / "manifest.json").unlink()
    vault = Vault.open(folder, bytearray(manifest["passphrase"].encode()))
    with vault.read() as session:
        waiting = session.scalar(select(func.count()).select_from(OutboxEntry))
    assert waiting  # the fixture's records were queued at schema 0006
    key = new_device_key()
    request = p.EnrolRequest(
        username="north-amy",
        password=PASSWORD,
        device_id=uuid.UUID(vault.device_id),
        device_name="upgraded laptop",
        csr_pem=make_csr(key, vault.device_id, "north-amy").decode("ascii"),
    )
    with HubClient(served.base) as hub:
        answer = hub.enrol(request)
    Services(vault).hub.save_enrolment(served.base, answer, private_key_pem(key))
    old = Device("north-amy", folder, served.base, vault)
    lead = new_device(tmp_path / "lead", served.base, "north-lead")
    try:
        report = old.sync()
        assert report.pushed.rejected == 0, old.s.sync.rejected()
        assert report.pushed.applied == waiting
        assert old.s.sync.pending_count() == 0
        lead.sync()
        for kind, count in manifest["counts"].items():
            if kind in p.RECORD_KINDS:
                assert len(lead.records(kind)) == count, kind
        assert lead.state_hash() == old.state_hash()
    finally:
        old.close()
        lead.close()
