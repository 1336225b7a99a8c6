"""`hubdesk enrol`: enrol this vault's device with the hub, headless.

The hub password comes from a prompt or ``HUBDESK_PASSWORD`` (never an argument); the vault
passphrase as for every command. The enrolment itself is ``services.hub.enrol``, shared with
the desktop's "Connect to your hub" dialog: the device's key is made there and kept, with the
token and certificate the hub sends back, inside the encrypted vault.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from hubdesk.commands.common import UsageError, services_for, vault_dir


def _hub_password() -> str:
    given = os.environ.get("HUBDESK_PASSWORD")
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise UsageError("Give the hub password in HUBDESK_PASSWORD or run this in a terminal.")
    return getpass.getpass("Hub password: ")


def cmd_enrol(args: argparse.Namespace) -> int:
    from hubdesk.sync.transport import check_hub_url

    url = check_hub_url(args.server)  # a wrong address is said before the password is asked
    password = _hub_password()
    with services_for(args) as s:
        answer = s.hub.enrol(url, args.username, password, args.device_name)
    team = f", team {answer.user.team}" if answer.user.team else ""
    print(f"Enrolled with {url} as {answer.user.username} ({answer.user.role}{team}).")
    return 0


#: Exit status when the hub has revoked this device and the vault was wiped.
EXIT_REVOKED = 3
REVOKED_WORDS = (
    "The hub says this laptop's access was withdrawn (the device was revoked), so the vault "
    "on it has been wiped. Everything already synced is safe on the hub; changes not yet "
    "synced are gone. Ask your team lead or the hub's IT team to enrol this laptop again."
)


def cmd_sync(args: argparse.Namespace) -> int:
    from hubdesk import collector
    from hubdesk.store.wipe import wipe_vault
    from hubdesk.sync.client import MassDeletion, Progress, SyncEngine
    from hubdesk.sync.transport import HubClient, RevokedByHub, check_hub_url

    def shown(step: Progress) -> None:
        if args.verbose:
            total = f" of {step.total}" if step.total is not None else ""
            print(f"{step.stage}: {step.done}{total}", file=sys.stderr)

    folder = vault_dir(args)
    try:
        with services_for(args) as s:
            link = s.hub.link()
            if link is None:
                raise UsageError("This vault is not enrolled with a hub; run hubdesk enrol first.")
            if args.server and check_hub_url(args.server) != link.url:
                raise UsageError(f"This vault is enrolled with {link.url}, not {args.server}.")
            with HubClient(link.url, link.token) as hub:
                engine = SyncEngine(
                    s.sync, hub, progress=shown, allow_mass_delete=args.allow_mass_removal
                )
                collector.collect_less()  # as the desktop does once its vault is open
                try:
                    report = engine.run()
                except MassDeletion as stop:
                    raise UsageError(f"{stop} Run again with --allow-mass-removal.") from None
            for line in report.lines():
                print(line)
            for item in s.sync.rejected():
                print(f"Refused by the hub: {item.kind} {item.record_id}: {item.reason}")
            open_conflicts = s.conflicts.count_open()
            if open_conflicts:
                print(f"{open_conflicts} conflicts are waiting for you to choose in HubDesk.")
    except RevokedByHub:
        wipe_vault(folder)
        print(REVOKED_WORDS, file=sys.stderr)
        return EXIT_REVOKED
    return 0


def add_parsers(sub: argparse._SubParsersAction, add) -> None:  # type: ignore[type-arg,no-untyped-def]
    p = add(sub, "enrol", cmd_enrol, "Enrol this vault's device with the hub.")
    p.add_argument("--server", required=True, help="the hub's address, e.g. https://hub.example")
    p.add_argument("--username", required=True)
    p.add_argument("--device-name", help="how the hub lists this laptop (default: its name)")
    p = add(sub, "sync", cmd_sync, "Sync this vault with its hub once, and say what moved.")
    p.add_argument("--server", help="the hub's address (must be the one enrolled with)")
    p.add_argument(
        "--allow-mass-removal",
        action="store_true",
        help="go on even if the hub's changes remove more than half of the records here",
    )
    p.add_argument("--verbose", action="store_true", help="show progress on standard error")
