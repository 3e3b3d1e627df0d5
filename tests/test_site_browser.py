"""The site in a real headless Chromium: log in, search a transcript phrase, open the moment,
click a transcript line and watch the video seek; and the same search opened from file://.

Served by the real private-site app (zoomclub.site.serve, uvicorn on 127.0.0.1, Range requests
for the video). Skipped, with the reason, where Debian's chromium is not on PATH.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_site_data import TZ, entry, vtt, write_archive
from zoomclub.site.build import build_site
from zoomclub.site.search import tokens
from zoomclub.site.serve import make_site_app
from zoomclub.storage import Storage, open_storage

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no `chromium` on PATH (Debian package chromium; .ci/run installs it)"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASS = "open sesame"
KEY = "2026-01-07-attention"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture(scope="session")
def video_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20-second H.264/AAC test clip, made once per test session."""
    import imageio_ffmpeg

    out = tmp_path_factory.mktemp("media") / "video.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel", "error",
            "-f", "lavfi", "-i", "testsrc=size=320x180:rate=10",
            "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "20", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-movflags", "+faststart", str(out),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return out


def archive(root: Path, video: Path) -> Storage:
    storage = open_storage(str(root))
    entries = [
        entry(KEY, "2026-01-07T12:00:00+01:00", title="Attention Is All You Need", duration=20),
        entry(
            "2025-12-17-resnets",
            "2025-12-17T12:00:00+01:00",
            title="Deep Residual Learning",
            facilitator="Grace Hopper",
            duration=20,
        ),
    ]
    transcripts = {
        KEY: vtt(
            [
                (1.0, "Ada Lovelace: Welcome back, everyone, to the paper club."),
                (4.0, "Dr. Alan Turing: Today's paper drops recurrence entirely."),
                (8.0, "Ada Lovelace: The positional encodings are sinusoidal functions."),
                (12.0, "Dr. Alan Turing: Multi-head attention lets each head specialise."),
                (16.0, "Ada Lovelace: Let us look at the results table next."),
            ],
            step=3.5,
        ),
        "2025-12-17-resnets": vtt(
            [(2.0, "Grace Hopper: Residual connections make very deep networks trainable; paper.")]
        ),
    }
    write_archive(storage, entries, transcripts)
    storage.put_file(f"sessions/{KEY}/video.mp4", video, content_type="video/mp4")
    build_site(storage, club_name="Paper Club", timezone=TZ)
    return storage


@pytest.fixture
def site(tmp_path: Path, video_mp4: Path) -> Storage:
    return archive(tmp_path / "archive", video_mp4)


@pytest.fixture
def server(site: Storage) -> Iterator[str]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(make_site_app(site, passphrase=PASS), log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if srv.started:
            break
        threading.Event().wait(0.01)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_search_open_moment_click_line_seeks_video(
    browser: object, server: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(server + "/")
    assert "/login" in page.url
    page.get_by_label("Club passphrase").fill(PASS)
    page.get_by_role("button", name="Enter").click()
    page.wait_for_url(server + "/")

    search = page.get_by_label("Search titles, facilitators and everything said")
    search.fill("paper")  # said in both sessions: its postings are a bitmap in the index
    page.locator(".result").nth(1).wait_for(timeout=10_000)
    assert page.locator(".result").count() == 2
    search.fill("positional encod")
    page.locator(".result").nth(1).wait_for(state="detached", timeout=10_000)
    hit = page.locator(".result .hits a").first
    hit.wait_for(timeout=10_000)
    assert page.locator(".result").count() == 1  # only the session that said it
    assert hit.locator("mark").first.inner_text().lower() == "positional"
    assert hit.get_attribute("href") == f"sessions/{KEY}/index.html#t=00:08"
    hit.click()
    page.wait_for_url(f"**/sessions/{KEY}/index.html#t=00:08")

    player = page.locator("#player")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
    page.wait_for_function(
        "Math.abs(document.getElementById('player').currentTime - 8) < 0.5", timeout=10_000
    )
    current = page.locator("#transcript a.current")
    assert "positional encodings" in current.inner_text()

    page.locator("#transcript a", has_text="Multi-head attention").click()
    page.wait_for_function("document.getElementById('player').currentTime >= 12", timeout=10_000)
    assert page.url.endswith("#t=00:12")
    page.wait_for_function(
        "document.querySelector('#transcript a.current').textContent.includes('Multi-head')",
        timeout=10_000,
    )
    page.select_option("#speed", "1.5")
    assert player.evaluate("v => v.playbackRate") == 1.5
    player.evaluate("v => v.pause()")

    # keyboard: lines are links, reachable with Tab and activated with Enter
    page.locator("#transcript a", has_text="Welcome back").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('player').currentTime < 4", timeout=10_000)

    shot = tmp_path / "session.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    if os.environ.get("ZOOMCLUB_UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SCREENSHOTS / "site-session.png")
    assert errors == []


def test_search_works_from_file_urls_on_a_phone(
    browser: object, site: Storage, tmp_path: Path
) -> None:
    root = Path(site.url_for("index.html")).parent
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((root / "index.html").as_uri())
    page.get_by_label("Search titles, facilitators and everything said").fill(
        "residual connections"
    )
    hit = page.locator(".result .hits a").first
    hit.wait_for(timeout=10_000)
    assert "Deep Residual Learning" in page.locator(".result h3").first.inner_text()
    # a facilitator's name finds their sessions too
    page.get_by_label("Search titles, facilitators and everything said").fill("grace hopper")
    page.locator(".result .meta mark", has_text="Grace").wait_for(timeout=10_000)
    assert page.locator(".result").count() == 1
    assert "Deep Residual Learning" in page.locator(".result h3").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the index page must not scroll sideways on a phone"
    # the page tokenises queries exactly as zoomclub.site.search tokenises transcripts
    source = (root / "static" / "site.js").read_text()
    assert "var TOKEN = /[\\p{L}\\p{N}]+/gu;" in source
    samples = ["Multi-head ATTENTION, 2017's GPT_4 café", "Ünïcödé ΣΊΣΥΦΟΣ naïve", "x²+y₂ ½ 中文 ٣"]
    for text in samples:
        js = page.evaluate("t => t.toLowerCase().match(/[\\p{L}\\p{N}]+/gu) || []", text)
        assert js == tokens(text), text
    shot = tmp_path / "index-phone.png"
    page.screenshot(path=str(shot))
    if os.environ.get("ZOOMCLUB_UPDATE_SCREENSHOTS"):
        shutil.copy(shot, SCREENSHOTS / "site-index-phone.png")
    assert errors == []
