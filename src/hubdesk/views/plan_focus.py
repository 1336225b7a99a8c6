"""Which plan field has the focus, and where its cursor is — by the field's object name
("plan:what_i_want", "plan:actions.1.owner") and a position, never the text — so an unlock
puts the practitioner back in the same place."""

from __future__ import annotations

from hubdesk.views.case_tab import ViewState
from hubdesk.views.qt import QLineEdit, QPlainTextEdit, QWidget

PREFIX = "plan:"


def focused_field(within: QWidget) -> ViewState:
    """``{"field": name, "cursor": position}`` for the focused plan field, or ``{}``.

    The focus is the window's own, not the application's: an idle lock usually comes while
    another program is in front, when the application has no focus widget at all."""
    focus: QWidget | None = within.window().focusWidget()
    while focus is not None and within.isAncestorOf(focus):
        name = focus.objectName()
        if name.startswith(PREFIX):
            if isinstance(focus, QPlainTextEdit):
                return {"field": name, "cursor": focus.textCursor().position()}
            if isinstance(focus, QLineEdit):
                return {"field": name, "cursor": focus.cursorPosition()}
            return {"field": name}
        focus = focus.parentWidget()  # the inner editor of a compound field
    return {}


def refocus(within: QWidget, state: ViewState) -> QWidget | None:
    """Focus the field named in ``state`` and put its cursor back; the field, if found."""
    name = state.get("field")
    field = within.findChild(QWidget, name) if isinstance(name, str) else None
    if field is None:
        return None
    field.setFocus()
    cursor = int(state.get("cursor", 0))
    if isinstance(field, QPlainTextEdit):
        text_cursor = field.textCursor()
        text_cursor.setPosition(min(cursor, len(field.toPlainText())))
        field.setTextCursor(text_cursor)
    elif isinstance(field, QLineEdit):
        field.setCursorPosition(cursor)
    return field
