"""`hubdesk attach …` and `hubdesk attachment …`: files attached to a case, headless.

A file's type is read from its first bytes, never from its name. Saving one out writes the
one copy outside the vault, where the practitioner chose; the vault records that it was done.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hubdesk.commands.common import UsageError, services_for

PURPOSES = ("signed_plan_scan", "signature")


def _read_file(path: Path) -> tuple[bytes, str]:
    """The file's bytes and its type, or a plain error before the vault is opened."""
    from hubdesk.services.attachments import media_type_of
    from hubdesk.sync import protocol as p

    try:
        size = path.stat().st_size
        if size > p.MAX_ATTACHMENT_BYTES:
            raise UsageError(
                f"{path} is larger than {p.size_in_words(p.MAX_ATTACHMENT_BYTES)}, the most a "
                "file attached to a case may hold."
            )
        data = path.read_bytes()
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder; give a file.") from None
    except OSError as exc:
        raise UsageError(f"{path} cannot be read ({exc.strerror}).") from None
    media_type = media_type_of(data)
    if media_type is None:
        raise UsageError(f"{path} is not a PDF, PNG or JPEG file.")
    return data, media_type


def cmd_attach(args: argparse.Namespace) -> int:
    path = Path(args.file)
    data, media_type = _read_file(path)
    with services_for(args) as s:
        print(
            s.attachments.add(
                args.young_person,
                data,
                media_type,
                args.purpose,
                path.name,
                plan_version_id=args.plan_version,
            )
        )
    return 0


def cmd_attachment_save(args: argparse.Namespace) -> int:
    from hubdesk.sync.protocol import size_in_words

    out = Path(args.out)
    with services_for(args) as s:
        written = s.attachments.save_to(args.id, out)
    print(f"Saved {size_in_words(written)} to {out}. Keep it safe: it is not encrypted there.")
    return 0


def cmd_attachment_list(args: argparse.Namespace) -> int:
    from hubdesk.sync.protocol import size_in_words

    with services_for(args) as s:
        found = s.attachments.for_case(args.young_person)
    for a in found:
        where = "" if a.held else "  (not on this laptop yet: sync to fetch it)"
        purpose = a.purpose.value.replace("_", " ")
        print(f"{a.id}  {purpose:<16} {size_in_words(a.size):>9}  {a.filename}{where}")
    print(f"{len(found)} attached files")
    return 0


def add_parsers(sub: argparse._SubParsersAction, add) -> None:  # type: ignore[type-arg,no-untyped-def]
    p_ = add(
        sub, "attach", cmd_attach, "Attach a scan or a signature (PDF, PNG or JPEG) to a case."
    )
    p_.add_argument("--young-person", required=True, metavar="ID")
    p_.add_argument("--file", required=True, metavar="PATH")
    p_.add_argument("--purpose", required=True, choices=PURPOSES)
    p_.add_argument("--plan-version", metavar="ID", help="the plan version a signed scan is of")

    attachment = sub.add_parser("attachment", help="files attached to cases")
    xs = attachment.add_subparsers(title="attachment commands", metavar="COMMAND", required=True)
    p_ = add(xs, "save", cmd_attachment_save, "Save an attached file out of the vault.")
    p_.add_argument("--id", required=True, metavar="ATTACHMENT_ID")
    p_.add_argument("--out", required=True, metavar="PATH", help="a new file (never replaced)")
    p_ = add(xs, "list", cmd_attachment_list, "List the files attached to a case.")
    p_.add_argument("--young-person", required=True, metavar="ID")
