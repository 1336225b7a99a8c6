"""What every command shares: the vault folder, passphrases, free text, plain usage errors.

Passphrases come from a prompt or an environment variable, never from the command line.
Free text about a young person (narratives, addenda, reasons) is read from standard input or a
prompt when its option is left out or given as ``-``: options land in shell history and in
``/proc/PID/cmdline``, where other local users can read them.
"""

from __future__ import annotations

import argparse
import getpass
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from hubdesk import config
from hubdesk.errors import HubDeskError, WeakPassphraseError
from hubdesk.store.secrets_util import passphrase_bytes, wipe

if TYPE_CHECKING:
    from hubdesk.services import Services
    from hubdesk.store.vault import Vault


#: Exit status when a command ran but found a problem (a damaged page, a broken audit link).
EXIT_PROBLEM = 1


class UsageError(HubDeskError):
    exit_status = 2


def vault_dir(args: argparse.Namespace) -> Path:
    given = getattr(args, "vault", None)
    return Path(given) if given else config.default_vault_dir()


def read_passphrase(prompt: str, env: str = "HUBDESK_PASSPHRASE") -> bytearray:
    value = os.environ.get(env)
    if value is not None:
        return passphrase_bytes(value)
    if not sys.stdin.isatty():
        raise UsageError(f"No passphrase given: run this in a terminal, or set {env}.")
    return passphrase_bytes(getpass.getpass(prompt))


def read_new_passphrase(env: str) -> bytearray:
    from hubdesk.passphrase import estimate

    if os.environ.get(env) is not None:
        chosen = read_passphrase("", env)
    else:
        chosen = read_passphrase("New passphrase: ", env)
        again = read_passphrase("The same passphrase again: ", env)
        try:
            if chosen != again:
                wipe(chosen)
                raise UsageError("The two passphrases are different; nothing was changed.")
        finally:
            wipe(again)
    strength = estimate(chosen.decode("utf-8"))
    if not strength.acceptable:
        wipe(chosen)
        raise WeakPassphraseError(f"That passphrase is too easy to guess. {strength.advice}")
    return chosen


def _tell_wait(seconds: float) -> None:
    shown = math.ceil(seconds)
    unit = "second" if shown == 1 else "seconds"
    print(f"Waiting {shown} {unit} after earlier wrong passphrases…", file=sys.stderr, flush=True)


def open_vault(args: argparse.Namespace) -> Vault:
    from hubdesk.store.vault import Vault

    secret = read_passphrase("Vault passphrase: ")
    try:
        return Vault.open(vault_dir(args), secret, on_wait=_tell_wait)
    finally:
        wipe(secret)


@contextmanager
def services_for(args: argparse.Namespace) -> Iterator[Services]:
    """The use cases over the vault named by ``args``, closed (key dropped) afterwards."""
    from hubdesk.services import Services

    with open_vault(args) as vault:
        yield Services(vault)


def parse_date(text: str, option: str) -> date:
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise UsageError(f"Give {option} as DD/MM/YYYY, for example 03/09/2011.") from None


def parse_when(text: str | None, option: str) -> datetime:
    """DD/MM/YYYY HH:MM in Europe/London, or now when not given."""
    from hubdesk.timeutil import LONDON, utcnow

    if not text:
        return utcnow()
    try:
        return datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=LONDON)
    except ValueError:
        raise UsageError(
            f"Give {option} as DD/MM/YYYY HH:MM, for example 27/11/2026 14:30."
        ) from None


def read_text(value: str | None, what: str) -> str:
    """``value`` unless it is missing or ``-``; then standard input (or a prompt)."""
    if value is not None and value != "-":
        return value
    if sys.stdin.isatty():
        print(f"Type {what}, then press Ctrl+D on a new line:", file=sys.stderr)
    text = sys.stdin.read()
    if not text.strip():
        raise UsageError(f"Nothing was given for {what}: type it, or pipe it in on standard input.")
    return text.strip()
