"""Build the site from the application's services: the one call the CLI and the daemon make."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

from zoomclub.site.build import SiteReport, build_site

if TYPE_CHECKING:
    from zoomclub.wiring import Services

log = logging.getLogger(__name__)

CALENDAR_WEEKS_BACK = 26  # past events stay in members' calendars instead of vanishing
CALENDAR_WEEKS_AHEAD = 12


def publish_site(services: Services, *, changed: Collection[str] | None = None) -> SiteReport:
    """Rebuild the site in the archive with the club's settings and schedule.

    ``changed``: archive keys of sessions that changed (None rebuilds every page).
    """
    from zoomclub.db import transaction
    from zoomclub.schedule.service import calendar_entries

    settings = services.settings
    now = services.clock.now()
    with transaction(services.db) as db:
        upcoming = calendar_entries(
            db,
            settings,
            now,
            weeks_ahead=CALENDAR_WEEKS_AHEAD,
            weeks_back=CALENDAR_WEEKS_BACK,
        )
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
