"""The `zoomclub` command. Commands parse arguments, ask the wiring for services, call one library
function and map :class:`~zoomclub.errors.ZoomclubError` to a one-line message and exit code."""

from __future__ import annotations

import sys

import click

from zoomclub import __version__
from zoomclub.cli import (
    archive,
    boundary,
    config,
    demo,
    emulator,
    meeting,
    review,
    run,
    schedule,
    site,
)
from zoomclub.errors import ZoomclubError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="zoomclub")
def cli() -> None:
    """Run a weekly Zoom paper club unattended: schedule meetings, archive the facilitation part of
    each recording (never the Q&A), and publish a site members can browse.

    Settings come from ZOOMCLUB_* environment variables, a .env file or zoomclub.toml;
    see `zoomclub config check`.
    """


for _module in (config, demo, archive, boundary, review, schedule, meeting, run, site, emulator):
    for _cmd in _module.COMMANDS:
        cli.add_command(_cmd)


def main(argv: list[str] | None = None) -> None:
    try:
        rc = cli.main(args=argv, prog_name="zoomclub", standalone_mode=False)
    except ZoomclubError as exc:
        click.echo(f"zoomclub: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("zoomclub: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("zoomclub: interrupted", err=True)
        sys.exit(130)
    sys.exit(rc if isinstance(rc, int) else 0)
