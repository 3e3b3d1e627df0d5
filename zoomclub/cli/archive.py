"""`zoomclub archive`: archive one meeting instance, or backfill a date range."""

from __future__ import annotations

import math
import re

import click

from zoomclub.archive.outcome import ArchiveOutcome, BoundaryOverride
from zoomclub.cli.common import echo_json, pass_services
from zoomclub.errors import InputError
from zoomclub.wiring import Services


def parse_hms(value: str) -> float:
    """``HH:MM:SS[.mmm]``, ``MM:SS`` or plain seconds → seconds."""
    m = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d{1,3})?)", value.strip())
    if m:
        h, mi, s = m.groups()
        if int(mi) >= 60 or float(s) >= 60:
            raise InputError(f"--boundary {value!r}: minutes and seconds must be below 60")
        return int(h or 0) * 3600 + int(mi) * 60 + float(s)
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise InputError(f"--boundary {value!r}: use HH:MM:SS, e.g. 00:44:10")
    if seconds < 0:
        raise InputError("--boundary must not be negative")
    return seconds


def override_from(boundary: str | None, no_trim: bool) -> BoundaryOverride | None:
    if boundary and no_trim:
        raise InputError("give either --boundary or --no-trim, not both")
    if no_trim:
        return BoundaryOverride(None)
    if boundary:
        end = parse_hms(boundary)
        if end <= 0:
            raise InputError("--boundary must be after the start of the recording")
        return BoundaryOverride(end)
    return None


def print_outcomes(outcomes: list[ArchiveOutcome], as_json: bool) -> int:
    failed = 0
    for o in outcomes:
        if as_json:
            echo_json(o.to_json())
        else:
            where = o.session or o.meeting_uuid or o.meeting_id
            click.echo(f"{o.status:8} {where}  {o.reason}")
            plan = o.detail.get("plan")
            if plan:
                for seg in plan["segments"]:
                    for f in seg["files"]:
                        click.echo(
                            f"           segment {seg['start']}: {f['type']} {f['recording_type'] or ''} {f['bytes'] or '?'} bytes"
                        )
                for d in plan["dropped"]:
                    click.echo(f"           drop segment {d['start']}: {d['reason']}")
                click.echo(f"           cut: {plan['cut']}")
                for key in plan["destination"]:
                    click.echo(f"           -> {key}")
        failed += o.status == "failed"
    return 1 if failed else 0


@click.command("archive")
@click.argument("meeting", required=False)
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Backfill instances from this date."
)
@click.option(
    "--until", type=click.DateTime(["%Y-%m-%d"]), help="End of the backfill range (default today)."
)
@click.option(
    "--boundary", metavar="HH:MM:SS", help="Cut here instead of detecting the end of facilitation."
)
@click.option(
    "--no-trim", is_flag=True, help="Publish the whole recording (the organizer checked it)."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the plan (files, sizes, destination keys); write nothing.",
)
@click.option(
    "--any-topic", is_flag=True, help="With --since: include the host's non-club meetings too."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per session.")
@pass_services
def archive_cmd(
    services: Services,
    meeting: str | None,
    since: object,
    until: object,
    boundary: str | None,
    no_trim: bool,
    dry_run: bool,
    any_topic: bool,
    as_json: bool,
) -> None:
    """Archive MEETING (numeric id = latest instance, or an instance UUID), or every instance
    from --since to --until. Exit 0 when each session is archived, held or still pending."""
    from zoomclub.archive.pipeline import archive_meeting, archive_range

    override = override_from(boundary, no_trim)
    if meeting and since:
        raise InputError("give a MEETING or --since, not both")
    if since:
        start = since.date()  # type: ignore[attr-defined]
        end = until.date() if until else services.clock.now().date()  # type: ignore[attr-defined]
        if end < start:
            raise InputError("--until is before --since")
        outcomes = archive_range(
            services, start, end, any_topic=any_topic, dry_run=dry_run, override=override
        )
    elif meeting:
        ref: int | str = int(meeting) if meeting.isdigit() else meeting
        outcomes = archive_meeting(services, ref, override=override, dry_run=dry_run)
    else:
        raise InputError("give a MEETING id or UUID, or --since DATE")
    raise SystemExit(print_outcomes(outcomes, as_json))


COMMANDS: list[click.Command] = [archive_cmd]
