"""The JSON Schema of a screening tool definition, generated from the pydantic models.

Editors use it to complete and check definitions as they are typed; the copy beside the
definitions (``resources/screening/definition.schema.json``) is regenerated with
``hubdesk forms schema --out …`` whenever the models change, and a test keeps the two equal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hubdesk.forms.definition import Definition

SCREENING_DIR = Path(__file__).resolve().parent.parent / "resources" / "screening"
SCHEMA_NAME = "definition.schema.json"


def definition_schema() -> dict[str, Any]:
    return Definition.model_json_schema()


def schema_text() -> str:
    """The schema as the committed file holds it: indented, keys in a stable order."""
    return json.dumps(definition_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path | str = SCREENING_DIR / SCHEMA_NAME) -> Path:
    """Write the schema to ``path`` (a folder gets ``definition.schema.json`` inside it)."""
    path = Path(path)
    if path.is_dir():
        path = path / SCHEMA_NAME
    path.write_text(schema_text(), encoding="utf-8")
    return path
