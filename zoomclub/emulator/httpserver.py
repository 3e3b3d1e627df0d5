"""Socket plumbing: one ThreadingHTTPServer per emulated host, request logging and fault injection.

Handlers are plain functions ``(Request) -> Response``; a :class:`Response` carries either bytes or
a byte range of a file on disk, which is streamed in 64 KiB chunks so memory stays flat.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from zoomclub.emulator.model import Fault, RequestRecord

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


@dataclass
class Request:
    host: str
    method: str
    path: str  # raw, percent-encoded, no query
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    file: Path | None = None
    offset: int = 0
    length: int = 0

    @property
    def content_length(self) -> int:
        return self.length if self.file is not None else len(self.body)


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
    h = {"Content-Type": "application/json;charset=UTF-8"}
    h.update(headers or {})
    return Response(status, h, json.dumps(obj, separators=(",", ":")).encode())


_DEFAULT_FAULT_BODIES: dict[int, Any] = {
    429: {
        "code": 429,
        "message": "You have reached the maximum per-second rate limit for this API. "
        "Try again later.",
    },
    500: {"code": 500, "message": "Internal server error."},
    502: b"<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>",
    503: b"<html><head><title>503 Service Unavailable</title></head><body></body></html>",
}


def fault_response(fault: Fault) -> Response:
    assert fault.status is not None
    body = fault.body if fault.body is not None else _DEFAULT_FAULT_BODIES.get(fault.status, b"")
    if isinstance(body, dict):
        resp = json_response(fault.status, body)
    else:
        ctype = "text/html" if body.lstrip().startswith(b"<") else "application/json;charset=UTF-8"
        resp = Response(fault.status, {"Content-Type": ctype}, body)
    resp.headers.update(fault.headers or {})
    return resp


class Dispatcher:
    """What a host server needs from the emulator (kept abstract to avoid an import cycle)."""

    def record(self, req: Request) -> RequestRecord:
        raise NotImplementedError

    def take_fault(self, host: str, method: str, path: str) -> Fault | None:
        raise NotImplementedError

    def dispatch(self, req: Request) -> Response:
        raise NotImplementedError


class HostServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, name: str, dispatcher: Dispatcher, port: int = 0, host: str = "127.0.0.1"
    ) -> None:
        self.name = name
        self.dispatcher = dispatcher
        super().__init__((host, port), _Handler)
        self.thread = threading.Thread(
            target=self.serve_forever, args=(0.1,), name=f"zoom-emulator-{name}", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: HostServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.server.name, format % args)

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    def _handle(self) -> None:
        emu = self.server.dispatcher
        raw_path, _, qs = self.path.partition("?")
        query = {k: v[0] for k, v in parse_qs(qs, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.server.name, self.command, raw_path, query, headers, body)
        record = emu.record(req)
        fault = emu.take_fault(req.host, req.method, raw_path)
        if fault is not None and fault.delay_s > 0:
            time.sleep(fault.delay_s)
        if fault is not None and fault.status is not None:
            resp = fault_response(fault)
        else:
            try:
                resp = emu.dispatch(req)
            except Exception:  # the emulator's own bug: answer like a server would, keep serving
                log.exception("emulator handler failed for %s %s", req.method, raw_path)
                resp = json_response(500, {"code": 500, "message": "Emulator internal error."})
        if fault is not None and fault.malformed_json:
            text = resp.body if resp.body else b'{"code":0,"message":"x"}'
            resp = Response(resp.status or 200, dict(resp.headers), text[: max(1, len(text) // 2)])
            resp.headers["Content-Type"] = "application/json;charset=UTF-8"
        record.status = resp.status
        self._write(resp, None if fault is None else fault.drop_after_bytes)

    def _write(self, resp: Response, drop_after: int | None) -> None:
        self.send_response(resp.status)
        headers = dict(resp.headers)
        headers["Content-Length"] = str(resp.content_length)
        for k, v in headers.items():
            self.send_header(k, v)
        if drop_after is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        budget = resp.content_length if drop_after is None else min(drop_after, resp.content_length)
        try:
            if resp.file is None:
                self.wfile.write(resp.body[:budget])
            else:
                with resp.file.open("rb") as f:
                    f.seek(resp.offset)
                    while budget > 0:
                        chunk = f.read(min(CHUNK, budget))
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        budget -= len(chunk)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        if drop_after is not None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)


Handler = Callable[[Request], Response]
