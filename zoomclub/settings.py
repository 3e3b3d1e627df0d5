"""Settings: read once at start-up, validated, frozen.

Sources, highest priority first: keyword arguments, environment (``ZOOMCLUB_`` prefix, ``__`` for
nesting), a ``.env`` file, the TOML file (``zoomclub.toml`` or ``$ZOOMCLUB_CONFIG``), defaults.
Only this module and :mod:`zoomclub.wiring` read the environment; everything else receives values.
"""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from zoomclub.errors import ConfigError

ENV_PREFIX = "ZOOMCLUB_"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, v: Any) -> Any:
        # `ZOOMCLUB_ZOOM__WEBHOOK_SECRET_TOKEN=` in an env file means "not set", not "empty secret".
        return None if isinstance(v, str) and not v.strip() else v


class ZoomSettings(_Section):
    account_id: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    api_url: str = "https://api.zoom.us/v2"
    oauth_url: str = "https://zoom.us/oauth/token"
    user_id: str | None = Field(
        default=None, description="Host user id or email (the `me` keyword is not used)"
    )
    webhook_secret_token: SecretStr | None = None
    timeout_s: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=5, ge=0, le=20)

    @field_validator("api_url", "oauth_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError("must be an http(s) URL such as https://api.zoom.us/v2")
        return v.rstrip("/")

    @field_validator("user_id")
    @classmethod
    def _not_me(cls, v: str | None) -> str | None:
        if v is not None and v.strip().lower() == "me":
            raise ValueError(
                "`me` does not work with Server-to-Server OAuth tokens; use the host's user id "
                "or email"
            )
        return v

    def missing_credentials(self) -> list[str]:
        """Names of the env vars that must be set before talking to Zoom."""
        names = {
            "account_id": self.account_id,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "user_id": self.user_id,
        }
        return [f"{ENV_PREFIX}ZOOM__{k.upper()}" for k, v in names.items() if not v]


class ArchiveSettings(_Section):
    url: str = "./archive"
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    # Also send Content-MD5 with every part, for S3-compatible servers that accept but do not
    # check x-amz-checksum-sha256 (rclone serve s3 is one); AWS, MinIO and R2 check the SHA-256.
    s3_content_md5: bool = False
    work_dir: Path = Path("./zoomclub-work")
    video_preference: tuple[str, ...] = (
        "shared_screen_with_speaker_view",
        "active_speaker",
        "shared_screen_with_gallery_view",
        "shared_screen",
        "gallery_view",
    )
    include_chat: bool = False
    min_segment_s: float = Field(default=30.0, ge=0)
    transcript_deadline_hours: float = Field(default=48.0, gt=0)
    multipart_part_mib: int = Field(default=16, ge=8, le=64)
    upload_concurrency: int = Field(default=4, ge=1, le=16)
    private: bool = False

    @property
    def is_s3(self) -> bool:
        return self.url.startswith("s3://")

    @field_validator("url")
    @classmethod
    def _archive_url(cls, v: str) -> str:
        if v.startswith("s3://"):
            if not re.match(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$", v):
                raise ValueError("must look like s3://bucket or s3://bucket/prefix")
        elif "://" in v:
            raise ValueError("must be s3://bucket/prefix or a local directory path")
        return v


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    admin_token: SecretStr | None = None
    site_passphrase: SecretStr | None = None


class ClubSettings(_Section):
    name: str = "Paper Club"
    timezone: str = "America/Los_Angeles"
    weekday: str = "wednesday"
    start_time: time = time(12, 0)
    duration_minutes: int = Field(default=60, ge=5, le=1440)
    facilitation_minutes: int = Field(default=45, ge=1, le=1440)
    create_days_ahead: int = Field(default=7, ge=0, le=60)
    join_before_host: bool = False
    waiting_room: bool = True
    publish_join_link: bool = False
    site_url: str | None = None
    recording_deadline_hours: float = Field(default=48.0, gt=0)

    @field_validator("site_url")
    @classmethod
    def _site_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(
                "must be the site's absolute http(s) URL, e.g. https://club.example.org/"
            )
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {v!r}; use an IANA name like Europe/Berlin"
            ) from exc
        return v

    @field_validator("weekday")
    @classmethod
    def _weekday(cls, v: str) -> str:
        w = v.strip().lower()
        for name in WEEKDAYS:
            if w == name or (len(w) >= 3 and name.startswith(w)):
                return name
        raise ValueError(f"unknown weekday {v!r}; use a day name like wednesday")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def weekday_index(self) -> int:
        """Monday = 0, as :meth:`datetime.date.weekday`."""
        return WEEKDAYS.index(self.weekday)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    zoom: ZoomSettings = ZoomSettings()
    archive: ArchiveSettings = ArchiveSettings()
    server: ServerSettings = ServerSettings()
    club: ClubSettings = ClubSettings()
    database_url: str = "sqlite:///zoomclub.db"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, v: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", v):
            raise ValueError(
                "must be a SQLAlchemy URL such as sqlite:///zoomclub.db or "
                "postgresql://user:pass@host/db"
            )
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.archive.private and self.server.site_passphrase is None:
            raise ValueError(
                f"{ENV_PREFIX}ARCHIVE__PRIVATE is true but {ENV_PREFIX}SERVER__SITE_PASSPHRASE is "
                "not set: members could not reach a private archive"
            )
        if self.club.facilitation_minutes > self.club.duration_minutes:
            raise ValueError(
                f"{ENV_PREFIX}CLUB__FACILITATION_MINUTES ({self.club.facilitation_minutes}) is "
                f"longer than {ENV_PREFIX}CLUB__DURATION_MINUTES ({self.club.duration_minutes})"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get(f"{ENV_PREFIX}CONFIG", "zoomclub.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


def _setting_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if parts and parts[0] in ("zoom", "archive", "server", "club"):
        return ENV_PREFIX + "__".join(p.upper() for p in parts)
    return (
        ENV_PREFIX
        + "_".join(p.upper() for p in parts[:1])
        + "".join("__" + p.upper() for p in parts[1:])
    )


def describe_validation_error(exc: ValidationError) -> list[str]:
    """One line per problem, naming the env var and saying how to fix it."""
    lines = []
    for err in exc.errors():
        name = _setting_name(tuple(err.get("loc", ())))
        msg = err.get("msg", "invalid").removeprefix("Value error, ")
        value = err.get("input")
        shown = (
            ""
            if isinstance(value, dict) or "SECRET" in name or "TOKEN" in name
            else f" (got {value!r})"
        )
        lines.append(f"{name}: {msg}{shown}" if err.get("loc") else msg)
    return lines


def load_settings(**overrides: Any) -> Settings:
    """Load and validate settings, or raise :class:`ConfigError` listing every problem."""
    toml_path = os.environ.get(f"{ENV_PREFIX}CONFIG")
    if toml_path and not Path(toml_path).is_file():
        raise ConfigError(f"{ENV_PREFIX}CONFIG: no such file {toml_path!r}")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(
            "invalid settings:\n  " + "\n  ".join(describe_validation_error(exc))
        ) from None
    except (ValueError, OSError) as exc:  # e.g. a TOML syntax error
        raise ConfigError(f"cannot read settings: {exc}") from None
