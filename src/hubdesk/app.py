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
from hubdesk.views.qt import QApplication
from hubdesk.views.unlock import UnlockScreen

if TYPE_CHECKING:
    from hubdesk.services import Services
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
        return _run_unlocked_app(vault_dir)
    finally:
        instance.release()


def _run_unlocked_app(vault_dir: Path) -> int:
    from hubdesk.store.vault import Vault

    install_crash_hooks()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    state: dict[str, object] = {}

    def try_unlock(secret: bytearray) -> str | None:
        try:
            state["vault"] = Vault.open(vault_dir, secret)
        except HubDeskError as exc:
            return exc.message
        finally:
            wipe(secret)
        return None

    unlock = UnlockScreen(vault_dir.name, try_unlock)

    def show_main() -> None:
        from hubdesk.services import Services
        from hubdesk.views.main_window import MainWindow

        vault = state["vault"]
        assert isinstance(vault, Vault)
        services = Services(vault)
        window = MainWindow(case_rows(services), vault.practitioner)
        state["window"] = window
        unlock.close()
        window.show()

    unlock.unlocked.connect(show_main)
    unlock.resize(420, 220)
    unlock.show()
    status = app.exec()
    vault = state.get("vault")
    if isinstance(vault, Vault):
        vault.close()
    return int(status)
