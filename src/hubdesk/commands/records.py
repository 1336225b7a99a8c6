"""`hubdesk context …`, `plan …`, `screening …`, `missing …`: the remaining use cases, headless.

Each is a thin call into the services; what the services refuse comes back as one plain line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hubdesk.commands.common import (
    UsageError,
    parse_date,
    parse_when,
    read_text,
    services_for,
)


def cmd_context_add(args: argparse.Namespace) -> int:
    with services_for(args) as s:
        print(
            s.contexts.create(
                kind=args.kind, name=args.name, place_type=args.place_type, area=args.area
            )
        )
    return 0


def cmd_context_link(args: argparse.Namespace) -> int:
    why = read_text(args.why, "why this context matters for the young person")
    with services_for(args) as s:
        print(
            s.contexts.link(args.young_person, args.context, why=why, reliability=args.reliability)
        )
    return 0


def cmd_context_list(args: argparse.Namespace) -> int:
    with services_for(args) as s:
        contexts = s.contexts.all()
    for c in contexts:
        print(f"{c.id}  {c.kind.value.replace('_', ' '):<13} {c.name}")
    print(f"{len(contexts)} contexts")
    return 0


def cmd_plan_create(args: argparse.Namespace) -> int:
    with services_for(args) as s:
        print(s.plans.create(young_person_id=args.young_person, context_id=args.context))
    return 0


def _plan_document(source: str) -> dict[str, Any]:
    try:
        raw = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        document = json.loads(raw)
    except OSError as exc:
        raise UsageError(f"The plan file {source} cannot be read ({exc.strerror}).") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"The plan file is not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None
    if not isinstance(document, dict):
        raise UsageError("The plan file must hold one JSON object.")
    return document


def cmd_plan_edit(args: argparse.Namespace) -> int:
    from hubdesk.services.plans import ActionInput

    document = _plan_document(args.file)
    actions = None
    if "actions" in document:
        try:
            actions = [
                ActionInput(
                    what=str(a["what"]),
                    owner=str(a["owner"]),
                    agency=a.get("agency"),
                    by_when=parse_date(a["by_when"], "an action's by_when")
                    if a.get("by_when")
                    else None,
                )
                for a in document.pop("actions")
            ]
        except (KeyError, TypeError, AttributeError):
            raise UsageError(
                'Each action needs "what" and "owner" (and may have "agency" and '
                '"by_when" as DD/MM/YYYY).'
            ) from None
    review = parse_date(args.review_date, "--review-date") if args.review_date else None
    with services_for(args) as s:
        print(
            s.plans.save_draft(
                args.plan, content=document or None, review_date=review, actions=actions
            )
        )
    return 0


def cmd_plan_submit(args: argparse.Namespace) -> int:
    with services_for(args) as s:
        s.plans.submit(args.version)
    print("Submitted for a team lead's approval.")
    return 0


def cmd_screening_start(args: argparse.Namespace) -> int:
    with services_for(args) as s:
        version = args.tool_version or s.definitions.newest_active(args.tool).version
        print(
            s.screenings.start(
                args.young_person, definition_id=args.tool, definition_version=version
            )
        )
    return 0


def cmd_screening_complete(args: argparse.Namespace) -> int:
    rationale = read_text(args.rationale, "the rationale") if args.rationale else None
    with services_for(args) as s:
        s.screenings.complete(args.screening, final_level=args.level, rationale=rationale)
    print("The screening is completed and kept as it was filled.")
    return 0


def cmd_missing_report(args: argparse.Namespace) -> int:
    with services_for(args) as s:
        print(
            s.missing.report(
                args.young_person,
                started_at=parse_when(args.started, "--started"),
                reported_by=args.reported_by,
                police_risk_grade=args.risk,
            )
        )
    return 0


def cmd_missing_return(args: argparse.Namespace) -> int:
    where = read_text(args.where_found, "where they were found") if args.where_found else None
    with services_for(args) as s:
        s.missing.record_return(
            args.episode, ended_at=parse_when(args.ended, "--ended"), where_found=where
        )
    print("Return recorded. Offer a return home interview within 72 hours.")
    return 0


def add_parsers(sub: argparse._SubParsersAction, add) -> None:  # type: ignore[type-arg,no-untyped-def]
    context = sub.add_parser("context", help="places, peer groups, schools and online spaces")
    xs = context.add_subparsers(title="context commands", metavar="COMMAND", required=True)
    p = add(xs, "add", cmd_context_add, "Record a context.")
    p.add_argument("--kind", required=True, help="place, peer_group, school or online_space")
    p.add_argument("--name", required=True)
    p.add_argument("--place-type", help="public_place, private_address, transport_hub, …")
    p.add_argument("--area")
    p = add(xs, "link", cmd_context_link, "Link a young person to a context.")
    p.add_argument("young_person", metavar="YOUNG_PERSON_ID")
    p.add_argument("context", metavar="CONTEXT_ID")
    p.add_argument("--why", help="why it matters (read from standard input if left out)")
    p.add_argument(
        "--reliability", default="not_known", help="confirmed, likely, possible or not_known"
    )
    add(xs, "list", cmd_context_list, "List the contexts.")

    plan = sub.add_parser("plan", help="safety plans and their versions")
    ps = plan.add_subparsers(title="plan commands", metavar="COMMAND", required=True)
    p = add(ps, "create", cmd_plan_create, "Start a plan for a young person or a context.")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--young-person", metavar="ID")
    who.add_argument("--context", metavar="ID")
    p = add(ps, "edit", cmd_plan_edit, "Save the plan's draft from a JSON file (- for stdin).")
    p.add_argument("plan", metavar="PLAN_ID")
    p.add_argument("--file", default="-", metavar="PLAN.json")
    p.add_argument("--review-date", metavar="DD/MM/YYYY")
    p = add(ps, "submit", cmd_plan_submit, "Submit a draft version for approval.")
    p.add_argument("version", metavar="VERSION_ID")

    screening = sub.add_parser("screening", help="exploitation screenings")
    ss = screening.add_subparsers(title="screening commands", metavar="COMMAND", required=True)
    p = add(ss, "start", cmd_screening_start, "Start a screening.")
    p.add_argument("--young-person", required=True, metavar="ID")
    p.add_argument("--tool", default="exploitation", help="screening tool id")
    p.add_argument("--tool-version", type=int, help="tool version (default: the newest active)")
    p = add(ss, "complete", cmd_screening_complete, "Complete a screening with a final level.")
    p.add_argument("screening", metavar="SCREENING_ID")
    p.add_argument(
        "--level", required=True, help="no_identified_concern, emerging, moderate or significant"
    )
    p.add_argument("--rationale", help="why, when it differs from the guide level (- for stdin)")

    missing = sub.add_parser("missing", help="missing episodes")
    ms = missing.add_subparsers(title="missing commands", metavar="COMMAND", required=True)
    p = add(ms, "report", cmd_missing_report, "Record that a young person is missing.")
    p.add_argument("--young-person", required=True, metavar="ID")
    p.add_argument("--started", metavar="DD/MM/YYYY HH:MM", help="default: now")
    p.add_argument("--reported-by")
    p.add_argument("--risk", default="not_known", help="police risk grade")
    p = add(ms, "return", cmd_missing_return, "Record a young person's return.")
    p.add_argument("episode", metavar="EPISODE_ID")
    p.add_argument("--ended", metavar="DD/MM/YYYY HH:MM", help="default: now")
    p.add_argument("--where-found", help="where they were found (- for stdin)")
