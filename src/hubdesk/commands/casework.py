"""`hubdesk case …`, `note …` and `search`: casework without the desktop."""

from __future__ import annotations

import argparse

from hubdesk.commands.common import UsageError, parse_date, parse_when, read_text, services_for


def cmd_case_list(args: argparse.Namespace) -> int:
    from hubdesk.timeutil import format_date

    with services_for(args) as s:
        people = s.cases.caseload(include_closed=args.all)
    for p in people:
        level = p.level.value.replace("_", " ") if p.level else "not screened"
        print(f"{p.id}  {p.display_name:<32} {level:<22} review {format_date(p.next_review_date)}")
    print(f"{len(people)} young people")
    return 0


def cmd_case_add(args: argparse.Namespace) -> int:
    dob = parse_date(args.date_of_birth, "--date-of-birth") if args.date_of_birth else None
    given = args.given_name or input("First name: ")
    family = args.family_name or input("Family name: ")
    with services_for(args) as s:
        new_id = s.cases.add(given_name=given, family_name=family, date_of_birth=dob)
    print(new_id)
    return 0


def cmd_case_hold(args: argparse.Namespace) -> int:
    reason = read_text(args.reason, "why the hold is placed or lifted")
    with services_for(args) as s:
        s.retention.set_legal_hold(args.young_person, on=not args.release, reason=reason)
    print("Legal hold lifted." if args.release else "Legal hold placed: erasure is now refused.")
    return 0


def cmd_case_erase(args: argparse.Namespace) -> int:
    if not args.confirm:
        raise UsageError(
            "Erasing a young person's records cannot be undone. Add --confirm to go ahead."
        )
    reason = read_text(args.reason, "why the records are erased now")
    with services_for(args) as s:
        rows = s.retention.erase_young_person(args.young_person, rule=args.rule, reason=reason)
    print(f"Erased {rows} records. The audit trail keeps that the erasure happened.")
    return 0


def cmd_note_add(args: argparse.Namespace) -> int:
    when = parse_when(args.when, "--when")
    narrative = read_text(args.narrative, "the narrative (what happened)")
    with services_for(args) as s:
        new_id = s.notes.add(
            args.young_person,
            kind=args.kind,
            occurred_at=when,
            narrative=narrative,
            present=args.present or "",
        )
    print(new_id)
    return 0


def cmd_note_finalise(args: argparse.Namespace) -> int:
    with services_for(args) as s:
        s.notes.finalise(args.note)
    print("The note is finalised; corrections can now be added as addenda.")
    return 0


def cmd_note_addendum(args: argparse.Namespace) -> int:
    text = read_text(args.text, "the addendum")
    with services_for(args) as s:
        print(s.notes.add_addendum(args.note, text))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    query = read_text(args.query, "what to search for")
    with services_for(args) as s:
        results = s.search.search(query)
    for r in results:
        kind = r.record_kind.replace("_", " ")
        print(f"{r.display_name:<32} {kind:<14} {r.record_id}  {r.snippet}".rstrip())
    print(f"{len(results)} results")
    return 0


FREE_TEXT = "leave it out (or give -) to type it or pipe it in, which keeps it out of shell history"


def add_parsers(sub: argparse._SubParsersAction, add) -> None:  # type: ignore[type-arg,no-untyped-def]
    case = sub.add_parser("case", help="young people on the caseload")
    csub = case.add_subparsers(title="case commands", metavar="COMMAND", required=True)
    p = add(csub, "list", cmd_case_list, "List the caseload.")
    p.add_argument("--all", action="store_true", help="include closed cases")
    p = add(csub, "add", cmd_case_add, "Add a young person (names are asked for if left out).")
    p.add_argument("--given-name")
    p.add_argument("--family-name")
    p.add_argument("--date-of-birth", metavar="DD/MM/YYYY")
    p = add(csub, "legal-hold", cmd_case_hold, "Place or lift a legal hold on a young person.")
    p.add_argument("young_person", metavar="ID")
    p.add_argument("--reason", help=f"why the hold is placed or lifted; {FREE_TEXT}")
    p.add_argument("--release", action="store_true", help="lift the hold instead")
    p = add(csub, "erase", cmd_case_erase, "Erase a closed case under a retention rule.")
    p.add_argument("young_person", metavar="ID")
    p.add_argument("--rule", required=True, help="the retention rule that allows it")
    p.add_argument("--reason", help=f"why the records are erased now; {FREE_TEXT}")
    p.add_argument("--confirm", action="store_true", help="confirm: this cannot be undone")

    note = sub.add_parser("note", help="contact notes")
    nsub = note.add_subparsers(title="note commands", metavar="COMMAND", required=True)
    p = add(nsub, "add", cmd_note_add, "Write a draft contact note.")
    p.add_argument("--young-person", required=True, metavar="ID")
    p.add_argument("--kind", default="home_visit", help="home_visit, phone, school, …")
    p.add_argument("--when", metavar="DD/MM/YYYY HH:MM", help="default: now")
    p.add_argument("--narrative", help=f"what happened; {FREE_TEXT}")
    p.add_argument("--present", help="who was present")
    p = add(nsub, "finalise", cmd_note_finalise, "Finalise a note (it then cannot change).")
    p.add_argument("note", metavar="NOTE_ID")
    p = add(nsub, "addendum", cmd_note_addendum, "Add an addendum to a finalised note.")
    p.add_argument("note", metavar="NOTE_ID")
    p.add_argument("--text", help=f"the addendum; {FREE_TEXT}")

    p = add(sub, "search", cmd_search, "Search names, notes and plans.")
    p.add_argument("query", nargs="?", help=f"what to search for; {FREE_TEXT}")
