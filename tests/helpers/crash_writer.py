"""Children for the kill -9 test (tests/store/test_crash.py), forked by the helper this module
runs as (``python -m tests.helpers.crash_writer``; see ``tests.helpers.forking``). Not for
real vaults.

Each ``write VAULT_FOLDER YOUNG_PERSON_ID`` line forks a child that opens the vault, says
``ready``, then writes forever: mostly contact notes (of varied length, so some spill onto
overflow pages), sometimes a young person. Only after a service call has returned does it say
``<record kind> <id>``: that line is the acknowledgement the parent holds the vault to. The
parent ends it with SIGKILL.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from hubdesk.services import Services
from hubdesk.store.vault import Vault
from hubdesk.timeutil import utcnow
from tests.helpers.forking import say, serve

WORDS = (
    "visited", "home", "talked", "about", "school", "friends", "weekend", "agreed", "to",
    "meet", "again", "Thursday", "carer", "present", "for", "part", "of", "the", "visit",
    "no", "new", "concerns", "raised", "today",
)  # fmt: skip


def write_forever(args: list[str], secret: bytes) -> int:
    folder, young_person_id = Path(args[0]), args[1]
    services = Services(Vault.open(folder, bytearray(secret)))
    rng = random.Random()
    say("ready")
    n = 0
    while True:
        n += 1
        if n % 5 == 0:
            kind = "young_person"
            new_id = services.cases.add(given_name="Crash", family_name=f"Test {n}")
        else:
            kind = "contact_note"
            narrative = " ".join(rng.choices(WORDS, k=rng.randint(10, 1200)))
            new_id = services.notes.add(
                young_person_id, kind="phone", occurred_at=utcnow(), narrative=narrative
            )
        say(f"{kind} {new_id}")


if __name__ == "__main__":
    sys.exit(serve("write", write_forever))
