"""The first screens: unlock with a wrong then right passphrase, then the caseload model."""

from __future__ import annotations

from datetime import date

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from hubdesk.services import Services
from hubdesk.settings import Settings
from hubdesk.store.vault import Vault
from hubdesk.views.case_tab import Deps
from hubdesk.views.caseload_model import ID_ROLE, CaseloadTableModel, CaseRow
from hubdesk.views.main_window import MainWindow
from hubdesk.views.qt import Qt
from hubdesk.views.tasks import Tasks
from hubdesk.views.unlock import UnlockScreen
from tests.conftest import PASSPHRASE


def test_the_unlock_screen_hands_over_the_passphrase_and_shows_problems(
    qtbot: QtBot,
) -> None:
    screen = UnlockScreen("Vault folder: /somewhere")
    qtbot.addWidget(screen)
    with qtbot.assertNotEmitted(screen.passphrase_entered):
        qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    assert screen.message.text() == "Type your passphrase first."
    qtbot.keyClicks(screen.passphrase, PASSPHRASE)
    with qtbot.waitSignal(screen.passphrase_entered, timeout=2000) as entered:
        qtbot.mouseClick(screen.button, Qt.MouseButton.LeftButton)
    assert entered.args == [bytearray(PASSPHRASE.encode())]
    assert screen.passphrase.text() == ""
    assert not screen.button.isEnabled()
    screen.show_problem("That passphrase does not open this vault.")
    assert screen.button.isEnabled()
    assert screen.message.text() == "That passphrase does not open this vault."


def test_caseload_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    rows = [
        CaseRow("a", "Zoë O'Neill", "Moderate", date(2026, 12, 1), "Missing"),
        CaseRow("b", "Aled Price", "Not screened", None, ""),
    ]
    model = CaseloadTableModel(rows)
    qtmodeltester.check(model)
    assert model.data(model.index(0, 2)) == "01/12/2026"
    assert model.data(model.index(1, 0), ID_ROLE) == "b"


def test_main_window_lists_the_caseload(qtbot: QtBot, services: Services) -> None:
    services.cases.add(given_name="Siân", family_name="O'Donnell")
    window = MainWindow(Deps(services, Tasks(), Settings()), "Test Practitioner")
    qtbot.addWidget(window)
    model = window.caseload.table.model()
    assert model.rowCount() == 1
    # The caseload pane is narrow beside the case: each row reads as two lines.
    assert model.data(model.index(0, 0)) == "Siân O'Donnell\nNot screened · no review date"


def test_unexpected_errors_leave_a_report_without_the_message(capsys, monkeypatch) -> None:
    import sys
    import threading

    from hubdesk import config
    from hubdesk.app import install_crash_hooks

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    install_crash_hooks()
    secret = "Ottoline Blackwood-Fairweather said something private"
    try:
        raise RuntimeError(secret)
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    err = capsys.readouterr().err
    assert "did not expect" in err
    assert secret not in err
    reports = list(config.log_dir().glob("crash-*.txt"))
    assert reports
    assert all(secret not in r.read_text() for r in reports)
    assert "RuntimeError" in reports[0].read_text()


def test_a_second_window_on_the_same_vault_is_refused(vault: Vault, vault_dir, capsys) -> None:
    from hubdesk.app import run
    from hubdesk.store.instance import InstanceLock

    vault.close()
    with InstanceLock(vault_dir):
        assert run(vault_dir) == 1
    assert "already open on the vault" in capsys.readouterr().err


def test_the_caseload_sorts_by_each_column_with_unknown_dates_last() -> None:
    rows = [
        CaseRow("a", "zoë Hall", "Moderate", date(2026, 12, 1), ""),
        CaseRow("b", "Aled Price", "Emerging", None, "Missing"),
        CaseRow("c", "Bryn Ellis", "Significant", date(2026, 11, 20), ""),
    ]
    model = CaseloadTableModel(rows)
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert [model.data(model.index(r, 0)) for r in range(3)] == [
        "Aled Price",
        "Bryn Ellis",
        "zoë Hall",
    ]
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert [model.data(model.index(r, 0), ID_ROLE) for r in range(3)] == ["c", "a", "b"]
    model.sort(2, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0), ID_ROLE) == "b"
