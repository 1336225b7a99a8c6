"""Typed settings kept as JSON: defaults, round trip, environment override, a bad file."""

from __future__ import annotations

import json

import pytest

from hubdesk import config
from hubdesk import settings as user_settings


def test_defaults_without_a_file() -> None:
    settings, warning = user_settings.load_settings()
    assert warning is None
    assert settings.idle_lock_minutes == 5
    assert settings.peer_detail == "initials"


def test_saved_settings_come_back_and_hold_no_qt_objects() -> None:
    settings, _ = user_settings.load_settings()
    settings.idle_lock_minutes = 12
    settings.peer_detail = "full_names"
    settings.window_geometry = "AdnQywADAAAAAAAA"
    user_settings.save_settings(settings)
    stored = json.loads(config.settings_path().read_text())
    assert stored["idle_lock_minutes"] == 12
    assert config.settings_path().stat().st_mode & 0o777 == 0o600
    again, warning = user_settings.load_settings()
    assert warning is None
    assert again == settings


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = user_settings.load_settings()
    settings.idle_lock_minutes = 12
    user_settings.save_settings(settings)
    monkeypatch.setenv("HUBDESK_IDLE_LOCK_MINUTES", "2")
    assert user_settings.load_settings()[0].idle_lock_minutes == 2


@pytest.mark.parametrize(
    "content", ['{"idle_lock_minutes": 0}', '{"peer_detail": "everything"}', "{not json"]
)
def test_a_bad_file_falls_back_to_defaults_and_says_so(content: str) -> None:
    path = config.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    settings, warning = user_settings.load_settings()
    assert settings.idle_lock_minutes == 5
    assert warning is not None
    assert str(path) in warning
    assert "defaults are in use" in warning
    assert path.with_name("settings.json.bad").read_text() == content
    assert not path.exists()
