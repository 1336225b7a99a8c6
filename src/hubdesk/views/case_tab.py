"""What every tab of the case view shares: what it is given and what it promises.

A tab shows one young person's :class:`CaseFile` (read in one transaction on the UI thread:
a few milliseconds, bench/startup.py) and writes only through the services, on the write
thread (:class:`Tasks`), through :class:`Autosave` for anything typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubdesk.services import Services
from hubdesk.services.cases import CaseFile
from hubdesk.settings import Settings
from hubdesk.views.qt import QWidget, Signal
from hubdesk.views.tasks import Tasks

#: Where a practitioner was (record ids, field names, cursor positions; never typed text),
#: kept in memory across an idle lock so unlocking returns to the same place.
ViewState = dict[str, Any]


@dataclass
class Deps:
    """What a screen needs, passed in (never reached for globally)."""

    services: Services
    tasks: Tasks
    settings: Settings


class CaseTab(QWidget):
    #: The tab wrote something the other tabs show (finalised a note, submitted a plan,
    #: linked a context): the case view reloads the case into the other tabs.
    record_changed = Signal()
    #: Text for the window's status bar ("Saved at 14:02", or why a save was refused).
    status = Signal(str)

    #: The tab's title in the case view.
    title = ""

    def __init__(self, deps: Deps) -> None:
        super().__init__()
        self.deps = deps

    def show_case(self, case: CaseFile) -> None:
        """Show this young person. Called again after another tab changed something: an
        editor open on the same record keeps what is being typed."""
        raise NotImplementedError

    def flush(self) -> bool:
        """Save anything typed and wait; True when it is all in the vault. Tabs without
        editors have nothing to save."""
        return True

    def settings_changed(self) -> None:
        """The practitioner changed a setting (File → Settings). Tabs read settings when they
        show a case, and the case view shows it again next; a tab that holds a setting in a
        widget of its own (large type) updates it here."""

    def view_state(self) -> ViewState:
        """Where the practitioner is in this tab (see :data:`ViewState`)."""
        return {}

    def restore_view_state(self, state: ViewState) -> None:
        """Go back to :meth:`view_state`'s place after an unlock. A tab with nothing to
        return to (no editor, no selection) ignores it."""
        del state
