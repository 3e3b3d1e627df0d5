"""What `zoomclub config check` reports: every settings problem at once, secrets masked."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from zoomclub.errors import ConfigError, ZoomclubError
from zoomclub.settings import ENV_PREFIX, Settings, load_settings


def _flatten(settings: Settings) -> list[str]:
    lines = []
    for section_name in ("zoom", "archive", "server", "club"):
        section = getattr(settings, section_name)
        for key, value in section.model_dump().items():
            raw = getattr(section, key)
            shown = (
                ("(set)" if raw.get_secret_value() else "(empty)")
                if isinstance(raw, SecretStr)
                else value
            )
            if raw is None:
                shown = "(unset)"
            lines.append(f"{ENV_PREFIX}{section_name.upper()}__{key.upper()} = {shown}")
    lines.append(f"{ENV_PREFIX}DATABASE_URL = {_mask_url(settings.database_url)}")
    return lines


def _mask_url(url: str) -> str:
    # postgresql://user:password@host/db -> postgresql://user:***@host/db
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        return f"{scheme}://{creds}@{host}"
    return url


def run_check(*, online: bool = False, settings: Settings | None = None) -> dict[str, Any]:
    report: dict[str, Any] = {"settings": [], "problems": [], "warnings": []}
    try:
        settings = settings or load_settings()
    except ConfigError as exc:
        report["problems"].extend(line.strip() for line in str(exc).splitlines()[1:] or [str(exc)])
        return report
    report["settings"] = _flatten(settings)
    missing = settings.zoom.missing_credentials()
    if missing:
        (report["problems"] if online else report["warnings"]).append(
            "Zoom is not configured (needed for meetings and archiving): set " + ", ".join(missing)
        )
    if settings.zoom.webhook_secret_token is None:
        report["warnings"].append(
            f"{ENV_PREFIX}ZOOM__WEBHOOK_SECRET_TOKEN is not set: webhooks will be refused"
        )
    if settings.server.admin_token is None:
        report["warnings"].append(
            f"{ENV_PREFIX}SERVER__ADMIN_TOKEN is not set: POST /admin/archive is disabled"
        )
    if online and not missing:
        from zoomclub.wiring import Services

        services = Services(settings=settings)
        try:
            client = services.zoom
            client.get_token()
            user = client.get_user(services.zoom_user_id)
            report["zoom"] = {"token": "ok", "user": user.get("email") or user.get("id")}
        except ZoomclubError as exc:
            report["problems"].append(f"Zoom: {exc}")
    return report
