"""Turn records into plain, readable dictionaries (for exports and, later, sync)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect

from hubdesk.models.base import Base
from hubdesk.timeutil import as_utc


def plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def as_dict(record: Base) -> dict[str, Any]:
    mapper = inspect(type(record))
    return {attr.key: plain(getattr(record, attr.key)) for attr in mapper.column_attrs}
