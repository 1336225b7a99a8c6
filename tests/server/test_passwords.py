"""Hub passwords: Argon2id at a real cost (64 MiB, 3 passes), only the hash kept, short or
NUL-holding passwords refused in words, and an unknown user checked against a dummy hash."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError

from hubdesk.server.passwords import (
    HASHER,
    MIN_LENGTH,
    PasswordError,
    hash_password,
    verify_password,
)

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def test_the_hub_hashes_with_argon2id_at_a_real_cost() -> None:
    made = HASHER.hash("a long enough password")
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert HASHER.type is Type.ID


def test_only_the_hash_is_kept_and_it_verifies() -> None:
    hashed = hash_password("violet kettle marching 9", CHEAP)
    assert "violet" not in hashed
    assert verify_password(hashed, "violet kettle marching 9", CHEAP)
    assert not verify_password(hashed, "violet kettle marching 8", CHEAP)
    # A hash carries its own cost: the real hasher verifies a cheap one, and the other way.
    assert verify_password(hashed, "violet kettle marching 9")


def test_an_unknown_user_is_checked_against_a_dummy_and_never_matches() -> None:
    assert not verify_password(None, "no such user: dummy password for timing")
    assert not verify_password(None, "anything at all")


def test_a_damaged_hash_is_a_mismatch_not_a_crash() -> None:
    with pytest.raises(InvalidHashError):
        CHEAP.verify("not a hash", "x")
    assert not verify_password("not a hash", "x", CHEAP)


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short", f"A hub password needs at least {MIN_LENGTH} characters"),
        ("long enough\x00but NUL", "A password cannot contain a NUL character."),
    ],
)
def test_unsuitable_passwords_are_refused_in_words(password: str, words: str) -> None:
    with pytest.raises(PasswordError) as refused:
        hash_password(password, CHEAP)
    assert refused.value.message.startswith(words)
