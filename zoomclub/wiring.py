"""The composition root: the one place that turns Settings into services.

Commands and jobs ask a :class:`Services` for what they need; leaf modules receive plain values
and objects and never read settings or the environment themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from zoomclub.clock import Clock, SystemClock
from zoomclub.errors import ConfigError
from zoomclub.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from zoomclub.storage.base import Storage
    from zoomclub.zoom.client import ZoomClient


@dataclass
class Services:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    progress: bool = False

    @cached_property
    def engine(self) -> Engine:
        from zoomclub.db import make_engine

        return make_engine(self.settings.database_url)

    @cached_property
    def db(self) -> sessionmaker[Session]:
        from zoomclub.db import session_factory

        return session_factory(self.engine)

    @cached_property
    def zoom(self) -> ZoomClient:
        z = self.settings.zoom
        missing = z.missing_credentials()
        if missing:
            raise ConfigError(
                "Zoom credentials are not configured: set "
                + ", ".join(missing)
                + " (see deploy/README.md for creating a Server-to-Server OAuth app)"
            )
        from zoomclub.zoom.client import ZoomClient

        assert z.client_secret is not None and z.account_id and z.client_id
        return ZoomClient(
            account_id=z.account_id,
            client_id=z.client_id,
            client_secret=z.client_secret.get_secret_value(),
            api_url=z.api_url,
            oauth_url=z.oauth_url,
            timeout=z.timeout_s,
            max_retries=z.max_retries,
            clock=self.clock,
        )

    @property
    def zoom_user_id(self) -> str:
        uid = self.settings.zoom.user_id
        if not uid:
            raise ConfigError("ZOOMCLUB_ZOOM__USER_ID is not set: use the host's user id or email")
        return uid

    @cached_property
    def storage(self) -> Storage:
        from zoomclub.storage import open_storage

        a = self.settings.archive
        return open_storage(
            a.url,
            endpoint_url=a.s3_endpoint_url,
            region=a.s3_region,
            part_size=a.multipart_part_mib * 1024 * 1024,
            concurrency=a.upload_concurrency,
            content_md5=a.s3_content_md5,
        )

    def close(self) -> None:
        eng: Any = self.__dict__.get("engine")
        if eng is not None:
            eng.dispose()
