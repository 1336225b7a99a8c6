"""`hubdesk demo seed`: a fictional caseload, only ever in a demo vault."""

from __future__ import annotations

import argparse

from hubdesk import config
from hubdesk.commands.common import UsageError, read_new_passphrase, read_passphrase
from hubdesk.store.secrets_util import wipe


def cmd_seed(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hubdesk.services import Services
    from hubdesk.services.demo import DEMO_PRACTITIONER, seed_demo
    from hubdesk.store.vault import Vault

    if not getattr(args, "vault", None):
        raise UsageError("Say which demo vault to fill: hubdesk demo seed --vault PATH")
    folder = Path(args.vault)
    if folder.absolute() == config.default_vault_dir().absolute():
        raise UsageError("Demo data never goes into your own vault; choose another folder.")
    if not 1 <= args.cases <= 20_000:
        raise UsageError("--cases must be between 1 and 20000.")
    if Vault.exists(folder):
        secret = read_passphrase("Vault passphrase: ")
        try:
            vault = Vault.open(folder, secret)
        finally:
            wipe(secret)
    else:
        secret = read_new_passphrase("HUBDESK_PASSPHRASE")
        try:
            vault = Vault.create(folder, secret, DEMO_PRACTITIONER)
        finally:
            wipe(secret)
    with vault:
        summary = seed_demo(Services(vault), cases=args.cases, seed=args.seed)
    print(f"Seeded {folder} with fictional demo data: " + ", ".join(summary))
    return 0


def add_parsers(sub: argparse._SubParsersAction, add) -> None:  # type: ignore[type-arg,no-untyped-def]
    demo = sub.add_parser("demo", help="fictional demo data")
    dsub = demo.add_subparsers(title="demo commands", metavar="COMMAND", required=True)
    p = add(dsub, "seed", cmd_seed, "Fill a demo vault with a fictional caseload.")
    p.add_argument("--cases", type=int, default=60, help="how many young people (default 60)")
    p.add_argument("--seed", type=int, default=1, help="the same seed gives the same caseload")
