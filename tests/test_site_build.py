"""The static site: page structure, links, escaping of hostile input, incremental rebuilds."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_site_data import (
    HOSTILE_LINE,
    HOSTILE_NAME,
    HOSTILE_TITLE,
    TZ,
    entry,
    standard_archive,
    vtt,
    write_archive,
)
from zoomclub.errors import InputError
from zoomclub.site.build import build_site
from zoomclub.site.search import decode_postings, encode_postings, tokens
from zoomclub.storage import Storage, open_storage

NOW = datetime(2026, 1, 8, 9, 0, tzinfo=UTC)


class Page(HTMLParser):
    """Every element with its attributes, and the text outside <script>/<style>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.elements
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def build(storage: Storage, **kw: object) -> object:
    return build_site(storage, club_name="Paper Club", timezone=TZ, now=NOW, **kw)  # type: ignore[arg-type]


def page(root: Path, key: str) -> Page:
    return Page((root / key).read_text("utf-8"))


def assert_safe(p: Page) -> None:
    """No element, attribute or URL that an untrusted string could have introduced."""
    scripts = [a.get("src") or "" for a in p.find("script")]
    assert all(s.split("?")[0].endswith(("static/site.js", "search-index.js")) for s in scripts)
    for tag, attrs in p.elements:
        assert tag not in ("img", "iframe", "object", "embed", "b_") or tag == "b"
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src") and value:
                assert not value.strip().lower().startswith(("javascript:", "data:")), value


@pytest.fixture
def site(tmp_path: Path) -> Path:
    storage = standard_archive(tmp_path)
    build(storage)
    return tmp_path


def test_index_lists_sessions_newest_first_with_links(site: Path) -> None:
    p = page(site, "index.html")
    cards = [a["href"] for a in p.find("a") if (a.get("href") or "").startswith("sessions/")]
    assert cards == [
        "sessions/2026-01-07-attention/index.html",
        "sessions/2025-12-17-hostile/index.html",
        "sessions/2025-12-10-audio-only/index.html",
    ]
    for href in cards:
        assert (site / href).is_file()
    assert p.find("time", datetime="2026-01-07T12:00:00+01:00")
    assert "Facilitated by Ada Lovelace" in p.all_text
    assert "45 min" in p.all_text
    papers = [a["href"] for a in p.find("a") if "paper" in (a.get("class") or "")]
    assert papers == ["https://arxiv.org/abs/1706.03762"]  # the javascript: one is dropped
    assert p.find("label", for_="q") and p.find("input", id="q", type="search")
    assert p.find("html", lang="en") and p.find("meta", name="viewport")
    for href in ("static/site.css", "search-index.js"):
        assert any((a.get("href") or a.get("src") or "").startswith(href) for _, a in p.elements)


def test_hostile_text_renders_as_text_everywhere(site: Path) -> None:
    for key in (
        "index.html",
        "sessions/2025-12-17-hostile/index.html",
        "upcoming.html",
    ):
        p = page(site, key)
        assert_safe(p)
    index = page(site, "index.html")
    assert HOSTILE_TITLE in index.all_text
    assert f"Facilitated by {HOSTILE_NAME}" in index.all_text
    hostile = page(site, "sessions/2025-12-17-hostile/index.html")
    assert HOSTILE_LINE in hostile.all_text
    assert not [a for a in hostile.find("a") if a.get("rel") and "external" in (a.get("rel") or "")]
    raw = (site / "sessions/2025-12-17-hostile/index.html").read_text()
    assert "<script>alert" not in raw and "onerror=alert" not in raw.replace(
        "onerror=alert(2)&gt;", ""
    )


def test_session_page_has_player_captions_transcript_and_downloads(site: Path) -> None:
    p = page(site, "sessions/2026-01-07-attention/index.html")
    assert_safe(p)
    (video,) = p.find("video", id="player")
    assert video["src"] == "video.mp4" and "controls" in video
    assert p.find("track", kind="captions", src="transcript.vtt")
    lines = [a for a in p.find("a") if a.get("data-t") is not None]
    assert [a["href"] for a in lines] == ["#t=00:01", "#t=00:05", "#t=00:09", "#t=00:14"]
    assert [a["data-t"] for a in lines] == ["1.0", "5.0", "9.0", "14.0"]
    assert (
        "Dr. Alan Turing" in p.all_text and "multi-head attention replaces recurrence" in p.all_text
    )
    downloads = {a["href"] for a in p.find("a") if "download" in a}
    assert downloads == {"video.mp4", "audio.m4a", "transcript.vtt"}
    assert p.find("label", for_="speed") and p.find("select", id="speed")
    assert p.find("a", href="https://arxiv.org/abs/1706.03762")
    assert p.find("link", rel="stylesheet")[0]["href"].startswith("../../static/site.css")  # type: ignore[union-attr]
    assert (site / "sessions/2026-01-07-attention/search.js").is_file()


