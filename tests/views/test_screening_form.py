"""The screening form on the shipped tool, driven from the keyboard: the guide follows the
answers, a follow-up appears only after a worry, autosave makes exactly one screening, a
resumed form shows what was saved, completing needs a rationale when the level differs from
the guide, and a completed screening is shown with nothing to edit."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import hubdesk
from hubdesk.forms.definition import Definition
from hubdesk.forms.loader import load_definition
from hubdesk.models.enums import Level
from hubdesk.services import Services
from hubdesk.views.case_tab import Deps
from hubdesk.views.qt import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, Qt, QWidget
from hubdesk.views.screening_form import ScreeningForm
from tests.views.a11y import activate, mnemonic_clashes, unnamed_controls

SHIPPED = Path(hubdesk.__file__).parent / "resources" / "screening" / "exploitation-v1.json"


@pytest.fixture(scope="module")
def definition() -> Definition:
    return load_definition(SHIPPED)


@pytest.fixture
def pid(services: Services) -> str:
    return services.cases.add(given_name="Tamsin", family_name="Oduya-Hart")


def open_form(
    qtbot: QtBot, deps: Deps, pid: str, definition: Definition, **kw: object
) -> ScreeningForm:
    form = ScreeningForm(deps, pid, definition, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(form, before_close_func=lambda _: form.flush())
    form.resize(1200, 700)
    activate(qtbot, form)
    return form


def section(qtbot: QtBot, form: ScreeningForm, section_id: str) -> None:
    """Move to a section with the keyboard: Alt+I to the index, Home, then arrow keys."""
    qtbot.keyClick(form, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert form.sections.hasFocus()
    qtbot.keyClick(form.sections, Qt.Key.Key_Home)
    for _ in range([s.id for s in form.definition.sections].index(section_id)):
        qtbot.keyClick(form.sections, Qt.Key.Key_Down)


def answer(qtbot: QtBot, form: ScreeningForm, question_id: str, typed: str) -> None:
    """Type the first letter of a choice into a question's combo (c = Concern, e = Evidenced)."""
    combo = form.fields[question_id].combo
    assert combo is not None
    assert combo.isVisibleTo(form)
    combo.setFocus()
    qtbot.keyClicks(combo, typed)


def test_guide_follows_indicators_typed(
    qtbot: QtBot, deps: Deps, pid: str, definition: Definition
) -> None:
    form = open_form(qtbot, deps, pid, definition)
    assert form.guide_panel.level.text() == "Guide level: No identified concern"
    section(qtbot, form, "missing")
    assert form.pages.currentIndex() == 2
    answer(qtbot, form, "missing_episodes", "e")
    assert form.fields["missing_episodes"].combo.currentText() == "Evidenced"  # type: ignore[union-attr]
    assert form.guide_panel.level.text() == "Guide level: Emerging"
    answer(qtbot, form, "missing_out_of_area", "e")
    assert form.guide_panel.level.text() == "Guide level: Moderate"
    reasons = [
        form.guide_panel.reasons.item(i).text() for i in range(form.guide_panel.reasons.count())
    ]
    assert any("2 indicators evidenced in Missing from home or care" in r for r in reasons)
    assert "3 of 5 answered" not in form.sections.item(2).text()
    assert "2 of 5 answered" in form.sections.item(2).text()
    section(qtbot, form, "harm")
    answer(qtbot, form, "harm_injury", "c")
    assert form.guide_panel.level.text() == "Guide level: Significant"
    reasons = [
        form.guide_panel.reasons.item(i).text() for i in range(form.guide_panel.reasons.count())
    ]
    assert any(r.startswith("A sign of actual harm is recorded") for r in reasons)


def test_follow_up_appears_only_after_a_worry(
    qtbot: QtBot, deps: Deps, pid: str, definition: Definition
) -> None:
    form = open_form(qtbot, deps, pid, definition)
    section(qtbot, form, "missing")
    follow_up = form.rows["missing_how_often"]
    assert not follow_up.isVisibleTo(form)
    answer(qtbot, form, "missing_episodes", "a")  # Absent
    assert not follow_up.isVisibleTo(form)
    source = form.fields["missing_episodes"].source
    assert source is not None
    assert not source.isVisibleTo(form)
    combo = form.fields["missing_episodes"].combo
    assert combo is not None
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # Absent → Concern
    assert combo.currentText() == "Concern"
    assert follow_up.isVisibleTo(form)
    assert source.isVisibleTo(form)
    qtbot.keyClicks(source, "Police missing report")
    assert form.answers()["missing_episodes"].source == "Police missing report"


