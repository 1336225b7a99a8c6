"""Where HubDesk keeps its files, and its settings.

All paths come from here (one ``init``), so tests can point the whole app at a temporary
folder with ``HUBDESK_HOME`` or :func:`init`.

Kept light on purpose (it is imported before the unlock screen shows); the typed settings are
in :mod:`hubdesk.settings`.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "HubDesk"

_home: Path | None = None


def init(home: Path | None = None) -> None:
    """Point every HubDesk path below ``home`` (tests), or back to the platform default."""
    global _home
    _home = home


def _home_or_none() -> Path | None:
    if _home is not None:
        return _home
    override = os.environ.get("HUBDESK_HOME")
    return Path(override) if override else None


def data_dir() -> Path:
    home = _home_or_none()
    if home is not None:
        return home / "data"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    home = _home_or_none()
    if home is not None:
        return home / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    home = _home_or_none()
    if home is not None:
        return home / "config"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_vault_dir() -> Path:
    return data_dir() / "vault"


def settings_path() -> Path:
    return config_dir() / "settings.json"
