"""Contexts, plans, screenings and missing episodes from the command line, end to end."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from tests.cli.conftest import Cli


def test_context_plan_screening_and_missing_flow(run: Cli, tmp_path: Path) -> None:
    status, pid, err = run("case", "add", "--given-name", "Nia", "--family-name", "O'Brien")
    assert status == 0, err
    status, ctx, err = run(
        "context",
        "add",
        "--kind",
        "place",
        "--name",
        "Bus station",
        "--place-type",
        "transport_hub",
    )
    assert status == 0, err
    assert run("context", "link", pid, ctx, stdin="Seen there after school\n")[0] == 0
    status, out, _ = run("context", "list")
    assert "Bus station" in out

    status, plan, err = run("plan", "create", "--young-person", pid)
    assert status == 0, err
    review = (date.today() + timedelta(days=30)).strftime("%d/%m/%Y")
    status, version, err = run("plan", "submit", "not-a-version")
    assert status == 1
    assert "There is no plan version" in err
    status, version, err = run("plan", "edit", plan, "--review-date", review, stdin="{}")
    assert status == 0, err
    status, _, err = run("plan", "submit", version)
    assert status == 1
    assert "at least one action" in err
    document = {
        "what_i_want": "To feel safe on the bus",
        "actions": [{"what": "Travel together on Mondays", "owner": "Aunt", "by_when": review}],
    }
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(document))
    status, version, err = run("plan", "edit", plan, "--file", str(plan_file))
    assert status == 0, err
    assert run("plan", "submit", version)[0] == 0
    plan_file.write_text("{not json")
    status, _, err = run("plan", "edit", plan, "--file", str(plan_file))
    assert status == 2
    assert "line 1, column 2" in err

    status, screening, err = run("screening", "start", "--young-person", pid)
    assert status == 0, err
    status, _, err = run("screening", "complete", screening, "--level", "very_high")
    assert status == 1
    assert "Unknown level" in err
    status, _, err = run("screening", "complete", screening, "--level", "moderate")
    assert status == 0, err

    status, episode, err = run(
        "missing", "report", "--young-person", pid, "--started", "01/11/2026 22:15"
    )
    assert status == 0, err
    status, _, err = run("missing", "return", episode, "--ended", "01/11/2026 20:00")
    assert status == 1
    assert "before the time they went missing" in err
    status, _, err = run(
        "missing",
        "return",
        episode,
        "--ended",
        "02/11/2026 09:30",
        "--where-found",
        "-",
        stdin="Coach station in another town\n",
    )
    assert status == 0, err
    assert "72 hours" in _

    status, out, _ = run("search", "coach")
    assert "0 results" in out  # where found is not indexed; notes and plans are
    status, out, _ = run("search", "bus")
    assert "Nia O'Brien" in out
