"""Enrolment and sign-in over the real API on loopback: a device enrols once with a password
and a CSR and gets a token and a certificate from the organisation's CA; the token is stored
only as a digest; wrong passwords are refused in words and the 11th in a minute is refused
without being checked; a revoked device is told so."""

from __future__ import annotations

import contextlib
import threading
import uuid
from datetime import timedelta

import pytest
from cryptography import x509
from sqlalchemy import select

from hubdesk.server.ca import certificate_device_id, make_csr, new_device_key, verify_issued
from hubdesk.server.hub import PER_ADDRESS_LIMIT, PER_USER_LIMIT, Hub, token_digest
from hubdesk.server.problems import NotSignedIn, Problem, TooManyAttempts
from hubdesk.server.tables import Device, LoginAttempt, Role
from tests.server.conftest import PASSWORD, Org, Served

PROBLEM = "application/problem+json"


def enrol_body(username: str, password: str, device_id: str | None = None) -> dict[str, str]:
    device_id = device_id or str(uuid.uuid4())
    return {
        "username": username,
        "password": password,
        "device_id": device_id,
        "device_name": "Laptop 7",
        "csr_pem": make_csr(new_device_key(), device_id, username).decode(),
    }


def test_a_device_enrols_and_its_token_signs_it_in(served: Served, org: Org, hub: Hub) -> None:
    body = enrol_body("north-amy", PASSWORD)
    reply = served.call("POST", "/api/v1/auth/enrol", body)
    assert reply.status == 201, reply.body
    token = reply.body["device_token"]
    assert token.startswith("hd1_")
    assert reply.body["user"] == {
        "username": "north-amy",
        "display_name": "north-amy",
        "role": "practitioner",
        "team": "North",
    }
    certificate = reply.body["certificate_pem"].encode()
    verify_issued(hub.ca(), certificate)
    assert certificate_device_id(certificate) == body["device_id"]
    assert reply.body["ca_certificate_pem"] == hub.ca().certificate_pem.decode()

    me = served.call("GET", "/api/v1/me", token=token)
    assert me.status == 200
    assert me.body["username"] == "north-amy"

    with hub.unit() as session:
        device = session.get(Device, body["device_id"])
        assert device is not None
        assert device.token_digest == token_digest(token)
        assert token not in (device.token_digest, device.certificate_pem)
        assert device.last_seen_at is not None
        cert = x509.load_pem_x509_certificate(device.certificate_pem.encode())
        assert cert.not_valid_after_utc - cert.not_valid_before_utc <= timedelta(days=826)


def test_a_wrong_password_is_refused_in_words(served: Served, org: Org) -> None:
    reply = served.call("POST", "/api/v1/auth/enrol", enrol_body("north-amy", "not it at all"))
    assert reply.status == 401
    assert reply.headers["content-type"] == PROBLEM
    assert reply.body["detail"] == (
        "That username and password do not match an active hub account."
    )
    unknown = served.call("POST", "/api/v1/auth/enrol", enrol_body("nobody-here", PASSWORD))
    assert unknown.status == 401
    assert unknown.body["detail"] == reply.body["detail"]  # an absent user looks the same


def test_the_eleventh_wrong_password_in_a_minute_is_refused_unchecked(
    served: Served, org: Org, hub: Hub
) -> None:
    for _ in range(PER_USER_LIMIT):
        assert (
            served.call("POST", "/api/v1/auth/enrol", enrol_body("north-ben", "wrong")).status
            == 401
        )
    eleventh = served.call("POST", "/api/v1/auth/enrol", enrol_body("north-ben", PASSWORD))
    assert eleventh.status == 429
    assert eleventh.headers["retry-after"] == "60"
    assert "Too many sign-in attempts" in eleventh.body["detail"]
    with hub.unit() as session:
        attempts = session.scalars(
            select(LoginAttempt)
            .where(LoginAttempt.username == "north-ben")
            .order_by(LoginAttempt.id)
        ).all()
    assert [a.checked for a in attempts] == [True] * PER_USER_LIMIT + [False]
    assert not attempts[-1].succeeded
    # Other people are not locked out by someone else's guesses.
    assert (
        served.call("POST", "/api/v1/auth/enrol", enrol_body("north-amy", PASSWORD)).status == 201
    )


