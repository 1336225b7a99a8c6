"""gui-smoke's sync renders: the status bar's states, a case with conflicts waiting, the
conflict screen (a plan's sections, a removal) and the connect dialog, drawn to real PNGs
from demo data without writing anything to the vault."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from hubdesk.services import Services
from hubdesk.services.demo import seed_demo
from hubdesk.settings import Settings
from hubdesk.views.case_tab import Deps
from hubdesk.views.main_window import MainWindow
from hubdesk.views.qt import QWidget
from hubdesk.views.sync_smoke import render_sync, states
from hubdesk.views.sync_status import SyncStatus, state_words
from hubdesk.views.tasks import Tasks

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_renders_are_drawn_and_write_nothing(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    out = tmp_path / "shots"
    out.mkdir()
    seed_demo(services, cases=3, seed=3)
    with_plan = next(
        p.id for p in services.cases.caseload() if services.cases.case_file(p.id).plans
    )
    before = (services.sync.pending_count(), services.conflicts.count_open())
    window = MainWindow(Deps(services, Tasks(), Settings()), "Demo Practitioner")
    qtbot.addWidget(window)
    window.show()
    window.case_view.show_case(with_plan)

    def grab(widget: QWidget, name: str, size: tuple[int, int]) -> None:
        widget.resize(*size)
        widget.show()
        widget.grab().save(str(out / f"{name}.png"))

    render_sync(grab, window)
    names = {path.stem for path in out.iterdir()}
    assert names == {
        "sync-status",
        "case-with-conflicts",
        "conflict-plan",
        "conflict-removal",
        "connect-to-hub",
    }
    for path in out.iterdir():
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert len(data) > 3000
    assert (services.sync.pending_count(), services.conflicts.count_open()) == before
    assert not window.case_view.conflict_badge.isVisibleTo(window)  # put back as it was


def test_every_state_reads_differently_and_the_bar_shows_its_words(qtbot: QtBot) -> None:
    status = SyncStatus()
    qtbot.addWidget(status)
    status.show()
    seen = set()
    for _, state in states():
        status.show_state(state)
        short, long = state_words(state)
        assert (status.label.text(), status.label.toolTip()) == (short, long)
        assert status.sync.isEnabled() == (state.phase.value != "syncing")
        counts = [b.text() for b in (status.conflicts, status.refused) if b.isVisible()]
        seen.add((short, *counts))
    assert len(seen) == len(states())
