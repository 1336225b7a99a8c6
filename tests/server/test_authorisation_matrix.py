"""Every authenticated endpoint (sync, screening tools and attached files included) × every role
× a record in scope and one out of scope × a revoked device, each with the status the hub must
answer. Out of scope answers 404, exactly as if the record were absent; a hub admin manages
people and devices but reads no case content; a revoked device gets 401 everywhere. Any active
device may send a file, but reads one only through an attachment in its scope: sending the
whole of another case's file (which shows the sender holds it) still reads nothing. The sync
pull (of one kind too) and summary answer every role with that role's own scope only.
Successful case reads are audited with who and which device."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from hubdesk.server import blobs
from hubdesk.server.hub import Hub, Principal
from hubdesk.server.tables import HubAuditEvent, Role
from hubdesk.sync import protocol as p
from tests.server.conftest import Org, Served, put

AMY_CASE, BEN_CASE, CAI_CASE = (str(uuid.UUID(int=n)) for n in (1, 2, 3))
NORTH_PLACE, SOUTH_PLACE = str(uuid.UUID(int=11)), str(uuid.UUID(int=12))
ROLES = ("practitioner", "team-lead", "admin", "revoked")
#: One small file attached to each case (one part each), by its digest.
FILES = {case: b"\x89PNG\r\n\x1a\n" + case.encode() * 3 for case in (AMY_CASE, BEN_CASE, CAI_CASE)}
DIGESTS = {case: hashlib.sha256(data).hexdigest() for case, data in FILES.items()}
BY_DIGEST = {DIGESTS[case]: data for case, data in FILES.items()}
DECLARED = {"size": len(FILES[AMY_CASE]), "media_type": "image/png"}


@dataclass(frozen=True)
class Cell:
    method: str
    path: str
    #: Expected status for (role, in scope) and (role, out of scope), per role in ROLES; for a
    #: push, "200 applied" or "200 rejected" (the status of the one mutation sent).
    expected: dict[str, tuple[int | str, int | str]]
    body_in: dict[str, Any] | None = None
    body_out: dict[str, Any] | None = None


def matrix(spare_device: str) -> list[Cell]:
    everyone = {"practitioner": (200, 200), "team-lead": (200, 200), "admin": (200, 200)}
    admin_only = {"practitioner": (403, 403), "team-lead": (403, 403), "admin": (200, 200)}
    case_reads = {"practitioner": (200, 404), "team-lead": (200, 404), "admin": (404, 404)}
    everyone_but_unknown = {
        "practitioner": (200, 404),
        "team-lead": (200, 404),
        "admin": (200, 404),
    }
    unknown_device = str(uuid.uuid4())
    return [
        Cell("GET", "/api/v1/me", everyone),
        Cell("GET", "/api/v1/young-people", everyone),
        Cell(
            "GET",
            "/api/v1/young-people/{}",
            {"practitioner": (200, 404), "team-lead": (200, 404), "admin": (404, 404)},
        ),
        Cell(
            "PUT",
            "/api/v1/young-people/{}/allocation",
            {"practitioner": (403, 403), "team-lead": (200, 404), "admin": (200, 200)},
            body_in={"practitioner": "north-ben"},
            body_out={"practitioner": "south-cai"},
        ),
        Cell(
            "GET",
            "/api/v1/contexts/{}",
            {"practitioner": (200, 404), "team-lead": (200, 404), "admin": (404, 404)},
        ),
        Cell("GET", "/api/v1/screening-definitions", everyone),
        Cell("GET", "/api/v1/screening-definitions/{}", everyone_but_unknown),
        Cell("GET", "/api/v1/sync/pull?after=0", everyone),
        Cell("GET", "/api/v1/sync/pull?after=0&kind=young_person", everyone),
        Cell("GET", "/api/v1/sync/summary", everyone),
        Cell(
            "POST",
            "/api/v1/sync/push",
            {
                "practitioner": ("200 applied", "200 rejected"),
                "team-lead": ("200 applied", "200 rejected"),
                "admin": ("200 rejected", "200 rejected"),
            },
        ),
        Cell("PUT", "/api/v1/blobs/{}", everyone, body_in=DECLARED, body_out=DECLARED),
        Cell("PUT", "/api/v1/blobs/{}/chunks/0", everyone),  # the file's one part, as octets
        Cell("POST", "/api/v1/blobs/{}/complete", everyone),
        Cell("GET", "/api/v1/blobs/{}", case_reads),
        Cell("GET", "/api/v1/blobs/{}/chunks/0", case_reads),
        Cell("GET", "/api/v1/admin/users", admin_only),
        Cell("GET", "/api/v1/admin/devices", admin_only),
        Cell(
            "POST",
            f"/api/v1/admin/devices/{{}}/revoke#{spare_device}#{unknown_device}",
            {"practitioner": (403, 403), "team-lead": (403, 403), "admin": (200, 404)},
        ),
    ]


def targets(cell: Cell, role: str) -> tuple[str, str]:
    """The (in scope, out of scope) ids a cell's path is filled with for a role."""
    if "#" in cell.path:
        _, spare, unknown = cell.path.split("#")
        return spare, unknown
    if "contexts" in cell.path:
        return NORTH_PLACE, SOUTH_PLACE
    if "screening-definitions/" in cell.path:
        return "exploitation/1", "exploitation/9"
    if "allocation" in cell.path:
        return BEN_CASE, CAI_CASE
    if "/blobs/" in cell.path:
        return DIGESTS[BEN_CASE if role == "team-lead" else AMY_CASE], DIGESTS[CAI_CASE]
    return (BEN_CASE if role == "team-lead" else AMY_CASE), CAI_CASE


