"""`zoomclub emulator`: run the built-in Zoom emulator in the foreground."""

from __future__ import annotations

import threading
from pathlib import Path

import click


@click.command("emulator")
@click.option("--api-port", type=click.IntRange(0, 65535), default=0, help="API port (0 = free).")
@click.option(
    "--web-port", type=click.IntRange(0, 65535), default=0, help="OAuth/download port (0 = free)."
)
@click.option(
    "--files-port", type=click.IntRange(0, 65535), default=0, help="File host port (0 = free)."
)
@click.option(
    "--media-cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where generated media are cached (default: the system temp dir).",
)
@click.option(
    "--token-ttl",
    type=click.IntRange(1),
    default=3599,
    show_default=True,
    help="Token lifetime, s.",
)
@click.option("--sample", is_flag=True, help="Record one finished sample session at start.")
@click.option(
    "--webhook-url",
    help="With --sample: deliver signed recording.completed and "
    "recording.transcript_completed webhooks to this URL.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the environment as one JSON object.")
def emulator_cmd(
    api_port: int,
    web_port: int,
    files_port: int,
    media_cache: Path | None,
    token_ttl: int,
    sample: bool,
    webhook_url: str | None,
    as_json: bool,
) -> None:
    """Serve a Zoom stand-in on 127.0.0.1 until Ctrl-C and print the ZOOMCLUB_ZOOM__* settings
    that point zoomclub at it (as `export` lines, or JSON with --json)."""
    from zoomclub.cli.common import echo_json
    from zoomclub.emulator import ZoomEmulator
    from zoomclub.emulator.sample import seed_sample

    emu = ZoomEmulator(token_ttl_s=token_ttl, media_cache=media_cache)
    try:
        emu.start(api_port=api_port, web_port=web_port, files_port=files_port)
    except OSError as exc:
        raise click.ClickException(f"cannot bind the emulator's ports: {exc}") from exc
    try:
        env = emu.env()
        if sample:
            inst = seed_sample(emu)
            click.echo(f"# sample meeting {inst.meeting_id}, instance {inst.uuid}", err=True)
            if webhook_url:
                for event in ("recording.completed", "recording.transcript_completed"):
                    status, _ = emu.deliver_webhook(
                        webhook_url, emu.webhook_payload(event, inst.uuid)
                    )
                    click.echo(f"# {event} -> {webhook_url}: HTTP {status}", err=True)
        if as_json:
            echo_json(env)
        else:
            for key, value in env.items():
                click.echo(f"export {key}={value}")
        click.echo("# Zoom emulator running; Ctrl-C to stop.", err=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("# stopped", err=True)
    finally:
        emu.stop()


COMMANDS: list[click.Command] = [emulator_cmd]
