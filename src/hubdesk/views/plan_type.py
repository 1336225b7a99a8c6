"""Large type: the plan in bigger text, for reading it together with the young person beside
the practitioner. A checkable action (Ctrl+Shift+T) and a button for it; the choice is the
practitioner's setting, kept between sessions by the caller.

Only the plan itself grows (``scaled``); what is said about it above and below stays the
window's size, so with large text everywhere the plan still has most of the height.
"""

from __future__ import annotations

from collections.abc import Callable

from hubdesk.views.qt import QAction, QFont, QKeySequence, QObject, Qt, QToolButton, QWidget
from hubdesk.views.widgets import named

#: About 160 %: comfortably readable across a desk, and the form still fits a laptop screen.
FACTOR = 1.6
SHORTCUT = "Ctrl+Shift+T"


class LargeType(QObject):
    def __init__(
        self,
        target: QWidget,
        on: bool,
        chosen: Callable[[bool], None],
        scaled: QWidget | None = None,
    ) -> None:
        """``target`` holds the shortcut (it works anywhere inside it); ``scaled`` (default:
        ``target``) is what grows."""
        super().__init__(target)
        self._target, self._chosen = scaled or target, chosen
        self._following = False
        self.action = QAction("Large type", target)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.action.setToolTip(f"Bigger text, to read the plan together ({SHORTCUT})")
        target.addAction(self.action)
        self.button = named(
            QToolButton(),
            "Large type",
            f"Show the plan in bigger text to read it together ({SHORTCUT})",
        )
        self.button.setDefaultAction(self.action)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.action.setChecked(on)
        self._apply(on)
        self.action.toggled.connect(self._toggled)

    @property
    def on(self) -> bool:
        return self.action.isChecked()

    def follow(self, on: bool) -> None:
        """Show ``on`` because the setting changed elsewhere (File → Settings): the caller is
        not told, since there is nothing new to keep."""
        self._following = True
        try:
            self.action.setChecked(on)
        finally:
            self._following = False

    def _toggled(self, on: bool) -> None:
        self._apply(on)
        if not self._following:
            self._chosen(on)

    def _apply(self, on: bool) -> None:
        self.action.setText("Large type: on" if on else "Large type")
        self._target.setFont(QFont())  # nothing set: the font it inherits
        if not on:
            return
        font = QFont(self._target.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * FACTOR)
        else:
            font.setPixelSize(round(font.pixelSize() * FACTOR))
        self._target.setFont(font)
