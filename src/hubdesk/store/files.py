"""Small crash-safe writes of files only this user may read."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_temp(folder: Path, data: bytes) -> Path:
    """Write ``data`` to a new, uniquely named file in ``folder`` (mode 0600, fsynced).

    ``mkstemp`` creates the file exclusively, so a planted symlink is never followed.
    """
    fd, name = tempfile.mkstemp(dir=folder, prefix=".hubdesk-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def publish(tmp: Path, path: Path) -> None:
    """Move a finished temporary file into place atomically and make the rename durable."""
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` atomically with mode 0600: a crash leaves the old file or the new one,
    never half of one, and no temporary file behind."""
    tmp = write_temp(path.parent, data)
    try:
        publish(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, doc: dict[str, Any]) -> None:
    write_private(path, json.dumps(doc, indent=2, sort_keys=True).encode("utf-8"))


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
