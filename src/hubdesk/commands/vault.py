"""`hubdesk vault …`: create, re-key, check, verify the audit trail, export."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from hubdesk.commands.common import (
    EXIT_PROBLEM,
    UsageError,
    open_vault,
    read_new_passphrase,
    vault_dir,
)
from hubdesk.store.secrets_util import wipe


def cmd_init(args: argparse.Namespace) -> int:
    from hubdesk.store.vault import Vault

    folder = vault_dir(args)
    if Vault.exists(folder):
        raise UsageError(f"There is already a vault in {folder}; open it instead.")
    print(
        "Choose a passphrase. If it is forgotten, this vault cannot be opened again on this "
        "device: nobody, including the hub, can recover it.",
        file=sys.stderr,
    )
    secret = read_new_passphrase("HUBDESK_PASSPHRASE")
    try:
        Vault.create(folder, secret, args.name or getpass.getuser()).close()
    finally:
        wipe(secret)
    print(f"Created an encrypted vault in {folder}.")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    vault = open_vault(args)
    try:
        secret = read_new_passphrase("HUBDESK_NEW_PASSPHRASE")
        try:
            vault.change_passphrase(secret)
        finally:
            wipe(secret)
    finally:
        vault.close()
    print(
        "The passphrase has been changed. The data key is the same, so an older copy of "
        "key.json (a backup, say) still opens with the old passphrase: if someone else may "
        "know it, ask your hub's IT team about moving to a new vault."
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        result = vault.check()
    print(result.in_words())
    return 0 if result.ok else EXIT_PROBLEM


def cmd_audit(args: argparse.Namespace) -> int:
    from hubdesk.services import Services

    if not args.verify:
        raise UsageError("Say what to do with the audit trail: hubdesk vault audit --verify")
    with open_vault(args) as vault:
        report = Services(vault).verify_audit()
    print(report.in_words())
    return 0 if report.ok else EXIT_PROBLEM


def cmd_export(args: argparse.Namespace) -> int:
    from hubdesk.services import Services
    from hubdesk.services.export import NOT_ENCRYPTED_WARNING

    out = Path(args.out).absolute()
    folder = vault_dir(args).absolute()
    if not out.parent.is_dir():
        raise UsageError(f"The folder {out.parent} does not exist; choose another place.")
    if out.parent == folder or folder in out.parents:
        raise UsageError("Choose a place outside the vault folder for the export.")
    if out.exists() and not args.replace:
        raise UsageError(f"{out} already exists. Choose another name, or add --replace.")
    with open_vault(args) as vault:
        counts = Services(vault).export.export_json(out, args.young_person)
    print(f"Wrote {sum(counts.values())} records to {out}.")
    print(f"Warning: {NOT_ENCRYPTED_WARNING}", file=sys.stderr)
    return 0


def add_parsers(sub: argparse._SubParsersAction, add) -> None:  # type: ignore[type-arg,no-untyped-def]
    vault = sub.add_parser("vault", help="create, check and look after the encrypted vault")
    vsub = vault.add_subparsers(title="vault commands", metavar="COMMAND", required=True)
    p = add(vsub, "init", cmd_init, "Create a new encrypted vault.")
    p.add_argument("--name", help="your name as it should appear in records and the audit trail")
    add(vsub, "passwd", cmd_passwd, "Change the vault's passphrase (no re-encryption).")
    add(vsub, "check", cmd_check, "Check every page and the database structure.")
    p = add(vsub, "audit", cmd_audit, "Work with the audit trail.")
    p.add_argument("--verify", action="store_true", help="check every link of the audit chain")
    p = add(vsub, "export", cmd_export, "Export records as readable (unencrypted) JSON.")
    p.add_argument("--out", required=True, metavar="FILE.json", help="where to write the export")
    p.add_argument("--young-person", metavar="ID", help="only this young person's records")
    p.add_argument("--replace", action="store_true", help="replace FILE.json if it exists")
