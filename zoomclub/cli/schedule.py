"""`zoomclub schedule`: plan sessions, skip weeks, import a term's plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from zoomclub.cli.common import echo_json, pass_services
from zoomclub.db import transaction
from zoomclub.errors import InputError
from zoomclub.schedule import importer, service
from zoomclub.schedule.dates import local_today, parse_date
from zoomclub.schedule.service import SessionView
from zoomclub.wiring import Services


def _date(value: str) -> date:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _show(s: SessionView, as_json: bool) -> None:
    if as_json:
        echo_json(s.to_json())
        return
    if s.skipped:
        click.echo(f"{s.date}  (skipped)")
        return
    title = s.paper_title or "(paper to be announced)"
    extra = f"  facilitator: {s.facilitator}" if s.facilitator else ""
    if s.author:
        extra += f"  author: {s.author}"
    meeting = f"  meeting {s.meeting_id}" if s.meeting_id else ""
    click.echo(f"{s.date}  {title}{extra}{meeting}")


F = TypeVar("F", bound=Callable[..., Any])

_fields = [
    click.option("--title", "paper_title", help="Paper title."),
    click.option("--url", "paper_url", help="Paper link (http/https)."),
    click.option("--facilitator", help="Who facilitates."),
    click.option("--author", help="Invited author, if any."),
    click.option("--notes", help="Free-form notes."),
]


def with_fields(f: F) -> F:
    for opt in reversed(_fields):
        f = opt(f)
    return f


@click.group("schedule")
def schedule() -> None:
    """Plan the club's sessions: papers, facilitators, skipped weeks."""


@schedule.command("add")
@click.option("--date", "day", help="YYYY-MM-DD (default: next free club weekday).")
@with_fields
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@pass_services
def add(services: Services, day: str | None, as_json: bool, **fields: str | None) -> None:
    """Plan a session (a paper, a facilitator) on a date."""
    club, now = services.settings.club, services.clock.now()
    with transaction(services.db) as db:
        d = _date(day) if day else service.next_free_date(db, club, now)
        s = service.add_session(
            db, d, club, now, **{k: v for k, v in fields.items() if v is not None}
        )
    _show(s, as_json)


@schedule.command("list")
@click.option("--from", "first", help="First date (default: today).")
@click.option("--to", "last", help="Last date (default: 12 weeks on).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_services
def list_(services: Services, first: str | None, last: str | None, as_json: bool) -> None:
    """List sessions, including unplanned club weekdays and skipped weeks."""
    club = services.settings.club
    start = _date(first) if first else local_today(services.clock.now(), club.tz)
    end = _date(last) if last else start + timedelta(weeks=12)
    if end < start:
        raise InputError("--to is before --from")
    with transaction(services.db) as db:
        sessions = service.sessions_between(db, start, end, club)
    for s in sessions:
        _show(s, as_json)


@schedule.command("edit")
@click.argument("day", metavar="DATE")
@with_fields
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@pass_services
def edit(services: Services, day: str, as_json: bool, **fields: str | None) -> None:
    """Change a session (an empty value clears a field); the Zoom meeting follows."""
    changes = {k: v for k, v in fields.items() if v is not None}
    if not changes:
        raise InputError(
            "nothing to change: give --title, --url, --facilitator, --author or --notes"
        )
    with transaction(services.db) as db:
        s = service.edit_session(
            db, _date(day), services.settings.club, services.clock.now(), changes
        )
    _show(s, as_json)


@schedule.command("skip")
@click.argument("day", metavar="DATE")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@pass_services
def skip(services: Services, day: str, as_json: bool) -> None:
    """Skip a week (a holiday); its Zoom meeting is deleted by the meeting job."""
    with transaction(services.db) as db:
        s = service.skip_week(db, _date(day), services.settings.club, services.clock.now())
    _show(s, as_json)


@schedule.command("remove")
@click.argument("day", metavar="DATE")
@pass_services
def remove(services: Services, day: str) -> None:
    """Forget the plan for a date (on the club weekday it becomes a paper-less session; use skip
    to cancel a week)."""
    with transaction(services.db) as db:
        removed = service.remove_session(db, _date(day))
    if not removed:
        raise InputError(f"{day}: nothing planned on that date")
    click.echo(f"{day}  removed")


@schedule.command("import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_services
def import_(services: Services, path: Path, as_json: bool) -> None:
    """Import a term's plan from a .toml or .csv file (all rows or none)."""
    rows = importer.read_plan(path)
    with transaction(services.db) as db:
        counts = importer.apply_plan(db, rows, services.settings.club, services.clock.now())
    if as_json:
        echo_json(counts)
    else:
        click.echo(", ".join(f"{v} {k}" for k, v in counts.items()))


COMMANDS: list[click.Command] = [schedule]
