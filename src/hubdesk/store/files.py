"""Small crash-safe writes of files only this user may read."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` atomically with mode 0600: a crash leaves the old file or the new one,
    never half of one, and an existing file's looser mode is not kept."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_json_atomic(path: Path, doc: dict[str, Any]) -> None:
    write_private(path, json.dumps(doc, indent=2, sort_keys=True).encode("utf-8"))


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
