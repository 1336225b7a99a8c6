"""The house rules that code can check: Qt only in views/ and app.py; views import no SQL,
crypto or HTTP; nothing imports views except app.py; the hub (server/) and the desktop share
only sync/ and forms/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "hubdesk"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def python_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_the_scan_sees_the_project() -> None:
    files = python_files()
    assert len(files) > 30
    assert any("PySide6" in m for m in imported_modules(SRC / "views" / "qt.py"))


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_layer_rules(path: Path) -> None:
    rel = path.relative_to(SRC)
    modules = imported_modules(path)
    in_views = rel.parts[0] == "views"
    if rel != Path("views/qt.py"):
        assert not any(m.startswith("PySide6") for m in modules), "import Qt via hubdesk.views.qt"
    if not in_views and rel != Path("app.py"):
        assert not any(m.startswith("hubdesk.views") for m in modules), "nothing imports views"
    if in_views:
        forbidden = ("sqlalchemy", "sqlcipher3", "cryptography", "argon2", "hubdesk.store", "httpx")
        assert not any(m.startswith(forbidden) for m in modules), "views hold no SQL or crypto"
    in_server = rel.parts[0] == "server"
    if not in_server:
        assert not any(m.startswith("hubdesk.server") for m in modules), "the desktop has no hub"
    else:
        desktop = ("hubdesk.store", "hubdesk.services", "hubdesk.models", "hubdesk.views")
        assert not any(m.startswith(desktop) for m in modules), "the hub shares only sync, forms"


def test_headless_packages_do_not_load_qt() -> None:
    code = (
        "import sys, hubdesk.cli, hubdesk.services, hubdesk.store.vault, hubdesk.models;"
        "print('PySide6' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
