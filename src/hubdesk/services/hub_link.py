"""This vault's link to the hub: the hub's address, the device token and certificate the hub
issued at enrolment, the device's private key, who is signed in, the hub's epoch. All of it
lives inside the encrypted vault (``vault_meta``), never in a settings file.

Enrolment (``HubLinkService.enrol``) is shared by ``hubdesk enrol`` and the desktop's
"Connect to your hub" dialog: the device's key is made here, only its certificate request and
the password go to the hub, and what the hub sends back is kept in the vault. The password is
never stored or logged.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import delete, select

from hubdesk.errors import HubDeskError
from hubdesk.models import VaultMeta
from hubdesk.services.base import ServiceBase
from hubdesk.sync import protocol as p

PREFIX = "hub."
KEYS = (
    "url",
    "token",
    "certificate",
    "ca_certificate",
    "device_key",
    "username",
    "role",
    "team",
    "epoch",
)


@dataclass(frozen=True)
class HubLink:
    url: str
    token: str
    username: str
    role: str
    team: str | None
    epoch: str
    certificate_pem: str
    ca_certificate_pem: str


#: How long an enrolment waits for the hub's answer. The desktop runs it on the write thread
#: (the answer must be kept before the vault can lock), so it is kept short.
ENROL_TIMEOUT = 20.0


class EnrolmentRefused(HubDeskError):
    """This laptop cannot ask to enrol as given (enrolled already, a value the hub cannot take);
    nothing was sent to the hub."""

    exit_status = 2


def default_device_name() -> str:
    """How the hub lists this laptop unless the person names it: the computer's name."""
    return socket.gethostname()[:120] or "HubDesk laptop"


class HubLinkService(ServiceBase):
    def enrol(
        self,
        url: str,
        username: str,
        password: str,
        device_name: str | None = None,
        *,
        timeout: float = ENROL_TIMEOUT,
    ) -> p.EnrolResponse:
        """Enrol this vault's device with the hub at ``url`` and keep the link in the vault.

        Raises :class:`EnrolmentRefused` before anything is sent (enrolled already, a value
        the hub cannot take), or the transport's ``HubError`` in words (unreachable, wrong
        password); the vault is unchanged unless the hub said yes.
        """
        from hubdesk.sync.device_keys import make_csr, new_device_key, private_key_pem
        from hubdesk.sync.transport import HubClient, check_hub_url

        url = check_hub_url(url)
        if self.link() is not None:
            # The hub knows this device id; a fresh enrolment needs a fresh vault.
            raise EnrolmentRefused("This vault is enrolled with a hub already.")
        device_id = self.vault.device_id
        key = new_device_key()
        try:
            request = p.EnrolRequest(
                username=username,
                password=password,
                device_id=device_id,
                device_name=device_name or default_device_name(),
                csr_pem=make_csr(key, device_id, username).decode("ascii"),
            )
        except ValidationError as exc:
            fields = ", ".join(dict.fromkeys(str(e["loc"][0]) for e in exc.errors()))
            raise EnrolmentRefused(
                f"These cannot be sent to the hub as given: {fields.replace('_', ' ')}."
            ) from None
        with HubClient(url, timeout=timeout) as hub:
            answer = hub.enrol(request)
        self.save_enrolment(url, answer, private_key_pem(key))
        return answer

    def save_enrolment(self, url: str, answer: p.EnrolResponse, device_key_pem: str) -> None:
        values = {
            "url": url,
            "token": answer.device_token,
            "certificate": answer.certificate_pem,
            "ca_certificate": answer.ca_certificate_pem,
            "device_key": device_key_pem,
            "username": answer.user.username,
            "role": answer.user.role,
            "team": answer.user.team or "",
            "epoch": answer.epoch,
        }
        with self.write() as session:
            session.execute(delete(VaultMeta).where(VaultMeta.key.in_([PREFIX + k for k in KEYS])))
            session.add_all(VaultMeta(key=PREFIX + k, value=v) for k, v in values.items())
            self.audit(session, "enrol", None, kind="hub", record_id=self.actor.device)

    def link(self) -> HubLink | None:
        """The hub this vault is enrolled with, or None."""
        with self.read() as session:
            rows = session.execute(
                select(VaultMeta.key, VaultMeta.value).where(VaultMeta.key.like(f"{PREFIX}%"))
            ).all()
        found = {key.removeprefix(PREFIX): value for key, value in rows}
        if "token" not in found:
            return None
        return HubLink(
            url=found["url"],
            token=found["token"],
            username=found["username"],
            role=found["role"],
            team=found["team"] or None,
            epoch=found["epoch"],
            certificate_pem=found["certificate"],
            ca_certificate_pem=found["ca_certificate"],
        )
