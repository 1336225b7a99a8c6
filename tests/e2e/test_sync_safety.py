"""Sync's safety nets, end to end against the real hub on loopback: a sync that would remove
most of a laptop's records stops and asks; a hub restored from a backup gets back what it
lost; a change the hub has that a device's cursor skipped is found by the count-and-hash
check; a device away longer than the hub keeps removals reads everything again without
bringing a removed record back; a refused change is kept with the hub's reason; a revoked
device's vault is wiped after the user is told."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from hubdesk import cli
from hubdesk.models import SyncBase, YoungPerson
from hubdesk.server.hub import Hub
from hubdesk.server.tables import AppliedMutation, HubRecord
from hubdesk.services.sync import UnreadableFromHub
from hubdesk.sync import protocol as p
from hubdesk.sync.client import MassDeletion
from hubdesk.sync.transport import HubClient
from tests.conftest import PASSPHRASE
from tests.e2e.devices import (
    Device,
    change_on_hub,
    new_device,
    newer_hub,
    pushed_by_hand,
    queued_as,
    remove_on_hub,
    with_places,
)
from tests.server.conftest import Org, Served


@pytest.fixture
def laptops(served: Served, org: Org, tmp_path: Path) -> Iterator[dict[str, Device]]:
    made = {
        name: new_device(tmp_path / name, served.base, name) for name in ("north-amy", "north-lead")
    }
    yield made
    for device in made.values():
        if device.vault.is_open:
            device.close()


def test_a_sync_that_would_remove_most_records_stops_and_asks(
    laptops: dict[str, Device],
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, places, links = with_places(amy, 8)
    amy.sync()
    lead.sync()
    remove_on_hub(lead, "context_link", links, person)
    remove_on_hub(lead, "context", places, None)
    before = amy.state_hash()

    with pytest.raises(MassDeletion) as stopped:
        amy.sync()
    assert (stopped.value.deleting, stopped.value.held) == (16, 17)
    assert "remove 16 of the 17 records" in str(stopped.value)
    assert amy.state_hash() == before  # nothing removed, and the cursor did not move on

    report = amy.sync(allow_mass_delete=True)  # the person chose to go on
    assert report.pulled.deleted == 16
    assert set(amy.records("context")) == set()


def test_a_hub_restored_from_a_backup_gets_back_what_it_lost(
    laptops: dict[str, Device], hub: Hub
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = amy.s.cases.add(given_name="Casey", family_name="Ward")
    amy.sync()
    with amy.vault.read() as session:
        backed_up = session.get(YoungPerson, person).server_seq  # type: ignore[union-attr]
    note = amy.s.notes.add(
        person,
        kind="home_visit",
        occurred_at=amy.s.notes.clock() - timedelta(hours=1),
        narrative="Talked about college",
    )
    amy.s.notes.finalise(note)
    amy.s.cases.update(person, preferred_name="Cas")
    amy.sync()
    # The hub's database is put back to a backup taken before the note and the new name.
    with hub.unit() as session:
        session.execute(delete(HubRecord).where(HubRecord.id == note))
        session.execute(delete(AppliedMutation).where(AppliedMutation.record_id == note))
        row = session.get(HubRecord, ("young_person", person))
        assert row is not None
        row.content, row.seq = {**row.content, "preferred_name": None}, backed_up
    hub.renew_epoch()

    report = amy.sync()
    assert report.new_epoch
    assert report.requeued == 2
    assert report.mismatched == []
    lead.sync()
    assert note in lead.records("contact_note")
    assert lead.records("young_person")[person]["preferred_name"] == "Cas"
    assert amy.state_hash() == lead.state_hash()
    assert not amy.s.sync.hub_restored()


def test_a_change_skipped_by_the_cursor_is_found_by_the_count_and_hash_check(
    laptops: dict[str, Device], hub: Hub
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = amy.s.cases.add(given_name="Taylor", family_name="Kerr")
    later = amy.s.cases.add(given_name="Quinn", family_name="Ross")
    amy.sync()
    lead.sync()
    # A change to the first lands on the hub behind the lead's cursor (what a change that
    # committed out of order would do): an ordinary pull never sees it.
    with hub.unit() as session:
        row, after = (session.get(HubRecord, ("young_person", i)) for i in (person, later))
        assert row is not None
        assert after is not None
        assert lead.s.sync.cursor() == after.seq
        row.content = {**row.content, "education": "Riverside College"}
        row.seq = after.seq
    report = lead.sync()
    assert report.resynced == ["young_person"]
    assert report.mismatched == []
    assert lead.records("young_person")[person]["education"] == "Riverside College"


def test_a_device_away_longer_than_removals_are_kept_reads_again_and_resurrects_nothing(
    laptops: dict[str, Device], hub: Hub
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, _places, links = with_places(amy, 2)
    amy.sync()
    lead.sync()
    lead.s.contexts.unlink(links[0], "No longer goes there")
    lead.sync()
    amy.s.cases.update(person, preferred_name="Mo")  # something after, so amy's cursor is behind
    lead.s.cases.update(person, education="Eastfield")
    lead.sync()
    hub.purge_tombstones(timedelta(seconds=-60))

    report = amy.sync()
    assert report.read_again
    assert links[0] not in amy.records("context_link")  # removed, not sent back
    assert links[1] in amy.records("context_link")
    lead.sync()
    assert links[0] not in lead.records("context_link")
    assert amy.state_hash() == lead.state_hash()


def test_a_refused_change_is_kept_with_the_hubs_reason(
    laptops: dict[str, Device], hub: Hub
) -> None:
    amy = laptops["north-amy"]
    person = amy.s.cases.add(given_name="Jamie", family_name="Cole")
    amy.sync()
    hub.allocate(person, "south-cai", None)  # the case moves to another team
    amy.s.cases.update(person, preferred_name="Jay")
    report = amy.sync()
    assert report.pushed.rejected == 1
    [refused] = amy.s.sync.rejected()
    assert (refused.kind, refused.record_id) == ("young_person", person)
    assert refused.reason == "This young person is not on your caseload."
    assert amy.s.sync.pending_count() == 0
    # The case has moved, but it holds a change the hub did not take: it stays, and says so.
    assert (report.cases_moved, report.cases_kept) == (0, 1)
    assert person in amy.records("young_person")


def test_a_revoked_laptop_is_told_and_its_vault_is_wiped(
    laptops: dict[str, Device],
    hub: Hub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    amy = laptops["north-amy"]
    amy.s.cases.add(given_name="Drew", family_name="Hale")
    folder, device_id = amy.folder, amy.vault.device_id
    amy.close()
    hub.revoke_device(device_id)
    monkeypatch.setenv("HUBDESK_PASSPHRASE", PASSPHRASE)

    assert cli.main(["sync", "--vault", str(folder)]) == 3
    err = capsys.readouterr().err
    assert "access was withdrawn" in err
    assert "has been wiped" in err
    assert not folder.exists()


def test_a_record_this_version_cannot_read_stops_the_pull_in_words_and_the_push_still_goes(
    laptops: dict[str, Device], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A newer hub, and a newer HubDesk's laptop, gave a case a level this version does not
    know: the laptop's own changes still reach the hub, nothing of the page
    is taken, and the person reads what happened and what to do."""
    amy = laptops["north-amy"]
    person = unreadable_on_hub(laptops, monkeypatch)
    mine = amy.s.cases.add(given_name="Rhys", family_name="Evans")
    before = amy.records("young_person")
    folder = amy.folder
    amy.close()
    monkeypatch.setenv("HUBDESK_PASSPHRASE", PASSPHRASE)

    assert cli.main(["sync", "--vault", str(folder)]) == 1

    err = capsys.readouterr().err
    assert f"The hub sent a young person's record (id {person}) whose level this" in err
    assert "Update HubDesk on this laptop" in err
    assert "Traceback" not in err
    amy.reopen()
    assert amy.records("young_person") == before  # the level here is as it was
    assert mine in on_hub(amy)
    assert amy.s.sync.pending_count() == 0


