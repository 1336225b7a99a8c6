"""`hubdesk gui-smoke --out DIR [--vault PATH]`: every main screen rendered to PNG, to look at."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hubdesk.commands.common import read_passphrase


def cmd_gui_smoke(args: argparse.Namespace) -> int:
    from hubdesk.app import gui_smoke

    given = getattr(args, "vault", None)
    if given:
        print(
            "Warning: the pictures will show the records in this vault, unencrypted. Keep "
            f"{args.out} as safe as the records themselves and delete it when done.",
            file=sys.stderr,
        )
    passphrase = read_passphrase("Vault passphrase: ") if given else None
    files = gui_smoke(Path(args.out), Path(given) if given else None, passphrase)
    for path in files:
        print(path)
    return 0


def add_parsers(sub: argparse._SubParsersAction, add) -> None:  # type: ignore[type-arg,no-untyped-def]
    p = add(
        sub,
        "gui-smoke",
        cmd_gui_smoke,
        "Render every main screen offscreen to PNG (a temporary demo vault unless --vault).",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the PNG files")
