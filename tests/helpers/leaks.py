"""Look for a marker string in files, in every form a leak could take.

A leak is rarely the plain UTF-8 text: Qt and Windows APIs write UTF-16, JSON writers escape
accents (``\\u00eb``), and macOS file systems decompose them (NFD). :func:`scan` looks for all of
these; :func:`forms_of` says exactly which byte strings it looks for.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_ESCAPE = re.compile(r"\\u([0-9a-f]{4})")


def forms_of(text: str) -> dict[str, bytes]:
    """The byte strings that mean ``text``, by a short name for each encoding."""
    nfd = unicodedata.normalize("NFD", text)
    escaped = json.dumps(text)[1:-1]
    forms = {
        "UTF-8": text.encode("utf-8"),
        "UTF-8 (NFD)": nfd.encode("utf-8"),
        "UTF-16-LE": text.encode("utf-16-le"),
        "UTF-16-BE": text.encode("utf-16-be"),
        "JSON-escaped": escaped.encode("ascii"),
        "JSON-escaped (upper-case hex)": _ESCAPE.sub(
            lambda m: "\\u" + m.group(1).upper(), escaped
        ).encode("ascii"),
    }
    unique: dict[str, bytes] = {}
    for name, data in forms.items():
        if data not in unique.values():
            unique[name] = data
    return unique


@dataclass(frozen=True)
class Finding:
    path: Path
    form: str

    def __str__(self) -> str:
        return f"{self.path} ({self.form})"


@dataclass(frozen=True)
class ScanResult:
    findings: list[Finding]
    files: list[Path]

    def scanned(self, name: str) -> bool:
        return any(f.name == name for f in self.files)


def scan(roots: Iterable[Path], needles: Iterable[str]) -> ScanResult:
    """Every regular file under ``roots`` that holds any needle in any of its forms."""
    patterns = [(name, data) for text in needles for name, data in forms_of(text).items()]
    findings: list[Finding] = []
    files: list[Path] = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            files.append(path)
            content = path.read_bytes()
            findings += [Finding(path, name) for name, data in patterns if data in content]
    return ScanResult(findings, files)
