"""`hubdesk-server`: set up, run and administer the hub's central service.

    hubdesk-server init  [--database-url URL] [--organisation NAME]
    hubdesk-server serve [--host H] [--port P] [--tls-certificate F --tls-key F]
    hubdesk-server admin team create --name NAME
    hubdesk-server admin user create --username U --role ROLE [--team NAME]
    hubdesk-server admin user disable|reset-password --username U
    hubdesk-server admin allocate --young-person ID --to USERNAME
    hubdesk-server admin device list | device revoke --device ID
    hubdesk-server admin ca export --out CA.pem
    hubdesk-server admin definition publish --file TOOL.json
    hubdesk-server admin epoch renew  (after restoring the database from a backup)
    hubdesk-server admin purge-tombstones --older-than-days N
    hubdesk-server audit export --from DATE --to DATE --out FILE
    hubdesk-server demo  (a demo organisation: teams and users, passwords printed)

Every command takes ``--database-url`` (PostgreSQL, or SQLite; by default a SQLite file in the
user data folder). Passwords come from a prompt, or from ``HUBDESK_ADMIN_PASSWORD`` /
``HUBDESK_USER_PASSWORD``; they are never command-line arguments (those show in ``ps``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from hubdesk import __version__, config
from hubdesk.collector import collect_less
from hubdesk.errors import HubDeskError
from hubdesk.server.tables import Role

if TYPE_CHECKING:
    from hubdesk.server.hub import Hub

log = logging.getLogger("hubdesk.server")
EXIT_PROBLEM = 1
EXIT_USAGE = 2
#: Seconds the hub keeps an idle connection open for the device's next request: more than
#: a device keeps one (``hubdesk.sync.transport.IDLE_CONNECTION_SECONDS``), so a device
#: never sends on a connection the hub is closing.
HUB_KEEP_ALIVE_SECONDS = 5


def hub_dir() -> Path:
    return config.data_dir() / "hub"


def default_database_url() -> str:
    return f"sqlite:///{hub_dir() / 'hub.sqlite'}"


class CommandError(HubDeskError):
    exit_status = EXIT_USAGE


def _password(env: str, what: str) -> str:
    given = os.environ.get(env)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise CommandError(f"Give {what} in {env} or run this in a terminal to be asked.")
    first = getpass.getpass(f"{what.capitalize()}: ")
    if getpass.getpass("Type it again: ") != first:
        raise CommandError("The two passwords are not the same; nothing was changed.")
    return first


def _hub(args: argparse.Namespace) -> Hub:
    from hubdesk.server.db import Database, check_schema
    from hubdesk.server.hub import Hub

    db = Database(args.database_url)
    check_schema(db.engine)
    return Hub(db, Path(args.ca_dir), ca_passphrase=_ca_passphrase())


def _ca_passphrase() -> bytes | None:
    given = os.environ.get("HUBDESK_CA_PASSPHRASE")
    return given.encode() if given else None


# init and serve ----------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    """Create or upgrade the schema; on first use also the CA, the organisation and its first
    administrator. The admin password is asked for and checked before anything is made, and
    a hub left without an administrator (an earlier init stopped) gets one now."""
    from hubdesk.server.ca import create_ca, load_ca, write_ca
    from hubdesk.server.db import Database, migrate
    from hubdesk.server.hub import Hub
    from hubdesk.server.passwords import check_new_password
    from hubdesk.server.tables import OrganisationInfo, User

    db = Database(args.database_url)
    migrate(db.engine)
    with db.unit() as session:
        set_up = session.get(OrganisationInfo, 1) is not None
        has_admin = (
            session.scalars(select(User.id).where(User.role == Role.ADMIN.value)).first()
            is not None
        )
    ca_dir = Path(args.ca_dir)
    if set_up and has_admin:
        load_ca(ca_dir, _ca_passphrase())  # still there and readable, or said in words
        print(f"Using the organisation's certificate authority in {ca_dir}.")
        print("The database is up to date; it was set up before.")
        return 0
    password = _password("HUBDESK_ADMIN_PASSWORD", "a password for the first hub administrator")
    check_new_password(password)
    if (ca_dir / "ca.pem").exists():
        ca = load_ca(ca_dir, _ca_passphrase())
        print(f"Using the organisation's certificate authority in {ca_dir}.")
    else:
        ca = create_ca(args.organisation, passphrase=_ca_passphrase())
        write_ca(ca, ca_dir)
        print(f"Made the organisation's certificate authority in {ca_dir}.")
    hub = Hub(db, ca_dir, ca_passphrase=_ca_passphrase())
    if not set_up:
        hub.set_up(args.organisation, ca.certificate_pem.decode())
        published = hub.publish_shipped_definitions()
        print(f"Serving {published} screening tool version(s) shipped with HubDesk.")
    hub.create_user(args.admin_username, role=Role.ADMIN, password=password)
    print(f"Set up the hub for {args.organisation}; administrator '{args.admin_username}'.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hubdesk.server.api import create_app
    from hubdesk.server.checkpoint import Checkpointer
    from hubdesk.sync.transport import is_loopback

    tls = args.tls_certificate is not None and args.tls_key is not None
    if (args.tls_certificate is None) != (args.tls_key is None):
        raise CommandError("Give both --tls-certificate and --tls-key, or neither.")
    if not is_loopback(args.host) and not tls and not args.insecure_behind_proxy:
        raise CommandError(
            f"Refusing to serve on {args.host} without TLS: give --tls-certificate and "
            "--tls-key, or --insecure-behind-proxy when a TLS proxy in front does it."
        )
    hub = _hub(args)
    hub.ca()  # a missing or unreadable CA is said now, not at the first enrolment
    _log_as_json()
    app = create_app(hub)
    collect_less()  # what is loaded now lives as long as the server
    checkpoints = Checkpointer(hub.db).start() if hub.db.is_sqlite else None
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            ssl_certfile=args.tls_certificate,
            ssl_keyfile=args.tls_key,
            log_level="warning",
            access_log=False,
            proxy_headers=args.insecure_behind_proxy,
            server_header=False,
            timeout_keep_alive=HUB_KEEP_ALIVE_SECONDS,
        )
    finally:
        if checkpoints is not None:
            checkpoints.stop()
    return 0


def _log_as_json() -> None:
    if any(getattr(h, "hubdesk_json", False) for h in log.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.hubdesk_json = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


# admin ---------------------------------------------------------------------------------------


def cmd_team_create(args: argparse.Namespace) -> int:
    _hub(args).create_team(args.name)
    print(f"Team '{args.name}' created.")
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    hub = _hub(args)
    password = _password("HUBDESK_USER_PASSWORD", f"a password for {args.username}")
    hub.create_user(
        args.username,
        role=Role(args.role),
        password=password,
        team=args.team,
        display_name=args.display_name,
    )
    print(f"User '{args.username}' created ({args.role}).")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    revoked = _hub(args).disable_user(args.username)
    print(f"User '{args.username}' disabled; {revoked} device(s) revoked.")
    return 0


def cmd_user_reset(args: argparse.Namespace) -> int:
    hub = _hub(args)
    hub.reset_password(args.username, _password("HUBDESK_USER_PASSWORD", "the new password"))
    print(f"Password for '{args.username}' changed.")
    return 0


def cmd_allocate(args: argparse.Namespace) -> int:
    _hub(args).allocate(args.young_person, args.to, by=None)
    print(f"Allocated to {args.to}.")
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    rows = _hub(args).devices()
    if not rows:
        print("No devices enrolled.")
    for device, username in rows:
        state = f"revoked {device.revoked_at:%d/%m/%Y %H:%M}" if device.revoked_at else "active"
        seen = f"{device.last_seen_at:%d/%m/%Y %H:%M}" if device.last_seen_at else "never"
        print(f"{device.id}  {username:<20} {device.name:<24} last seen {seen}  {state}")
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    _hub(args).revoke_device(args.device)
    print("Device revoked: it will wipe its vault the next time it reaches the hub.")
    return 0


def cmd_ca_export(args: argparse.Namespace) -> int:
    hub = _hub(args)
    with hub.unit() as session:
        pem = hub.organisation(session).ca_certificate_pem
    _write_out(Path(args.out), pem)
    print(f"Wrote the organisation's CA certificate to {args.out}.")
    return 0


def cmd_definition_publish(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise CommandError(f"{path} could not be read as a text file.") from None
    definition_id, version, changed = _hub(args).publish_definition(content)
    state = "now served to every device" if changed else "already served exactly as it is"
    print(f"Screening tool '{definition_id}' version {version} is {state}.")
    return 0


def cmd_epoch_renew(args: argparse.Namespace) -> int:
    epoch = _hub(args).renew_epoch()
    print(
        f"The hub's epoch is now {epoch}. Each device will send again, at its next sync, "
        "whatever this database lacks."
    )
    return 0


def cmd_purge_tombstones(args: argparse.Namespace) -> int:
    if args.older_than_days < 1:
        raise CommandError("Give --older-than-days as a whole number of days, 1 or more.")
    removed, oldest = _hub(args).purge_tombstones(timedelta(days=args.older_than_days))
    print(
        f"Removed {removed} deleted record(s) older than {args.older_than_days} days. "
        f"A device whose last sync is older (before change {oldest}) will fetch everything "
        "again."
    )
    return 0


def _write_out(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{path} could not be written ({exc.strerror}).") from None


def _day(text: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    except ValueError:
        raise CommandError(f"'{text}' is not a date like 2026-11-27.") from None


def cmd_audit_export(args: argparse.Namespace) -> int:
    hub = _hub(args)
    start, end = _day(args.start), _day(args.end) + timedelta(days=1)
    report = hub.verify_audit()
    lines = [
        json.dumps(
            {
                "seq": event.seq,
                "at": event.at.isoformat(),
                "user_id": event.user_id,
                "device_id": event.device_id,
                "action": event.action,
                "kind": event.kind,
                "record_id": event.record_id,
                "hash": event.hash,
            }
        )
        for event in hub.audit_between(start, end)
    ]
    _write_out(Path(args.out), "".join(line + "\n" for line in lines))
    count = len(lines)
    chain = "intact" if report.ok else f"BROKEN at event {report.broken_at}"
    print(f"Wrote {count} audit events to {args.out}; the chain is {chain}.")
    return 0 if report.ok else EXIT_PROBLEM


def cmd_demo(args: argparse.Namespace) -> int:
    from hubdesk.server.demo import seed_demo_organisation

    for line in seed_demo_organisation(_hub(args)):
        print(line)
    return 0


# the parser ----------------------------------------------------------------------------------


def _add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    func: Callable[[argparse.Namespace], int],
    help_text: str,
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.add_argument(
        "--database-url",
        default=default_database_url(),
        help="postgresql://USER@HOST:PORT/NAME or sqlite:///PATH (default: a SQLite file in "
        "the user data folder)",
    )
    parser.add_argument(
        "--ca-dir",
        default=str(hub_dir() / "ca"),
        help="folder of the organisation's CA (ca.pem, ca-key.pem)",
    )
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hubdesk-server", description="The Exploitation Hub's central service for HubDesk."
    )
    parser.add_argument("--version", action="version", version=f"HubDesk server {__version__}")
    top = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    init = _add(top, "init", cmd_init, "Create or upgrade the database, the CA and an admin.")
    init.add_argument("--organisation", default="Demo Borough Council")
    init.add_argument("--admin-username", default="admin")

    serve = _add(top, "serve", cmd_serve, "Serve the hub's API.")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--tls-certificate")
    serve.add_argument("--tls-key")
    serve.add_argument(
        "--insecure-behind-proxy",
        action="store_true",
        help="serve plain HTTP on a non-loopback address because a TLS proxy is in front",
    )

    admin = top.add_parser(
        "admin", help="teams, users, allocations, devices, the CA, the epoch, old deletions"
    )
    groups = admin.add_subparsers(title="admin commands", metavar="AREA", required=True)
    team = groups.add_parser("team", help="teams").add_subparsers(metavar="COMMAND", required=True)
    _add(team, "create", cmd_team_create, "Create a team.").add_argument("--name", required=True)

    user = groups.add_parser("user", help="users").add_subparsers(metavar="COMMAND", required=True)
    create = _add(user, "create", cmd_user_create, "Create a user.")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--team")
    create.add_argument("--display-name")
    for name, func, words in (
        ("disable", cmd_user_disable, "Disable a user and revoke their devices."),
        ("reset-password", cmd_user_reset, "Set a new password for a user."),
    ):
        _add(user, name, func, words).add_argument("--username", required=True)

    allocate = _add(groups, "allocate", cmd_allocate, "Allocate a young person to a worker.")
    allocate.add_argument("--young-person", required=True)
    allocate.add_argument("--to", required=True, help="the practitioner's username")

    device = groups.add_parser("device", help="devices").add_subparsers(
        metavar="COMMAND", required=True
    )
    _add(device, "list", cmd_device_list, "List enrolled devices.")
    _add(device, "revoke", cmd_device_revoke, "Revoke a device.").add_argument(
        "--device", required=True
    )

    ca = groups.add_parser("ca", help="the organisation's CA").add_subparsers(
        metavar="COMMAND", required=True
    )
    _add(ca, "export", cmd_ca_export, "Write the CA certificate.").add_argument(
        "--out", required=True
    )

    definition = groups.add_parser("definition", help="screening tool definitions")
    _add(
        definition.add_subparsers(metavar="COMMAND", required=True),
        "publish",
        cmd_definition_publish,
        "Serve a screening tool definition (JSON) to every device.",
    ).add_argument("--file", required=True)

    epoch = groups.add_parser("epoch", help="the hub's epoch (after a restore from backup)")
    _add(
        epoch.add_subparsers(metavar="COMMAND", required=True),
        "renew",
        cmd_epoch_renew,
        "Give the hub a new epoch. Run this after restoring the hub's database from a backup: "
        "every device sees the new epoch at its next sync and sends again whatever the "
        "restored database lacks.",
    )

    purge = _add(
        groups,
        "purge-tombstones",
        cmd_purge_tombstones,
        "Remove the hub's records of deletions older than N days. A device that has not "
        "synced since before then fetches everything again at its next sync.",
    )
    purge.add_argument(
        "--older-than-days",
        type=int,
        required=True,
        metavar="N",
        help="keep deletions newer than this many days (longer than any laptop stays away)",
    )

    audit = top.add_parser("audit", help="the audit log").add_subparsers(
        metavar="COMMAND", required=True
    )
    export = _add(audit, "export", cmd_audit_export, "Export audit events between two dates.")
    export.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
    export.add_argument("--out", required=True)

    _add(top, "demo", cmd_demo, "Add a demo organisation (fictional teams and users).")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.func(args)
        return status
    except HubDeskError as exc:
        print(exc.message, file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    except Exception as exc:
        print(
            f"The hub service met an unexpected problem ({type(exc).__name__}); nothing more "
            "was changed.",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
