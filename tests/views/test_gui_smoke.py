"""`hubdesk gui-smoke` renders every main screen to a real PNG and exits 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubdesk import cli
from hubdesk.services import Services
from hubdesk.settings import Settings, load_settings, save_settings
from hubdesk.store.vault import Vault
from tests.conftest import PASSPHRASE

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_gui_smoke_on_a_temporary_demo_vault(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shots"
    save_settings(Settings(idle_lock_minutes=3))
    assert cli.main(["gui-smoke", "--out", str(out)]) == 0
    kept, _ = load_settings()
    assert (kept.idle_lock_minutes, kept.window_geometry) == (3, None)  # left as they were
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"{screen}.png"
        for screen in (
            "unlock",
            "caseload",
            "case-overview",
            "screenings",
            "screening-completed",
            "screening-new",
            "plan-editor",
            "plan-comparison",
            "notes",
            "contexts",
            "missing-episodes",
            "timeline",
            "new-young-person",
            "link-context",
            "contextual-plan",
            "settings",
            "case-overview-200-percent-text",
            "unlock-after-lock",
            "create-vault",
            "sync-status",
            "case-with-conflicts",
            "conflict-plan",
            "conflict-removal",
            "connect-to-hub",
        )
    )
    for path in out.iterdir():
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert len(data) > 3000  # a drawn screen, not an empty image
    assert str(out / "caseload.png") in capsys.readouterr().out


def test_gui_smoke_on_a_given_vault_needs_its_passphrase(
    tmp_path: Path,
    vault: Vault,
    vault_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    vault.close()
    monkeypatch.setenv("HUBDESK_PASSPHRASE", "not the passphrase")
    assert cli.main(["gui-smoke", "--out", str(tmp_path / "a"), "--vault", str(vault_dir)]) == 2
    assert "does not open this vault" in capsys.readouterr().err
    monkeypatch.setenv("HUBDESK_PASSPHRASE", PASSPHRASE)
    assert cli.main(["gui-smoke", "--out", str(tmp_path / "b"), "--vault", str(vault_dir)]) == 0
    with Vault.open(vault_dir, bytearray(PASSPHRASE.encode())) as looked_at:
        assert Services(looked_at).definitions.kept() == []  # rendering wrote nothing
