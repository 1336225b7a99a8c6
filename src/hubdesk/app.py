"""QApplication bootstrap: the unlock screen (or, on first run, the create-vault screen), then
the main window on the unlocked vault, syncing with the hub in the background.

Only what the unlock screen needs is imported before it shows; the vault, services and the
main window load once the passphrase is accepted.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from hubdesk import logs
from hubdesk.collector import SessionCollector
from hubdesk.errors import HubDeskError
from hubdesk.settings import Settings
from hubdesk.store.secrets_util import wipe
from hubdesk.views.qt import QApplication, QByteArray, QMessageBox, QTimer, QWidget
from hubdesk.views.unlock import UnlockScreen

if TYPE_CHECKING:
    from hubdesk.store.vault import Vault
    from hubdesk.views.case_tab import ViewState
    from hubdesk.views.create_vault import CreateVaultScreen
    from hubdesk.views.main_window import MainWindow


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
    """Create or unlock → main window → (idle or Ctrl+L) → lock → unlock again, on one vault.

    Locking first saves what was typed, notes where the practitioner was (record ids and
    cursor positions, never text), then closes the vault (every connection) and overwrites its
    key in memory; the main window is closed with it, rebuilt after the next unlock and
    returned to the same place.
    """

    def __init__(
        self,
        app: QApplication,
        vault_dir: Path,
        settings: Settings,
        *,
        observe_only: bool = False,
        collector: SessionCollector | None = None,
    ) -> None:
        """``collector`` (which ``run`` passes) settles once each main window has shown,
        and thaws when the vault closes, so the session's objects go with it."""
        from hubdesk.views.idle import IdleWatcher
        from hubdesk.views.tasks import Tasks

        self.app = app
        self.vault_dir = vault_dir
        self.settings = settings
        #: True for gui-smoke: rendering screens writes neither the settings file nor the vault.
        self.observe_only = observe_only
        self.collector = collector
        self.vault: Vault | None = None
        self.window: MainWindow | None = None
        self.saved_view: ViewState | None = None
        #: Shown when the hub revoked this laptop, until the person has read it.
        self.notice: QMessageBox | None = None
        #: True while ``lock`` or ``revoked`` closes the vault: a save they wait for may let
        #: the event loop in (a dialog's flush), and with it another lock or a revocation.
        self._closing = False
        self.tasks = Tasks()
        self.unlock = UnlockScreen(f"Vault folder: {vault_dir}")
        self.unlock.passphrase_entered.connect(self._unlock_in_background)
        self.unlock.resize(460, 240)
        self.create: CreateVaultScreen | None = None
        self.idle = IdleWatcher(settings.idle_lock_minutes * 60_000)
        self.idle.idle.connect(self.lock)
        self.idle.lock_key.connect(self.lock)  # Ctrl+L in a dialog or another HubDesk window
        from hubdesk.views.session_watch import SessionWatcher

        #: The desktop session locking, or the laptop going to sleep, locks HubDesk too.
        self.session = SessionWatcher()
        self.session.session_locked.connect(self.lock)
        app.installEventFilter(self.idle)

    def start(self) -> None:
        from hubdesk.store.vault import Vault

        if Vault.exists(self.vault_dir):
            self.unlock.show()
            return
        from hubdesk.views.create_vault import CreateVaultScreen

        self.create = CreateVaultScreen(f"Vault folder: {self.vault_dir}")
        self.create.create_requested.connect(self._create_in_background)
        self.create.resize(520, 460)
        self.create.show()

    # -- opening -------------------------------------------------------------------------
    def open_vault(self, secret: bytearray) -> Vault:
        """Open the vault (raising a HubDeskError with the reason); the secret is wiped.
        Safe to call off the UI thread: it touches no widget and no Desktop state."""
        from hubdesk.store.vault import Vault

        try:
            return Vault.open(self.vault_dir, secret)
        finally:
            wipe(secret)

    def create_vault(self, practitioner: str, secret: bytearray) -> Vault:
        """Create the vault on first run; like :meth:`open_vault`, safe off the UI thread."""
        from hubdesk.store.vault import Vault

        try:
            return Vault.create(self.vault_dir, secret, practitioner)
        finally:
            wipe(secret)

    def _unlock_in_background(self, secret: bytearray) -> None:
        self.tasks.write(lambda: self.open_vault(secret), self._unlocked, self._unlock_failed)

    def _create_in_background(self, practitioner: str, secret: bytearray) -> None:
        self.tasks.write(
            lambda: self.create_vault(practitioner, secret), self._created, self._create_failed
        )

    def _unlocked(self, vault: Vault) -> None:
        self.vault = vault
        self.unlock.reset()
        self.show_main()

    def _created(self, vault: Vault) -> None:
        if self.create is not None:
            self.create.hide()
            self.create.deleteLater()
            self.create = None
        self._unlocked(vault)

    def _unlock_failed(self, exc: BaseException) -> None:
        self.unlock.show_problem(_problem_words(exc, "open"))

    def _create_failed(self, exc: BaseException) -> None:
        if self.create is not None:
            self.create.show_problem(_problem_words(exc, "create"))

    # -- the main window -----------------------------------------------------------------
    def show_main(self) -> None:
        from hubdesk.services import Services
        from hubdesk.views.case_tab import Deps
        from hubdesk.views.main_window import MainWindow

        assert self.vault is not None
        deps = Deps(Services(self.vault), self.tasks, self.settings)
        window = MainWindow(deps, self.vault.practitioner)
        window.lock_requested.connect(self.lock)
        window.sync.revoked.connect(self.revoked)
        window.settings_requested.connect(self.edit_settings)
        window.closing.connect(self._remember_geometry)
        if self.settings.window_geometry:
            window.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        self.window = window
        window.show()
        self.unlock.hide()
        if self.saved_view:
            window.restore_view_state(self.saved_view)
            self.saved_view = None
        self.idle.start()
        if self.collector is not None:
            QTimer.singleShot(0, self._settle)  # back in the event loop, not inside the unlock
        if not self.observe_only:
            # The vault keeps every tool version it has seen, so its screenings outlive
            # HubDesk updates that stop shipping a version.
            self.tasks.write(deps.services.definitions.remember_shipped, _ignore, self._not_kept)
            window.sync.start()

    def _settle(self) -> None:
        if self.collector is not None and self.window is not None:  # not locked meanwhile
            self.collector.settle()

    def _not_kept(self, error: BaseException) -> None:
        from hubdesk.views.widgets import problem_words

        logging.getLogger(__name__).warning("Screening tools not kept: %s", type(error).__name__)
        if self.window is not None:
            self.window.show_status(problem_words(error))

    def edit_settings(self) -> None:
        from hubdesk.settings import save_settings
        from hubdesk.views.settings_dialog import edit_settings

        window = self.window
        if window is None:
            return
        changed = edit_settings(window, self.settings)
        if changed is None or self.window is not window:  # cancelled, or locked meanwhile
            return
        # One Settings object is shared with every screen: change it in place.
        for name in type(changed).model_fields:
            setattr(self.settings, name, getattr(changed, name))
        self.idle.set_timeout(self.settings.idle_lock_minutes * 60_000)
        if not self.observe_only:
            _save_quietly(save_settings, self.settings)
        window.apply_settings()

    def _remember_geometry(self) -> None:
        from hubdesk.settings import save_settings

        if self.window is None:
            return
        # One Settings object is shared with the window's screens (large type is changed
        # there), so it is updated in place, never replaced behind their backs.
        self.settings.window_geometry = bytes(self.window.saveGeometry().toBase64().data()).decode()
        if not self.observe_only:
            _save_quietly(save_settings, self.settings)

    def lock(self) -> None:
        """Save, remember the place, close the vault and drop the key; ask again."""
        if self.vault is None or self._closing:
            return  # locked already (or not yet unlocked), or being closed already
        with self._closing_the_vault():
            self._lock()

    @contextmanager
    def _closing_the_vault(self) -> Iterator[None]:
        self._closing = True
        try:
            yield
        finally:
            self._closing = False

    def _lock(self) -> None:
        self.idle.stop()
        window = self.window
        if window is not None:
            window.sync.stop()  # never waits for the hub: see views/sync_run.py
            window.close_dialogs()  # their typed text is kept as drafts first
            window.clear_copied()  # case text copied from HubDesk stays no longer than this
            window.flush()
            self.tasks.settle()  # the saves done and answered while their screens exist
            # The place is read before the unlock screen takes the focus away.
            self.saved_view = window.view_state()
        self.unlock.reset("HubDesk locked itself to keep the records safe.")
        self.unlock.show()  # before the window closes, so the app never has no window
        if window is not None:
            self._drop(window)  # closing saves the geometry
        self.close_vault()

    def _drop(self, window: MainWindow) -> None:
        """Close the main window and let it go. Qt deletes it back in the event loop (never
        inside the key press that locked); once it has, the session's objects (held in
        cycles, so not freed by their last reference) are collected."""
        window.close()
        if self.collector is not None:
            window.destroyed.connect(lambda: QTimer.singleShot(0, self._collect_session))
        window.deleteLater()
        self.window = None

    def _collect_session(self) -> None:
        if self.collector is not None:
            self.collector.collect()

    def close_vault(self) -> None:
        """Close the vault once every queued write has finished (a write holds the key) and a
        sync in progress has let go of it.

        The writes' answers are delivered before it closes (``Tasks.settle``): each comes
        to the UI thread through the event loop, and one left queued would run after the
        close, against a vault no longer there; a write one of them starts is waited for
        and answered too."""
        if self.window is not None:
            self.window.sync.stop()
        self.tasks.settle()
        if self.vault is not None:
            self.vault.close()
            self.vault = None
        if self.collector is not None:
            self.collector.thaw()  # what the session froze may be freed now

    def revoked(self) -> None:
        """The hub withdrew this laptop's access: close the window and the vault, wipe the
        vault, say so, then return to the start screen.

        The wipe comes before the person has read the message, not after: a message left
        open must not keep a revoked vault open behind it (and the words say it has been
        wiped). The wipe runs here on the UI thread: there is nothing left to type into, and
        the start screen must not open on a half-wiped folder.
        """
        if self._closing:
            # Told while a lock closes the vault (a save it waits for let this in): once the
            # lock has closed it, the vault is wiped all the same.
            QTimer.singleShot(0, self.revoked)
            return
        with self._closing_the_vault():
            self._revoked()

    def _revoked(self) -> None:
        from hubdesk.commands.hub import REVOKED_WORDS
        from hubdesk.store.wipe import wipe_vault

        self.idle.stop()
        self.unlock.hide()  # (shown by a lock just before: there is no vault to unlock now)
        window = self.window
        if window is not None:
            window.sync.stop()
            window.close_dialogs()
        self.notice = QMessageBox(
            QMessageBox.Icon.Warning, "This laptop's access was withdrawn", REVOKED_WORDS
        )
        self.notice.finished.connect(self._revocation_read)
        self.notice.open()  # before the window closes, so the app never has no window
        if window is not None:
            self._drop(window)
        self.saved_view = None
        self.close_vault()
        try:
            wipe_vault(self.vault_dir)
        except OSError as exc:
            logging.getLogger(__name__).error("Vault not wiped: %s", type(exc).__name__)
            self.notice.setText(
                "The hub says this laptop's access was withdrawn (the device was revoked), "
                f"but HubDesk could not remove every file of the vault in {self.vault_dir}. "
                "Delete that folder, and ask your hub's IT team to check this laptop."
            )

    def _revocation_read(self) -> None:
        self.notice = None
        self.start()