def addendum_for(case: str) -> dict[str, Any]:
    """A push of one new addendum on ``case``'s records (applied only within scope)."""
    return {
        "mutation_id": str(uuid.uuid4()),
        "kind": "addendum",
        "record_id": str(uuid.uuid4()),
        "op": "append",
        "young_person_id": case,
        "content": {"text": "Spoke to school."},
    }


def world(served: Served, hub: Hub) -> tuple[dict[str, str], str, dict[str, Principal]]:
    """Tokens per role (one of them revoked), a spare device id, and the practitioners."""
    tokens, devices = {}, {}
    for role, username in (
        ("practitioner", "north-amy"),
        ("team-lead", "north-lead"),
        ("admin", "hub-admin"),
        ("revoked", "north-amy"),
    ):
        devices[role], tokens[role] = served.enrol(username)
    hub.revoke_device(devices["revoked"])
    spare, _ = served.enrol("north-ben")
    people = {}
    for username in ("north-amy", "north-ben", "south-cai"):
        _, token = served.enrol(username)
        people[username] = hub.authenticate(token)
    for case, username in (
        (AMY_CASE, "north-amy"),
        (BEN_CASE, "north-ben"),
        (CAI_CASE, "south-cai"),
    ):
        put(hub, people[username], "young_person", case, {"given_name": "Fictional"})
        put(
            hub,
            people[username],
            "contact_note",
            str(uuid.uuid4()),
            {"narrative": "Visit."},
            young_person_id=case,
        )
    for case, username in (
        (AMY_CASE, "north-amy"),
        (BEN_CASE, "north-ben"),
        (CAI_CASE, "south-cai"),
    ):
        attach_file(hub, people[username], case)
    put(hub, people["north-amy"], "context", NORTH_PLACE, {"name": "Park"})  # North's
    put(hub, people["south-cai"], "context", SOUTH_PLACE, {"name": "Yard"})  # South's
    hub.publish_shipped_definitions()
    return tokens, spare, people


def attach_file(hub: Hub, who: Principal, case: str) -> None:
    """Send the case's file to the hub and attach it to the case."""
    data, digest = FILES[case], DIGESTS[case]
    blobs.declare(hub, who, digest, p.BlobDeclaration.model_validate(DECLARED))
    blobs.put_chunk(hub, who, digest, 0, data)
    blobs.complete(hub, who, digest)
    content = {"sha256": digest, "size": len(data), "media_type": "image/png"}
    put(hub, who, "attachment", str(uuid.uuid4()), content, young_person_id=case)


def test_every_endpoint_role_scope_and_revoked_device(served: Served, org: Org, hub: Hub) -> None:
    tokens, spare, _ = world(served, hub)
    wrong: list[str] = []
    checked = 0
    for cell in matrix(spare):
        path = cell.path.split("#")[0]
        for role in ROLES:
            inside, outside = targets(cell, role)
            for scope, record, body in (
                ("in scope", inside, cell.body_in),
                ("out of scope", outside, cell.body_out),
            ):
                expected = (
                    401 if role == "revoked" else cell.expected[role][scope == "out of scope"]
                )
                raw, headers = None, None
                if path.endswith("/sync/push"):
                    body = {"mutations": [addendum_for(record)]}
                if cell.method == "PUT" and "/chunks/" in path:
                    raw, headers = BY_DIGEST[record], {"Content-Type": "application/octet-stream"}
                reply = served.call(
                    cell.method,
                    path.format(record),
                    body,
                    token=tokens[role],
                    raw=raw,
                    headers=headers,
                )
                checked += 1
                outcome: int | str = reply.status
                if isinstance(expected, str) and reply.status == 200:
                    outcome = f"200 {reply.body['results'][0]['status']}"
                if outcome != expected:
                    wrong.append(
                        f"{cell.method} {path} as {role}, {scope}: {outcome} not {expected}"
                    )
                elif reply.status >= 400:
                    assert reply.headers["content-type"] == "application/problem+json"
    assert wrong == []
    assert checked == 19 * 4 * 2


