"""`hubdesk enrol`: enrol this vault's device with the hub, headless.

The hub password comes from a prompt or ``HUBDESK_PASSWORD`` (never an argument); the vault
passphrase as for every command. The device's key is made here and kept, with the token and
certificate the hub sends back, inside the encrypted vault.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys

from pydantic import ValidationError

from hubdesk.commands.common import UsageError, services_for


def _hub_password() -> str:
    given = os.environ.get("HUBDESK_PASSWORD")
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise UsageError("Give the hub password in HUBDESK_PASSWORD or run this in a terminal.")
    return getpass.getpass("Hub password: ")


def cmd_enrol(args: argparse.Namespace) -> int:
    from hubdesk.sync import protocol as p
    from hubdesk.sync.device_keys import make_csr, new_device_key, private_key_pem
    from hubdesk.sync.transport import HubClient, check_hub_url

    url = check_hub_url(args.server)
    password = _hub_password()
    with services_for(args) as s:
        if s.hub.link() is not None:
            # The hub knows this device id; a fresh enrolment needs a fresh vault.
            raise UsageError("This vault is enrolled with a hub already.")
        device_id = s.vault.device_id
        key = new_device_key()
        try:
            request = p.EnrolRequest(
                username=args.username,
                password=password,
                device_id=device_id,
                device_name=args.device_name or socket.gethostname()[:120] or "HubDesk laptop",
                csr_pem=make_csr(key, device_id, args.username).decode("ascii"),
            )
        except ValidationError as exc:
            fields = ", ".join(str(e["loc"][0]) for e in exc.errors())
            raise UsageError(f"These cannot be sent to the hub as given: {fields}.") from None
        with HubClient(url) as hub:
            answer = hub.enrol(request)
        s.hub.save_enrolment(url, answer, private_key_pem(key))
    team = f", team {answer.user.team}" if answer.user.team else ""
    print(f"Enrolled with {url} as {answer.user.username} ({answer.user.role}{team}).")
    return 0


def add_parsers(sub: argparse._SubParsersAction, add) -> None:  # type: ignore[type-arg,no-untyped-def]
    p = add(sub, "enrol", cmd_enrol, "Enrol this vault's device with the hub.")
    p.add_argument("--server", required=True, help="the hub's address, e.g. https://hub.example")
    p.add_argument("--username", required=True)
    p.add_argument("--device-name", help="how the hub lists this laptop (default: its name)")