def _problem_words(exc: BaseException, doing: str) -> str:
    from hubdesk.views.widgets import problem_words

    return problem_words(
        exc,
        f"HubDesk could not {doing} the vault because of a problem it did not expect. "
        "Nothing in the vault has been changed.",
    )


def _save_quietly(save: Callable[[Settings], None], settings: Settings) -> None:
    """Settings are preferences: failing to write them (a full disk) must not stop work."""
    try:
        save(settings)
    except OSError:
        logging.getLogger(__name__).warning("Settings could not be saved", exc_info=False)


def run(vault_dir: Path) -> int:
    from hubdesk.store.instance import InstanceLock

    try:
        vault_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        print(f"HubDesk cannot use the vault folder {vault_dir}: {exc.strerror}.", file=sys.stderr)
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


def desktop_for(app: QApplication, vault_dir: Path) -> Desktop:
    """The desktop ``run`` starts: the person's settings (a warning about them shown on the
    unlock screen) and the desktop's collector."""
    from hubdesk.settings import load_settings

    settings, warning = load_settings()
    desktop = Desktop(app, vault_dir, settings, collector=SessionCollector())
    if warning:
        desktop.unlock.message.setText(warning)
    return desktop


def _run_desktop(vault_dir: Path) -> int:
    install_crash_hooks()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    desktop = desktop_for(app, vault_dir)
    desktop.start()
    try:
        return int(app.exec())
    finally:
        if desktop.window is not None:
            desktop.window.flush()
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
    from hubdesk.settings import Settings

    app = QApplication.instance() or QApplication(["hubdesk-gui-smoke"])
    assert isinstance(app, QApplication)
    desktop = Desktop(app, vault_dir, Settings(idle_lock_minutes=60), observe_only=True)
    shots = _Shots(app, out)
    try:
        shots.grab(desktop.unlock, "unlock", (460, 240))
        desktop.vault = desktop.open_vault(bytearray(passphrase))
        desktop.show_main()
        assert desktop.window is not None
        _render_main(shots, desktop.window)
        desktop.lock()
        shots.grab(desktop.unlock, "unlock-after-lock", (460, 240))
        from hubdesk.views.create_vault import CreateVaultScreen

        shots.grab(CreateVaultScreen(f"Vault folder: {vault_dir}"), "create-vault", (520, 460))
    finally:
        desktop.close_vault()
        app.removeEventFilter(desktop.idle)
    return shots.files


