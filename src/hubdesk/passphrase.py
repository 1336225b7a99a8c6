"""A plain check of a new passphrase's strength.

An offline attacker with a copy of the vault is held back only by the Argon2id cost and the
passphrase, so a new passphrase must be long and not predictable. The estimate is deliberately
simple (length, variety, repeats, a short list of common choices) and the feedback is words a
practitioner can act on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_LENGTH = 12
MIN_BITS = 50.0

_COMMON = {
    "password",
    "passw0rd",
    "qwerty",
    "letmein",
    "welcome",
    "iloveyou",
    "123456",
    "abc123",
    "hubdesk",
    "football",
    "monkey",
    "dragon",
    "sunshine",
    "safeguarding",
}


@dataclass(frozen=True)
class Strength:
    bits: float
    acceptable: bool
    advice: str

    @property
    def label(self) -> str:
        if not self.acceptable:
            return "too weak"
        return "strong" if self.bits >= 80 else "good"


def estimate(passphrase: str) -> Strength:
    if len(passphrase) < MIN_LENGTH:
        return Strength(
            0.0,
            False,
            f"Use at least {MIN_LENGTH} characters; a few unrelated words work well.",
        )
    lowered = passphrase.lower()
    if any(word in lowered for word in _COMMON) and len(passphrase) < 20:
        return Strength(10.0, False, "Avoid common words such as 'password'; add unrelated words.")
    pool = 0
    pool += 26 if any(c.islower() for c in passphrase) else 0
    pool += 26 if any(c.isupper() for c in passphrase) else 0
    pool += 10 if any(c.isdigit() for c in passphrase) else 0
    pool += 33 if any(not c.isalnum() for c in passphrase) else 0
    distinct = len(set(passphrase))
    # Repeats add little: count each distinct character fully, repeats at a quarter.
    effective = distinct + (len(passphrase) - distinct) / 4
    bits = effective * math.log2(max(pool, 2))
    if bits < MIN_BITS:
        return Strength(bits, False, "Make it longer with more unrelated words.")
    return Strength(bits, True, "")
