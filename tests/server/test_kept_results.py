"""A mutation's first result is kept without the copy of the record a conflict carries: the
copy goes back to the device once, and is never kept where it would outlive a deletion of
the record (a replayed conflict is answered with the record as it is then). Hub migration
0010 takes the copies out of the results kept before, and leaves every other result as it
was."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text

from hubdesk.server import sync
from hubdesk.server.db import Database
from hubdesk.server.hub import Hub, Principal
from hubdesk.server.tables import utcnow
from hubdesk.sync import protocol as p
from tests.server.conftest import Org, new_mutation, put
from tests.server.test_scope_totals import upgrade_to
from tests.server.test_workers import enrolled


def kept_result(hub: Hub, mutation_id: uuid.UUID) -> dict[str, Any]:
    with hub.db.engine.connect() as conn:
        raw = conn.execute(
            text("SELECT result FROM applied_mutation WHERE mutation_id = :id"),
            {"id": str(mutation_id)},
        ).scalar_one()
    found: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else raw
    return found


def answer(hub: Hub, who: Principal, m: p.Mutation) -> p.MutationResult:
    [result] = sync.push(hub, who, [m]).results
    return result


def test_a_conflicts_first_result_is_kept_without_the_hubs_copy(hub: Hub, org: Org) -> None:
    amy, lead = enrolled(hub, "north-amy"), enrolled(hub, "north-lead")
    person = str(uuid.uuid4())
    seq = put(hub, amy, "young_person", person, {"family_name": "Example", "n": 0})
    put(hub, amy, "young_person", person, {"family_name": "Example", "n": 1}, base_seq=seq)
    theirs = new_mutation("young_person", person, "update", {"n": 2}, seq)

    first = answer(hub, lead, theirs)
    assert first.status == "conflict"
    assert first.seq is not None
    assert first.server_copy == {"deleted": False, "content": {"family_name": "Example", "n": 1}}
    kept = kept_result(hub, theirs.mutation_id)
    assert "server_copy" not in kept
    assert (kept["status"], kept["seq"], kept["reason"]) == ("conflict", first.seq, first.reason)
    applied = new_mutation("young_person", person, "update", {"n": 3}, first.seq)
    done = answer(hub, amy, applied)
    assert done.status == "applied"
    assert "server_copy" not in kept_result(hub, applied.mutation_id)

    # The record deleted: nothing of its content is left in the results either, and the
    # replay carries the record as it is now.
    remove = new_mutation("young_person", person, "delete", {}, done.seq)
    assert answer(hub, amy, remove).status == "applied"
    with hub.db.engine.connect() as conn:
        results = conn.execute(text("SELECT result FROM applied_mutation")).scalars().all()
    assert not [r for r in results if "Example" in (r if isinstance(r, str) else json.dumps(r))]
    again = answer(hub, lead, theirs)
    assert again.status == "conflict"
    assert again.server_copy == {"deleted": True, "content": {}}


def test_migration_0010_takes_the_copies_out_of_the_results_kept_before(
    database_url: str,
) -> None:
    db = Database(database_url)
    copy = {"deleted": False, "content": {"family_name": "Example"}}
    results: dict[str, dict[str, Any]] = {
        "conflict": {"status": "conflict", "seq": 4, "server_copy": copy, "reason": "Changed."},
        "applied": {"status": "applied", "seq": 5, "server_copy": None, "reason": None},
        "rejected": {"status": "rejected", "seq": None, "reason": "Not yours."},
    }
    try:
        with db.engine.begin() as conn:
            upgrade_to(conn, "0009")
            conn.execute(
                text(
                    "INSERT INTO hub_user (id, username, display_name, password_hash, role, "
                    "created_at, disabled) VALUES (1, 'north-amy', 'Amy', 'x', 'practitioner', "
                    ":at, :no)"
                ),
                {"at": utcnow(), "no": False},
            )
            conn.execute(
                text(
                    "INSERT INTO device (id, user_id, name, token_digest, certificate_pem, "
                    "enrolled_at) VALUES ('d1', 1, 'laptop', 'digest', 'pem', :at)"
                ),
                {"at": utcnow()},
            )
            for key, result in results.items():
                conn.execute(
                    text(
                        "INSERT INTO applied_mutation (mutation_id, device_id, kind, record_id, "
                        "result, at) VALUES (:id, 'd1', 'young_person', 'r1', :result, :at)"
                    ),
                    {
                        "id": key,
                        "result": json.dumps(result | {"mutation_id": key}),
                        "at": utcnow(),
                    },
                )
            upgrade_to(conn, "head")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT mutation_id, result FROM applied_mutation")).all()
        kept = {key: json.loads(raw) if isinstance(raw, str) else raw for key, raw in rows}
        expected = {key: result | {"mutation_id": key} for key, result in results.items()}
        del expected["conflict"]["server_copy"]
        assert kept == expected
    finally:
        db.dispose()
