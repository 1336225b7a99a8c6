"""`hubdesk enrol` against the real hub on loopback: the device's key is made on the laptop,
the token and certificate the hub sends are kept inside the encrypted vault (never in clear
on disk), the token then works, and every refusal is said in words with the vault unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubdesk import cli
from hubdesk.server.ca import certificate_device_id, verify_issued
from hubdesk.server.hub import Hub
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from hubdesk.sync.transport import HubClient, HubError, check_hub_url
from tests.conftest import PASSPHRASE, passphrase
from tests.server.conftest import PASSWORD, Org, Served


@pytest.fixture
def closed_vault(vault: Vault, vault_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    vault.close()
    monkeypatch.setenv("HUBDESK_PASSPHRASE", PASSPHRASE)
    return vault_dir


def enrol(vault_dir: Path, server: str, username: str, *more: str) -> int:
    return cli.main(
        ["enrol", "--vault", str(vault_dir), "--server", server, "--username", username, *more]
    )


def test_enrolment_keeps_the_link_inside_the_vault_and_the_token_works(
    served: Served,
    org: Org,
    hub: Hub,
    closed_vault: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUBDESK_PASSWORD", PASSWORD)
    assert enrol(closed_vault, served.base, "north-amy", "--device-name", "Laptop 12") == 0
    assert capsys.readouterr().out == (
        f"Enrolled with {served.base} as north-amy (practitioner, team North).\n"
    )
    with Vault.open(closed_vault, passphrase()) as vault:
        link = Services(vault).hub.link()
        device_id = vault.device_id
    assert link is not None
    assert (link.url, link.username, link.role, link.team) == (
        served.base,
        "north-amy",
        "practitioner",
        "North",
    )
    verify_issued(hub.ca(), link.certificate_pem.encode())
    assert certificate_device_id(link.certificate_pem.encode()) == device_id
    with HubClient(link.url, link.token) as client:
        assert client.me().username == "north-amy"
    devices = [device for device, _username in hub.devices()]
    assert [(d.name, d.id) for d in devices] == [("Laptop 12", device_id)]
    for path in closed_vault.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert link.token.encode() not in raw
            assert b"PRIVATE KEY" not in raw


def test_a_wrong_password_is_said_in_words_and_the_vault_is_unchanged(
    served: Served,
    org: Org,
    closed_vault: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUBDESK_PASSWORD", "not the password")
    assert enrol(closed_vault, served.base, "north-amy") == 1
    err = capsys.readouterr().err
    assert err == "That username and password do not match an active hub account.\n"
    with Vault.open(closed_vault, passphrase()) as vault:
        assert Services(vault).hub.link() is None


def test_enrolling_twice_is_refused(
    served: Served,
    org: Org,
    closed_vault: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUBDESK_PASSWORD", PASSWORD)
    assert enrol(closed_vault, served.base, "north-amy") == 0
    assert enrol(closed_vault, served.base, "north-amy") == 2
    assert capsys.readouterr().err.endswith("This vault is enrolled with a hub already.\n")


def test_a_username_the_hub_cannot_take_is_said_in_words(
    closed_vault: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUBDESK_PASSWORD", PASSWORD)
    assert enrol(closed_vault, "http://127.0.0.1:9", "North Amy") == 2
    assert capsys.readouterr().err == "These cannot be sent to the hub as given: username.\n"


def test_an_unreachable_hub_is_said_in_words(
    closed_vault: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUBDESK_PASSWORD", PASSWORD)
    assert enrol(closed_vault, "http://127.0.0.1:9", "north-amy") == 1
    err = capsys.readouterr().err
    assert err.startswith("The hub at http://127.0.0.1:9 could not be reached (")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://hub.example.org", "The hub must be reached over https"),
        ("ftp://127.0.0.1", "is not a hub address"),
        ("hub.example.org", "is not a hub address"),
    ],
)
def test_plain_http_is_only_for_this_computer(url: str, words: str) -> None:
    with pytest.raises(HubError) as refused:
        check_hub_url(url)
    assert words in refused.value.message
    assert check_hub_url("http://localhost:8765/") == "http://localhost:8765"
    assert check_hub_url("https://hub.example.org") == "https://hub.example.org"
