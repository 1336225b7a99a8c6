"""The one rule for a definition kept under an id and version, shared by the vault and the
hub: word for word is the same, withdrawing is allowed, reviving or any other content is not."""

from __future__ import annotations

from hubdesk.forms import library
from hubdesk.forms.canonical import Revision, canonical_json, revision
from hubdesk.forms.definition import Definition


def shipped() -> Definition:
    tool = library.find("exploitation", 1)
    assert tool is not None
    return tool


def test_each_way_a_definition_can_arrive() -> None:
    tool = shipped()
    withdrawn = tool.model_copy(update={"status": "withdrawn"})
    other = tool.model_copy(update={"title": "Another tool"})
    kept = canonical_json(tool)
    assert revision(None, None, tool) is Revision.NEW
    assert revision(kept, "active", tool) is Revision.SAME
    assert revision(kept, "active", withdrawn) is Revision.STATUS
    assert revision(canonical_json(withdrawn), "withdrawn", tool) is Revision.REVIVED
    assert revision(canonical_json(withdrawn), "withdrawn", withdrawn) is Revision.SAME
    assert revision(kept, "active", other) is Revision.OTHER
