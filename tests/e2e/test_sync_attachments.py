"""Attached files end to end: the real hub on loopback (SQLite, and PostgreSQL in CI) and real
encrypted vaults. A scan attached on one laptop reaches the team lead's byte for byte, in
parts; an upload or a download cut off part way resumes with only the parts still missing; a
record pushed before its file is refused with the reason and sent again with it at the next
sync; another team's laptop cannot fetch the file; erasing the case removes the bytes; and the
bytes are never on disk in clear."""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hubdesk.errors import DomainError, NotFoundError
from hubdesk.models import AttachmentBlob, AttachmentChunk
from hubdesk.server.hub import Hub
from hubdesk.server.tables import HubBlobChunk
from hubdesk.sync import protocol as p
from hubdesk.sync.client import SyncEngine, SyncReport
from hubdesk.sync.relay import HubRelay
from hubdesk.sync.transport import HubClient, HubRefused, HubUnreachable
from tests.e2e.devices import Device, new_device
from tests.server.conftest import Org, Served


def png(width: int, height: int, seed: int) -> bytes:
    """A real PNG of random colours (so it hardly compresses): about width×height×3 bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


#: About 1.5 MiB: six parts of 256 KiB, the last one short.
SCAN = png(720, 720, seed=1)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Watched(HubClient):
    """The real transport, noting each part sent or fetched; with ``cut_after``, the network
    drops for good after that many parts (every later part fails as unreachable)."""

    def __init__(self, url: str, token: str, cut_after: int | None = None) -> None:
        super().__init__(url, token, timeout=10)
        self.cut_after = cut_after
        self.sent: list[int] = []
        self.fetched: list[int] = []

    def _part(self, done: list[int], index: int) -> None:
        if self.cut_after is not None and len(self.sent) + len(self.fetched) >= self.cut_after:
            raise HubUnreachable("The test cut the network.")
        done.append(index)

    def blob_put_chunk(self, sha256: str, index: int, data: bytes) -> p.BlobStatus:
        self._part(self.sent, index)
        return super().blob_put_chunk(sha256, index, data)

    def blob_chunk(self, sha256: str, index: int) -> bytes:
        self._part(self.fetched, index)
        return super().blob_chunk(sha256, index)


class Altering(Watched):
    """Flips one byte of the part numbered ``index`` on its way in (a fault the hub did not
    make): the laptop must not keep the file."""

    def __init__(self, url: str, token: str, index: int) -> None:
        super().__init__(url, token)
        self.index = index

    def blob_chunk(self, sha256: str, index: int) -> bytes:
        data = super().blob_chunk(sha256, index)
        if index != self.index:
            return data
        return data[:10] + bytes([data[10] ^ 0x01]) + data[11:]


class PushPullOnly:
    """A hub client that only pushes and pulls (as a wrapper without the file calls does):
    ``HubRelay``'s record calls, none of its file calls."""

    def __init__(self, client: HubClient) -> None:
        self.inner = client

    _around = HubRelay._around
    push = HubRelay.push
    pull = HubRelay.pull
    summary = HubRelay.summary


def token(device: Device) -> str:
    link = device.s.hub.link()
    assert link is not None
    return link.token


def sync_with(device: Device, hub: Any) -> SyncReport:
    return SyncEngine(device.s.sync, hub, sleep=lambda _s: None, attempts=2).run()


def watched(device: Device, cut_after: int | None = None) -> Watched:
    return Watched(device.hub_url, token(device), cut_after)


def parts_here(device: Device, digest: str) -> list[int]:
    with device.vault.read() as session:
        found = session.scalars(
            select(AttachmentChunk.index).where(AttachmentChunk.sha256 == digest)
        )
        return sorted(found)


def files_here(device: Device) -> set[str]:
    with device.vault.read() as session:
        return set(session.scalars(select(AttachmentBlob.sha256)))


def parts_on_hub(hub: Hub, digest: str) -> list[int]:
    with hub.unit() as session:
        found = session.scalars(select(HubBlobChunk.index).where(HubBlobChunk.sha256 == digest))
        return sorted(found)


@pytest.fixture
def laptops(served: Served, org: Org, tmp_path: Path) -> Iterator[dict[str, Device]]:
    made = {
        name: new_device(tmp_path / name, served.base, name) for name in ("north-amy", "north-lead")
    }
    yield made
    for device in made.values():
        device.close()


@pytest.fixture
def case(laptops: dict[str, Device]) -> tuple[str, str]:
    """A young person on Amy's laptop with a plan version; (young person, plan version)."""
    amy = laptops["north-amy"]
    person = amy.s.cases.add(given_name="Riley", family_name="Hart")
    plan = amy.s.plans.create(young_person_id=person)
    version = amy.s.plans.save_draft(plan, content={"what_worries_me": "Walking home"})
    return person, version


