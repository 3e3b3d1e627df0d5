"""Private archives: the site served by ``zoomclub run`` behind one club passphrase.

**Design.** Public is the default: the site is plain files in the archive root, for any static
host, S3 website hosting, CloudFront or ``file://``. A club that wants its archive private keeps
the bucket (or folder) private and sets ``ZOOMCLUB_SERVER__SITE_PASSPHRASE``; ``zoomclub run``
then mounts :func:`make_site_app`, which serves the very same files to members who know the
passphrase. We chose this over presigned links: a presigned page's relative links (to the next
page, the video, the search shards) are not presigned, and links that expire after at most a week
would have to be re-issued to every member. With the passphrase app:

- ``GET /login`` shows a form; ``POST /login`` compares the passphrase in constant time and sets a
  signed, ``HttpOnly``, ``SameSite=Lax`` cookie (``Secure`` over https) valid for 30 days. The
  signing key is derived from the passphrase, so changing the passphrase signs everyone out.
- Every other path needs the cookie (or redirects to the login form). ``/static/`` (our CSS and
  JS, nothing of the club's) is public so the login form is styled.
- Objects stream from storage in 1 MiB blocks with HTTP ``Range`` support (206, 416), so video
  seeking works and memory stays flat. Local archives are read from disk; S3 archives are
  proxied through a short-lived presigned URL (the bucket stays private), or, with
  ``redirect_media=True``, video/audio requests are redirected to that presigned URL so the bytes
  do not pass through the daemon.
- Responses carry a strict Content-Security-Policy, ``nosniff`` and ``no-referrer`` headers.

Not handled here: rate limiting of wrong passphrases (put the daemon behind a proxy that does it
if the club's passphrase is weak).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from zoomclub.errors import InputError, ZoomclubError
from zoomclub.storage import Storage, guess_content_type, validate_key

log = logging.getLogger(__name__)

COOKIE = "zoomclub_site"
COOKIE_MAX_AGE_S = 30 * 24 * 3600
CHUNK = 1024 * 1024
PROXY_URL_TTL_S = 600
MEDIA_SUFFIXES = (".mp4", ".m4a")
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self' https:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _key_for(passphrase: str) -> bytes:
    return hashlib.sha256(b"zoomclub-site-cookie\0" + passphrase.encode("utf-8")).digest()


def make_token(passphrase: str, now: float, max_age_s: int = COOKIE_MAX_AGE_S) -> str:
    expires = str(int(now) + max_age_s)
    sig = hmac.new(_key_for(passphrase), expires.encode(), hashlib.sha256).hexdigest()
    return f"{expires}.{sig}"


def token_valid(passphrase: str, token: str | None, now: float) -> bool:
    if not token or "." not in token:
        return False
    expires, sig = token.split(".", 1)
    if not expires.isdigit():
        return False
    good = hmac.new(_key_for(passphrase), expires.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(good, sig) and int(expires) > now


def passphrase_matches(passphrase: str, given: str) -> bool:
    # compare digests, so the comparison time says nothing about the length either
    a = hashlib.sha256(passphrase.encode("utf-8")).digest()
    b = hashlib.sha256(given.encode("utf-8")).digest()
    return hmac.compare_digest(a, b)


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(first, last) inclusive for a single satisfiable range; None for no/ignored header;
    ``"unsatisfiable"`` for a range outside the object."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None  # multi-range or garbage: RFC 9110 lets us answer 200 with everything
    if m.group(1):
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else size - 1
        if first >= size or last < first:
            return "unsatisfiable"
        return first, min(last, size - 1)
    suffix = int(m.group(2))
    if suffix == 0 or size == 0:
        return "unsatisfiable"
    return max(0, size - suffix), size - 1


def _safe_next(value: str | None, prefix: str) -> str:
    """``value`` if it is a path on this site, else the site's front page (no open redirect)."""
    bad = not value or not value.startswith(prefix + "/") or value.startswith("//")
    if bad or "\\" in (value or ""):
        return prefix + "/"
    return str(value)


def _prefix(request: Request) -> str:
    """Where the app is mounted (``zoomclub run`` may mount it under a path such as ``/site``)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _login_page(next_path: str, prefix: str, error: str = "") -> str:
    err = f'<p class="notice" role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Members' archive</title>
<link rel="stylesheet" href="{prefix}/static/site.css"></head>
<body><main id="main" class="wrap"><h1>Members' archive</h1>{err}
<form class="search" method="post" action="{prefix}/login">
<input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="passphrase">Club passphrase</label>
<div class="search-row"><input id="passphrase" name="passphrase" type="password"
 autocomplete="current-password" required autofocus>
<button type="submit">Enter</button></div></form></main></body></html>"""


