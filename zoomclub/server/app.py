"""Starlette app served by uvicorn: ``POST /zoom/webhook``, ``POST /admin/archive``, ``GET /healthz``.

The app holds no state of its own: what to do on a webhook, an admin request or a health probe is
injected as :class:`ServerHooks` (the runtime wires them to the queue and the scheduler). Handlers
only verify, parse and queue — archiving happens in the worker, never inside a request, so Zoom's
3-second answer deadline is met.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from zoomclub import webhook
from zoomclub.clock import Clock
from zoomclub.errors import WebhookError, ZoomclubError

log = logging.getLogger(__name__)


@dataclass
class ServerHooks:
    """What the HTTP layer may ask of the rest of the program.

    ``queue_archive(meeting_id, uuid, source)`` queues an archive and returns a JSON-able summary;
    ``health()`` returns (healthy, report). ``site_app`` is mounted at "/" when given.
    """

    webhook_secret: str | None
    admin_token: str | None
    clock: Clock
    queue_archive: Callable[[int | None, str | None, str], dict[str, Any]]
    health: Callable[[], tuple[bool, dict[str, Any]]]
    site_app: ASGIApp | None = None


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def make_app(hooks: ServerHooks) -> Starlette:
    async def zoom_webhook(request: Request) -> Response:
        body = await request.body()
        if len(body) > webhook.MAX_BODY_BYTES:
            return _error(413, "body too large")
        try:
            webhook.verify(hooks.webhook_secret or "", request.headers, body, hooks.clock.now())
            delivery = webhook.route(body)
        except WebhookError as exc:
            log.warning("webhook rejected: %s", exc, extra={"status": exc.status})
            return _error(exc.status, exc.message)
        if delivery.kind == "validate":
            assert delivery.plain_token is not None and hooks.webhook_secret
            return JSONResponse(
                {
                    "plainToken": delivery.plain_token,
                    "encryptedToken": webhook.encrypted_token(
                        hooks.webhook_secret, delivery.plain_token
                    ),
                }
            )
        if delivery.kind == "archive":
            try:
                queued = await run_in_threadpool(
                    hooks.queue_archive, delivery.meeting_id, delivery.meeting_uuid, "webhook"
                )
            except Exception:  # e.g. the database is down: Zoom retries a non-2xx delivery
                log.exception("webhook %s: cannot queue the archive", delivery.event)
                return _error(503, "cannot queue the archive right now")
            log.info(
                "webhook %s queued %s",
                delivery.event,
                queued.get("ref"),
                extra={"event": delivery.event, "ref": queued.get("ref")},
            )
            return JSONResponse({"status": "queued", "event": delivery.event, **queued})
        return Response(status_code=204)

    async def admin_archive(request: Request) -> Response:
        token = hooks.admin_token
        if not token:
            return _error(403, "admin endpoint disabled: set ZOOMCLUB_SERVER__ADMIN_TOKEN")
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode("utf-8", "replace"), token.encode("utf-8")
        )
        if not ok:
            return JSONResponse(
                {"error": "missing or wrong bearer token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        ref: Any = request.query_params.get("meeting")
        if ref is None and await request.body():
            try:
                data = await request.json()
            except ValueError:
                return _error(400, 'body must be JSON like {"meeting": "81234567890"}')
            ref = data.get("meeting") if isinstance(data, dict) else None
        ref = str(ref).strip() if ref is not None else ""
        if not ref or len(ref) > 200:
            return _error(400, 'give the meeting id or UUID as ?meeting= or {"meeting": ...}')
        mid = int(ref) if ref.isdigit() else None
        try:
            queued = await run_in_threadpool(
                hooks.queue_archive, mid, None if mid is not None else ref, "admin"
            )
        except ZoomclubError as exc:
            return _error(503, f"cannot queue: {exc}")
        except Exception:
            log.exception("admin archive %s: cannot queue", ref)
            return _error(503, "cannot queue the archive right now")
        return JSONResponse({"status": "queued", **queued}, status_code=202)

    async def healthz(request: Request) -> Response:
        healthy, report = await run_in_threadpool(hooks.health)
        return JSONResponse(
            {"status": "ok" if healthy else "unhealthy", **report},
            status_code=200 if healthy else 503,
        )

    routes: list[Any] = [
        Route("/zoom/webhook", zoom_webhook, methods=["POST"]),
        Route("/admin/archive", admin_archive, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    if hooks.site_app is not None:
        routes.append(Mount("/", app=hooks.site_app))
    return Starlette(routes=routes)
