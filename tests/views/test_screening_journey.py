"""A screening from start to finish in the real desktop, from the keyboard: start it from the
case's Screenings section, answer indicators and watch the guide level and its reasons move,
close HubDesk halfway, reopen the draft from the list, and complete it with a level of the
practitioner's own and a rationale. A draft on a tool version withdrawn since is read, not
continued."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from hubdesk.app import Desktop
from hubdesk.forms import library
from hubdesk.models.enums import Level
from hubdesk.models.screening import ScreeningStatus
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from hubdesk.views.overview_tab import OverviewTab
from hubdesk.views.qt import Qt
from hubdesk.views.screening_form import ScreeningForm
from hubdesk.views.screenings_tab import ScreeningsTab
from tests.conftest import passphrase
from tests.views.a11y import activate
from tests.views.desktop import ALT, CTRL, focused, key, open_tab, running, tab_to, type_in, unlock

RATIONALE = "Older associates were seen collecting her from school twice this week."


def reasons(form: ScreeningForm) -> list[str]:
    shown = form.guide_panel.reasons
    return [shown.item(i).text() for i in range(shown.count())]


def to_section(qtbot: QtBot, form: ScreeningForm, section_id: str) -> None:
    key(qtbot, Qt.Key.Key_I, ALT)  # Sect&ions
    assert focused() is form.sections
    key(qtbot, Qt.Key.Key_Home)
    for _ in range([s.id for s in form.definition.sections].index(section_id)):
        key(qtbot, Qt.Key.Key_Down)


def answer(qtbot: QtBot, form: ScreeningForm, question_id: str, first_letter: str) -> None:
    """Tab from the section index to the question, then type the choice's first letter."""
    combo = form.fields[question_id].combo
    assert combo is not None
    tab_to(qtbot, combo)
    type_in(qtbot, first_letter)


def screenings_by_keyboard(qtbot: QtBot, desktop: Desktop, pid: str) -> ScreeningsTab:
    """Unlock, show the young person's case, then Ctrl+2 for its Screenings section."""
    unlock(qtbot, desktop)
    open_tab(desktop, pid, OverviewTab)
    assert desktop.window is not None
    tab = desktop.window.case_view.tab_of(ScreeningsTab)
    assert isinstance(tab, ScreeningsTab)
    activate(qtbot, desktop.window)
    key(qtbot, Qt.Key.Key_2, CTRL)
    assert tab.isVisible()
    return tab


