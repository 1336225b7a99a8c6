"""The desktop syncs in the background against the real hub on loopback: typing and saving
go on while a slow hub holds a sync; one sync at a time; offline, sign-in needed and refused
changes said in the status bar; the network coming back brings a sync."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hubdesk.models import OutboxEntry
from hubdesk.server.hub import Hub
from hubdesk.views.main_window import MainWindow
from hubdesk.views.notes_tab import NotesTab
from hubdesk.views.plan_tab import PlanTab
from hubdesk.views.qt import QApplication, Qt
from hubdesk.views.sync_dialogs import RefusedDialog
from hubdesk.views.sync_worker import Phase, SyncWorker
from tests.e2e.devices import change_on_hub, newer_hub, pushed_by_hand
from tests.views.a11y import mnemonic_clashes, unnamed_controls
from tests.views.conftest_sync import NOWHERE, Device, Gate, point_at

OpenWindow = Callable[[Device], MainWindow]
WORDS = "Met at the library. Talked about the new youth club."


def test_typing_lands_at_once_and_saves_while_a_slow_hub_holds_a_sync(
    qtbot: QtBot, amy: Device, gate: Gate, window_on: OpenWindow
) -> None:
    person = amy.s.cases.add(given_name="Riley", family_name="Hart")
    window = window_on(amy)
    window.caseload.reload()
    window.caseload.select_case(person)
    window.case_view.show_case(person)
    notes = window.case_view.tab_of(NotesTab)
    assert isinstance(notes, NotesTab)
    window.case_view.tabs.setCurrentWidget(notes)
    notes.new_note()
    editor = notes.pane
    assert editor is not None

    worker = window.sync.worker
    assert worker.sync_now()
    assert gate.holding.wait(5)  # the hub has the push and is not answering
    assert worker.running
    qtbot.waitUntil(lambda: window.hub.label.text() == "Syncing: 0 of 1 change sent")
    assert not worker.sync_now()  # one sync at a time
    window.sync.sync_action.trigger()  # F5 too
    assert gate.held == 1

    qtbot.keyClicks(editor.narrative, WORDS)  # type: ignore[attr-defined]
    assert editor.narrative.toPlainText() == WORDS  # type: ignore[attr-defined]
    # ... and the autosave reaches the vault while the hub still holds the sync.
    qtbot.waitUntil(
        lambda: [n.narrative for n in amy.s.cases.case_file(person).notes] == [WORDS],
        timeout=3000,
    )
    assert worker.running
    assert not gate.released.is_set()

    with qtbot.waitSignal(worker.synced, timeout=5000):
        gate.open()
    assert worker.state.phase is Phase.UP_TO_DATE
    assert window.hub.label.text().startswith("Up to date at ")
    assert amy.s.sync.pending_count() == 0  # a draft note stays on the laptop until finalised


def test_sync_now_sends_what_was_typed_a_moment_before(
    qtbot: QtBot, amy: Device, lead: Device, window_on: OpenWindow
) -> None:
    person = amy.s.cases.add(given_name="Sam", family_name="Okafor")
    plan = amy.s.plans.create(young_person_id=person)
    version = amy.s.plans.save_draft(plan, content={"what_i_want": ""})
    window = window_on(amy)
    window.caseload.reload()
    window.caseload.select_case(person)
    window.case_view.show_case(person)
    tab = window.case_view.tab_of(PlanTab)
    assert isinstance(tab, PlanTab)
    window.case_view.tabs.setCurrentWidget(tab)
    qtbot.keyClicks(tab.editor.form.texts["what_i_want"], "To feel safe walking home")
    with qtbot.waitSignal(window.sync.worker.synced, timeout=5000):
        window.sync.sync_action.trigger()  # at once: before the autosave's pause is over
    lead.sync()
    wanted = lead.records("plan_version")[version]["content"]["what_i_want"]
    assert wanted == "To feel safe walking home"


def test_offline_is_said_and_the_network_coming_back_brings_a_sync(
    qtbot: QtBot, amy: Device, window_on: OpenWindow
) -> None:
    amy.s.cases.add(given_name="Jordan", family_name="Price")
    window = window_on(amy)
    worker = window.sync.worker
    point_at(amy, "url", NOWHERE)
    with qtbot.waitSignal(worker.state_changed, check_params_cb=_offline, timeout=3000):
        worker.sync_now()
    assert window.hub.label.text() == "Offline: 1 change waiting to be sent"
    assert "could not be reached" in window.hub.label.toolTip()
    assert window.hub.sync.isEnabled()

    # Tried again on its own while offline: the hub is back, and the change goes.
    point_at(amy, "url", amy.hub_url)
    with qtbot.waitSignal(worker.synced, timeout=3000):
        pass
    assert window.hub.label.text().startswith("Up to date at ")
    assert amy.s.sync.pending_count() == 0


def test_a_reachability_signal_syncs_at_once_when_offline(
    qtbot: QtBot, amy: Device, window_on: OpenWindow
) -> None:
    window = window_on(amy)
    worker = window.sync.worker
    worker.network_back()  # not offline: nothing to do
    assert not worker.running
    point_at(amy, "url", NOWHERE)
    with qtbot.waitSignal(worker.state_changed, check_params_cb=_offline, timeout=3000):
        worker.sync_now()
    point_at(amy, "url", amy.hub_url)
    with qtbot.waitSignal(worker.synced, timeout=3000):
        worker.network_back()
        assert worker.running


def sync_until(qtbot: QtBot, worker: SyncWorker, phase: Phase) -> None:
    """Sync now, and wait for the worker to reach ``phase``."""
    with qtbot.waitSignal(
        worker.state_changed, check_params_cb=lambda s: s.phase is phase, timeout=3000
    ):
        worker.sync_now()


def test_a_sign_in_the_hub_no_longer_takes_is_said(
    qtbot: QtBot, amy: Device, window_on: OpenWindow
) -> None:
    point_at(amy, "token", "not-a-token")
    window = window_on(amy)
    worker = window.sync.worker
    sync_until(qtbot, worker, Phase.SIGN_IN_NEEDED)
    assert window.hub.label.text() == "Sign-in needed: ask your hub's IT team"
    assert window.hub.label.toolTip().startswith("The hub did not accept this laptop's sign-in:")


def test_a_record_this_version_cannot_read_asks_for_an_update_and_changes_still_go(
    qtbot: QtBot, amy: Device, window_on: OpenWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = amy.s.cases.add(given_name="Jamie", family_name="Cole")
    other = amy.s.cases.add(given_name="Rhys", family_name="Evans")
    amy.sync()
    newer_hub(monkeypatch)
    change_on_hub(
        amy, "young_person", person, {**amy.records("young_person")[person], "level": "extreme"}
    )
    amy.s.cases.update(person, preferred_name="Jay")  # in conflict with the hub's: kept here
    amy.s.cases.update(other, preferred_name="Rhi")  # sent and settled
    window = window_on(amy)
    worker = window.sync.worker
    sync_until(qtbot, worker, Phase.UPDATE_NEEDED)
    assert window.hub.label.text() == "Update HubDesk to receive the hub's changes"
    assert window.hub.label.toolTip().startswith(
        f"The hub sent a young person's record (id {person}) whose level this version"
    )
    assert amy.records("young_person")[person]["preferred_name"] == "Jay"
    with amy.vault.read() as session:  # only the change in conflict waits
        waiting = session.execute(select(OutboxEntry.kind, OutboxEntry.record_id)).all()
    assert [tuple(row) for row in waiting] == [("young_person", person)]


def test_a_record_new_here_incomplete_on_the_hub_says_to_ask_the_hubs_it_team(
    qtbot: QtBot, amy: Device, window_on: OpenWindow
) -> None:
    amy.sync()
    person = str(uuid.uuid4())
    pushed_by_hand(amy, "young_person", person, "create", {"given_name": "Tegan"}, None)
    window = window_on(amy)
    sync_until(qtbot, window.sync.worker, Phase.HUB_RECORD_INCOMPLETE)
    assert window.hub.label.text() == "A record on the hub needs correcting: ask the hub's IT team"
    assert window.hub.label.toolTip().startswith(
        f"The hub sent a young person's record (id {person}) without its family name"
    )


def test_changes_the_hub_refused_are_counted_and_listed_with_its_reasons(
    qtbot: QtBot, amy: Device, hub: Hub, window_on: OpenWindow
) -> None:
    person = amy.s.cases.add(given_name="Jamie", family_name="Cole")
    amy.sync()
    hub.allocate(person, "south-cai", None)  # the case moved to another team
    amy.s.cases.update(person, preferred_name="Jay")
    window = window_on(amy)
    assert not window.hub.refused.isVisibleTo(window)
    with qtbot.waitSignal(window.sync.worker.synced, timeout=3000):
        window.sync.worker.sync_now()
    assert window.hub.refused.isVisibleTo(window)
    assert window.hub.refused.text() == "1 change refused by the hub"
    assert unnamed_controls(window) == []
    assert mnemonic_clashes(window) == {}

    qtbot.mouseClick(window.hub.refused, Qt.MouseButton.LeftButton)
    [dialog] = [w for w in QApplication.topLevelWidgets() if isinstance(w, RefusedDialog)]
    assert dialog.list.item(0).text() == (
        "A change to a young person's record: This young person is not on your caseload."
    )
    dialog.close()


def _offline(state: object) -> bool:
    return getattr(state, "phase", None) is Phase.OFFLINE
