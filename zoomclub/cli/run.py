"""`zoomclub run`: the long-running server (scheduler + webhooks + health)."""

from __future__ import annotations

import logging

import click

from zoomclub.cli.common import pass_services
from zoomclub.wiring import Services

log = logging.getLogger(__name__)


@click.command("run")
@click.option(
    "--standby-retry",
    type=click.FloatRange(min=0.05),
    default=5.0,
    show_default=True,
    help="Seconds between attempts to take the runner lock while standing by.",
)
@pass_services
def run(services: Services, standby_retry: float) -> None:
    """Run unattended: create meetings ahead of sessions, archive recordings after them, answer
    Zoom webhooks (POST /zoom/webhook), manual triggers (POST /admin/archive) and GET /healthz.

    Only one `zoomclub run` per database does the work; a second one stands by.
    """
    from zoomclub.archive.pipeline import archive_meeting
    from zoomclub.runtime import run_forever

    # Fail at start-up, not in the first job an hour later.
    _ = services.zoom, services.zoom_user_id
    if services.settings.zoom.webhook_secret_token is None:
        log.warning("ZOOMCLUB_ZOOM__WEBHOOK_SECRET_TOKEN is not set: /zoom/webhook will answer 503")

    def archive(ref: int | str) -> list[object]:
        return list(archive_meeting(services, ref))

    raise click.exceptions.Exit(run_forever(services, archive, lock_retry_s=standby_retry))


COMMANDS: list[click.Command] = [run]