def _file_chunks(path: Path, first: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(first)
        left = length
        while left > 0:
            block = f.read(min(CHUNK, left))
            if not block:
                break
            left -= len(block)
            yield block


def make_site_app(
    storage: Storage,
    *,
    passphrase: str,
    redirect_media: bool = False,
    clock: Callable[[], float] = time.time,
    http: requests.Session | None = None,
) -> Starlette:
    """The members' site behind ``passphrase`` (an ASGI app to mount or run with uvicorn).

    Raises :class:`InputError` for an empty passphrase.
    """
    if not passphrase or not passphrase.strip():
        raise InputError("the site passphrase must not be empty")
    session = http or requests.Session()

    def authed(request: Request) -> bool:
        return token_valid(passphrase, request.cookies.get(COOKIE), clock())

    async def login_form(request: Request) -> Response:
        nxt = _safe_next(request.query_params.get("next"), _prefix(request))
        return HTMLResponse(_login_page(nxt, _prefix(request)), headers=SECURITY_HEADERS)

    async def login(request: Request) -> Response:
        body = await request.body()
        if len(body) > 8192:
            return HTMLResponse(
                _login_page("/", _prefix(request), "Too long."), 413, headers=SECURITY_HEADERS
            )
        form = parse_qs(body.decode("utf-8", "replace"))
        nxt = _safe_next((form.get("next") or [""])[0], _prefix(request))
        given = (form.get("passphrase") or [""])[0]
        if not passphrase_matches(passphrase, given):
            log.warning(
                "site: wrong passphrase from %s", request.client.host if request.client else "?"
            )
            return HTMLResponse(
                _login_page(nxt, _prefix(request), "That is not the club passphrase."),
                401,
                headers=SECURITY_HEADERS,
            )
        resp = RedirectResponse(nxt, status_code=303, headers=SECURITY_HEADERS)
        resp.set_cookie(
            COOKIE,
            make_token(passphrase, clock()),
            max_age=COOKIE_MAX_AGE_S,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return resp

    async def logout(request: Request) -> Response:
        resp = RedirectResponse(
            _prefix(request) + "/login", status_code=303, headers=SECURITY_HEADERS
        )
        resp.delete_cookie(COOKIE)
        return resp

    def serve(request: Request) -> Response:
        path = request.path_params.get("path", "")
        if not path.startswith("static/") and not authed(request):
            prefix = _prefix(request)
            target = f"{prefix}/login?next=" + quote(f"{prefix}/{path}", safe="/")
            return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)
        key = path + "index.html" if path == "" or path.endswith("/") else path
        try:
            validate_key(key)
            info = storage.head(key)
        except InputError:
            info = None
        except ZoomclubError as exc:
            log.warning("site: cannot read %s: %s", key, exc)
            return Response("archive unavailable\n", 503, headers=SECURITY_HEADERS)
        if info is None:
            return Response("not found\n", 404, media_type="text/plain", headers=SECURITY_HEADERS)
        ctype = info.content_type or guess_content_type(key)
        location = storage.url_for(key)
        remote = location.startswith(("http://", "https://"))
        if remote and redirect_media and key.endswith(MEDIA_SUFFIXES):
            url = storage.url_for(key, expires_s=PROXY_URL_TTL_S)
            return RedirectResponse(url, status_code=307, headers=SECURITY_HEADERS)
        headers = {
            **SECURITY_HEADERS,
            "Accept-Ranges": "bytes",
            "Cache-Control": "private, no-cache"
            if ctype.startswith("text/html")
            else "private, max-age=300",
        }
        if info.sha256:
            headers["ETag"] = f'"{info.sha256[:32]}"'
        rng = parse_range(request.headers.get("range"), info.size)
        if rng == "unsatisfiable":
            headers["Content-Range"] = f"bytes */{info.size}"
            return Response(b"", 416, headers=headers)
        status = 200
        first, length = 0, info.size
        if isinstance(rng, tuple):
            first, length = rng[0], rng[1] - rng[0] + 1
            headers["Content-Range"] = f"bytes {rng[0]}-{rng[1]}/{info.size}"
            status = 206
        headers["Content-Length"] = str(length)
        if request.method == "HEAD":
            return Response(b"", status, headers=headers, media_type=ctype)
        body: Iterator[bytes]
        if remote:
            body = _remote_chunks(
                session, storage.url_for(key, expires_s=PROXY_URL_TTL_S), first, length
            )
        else:
            body = _file_chunks(Path(location), first, length)
        return StreamingResponse(body, status, headers=headers, media_type=ctype)

    async def serve_async(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(serve, request)

    routes = [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/{path:path}", serve_async, methods=["GET", "HEAD"]),
    ]
    return Starlette(routes=routes)


def _remote_chunks(session: requests.Session, url: str, first: int, length: int) -> Iterator[bytes]:
    headers: dict[str, Any] = {"Range": f"bytes={first}-{first + length - 1}"} if length else {}
    with session.get(url, headers=headers, stream=True, timeout=30) as resp:
        if resp.status_code not in (200, 206):
            log.warning("site: storage answered %d for a proxied read", resp.status_code)
            return
        # A server that ignored Range sends everything from byte 0 (rclone answers 200 but with
        # a Content-Range when it did honour it).
        honoured = resp.status_code == 206 or "Content-Range" in resp.headers
        skip = 0 if honoured else first
        left = length
        for block in resp.iter_content(CHUNK):
            if skip:
                cut = min(skip, len(block))
                block, skip = block[cut:], skip - cut
            if not block:
                continue
            block = block[:left]
            left -= len(block)
            yield block
            if left <= 0:
                break
