"""`zoomclub demo`: run the whole pipeline against the built-in Zoom emulator."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("demo")
@click.option(
    "--dir",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("zoomclub-demo"),
    show_default=True,
    help="Where the demo writes its archive, database and work files.",
)
@click.option(
    "--archive", "archive_url", help="Archive URL instead of DIR/archive, e.g. s3://bucket/prefix."
)
@click.option(
    "--s3-endpoint-url", help="S3-compatible endpoint for --archive s3://... (MinIO, R2...)."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary at the end.")
def demo_cmd(
    root: Path, archive_url: str | None, s3_endpoint_url: str | None, as_json: bool
) -> None:
    """Start the built-in Zoom emulator with a small club history, archive it with the real
    pipeline (cutting the Q&A) and build the site. Needs no Zoom account."""
    from zoomclub.cli.common import echo_json
    from zoomclub.demo import run_demo
    from zoomclub.log import setup_logging

    setup_logging("WARNING")
    report = run_demo(
        root,
        archive_url=archive_url,
        s3_endpoint_url=s3_endpoint_url,
        echo=(lambda _line: None) if as_json else click.echo,
    )
    if as_json:
        echo_json(
            {
                "archive": report.archive,
                "site": report.site,
                "outcomes": report.outcomes,
                "meetings": report.meetings,
            }
        )
    failed = [o for o in report.outcomes if o["status"] == "failed"]
    raise SystemExit(1 if failed else 0)


COMMANDS: list[click.Command] = [demo_cmd]
