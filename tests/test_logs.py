"""Crash reports hold the error's type and where it happened, never its message; two in one
second are both kept."""

from __future__ import annotations

import sys

from hubdesk import config, logs


def _report() -> str:
    try:
        raise ValueError("Jade Smith told me about the flat on Kent Road")
    except ValueError:
        exc_type, _, tb = sys.exc_info()
        assert exc_type is not None
        return logs.write_crash_report(exc_type, tb).read_text()


def test_two_reports_in_one_second_are_both_kept_and_hold_no_message() -> None:
    first, second = _report(), _report()
    reports = sorted(p.name for p in config.log_dir().glob("crash-*.txt"))
    assert len(reports) == 2
    for text in (first, second):
        assert "builtins.ValueError" in text
        assert "Jade" not in text
        assert "Kent Road" not in text