def test_audio_only_session_without_transcript(site: Path) -> None:
    p = page(site, "sessions/2025-12-10-audio-only/index.html")
    assert not p.find("video") and p.find("audio", src="audio.m4a")
    assert "No transcript is published" in p.all_text
    assert "Paper Club" in p.all_text  # the topic stands in for the missing paper title
    assert not (site / "sessions/2025-12-10-audio-only/search.js").exists()


def test_search_index_holds_sessions_and_terms(site: Path) -> None:
    index = json.loads((site / "search-index.json").read_text())
    keys = [s[0] for s in index["sessions"]]
    assert keys == ["2025-12-10-audio-only", "2025-12-17-hostile", "2026-01-07-attention"]
    assert index["sessions"][2][1:] == ["2026-01-07", "Attention Is All You Need", "Ada Lovelace"]
    assert decode_postings(index["terms"]["recurrence"]) == [2]
    assert "mallory" not in index["terms"]  # speaker labels are not transcript text
    assert decode_postings(index["terms"]["fine"]) == [1]
    terms = (site / "sessions/2026-01-07-attention/search-terms.txt").read_text().split(" ")
    assert "recurrence" in terms and terms == sorted(set(terms))
    js = (site / "search-index.js").read_text()
    assert js.startswith("window.ZC_INDEX = {") and js.rstrip().endswith(";")


@given(st.lists(st.integers(0, 5000), unique=True))
def test_postings_round_trip(ordinals: list[int]) -> None:
    ordinals.sort()
    if ordinals:
        assert decode_postings(encode_postings(ordinals)) == ordinals


def test_tokens_are_letters_and_digits_lowercased() -> None:
    assert tokens("Multi-head ATTENTION, 2017's GPT_4 café") == [
        "multi", "head", "attention", "2017", "s", "gpt", "4", "café",
    ]  # fmt: skip


def test_second_build_rewrites_nothing_but_time_stamped_feeds(tmp_path: Path) -> None:
    storage = standard_archive(tmp_path)
    build(storage)
    report = build(storage, changed=[])
    assert report.pages_rendered == 0  # type: ignore[attr-defined]
    assert report.written == []  # type: ignore[attr-defined]


def test_adding_one_session_rewrites_only_what_changed(tmp_path: Path) -> None:
    storage = standard_archive(tmp_path)
    build(storage)
    catalog = json.loads(storage.get_bytes("catalog.json"))
    new = entry("2026-01-14-bert", "2026-01-14T12:00:00+01:00", title="BERT")
    write_archive(
        storage,
        [new, *catalog["sessions"]],
        {"2026-01-14-bert": vtt([(3.0, "Ada Lovelace: masked language modelling")])},
    )
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("index.html")}
    report = build(storage, changed=["2026-01-14-bert"])
    assert report.pages_rendered == 1  # type: ignore[attr-defined]
    assert sorted(report.written) == sorted(  # type: ignore[attr-defined]
        [
            "sessions/2026-01-14-bert/index.html",
            "sessions/2026-01-14-bert/search.js",
            "sessions/2026-01-14-bert/search-terms.txt",
            "search-index.json",
            "search-index.js",
            "index.html",
            "feed.xml",
        ]
    )
    after = {p: p.stat().st_mtime_ns for p in before}
    assert [p for p in before if before[p] != after[p]] == [tmp_path / "index.html"]
    index = json.loads((tmp_path / "search-index.json").read_text())
    assert index["sessions"][3][0] == "2026-01-14-bert"  # appended: other postings untouched
    assert decode_postings(index["terms"]["recurrence"]) == [2]
    assert decode_postings(index["terms"]["masked"]) == [3]
    full = build(storage)  # a full rebuild composes the same index from the term files
    assert full.pages_rendered == 4  # type: ignore[attr-defined]
    assert json.loads((tmp_path / "search-index.json").read_text()) == index


def test_a_changed_entry_is_rerendered_even_when_not_named(tmp_path: Path) -> None:
    storage = standard_archive(tmp_path)
    build(storage)
    catalog = json.loads(storage.get_bytes("catalog.json"))
    catalog["sessions"][0]["facilitator"] = "Grace Hopper"
    write_archive(storage, catalog["sessions"], {})
    report = build(storage, changed=[])
    assert report.pages_rendered == 1  # type: ignore[attr-defined]
    assert "Grace Hopper" in page(tmp_path, "sessions/2026-01-07-attention/index.html").all_text


def test_a_removed_session_loses_its_page_but_not_its_media(tmp_path: Path) -> None:
    storage = standard_archive(tmp_path)
    build(storage)
    catalog = json.loads(storage.get_bytes("catalog.json"))
    write_archive(storage, catalog["sessions"][1:], {})
    report = build(storage, changed=[])
    assert sorted(report.deleted) == [  # type: ignore[attr-defined]
        "sessions/2026-01-07-attention/index.html",
        "sessions/2026-01-07-attention/search-terms.txt",
        "sessions/2026-01-07-attention/search.js",
    ]
    index = json.loads((tmp_path / "search-index.json").read_text())
    assert [s[0] for s in index["sessions"]] == ["2025-12-10-audio-only", "2025-12-17-hostile"]
    assert "recurrence" not in index["terms"]
    assert (tmp_path / "sessions/2026-01-07-attention/transcript.vtt").exists()
    assert "2026-01-07-attention" not in (tmp_path / "index.html").read_text()


