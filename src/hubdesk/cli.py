"""The `hubdesk` command: headless subcommands, and the desktop app when none is given.

Every command that works on a vault takes ``--vault PATH`` (default: the user's vault in the
data folder). A passphrase comes from a prompt, or from ``HUBDESK_PASSPHRASE`` for scripts
(``HUBDESK_NEW_PASSPHRASE`` for the new one in ``vault passwd``), never from the command line.
Errors are one plain line on stderr and a non-zero exit status; never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from hubdesk import __version__, config, logs
from hubdesk.errors import HubDeskError, WeakPassphraseError
from hubdesk.store.secrets_util import passphrase_bytes, wipe

log = logging.getLogger("hubdesk.cli")

EXIT_PROBLEM = 1
EXIT_UNEXPECTED = 70


class UsageError(HubDeskError):
    exit_status = 2


def read_passphrase(prompt: str, env: str = "HUBDESK_PASSPHRASE") -> bytearray:
    value = os.environ.get(env)
    if value is not None:
        return passphrase_bytes(value)
    if not sys.stdin.isatty():
        raise UsageError(f"No passphrase given: run this in a terminal, or set {env}.")
    return passphrase_bytes(getpass.getpass(prompt))


def read_new_passphrase(env: str) -> bytearray:
    from hubdesk.store.strength import estimate

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


def _vault_dir(args: argparse.Namespace) -> Path:
    return Path(args.vault) if args.vault else config.default_vault_dir()


def open_vault(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from hubdesk.store.vault import Vault

    secret = read_passphrase("Vault passphrase: ")
    try:
        return Vault.open(_vault_dir(args), secret)
    finally:
        wipe(secret)


# -- vault ------------------------------------------------------------------------------
def cmd_vault_init(args: argparse.Namespace) -> int:
    from hubdesk.store.vault import Vault

    folder = _vault_dir(args)
    if Vault.exists(folder):
        raise UsageError(f"There is already a vault in {folder}; open it instead.")
    print(
        "Choose a passphrase. If it is forgotten, this vault cannot be opened again on this "
        "device: nobody, including the hub, can recover it.",
        file=sys.stderr,
    )
    secret = read_new_passphrase("HUBDESK_PASSPHRASE")
    try:
        name = args.name or getpass.getuser()
        Vault.create(folder, secret, name).close()
    finally:
        wipe(secret)
    print(f"Created an encrypted vault in {folder}.")
    return 0


def cmd_vault_passwd(args: argparse.Namespace) -> int:
    vault = open_vault(args)
    try:
        secret = read_new_passphrase("HUBDESK_NEW_PASSPHRASE")
        try:
            vault.change_passphrase(secret)
        finally:
            wipe(secret)
    finally:
        vault.close()
    print("The passphrase has been changed. The old one no longer opens this vault.")
    return 0


def cmd_vault_check(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        result = vault.check()
    print(result.in_words())
    return 0 if result.ok else EXIT_PROBLEM


def cmd_vault_audit(args: argparse.Namespace) -> int:
    from hubdesk.services import Services

    if not args.verify:
        raise UsageError("Say what to do with the audit trail: hubdesk vault audit --verify")
    with open_vault(args) as vault:
        report = Services(vault).verify_audit()
    print(report.in_words())
    return 0 if report.ok else EXIT_PROBLEM


def cmd_vault_export(args: argparse.Namespace) -> int:
    from hubdesk.services import Services
    from hubdesk.services.export import NOT_ENCRYPTED_WARNING

    out = Path(args.out)
    if not out.parent.is_dir():
        raise UsageError(f"The folder {out.parent} does not exist; choose another place.")
    with open_vault(args) as vault:
        counts = Services(vault).export.export_json(out, args.young_person)
    total = sum(counts.values())
    print(f"Wrote {total} records to {out}.")
    print(f"Warning: {NOT_ENCRYPTED_WARNING}", file=sys.stderr)
    return 0


# -- demo -------------------------------------------------------------------------------
def cmd_demo_seed(args: argparse.Namespace) -> int:
    from hubdesk.services import Services
    from hubdesk.services.demo import DEMO_PRACTITIONER, seed_demo
    from hubdesk.store.vault import Vault

    if args.cases < 1 or args.cases > 20_000:
        raise UsageError("--cases must be between 1 and 20000.")
    folder = _vault_dir(args)
    secret = read_passphrase("Vault passphrase: ")
    try:
        if Vault.exists(folder):
            vault = Vault.open(folder, secret)
        else:
            vault = Vault.create(folder, secret, DEMO_PRACTITIONER)
    finally:
        wipe(secret)
    with vault:
        summary = seed_demo(Services(vault), cases=args.cases, seed=args.seed)
    print(f"Seeded {folder} with fictional demo data: " + ", ".join(summary))
    return 0


# -- casework ---------------------------------------------------------------------------
def cmd_case_list(args: argparse.Namespace) -> int:
    from hubdesk.services import Services
    from hubdesk.timeutil import format_date

    with open_vault(args) as vault:
        people = Services(vault).cases.caseload(include_closed=args.all)
    for p in people:
        level = p.level.value.replace("_", " ") if p.level else "not screened"
        print(f"{p.id}  {p.display_name:<32} {level:<22} review {format_date(p.next_review_date)}")
    print(f"{len(people)} young people")
    return 0


def cmd_case_add(args: argparse.Namespace) -> int:
    from hubdesk.services import Services

    dob = _parse_date(args.date_of_birth, "--date-of-birth") if args.date_of_birth else None
    with open_vault(args) as vault:
        new_id = Services(vault).cases.add(
            given_name=args.given_name, family_name=args.family_name, date_of_birth=dob
        )
    print(new_id)
    return 0


def cmd_case_hold(args: argparse.Namespace) -> int:
    from hubdesk.services import Services

    with open_vault(args) as vault:
        Services(vault).retention.set_legal_hold(
            args.young_person, on=not args.release, reason=args.reason
        )
    print("Legal hold lifted." if args.release else "Legal hold placed: erasure is now refused.")
    return 0


def cmd_case_erase(args: argparse.Namespace) -> int:
    from hubdesk.services import Services

    if not args.confirm:
        raise UsageError(
            "Erasing a young person's records cannot be undone. Add --confirm to go ahead."
        )
    with open_vault(args) as vault:
        rows = Services(vault).retention.erase_young_person(
            args.young_person, rule=args.rule, reason=args.reason
        )
    print(f"Erased {rows} records. The audit trail keeps that the erasure happened, and why.")
    return 0


def cmd_note_add(args: argparse.Namespace) -> int:
    from hubdesk.services import Services
    from hubdesk.timeutil import LONDON, utcnow

    when = utcnow()
    if args.when:
        try:
            when = datetime.strptime(args.when, "%d/%m/%Y %H:%M").replace(tzinfo=LONDON)
        except ValueError:
            raise UsageError(
                "Give --when as DD/MM/YYYY HH:MM, for example 27/11/2026 14:30."
            ) from None
    with open_vault(args) as vault:
        new_id = Services(vault).notes.add(
            args.young_person,
            kind=_choice(args.kind, "--kind"),
            occurred_at=when,
            narrative=args.narrative,
            present=args.present or "",
        )
    print(new_id)
    return 0


def cmd_note_finalise(args: argparse.Namespace) -> int:
    from hubdesk.services import Services

    with open_vault(args) as vault:
        Services(vault).notes.finalise(args.note)
    print("The note is finalised; corrections can now be added as addenda.")
    return 0


def cmd_note_addendum(args: argparse.Namespace) -> int:
    from hubdesk.services import Services

    with open_vault(args) as vault:
        print(Services(vault).notes.add_addendum(args.note, args.text))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from hubdesk.services import Services

    with open_vault(args) as vault:
        results = Services(vault).search.search(args.query)
    for r in results:
        kind = r.record_kind.replace("_", " ")
        print(f"{r.display_name:<32} {kind:<14} {r.record_id}  {r.snippet}".rstrip())
    print(f"{len(results)} results")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from hubdesk.app import run

    return run(_vault_dir(args))


def _parse_date(text: str, option: str):  # type: ignore[no-untyped-def]
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise UsageError(f"Give {option} as DD/MM/YYYY, for example 03/09/2011.") from None


def _choice(value: str, option: str) -> str:
    from hubdesk.models.notes import NoteKind

    kinds = [k.value for k in NoteKind]
    if value not in kinds:
        raise UsageError(f"{option} must be one of: {', '.join(kinds)}.")
    return value


# -- parser -----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    vault_opt = argparse.ArgumentParser(add_help=False)
    vault_opt.add_argument(
        "--vault", metavar="PATH", help="the vault folder (default: your vault in the data folder)"
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

    vault = sub.add_parser("vault", help="create, check and look after the encrypted vault")
    vsub = vault.add_subparsers(title="vault commands", metavar="COMMAND", required=True)
    p = add(vsub, "init", cmd_vault_init, "Create a new encrypted vault.")
    p.add_argument("--name", help="your name as it should appear in records and the audit trail")
    add(vsub, "passwd", cmd_vault_passwd, "Change the vault's passphrase (no re-encryption).")
    add(vsub, "check", cmd_vault_check, "Check every page and the database structure.")
    p = add(vsub, "audit", cmd_vault_audit, "Work with the audit trail.")
    p.add_argument("--verify", action="store_true", help="check every link of the audit chain")
    p = add(vsub, "export", cmd_vault_export, "Export records as readable (unencrypted) JSON.")
    p.add_argument("--out", required=True, metavar="FILE.json", help="where to write the export")
    p.add_argument("--young-person", metavar="ID", help="only this young person's records")

    demo = sub.add_parser("demo", help="fictional demo data")
    dsub = demo.add_subparsers(title="demo commands", metavar="COMMAND", required=True)
    p = add(dsub, "seed", cmd_demo_seed, "Fill a vault with a fictional caseload.")
    p.add_argument("--cases", type=int, default=60, help="how many young people (default 60)")
    p.add_argument("--seed", type=int, default=1, help="the same seed gives the same caseload")

    case = sub.add_parser("case", help="young people on the caseload")
    csub = case.add_subparsers(title="case commands", metavar="COMMAND", required=True)
    p = add(csub, "list", cmd_case_list, "List the caseload.")
    p.add_argument("--all", action="store_true", help="include closed cases")
    p = add(csub, "add", cmd_case_add, "Add a young person.")
    p.add_argument("--given-name", required=True)
    p.add_argument("--family-name", required=True)
    p.add_argument("--date-of-birth", metavar="DD/MM/YYYY")

    p = add(csub, "legal-hold", cmd_case_hold, "Place or lift a legal hold on a young person.")
    p.add_argument("young_person", metavar="ID")
    p.add_argument("--reason", required=True, help="why the hold is placed or lifted")
    p.add_argument("--release", action="store_true", help="lift the hold instead")
    p = add(csub, "erase", cmd_case_erase, "Erase a closed case under a retention rule.")
    p.add_argument("young_person", metavar="ID")
    p.add_argument("--rule", required=True, help="the retention rule that allows it")
    p.add_argument("--reason", required=True, help="why the records are erased now")
    p.add_argument("--confirm", action="store_true", help="confirm: this cannot be undone")

    note = sub.add_parser("note", help="contact notes")
    nsub = note.add_subparsers(title="note commands", metavar="COMMAND", required=True)
    p = add(nsub, "add", cmd_note_add, "Write a draft contact note.")
    p.add_argument("--young-person", required=True, metavar="ID")
    p.add_argument("--kind", default="home_visit", help="home_visit, phone, school, …")
    p.add_argument("--when", metavar="DD/MM/YYYY HH:MM", help="default: now")
    p.add_argument("--narrative", required=True)
    p.add_argument("--present", help="who was present")
    p = add(nsub, "finalise", cmd_note_finalise, "Finalise a note (it then cannot change).")
    p.add_argument("note", metavar="NOTE_ID")
    p = add(nsub, "addendum", cmd_note_addendum, "Add an addendum to a finalised note.")
    p.add_argument("note", metavar="NOTE_ID")
    p.add_argument("--text", required=True)

    p = add(sub, "search", cmd_search, "Search names, notes and plans.")
    p.add_argument("query")
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
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    from sqlalchemy.exc import DatabaseError

    if isinstance(exc, DatabaseError):
        print(
            "The vault's database could not be read: it may be damaged. Run "
            "'hubdesk vault check' and, if it reports problems, restore the vault folder from "
            "a backup or ask your hub's IT team.",
            file=sys.stderr,
        )
        logs.write_crash_report(type(exc), exc.__traceback__)
        return EXIT_PROBLEM
    report = logs.write_crash_report(type(exc), exc.__traceback__)
    print(
        "Something went wrong that HubDesk did not expect. Everything saved before this point "
        f"is kept. A report without personal data is in {report}.",
        file=sys.stderr,
    )
    return EXIT_UNEXPECTED
