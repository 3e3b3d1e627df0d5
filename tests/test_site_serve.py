"""The private site app: passphrase login, signed cookie, Range streaming from local and S3 stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.test_site_data import TZ, standard_archive
from zoomclub.errors import InputError
from zoomclub.site.build import build_site
from zoomclub.site.serve import (
    COOKIE,
    make_site_app,
    make_token,
    parse_range,
    token_valid,
)
from zoomclub.storage import Storage, open_storage

PASS = "correct horse battery staple"
VIDEO = bytes(range(256)) * 4096  # 1 MiB, every byte position distinguishable


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def fill(storage: Storage) -> None:
    build_site(storage, club_name="Paper Club", timezone=TZ)
    storage.put_bytes("sessions/2026-01-07-attention/video.mp4", VIDEO, content_type="video/mp4")


@pytest.fixture
def archive(tmp_path: Path) -> Storage:
    storage = standard_archive(tmp_path)
    fill(storage)
    return storage


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(archive: Storage, clock: Clock) -> Iterator[TestClient]:
    with TestClient(make_site_app(archive, passphrase=PASS, clock=clock)) as c:
        yield c


def login(client: TestClient, passphrase: str = PASS, next_path: str = "/") -> object:
    return client.post(
        "/login", data={"passphrase": passphrase, "next": next_path}, follow_redirects=False
    )


def test_everything_but_static_needs_the_passphrase(client: TestClient) -> None:
    for path in ("/", "/index.html", "/sessions/2026-01-07-attention/video.mp4", "/catalog.json"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next=")
    assert client.get("/static/site.css").status_code == 200
    form = client.get("/login?next=/index.html")
    assert 'type="password"' in form.text and 'for="passphrase"' in form.text


def test_wrong_passphrase_is_refused_without_a_cookie(client: TestClient) -> None:
    r = login(client, "wrong")
    assert r.status_code == 401  # type: ignore[attr-defined]
    assert COOKIE not in r.cookies  # type: ignore[attr-defined]
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_sets_a_signed_httponly_cookie_and_redirects_back(client: TestClient) -> None:
    r = login(client, next_path="/sessions/2026-01-07-attention/index.html")
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert r.headers["location"] == "/sessions/2026-01-07-attention/index.html"  # type: ignore[attr-defined]
    cookie = r.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/")
    assert page.status_code == 200 and "Session archive" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/sessions/2026-01-07-attention/").status_code == 200


@pytest.mark.parametrize("evil", ["//evil.example/", "https://evil.example/", "\\\\evil", "x"])
def test_login_never_redirects_off_site(client: TestClient, evil: str) -> None:
    assert login(client, next_path=evil).headers["location"] == "/"  # type: ignore[attr-defined]


def test_cookie_expires_and_a_new_passphrase_signs_everyone_out(clock: Clock) -> None:
    token = make_token(PASS, clock.now)
    assert token_valid(PASS, token, clock.now)
    assert not token_valid("new passphrase", token, clock.now)
    assert not token_valid(PASS, token, clock.now + 31 * 24 * 3600)
    expires, sig = token.split(".")
    assert not token_valid(PASS, f"{int(expires) + 10**6}.{sig}", clock.now)
    assert not token_valid(PASS, "garbage", clock.now)


def test_range_requests_for_video_seeking(client: TestClient) -> None:
    login(client)
    url = "/sessions/2026-01-07-attention/video.mp4"
    full = client.get(url)
    assert full.status_code == 200 and full.content == VIDEO
    assert full.headers["accept-ranges"] == "bytes" and full.headers["content-type"] == "video/mp4"
    part = client.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == VIDEO[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(VIDEO)}"
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == VIDEO[-10:]
    open_end = client.get(url, headers={"Range": f"bytes={len(VIDEO) - 5}-"})
    assert open_end.content == VIDEO[-5:]
    bad = client.get(url, headers={"Range": f"bytes={len(VIDEO)}-"})
    assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{len(VIDEO)}"
    head = client.head(url)
    assert head.headers["content-length"] == str(len(VIDEO)) and head.content == b""


def test_unknown_and_unsafe_paths_are_404(client: TestClient) -> None:
    login(client)
    for path in (
        "/nope.html",
        "/sessions/%2e%2e/catalog.json",
        "/.zc-meta/catalog.json.json",
        "/a//b",
    ):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    ("header", "want"),
    [
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=990-2000", (990, 999)),
        ("bytes=1000-", "unsatisfiable"),
        ("bytes=5-1", "unsatisfiable"),
        ("bytes=-0", "unsatisfiable"),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
        (None, None),
    ],
)
def test_parse_range(header: str | None, want: object) -> None:
    assert parse_range(header, 1000) == want


def test_empty_passphrase_is_refused(archive: Storage) -> None:
    with pytest.raises(InputError):
        make_site_app(archive, passphrase="  ")


def test_private_s3_archive_is_proxied_with_ranges(s3_storage: Storage, tmp_path: Path) -> None:
    local = standard_archive(tmp_path)
    for info in local.list(""):
        s3_storage.put_bytes(info.key, local.get_bytes(info.key), content_type="application/json")
    fill(s3_storage)
    with TestClient(make_site_app(s3_storage, passphrase=PASS)) as c:
        login(c)
        assert "Session archive" in c.get("/").text
        url = "/sessions/2026-01-07-attention/video.mp4"
        part = c.get(url, headers={"Range": "bytes=4096-8191"})
        assert part.status_code == 206 and part.content == VIDEO[4096:8192]
    with TestClient(make_site_app(s3_storage, passphrase=PASS, redirect_media=True)) as c:
        login(c)
        r = c.get(url, follow_redirects=False)
        assert r.status_code == 307 and "Signature" in r.headers["location"]


def test_local_archive_folder_stays_readable_only_through_the_app(tmp_path: Path) -> None:
    storage = open_storage(str(tmp_path))
    fill(storage)
    assert os.path.exists(tmp_path / "index.html")  # the same files also work as a public site


def test_mounted_under_a_path_keeps_every_link_under_it(archive: Storage) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    outer = Starlette(routes=[Mount("/site", app=make_site_app(archive, passphrase=PASS))])
    with TestClient(outer) as c:
        r = c.get("/site/sessions/2026-01-07-attention/index.html", follow_redirects=False)
        assert r.headers["location"] == (
            "/site/login?next=/site/sessions/2026-01-07-attention/index.html"
        )
        form = c.get(r.headers["location"]).text
        assert 'action="/site/login"' in form and 'href="/site/static/site.css"' in form
        done = c.post(
            "/site/login",
            data={"passphrase": PASS, "next": "/site/index.html"},
            follow_redirects=False,
        )
        assert done.headers["location"] == "/site/index.html"
        assert "Session archive" in c.get("/site/").text
        off = c.post(
            "/site/login", data={"passphrase": PASS, "next": "/other"}, follow_redirects=False
        )
        assert off.headers["location"] == "/site/"