def test_lost_state_means_a_full_rebuild(tmp_path: Path) -> None:
    storage = standard_archive(tmp_path)
    build(storage)
    storage.put_bytes("site-state.json", b"garbage", content_type="application/json")
    report = build(storage, changed=[])
    assert report.pages_rendered == 3  # type: ignore[attr-defined]


def test_unreadable_transcript_is_reported_and_the_page_still_builds(tmp_path: Path) -> None:
    storage = standard_archive(tmp_path)
    storage.put_bytes(
        "sessions/2026-01-07-attention/transcript.vtt", b"not a vtt", content_type="text/vtt"
    )
    report = build(storage)
    assert any("2026-01-07-attention" in p for p in report.problems)  # type: ignore[attr-defined]
    assert (
        "could not be read" in page(tmp_path, "sessions/2026-01-07-attention/index.html").all_text
    )


def test_empty_archive_builds_a_site(tmp_path: Path) -> None:
    report = build(open_storage(str(tmp_path)))
    assert report.sessions == 0  # type: ignore[attr-defined]
    assert "Nothing archived yet" in page(tmp_path, "index.html").all_text


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"site_url": "javascript:alert(1)"}, "site url"),
        ({"private_link_ttl_s": 3600}, "passphrase"),
    ],
)
def test_bad_arguments_are_one_line_input_errors(tmp_path: Path, kw: dict, message: str) -> None:
    args = {"club_name": "Paper Club", "timezone": TZ, **kw}
    with pytest.raises(InputError, match=message):
        build_site(open_storage(str(tmp_path)), **args)


def test_bad_catalog_is_an_input_error(tmp_path: Path) -> None:
    storage = open_storage(str(tmp_path))
    storage.put_bytes("catalog.json", b"{nope", content_type="application/json")
    with pytest.raises(InputError, match=r"catalog\.json"):
        build(storage)


def test_full_rebuild_renders_from_shards_without_parsing_transcripts(tmp_path: Path) -> None:
    storage = standard_archive(tmp_path)
    build(storage)
    page_path = tmp_path / "sessions/2026-01-07-attention/index.html"
    cold = page_path.read_bytes()
    # same catalog entry (so same transcript hash): a rebuild must not need the VTT again
    (tmp_path / "sessions/2026-01-07-attention/transcript.vtt").write_bytes(b"unreadable now")
    report = build(storage)
    assert report.pages_rendered == 3 and report.problems == []  # type: ignore[attr-defined]
    assert page_path.read_bytes() == cold
    # naming the session forces a re-parse, which now finds the broken file
    report = build(storage, changed=["2026-01-07-attention"])
    assert report.problems  # type: ignore[attr-defined]


def test_many_pages_render_in_worker_processes_identically(tmp_path: Path) -> None:
    from zoomclub.site import pages
    from zoomclub.site.build import _package_files
    from zoomclub.site.catalog import parse_catalog

    n = pages.PARALLEL_MIN_JOBS + 2
    entries = [entry(f"s{i:03d}", "2025-01-01T12:00:00+01:00", title=f"P{i}") for i in range(n)]
    texts = {
        e["key"]: vtt([(1.0, f"Ada: word{i} said"), (3.0, "Bob: ok")])
        for i, e in enumerate(entries)
    }
    storage = open_storage(str(tmp_path))
    write_archive(storage, entries, texts)
    report = build(storage)
    assert report.pages_rendered == n  # type: ignore[attr-defined]
    assert pages.PageRenderer(n).parallel == ((os.cpu_count() or 1) >= 2)
    # the same job run in this process gives the same page
    s = parse_catalog(storage.get_bytes("catalog.json")).sessions[7]
    s = replace(s, start=s.start.astimezone(ZoneInfo(TZ)) if s.start else None)
    job = pages.PageJob(s, "Paper Club", _package_files()[1], vtt=texts[s.key])
    html = (tmp_path / f"sessions/{s.key}/index.html").read_bytes()
    assert pages.render_page(job).html == html
    index = json.loads((tmp_path / "search-index.json").read_text())
    assert decode_postings(index["terms"][f"word{int(s.key[1:])}"]) == [n - 1 - 7]


@given(st.lists(st.integers(0, 400), unique=True, min_size=1), st.integers(1, 60))
def test_appending_a_session_equals_encoding_from_scratch(ordinals: list[int], gap: int) -> None:
    from zoomclub.site.search import _append

    ordinals.sort()
    new = ordinals[-1] + gap
    assert decode_postings(_append(encode_postings(ordinals), new)) == [*ordinals, new]
    assert (
        len(_append(encode_postings(ordinals), new)) <= len(encode_postings([*ordinals, new])) + 1
    )
