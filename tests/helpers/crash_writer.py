"""Child process for the kill -9 test (tests/store/test_crash.py). Not for real vaults.

    python crash_writer.py VAULT_FOLDER YOUNG_PERSON_ID

The passphrase comes from HUBDESK_PASSPHRASE (never argv, which other users can read), and
HUBDESK_HOME from the environment. Opens the vault, prints ``ready``, then writes forever:
mostly contact notes (of varied length, so some spill onto overflow pages), sometimes a young
person. Only after a service call has returned does it print ``<record kind> <id>`` and flush
— that line is the acknowledgement the parent holds the vault to. The parent ends it with
SIGKILL.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from hubdesk.services import Services
from hubdesk.store.secrets_util import wipe
from hubdesk.store.vault import Vault
from hubdesk.timeutil import utcnow

WORDS = (
    "visited", "home", "talked", "about", "school", "friends", "weekend", "agreed", "to",
    "meet", "again", "Thursday", "carer", "present", "for", "part", "of", "the", "visit",
    "no", "new", "concerns", "raised", "today",
)  # fmt: skip


def main(argv: list[str]) -> int:
    folder, young_person_id = Path(argv[1]), argv[2]
    secret = bytearray(os.environ.pop("HUBDESK_PASSPHRASE").encode())
    try:
        vault = Vault.open(folder, secret)
    finally:
        wipe(secret)
    services = Services(vault)
    rng = random.Random()
    out = sys.stdout
    out.write("ready\n")
    out.flush()
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
        out.write(f"{kind} {new_id}\n")
        out.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
