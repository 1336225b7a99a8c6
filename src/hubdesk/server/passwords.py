"""Hub passwords: Argon2id hashes only (never the password), with a fixed cost that a worker
can afford per sign-in, and a dummy check for unknown users so their absence takes as long."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hubdesk.errors import HubDeskError

#: RFC 9106's second recommended option, scaled to a shared server: 64 MiB, 3 passes.
HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)
MIN_LENGTH = 12
#: Checked when the user does not exist, so the answer takes as long as a real check: one
#: dummy hash per hasher, at that hasher's cost.
_DUMMIES: dict[int, str] = {}


def _dummy(hasher: PasswordHasher) -> str:
    if id(hasher) not in _DUMMIES:
        _DUMMIES[id(hasher)] = hasher.hash("no such user: dummy password for timing")
    return _DUMMIES[id(hasher)]


class PasswordError(HubDeskError):
    """A new password is not acceptable."""


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(
            f"A hub password needs at least {MIN_LENGTH} characters; a few words together "
            "are easiest to remember."
        )
    if "\x00" in password:
        raise PasswordError("A password cannot contain a NUL character.")


def hash_password(password: str, hasher: PasswordHasher = HASHER) -> str:
    check_new_password(password)
    return hasher.hash(password)


def verify_password(
    password_hash: str | None, password: str, hasher: PasswordHasher = HASHER
) -> bool:
    """True when ``password`` matches; an absent user is checked against a dummy hash.

    A stored hash carries its own cost, so hashes made with another hasher still verify.
    """
    try:
        return (
            hasher.verify(password_hash or _dummy(hasher), password) and password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
