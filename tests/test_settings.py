"""Settings: env/.env/TOML sources, validation messages naming the variable, secrets never shown."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from zoomclub.errors import ConfigError
from zoomclub.settings import load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("ZOOMCLUB_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    s = load_settings()
    assert s.club.weekday == "wednesday" and s.club.start_time == time(12, 0)
    assert s.club.timezone == "America/Los_Angeles"
    assert (s.club.duration_minutes, s.club.facilitation_minutes) == (60, 45)
    assert s.zoom.api_url == "https://api.zoom.us/v2"
    assert s.zoom.oauth_url == "https://zoom.us/oauth/token"
    assert s.archive.url == "./archive" and s.database_url == "sqlite:///zoomclub.db"


def test_env_nested_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOOMCLUB_ZOOM__CLIENT_SECRET", "s3cr3t")
    monkeypatch.setenv("ZOOMCLUB_CLUB__WEEKDAY", "Thu")
    monkeypatch.setenv("ZOOMCLUB_ARCHIVE__URL", "s3://club-bucket/archive")
    s = load_settings()
    assert s.zoom.client_secret is not None
    assert s.zoom.client_secret.get_secret_value() == "s3cr3t"
    assert "s3cr3t" not in repr(s) and "s3cr3t" not in str(s.model_dump())
    assert s.club.weekday == "thursday" and s.archive.is_s3


def test_toml_and_dotenv_and_priority(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "zoomclub.toml").write_text(
        '[club]\nname = "TOML Club"\ntimezone = "Europe/Berlin"\n[zoom]\nuser_id = "host@x.org"\n'
    )
    (tmp_path / ".env").write_text("ZOOMCLUB_CLUB__NAME=Dotenv Club\n")
    s = load_settings()
    assert s.club.name == "Dotenv Club"  # .env beats TOML
    assert s.club.timezone == "Europe/Berlin" and s.zoom.user_id == "host@x.org"
    monkeypatch.setenv("ZOOMCLUB_CLUB__NAME", "Env Club")
    assert load_settings().club.name == "Env Club"  # env beats both
    other = tmp_path / "elsewhere.toml"
    other.write_text('[club]\ntimezone = "Asia/Tokyo"\n')
    monkeypatch.setenv("ZOOMCLUB_CONFIG", str(other))
    assert load_settings().club.timezone == "Asia/Tokyo"


@pytest.mark.parametrize(
    "env, needle",
    [
        ({"ZOOMCLUB_CLUB__TIMEZONE": "Mars/Base"}, "ZOOMCLUB_CLUB__TIMEZONE: unknown time zone"),
        ({"ZOOMCLUB_CLUB__WEEKDAY": "someday"}, "ZOOMCLUB_CLUB__WEEKDAY"),
        ({"ZOOMCLUB_ZOOM__USER_ID": "me"}, "ZOOMCLUB_ZOOM__USER_ID: `me` does not work"),
        ({"ZOOMCLUB_ARCHIVE__URL": "ftp://x"}, "ZOOMCLUB_ARCHIVE__URL"),
        ({"ZOOMCLUB_DATABASE_URL": "mysql://x"}, "ZOOMCLUB_DATABASE_URL"),
        ({"ZOOMCLUB_SERVER__PORT": "99999"}, "ZOOMCLUB_SERVER__PORT"),
        ({"ZOOMCLUB_CLUB__FACILITATION_MINUTES": "90"}, "longer than ZOOMCLUB_CLUB__DURATION"),
        ({"ZOOMCLUB_ARCHIVE__PRIVATE": "true"}, "ZOOMCLUB_SERVER__SITE_PASSPHRASE"),
        ({"ZOOMCLUB_CONFIG": "/nonexistent.toml"}, "ZOOMCLUB_CONFIG: no such file"),
    ],
)
def test_bad_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], needle: str
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError) as exc:
        load_settings()
    assert needle in str(exc.value)


def test_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "zoomclub.toml").write_text("[club\nname=")
    with pytest.raises(ConfigError, match="cannot read settings"):
        load_settings()


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCLUB_")}
    return subprocess.run(
        [sys.executable, "-m", "zoomclub", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_exit_2_without_traceback_and_secret_masked(tmp_path: Path) -> None:
    proc = _cli(
        "config",
        "check",
        env={"ZOOMCLUB_SERVER__PORT": "abc", "ZOOMCLUB_ZOOM__CLIENT_SECRET": "hunter2"},
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "ZOOMCLUB_SERVER__PORT" in proc.stderr
    proc = _cli("config", "check", env={"ZOOMCLUB_ZOOM__CLIENT_SECRET": "hunter2"}, cwd=tmp_path)
    assert proc.returncode == 0
    assert "hunter2" not in proc.stdout + proc.stderr
    assert "ZOOMCLUB_ZOOM__CLIENT_SECRET = (set)" in proc.stdout


def test_config_check_online_against_the_emulator(zoom_emulator: object, tmp_path: Path) -> None:
    env = zoom_emulator.env()  # type: ignore[attr-defined]
    proc = _cli("config", "check", "--online", "--json", env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"token": "ok"' in proc.stdout
    bad = {**env, "ZOOMCLUB_ZOOM__CLIENT_SECRET": "wr0ng-s3cret-zz"}
    proc = _cli("config", "check", "--online", env=bad, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Invalid client_id or client_secret" in proc.stderr
    assert "wr0ng-s3cret-zz" not in proc.stdout + proc.stderr


def test_zoom_commands_need_credentials(tmp_path: Path) -> None:
    proc = _cli("archive", "123", env={}, cwd=tmp_path)
    assert proc.returncode == 2
    assert "ZOOMCLUB_ZOOM__ACCOUNT_ID" in proc.stderr and "Traceback" not in proc.stderr
