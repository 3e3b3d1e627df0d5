"""Shared CLI plumbing: how a command gets its services and prints results."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar, cast

import click

from zoomclub.wiring import Services

F = TypeVar("F", bound=Callable[..., Any])


def get_services(ctx: click.Context) -> Services:
    """Build (once per process) the services from settings; ConfigError surfaces as exit 2."""
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    root.obj = obj
    if "services" not in obj:
        from zoomclub.log import setup_logging
        from zoomclub.settings import load_settings

        settings = load_settings()
        setup_logging(settings.log_level)
        services = Services(settings=settings, progress=True)
        ctx.call_on_close(services.close)
        obj["services"] = services
    return cast(Services, obj["services"])


def pass_services(f: F) -> F:
    """Decorator: call the command with ``services`` as its first argument."""

    @click.pass_context
    def new_func(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        return ctx.invoke(f, get_services(ctx), *args, **kwargs)

    return cast(F, update_wrapper(new_func, f))


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))