def test_out_of_scope_reads_exactly_like_absent(served: Served, org: Org, hub: Hub) -> None:
    tokens, _, _ = world(served, hub)
    out_of_scope = served.call(
        "GET", f"/api/v1/young-people/{CAI_CASE}", token=tokens["practitioner"]
    )
    absent = served.call(
        "GET", f"/api/v1/young-people/{uuid.uuid4()}", token=tokens["practitioner"]
    )
    assert (out_of_scope.status, out_of_scope.body) == (absent.status, absent.body)


def test_each_role_sees_its_own_caseload(served: Served, org: Org, hub: Hub) -> None:
    tokens, _, _ = world(served, hub)

    def caseload(role: str) -> list[str]:
        reply = served.call("GET", "/api/v1/young-people", token=tokens[role])
        return sorted(row["id"] for row in reply.body)

    assert caseload("practitioner") == [AMY_CASE]
    assert caseload("team-lead") == sorted([AMY_CASE, BEN_CASE])
    assert caseload("admin") == []

    def pulled(role: str) -> set[str]:
        reply = served.call("GET", "/api/v1/sync/pull?after=0&limit=1000", token=tokens[role])
        return {c["young_person_id"] or c["record_id"] for c in reply.body["changes"]}

    tools = {"exploitation:1"}
    assert pulled("practitioner") == {AMY_CASE, NORTH_PLACE} | tools
    assert pulled("team-lead") == {AMY_CASE, BEN_CASE, NORTH_PLACE} | tools
    assert pulled("admin") == tools

    def people(role: str) -> tuple[list[str], list[str], int]:
        """Whose cases the summary names, the young people a pull of that kind serves,
        and how many contexts the summary counts."""
        summary = served.call("GET", "/api/v1/sync/summary", token=tokens[role]).body
        narrowed = served.call(
            "GET", "/api/v1/sync/pull?after=0&kind=young_person", token=tokens[role]
        ).body
        served_ids = sorted(c["record_id"] for c in narrowed["changes"])
        return summary["young_people"], served_ids, summary["kinds"]["context"]["count"]

    assert people("practitioner") == ([AMY_CASE], [AMY_CASE], 1)
    north = sorted([AMY_CASE, BEN_CASE])
    assert people("team-lead") == (north, north, 1)
    assert people("admin") == ([], [], 0)


def test_a_young_person_first_recorded_by_a_practitioner_is_theirs_until_a_lead_moves_them(
    served: Served, org: Org, hub: Hub
) -> None:
    tokens, _, people = world(served, hub)
    amy = served.call("GET", f"/api/v1/young-people/{AMY_CASE}", token=tokens["practitioner"])
    assert amy.status == 200
    assert [r["kind"] for r in amy.body["records"]] == ["contact_note", "attachment"]
    moved = served.call(
        "PUT",
        f"/api/v1/young-people/{AMY_CASE}/allocation",
        {"practitioner": "north-ben"},
        token=tokens["team-lead"],
    )
    assert moved.status == 200
    assert moved.body == {"young_person_id": AMY_CASE, "practitioner": "north-ben", "team": "North"}
    gone = served.call("GET", f"/api/v1/young-people/{AMY_CASE}", token=tokens["practitioner"])
    assert gone.status == 404
    across = served.call(
        "PUT",
        f"/api/v1/young-people/{BEN_CASE}/allocation",
        {"practitioner": "south-cai"},
        token=tokens["team-lead"],
    )
    assert across.status == 403
    assert across.body["detail"] == "A team lead allocates within their own team."
    assert people["north-amy"].role is Role.PRACTITIONER


def test_every_case_read_is_audited_with_who_and_which_device(
    served: Served, org: Org, hub: Hub
) -> None:
    tokens, _, _ = world(served, hub)
    lead = hub.authenticate(tokens["team-lead"])
    served.call("GET", f"/api/v1/young-people/{BEN_CASE}", token=tokens["team-lead"])
    served.call("GET", f"/api/v1/contexts/{NORTH_PLACE}", token=tokens["team-lead"])
    served.call("GET", f"/api/v1/young-people/{CAI_CASE}", token=tokens["team-lead"])  # refused
    with hub.unit() as session:
        reads = session.scalars(
            select(HubAuditEvent).where(HubAuditEvent.action.in_(["case-read", "context-read"]))
        ).all()
    assert [(e.action, e.record_id, e.user_id, e.device_id) for e in reads] == [
        ("case-read", BEN_CASE, lead.user_id, lead.device_id),
        ("context-read", NORTH_PLACE, lead.user_id, lead.device_id),
    ]
    assert all(e.at is not None for e in reads)
    assert hub.verify_audit().ok
