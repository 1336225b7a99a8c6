"""One definition, one text: the canonical JSON of a screening tool definition (sorted keys,
through today's model) and its SHA-256, used by the vault and the hub to tell "the same tool"
from "another tool under the same id and version"."""

from __future__ import annotations

import enum
import hashlib
import json

from hubdesk.forms.definition import Definition


def canonical_json(definition: Definition) -> str:
    return json.dumps(definition.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)


def digest_of(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def without_status(content: str) -> str:
    """The content with its status left out: withdrawing a version is not a change of tool."""
    data = json.loads(content)
    data.pop("status", None)
    return json.dumps(data, sort_keys=True)


class Revision(enum.Enum):
    """How a definition that arrives compares with the one kept under its id and version."""

    NEW = "new"  # nothing kept yet
    SAME = "same"  # word for word
    STATUS = "status"  # the same tool, withdrawn now
    REVIVED = "revived"  # the same tool, active again after being withdrawn: not allowed
    OTHER = "other"  # another tool under the same id and version: never allowed


def revision(kept: str | None, kept_status: str | None, arriving: Definition) -> Revision:
    """The one rule the vault and the hub both keep: an id and version never change content;
    only the status may move, and only from active to withdrawn. ``kept`` is the kept
    definition's canonical JSON (made through today's model, so a field added since, with its
    default, is no change)."""
    if kept is None:
        return Revision.NEW
    content = canonical_json(arriving)
    if kept == content:
        return Revision.SAME
    if without_status(kept) != without_status(content):
        return Revision.OTHER
    if kept_status == arriving.status:
        return Revision.SAME
    return Revision.REVIVED if kept_status == "withdrawn" else Revision.STATUS
