"""The REST API host (``api.zoom.us/v2``): bearer check, then a small route table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from zoomclub.emulator.api_common import error
from zoomclub.emulator.api_meetings import (
    create_meeting,
    delete_meeting,
    get_meeting,
    get_user,
    list_meetings,
    past_instances,
    update_meeting,
)
from zoomclub.emulator.api_recordings import (
    delete_recording_file,
    delete_recordings,
    get_recordings,
    list_recordings,
)
from zoomclub.emulator.httpserver import Request, Response

if TYPE_CHECKING:
    from zoomclub.emulator.core import ZoomEmulator

Route = Callable[["ZoomEmulator", Request, list[str]], Response]


def handle(emu: ZoomEmulator, req: Request) -> Response:
    auth = req.headers.get("authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    if token is None and "access_token" in req.query:
        return error(
            401,
            124,
            "Invalid access token, this access token is not supported as query parameter string.",
        )
    problem = emu.token_problem(token)
    if problem:
        return error(401, 124, problem)
    if not req.path.startswith("/v2/"):
        return error(404, 404, "Not Found")
    parts = req.path[len("/v2/") :].split("/")
    for pattern, method, route, label in ROUTES:
        if (
            method == req.method
            and len(pattern) == len(parts)
            and all(p.startswith("{") or p == s for p, s in zip(pattern, parts, strict=True))
        ):
            args = [s for p, s in zip(pattern, parts, strict=True) if p.startswith("{")]
            resp = route(emu, req, args)
            resp.headers.setdefault(
                "x-zm-trackingid", f"v=2.0;clid=us05;rid=WEB_{emu.new_token(8)}"
            )
            resp.headers.setdefault("X-RateLimit-Category", label)
            return resp
    return error(404, 404, f"No handler for {req.method} {req.path}")


ROUTES: list[tuple[list[str], str, Route, str]] = [
    (["users", "{u}"], "GET", get_user, "Light"),
    (["users", "{u}", "meetings"], "POST", create_meeting, "Light"),
    (["users", "{u}", "meetings"], "GET", list_meetings, "Medium"),
    (["users", "{u}", "recordings"], "GET", list_recordings, "Medium"),
    (["meetings", "{m}"], "GET", get_meeting, "Light"),
    (["meetings", "{m}"], "PATCH", update_meeting, "Light"),
    (["meetings", "{m}"], "DELETE", delete_meeting, "Light"),
    (["meetings", "{m}", "recordings"], "GET", get_recordings, "Light"),
    (["meetings", "{m}", "recordings"], "DELETE", delete_recordings, "Light"),
    (["meetings", "{m}", "recordings", "{r}"], "DELETE", delete_recording_file, "Light"),
    (["past_meetings", "{m}", "instances"], "GET", past_instances, "Medium"),
]