def attach_scan(device: Device, person: str, version: str | None = None, data: bytes = SCAN) -> str:
    return device.s.attachments.add(
        person, data, "image/png", "signed_plan_scan", "signed plan.png", plan_version_id=version
    )


def test_a_scan_attached_on_one_laptop_reaches_the_team_lead_byte_for_byte(
    laptops: dict[str, Device], case: tuple[str, str]
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, version = case
    assert p.chunk_count(len(SCAN)) == 6
    record = attach_scan(amy, person, version)
    report = amy.sync()
    assert (report.pushed.applied, report.pushed.rejected) == (4, 0)
    assert amy.s.sync.pending_count() == 0
    assert (report.files.sent, report.files.parts_sent) == (1, 6)
    assert "Attached files: 1 sent, 0 received, 0 to try again next time." in report.lines()

    client = watched(lead)
    with client:
        received = sync_with(lead, client)
    assert client.fetched == list(range(6))
    assert (received.files.received, received.files.parts_received) == (1, 6)
    assert lead.s.attachments.data(record) == SCAN
    [info] = lead.s.attachments.for_case(person)
    assert (info.id, info.sha256, info.size, info.plan_version_id, info.held) == (
        record,
        sha(SCAN),
        len(SCAN),
        version,
        True,
    )
    assert (info.media_type, info.purpose.value, info.filename) == (
        "image/png",
        "signed_plan_scan",
        "signed plan.png",
    )
    assert parts_here(lead, sha(SCAN)) == []  # the parts were joined and let go
    # Nothing moves twice: another sync on each laptop sends and fetches no part.
    for device in (amy, lead):
        again = watched(device)
        with again:
            sync_with(device, again)
        assert (again.sent, again.fetched) == ([], [])
    assert amy.state_hash() == lead.state_hash()


def test_an_upload_cut_off_after_two_parts_resumes_with_only_the_missing_ones(
    laptops: dict[str, Device], case: tuple[str, str], hub: Hub
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, _ = case
    record = attach_scan(amy, person)
    cut = watched(amy, cut_after=2)
    with cut, pytest.raises(HubUnreachable):
        sync_with(amy, cut)
    assert cut.sent == [0, 1]
    assert parts_on_hub(hub, sha(SCAN)) == [0, 1]
    assert amy.s.sync.pending_count() == 4  # nothing was pushed: the file comes first

    resumed = watched(amy)
    with resumed:
        report = sync_with(amy, resumed)
    assert resumed.sent == [2, 3, 4, 5]
    assert (report.pushed.applied, report.pushed.rejected) == (4, 0)
    lead.sync()
    assert lead.s.attachments.data(record) == SCAN


def test_a_download_cut_off_after_two_parts_resumes_from_the_parts_kept(
    laptops: dict[str, Device], case: tuple[str, str]
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, _ = case
    record = attach_scan(amy, person)
    amy.sync()

    cut = watched(lead, cut_after=2)
    with cut, pytest.raises(HubUnreachable):
        sync_with(lead, cut)
    assert parts_here(lead, sha(SCAN)) == [0, 1]
    [info] = lead.s.attachments.for_case(person)  # the record came; its file is on its way
    assert not info.held
    with pytest.raises(DomainError) as waiting:
        lead.s.attachments.data(record)
    assert waiting.value.message == (
        "The file for this attachment has not arrived from the hub yet; sync, then try again."
    )

    lead.reopen()  # a restart in between: the parts are in the vault, not in memory
    resumed = watched(lead)
    with resumed:
        sync_with(lead, resumed)
    assert resumed.fetched == [2, 3, 4, 5]
    assert lead.s.attachments.data(record) == SCAN
    assert parts_here(lead, sha(SCAN)) == []


def test_a_part_altered_on_the_way_is_caught_and_the_file_fetched_again(
    laptops: dict[str, Device], case: tuple[str, str]
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, _ = case
    record = attach_scan(amy, person)
    amy.sync()
    altering = Altering(lead.hub_url, token(lead), index=4)
    with altering:
        sync_with(lead, altering)
    assert altering.fetched == list(range(6))
    assert files_here(lead) == set()  # not kept: its SHA-256 did not check out
    assert parts_here(lead, sha(SCAN)) == []  # and its parts were let go, to fetch again
    assert not lead.s.attachments.for_case(person)[0].held
    lead.sync()
    assert lead.s.attachments.data(record) == SCAN


def test_an_attachment_pushed_without_its_file_is_refused_then_sent_with_it_next_time(
    laptops: dict[str, Device], case: tuple[str, str]
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, _ = case
    record = attach_scan(amy, person)
    with HubClient(amy.hub_url, token(amy), timeout=10) as client:
        report = sync_with(amy, PushPullOnly(client))
    assert (report.pushed.applied, report.pushed.rejected) == (3, 1)
    [refused] = amy.s.sync.rejected()
    assert (refused.kind, refused.record_id, refused.reason) == (
        "attachment",
        record,
        p.FILE_NOT_ON_HUB,
    )

    report = amy.sync()
    assert (report.pushed.applied, report.pushed.rejected) == (1, 0)
    assert amy.s.sync.rejected() == []
    lead.sync()
    assert lead.s.attachments.data(record) == SCAN


def test_a_laptop_of_another_team_cannot_fetch_the_file(
    laptops: dict[str, Device], case: tuple[str, str], served: Served, tmp_path: Path
) -> None:
    amy = laptops["north-amy"]
    person, _ = case
    attach_scan(amy, person)
    amy.sync()
    south = new_device(tmp_path / "south-cai", served.base, "south-cai")
    try:
        south.sync()
        assert south.records("attachment") == {}
        assert files_here(south) == set()
        with HubClient(south.hub_url, token(south), timeout=10) as client:
            absent = refuse(client.blob_status, "f" * 64)
            for call, args in ((client.blob_status, ()), (client.blob_chunk, (0,))):
                refused = refuse(call, sha(SCAN), *args)
                assert (refused.status, str(refused)) == (404, str(absent))
    finally:
        south.close()


def refuse(call: Callable[..., Any], *args: Any) -> HubRefused:
    with pytest.raises(HubRefused) as refused:
        call(*args)
    return refused.value


def test_erasing_a_case_removes_its_files_bytes_unless_another_case_names_them(
    laptops: dict[str, Device], case: tuple[str, str]
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, _ = case
    other = amy.s.cases.add(given_name="Sam", family_name="Okafor")
    signature = png(40, 20, seed=2)
    attach_scan(amy, person)
    mine_only = amy.s.attachments.add(person, signature, "image/png", "signature", "sig.png")
    attach_scan(amy, other)  # the same scan in another case: kept once
    amy.sync()
    lead.sync()
    assert files_here(lead) == {sha(SCAN), sha(signature)}

    lead.s.cases.close(person, "Work finished")
    lead.s.retention.erase_young_person(person, rule="Closed 6 years", reason="Retention ended")
    assert files_here(lead) == {sha(SCAN)}  # still named by the other case
    assert lead.s.attachments.for_case(other)[0].held
    with pytest.raises(NotFoundError):
        lead.s.attachments.data(mine_only)

    lead.s.cases.close(other, "Work finished")
    lead.s.retention.erase_young_person(other, rule="Closed 6 years", reason="Retention ended")
    assert files_here(lead) == set()


def test_parts_still_arriving_go_with_the_case_when_it_is_erased(
    laptops: dict[str, Device], case: tuple[str, str]
) -> None:
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, _ = case
    attach_scan(amy, person)
    amy.sync()
    cut = watched(lead, cut_after=3)
    with cut, pytest.raises(HubUnreachable):
        sync_with(lead, cut)
    assert parts_here(lead, sha(SCAN)) == [0, 1, 2]
    lead.s.cases.close(person, "Work finished")
    lead.s.retention.erase_young_person(person, rule="Closed 6 years", reason="Retention ended")
    assert parts_here(lead, sha(SCAN)) == []


def test_the_bytes_are_never_on_disk_in_clear(
    laptops: dict[str, Device],
    case: tuple[str, str],
    tmp_path: Path,
    hubdesk_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, _ = case
    record = attach_scan(amy, person)
    amy.sync()
    cut = watched(lead, cut_after=3)  # some parts kept, waiting: in the vault too
    with cut, pytest.raises(HubUnreachable):
        sync_with(lead, cut)
    needles = [SCAN[n : n + 48] for n in (200, len(SCAN) // 2, len(SCAN) - 100)]
    folders = [amy.folder, lead.folder, private_tmp, hubdesk_home]

    def found() -> list[str]:
        return [
            f"{path} holds part of the file"
            for folder in folders
            for path in folder.rglob("*")
            if path.is_file() and any(needle in path.read_bytes() for needle in needles)
        ]

    assert found() == []  # open, with the write-ahead logs in use
    lead.sync()
    assert lead.s.attachments.data(record) == SCAN
    for device in (amy, lead):
        device.reopen()
    assert found() == []
    control = private_tmp / "control.png"
    control.write_bytes(SCAN)
    assert found() == [f"{control} holds part of the file"]  # the scan would see a leak


def test_the_desktops_sync_run_moves_files_too(
    laptops: dict[str, Device], case: tuple[str, str]
) -> None:
    """The desktop wraps the hub client to stop a sync at a lock; the wrapper passes the
    file calls on, so a scan attached in the app reaches the hub with its record."""
    from hubdesk.views.sync_run import SyncRun

    amy, lead = laptops["north-amy"], laptops["north-lead"]
    person, version = case
    record = attach_scan(amy, person, version)
    link = amy.s.hub.link()
    assert link is not None
    report = SyncRun(amy.s, link, progress=lambda _step: None)()
    assert report.pushed.rejected == 0
    lead.sync()
    assert lead.s.attachments.data(record) == SCAN
