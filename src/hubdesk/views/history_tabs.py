"""Read-only tabs of a case: missing episodes and the timeline.

Missing episodes are recorded through missing-episode triage; here a practitioner sees them
in one place with the case.
"""

from __future__ import annotations

from hubdesk.services.cases import CaseFile
from hubdesk.services.timeline import build_timeline
from hubdesk.timeutil import format_datetime, words
from hubdesk.views.case_tab import CaseTab, Deps, ViewState
from hubdesk.views.qt import QLabel, QVBoxLayout
from hubdesk.views.record_table import RecordTable


class _ListTab(CaseTab):
    """A heading line, then a table of this case's records."""

    columns: tuple[str, ...] = ()
    empty = ""

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.table = RecordTable(self.title, self.columns)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)

    def rows(self, case: CaseFile) -> list[tuple[str, list[str]]]:
        raise NotImplementedError

    def show_case(self, case: CaseFile) -> None:
        rows = self.rows(case)
        self.table.set_rows(rows)
        self.summary.setText(self.empty if not rows else f"{len(rows)} recorded")

    def view_state(self) -> ViewState:
        current = self.table.current_id()
        return {"record_id": current} if current else {}

    def restore_view_state(self, state: ViewState) -> None:
        if "record_id" in state:
            self.table.select_id(state["record_id"])


class MissingTab(_ListTab):
    title = "Missing episodes"
    columns = ("Went missing", "Came back", "Police risk", "Status", "Return interview")
    empty = "No missing episodes recorded."

    def rows(self, case: CaseFile) -> list[tuple[str, list[str]]]:
        interviews = {i.episode_id: i for i in case.interviews}
        ordered = sorted(case.episodes, key=lambda e: e.started_at, reverse=True)
        return [
            (
                e.id,
                [
                    format_datetime(e.started_at),
                    format_datetime(e.ended_at) or "Not back yet",
                    words(e.police_risk_grade),
                    words(e.status),
                    words(interviews[e.id].status) if e.id in interviews else "None yet",
                ],
            )
            for e in ordered
        ]


class TimelineTab(_ListTab):
    title = "Timeline"
    columns = ("When", "What", "Details")
    empty = "Nothing recorded yet."

    def rows(self, case: CaseFile) -> list[tuple[str, list[str]]]:
        return [(e.record_id, [e.when_text, e.what, e.summary]) for e in build_timeline(case)]

    def show_case(self, case: CaseFile) -> None:
        super().show_case(case)
        self.table.scrollToBottom()  # a chronology: the newest events are at the end


__all__ = ["MissingTab", "TimelineTab"]
