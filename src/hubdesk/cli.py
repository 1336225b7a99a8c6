"""The `hubdesk` command: headless subcommands, and the desktop app when none is given.

Every command that works on a vault takes ``--vault PATH`` (before or after the command name;
default: the user's vault in the data folder). A passphrase comes from a prompt, or from
``HUBDESK_PASSPHRASE`` for scripts (``HUBDESK_NEW_PASSPHRASE`` for the new one in ``vault
passwd``), never from the command line. Errors are one plain line on stderr and a non-zero exit
status; never a traceback. The commands themselves live in :mod:`hubdesk.commands`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from hubdesk import __version__, logs
from hubdesk.commands import attachments, casework, demo, forms, hub, records, smoke, vault
from hubdesk.commands.common import EXIT_PROBLEM, UsageError, vault_dir
from hubdesk.errors import HubDeskError

log = logging.getLogger("hubdesk.cli")
EXIT_UNEXPECTED = 70

__all__ = ["EXIT_UNEXPECTED", "UsageError", "build_parser", "main"]


def cmd_gui(args: argparse.Namespace) -> int:
    from hubdesk.app import run

    return run(vault_dir(args))


def build_parser() -> argparse.ArgumentParser:
    # The same --vault on the main parser and every command; SUPPRESS keeps a value given
    # before the command name from being overwritten by the command's own default.
    vault_opt = argparse.ArgumentParser(add_help=False)
    vault_opt.add_argument(
        "--vault",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="the vault folder (default: your vault in the data folder)",
    )
    parser = argparse.ArgumentParser(
        prog="hubdesk",
        description="HubDesk: the Exploitation Hub practitioner's desktop app. "
        "With no command, opens the app.",
        parents=[vault_opt],
    )
    parser.add_argument("--version", action="version", version=f"HubDesk {__version__}")
    parser.set_defaults(func=cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(
        group: argparse._SubParsersAction,  # type: ignore[type-arg]
        name: str,
        func: Callable[[argparse.Namespace], int],
        help_text: str,
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = group.add_parser(
            name, help=help_text, description=help_text, parents=[vault_opt]
        )
        p.set_defaults(func=func)
        return p

    vault.add_parsers(sub, add)
    demo.add_parsers(sub, add)
    casework.add_parsers(sub, add)
    records.add_parsers(sub, add)
    attachments.add_parsers(sub, add)
    forms.add_parsers(sub, add)
    smoke.add_parsers(sub, add)
    hub.add_parsers(sub, add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.configure()
    log.info("command started: %s", getattr(args.func, "__name__", "?"))
    try:
        status: int = args.func(args)
        return status
    except HubDeskError as exc:
        print(exc.message, file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("Stopped. Everything saved before this point is kept.", file=sys.stderr)
        return 130
    except Exception as exc:
        return _unexpected(exc, args)


def _unexpected(exc: Exception, args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DatabaseError, OperationalError

    report = logs.write_crash_report(type(exc), exc.__traceback__)
    db = vault_dir(args) / "store.sqlcipher"
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower():
        print(
            f"The vault in {vault_dir(args)} is busy in another HubDesk window or command. "
            "Close it and try again; nothing was changed.",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    if isinstance(exc, DatabaseError):
        print(
            f"{db} could not be read: it may be damaged. Run 'hubdesk vault check' and, if it "
            "reports problems, restore the vault folder from a backup or ask your hub's IT team.",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    print(
        "Something went wrong that HubDesk did not expect. Everything saved before this point "
        f"is kept. A report without personal data is in {report}.",
        file=sys.stderr,
    )
    return EXIT_UNEXPECTED
