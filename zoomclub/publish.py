"""Rebuild the members' site from the archive and the schedule (after every archive, and by hand)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoomclub.wiring import Services


def rebuild_site(services: Services, *, changed: Collection[str] | None = None) -> Any:
    """Render the site into the archive root; ``changed`` = session keys (None = full rebuild)."""
    from zoomclub.schedule.service import calendar_entries
    from zoomclub.site.build import build_site

    settings = services.settings
    now = services.clock.now()
    with services.db() as db:
        upcoming = calendar_entries(db, settings, now)
    club = settings.club
    return build_site(
        services.storage,
        club_name=club.name,
        timezone=club.timezone,
        upcoming=upcoming,
        site_url=club.site_url,
        publish_join_link=club.publish_join_link,
        changed=changed,
        now=now,
    )
