"""`hubdesk forms check FILE…` and `hubdesk forms schema`: screening tool definitions, headless.

``check`` prints every problem as ``FILE: PATH: sentence`` so an author can fix them all in one
pass; exit status 1 when there is any, 0 and a one-line summary when there are none.
"""

from __future__ import annotations

import argparse
import sys

from hubdesk.commands.common import EXIT_PROBLEM


def cmd_forms_check(args: argparse.Namespace) -> int:
    from hubdesk.forms.loader import problems_in

    found = 0
    for file in args.files:
        for problem in problems_in(file):
            found += 1
            print(f"{file}: {problem}")
    checked = len(args.files)
    noun = "definition" if checked == 1 else "definitions"
    if found:
        print(
            f"{checked} {noun} checked: {found} {'problem' if found == 1 else 'problems'}.",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    print(f"{checked} {noun} checked: no problems.")
    return 0


def cmd_forms_schema(args: argparse.Namespace) -> int:
    from hubdesk.forms.schema import schema_text, write_schema

    if args.out in (None, "-"):
        sys.stdout.write(schema_text())
    else:
        print(f"Schema written to {write_schema(args.out)}.")
    return 0


def add_parsers(sub: argparse._SubParsersAction, add) -> None:  # type: ignore[type-arg,no-untyped-def]
    forms = sub.add_parser("forms", help="screening tool definitions")
    fs = forms.add_subparsers(title="forms commands", metavar="COMMAND", required=True)
    p = add(fs, "check", cmd_forms_check, "Check screening tool definitions for problems.")
    p.add_argument("files", nargs="+", metavar="FILE", help="a definition (JSON)")
    p = add(fs, "schema", cmd_forms_schema, "Write the JSON Schema of a definition.")
    p.add_argument("--out", metavar="FILE", help="where to write it (default: standard output)")
