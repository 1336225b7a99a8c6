"""Dialogs whose typed text survives a lock: kept in the vault as a draft when a lock closes
them, brought back (and said so) when they are next opened, discarded on Cancel or once the
record is written."""

from __future__ import annotations

from typing import Any

from hubdesk.services.drafts import BROUGHT_BACK, DraftService, FieldsDraft
from hubdesk.views.qt import QDialog, QLabel, QWidget, is_alive
from hubdesk.views.tasks import Tasks
from hubdesk.views.widgets import message_label, problem_words


def _reported(exc: BaseException) -> None:
    """A draft write failed with its dialog closed: nowhere to say so; anything unexpected
    goes to the crash report."""
    problem_words(exc)


def _dropped(_: object) -> None:
    """A draft write finished; its dialog may be gone, and there is nothing to show."""


#: Callbacks for a draft write whose result nobody waits for.
discard_quietly = (_dropped, _reported)


def brought_back_label(draft: FieldsDraft) -> QLabel:
    label = message_label("Brought back")
    label.setText(BROUGHT_BACK if draft.brought_back else "")
    label.setVisible(bool(draft.brought_back))
    return label


class KeptDraftDialog(QDialog):
    def __init__(
        self, tasks: Tasks, drafts: DraftService, draft_key: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self._busy = False
        #: Closed by a lock: what is typed is kept, and late write results are not wanted.
        self._kept = False
        self.draft = FieldsDraft(drafts, draft_key)
        self.brought_back = brought_back_label(self.draft)

    def typed(self) -> dict[str, Any]:
        """What was typed, by field; empty when nothing was."""
        raise NotImplementedError

    def keep_and_close(self) -> None:
        """Before a lock: keep what was typed as a draft (waiting for the vault to have it:
        the lock closes the vault next), then close without writing the record."""
        self._kept = True
        typed = self.typed()
        if typed or self.draft.brought_back:
            self.tasks.write(self.draft.keeper(typed), *discard_quietly)
            self.tasks.wait_idle()
        super().reject()

    def reject(self) -> None:
        """Cancel: nothing is written, and a draft brought back goes (they do not want it)."""
        if self._busy:  # the write is under way; the screen behind must learn of it
            return
        if self.draft.brought_back:
            self.tasks.write(self.draft.discarder(), *discard_quietly)
        super().reject()

    def _gone(self) -> bool:
        """Deleted (the window went at a lock) or closed by a lock: the result is not wanted;
        the vault has the record anyway."""
        return not is_alive(self) or self._kept
