"""Webhook endpoint latency and throughput: real uvicorn on loopback, real SQLite queue.

Each delivery is signed like Zoom's and names a new recording instance, so every request verifies
the signature, parses the body and commits one queue row. Zoom wants an answer within 3 s.

    python bench/webhook_server.py [--requests 2000] [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import uvicorn

from zoomclub import queue
from zoomclub.clock import SystemClock
from zoomclub.db import transaction
from zoomclub.runtime import Runtime
from zoomclub.server import ServerHooks, make_app
from zoomclub.settings import ArchiveSettings, Settings
from zoomclub.webhook import signature
from zoomclub.wiring import Services

SECRET = "bench-secret"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zoomclub-bench-"))
    services = Services(
        settings=Settings(
            archive=ArchiveSettings(url=str(tmp / "archive")),
            database_url=f"sqlite:///{tmp / 'bench.db'}",
        ),
        clock=SystemClock(),
    )
    rt = Runtime(services=services, archive=lambda ref: [])
    app = make_app(
        ServerHooks(
            webhook_secret=SECRET,
            admin_token=None,
            clock=services.clock,
            queue_archive=rt.queue_archive,
            health=rt.health,
        )
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/zoom/webhook"
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)

    local = threading.local()

    def deliver(i: int) -> float:
        if not hasattr(local, "s"):
            local.s = requests.Session()
        body = json.dumps(
            {
                "event": "recording.completed",
                "event_ts": int(time.time() * 1000),
                "payload": {"object": {"id": 81000000000 + i, "uuid": f"bench-{i}=="}},
                "download_token": "t",
            },
            separators=(",", ":"),
        ).encode()
        ts = str(int(time.time()))
        t0 = time.perf_counter()
        r = local.s.post(
            url,
            data=body,
            headers={"x-zm-signature": signature(SECRET, ts, body), "x-zm-request-timestamp": ts},
            timeout=10,
        )
        took = time.perf_counter() - t0
        assert r.status_code == 200, r.text
        return took

    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as pool:
        lat = sorted(pool.map(deliver, range(args.requests)))
    wall = time.perf_counter() - t0
    with transaction(services.db) as db:
        n = len(queue.list_items(db))
    server.should_exit = True
    q = statistics.quantiles(lat, n=100)
    print(
        f"{args.requests} deliveries, {args.threads} client threads: {args.requests / wall:.0f} req/s, "
        f"latency p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms; "
        f"{n} queue rows"
    )


if __name__ == "__main__":
    main()
