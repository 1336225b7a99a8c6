"""The shipped definitions load, and are found by id and version."""

from __future__ import annotations

from hubdesk.forms import library


def test_the_shipped_tool_is_found_and_is_the_newest_active_one() -> None:
    tool = library.find("exploitation", 1)
    assert tool is not None
    assert tool.title == "Exploitation screening (HubDesk)"
    assert library.newest_active("exploitation") is tool
    assert library.find("exploitation", 99) is None