def test_the_limit_lifts_after_a_minute(org: Org, hub: Hub) -> None:
    now = hub.clock()
    later = [now]
    hub.clock = lambda: later[0]

    def attempt(password: str) -> str:
        """One sign-in, its attempt kept (as enrolment keeps it); the refusal's name."""
        with hub.unit() as session:
            try:
                hub.sign_in(session, "north-ben", password, "192.0.2.7")
            except (NotSignedIn, TooManyAttempts) as refused:
                return type(refused).__name__
        return "signed in"

    assert [attempt("wrong") for _ in range(PER_USER_LIMIT)] == ["NotSignedIn"] * PER_USER_LIMIT
    assert attempt(PASSWORD) == "TooManyAttempts"
    later[0] = now + timedelta(seconds=61)
    assert attempt(PASSWORD) == "signed in"


def test_a_revoked_device_is_told_so_and_a_disabled_user_cannot_enrol(
    served: Served, org: Org, hub: Hub
) -> None:
    device_id, token = served.enrol("north-amy")
    hub.revoke_device(device_id)
    reply = served.call("GET", "/api/v1/me", token=token)
    assert reply.status == 401
    assert reply.body["type"].endswith("/device-revoked")
    assert "has been revoked" in reply.body["detail"]

    _, other = served.enrol("north-ben")
    assert hub.disable_user("north-ben") == 1
    assert served.call("GET", "/api/v1/me", token=other).status == 401
    refused = served.call("POST", "/api/v1/auth/enrol", enrol_body("north-ben", PASSWORD))
    assert refused.status == 401


def test_a_device_id_enrols_once(served: Served, org: Org) -> None:
    body = enrol_body("north-amy", PASSWORD)
    assert served.call("POST", "/api/v1/auth/enrol", body).status == 201
    again = served.call("POST", "/api/v1/auth/enrol", body)
    assert again.status == 409
    assert "already enrolled" in again.body["detail"]


def test_without_a_token_nothing_is_served(served: Served, org: Org) -> None:
    for token in (None, "hd1_made-up", "Bearer nonsense"):
        reply = served.call("GET", "/api/v1/young-people", token=token)
        assert reply.status == 401
        assert reply.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("username", ["North-Amy", "amy smith", "-amy", "a", "amy\u00e9"])
def test_a_username_the_api_could_not_sign_in_is_refused_at_creation(
    hub: Hub, username: str
) -> None:
    hub.create_team("East")
    with pytest.raises(Problem) as refused:
        hub.create_user(username, role=Role.PRACTITIONER, password=PASSWORD, team="East")
    assert refused.value.message.startswith("A username is 2 to 80 lower-case letters")


def test_a_burst_from_one_address_is_held_to_the_address_limit(org: Org, hub: Hub) -> None:
    """Different usernames at once from one address: never more than the limit checked."""
    tries = PER_ADDRESS_LIMIT + 12
    start = threading.Barrier(tries)

    def guess(n: int) -> None:
        start.wait()
        # The refusal is suppressed inside the unit, so each attempt is kept.
        with hub.unit() as session, contextlib.suppress(NotSignedIn, TooManyAttempts):
            hub.sign_in(session, f"guess-{n:03d}", "wrong", "198.51.100.4")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with hub.unit() as session:
        checked = session.scalars(
            select(LoginAttempt.checked).where(LoginAttempt.address == "198.51.100.4")
        ).all()
    assert len(checked) == tries
    assert sum(checked) == PER_ADDRESS_LIMIT
