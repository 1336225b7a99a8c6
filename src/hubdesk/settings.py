"""User settings, declared once and typed (pydantic-settings), kept as JSON in the user's
config folder — never pickled Qt objects. They hold preferences only, never personal data. An
environment variable ``HUBDESK_<NAME>`` overrides a setting (for IT deployment and tests).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    JsonConfigSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from hubdesk.config import config_dir, settings_path


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUBDESK_", extra="ignore")

    #: Minutes without input before the app autosaves, closes the vault and asks again.
    idle_lock_minutes: int = Field(default=5, ge=1, le=60)
    #: How peers are recorded and shown in peer group mapping (an authority's choice).
    peer_detail: Literal["initials", "full_names"] = "initials"
    #: Large type for showing a plan to the young person.
    large_type: bool = False
    #: The main window's geometry, as Qt's saveGeometry() bytes in base64.
    window_geometry: str | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            JsonConfigSettingsSource(settings_cls, json_file=settings_path()),
        )


def load_settings() -> tuple[Settings, str | None]:
    """The settings, and a plain warning if the saved file could not be used.

    A damaged or hand-edited settings file never stops a practitioner working: the defaults
    are used, the bad file is kept beside (``settings.json.bad``) for IT, and the warning says so.
    """
    try:
        return Settings(), None
    except (ValidationError, ValueError, OSError) as exc:
        path = settings_path()
        if path.exists():
            path.replace(path.with_name(path.name + ".bad"))
        count = len(exc.errors()) if isinstance(exc, ValidationError) else 1
        return (
            Settings(),
            f"HubDesk's settings file {path} could not be used ({count} problem(s)), so the "
            f"defaults are in use. The old file was kept as {path.name}.bad.",
        )


def save_settings(settings: Settings) -> None:
    from hubdesk.store.files import write_json_atomic

    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_json_atomic(settings_path(), settings.model_dump(mode="json"))