def test_autosave_resume_complete_and_read_only(
    qtbot: QtBot, deps: Deps, services: Services, pid: str, definition: Definition
) -> None:
    form = open_form(qtbot, deps, pid, definition)
    reason = form.fields["about_reason"].text
    assert reason is not None
    reason.setFocus()
    qtbot.keyClicks(reason, "Found in another town by police")
    date = form.fields["about_date"].date
    assert date is not None
    date.setFocus()
    qtbot.keyClicks(date, "31/02/2025")
    assert "no 31/02/2025 in the calendar" in form.fields["about_date"].problem.text()
    date.clear()
    qtbot.keyClicks(date, "03/03/2025")
    assert form.fields["about_date"].problem.isHidden()
    section(qtbot, form, "missing")
    answer(qtbot, form, "missing_episodes", "e")
    answer(qtbot, form, "missing_out_of_area", "e")

    def saved() -> dict[str, object]:
        found = services.cases.case_file(pid).screenings
        return found[0].answers if found else {}

    qtbot.waitUntil(lambda: "missing_out_of_area" in saved(), timeout=3000)
    assert form.flush()
    screenings = services.cases.case_file(pid).screenings
    assert len(screenings) == 1
    stored = screenings[0]
    assert stored.computed_level == Level.MODERATE
    assert stored.answers["about_date"]["value"] == "2025-03-03"

    resumed = open_form(
        qtbot, deps, pid, definition, screening_id=stored.id, answers=stored.answers
    )
    assert resumed.fields["missing_out_of_area"].combo.currentText() == "Evidenced"  # type: ignore[union-attr]
    assert resumed.fields["about_date"].date.text() == "03/03/2025"  # type: ignore[union-attr]
    assert resumed.guide_panel.level.text() == "Guide level: Moderate"
    activate(qtbot, resumed)

    decision = resumed.decision
    decision.level.setFocus()
    qtbot.keyClicks(decision.level, "Sig")
    assert decision.chosen() == "significant"
    qtbot.mouseClick(decision.complete, Qt.MouseButton.LeftButton)
    assert "write a rationale" in decision.problem.text()
    assert services.cases.case_file(pid).screenings[0].final_level is None

    decision.rationale.setFocus()
    qtbot.keyClicks(decision.rationale, "Older associates seen at the flat last week.")
    with qtbot.waitSignal(resumed.completed, timeout=3000) as done:
        qtbot.mouseClick(decision.complete, Qt.MouseButton.LeftButton)
    assert done.args == [stored.id]
    case = services.cases.case_file(pid)
    assert len(case.screenings) == 1
    assert case.screenings[0].final_level == Level.SIGNIFICANT
    assert case.screenings[0].pathway is not None
    assert "MASH" in case.screenings[0].pathway
    assert case.young_person.level == Level.SIGNIFICANT
    assert editable(resumed) == []

    reread = open_form(
        qtbot, deps, pid, definition, screening_id=stored.id, answers=stored.answers, read_only=True
    )
    assert editable(reread) == []
    assert reread.guide_panel.level.text() == "Guide level: Moderate"
    words = [
        w.text()
        for w in reread.findChildren(QWidget)
        if w.accessibleName().startswith("Has been found out")
    ]
    assert words == ["Evidenced"]
    assert unnamed_controls(reread) == []


def editable(form: ScreeningForm) -> list[str]:
    kinds = (QComboBox, QLineEdit, QPlainTextEdit, QCheckBox)
    return [
        w.accessibleName()
        for w in form.findChildren(QWidget)
        if isinstance(w, kinds)
        and w.isEnabled()
        and not w.isHidden()
        and not (isinstance(w, (QLineEdit, QPlainTextEdit)) and w.isReadOnly())
    ]


def test_every_control_is_named_and_keys_do_not_clash(
    qtbot: QtBot, deps: Deps, pid: str, definition: Definition
) -> None:
    form = open_form(qtbot, deps, pid, definition)
    for index in range(form.sections.count()):
        form.sections.setCurrentRow(index)
        assert unnamed_controls(form) == []
    assert mnemonic_clashes(form) == {}
    assert not any(letter in "nstlvgocfe" for letter in _letters(form))


def _letters(form: ScreeningForm) -> set[str]:
    from hubdesk.views.qt import QAbstractButton, QLabel

    found = set()
    for w in form.findChildren(QWidget):
        if isinstance(w, QAbstractButton) or (isinstance(w, QLabel) and w.buddy()):
            text = w.text().replace("&&", "")
            if "&" in text:
                found.add(text[text.index("&") + 1].lower())
    return found
