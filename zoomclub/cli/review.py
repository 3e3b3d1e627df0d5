"""`zoomclub review`: sessions held for an organizer."""

from __future__ import annotations

import click

from zoomclub.cli.archive import override_from, print_outcomes
from zoomclub.cli.common import echo_json, pass_services
from zoomclub.wiring import Services


@click.group("review")
def review_group() -> None:
    """Sessions held because the end of facilitation was uncertain (nothing of them is published)."""


@review_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per held session.")
@pass_services
def list_cmd(services: Services, as_json: bool) -> None:
    """Show held sessions with the detector's reason and evidence."""
    from zoomclub.archive.review import list_held

    held = list_held(services)
    for h in held:
        if as_json:
            echo_json(h)
            continue
        click.echo(f"{h['session']}  (meeting {h['meeting_id']}, {h['start_time']})")
        click.echo(f"  reason: {h['reason']}")
        proposal = (h["proposed_boundary"] or {}).get("facilitation_end_s")
        if proposal is not None:
            click.echo(f"  proposed cut: {_hms(proposal)}")
        for line in h["evidence"]:
            click.echo(f"  - {line}")
    if not held and not as_json:
        click.echo("no sessions are held")


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


@review_group.command("approve")
@click.argument("session")
@click.option("--boundary", metavar="HH:MM:SS", help="Cut here.")
@click.option("--no-trim", is_flag=True, help="Publish the whole recording.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_services
def approve_cmd(
    services: Services, session: str, boundary: str | None, no_trim: bool, as_json: bool
) -> None:
    """Publish held SESSION (with the proposed cut unless --boundary/--no-trim)."""
    from zoomclub.archive.review import approve

    outcome = approve(services, session, override_from(boundary, no_trim))
    raise SystemExit(print_outcomes([outcome], as_json))


@review_group.command("reject")
@click.argument("session")
@pass_services
def reject_cmd(services: Services, session: str) -> None:
    """Discard held SESSION: it is never published."""
    from zoomclub.archive.review import reject

    reject(services, session)
    click.echo(f"rejected {session}")


COMMANDS: list[click.Command] = [review_group]
