"""`zoomclub boundary`: where does facilitation end in this transcript?"""

from __future__ import annotations

from pathlib import Path

import click

from zoomclub.cli.common import echo_json, get_services
from zoomclub.transcript.boundary import BoundaryDecision, detect_boundary
from zoomclub.transcript.files import read_transcript


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _describe(d: BoundaryDecision) -> str:
    if d.needs_review:
        head = "HOLD for an organizer: publish nothing until reviewed"
        if d.facilitation_end_s is not None:
            head += f" (best guess {_clock(d.facilitation_end_s)})"
    elif d.facilitation_end_s is None:
        head = "no Q&A in this recording: keep it whole"
    else:
        head = f"facilitation ends at {_clock(d.facilitation_end_s)} ({d.facilitation_end_s:.3f} s)"
    lines = [head, f"confidence {d.confidence:.2f}: {d.reason}"]
    lines += [f"  - {e}" for e in d.evidence]
    return "\n".join(lines)


@click.command("boundary")
@click.argument("transcript", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
@click.option(
    "--facilitation-minutes",
    type=click.FloatRange(min=0, min_open=True, max=10_000),
    default=None,
    help="The club's usual facilitation length (default: ZOOMCLUB_CLUB__FACILITATION_MINUTES).",
)
@click.pass_context
def cmd(
    ctx: click.Context, transcript: Path, as_json: bool, facilitation_minutes: float | None
) -> None:
    """Detect where facilitation ends in TRANSCRIPT (a Zoom .vtt file), i.e. where Q&A begins.

    Prints the cut time, or that the recording holds no Q&A, or that it must be held for an
    organizer. Exit 0 whenever an answer was produced (a hold included); 2 for unreadable input.
    """
    if facilitation_minutes is None:
        facilitation_minutes = float(get_services(ctx).settings.club.facilitation_minutes)
    parsed = read_transcript(transcript)
    for warning in parsed.warnings:
        click.echo(f"zoomclub: warning: {transcript}: {warning}", err=True)
    decision = detect_boundary(parsed.cues, facilitation_minutes=facilitation_minutes)
    if as_json:
        echo_json(decision.to_json())
    else:
        click.echo(_describe(decision))


COMMANDS = [cmd]
