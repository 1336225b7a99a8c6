"""One definition, one text: the canonical JSON of a screening tool definition (sorted keys,
through today's model) and its SHA-256, used by the vault and the hub to tell "the same tool"
from "another tool under the same id and version"."""

from __future__ import annotations

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