def test_fill_by_keyboard_close_midway_reopen_and_complete_with_my_own_level(
    qtbot: QtBot, services: Services, vault: Vault, vault_dir: Path
) -> None:
    pid = services.cases.add(given_name="Tamsin", family_name="Oduya-Hart")
    vault.close()

    with running(qtbot, vault_dir) as desktop:
        tab = screenings_by_keyboard(qtbot, desktop, pid)
        key(qtbot, Qt.Key.Key_W, ALT)  # Start a ne&w screening (a button clicks 100 ms later)
        qtbot.waitUntil(lambda: tab.form is not None, timeout=3000)
        form = tab.form
        assert form is not None
        assert form.guide_panel.level.text() == "Guide level: No identified concern"
        to_section(qtbot, form, "about")
        reason = form.fields["about_reason"].text
        assert reason is not None
        tab_to(qtbot, reason)
        type_in(qtbot, "Police found her in another town on Saturday night.")

        to_section(qtbot, form, "missing")
        answer(qtbot, form, "missing_episodes", "e")  # Evidenced
        assert form.guide_panel.level.text() == "Guide level: Emerging"
        assert any("1 indicator evidenced in Missing from home or care" in r for r in reasons(form))
        to_section(qtbot, form, "missing")
        answer(qtbot, form, "missing_out_of_area", "e")
        assert form.guide_panel.level.text() == "Guide level: Moderate"
        assert any(
            "2 indicators evidenced in Missing from home or care" in r for r in reasons(form)
        )
        tab.window().close()  # halfway, well inside the autosave's quiet time

    with Vault.open(vault_dir, passphrase()) as reopened:
        drafts = Services(reopened).cases.case_file(pid).screenings
    assert [(s.status, s.computed_level) for s in drafts] == [
        (ScreeningStatus.DRAFT, Level.MODERATE)
    ]
    draft_id = drafts[0].id

    with running(qtbot, vault_dir) as desktop:
        tab = screenings_by_keyboard(qtbot, desktop, pid)
        tab_to(qtbot, tab.table)
        key(qtbot, Qt.Key.Key_Home)
        key(qtbot, Qt.Key.Key_Return)  # open the draft
        form = tab.form
        assert form is not None
        assert form.screening_id == draft_id
        assert not form.read_only
        assert form.guide_panel.level.text() == "Guide level: Moderate"
        combo = form.fields["missing_out_of_area"].combo
        assert combo is not None
        assert combo.currentText() == "Evidenced"

        key(qtbot, Qt.Key.Key_D, ALT)  # Level you &decide
        type_in(qtbot, "Sig")
        assert form.decision.chosen() == "significant"
        key(qtbot, Qt.Key.Key_M, ALT)  # Co&mplete screening
        qtbot.waitUntil(lambda: form.decision.problem.text() != "", timeout=3000)
        refused = form.decision.problem.text()
        assert "Answer the required questions first: Date of this screening." in refused
        assert "write a rationale" in refused
        assert "What has led to this screening" not in refused  # answered before closing
        to_section(qtbot, form, "about")
        date = form.fields["about_date"].date
        assert date is not None
        tab_to(qtbot, date)
        type_in(qtbot, "03/03/2026")
        key(qtbot, Qt.Key.Key_R, ALT)  # &Rationale
        type_in(qtbot, RATIONALE)
        with qtbot.waitSignal(form.completed, timeout=5000):
            key(qtbot, Qt.Key.Key_M, ALT)
        assert desktop.window is not None
        case = desktop.window.deps.services.cases.case_file(pid)

    [done] = case.screenings
    assert done.id == draft_id
    assert done.status is ScreeningStatus.COMPLETED
    assert (done.computed_level, done.final_level) == (Level.MODERATE, Level.SIGNIFICANT)
    assert done.rationale == RATIONALE
    assert done.answers["about_date"]["value"] == "2026-03-03"
    assert done.answers["about_reason"]["text"].startswith("Police found her")
    assert case.young_person.level is Level.SIGNIFICANT


def test_unlocking_keeps_the_shipped_tools_in_the_vault(
    qtbot: QtBot, services: Services, vault: Vault, vault_dir: Path
) -> None:
    assert services.definitions.kept() == []
    vault.close()
    with running(qtbot, vault_dir) as desktop:
        unlock(qtbot, desktop)
        assert desktop.window is not None
        kept = desktop.window.deps.services.definitions.kept
        qtbot.waitUntil(lambda: [k[:2] for k in kept()] == [("exploitation", 1)], timeout=5000)


def test_a_draft_on_a_withdrawn_tool_version_is_read_not_continued(
    qtbot: QtBot, services: Services, vault: Vault, vault_dir: Path
) -> None:
    pid = services.cases.add(given_name="Osian", family_name="Rees")
    draft = services.screenings.start(pid, definition_id="exploitation", definition_version=1)
    v1 = library.find("exploitation", 1)
    assert v1 is not None
    services.definitions.remember(v1.model_copy(update={"status": "withdrawn"}), "hub")
    vault.close()

    with running(qtbot, vault_dir) as desktop:
        unlock(qtbot, desktop)
        tab = open_tab(desktop, pid, ScreeningsTab)
        assert tab.open_screening(draft)
        form = tab.form
        assert form is not None
        assert form.read_only
        assert form.fields == {}
        assert "has since been withdrawn" in " ".join(
            label.text() for label in form.findChildren(type(tab.summary))
        )
        tab.back_to_list()
        tab.start_new()
        assert "No active screening tool 'exploitation' is installed." in tab.message.text()
