"""`zoomclub site`: build the members' archive site; preview it behind the club passphrase."""

from __future__ import annotations

import click

from zoomclub.cli.common import echo_json, pass_services
from zoomclub.errors import ConfigError
from zoomclub.wiring import Services


@click.group("site")
def group() -> None:
    """The members' archive site (index, session pages, search, podcast feed, calendar)."""


@group.command("build")
@click.option(
    "--session",
    "sessions",
    multiple=True,
    metavar="KEY",
    help="Re-render only this session's page (repeatable); the index, search index and feeds "
    "are always refreshed. Default: every page.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@pass_services
def build(services: Services, sessions: tuple[str, ...], as_json: bool) -> None:
    """Render the static site into the archive root (a local folder or the S3 bucket).

    Incremental with --session; pages of sessions whose catalog entry changed are redone anyway.
    """
    from zoomclub.site.publish import publish_site

    report = publish_site(services, changed=list(sessions) if sessions else None)
    if as_json:
        echo_json(report.to_json())
        return
    click.echo(
        f"site: {report.sessions} sessions, {report.pages_rendered} pages rendered, "
        f"{len(report.written)} files written, {len(report.skipped)} unchanged, "
        f"{len(report.deleted)} removed; search index {report.search_index_bytes:,} bytes; "
        f"{report.seconds:.2f}s"
    )
    for problem in report.problems:
        click.echo(f"  problem: {problem}", err=True)


@group.command("serve")
@click.option("--host", default=None, help="Interface (default: ZOOMCLUB_SERVER__HOST).")
@click.option("--port", type=int, default=None, help="Port (default: ZOOMCLUB_SERVER__PORT).")
@pass_services
def serve(services: Services, host: str | None, port: int | None) -> None:
    """Serve the archive site behind the club passphrase (ZOOMCLUB_SERVER__SITE_PASSPHRASE).

    The same app `zoomclub run` mounts for private archives; use this to preview one.
    """
    import uvicorn

    from zoomclub.site.serve import make_site_app

    server = services.settings.server
    if server.site_passphrase is None:
        raise ConfigError("ZOOMCLUB_SERVER__SITE_PASSPHRASE is not set: choose a club passphrase")
    app = make_site_app(services.storage, passphrase=server.site_passphrase.get_secret_value())
    uvicorn.run(app, host=host or server.host, port=port or server.port, log_level="warning")


COMMANDS: list[click.Command] = [group]