def test_a_held_change_to_a_record_removed_and_purged_on_the_hub_is_refused_in_words(
    laptops: dict[str, Device], monkeypatch: pytest.MonkeyPatch, hub: Hub
) -> None:
    """The hub's IT team removed the record the held change is for, and its tombstone was
    purged before the laptop came back: the change is refused with the reason (never
    answered with the unreadable copy again), the sync completes, and nothing comes back."""
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = unreadable_on_hub(laptops, monkeypatch)
    amy.s.cases.update(person, preferred_name="Ni")
    with pytest.raises(UnreadableFromHub):
        amy.sync()
    pushed_by_hand(lead, "young_person", person, "delete", {}, hub_copy(amy, person).seq)
    hub.purge_tombstones(timedelta(seconds=-60))

    report = amy.sync()

    assert report.pushed.rejected == 1
    [refused] = amy.s.sync.rejected()
    assert (refused.record_id, refused.reason) == (person, "This record was removed from the hub.")
    assert person not in on_hub(amy)
    amy.sync()
    assert person not in on_hub(amy)  # not pushed back by the check either


def test_a_record_new_here_without_a_needed_field_waits_in_words_until_it_is_corrected(
    laptops: dict[str, Device],
) -> None:
    """The hub takes a change without every field (another client's, or another version's):
    a laptop that does not hold the record cannot write it. The pull stops in words, nothing
    of the page is taken, and once the record is complete on the hub it arrives."""
    lead = laptops["north-lead"]
    lead.sync()
    person = str(uuid.uuid4())
    partial = {"given_name": "Tegan", "level": "significant"}  # no family name
    seq = pushed_by_hand(lead, "young_person", person, "create", partial, None)
    mine = lead.s.cases.add(given_name="Owain", family_name="Price")
    before = lead.records("young_person")

    with pytest.raises(UnreadableFromHub, match="without its family name") as refused:
        lead.sync()

    assert f"young person's record (id {person})" in str(refused.value)
    assert "Tell the hub's IT team" in str(refused.value)
    assert lead.records("young_person") == before
    assert mine in on_hub(lead)  # this laptop's own change still went
    whole = {**partial, "family_name": "Morgan"}
    pushed_by_hand(lead, "young_person", person, "update", whole, seq)
    lead.sync()
    assert lead.records("young_person")[person]["family_name"] == "Morgan"


