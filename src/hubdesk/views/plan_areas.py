"""The grid of places and times: home, school, travel, online, day and night, each with where
it feels safe and where it does not, in the young person's words.

Normally each place's name sits to the left of its two boxes. Where that would leave the boxes
too narrow to read (large text, a narrow window) each name goes on a line of its own above
its boxes instead, so the boxes get the whole width.
"""

from __future__ import annotations

from typing import Any

from hubdesk.services.plan_content import AREAS
from hubdesk.views.plan_fields import TextBox
from hubdesk.views.plan_words import AREA_LABELS, Headings
from hubdesk.views.qt import QEvent, QGridLayout, QLabel, QWidget, Signal
from hubdesk.views.widgets import named

#: The narrowest a box may be, in average characters, before the names go above the boxes.
MIN_CHARS = 16
_SIDES = ("safe", "unsafe")


class AreaGrid(QWidget):
    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._headers = {side: QLabel() for side in _SIDES}
        for header in self._headers.values():
            header.setWordWrap(True)
        self.boxes: dict[tuple[str, str], TextBox] = {}
        self._labels: dict[str, QLabel] = {}
        for area in AREAS:
            self._labels[area] = QLabel(AREA_LABELS[area])
            for side in _SIDES:
                box = TextBox(area, f"safe_and_unsafe.{area}.{side}", lines=2)
                box.textChanged.connect(self.changed)
                self.boxes[(area, side)] = box
        self._above: bool | None = None  # the names above their boxes; None: not laid out
        self._arrange(above=False)

    @property
    def names_above(self) -> bool:
        """True while each place's name is on a line of its own above its boxes."""
        return bool(self._above)

    # -- layout -------------------------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._arrange(above=self.width() < self._side_by_side_width())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._arrange(above=self.width() < self._side_by_side_width())

    def _side_by_side_width(self) -> int:
        names = max(label.sizeHint().width() for label in self._labels.values())
        boxes = 2 * self.fontMetrics().averageCharWidth() * MIN_CHARS
        return names + boxes + 2 * max(self._grid.horizontalSpacing(), 0)

    def _arrange(self, *, above: bool) -> None:
        if above == self._above:
            return
        self._above = above
        for widget in [*self._headers.values(), *self._labels.values(), *self.boxes.values()]:
            self._grid.removeWidget(widget)
        first = 0 if above else 1  # the column of the "safe" boxes
        for n, side in enumerate(_SIDES):
            self._grid.addWidget(self._headers[side], 0, first + n)
        for n, area in enumerate(AREAS):
            line = 1 + 2 * n if above else 1 + n
            if above:
                self._grid.addWidget(self._labels[area], line, 0, 1, 2)
            else:
                self._grid.addWidget(self._labels[area], line, 0)
            for m, side in enumerate(_SIDES):
                box_line = line + 1 if above else line
                self._grid.addWidget(self.boxes[(area, side)], box_line, first + m)
        for column in range(3):
            self._grid.setColumnStretch(column, 1 if first <= column < first + 2 else 0)

    # -- words and values ---------------------------------------------------------------------
    def set_words(self, words: Headings) -> None:
        for side, header in self._headers.items():
            header.setText(f"<b>{words.safe if side == 'safe' else words.unsafe}</b>")
        for area, label in self._labels.items():
            label.setText(words.areas[area])
        for (area, side), box in self.boxes.items():
            named(box, f"{words.areas[area]}: {words.safe if side == 'safe' else words.unsafe}")

    def set_value(self, value: dict[str, dict[str, str]]) -> None:
        for (area, side), box in self.boxes.items():
            box.setPlainText((value.get(area) or {}).get(side, ""))

    def value(self) -> dict[str, dict[str, str]]:
        """Only the areas with something written, as services.plan_content expects."""
        result: dict[str, dict[str, str]] = {}
        for area in AREAS:
            safe = self.boxes[(area, "safe")].text.strip()
            unsafe = self.boxes[(area, "unsafe")].text.strip()
            if safe or unsafe:
                result[area] = {"safe": safe, "unsafe": unsafe}
        return result

    def set_read_only(self, read_only: bool) -> None:
        for box in self.boxes.values():
            box.setReadOnly(read_only)
