"""The main window: the caseload, with a status bar that will carry the sync state."""

from __future__ import annotations

from hubdesk.views.caseload_model import CaseloadTableModel, CaseRow
from hubdesk.views.qt import (
    QAction,
    QHeaderView,
    QKeySequence,
    QLabel,
    QMainWindow,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)


class MainWindow(QMainWindow):
    lock_requested = Signal()

    def __init__(self, rows: list[CaseRow], practitioner: str) -> None:
        super().__init__()
        lock = QAction("&Lock HubDesk", self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.setStatusTip("Close the vault now; the passphrase opens it again")
        lock.triggered.connect(self.lock_requested)
        self.addAction(lock)
        self.menuBar().addMenu("&File").addAction(lock)
        self.setWindowTitle("HubDesk — caseload")
        self.model = CaseloadTableModel(rows)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)  # sorts once, by name, through the model's sort()
        self.table.setAccessibleName("Caseload")
        self.table.setAccessibleDescription("Young people on your caseload, one per row")
        self.table.verticalHeader().hide()  # row numbers mean nothing here
        self.table.horizontalHeader().setAccessibleName("Caseload columns")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        central = QWidget()
        layout = QVBoxLayout(central)
        heading = QLabel(f"<h2>Caseload</h2><p>{len(rows)} young people</p>")
        layout.addWidget(heading)
        layout.addWidget(self.table)
        self.setCentralWidget(central)
        self.statusBar().showMessage(f"Signed in as {practitioner} · working offline")
        self.resize(900, 600)
