"""`zoomclub meeting`: create (or reconcile) the Zoom meeting of a session by hand."""

from __future__ import annotations

import click

from zoomclub.cli.common import echo_json, pass_services
from zoomclub.errors import InputError
from zoomclub.runtime import locked_sync
from zoomclub.schedule.dates import parse_date
from zoomclub.wiring import Services


@click.group("meeting")
def meeting() -> None:
    """Zoom meetings for scheduled sessions."""


@meeting.command("create")
@click.option("--date", "day", help="Session date YYYY-MM-DD (default: every session due now).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per session.")
@pass_services
def create(services: Services, day: str | None, as_json: bool) -> None:
    """Create the session's meeting, or adopt/update the one already on Zoom (never a second)."""
    only = None
    if day:
        try:
            only = parse_date(day)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    results = locked_sync(services, only)
    if only is not None and not results:
        raise InputError(f"{only}: no session planned, or it has already started")
    failed = False
    for r in results:
        failed |= r.result == "failed"
        if as_json:
            echo_json(r.to_json())
        else:
            url = f"  {r.join_url}" if r.join_url else ""
            why = f"  ({r.reason})" if r.reason else ""
            click.echo(f"{r.day}  {r.result:9} {r.meeting_id or ''}{url}{why}")
    if failed:
        raise click.exceptions.Exit(1)


@meeting.command("sync")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per session.")
@click.pass_context
def sync(ctx: click.Context, as_json: bool) -> None:
    """Make Zoom match the schedule now (what the hourly job does)."""
    ctx.invoke(create, day=None, as_json=as_json)


COMMANDS: list[click.Command] = [meeting]