class _Shots:
    def __init__(self, app: QApplication, out: Path) -> None:
        self.app, self.out, self.files = app, out, list[Path]()

    def grab(self, widget: QWidget, name: str, size: tuple[int, int] = (1200, 760)) -> None:
        widget.resize(*size)
        widget.show()
        self.app.processEvents()
        path = self.out / f"{name}.png"
        widget.grab().save(str(path))
        self.files.append(path)


def _render_main(shots: _Shots, window: MainWindow) -> None:
    """The caseload, then one young person's case tab by tab (the case with the most to show:
    a plan with several versions, contexts, notes), then sync's screens on that case."""
    from hubdesk.views.contexts_tab import ContextsTab
    from hubdesk.views.history_tabs import MissingTab, TimelineTab
    from hubdesk.views.notes_tab import NotesTab
    from hubdesk.views.plan_tab import PlanTab
    from hubdesk.views.qt import QFont
    from hubdesk.views.screenings_tab import ScreeningsTab

    shots.grab(window, "caseload")
    services = window.deps.services
    people = services.cases.caseload()
    if not people:
        return  # an empty vault has a caseload screen and nothing more to show
    chosen = max(
        (services.cases.case_file(p.id) for p in people),
        key=lambda c: (
            max((len(p.versions) for p in c.plans), default=0),
            len(c.context_links) > 0,
            len(c.notes),
        ),
    )
    pid = chosen.young_person.id
    window.caseload.select_case(pid)
    window.case_view.show_case(pid)
    shots.grab(window, "case-overview")
    view = window.case_view
    for tab_type, name in (
        (ScreeningsTab, "screenings"),
        (PlanTab, "plan-editor"),
        (NotesTab, "notes"),
        (ContextsTab, "contexts"),
        (MissingTab, "missing-episodes"),
        (TimelineTab, "timeline"),
    ):
        view.tabs.setCurrentWidget(view.tab_of(tab_type))
        shots.grab(window, name)
    _render_screenings(shots, window)
    _render_dialogs(shots, window)
    plan_tab = view.tab_of(PlanTab)
    assert isinstance(plan_tab, PlanTab)
    view.tabs.setCurrentWidget(plan_tab)
    plan_tab.open_compare()
    if plan_tab.compare_dialog is not None:
        shots.grab(plan_tab.compare_dialog, "plan-comparison", (1000, 640))
        plan_tab.compare_dialog.close()
    from hubdesk.views.sync_smoke import render_sync

    view.tabs.setCurrentIndex(0)
    render_sync(shots.grab, window)
    font = shots.app.font()
    large = QFont(font)
    large.setPointSizeF(font.pointSizeF() * 2)
    shots.app.setFont(large)
    try:  # a window opened at 200% text, as a practitioner with large text would see it
        from hubdesk.views.main_window import MainWindow

        big = MainWindow(window.deps, "Demo Practitioner")
        big.caseload.select_case(pid)
        big.case_view.show_case(pid)
        shots.grab(big, "case-overview-200-percent-text", (1920, 1080))
        big.close()
    finally:
        shots.app.setFont(font)