def test_a_change_in_conflict_with_an_unreadable_copy_waits_and_the_rest_of_the_push_goes(
    laptops: dict[str, Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hub answers the first batch's change with a copy this version cannot write: the
    batches after it are still sent in the same sync, then the sync ends in words."""
    amy = laptops["north-amy"]
    person = unreadable_on_hub(laptops, monkeypatch)
    amy.s.cases.update(person, preferred_name="Ni")  # first in the outbox: in conflict
    mine = [amy.s.cases.add(given_name=f"Rhys {n}", family_name="Evans") for n in range(7)]
    sent = pushes_counted(monkeypatch)

    with pytest.raises(UnreadableFromHub, match=f"id {person}"):
        amy.sync(page_size=2)  # four batches

    assert sent.count(person) == 1  # held back after its answer, never sent again
    assert amy.s.sync.pending_count() == 1  # only the change in conflict waits
    assert {r for r in mine} <= set(on_hub(amy))
    assert amy.records("young_person")[person]["preferred_name"] == "Ni"


def test_a_held_change_is_not_sent_again_when_the_push_starts_over_after_a_422(
    laptops: dict[str, Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later batch holds a change the hub refuses as not understood (a character queued by
    an earlier HubDesk): it is mended and the push starts again from the outbox, still
    leaving out the change held back for an unreadable copy."""
    amy = laptops["north-amy"]
    person = unreadable_on_hub(laptops, monkeypatch)
    amy.s.cases.update(person, preferred_name="Ni")  # first in the outbox: in conflict
    mine = [amy.s.cases.add(given_name=f"Rhys {n}", family_name="Evans") for n in range(7)]
    queued_as(amy, mine[5], "given_name", "Rhys\x0bFive")  # in the last batch
    sent = pushes_counted(monkeypatch)

    with pytest.raises(UnreadableFromHub, match=f"id {person}"):
        amy.sync(page_size=2)

    assert sent.count(person) == 1
    assert sent.count(mine[5]) == 2  # refused (422), mended, sent again
    assert set(mine) <= set(on_hub(amy))
    assert amy.s.sync.pending_count() == 1


def test_a_held_change_goes_once_the_hubs_copy_is_corrected(
    laptops: dict[str, Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same change is sent again at each sync, under the same id: once the hub's IT team
    have corrected the record, the hub answers it with the corrected copy (not the first,
    unreadable one), and the laptop merges its change into it and sends the merge."""
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = unreadable_on_hub(laptops, monkeypatch)
    amy.s.cases.update(person, preferred_name="Ni")
    with pytest.raises(UnreadableFromHub):
        amy.sync()
    with pytest.raises(UnreadableFromHub):
        amy.sync()  # asked again, answered again: nothing has changed on the hub
    copy = hub_copy(amy, person)
    corrected = {**copy.content, "level": "significant"}
    change_on_hub(lead, "young_person", person, corrected, base_seq=copy.seq)

    report = amy.sync()

    assert report.pushed.conflicts == 1  # merged with the corrected copy, and sent
    assert amy.s.sync.pending_count() == 0
    held = amy.records("young_person")[person]
    assert (held["preferred_name"], held["level"]) == ("Ni", "significant")
    on_the_hub = hub_copy(amy, person).content
    assert (on_the_hub["preferred_name"], on_the_hub["level"]) == ("Ni", "significant")


def pushes_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The record id of every change pushed from now on, once per time it is sent."""
    sent: list[str] = []
    push = HubClient.push

    def counted(client: HubClient, mutations: list[p.Mutation]) -> p.PushResponse:
        sent.extend(m.record_id for m in mutations)
        return push(client, mutations)

    monkeypatch.setattr(HubClient, "push", counted)
    return sent


def unreadable_on_hub(laptops: dict[str, Device], monkeypatch: pytest.MonkeyPatch) -> str:
    """A case both laptops hold, then given a level this version does not know by a newer
    hub and a newer HubDesk's laptop; its id."""
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person = amy.s.cases.add(given_name="Nia", family_name="Hughes")
    amy.sync()
    lead.sync()
    newer_hub(monkeypatch)
    change_on_hub(
        lead, "young_person", person, {**lead.records("young_person")[person], "level": "extreme"}
    )
    return person


def on_hub(device: Device) -> list[str]:
    """The ids of every record the hub serves the device."""
    return [c.record_id for c in served(device)]


def hub_copy(device: Device, record_id: str) -> p.Change:
    """The hub's copy of one record, as served to the device."""
    [copy] = [c for c in served(device) if c.record_id == record_id]
    return copy


def served(device: Device) -> list[p.Change]:
    link = device.s.hub.link()
    assert link is not None
    with HubClient(link.url, link.token) as client:
        return client.pull(0, 500).changes


def test_hubdesk_sync_prints_what_moved(
    laptops: dict[str, Device], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    amy = laptops["north-amy"]
    amy.s.cases.add(given_name="Frankie", family_name="Bell")
    folder = amy.folder
    amy.close()
    monkeypatch.setenv("HUBDESK_PASSPHRASE", PASSPHRASE)
    assert gc.get_freeze_count() == 0
    assert cli.main(["sync", "--vault", str(folder)]) == 0
    assert gc.get_freeze_count() > 0  # tuned as the desktop is (conftest puts it back)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Sent: 1 applied, 0 already on the hub, 0 in conflict, 0 refused."
    assert out[1].startswith("Received: ")
    assert cli.main(["sync", "--vault", str(folder), "--server", "http://127.0.0.1:1"]) == 2
    assert "is enrolled with http://127.0.0.1:" in capsys.readouterr().err


def test_a_case_moved_to_another_worker_leaves_this_laptop(
    laptops: dict[str, Device], hub: Hub, served: Served, tmp_path: Path
) -> None:
    amy = laptops["north-amy"]
    person = amy.s.cases.add(given_name="Harley", family_name="Dunn")
    note = amy.s.notes.add(
        person,
        kind="home_visit",
        occurred_at=amy.s.notes.clock() - timedelta(hours=2),
        narrative="Spoke about the weekend",
    )
    amy.s.notes.finalise(note)
    stays = amy.s.cases.add(given_name="Ellis", family_name="Shaw")
    amy.sync()
    hub.allocate(person, "north-ben", None)

    report = amy.sync()
    assert (report.cases_moved, report.cases_kept) == (1, 0)
    assert set(amy.records("young_person")) == {stays}
    assert amy.records("contact_note") == {}
    assert amy.s.search.search("weekend") == []
    with amy.vault.read() as session:  # the hub's last copies of the case went with it
        kept = set(session.scalars(select(SyncBase.record_id)))
    assert kept.isdisjoint({person, note})
    assert stays in kept
    ben = new_device(tmp_path / "north-ben", served.base, "north-ben")
    try:
        ben.sync()
        assert set(ben.records("young_person")) == {person}
        assert set(ben.records("contact_note")) == {note}
    finally:
        ben.close()
