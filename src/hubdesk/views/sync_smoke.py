"""gui-smoke's renders of sync: the status bar in each state that matters, a case with
conflicts waiting, the conflict screen (a plan section by section, a removal) and the
"Connect to your hub" dialog.

Rendering writes nothing: the states are set on the widgets, and the conflicts shown are
made in memory from the demo case's own plan (as a colleague's edit on the hub would look),
never stored in the vault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from hubdesk.services.cases import CaseFile
from hubdesk.services.conflicts import ConflictView, FieldSides
from hubdesk.services.sync import UnreadableFromHub
from hubdesk.sync.client import Progress
from hubdesk.timeutil import utcnow
from hubdesk.views.conflict_screen import ConflictScreen
from hubdesk.views.connect_dialog import ConnectDialog
from hubdesk.views.qt import QHBoxLayout, QLabel, QVBoxLayout, QWidget
from hubdesk.views.sync_status import SyncStatus
from hubdesk.views.sync_worker import Phase, SyncState

if TYPE_CHECKING:
    from hubdesk.views.main_window import MainWindow

Grab = Callable[[QWidget, str, tuple[int, int]], None]
HUB = "https://hub.northmoor.example"


def states() -> list[tuple[str, SyncState]]:
    """The states a practitioner meets, each with the name the review sheet gives it."""
    synced = utcnow() - timedelta(minutes=3)
    return [
        ("Not connected", SyncState(Phase.NOT_CONNECTED)),
        ("Syncing", SyncState(Phase.SYNCING, Progress("push", 3, 12), hub_url=HUB)),
        ("Up to date", SyncState(Phase.UP_TO_DATE, synced_at=synced, hub_url=HUB)),
        (
            "Offline",
            SyncState(
                Phase.OFFLINE,
                synced_at=synced,
                pending=4,
                detail=f"The hub at {HUB} could not be reached (ConnectError).",
                hub_url=HUB,
            ),
        ),
        (
            "Conflicts and refusals",
            SyncState(Phase.UP_TO_DATE, synced_at=synced, conflicts=2, refused=1, hub_url=HUB),
        ),
        ("Sign-in needed", SyncState(Phase.SIGN_IN_NEEDED, hub_url=HUB)),
        (
            "Update needed",
            SyncState(
                Phase.UPDATE_NEEDED,
                synced_at=synced,
                detail=UnreadableFromHub(
                    "young person's record", "5d50e74a-eb5c-49c7-a655-b3004853fc0f", "level"
                ).message,
                hub_url=HUB,
            ),
        ),
        (
            "Hub record incomplete",
            SyncState(
                Phase.HUB_RECORD_INCOMPLETE,
                synced_at=synced,
                detail=UnreadableFromHub(
                    "young person's record",
                    "5d50e74a-eb5c-49c7-a655-b3004853fc0f",
                    "family_name",
                    missing=True,
                ).message,
                hub_url=HUB,
            ),
        ),
    ]


def status_sheet() -> QWidget:
    """Every state's status bar corner, one under another, each named on its left (the
    names are for the review sheet only)."""
    sheet = QWidget()
    layout = QVBoxLayout(sheet)
    for name, state in states():
        status = SyncStatus()
        status.show_state(state)
        row = QHBoxLayout()
        row.addWidget(QLabel(f"<b>{name}</b>"))
        row.addStretch(1)
        row.addWidget(status)
        layout.addLayout(row)
    layout.addStretch(1)
    return sheet


def sample_conflicts(case: CaseFile) -> list[ConflictView]:
    """Conflicts as sync would keep them for this case: its newest plan edited on the hub
    meanwhile (two sections), its preferred name, and a context link removed on the hub."""
    person = case.young_person
    views: list[ConflictView] = []
    version = next((p.versions[-1] for p in case.plans if p.versions), None)
    if version is not None:
        content = version.content
        worries = str(content.get("what_worries_me") or "Being asked to carry things.")
        doing = str(content.get("what_i_will_do") or "Text my worker if I feel unsafe.")
        views.append(
            ConflictView(
                id="smoke-plan",
                kind="plan_version",
                record_label="plan version",
                record_id=version.id,
                young_person_id=person.id,
                reason="This was changed here and on the hub from the same starting point.",
                fields=[
                    FieldSides(
                        "content.what_worries_me",
                        "What worries me",
                        worries,
                        worries.rstrip(".") + ", and older boys waiting outside school.",
                    ),
                    FieldSides(
                        "content.what_i_will_do",
                        "What I will do",
                        doing,
                        "Go straight home with my sister on Tuesdays and Thursdays.",
                    ),
                ],
                mine_deleted=False,
                theirs_deleted=False,
            )
        )
    views.append(
        ConflictView(
            id="smoke-person",
            kind="young_person",
            record_label="young person's record",
            record_id=person.id,
            young_person_id=person.id,
            reason="This was changed here and on the hub from the same starting point.",
            fields=[FieldSides("preferred_name", "Preferred name", "Jay", "JJ")],
            mine_deleted=False,
            theirs_deleted=False,
        )
    )
    views.append(
        ConflictView(
            id="smoke-link",
            kind="context_link",
            record_label="context link",
            record_id="smoke-link",
            young_person_id=person.id,
            reason="This was removed on the hub while you were changing it.",
            fields=[],
            mine_deleted=False,
            theirs_deleted=True,
            subject="Flat above the bookmaker's",
        )
    )
    return views


def render_sync(grab: Grab, window: MainWindow) -> None:
    """The renders, on the case the window shows (gui-smoke chooses the fullest one)."""
    grab(status_sheet(), "sync-status", (760, 420))
    case = window.case_view.case
    if case is None:
        return
    conflicts = sample_conflicts(case)
    waiting = replace(states()[4][1], conflicts=len(conflicts))
    window.hub.show_state(waiting)
    window.case_view.conflict_badge.setText(f"{len(conflicts)} sync conflicts to choose")
    window.case_view.conflict_badge.setVisible(True)
    grab(window, "case-with-conflicts", (1200, 760))
    screen = ConflictScreen(window.deps, None, window)
    screen.fill(conflicts)
    if screen.panel is not None and len(screen.panel.fields) == 2:
        # Halfway through: one section taken from the hub, the other being written again.
        screen.panel.fields[0].edit.setChecked(True)
        screen.panel.fields[1].use_theirs.setChecked(True)
    grab(screen, "conflict-plan", (1000, 760))
    screen.choices.setCurrentRow(len(conflicts) - 1)
    grab(screen, "conflict-removal", (1000, 560))
    screen.close()
    window.case_view.show_conflicts()
    window.sync.worker.refresh_counts()
    grab(ConnectDialog(window.deps, window), "connect-to-hub", (480, 260))
