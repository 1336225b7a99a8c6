"""The contextual safety plan window: started when a context has no plan, written in the
context's headings, saved as it is typed and when it is closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.services import Services
from hubdesk.settings import load_settings
from hubdesk.timeutil import format_date
from hubdesk.views.case_tab import Deps
from hubdesk.views.context_plan_dialog import ContextPlanDialog, open_context_plan
from hubdesk.views.plan_reading import load_plan
from hubdesk.views.qt import QLabel, Qt, QWidget
from tests.views.a11y import unnamed_controls

CLICK = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot: QtBot) -> QWidget:
    """Stands in for the main window: the dialogs' parent."""
    parent = QWidget()
    qtbot.addWidget(parent)
    return parent


def shown(qtbot: QtBot, dialog: ContextPlanDialog) -> ContextPlanDialog:
    qtbot.waitUntil(lambda: dialog.editor.plan is not None, timeout=3000)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    return dialog


# The offscreen platform cannot raise a window; bringing the dialog forward still works there.
def test_a_context_without_a_plan_gets_one_in_its_own_words_and_typing_saves(
    qtbot: QtBot, deps: Deps, services: Services, window: QWidget
) -> None:
    context = services.contexts.create(kind="place", name="Riverside retail park")
    assert services.plans.for_context(context) is None
    dialog = shown(qtbot, open_context_plan(deps, context, window))
    plan_id = services.plans.for_context(context)
    assert plan_id is not None
    assert dialog.editor.plan_id == plan_id
    assert not dialog.isModal()
    assert dialog.windowTitle() == "Contextual safety plan — Riverside retail park"
    headings = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "What we want for this place" in headings
    assert "What I want" not in headings
    assert unnamed_controls(dialog) == []

    qtbot.keyClicks(dialog.editor.form.texts["what_worries_me"], "Cars waiting by the bins")
    qtbot.waitUntil(
        lambda: (
            load_plan(services, plan_id).newest.content.get("what_worries_me")
            == "Cars waiting by the bins"
        ),
        timeout=3000,
    )
    assert open_context_plan(deps, context, window) is dialog  # brought forward, not twice


def test_closing_saves_what_was_just_typed(
    qtbot: QtBot, deps: Deps, services: Services, window: QWidget
) -> None:
    context = services.contexts.create(kind="peer_group", name="Friday park group")
    plan_id = services.plans.create(context_id=context)
    dialog = shown(qtbot, open_context_plan(deps, context, window))
    assert dialog.editor.plan_id == plan_id
    qtbot.keyClicks(dialog.editor.form.texts["what_i_will_do"], "Detached youth work")
    with qtbot.waitSignal(dialog.finished, timeout=3000):
        qtbot.mouseClick(dialog.close_button, CLICK)  # before the autosave delay is up
    assert load_plan(services, plan_id).newest.content["what_i_will_do"] == "Detached youth work"
    assert not dialog.isVisible()


def test_closing_with_a_past_review_date_says_so_once_and_keeps_it_for_next_time(
    qtbot: QtBot, deps: Deps, services: Services, window: QWidget
) -> None:
    context = services.contexts.create(kind="place", name="Bus station")
    dialog = shown(qtbot, open_context_plan(deps, context, window))
    past = format_date(services.plans.today() - timedelta(days=3))
    qtbot.keyClicks(dialog.editor.form.review_date, past)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    said = dialog.message.text()
    assert said.startswith(f"Not everything is in the plan yet: Not saved: {past} has passed.")
    assert said.endswith(
        "What you typed is kept for when the plan is opened again. Put it right, or close again."
    )
    assert dialog.flush()  # the date is in the vault, as a draft
    with qtbot.waitSignal(dialog.finished, timeout=3000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()

    again = shown(qtbot, open_context_plan(deps, context, window))
    assert again is not dialog
    assert again.editor.form.review_date.text() == past
    assert again.editor.form.review_note.text().startswith(f"Not saved: {past} has passed.")


def test_large_type_follows_the_settings_in_an_open_window(
    qtbot: QtBot, deps: Deps, services: Services, window: QWidget
) -> None:
    context = services.contexts.create(kind="online_space", name="Group chat")
    dialog = shown(qtbot, open_context_plan(deps, context, window))
    box = dialog.editor.form.texts["what_i_want"]
    normal = box.font().pointSizeF()
    deps.settings.large_type = True  # File → Settings changes the shared settings in place
    dialog.settings_changed()
    assert dialog.editor.large_type.on
    assert box.font().pointSizeF() == pytest.approx(normal * 1.6)
    assert load_settings()[0].large_type is False  # saved by the settings dialog, not here
