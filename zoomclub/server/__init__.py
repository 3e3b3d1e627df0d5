"""The HTTP side of `zoomclub run`: Zoom webhooks, the admin trigger and the health check."""

from __future__ import annotations

from zoomclub.server.app import ServerHooks, make_app

__all__ = ["ServerHooks", "make_app"]
