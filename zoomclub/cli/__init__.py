"""The `zoomclub` command. Commands parse arguments, ask the wiring for services, call one library
function and map :class:`~zoomclub.errors.ZoomclubError` to a one-line message and exit code."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys

import click

from zoomclub import __version__
from zoomclub.errors import ZoomclubError

# Each command lives in the module of the same name under zoomclub.cli (in its COMMANDS). A
# module is imported only when its command runs (or help lists it): `zoomclub archive` does not
# pay for the scheduler, the web server and the emulator at start-up.
_COMMANDS = (
    "config",
    "demo",
    "archive",
    "boundary",
    "review",
    "schedule",
    "meeting",
    "run",
    "site",
    "emulator",
)


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _COMMANDS and cmd_name not in self.commands:
            module = importlib.import_module(f"zoomclub.cli.{cmd_name}")
            for cmd in module.COMMANDS:
                self.add_command(cmd)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="zoomclub")
def cli() -> None:
    """Run a weekly Zoom paper club unattended: schedule meetings, archive the facilitation part of
    each recording (never the Q&A), and publish a site members can browse.

    Settings come from ZOOMCLUB_* environment variables, a .env file or zoomclub.toml;
    see `zoomclub config check`.
    """


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


def run() -> None:
    """The process entry point (the `zoomclub` script, `python -m zoomclub`): :func:`main`, then
    an immediate exit once output and logs are flushed.

    Tearing the interpreter down after an archive (freeing every module, closing pools that are
    already idle) takes a few tenths of a second that nobody waits for on purpose. Everything
    that matters is done by then: files are closed or renamed, the database committed, threads
    joined. Tests call :func:`main`, which returns normally.
    """
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)