def _render_dialogs(shots: _Shots, window: MainWindow) -> None:
    """The dialogs a practitioner meets: a new young person, linking a context, a contextual
    plan, and the settings."""
    from hubdesk.views.context_plan_dialog import open_context_plan
    from hubdesk.views.contexts_tab import ContextsTab
    from hubdesk.views.settings_dialog import SettingsDialog

    window.caseload.new_young_person()
    if window.caseload.new_case_dialog is not None:
        shots.grab(window.caseload.new_case_dialog, "new-young-person", (520, 360))
        window.caseload.new_case_dialog.reject()
    contexts = window.case_view.tab_of(ContextsTab)
    assert isinstance(contexts, ContextsTab)
    contexts.link_context()
    if contexts.dialog is not None:
        shots.grab(contexts.dialog, "link-context", (620, 560))
        contexts.dialog.reject()
    # Only a context that has a plan already: rendering must not write to the vault.
    plans = window.deps.services.plans
    with_plan = next(
        (c.id for c in window.deps.services.contexts.all() if plans.for_context(c.id)), None
    )
    if with_plan is not None:
        plan = open_context_plan(window.deps, with_plan, window)
        shots.app.processEvents()
        window.deps.tasks.wait_idle()
        shots.app.processEvents()
        shots.grab(plan, "contextual-plan", (1000, 700))
        plan.flush()
        plan.hide()
    shots.grab(SettingsDialog(window.deps.settings, window), "settings", (520, 320))


def _render_screenings(shots: _Shots, window: MainWindow) -> None:
    """A completed screening read as it was filled, then a new one (nothing is written until
    something is answered)."""
    from hubdesk.views.screenings_tab import ScreeningsTab

    view = window.case_view
    tab = view.tab_of(ScreeningsTab)
    assert isinstance(tab, ScreeningsTab)
    view.tabs.setCurrentWidget(tab)
    case = view.case
    done = [s for s in case.screenings if s.is_frozen()] if case is not None else []
    if done and tab.open_screening(done[0].id):
        shots.grab(window, "screening-completed")
    tab.start_new()
    shots.grab(window, "screening-new")
    tab.back_to_list()


def _ignore(_value: object) -> None:
    """A write whose result nobody waits for."""
