"""The HTTP server over real loopback HTTP (uvicorn), wired to a real database and queue."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn

from zoomclub import queue
from zoomclub.db import transaction
from zoomclub.emulator import ZoomEmulator
from zoomclub.runtime import Runtime
from zoomclub.scheduler import build_scheduler
from zoomclub.server import ServerHooks, make_app
from zoomclub.settings import ArchiveSettings, ClubSettings, ServerSettings, Settings, ZoomSettings
from zoomclub.webhook import encrypted_token, signature
from zoomclub.wiring import Services

ADMIN = "admin-token-for-tests"


class Served:
    def __init__(self, url: str, rt: Runtime, emu: ZoomEmulator) -> None:
        self.url, self.rt, self.emu = url, rt, emu
        self.archived: list[int | str] = []

    def queued(self) -> list[queue.QueueItem]:
        with transaction(self.rt.services.db) as db:
            return queue.list_items(db)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` under uvicorn on a free loopback port, in a thread; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)  # waiting for a real server thread to bind, not for simulated time
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def served(zoom_emulator: ZoomEmulator, tmp_path: Path) -> Iterator[Served]:
    settings = Settings(
        zoom=ZoomSettings(webhook_secret_token=zoom_emulator.webhook_secret_token),
        server=ServerSettings(admin_token=ADMIN),
        archive=ArchiveSettings(url=str(tmp_path / "archive"), work_dir=tmp_path / "work"),
        club=ClubSettings(),
        database_url=f"sqlite:///{tmp_path / 'srv.db'}",
    )
    services = Services(settings=settings, clock=zoom_emulator.clock)
    archived: list[int | str] = []

    def archive(ref: int | str) -> list[Any]:  # never called inside a request (asserted below)
        archived.append(ref)
        return []

    rt = Runtime(services=services, archive=archive)
    rt.scheduler = build_scheduler(services.engine, settings.club)
    rt.scheduler.start(paused=True)
    app = make_app(
        ServerHooks(
            webhook_secret=zoom_emulator.webhook_secret_token,
            admin_token=ADMIN,
            clock=services.clock,
            queue_archive=rt.queue_archive,
            health=rt.health,
        )
    )
    with serving(app) as base:
        s = Served(base, rt, zoom_emulator)
        s.archived = archived
        yield s
    if rt.scheduler.running:
        rt.scheduler.shutdown(wait=False)
    services.close()


def recording_event(event: str = "recording.completed", mid: int = 81234567890) -> dict[str, Any]:
    return {
        "event": event,
        "event_ts": 1767787200123,
        "payload": {
            "account_id": "acct",
            "object": {"id": mid, "uuid": "Ab/c//d+e==", "topic": "Paper Club"},
        },
        "download_token": "tok",
    }


def test_recording_webhook_is_queued_fast_and_duplicates_are_harmless(served: Served) -> None:
    t0 = time.monotonic()
    status, body = served.emu.deliver_webhook(served.url + "/zoom/webhook", recording_event())
    assert status == 200, body
    assert time.monotonic() - t0 < 3
    again, _ = served.emu.deliver_webhook(served.url + "/zoom/webhook", recording_event())
    tc, _ = served.emu.deliver_webhook(
        served.url + "/zoom/webhook", recording_event("recording.transcript_completed")
    )
    assert again == tc == 200
    assert [(i.ref, i.state, i.source) for i in served.queued()] == [
        ("Ab/c//d+e==", "queued", "webhook")
    ]
    assert served.archived == []  # archiving happens in the worker, never in the request


def test_url_validation_answers_the_challenge(served: Served) -> None:
    payload = {
        "event": "endpoint.url_validation",
        "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
        "event_ts": 1,
    }
    status, body = served.emu.deliver_webhook(served.url + "/zoom/webhook", payload)
    assert status == 200
    assert json.loads(body) == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        "encryptedToken": encrypted_token(
            served.emu.webhook_secret_token, "qgg8vlvZRS6UYooatFL8Aw"
        ),
    }


def test_rejections(served: Served) -> None:
    url = served.url + "/zoom/webhook"
    now = int(served.emu.clock.now().timestamp())
    status, _ = served.emu.deliver_webhook(url, recording_event(), secret="wrong-secret")
    assert status == 401
    status, _ = served.emu.deliver_webhook(url, recording_event(), timestamp=now - 301)
    assert status == 401
    raw = b'{"event":"recording.completed","payload":{"object":{"id":1,"uuid":"u"}}}'
    good = signature(served.emu.webhook_secret_token, str(now), raw)
    tampered = requests.post(
        url,
        data=raw.replace(b'"id":1', b'"id":2'),
        headers={"x-zm-signature": good, "x-zm-request-timestamp": str(now)},
        timeout=5,
    )
    assert tampered.status_code == 401
    expected = signature(
        served.emu.webhook_secret_token, str(now), raw.replace(b'"id":1', b'"id":2')
    )
    assert expected[3:] not in tampered.text and good[3:] not in tampered.text
    bare = requests.post(url, data=raw, timeout=5)
    assert bare.status_code == 401
    assert served.queued() == []


def test_admin_archive_requires_the_bearer_token(served: Served) -> None:
    url = served.url + "/admin/archive"
    assert requests.post(url, json={"meeting": "81234567890"}, timeout=5).status_code == 401
    wrong = requests.post(
        url, json={"meeting": "1"}, headers={"Authorization": f"Bearer {ADMIN}x"}, timeout=5
    )
    assert wrong.status_code == 401 and ADMIN not in wrong.text
    auth = {"Authorization": f"Bearer {ADMIN}"}
    ok = requests.post(url, json={"meeting": "81234567890"}, headers=auth, timeout=5)
    assert ok.status_code == 202 and ok.json()["ref"] == "81234567890"
    by_uuid = requests.post(url, params={"meeting": "/Ab//c=="}, headers=auth, timeout=5)
    assert by_uuid.status_code == 202
    assert requests.post(url, data=b"{", headers=auth, timeout=5).status_code == 400
    assert requests.post(url, headers=auth, timeout=5).status_code == 400
    assert requests.get(url, headers=auth, timeout=5).status_code == 405
    assert sorted(i.ref for i in served.queued()) == ["/Ab//c==", "81234567890"]


def test_healthz_reports_and_fails_when_the_scheduler_stops(served: Served) -> None:
    r = requests.get(served.url + "/healthz", timeout=5)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["storage"]["ok"] and body["scheduler"]["running"]
    served.rt.run_job("meetings-sync", lambda: ("ok", "2026-01-14:created"))
    jobs = requests.get(served.url + "/healthz", timeout=5).json()["jobs"]
    assert jobs["meetings-sync"]["result"] == "ok"
    assert served.rt.scheduler is not None
    served.rt.scheduler.shutdown(wait=False)
    r = requests.get(served.url + "/healthz", timeout=5)
    assert r.status_code == 503 and r.json()["status"] == "unhealthy"


def test_private_site_is_mounted_beside_the_api(tmp_path: Path) -> None:
    from zoomclub.clock import FakeClock
    from zoomclub.runtime import site_app
    from zoomclub.settings import ServerSettings

    settings = Settings(
        server=ServerSettings(site_passphrase="members only"),
        archive=ArchiveSettings(url=str(tmp_path / "archive")),
        database_url=f"sqlite:///{tmp_path / 'site.db'}",
    )
    services = Services(settings=settings, clock=FakeClock())
    site = site_app(services)
    assert site is not None
    assert site_app(Services(settings=Settings(database_url=settings.database_url))) is None
    app = make_app(
        ServerHooks(
            webhook_secret="s",
            admin_token=None,
            clock=services.clock,
            queue_archive=lambda mid, uuid, source: {},
            health=lambda: (True, {}),
            site_app=site,
        )
    )
    try:
        with serving(app) as base:
            page = requests.get(base + "/", timeout=5, allow_redirects=False)
            assert page.status_code in (302, 303, 307, 401) or "passphrase" in page.text.lower()
            assert requests.get(base + "/healthz", timeout=5).status_code == 200
            admin = requests.post(base + "/admin/archive", json={"meeting": "1"}, timeout=5)
            assert admin.status_code == 403  # no admin token configured: the endpoint is off
    finally:
        services.close()
