"""`zoomclub config check`: load settings, report every problem, optionally try Zoom."""

from __future__ import annotations

import click

from zoomclub.cli.common import echo_json


@click.group("config")
def config_group() -> None:
    """Inspect and check settings."""


@config_group.command("check")
@click.option("--online", is_flag=True, help="Also get a Zoom token and make one cheap API call.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def check(online: bool, as_json: bool) -> None:
    """Load settings and report every problem (exit 2 when there is one)."""
    from zoomclub.config_check import run_check

    report = run_check(online=online)
    if as_json:
        echo_json(report)
    else:
        for line in report["settings"]:
            click.echo(f"  {line}")
        for problem in report["problems"]:
            click.echo(f"problem: {problem}", err=True)
        for warning in report["warnings"]:
            click.echo(f"warning: {warning}", err=True)
        click.echo("ok" if not report["problems"] else f"{len(report['problems'])} problem(s)")
    if report["problems"]:
        raise SystemExit(2)


COMMANDS: list[click.Command] = [config_group]
