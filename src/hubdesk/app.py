"""QApplication bootstrap: the unlock screen, then the main window on the unlocked vault.

Only what the unlock screen needs is imported before it shows; the vault, services and the
main window load once the passphrase is accepted.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from hubdesk import logs
from hubdesk.errors import HubDeskError
from hubdesk.store.secrets_util import wipe
from hubdesk.views.qt import QApplication, QMainWindow, QWidget
from hubdesk.views.unlock import UnlockScreen

if TYPE_CHECKING:
    from hubdesk.services import Services
    from hubdesk.store.vault import Vault
    from hubdesk.views.caseload_model import CaseRow


def case_rows(services: Services) -> list[CaseRow]:
    from hubdesk.views.caseload_model import CaseRow

    rows: list[CaseRow] = []
    for person in services.cases.caseload():
        flags = [
            label
            for on, label in (
                (person.flag_missing, "Missing"),
                (person.flag_nrm_referral, "NRM referral"),
                (person.flag_looked_after, "Looked after"),
            )
            if on
        ]
        level = (
            person.level.value.replace("_", " ").capitalize() if person.level else "Not screened"
        )
        rows.append(
            CaseRow(
                person.id, person.display_name, level, person.next_review_date, ", ".join(flags)
            )
        )
    return rows


def install_crash_hooks() -> None:
    """Unexpected errors (also in Qt slots and threads) leave a report without personal data;
    their messages, which can hold typed text, are never printed or logged."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        report = logs.write_crash_report(exc_type, tb)
        print(
            "HubDesk met a problem it did not expect. Everything saved before it is kept. "
            f"A report without personal data is in {report}.",
            file=sys.stderr,
        )

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook


class Desktop:
    """Unlock → main window → (idle or Ctrl+L) → lock → unlock again, on one vault.

    Locking closes the vault (every connection) and overwrites its key in memory; the main
    window is closed with it, and rebuilt from the vault after the next unlock.
    """

    def __init__(self, app: QApplication, vault_dir: Path, idle_minutes: int) -> None:
        from hubdesk.views.idle import IdleWatcher

        self.app = app
        self.vault_dir = vault_dir
        self.vault: Vault | None = None
        self.window: QMainWindow | None = None
        from hubdesk.views.tasks import Tasks

        self.tasks = Tasks()
        self.unlock = UnlockScreen(f"Vault folder: {vault_dir}")
        self.unlock.passphrase_entered.connect(self._unlock_in_background)
        self.unlock.resize(460, 240)
        self.idle = IdleWatcher(idle_minutes * 60_000)
        self.idle.idle.connect(self.lock)
        app.installEventFilter(self.idle)

    def start(self) -> None:
        self.unlock.show()

    def open_vault(self, secret: bytearray) -> Vault:
        """Open the vault (raising a HubDeskError with the reason); the secret is wiped.
        Safe to call off the UI thread: it touches no widget and no Desktop state."""
        from hubdesk.store.vault import Vault

        try:
            return Vault.open(self.vault_dir, secret)
        finally:
            wipe(secret)

    def _unlock_in_background(self, secret: bytearray) -> None:
        self.tasks.write(lambda: self.open_vault(secret), self._unlocked, self._unlock_failed)

    def _unlocked(self, vault: Vault) -> None:
        self.vault = vault
        self.unlock.reset()
        self.show_main()

    def _unlock_failed(self, exc: BaseException) -> None:
        if isinstance(exc, HubDeskError):
            self.unlock.show_problem(exc.message)
            return
        sys.excepthook(type(exc), exc, exc.__traceback__)
        self.unlock.show_problem(
            "HubDesk could not open the vault because of a problem it did not expect. "
            "Nothing in the vault has been changed."
        )

    def show_main(self) -> None:
        from hubdesk.services import Services
        from hubdesk.views.main_window import MainWindow

        assert self.vault is not None
        services = Services(self.vault)
        window = MainWindow(case_rows(services), self.vault.practitioner)
        window.lock_requested.connect(self.lock)
        self.window = window
        self.unlock.hide()
        window.show()
        self.idle.start()

    def lock(self) -> None:
        self.idle.stop()
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
        self.close_vault()
        self.unlock.reset("HubDesk locked itself to keep the records safe.")
        self.unlock.show()

    def close_vault(self) -> None:
        self.tasks.wait_idle()
        if self.vault is not None:
            self.vault.close()
            self.vault = None


def run(vault_dir: Path) -> int:
    from hubdesk.store.instance import InstanceLock
    from hubdesk.store.vault import Vault

    if not Vault.exists(vault_dir):
        print(
            f"There is no vault in {vault_dir}. Create one with: hubdesk vault init --vault "
            f"{vault_dir}",
            file=sys.stderr,
        )
        return 1
    instance = InstanceLock(vault_dir)
    try:
        instance.acquire()
    except HubDeskError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    try:
        return _run_desktop(vault_dir)
    finally:
        instance.release()


def _run_desktop(vault_dir: Path) -> int:
    from hubdesk.settings import load_settings

    install_crash_hooks()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    settings, warning = load_settings()
    desktop = Desktop(app, vault_dir, settings.idle_lock_minutes)
    if warning:
        desktop.unlock.message.setText(warning)
    desktop.start()
    try:
        return int(app.exec())
    finally:
        desktop.close_vault()


def gui_smoke(out: Path, vault_dir: Path | None, passphrase: bytearray | None) -> list[Path]:
    """Render every main screen offscreen to PNG files in ``out``; returns the files.

    Without a vault, a temporary demo vault with a small fictional caseload is made and removed.
    """
    import os
    import shutil
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out.mkdir(parents=True, exist_ok=True)
    temp: Path | None = None
    if vault_dir is None:
        from hubdesk.services import Services
        from hubdesk.services.demo import DEMO_PRACTITIONER, seed_demo
        from hubdesk.store.vault import Vault

        temp = Path(tempfile.mkdtemp(prefix="hubdesk-smoke-"))
        vault_dir = temp / "vault"
        passphrase = bytearray(b"gui smoke only: fictional demo vault")
        with Vault.create(vault_dir, bytearray(passphrase), DEMO_PRACTITIONER) as vault:
            seed_demo(Services(vault), cases=24, seed=3)
    assert passphrase is not None
    try:
        return _render(out, vault_dir, passphrase)
    finally:
        wipe(passphrase)
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def _render(out: Path, vault_dir: Path, passphrase: bytearray) -> list[Path]:
    app = QApplication.instance() or QApplication(["hubdesk-gui-smoke"])
    assert isinstance(app, QApplication)
    desktop = Desktop(app, vault_dir, idle_minutes=60)
    files: list[Path] = []

    def grab(widget: QWidget, name: str) -> None:
        widget.resize(1000, 640) if isinstance(widget, QMainWindow) else widget.resize(460, 240)
        widget.show()
        app.processEvents()
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        files.append(path)

    try:
        grab(desktop.unlock, "unlock")
        desktop.vault = desktop.open_vault(bytearray(passphrase))
        desktop.show_main()
        assert desktop.window is not None
        grab(desktop.window, "caseload")
        desktop.lock()
        grab(desktop.unlock, "unlock-after-lock")
    finally:
        desktop.close_vault()
        app.removeEventFilter(desktop.idle)
    return files
