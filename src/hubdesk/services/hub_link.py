"""This vault's link to the hub: the hub's address, the device token and certificate the hub
issued at enrolment, the device's private key, who is signed in, the hub's epoch. All of it
lives inside the encrypted vault (``vault_meta``), never in a settings file."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

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


class HubLinkService(ServiceBase):
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
