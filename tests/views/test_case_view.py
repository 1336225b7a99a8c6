"""The case view: heading, overview facts in words, lazily filled tabs, place kept across a lock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pytestqt.qtbot import QtBot

from hubdesk.models.enums import Level
from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.settings import Settings
from hubdesk.views.case_tab import Deps
from hubdesk.views.case_view import CaseView
from hubdesk.views.history_tabs import MissingTab, TimelineTab
from hubdesk.views.overview_tab import OverviewTab, plan_in_force
from hubdesk.views.qt import Qt
from hubdesk.views.screenings_tab import ScreeningsTab
from hubdesk.views.tasks import Tasks

TABS = (OverviewTab, ScreeningsTab, MissingTab, TimelineTab)


def _view(qtbot: QtBot, services: Services) -> CaseView:
    view = CaseView(Deps(services, Tasks(), Settings()), TABS)
    qtbot.addWidget(view)
    return view


def _case(services: Services) -> str:
    today = services.cases.today()
    pid = services.cases.add(
        given_name="Rhiannon",
        family_name="O'Sullivan",
        date_of_birth=date(today.year - 15, 1, 1),
        next_review_date=today - timedelta(days=3),
    )
    services.cases.set_level(pid, Level.MODERATE, "Seen twice at the station late at night")
    place = services.contexts.create(kind="place", name="Bus station café")
    services.contexts.link(pid, place, why="Seen there with older males", reliability="likely")
    plan = services.plans.create(young_person_id=pid)
    version = services.plans.save_draft(
        plan,
        review_date=today + timedelta(days=30),
        actions=[ActionInput("Weekly check-in", "Youth worker", "Youth service", today)],
    )
    services.plans.submit(version)
    services.plans.record_decision(version, approved=True, decided_by="A Lead")
    return pid


def test_the_overview_says_level_reason_review_and_open_actions_in_words(
    qtbot: QtBot, services: Services
) -> None:
    pid = _case(services)
    view = _view(qtbot, services)
    assert view.show_case(pid)
    heading = view.heading.text()
    assert "Rhiannon O&#x27;Sullivan" in heading  # escaped: a name is never markup
    for part in ("age 15", "Moderate", "next review", "(overdue)"):
        assert part in heading
    overview = view.tab_of(OverviewTab).text.text()  # type: ignore[attr-defined]
    assert "Seen twice at the station late at night" in overview
    assert "Bus station café (place; likely)" in overview
    assert "Weekly check-in (Youth worker, Youth service) — by" in overview
    assert plan_in_force(services.cases.case_file(pid)) is not None


def test_tabs_fill_when_shown_and_the_place_survives_a_rebuild(
    qtbot: QtBot, services: Services
) -> None:
    pid = _case(services)
    first = services.missing.report(pid, started_at=datetime(2026, 10, 1, 21, tzinfo=UTC))
    services.missing.record_return(first, ended_at=datetime(2026, 10, 2, 8, tzinfo=UTC))
    second = services.missing.report(pid, started_at=datetime(2026, 11, 1, 21, tzinfo=UTC))
    view = _view(qtbot, services)
    view.show_case(pid)
    missing = view.tab_of(MissingTab)
    assert missing.table.rowCount() == 0  # type: ignore[attr-defined]  # not shown yet
    view.tabs.setCurrentWidget(missing)
    assert missing.table.rowCount() == 2  # type: ignore[attr-defined]
    assert missing.table.item(0, 1).text() == "Not back yet"  # type: ignore[attr-defined]
    missing.table.select_id(first)  # type: ignore[attr-defined]
    state = view.view_state()
    assert state["in_tab"] == {"record_id": first}

    again = _view(qtbot, services)
    again.restore_view_state(state)
    tab = again.tab_of(MissingTab)
    assert again.tabs.currentWidget() is tab
    assert tab.table.current_id() == first  # type: ignore[attr-defined]
    assert second != first


def test_the_timeline_lists_events_and_an_unknown_case_clears_the_view(
    qtbot: QtBot, services: Services
) -> None:
    pid = _case(services)
    view = _view(qtbot, services)
    view.show_case(pid)
    timeline = view.tab_of(TimelineTab)
    view.tabs.setCurrentWidget(timeline)
    texts = [timeline.table.item(r, 2).text() for r in range(timeline.table.rowCount())]  # type: ignore[attr-defined]
    assert "My Safety Plan, version 1 approved by A Lead" in texts
    assert not view.show_case("00000000-0000-0000-0000-000000000000")
    assert view.pages.currentIndex() == 0


def test_ctrl_and_a_number_moves_between_tabs(qtbot: QtBot, services: Services) -> None:
    pid = _case(services)
    view = _view(qtbot, services)
    view.show_case(pid)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=3000)
    qtbot.keyClick(view.tabs, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert view.tabs.currentWidget() is view.tab_of(TimelineTab)
    assert view.tabs.tabToolTip(3) == "Timeline (Ctrl+4)"


def test_tab_leaves_a_record_table_instead_of_cycling_its_cells(
    qtbot: QtBot, services: Services
) -> None:
    from tests.views.a11y import activate

    pid = _case(services)
    view = _view(qtbot, services)
    view.show_case(pid)
    timeline = view.tab_of(TimelineTab)
    view.tabs.setCurrentWidget(timeline)
    activate(qtbot, view)
    timeline.table.setFocus()  # type: ignore[attr-defined]
    qtbot.keyClick(timeline.table, Qt.Key.Key_Tab)  # type: ignore[attr-defined]
    assert not timeline.table.hasFocus()  # type: ignore[attr-defined]


def test_the_overview_says_when_the_next_screening_is_due(qtbot: QtBot, services: Services) -> None:
    from hubdesk.models.enums import Level as L

    pid = _case(services)
    view = _view(qtbot, services)
    view.show_case(pid)
    overview = view.tab_of(OverviewTab)
    assert "no screening completed yet" in overview.text.text()  # type: ignore[attr-defined]

    sid = services.screenings.start(pid, definition_id="exploitation", definition_version=1)
    services.screenings.complete(sid, final_level=L.MODERATE, rationale="Seen at the station.")
    view.reload()
    due = services.cases.case_file(pid).screenings[0].rescreen_due
    assert due is not None
    assert due.strftime("%d/%m/%Y") in overview.text.text()  # type: ignore[attr-defined]

    services.missing.report(pid, started_at=services.cases.clock())
    view.reload()
    assert "now: missing on" in overview.text.text()  # type: ignore[attr-defined]
