"""Background work: off the UI thread, results back on it, writes one at a time in order."""

from __future__ import annotations

import threading
import time

from pytestqt.qtbot import QtBot

from hubdesk.views.tasks import Tasks


def test_work_runs_off_the_ui_thread_and_reports_back_on_it(qtbot: QtBot) -> None:
    tasks = Tasks()
    ui_thread = threading.get_ident()
    seen: dict[str, int] = {}

    def work() -> int:
        seen["worker"] = threading.get_ident()
        return 42

    def done(value: int) -> None:
        seen["callback"] = threading.get_ident()
        seen["value"] = value

    tasks.write(work, done, lambda exc: None)
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen["value"] == 42
    assert seen["worker"] != ui_thread
    assert seen["callback"] == ui_thread


def test_writes_run_one_at_a_time_in_the_order_given(qtbot: QtBot) -> None:
    tasks = Tasks()
    running = 0
    most = 0
    order: list[int] = []
    lock = threading.Lock()

    def job(n: int):
        def work() -> int:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.01)
            with lock:
                running -= 1
            return n

        return work

    for n in range(8):
        tasks.write(job(n), order.append, lambda exc: None)
    qtbot.waitUntil(lambda: len(order) == 8, timeout=5000)
    assert order == list(range(8))
    assert most == 1


def test_a_failure_reaches_the_error_callback(qtbot: QtBot) -> None:
    tasks = Tasks()
    errors: list[BaseException] = []

    def work() -> None:
        raise ValueError("refused")

    tasks.network(work, lambda value: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)
    assert tasks.wait_idle()
