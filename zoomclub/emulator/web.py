"""The web host (``zoom.us``: OAuth token endpoint and ``/rec/...`` downloads) and the file host
(signed, auth-free URLs that stream bytes from disk with single-range support)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

from zoomclub.emulator.httpserver import Request, Response, json_response
from zoomclub.emulator.model import SIGNED_URL_TTL, FileState
from zoomclub.emulator.signing import check_file_signature, sign_file

if TYPE_CHECKING:
    from zoomclub.emulator.core import ZoomEmulator

SCOPE = "meeting:read:admin meeting:write:admin recording:read:admin recording:write:admin user:read:admin"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _oauth_error(reason: str, err: str) -> Response:
    return json_response(400, {"reason": reason, "error": err})


def _api_error(status: int, code: int, message: str) -> Response:
    return json_response(status, {"code": code, "message": message})


def handle_web(emu: ZoomEmulator, req: Request) -> Response:
    if req.path == "/oauth/token" and req.method == "POST":
        return oauth_token(emu, req)
    parts = req.path.strip("/").split("/")
    if req.method in ("GET", "HEAD") and len(parts) == 3 and parts[:2] == ["rec", "download"]:
        return download(emu, req, parts[2])
    if (
        req.method in ("GET", "HEAD")
        and len(parts) == 4
        and parts[:2] == ["rec", "webhook_download"]
    ):
        return webhook_download(emu, req, parts[2], parts[3])
    if (
        req.method == "GET"
        and len(parts) == 3
        and parts[0] == "rec"
        and parts[1] in ("play", "share")
    ):
        html = b"<!doctype html><title>Zoom</title><p>Recording player (emulated).</p>"
        return Response(200, {"Content-Type": "text/html; charset=utf-8"}, html)
    return Response(404, {"Content-Type": "text/html"}, b"<html><body>Not found</body></html>")


def oauth_token(emu: ZoomEmulator, req: Request) -> Response:
    """S2S OAuth. Params are read from the form body only (Zoom now refuses query-string params)."""
    auth = req.headers.get("authorization", "")
    client = ""
    if auth[:6].lower() == "basic ":
        try:
            client = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            client = ""
    if client != f"{emu.client_id}:{emu.client_secret}":
        return _oauth_error("Invalid client_id or client_secret", "invalid_client")
    ctype = req.headers.get("content-type", "").split(";")[0].strip().lower()
    form = (
        parse_qs(req.body.decode("utf-8", "replace"))
        if ctype == "application/x-www-form-urlencoded"
        else {}
    )
    if form.get("grant_type", [""])[0] != "account_credentials":
        return _oauth_error("unsupported grant type", "unsupported_grant_type")
    account = form.get("account_id", [""])[0]
    if not account:
        return _oauth_error("Missing account_id", "invalid_request")
    if account != emu.account_id:
        return _oauth_error("Invalid account_id", "invalid_request")
    token = emu.issue_token()
    return json_response(
        200,
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": emu.token_ttl_s,
            "scope": SCOPE,
            "api_url": emu.api_url.removesuffix("/v2"),
        },
    )


def _bearer(req: Request) -> str | None:
    auth = req.headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else None


def _downloadable(emu: ZoomEmulator, f: FileState | None) -> bool:
    if f is None or f.deleted:
        return False
    inst = emu.instances.get(f.instance_uuid)
    if inst is None or inst.deleted or inst.trashed:
        return False
    now = emu.clock.now()
    return now >= inst.ready_at and (not f.is_transcript or now >= inst.transcript_ready_at)


def _redirect(emu: ZoomEmulator, f: FileState) -> Response:
    expires = int((emu.clock.now() + SIGNED_URL_TTL).timestamp())
    sig = sign_file(emu.secret, f.id, expires)
    name = quote(f"{f.file_type.lower()}-{f.id[:8]}.{f.file_extension.lower()}")
    location = f"{emu.files_url}/file/{f.id}/{name}?Expires={expires}&Signature={sig}"
    return Response(302, {"Location": location, "Content-Type": "text/html"}, b"")


def download(emu: ZoomEmulator, req: Request, token: str) -> Response:
    """``/rec/download/<t>``: needs the API bearer token (or an ``include_fields`` download token)."""
    bearer = _bearer(req)
    if bearer is None and "access_token" in req.query:
        return _api_error(
            401,
            124,
            "Invalid access token, this access token is not supported as query parameter string.",
        )
    problem = emu.token_problem(bearer)
    if problem and bearer is not None:
        with emu.lock:
            exp = emu.download_access_tokens.get(bearer)
        if exp is not None and emu.clock.now() < exp:
            problem = None
    if problem:
        return _api_error(401, 124, problem)
    with emu.lock:
        f = emu.files_by_token.get(token)
        if not _downloadable(emu, f):
            return _api_error(404, 3301, "This recording does not exist.")
        assert f is not None
        return _redirect(emu, f)


def webhook_download(emu: ZoomEmulator, req: Request, token: str, token2: str) -> Response:
    """``/rec/webhook_download/<a>/<b>``: only the webhook ``download_token`` (Bearer or query)."""
    given = _bearer(req) or req.query.get("access_token")
    with emu.lock:
        f = emu.files_by_token.get(token)
        if f is None or f.webhook_token != token2:
            return _api_error(404, 3301, "This recording does not exist.")
        entry = emu.webhook_tokens.get(given or "")
        if entry is None or entry[0] != f.instance_uuid:
            return _api_error(401, 124, "Invalid access token.")
        if emu.clock.now() >= entry[1]:
            return _api_error(401, 124, "Access token is expired.")
        if not _downloadable(emu, f):
            return _api_error(404, 3301, "This recording does not exist.")
        return _redirect(emu, f)


def handle_files(emu: ZoomEmulator, req: Request) -> Response:
    parts = req.path.strip("/").split("/")
    if req.method not in ("GET", "HEAD") or len(parts) != 3 or parts[0] != "file":
        return _xml_error(404, "NoSuchKey", "The specified key does not exist.")
    file_id = parts[1]
    try:
        expires = int(req.query.get("Expires", ""))
    except ValueError:
        return _xml_error(403, "AccessDenied", "Missing or malformed Expires.")
    if not check_file_signature(emu.secret, file_id, expires, req.query.get("Signature", "")):
        return _xml_error(403, "SignatureDoesNotMatch", "The request signature is invalid.")
    if emu.clock.now().timestamp() > expires:
        return _xml_error(403, "AccessDenied", "Request has expired.")
    with emu.lock:
        f = emu.files_by_id.get(file_id)
        if not _downloadable(emu, f):
            return _xml_error(404, "NoSuchKey", "The specified key does not exist.")
        assert f is not None
        ignore_range = emu.files_ignore_range
    size = f.size
    headers = {
        "Content-Type": f.content_type,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'attachment; filename="{parts[2]}"',
        "ETag": f'"{f.id}-{size}"',
    }
    rng = req.headers.get("range")
    if rng and not ignore_range:
        m = _RANGE.match(rng.strip())
        if m and (m.group(1) or m.group(2)):
            first, last = m.group(1), m.group(2)
            if first:
                start = int(first)
                end = min(int(last), size - 1) if last else size - 1
            else:
                start, end = max(0, size - int(last)), size - 1
            if start >= size or end < start:
                headers["Content-Range"] = f"bytes */{size}"
                return Response(416, headers, b"")
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            return Response(206, headers, file=f.path, offset=start, length=end - start + 1)
    return Response(200, headers, file=f.path, offset=0, length=size)


def _xml_error(status: int, code: str, message: str) -> Response:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error>"
    ).encode()
    return Response(status, {"Content-Type": "application/xml"}, body)
