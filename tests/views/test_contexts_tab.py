"""The Contexts tab, driven from the keyboard: link a new place with why and how reliable,
refuse a second link in words, show who else is linked as the hub's setting says, and remove a
link only with a reason."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.models.enums import ContextKind, PlaceType, Reliability
from hubdesk.services import Services
from hubdesk.settings import Settings
from hubdesk.views.case_tab import Deps
from hubdesk.views.context_link_dialog import ID_ROLE, LinkContextDialog, RemoveLinkDialog
from hubdesk.views.contexts_tab import ContextsTab
from hubdesk.views.qt import Qt, QWidget, is_alive
from hubdesk.views.tasks import Tasks
from tests.views.a11y import activate, unnamed_controls

ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def tasks() -> Iterator[Tasks]:
    tasks = Tasks()
    yield tasks
    tasks.wait_idle()


@pytest.fixture
def pid(services: Services) -> str:
    return services.cases.add(given_name="Maisie", family_name="Okonkwo-Reid")


def open_tab(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str, peer_detail: str = "initials"
) -> ContextsTab:
    tab = ContextsTab(Deps(services, tasks, Settings(peer_detail=peer_detail)))
    qtbot.addWidget(tab)
    tab.resize(900, 600)
    tab.show_case(services.cases.case_file(pid))
    tab.show()
    activate(qtbot, tab)
    return tab


def alt(qtbot: QtBot, widget: QWidget, key: Qt.Key) -> None:
    qtbot.keyClick(widget, key, ALT)


def link_dialog(qtbot: QtBot, tab: ContextsTab) -> LinkContextDialog:
    alt(qtbot, tab, Qt.Key.Key_I)  # "Link a context…" (a button's mnemonic clicks it shortly)
    qtbot.waitUntil(lambda: isinstance(tab.dialog, LinkContextDialog), timeout=3000)
    dialog = tab.dialog
    assert isinstance(dialog, LinkContextDialog)
    activate(qtbot, dialog)
    return dialog


def test_linking_a_new_place_keeps_why_and_reliability(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str
) -> None:
    tab = open_tab(qtbot, services, tasks, pid)
    assert "No contexts are linked yet" in tab.details.text()
    dialog = link_dialog(qtbot, tab)
    alt(qtbot, dialog, Qt.Key.Key_N)  # the "New context" tab
    assert dialog.source.currentIndex() == 1
    alt(qtbot, dialog, Qt.Key.Key_M)  # "Name"
    qtbot.keyClicks(dialog.name, "Bus station, Lower Parade")
    alt(qtbot, dialog, Qt.Key.Key_P)  # "Type of place"
    qtbot.keyClicks(dialog.place_type, "Tr")  # Transport hub
    alt(qtbot, dialog, Qt.Key.Key_A)
    qtbot.keyClicks(dialog.area, "Sutton Coldfield")

    alt(qtbot, dialog, Qt.Key.Key_L)  # "Link" before saying why
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Write why"), timeout=3000)
    assert services.contexts.all() == []

    alt(qtbot, dialog, Qt.Key.Key_W)
    qtbot.keyClicks(dialog.why, "Approached there by older men after school.")
    alt(qtbot, dialog, Qt.Key.Key_H)
    qtbot.keyClicks(dialog.reliability, "Li")  # Likely
    alt(qtbot, dialog, Qt.Key.Key_G)
    qtbot.keyClick(dialog.weight, Qt.Key.Key_Up)  # 1: must change first
    with qtbot.waitSignal(tab.record_changed, timeout=3000):
        alt(qtbot, dialog, Qt.Key.Key_L)

    (link,) = services.cases.case_file(pid).context_links
    assert (link.why, link.reliability, link.weight) == (
        "Approached there by older men after school.",
        Reliability.LIKELY,
        1,
    )
    context = link.context
    assert (context.kind, context.name, context.place_type, context.area) == (
        ContextKind.PLACE,
        "Bus station, Lower Parade",
        PlaceType.TRANSPORT_HUB,
        "Sutton Coldfield",
    )
    assert tab.selected_link_id() == link.id
    assert tab.model.index(0, 1).data() == "Place (transport hub)"
    assert tab.model.index(0, 3).data() == "Likely"
    assert services.verify_audit().ok  # create and link were each audited


def test_linking_a_context_already_linked_is_refused_in_words(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str
) -> None:
    school = services.contexts.create(kind="school", name="Northfield Academy")
    services.contexts.link(pid, school, why="Attends Year 9")
    tab = open_tab(qtbot, services, tasks, pid)
    dialog = link_dialog(qtbot, tab)
    qtbot.keyClicks(dialog.search, "northfield")
    assert "(already linked)" in dialog.choices.currentItem().text()
    alt(qtbot, dialog, Qt.Key.Key_W)
    qtbot.keyClicks(dialog.why, "Attends, again")
    alt(qtbot, dialog, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: "already linked" in dialog.message.text(), timeout=3000)
    assert dialog.message.text() == (
        "Not linked: This young person is already linked to that context."
    )
    assert dialog.isVisible()
    assert len(services.cases.case_file(pid).context_links) == 1


@pytest.mark.parametrize(
    ("setting", "shown", "note"),
    [
        ("initials", ["J. M.", "A. F."], "Shown as initials (hub setting)"),
        (
            "full_names",
            ["Jordan Mensah", "Amara Fitzgerald-Lowe"],
            "Shown as full names (hub setting)",
        ),
    ],
)
def test_others_in_a_peer_group_follow_the_peer_detail_setting(
    qtbot: QtBot,
    services: Services,
    tasks: Tasks,
    pid: str,
    setting: str,
    shown: list[str],
    note: str,
) -> None:
    group = services.contexts.create(kind="peer_group", name="Friends from the estate")
    services.contexts.link(pid, group, why="Spends evenings with the group", reliability="likely")
    for given, family in (("Jordan", "Mensah"), ("Amara", "Fitzgerald-Lowe")):
        other = services.cases.add(given_name=given, family_name=family)
        services.contexts.link(other, group, why="Named by youth workers")
    tab = open_tab(qtbot, services, tasks, pid, peer_detail=setting)
    names = [tab.others.item(i).text() for i in range(tab.others.count())]
    assert sorted(names) == sorted(shown)
    assert tab.peer_detail_note.text() == note
    assert "2 other young people" in tab.others_heading.text()
    assert "Maisie" not in " ".join(names)


def test_removing_a_link_needs_a_reason(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str
) -> None:
    park = services.contexts.create(kind="place", name="Skate park", place_type="public_place")
    services.contexts.link(pid, park, why="Goes there after school")
    tab = open_tab(qtbot, services, tasks, pid)
    tab.table.setFocus()
    alt(qtbot, tab, Qt.Key.Key_R)  # "Remove link…"
    qtbot.waitUntil(lambda: isinstance(tab.dialog, RemoveLinkDialog), timeout=3000)
    dialog = tab.dialog
    assert isinstance(dialog, RemoveLinkDialog)
    activate(qtbot, dialog)

    alt(qtbot, dialog, Qt.Key.Key_R)  # "Remove link" with no reason
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Write why"), timeout=3000)
    assert len(services.cases.case_file(pid).context_links) == 1

    alt(qtbot, dialog, Qt.Key.Key_W)
    qtbot.keyClicks(dialog.reason, "The information was about another young person.")
    with qtbot.waitSignal(tab.record_changed, timeout=3000):
        alt(qtbot, dialog, Qt.Key.Key_R)
    assert services.cases.case_file(pid).context_links == []
    assert tab.model.rowCount() == 0
    assert "No contexts are linked yet" in tab.details.text()


def test_the_plan_button_asks_for_the_selected_contexts_plan(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str
) -> None:
    park = services.contexts.create(kind="place", name="Skate park")
    services.contexts.link(pid, park, why="Goes there after school")
    tab = open_tab(qtbot, services, tasks, pid)
    with qtbot.waitSignal(tab.plan_requested, timeout=3000) as asked:
        alt(qtbot, tab, Qt.Key.Key_P)  # "Contextual safety plan…"
    assert asked.args == [park]


def test_every_control_has_a_spoken_name(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str
) -> None:
    park = services.contexts.create(kind="place", name="Skate park")
    services.contexts.link(pid, park, why="Goes there after school")
    tab = open_tab(qtbot, services, tasks, pid)
    assert unnamed_controls(tab) == []
    dialog = link_dialog(qtbot, tab)
    assert unnamed_controls(dialog) == []
    alt(qtbot, dialog, Qt.Key.Key_N)
    assert unnamed_controls(dialog) == []
    dialog.reject()
    tab.remove_link()
    assert isinstance(tab.dialog, RemoveLinkDialog)
    assert unnamed_controls(tab.dialog) == []


# -- kept over an idle lock ----------------------------------------------------------------------

BROUGHT_BACK = "Brought back what you had typed before HubDesk locked."


def remove_dialog(qtbot: QtBot, tab: ContextsTab) -> RemoveLinkDialog:
    tab.table.setFocus()
    alt(qtbot, tab, Qt.Key.Key_R)  # "Remove link…"
    qtbot.waitUntil(lambda: isinstance(tab.dialog, RemoveLinkDialog), timeout=3000)
    dialog = tab.dialog
    assert isinstance(dialog, RemoveLinkDialog)
    activate(qtbot, dialog)
    return dialog


def test_a_new_context_typed_is_kept_over_a_lock_and_brought_back(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str
) -> None:
    tab = open_tab(qtbot, services, tasks, pid)
    dialog = link_dialog(qtbot, tab)
    assert not dialog.brought_back.isVisible()
    alt(qtbot, dialog, Qt.Key.Key_N)
    alt(qtbot, dialog, Qt.Key.Key_M)
    qtbot.keyClicks(dialog.name, "Chicken shop, Station Road")
    alt(qtbot, dialog, Qt.Key.Key_P)
    qtbot.keyClicks(dialog.place_type, "Sh")  # Shop or takeaway
    alt(qtbot, dialog, Qt.Key.Key_D)
    qtbot.keyClicks(dialog.description, "Open until 2am")
    alt(qtbot, dialog, Qt.Key.Key_W)
    qtbot.keyClicks(dialog.why, "Given free food by older teenagers.")
    alt(qtbot, dialog, Qt.Key.Key_G)
    qtbot.keyClick(dialog.weight, Qt.Key.Key_Up)
    dialog.keep_and_close()
    qtbot.waitUntil(lambda: tab.dialog is None, timeout=3000)
    assert services.contexts.all() == []
    kept = json.loads(services.drafts.load(f"link_context:{pid}"))
    assert (kept["name"], kept["why"], kept["weight"]) == (
        "Chicken shop, Station Road",
        "Given free food by older teenagers.",
        1,
    )

    activate(qtbot, tab)
    again = link_dialog(qtbot, tab)
    assert again.brought_back.isVisible()
    assert again.brought_back.text() == BROUGHT_BACK
    assert again.source.currentIndex() == 1
    assert (again.name.text(), again.description.toPlainText()) == (
        "Chicken shop, Station Road",
        "Open until 2am",
    )
    assert again.place_type.currentData() == PlaceType.SHOP_OR_TAKEAWAY.value
    assert (again.why.toPlainText(), again.weight.value()) == (
        "Given free food by older teenagers.",
        1,
    )
    with qtbot.waitSignal(tab.record_changed, timeout=3000):
        alt(qtbot, again, Qt.Key.Key_L)
    (link,) = services.cases.case_file(pid).context_links
    assert (link.context.name, link.context.place_type, link.weight) == (
        "Chicken shop, Station Road",
        PlaceType.SHOP_OR_TAKEAWAY,
        1,
    )
    assert services.drafts.load(f"link_context:{pid}") == ""


def test_the_context_chosen_is_brought_back_and_cancel_discards_it(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str
) -> None:
    services.contexts.create(kind="school", name="Northfield Academy")
    library = services.contexts.create(kind="place", name="Central Library")
    tab = open_tab(qtbot, services, tasks, pid)
    dialog = link_dialog(qtbot, tab)
    qtbot.keyClicks(dialog.search, "library")
    alt(qtbot, dialog, Qt.Key.Key_H)
    qtbot.keyClicks(dialog.reliability, "Po")  # Possible
    dialog.keep_and_close()
    kept = json.loads(services.drafts.load(f"link_context:{pid}"))
    assert (kept["page"], kept["context_id"]) == ("existing", library)

    activate(qtbot, tab)
    again = link_dialog(qtbot, tab)
    assert again.choices.currentItem().data(ID_ROLE) == library
    assert again.reliability.currentData() == Reliability.POSSIBLE.value
    assert again.brought_back.text() == BROUGHT_BACK
    qtbot.keyClick(again.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: services.drafts.load(f"link_context:{pid}") == "", timeout=3000)
    assert services.cases.case_file(pid).context_links == []
    activate(qtbot, tab)
    assert not link_dialog(qtbot, tab).brought_back.isVisible()


def test_nothing_typed_keeps_nothing(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str
) -> None:
    services.contexts.create(kind="school", name="Northfield Academy")
    tab = open_tab(qtbot, services, tasks, pid)
    link_dialog(qtbot, tab).keep_and_close()
    assert services.drafts.load(f"link_context:{pid}") == ""


def test_a_reason_for_removing_is_kept_over_a_lock_and_brought_back(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str
) -> None:
    park = services.contexts.create(kind="place", name="Skate park")
    link = services.contexts.link(pid, park, why="Goes there after school")
    tab = open_tab(qtbot, services, tasks, pid)
    dialog = remove_dialog(qtbot, tab)
    alt(qtbot, dialog, Qt.Key.Key_W)
    qtbot.keyClicks(dialog.reason, "Recorded against the wrong young person.")
    dialog.keep_and_close()
    qtbot.waitUntil(lambda: tab.dialog is None, timeout=3000)
    assert len(services.cases.case_file(pid).context_links) == 1
    assert json.loads(services.drafts.load(f"unlink:{link}")) == {
        "reason": "Recorded against the wrong young person."
    }

    activate(qtbot, tab)
    again = remove_dialog(qtbot, tab)
    assert again.reason.toPlainText() == "Recorded against the wrong young person."
    assert again.brought_back.isVisible()
    assert again.brought_back.text() == BROUGHT_BACK
    with qtbot.waitSignal(tab.record_changed, timeout=3000):
        alt(qtbot, again, Qt.Key.Key_R)
    assert services.cases.case_file(pid).context_links == []
    assert services.drafts.load(f"unlink:{link}") == ""


def test_cancel_discards_a_reason_brought_back(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str
) -> None:
    park = services.contexts.create(kind="place", name="Skate park")
    link = services.contexts.link(pid, park, why="Goes there after school")
    services.drafts.save(f"unlink:{link}", json.dumps({"reason": "Not sure yet"}))
    tab = open_tab(qtbot, services, tasks, pid)
    dialog = remove_dialog(qtbot, tab)
    assert dialog.reason.toPlainText() == "Not sure yet"
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: services.drafts.load(f"unlink:{link}") == "", timeout=3000)
    assert len(services.cases.case_file(pid).context_links) == 1


def finish_after_deletion(
    qtbot: QtBot, tasks: Tasks, dialog: LinkContextDialog | RemoveLinkDialog
) -> None:
    """Submit while the write thread is held, delete the dialog, then let the write finish."""
    release = threading.Event()
    tasks.write(lambda: release.wait(5), lambda _: None, lambda _: None)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert not dialog.ok.isEnabled()  # the write is queued behind the held one
    dialog.deleteLater()
    qtbot.waitUntil(lambda: not is_alive(dialog), timeout=3000)
    release.set()
    assert tasks.wait_idle()
    qtbot.wait(50)  # the result is delivered to a deleted dialog: nothing raises


@pytest.mark.parametrize("already_linked", [False, True], ids=["linked", "refused"])
def test_a_link_finishing_after_its_dialog_was_deleted_is_dropped_quietly(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str, already_linked: bool
) -> None:
    school = services.contexts.create(kind="school", name="Northfield Academy")
    if already_linked:
        services.contexts.link(pid, school, why="Attends Year 9")
    dialog = LinkContextDialog(Deps(services, tasks, Settings()), pid, set())
    dialog.show()
    activate(qtbot, dialog)
    alt(qtbot, dialog, Qt.Key.Key_W)
    qtbot.keyClicks(dialog.why, "Attends Year 9")
    finish_after_deletion(qtbot, tasks, dialog)
    assert len(services.cases.case_file(pid).context_links) == 1


@pytest.mark.parametrize("removed_meanwhile", [False, True], ids=["removed", "refused"])
def test_a_removal_finishing_after_its_dialog_was_deleted_is_dropped_quietly(
    qtbot: QtBot, services: Services, tasks: Tasks, pid: str, removed_meanwhile: bool
) -> None:
    park = services.contexts.create(kind="place", name="Skate park")
    link_id = services.contexts.link(pid, park, why="Goes there after school")
    (link,) = services.cases.case_file(pid).context_links
    if removed_meanwhile:
        services.contexts.unlink(link_id, "Removed on another screen")
    dialog = RemoveLinkDialog(Deps(services, tasks, Settings()), link)
    dialog.show()
    activate(qtbot, dialog)
    alt(qtbot, dialog, Qt.Key.Key_W)
    qtbot.keyClicks(dialog.reason, "Recorded against the wrong young person.")
    finish_after_deletion(qtbot, tasks, dialog)
    assert services.cases.case_file(pid).context_links == []
