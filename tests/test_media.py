"""Media cutting on real files made by ffmpeg: H.264 (with B-frames) + AAC in MP4, AAC in M4A.

The "talk" fixture is red video with a 440 Hz tone for 3 s, then blue video with a 2000 Hz tone
(the "Q&A"). A cut at 3 s must leave no blue frame and no 2000 Hz audio, which we check by
decoding the result with PyAV, and the same detector must find both in the uncut source.
"""

from __future__ import annotations

import math
import subprocess
import tempfile
import threading
import time
from array import array
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoomclub.errors import MediaError
from zoomclub.media import MediaInfo, concat, ffmpeg_exe, probe, trim
from zoomclub.media.cut import plan_trim
from zoomclub.media.info import open_media, packets, probe_packets, sample_tables, tracks
from zoomclub.media.mp4index import agrees, read_tables
from zoomclub.media.plan import CutPlanner, Packet, Track, plan_cut, seconds_arg, to_us

RATE = 32000
CHANGE_S = 3.0  # where the talk turns into Q&A in the fixtures


def ffmpeg(*args: str) -> None:
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        capture_output=True,
    )


def make_talk(dest: Path, *, audio_only: bool = False, size: str = "160x90") -> Path:
    """Red + 440 Hz for CHANGE_S seconds, then blue + 2000 Hz for 3 s."""
    d = CHANGE_S
    srcs = [
        "-f", "lavfi", "-i", f"color=c=red:s={size}:r=10:d={d}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={RATE}:duration={d}",
        "-f", "lavfi", "-i", f"color=c=blue:s={size}:r=10:d=3",
        "-f", "lavfi", "-i", f"sine=frequency=2000:sample_rate={RATE}:duration=3",
    ]  # fmt: skip
    if audio_only:
        graph = "[1:a][3:a]concat=n=2:v=0:a=1[a]"
        ffmpeg(*srcs, "-filter_complex", graph, "-map", "[a]", "-c:a", "aac", str(dest))
    else:
        graph = "[0:v][1:a][2:v][3:a]concat=n=2:v=1:a=1[v][a]"
        ffmpeg(
            *srcs, "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-bf", "2",
            "-g", "20", "-c:a", "aac", "-b:a", "64k", str(dest),
        )  # fmt: skip
    return dest


def make_testsrc(dest: Path, seconds: float, size: str = "160x90") -> Path:
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc=size={size}:rate=10",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={RATE}",
        "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-bf", "2", "-g", "20", "-c:a", "aac", "-b:a", "64k", str(dest),
    )  # fmt: skip
    return dest


def make_slides(dest: Path) -> Path:
    """Variable frame rate, no B-frames, one frame per change: red 0-2 s, green 2-6 s, blue 6-8 s
    (like a shared screen of still slides; Zoom records those only when something changes)."""
    graph = (
        "color=c=red:s=160x90:r=10:d=2[a];color=c=green:s=160x90:r=10:d=4[b];"
        "color=c=blue:s=160x90:r=10:d=2[c];[a][b][c]concat=n=3:v=1:a=0,"
        "mpdecimate=max=0:hi=1:lo=1:frac=1,format=yuv420p[v]"
    )
    ffmpeg(
        "-filter_complex", graph, "-map", "[v]", "-fps_mode", "vfr", "-c:v", "libx264",
        "-preset", "ultrafast", "-bf", "0", "-g", "1000", str(dest),
    )  # fmt: skip
    return dest


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    return {
        "talk.mp4": make_talk(d / "talk.mp4"),
        "talk.m4a": make_talk(d / "talk.m4a", audio_only=True),
        "seg1.mp4": make_testsrc(d / "seg1.mp4", 4),
        "seg2.mp4": make_testsrc(d / "seg2.mp4", 2.5),
        "wide.mp4": make_testsrc(d / "wide.mp4", 2, size="320x180"),
        "slides.mp4": make_slides(d / "slides.mp4"),
    }


# --- decoding helpers: what a viewer would actually see and hear ---------------------------------


def tone_ratio(samples: array[int], hi: float = 2000.0, lo: float = 440.0) -> float:
    """Goertzel power at ``hi`` over power at ``lo``: > 1 means the Q&A tone dominates."""

    def power(freq: float) -> float:
        w = 2 * math.pi * freq / RATE
        c = 2 * math.cos(w)
        s1 = s2 = 0.0
        for x in samples:
            s1, s2 = x + c * s1 - s2, s1
        return s1 * s1 + s2 * s2 - c * s1 * s2

    return power(hi) / max(power(lo), 1e-9)


def decoded_audio(path: Path) -> array[int]:
    out: array[int] = array("h")
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    with av.open(str(path)) as c:
        for frame in c.decode(audio=0):
            for f in resampler.resample(frame):
                out.frombytes(bytes(f.planes[0])[: f.samples * 2])
    return out


def video_colours(path: Path) -> Iterator[tuple[float, str]]:
    """(pts seconds, "red"|"green"|"blue"|"other") for every decoded frame, in display order."""
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            small = frame.reformat(width=4, height=4, format="rgb24")
            plane = small.planes[0]
            raw = bytes(plane)
            rows = [raw[y * plane.line_size : y * plane.line_size + 12] for y in range(4)]
            px = b"".join(rows)
            r, g, b = (sum(px[i::3]) / 16 for i in range(3))
            colour = (
                "red" if r > 150 > max(g, b) else
                "blue" if b > 150 > max(r, g) else
                "green" if g > 100 > max(r, b) else "other"
            )  # fmt: skip
            yield float(frame.time or 0.0), colour


def top_level_boxes(path: Path) -> list[str]:
    """The MP4 top-level box types in file order (ftyp, moov, mdat, ...)."""
    names = []
    with path.open("rb") as fh:
        while header := fh.read(8):
            size, kind = int.from_bytes(header[:4], "big"), header[4:].decode("latin-1")
            if size == 1:
                size = int.from_bytes(fh.read(8), "big") - 8
            names.append(kind)
            fh.seek(size - 8, 1)
    return names


def moov_before_mdat(path: Path) -> bool:
    boxes = top_level_boxes(path)
    return boxes.index("moov") < boxes.index("mdat")


def last_ms(samples: array[int], ms: int) -> array[int]:
    return samples[-(RATE * ms // 1000) :]


# --- the detector works: the uncut source does contain the Q&A ------------------------------------


def test_detectors_see_the_q_and_a_in_the_source(media: dict[str, Path]) -> None:
    audio = decoded_audio(media["talk.mp4"])
    assert tone_ratio(last_ms(audio, 200)) > 10
    assert tone_ratio(audio[RATE : 2 * RATE]) < 0.1
    colours = [c for _, c in video_colours(media["talk.mp4"])]
    assert colours[0] == "red" and colours[-1] == "blue"


# --- probe -----------------------------------------------------------------------------------------


def test_probe_reads_packets_of_each_stream(media: dict[str, Path]) -> None:
    info = probe(media["talk.mp4"])
    assert isinstance(info, MediaInfo)
    assert [(s.kind, s.codec) for s in info.streams] == [("video", "h264"), ("audio", "aac")]
    video, audio = info.streams
    assert video.end_s == pytest.approx(6.0, abs=0.001)
    assert audio.end_s == pytest.approx(6.0, abs=0.05)
    assert info.duration_s == info.end_s == max(video.end_s, audio.end_s)
    assert video.packets == 60 and (video.width, video.height) == (160, 90)
    assert audio.sample_rate == RATE and audio.channels == 1
    assert info.start_s == 0.0


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"", "not a readable media file"),
        (b"this is not a video at all\n" * 100, "not a readable media file"),
        (bytes(range(256)) * 400, "not a readable media file"),
    ],
)
def test_probe_rejects_garbage_with_one_line(tmp_path: Path, content: bytes, what: str) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    with pytest.raises(MediaError, match=what) as exc:
        probe(bad)
    assert "\n" not in str(exc.value)


def test_probe_rejects_a_truncated_download(media: dict[str, Path], tmp_path: Path) -> None:
    # ffmpeg writes the index (moov) last unless +faststart: half a file has no index at all.
    data = media["seg1.mp4"].read_bytes()
    cut = tmp_path / "half.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError):
        probe(cut)


def test_probe_rejects_a_truncated_faststart_file(media: dict[str, Path], tmp_path: Path) -> None:
    # With the index first, half a file opens fine; the missing packets must still be noticed.
    fast = tmp_path / "fast.mp4"
    ffmpeg("-i", str(media["seg1.mp4"]), "-c", "copy", "-movflags", "+faststart", str(fast))
    data = fast.read_bytes()
    cut = tmp_path / "half.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="truncated"):
        probe(cut)


def test_probe_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such media file"):
        probe(tmp_path / "nope.mp4")


# --- trim ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [CHANGE_S, CHANGE_S - 0.05])
def test_trim_leaves_nothing_of_the_q_and_a(
    media: dict[str, Path], tmp_path: Path, cut: float
) -> None:
    out = tmp_path / "talk-cut.mp4"
    info = trim(media["talk.mp4"], out, cut)
    assert info == probe(out)
    assert [s.kind for s in info.streams] == ["video", "audio"]
    for s in info.streams:
        assert s.end_s <= cut + 1e-6, s
        assert s.end_s >= cut - 0.4, s  # early, but only by a frame or two (B-frames)
    colours = list(video_colours(out))
    assert {c for _, c in colours} == {"red"}
    assert colours[-1][0] >= cut - 0.5
    audio = decoded_audio(out)
    assert tone_ratio(audio) < 0.01  # no 2000 Hz anywhere, not even in the last frame
    assert tone_ratio(last_ms(audio, 64)) < 0.01
    assert len(audio) >= (cut - 0.1) * RATE


def test_trim_m4a_cuts_audio_early_by_at_most_two_frames(
    media: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "talk-cut.m4a"
    info = trim(media["talk.m4a"], out, CHANGE_S)
    (audio,) = info.streams
    frame_s = 1024 / RATE
    assert CHANGE_S - 2 * frame_s - 1e-6 <= audio.end_s <= CHANGE_S - frame_s + 1e-6
    samples = decoded_audio(out)
    assert tone_ratio(samples) < 0.01
    assert tone_ratio(last_ms(decoded_audio(media["talk.m4a"]), 100)) > 10


def test_trim_result_is_faststart_and_stream_copied(media: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "fast.mp4"
    trim(media["seg1.mp4"], out, 2.0)
    assert moov_before_mdat(out)
    assert not moov_before_mdat(media["seg1.mp4"])  # the check can tell
    with av.open(str(media["seg1.mp4"])) as a, av.open(str(out)) as b:
        src = [bytes(p) for p in a.demux(video=0) if p.size][:15]
        got = [bytes(p) for p in b.demux(video=0) if p.size][:15]
    assert got == src  # the very same packets: no re-encode


class FileWatcher:
    """A follower (see zoomclub.media.cut.Follower) that reads the output while ffmpeg writes it,
    the way the S3 upload does: every byte past ``stable_from`` as soon as the file has it."""

    def __init__(self, *, accept: bool = True) -> None:
        self.accept = accept
        self.calls: list[str] = []
        self.seen: list[tuple[int, bytes]] = []  # (offset, bytes) read before the writer ended
        self.stable_from = 0
        self.path: Path | None = None
        self.done_bytes = b""  # the file when the writer said it was complete
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, path: Path, stable_from: int) -> bool:
        self.calls.append("start")
        self.stable_from = stable_from
        self.path = path
        if self.accept:
            self._thread = threading.Thread(target=self._watch, args=(path,))
            self._thread.start()
        return self.accept

    def _watch(self, path: Path) -> None:
        pos = self.stable_from
        while not self._stop.is_set():
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                size = 0
            if size > pos:
                with path.open("rb") as f:
                    f.seek(pos)
                    self.seen.append((pos, f.read(size - pos)))
                pos = size
            time.sleep(0.001)

    def writer_done(self, *, complete: bool = False) -> None:
        self.calls.append("writer_done complete" if complete else "writer_done")
        if complete and self.path is not None:  # whole, and final: as the finished file reads
            self.done_bytes = self.path.read_bytes()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def cancel(self) -> None:
        self.calls.append("cancel")


def test_reserved_index_is_in_front_and_the_rest_is_written_once_in_order(
    media: dict[str, Path], tmp_path: Path
) -> None:
    # Big enough that ffmpeg is still writing when the watcher looks: 20 copies of a clip.
    clip = make_testsrc(tmp_path / "clip.mp4", 4, size="640x360")
    listing = tmp_path / "list.txt"
    listing.write_text(f"file '{clip}'\n" * 20)
    big = tmp_path / "big.mp4"
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(big))
    watcher = FileWatcher()
    out = tmp_path / "roomy.mp4"
    info = trim(big, out, 70.0, reserve_index=True, follower=watcher)
    assert watcher.calls == ["start", "writer_done complete"]
    assert watcher.done_bytes == out.read_bytes()  # told complete only once it was
    assert moov_before_mdat(out)
    boxes = top_level_boxes(out)
    assert boxes[:3] == ["ftyp", "moov", "free"]
    data = out.read_bytes()
    assert (
        data.index(b"mdat") + 12 <= watcher.stable_from
    )  # the headers ffmpeg rewrites are before it
    # What the watcher read while ffmpeg was writing is what the finished file holds.
    assert sum(len(b) for _, b in watcher.seen) == len(data) - watcher.stable_from
    assert len(watcher.seen) > 1  # it did see the file grow (it can tell)
    for offset, chunk in watcher.seen:
        assert data[offset : offset + len(chunk)] == chunk
    assert info == probe(out)
    src = probe(big)
    assert [s.packets for s in info.streams] < [s.packets for s in src.streams]


def test_index_room_too_small_falls_back_to_faststart(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zoomclub.media import cut

    monkeypatch.setattr(cut, "_MOOV_FIXED", 64)
    monkeypatch.setattr(cut, "_MOOV_PER_SAMPLE", 0)
    watcher = FileWatcher()
    out = tmp_path / "fallback.mp4"
    info = trim(media["talk.mp4"], out, CHANGE_S, reserve_index=True, follower=watcher)
    assert watcher.calls == ["start", "cancel", "writer_done"]
    plain = tmp_path / "plain.mp4"
    trim(media["talk.mp4"], plain, CHANGE_S)
    assert out.read_bytes() == plain.read_bytes()  # exactly what +faststart writes
    assert info == probe(out)
    assert {c for _, c in video_colours(out)} == {"red"}


def test_a_follower_that_declines_gets_the_same_bytes_written(
    media: dict[str, Path], tmp_path: Path
) -> None:
    # Whether an upload follows the write or not, the file is the same: a resumed archive (no
    # follower, the object exists) produces exactly what an uninterrupted one (followed) did.
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    trim(media["talk.mp4"], a, CHANGE_S, reserve_index=True, follower=FileWatcher())
    declined = FileWatcher(accept=False)
    trim(media["talk.mp4"], b, CHANGE_S, reserve_index=True, follower=declined)
    assert declined.calls == ["start"]
    assert a.read_bytes() == b.read_bytes()
    trim(media["talk.mp4"], tmp_path / "c.mp4", CHANGE_S)  # without the room: another layout
    assert a.read_bytes() != (tmp_path / "c.mp4").read_bytes()


def test_trim_past_the_end_keeps_everything(media: dict[str, Path], tmp_path: Path) -> None:
    src = probe(media["seg1.mp4"])
    info = trim(media["seg1.mp4"], tmp_path / "all.mp4", 100.0)
    assert [(s.packets, s.end_s) for s in info.streams] == [
        (s.packets, s.end_s) for s in src.streams
    ]


@pytest.mark.parametrize("cut", [0.75, 1.33, 2.0, 2.51, 3.29, 3.9])
def test_trim_never_ends_past_the_cut(media: dict[str, Path], tmp_path: Path, cut: float) -> None:
    info = trim(media["seg1.mp4"], tmp_path / "c.mp4", cut)
    for s in info.streams:
        early = 0.45 if s.kind == "video" else 2 * 1024 / RATE + 1e-6  # B-frames; AAC frames
        assert cut - early <= s.end_s <= cut, s


def test_trim_keeps_a_still_slide_shown_across_the_cut_until_the_cut(
    media: dict[str, Path], tmp_path: Path
) -> None:
    with av.open(str(media["slides.mp4"])) as c:
        frames = [(p.pts * p.time_base, p.duration * p.time_base) for p in c.demux() if p.size]
    assert frames == [(0, 2), (2, 4), (6, Fraction(1, 10))]  # the fixture is what we think
    info = trim(media["slides.mp4"], tmp_path / "cut.mp4", 5.0)
    (video,) = info.streams
    assert video.packets == 2 and video.end_s == pytest.approx(5.0, abs=0.001)
    assert video.end_s <= 5.0
    # the slide on screen at the cut is the one shown, not the one before it, and no Q&A (blue)
    assert [c for _, c in video_colours(tmp_path / "cut.mp4")] == ["red", "green"]
    strict = trim(media["slides.mp4"], tmp_path / "early.mp4", 1.0)
    assert strict.streams[0].packets == 1 and strict.end_s == pytest.approx(1.0, abs=0.001)


def test_trim_overwrites_dest_atomically(media: dict[str, Path], tmp_path: Path) -> None:
    dest = tmp_path / "out.mp4"
    dest.write_bytes(b"old")
    trim(media["seg1.mp4"], dest, 1.0)
    assert probe(dest).end_s <= 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_failed_trim_leaves_dest_untouched(media: dict[str, Path], tmp_path: Path) -> None:
    dest = tmp_path / "out.xyz"  # ffmpeg cannot pick a container for this name
    dest.write_bytes(b"old")
    with pytest.raises(MediaError, match="ffmpeg could not cut") as exc:
        trim(media["seg1.mp4"], dest, 1.0)
    assert "\n" not in str(exc.value)
    assert dest.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xyz"]


def test_trim_rejects_bad_input(media: dict[str, Path], tmp_path: Path) -> None:
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(MediaError, match="positive time"):
            trim(media["seg1.mp4"], tmp_path / "x.mp4", bad)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00" * 5000)
    with pytest.raises(MediaError):
        trim(garbage, tmp_path / "x.mp4", 1.0)
    with pytest.raises(MediaError, match=r"leaves no|too close to the start"):
        trim(media["seg1.mp4"], tmp_path / "x.mp4", 0.01)
    assert not (tmp_path / "x.mp4").exists()


# --- concat ----------------------------------------------------------------------------------------


def test_concat_two_segments_has_the_summed_duration(
    media: dict[str, Path], tmp_path: Path
) -> None:
    a, b = probe(media["seg1.mp4"]), probe(media["seg2.mp4"])
    info = concat([(media["seg1.mp4"], None), (media["seg2.mp4"], None)], tmp_path / "j.mp4")
    assert info.duration_s == pytest.approx(a.duration_s + b.duration_s, abs=0.001)
    for s, sa, sb in zip(info.streams, a.streams, b.streams, strict=True):
        assert s.packets == sa.packets + sb.packets
    assert sorted(p.name for p in tmp_path.iterdir()) == ["j.mp4"]
    assert moov_before_mdat(tmp_path / "j.mp4")


def test_concat_trims_each_part_and_keeps_the_q_and_a_out(
    media: dict[str, Path], tmp_path: Path
) -> None:
    # The talk is cut at the change; the part after it starts right where the cut part ends.
    info = concat([(media["talk.mp4"], CHANGE_S), (media["seg2.mp4"], 1.0)], tmp_path / "j.mp4")
    first = trim(media["talk.mp4"], tmp_path / "first.mp4", CHANGE_S)
    assert info.duration_s <= first.duration_s + 1.0 + 1e-6
    colours = list(video_colours(tmp_path / "j.mp4"))
    assert "blue" not in {c for _, c in colours}
    audio = decoded_audio(tmp_path / "j.mp4")
    assert tone_ratio(audio) < 0.01


def test_concat_of_audio_files(media: dict[str, Path], tmp_path: Path) -> None:
    one = probe(media["talk.m4a"])
    info = concat([(media["talk.m4a"], None), (media["talk.m4a"], 1.0)], tmp_path / "j.m4a")
    assert info.kinds() == ("audio",)
    assert one.duration_s + 0.9 <= info.duration_s <= one.duration_s + 1.0 + 1e-6


@pytest.mark.parametrize(
    ("other", "match"), [("wide.mp4", "without re-encoding"), ("talk.m4a", "different streams")]
)
def test_concat_refuses_parts_it_cannot_join(
    media: dict[str, Path], tmp_path: Path, other: str, match: str
) -> None:
    dest = tmp_path / "j.mp4"
    with pytest.raises(MediaError, match=match):
        concat([(media["seg1.mp4"], None), (media[other], None)], dest)
    assert list(tmp_path.iterdir()) == []


def test_concat_of_one_part(media: dict[str, Path], tmp_path: Path) -> None:
    cut = concat([(media["talk.mp4"], 2.0)], tmp_path / "one.mp4")
    assert cut.end_s <= 2.0 and cut == trim(media["talk.mp4"], tmp_path / "t.mp4", 2.0)
    whole = concat([(media["talk.mp4"], None)], tmp_path / "whole.mp4")
    assert [s.packets for s in whole.streams] == [
        s.packets for s in probe(media["talk.mp4"]).streams
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.mp4", "t.mp4", "whole.mp4"]


def test_concat_needs_parts(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="nothing to join"):
        concat([], tmp_path / "j.mp4")


# --- the plan, as a pure function ------------------------------------------------------------------

V = Track(0, "video", Fraction(1, 10))
A = Track(1, "audio", Fraction(1, 1000))


def vpkt(pts: int, dts: int) -> Packet:
    return Packet(stream=0, pts=pts, dts=dts, duration=1)


def test_plan_stops_before_a_reference_frame_shown_after_the_cut() -> None:
    # decode order I0 P3 B1 B2 P6 B4 B5, one frame = 0.1 s, dts shifted by the reorder delay
    order = [0, 3, 1, 2, 6, 4, 5]
    pkts = [vpkt(p, i - 2) for i, p in enumerate(order)]
    plan = plan_cut([V], pkts, 0.55)  # frames 0..4 end by 0.5; frame 6 ends at 0.7
    assert plan.kept == {0: 4}  # I0 P3 B1 B2; P6 is shown after the cut, so B4 goes too
    cut = plan.streams[0]
    assert cut.end == Fraction(4, 10)
    assert cut.limit_us == 150_000  # halfway between B2's dts (0.1 s) and P6's (0.2 s)


def test_plan_audio_keeps_one_frame_of_lookahead_clear() -> None:
    pkts = [Packet(1, t, t, 20) for t in range(0, 200, 20)]
    plan = plan_cut([A], pkts, 0.1)  # frames end at .02 .04 ...; window of 80..100 reaches 0.12
    assert plan.kept == {1: 4}
    assert plan.streams[1].end == Fraction(80, 1000)
    assert plan.streams[1].limit_us == 70_000


def test_plan_each_stream_has_its_own_limit_and_none_without_a_cut() -> None:
    pkts = [vpkt(0, -1), Packet(1, 0, 0, 20), vpkt(2, 0), Packet(1, 20, 20, 20), vpkt(1, 1)]
    plan = plan_cut([V, A], pkts, 0.15)
    # video stops at dts 0 (it shows frame 2, after the cut); audio is not held back by that
    assert plan.kept == {0: 1, 1: 2}
    assert plan.streams[0].limit_us == -50_000 and plan.streams[1].limit_us is None
    whole = plan_cut([V, A], pkts, 10.0)
    assert whole.kept == {0: 3, 1: 2}
    assert all(c.limit_us is None for c in whole.streams.values())
    assert seconds_arg(1_500_000) == "1.500000" and seconds_arg(-50_000) == "-0.050000"


def test_to_us_rounds_like_av_rescale_q() -> None:
    assert to_us(1, Fraction(1, 3_000_000)) == 0
    assert to_us(3, Fraction(1, 2_000_000)) == 2  # 1.5 µs rounds away from zero
    assert to_us(-3, Fraction(1, 2_000_000)) == -2
    assert to_us(1024, Fraction(1, 32000)) == 32000


def test_naive_stream_copy_cut_would_leak(media: dict[str, Path], tmp_path: Path) -> None:
    """Why the plan exists: `ffmpeg -c copy -t` keeps frames shown after the cut."""
    naive = tmp_path / "naive.mp4"
    ffmpeg("-i", str(media["talk.mp4"]), "-c", "copy", "-t", str(CHANGE_S + 0.05), str(naive))
    assert any(s.end_s > CHANGE_S + 0.05 for s in probe(naive).streams)
    assert "blue" in {c for _, c in video_colours(naive)}


@st.composite
def packet_runs(draw: st.DrawFn) -> tuple[Track, list[Packet], float]:
    """A stream of packets in decode order: dts strictly rising, pts anywhere near it."""
    kind = draw(st.sampled_from(["video", "audio"]))
    track = Track(0, kind, Fraction(1, draw(st.sampled_from([10, 1000, 32000, 90000]))))
    n = draw(st.integers(1, 40))
    dur = draw(st.integers(1, 3000))
    dts = draw(st.integers(-3 * dur, 0))
    reorder = draw(st.booleans())  # B-frames (pts after dts), or shown when decoded
    pkts = []
    for _ in range(n):
        dts += draw(st.integers(1, 2 * dur))
        pts = dts + (draw(st.integers(0, 3 * dur)) if reorder else 0)
        pkts.append(Packet(0, pts, dts, draw(st.integers(0, dur))))
    end = float(draw(st.integers(-5, 45 * dur)) * track.time_base)
    return track, pkts, end


@given(packet_runs())
def test_plan_invariants(run: tuple[Track, list[Packet], float]) -> None:
    track, pkts, end = run
    tb, factor = track.time_base, 1 + track.lookahead
    plan = plan_cut([track], pkts, end).streams[0]
    kept, rest = pkts[: plan.kept], pkts[plan.kept :]
    last_tick = math.floor(Fraction(end) / tb)

    def safe(p: Packet) -> bool:
        return (p.pts + p.duration * factor) * tb <= Fraction(end)

    def clippable(p: Packet, before: list[Packet]) -> bool:
        in_order = all(q.pts == q.dts for q in [*before, p])
        return track.kind == "video" and in_order and p.pts < last_tick

    strict = kept
    if plan.clip_s is not None:  # the last kept frame was captured before the cut, shown past it
        *strict, clipped = kept
        assert clippable(clipped, strict) and not safe(clipped)
        assert plan.clip_s == last_tick * tb == plan.end
    assert all(safe(p) for p in strict)  # nothing else shows (or codes) content past the cut
    if rest:
        if plan.clip_s is None:  # the prefix is as long as it can be (a clipped frame is last)
            assert not safe(rest[0]) and not clippable(rest[0], kept)
        assert plan.limit_us is not None
        first_out = to_us(rest[0].dts, tb)
        last_in = to_us(kept[-1].dts, tb) if kept else first_out - 1
        assert last_in < plan.limit_us <= first_out
    else:
        assert plan.limit_us is None
    if plan.clip_s is None:
        want = max(((p.pts + p.duration) * tb for p in kept), default=Fraction(0))
        assert plan.end == want


@given(packet_runs())
def test_feeding_whole_tables_plans_like_one_packet_at_a_time(
    run: tuple[Track, list[Packet], float],
) -> None:
    # feed() keeps the leading packets that end before the cut without a Python call per packet;
    # the plan must be the very one the per-packet rules give.
    track, pkts, end = run
    planner = CutPlanner([track], end)
    planner.feed(
        0, array("q", [p.pts for p in pkts]), array("q", [p.dts for p in pkts]),
        array("q", [p.duration for p in pkts]),
    )  # fmt: skip
    assert planner.result() == plan_cut([track], pkts, end)


def test_feed_refuses_columns_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="as many"):
        CutPlanner([V], 1.0).feed(0, [0, 1], [0], [1, 1])


# --- timestamps from the MP4 sample tables ---------------------------------------------------------


def made_variants(media: dict[str, Path], d: Path) -> dict[str, Path]:
    """The fixtures plus what our own cuts and joins write (faststart, clipped last frame)."""
    out = dict(media)
    trim(media["talk.mp4"], d / "trimmed.mp4", CHANGE_S)
    trim(media["slides.mp4"], d / "slides-cut.mp4", 3.0)  # a clipped still slide
    trim(media["talk.m4a"], d / "trimmed.m4a", CHANGE_S - 0.3)
    concat([(media["seg1.mp4"], 3.0), (media["seg2.mp4"], None)], d / "joined.mp4")
    trim(media["talk.mp4"], d / "roomy.mp4", CHANGE_S, reserve_index=True)
    concat(
        [(media["seg1.mp4"], 3.0), (media["seg2.mp4"], None)], d / "roomy-join.mp4",
        reserve_index=True,
    )  # fmt: skip
    ffmpeg(
        "-i", str(media["seg1.mp4"]), "-c", "copy", "-movflags", "+faststart", str(d / "fast.mp4")
    )
    for name in (
        "trimmed.mp4", "slides-cut.mp4", "trimmed.m4a", "joined.mp4", "fast.mp4", "roomy.mp4",
        "roomy-join.mp4",
    ):  # fmt: skip
        out[name] = d / name
    return out


def test_sample_tables_give_the_demuxers_packets_exactly(
    media: dict[str, Path], tmp_path: Path
) -> None:
    for name, path in made_variants(media, tmp_path).items():
        with open_media(path) as c:
            wanted = tracks(c)
            tables = sample_tables(c, path, wanted, None)
        assert tables is not None, name
        with open_media(path) as c:
            demuxed = list(packets(c, path, wanted))
        for t in wanted:
            table = tables[t.index]
            from_table = [
                Packet(t.index, table.pts[i], table.dts[i], table.duration[i], table.discard(i))
                for i in range(len(table))
            ]
            assert from_table == [p for p in demuxed if p.stream == t.index], (name, t.kind)
        assert probe(path) == probe_packets(path), name


@pytest.mark.parametrize("cut", [0.35, 1.0, CHANGE_S - 0.05, CHANGE_S, 5.97, 9.0])
def test_plan_from_tables_equals_plan_from_packets(media: dict[str, Path], cut: float) -> None:
    for name in ("talk.mp4", "talk.m4a", "slides.mp4"):
        src = media[name]
        wanted, plan, _ = plan_trim(src, cut)
        with open_media(src) as c:
            assert sample_tables(c, src, wanted, cut) is not None
        with open_media(src) as c:
            demuxed = list(packets(c, src, wanted))
        assert plan == plan_cut(wanted, demuxed, cut), (name, cut)


def test_tables_not_understood_fall_back_to_demuxing(
    media: dict[str, Path], tmp_path: Path
) -> None:
    # A fragmented MP4 keeps its timestamps in each fragment, not in one index.
    frag = tmp_path / "frag.mp4"
    ffmpeg(
        "-i", str(media["talk.mp4"]), "-c", "copy",
        "-movflags", "frag_keyframe+empty_moov", str(frag),
    )  # fmt: skip
    assert read_tables(frag) is None
    info = probe(frag)
    assert info == probe_packets(frag)
    assert [s.packets for s in info.streams] == [
        s.packets for s in probe(media["talk.mp4"]).streams
    ]


def test_tables_that_disagree_with_the_demuxer_are_not_trusted(media: dict[str, Path]) -> None:
    path = media["talk.mp4"]
    tables = read_tables(path)
    assert tables is not None
    with open_media(path) as c:
        st = c.streams.video[0]
        good = tables[st.id]
        assert agrees(c, st, good, good.dts[-1], None)
        # the same table one tick late at the end (a misread edit list would look like this)
        late = replace(good, pts=array("q", [*good.pts[:-1], good.pts[-1] + 1]))
        assert not agrees(c, st, late, late.dts[-1], None)
        # a table that stops one packet short of what the demuxer finds
        short = replace(good, dts=good.dts[:-1], pts=good.pts[:-1], duration=good.duration[:-1])
        assert not agrees(c, st, short, short.dts[-1], None)


def _moov_span(data: bytes) -> tuple[int, int]:
    pos = 0
    while pos + 8 <= len(data):
        size, kind = int.from_bytes(data[pos : pos + 4], "big"), data[pos + 4 : pos + 8]
        if kind == b"moov":
            return pos + 8, pos + size
        pos += size
    raise AssertionError("no moov")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_damaged_index_never_crashes_and_never_understates_the_end(
    media: dict[str, Path], data: st.DataObject
) -> None:
    """Bytes of the moov changed at random: reading the tables gives tables or None, probe gives
    a MediaError or a result whose streams end no earlier than the demuxer's packets say."""
    src = media["talk.mp4"].read_bytes()
    start, end = _moov_span(src)
    damaged = bytearray(src)
    for pos, value in data.draw(
        st.lists(
            st.tuples(st.integers(start, end - 1), st.integers(0, 255)), min_size=1, max_size=6
        )
    ):
        damaged[pos] = value
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "damaged.mp4"
        path.write_bytes(bytes(damaged))
        tables = read_tables(path)
        assert tables is None or all(isinstance(t.data_end, int) for t in tables.values())
        for t in (tables or {}).values():  # whatever was read is whole: one entry per sample
            assert len(t.dts) == len(t.pts) == len(t.duration) == len(t)
        try:
            fast = probe(path)
        except MediaError:
            return
        try:
            slow = probe_packets(path)
        except MediaError:
            return
        for a, b in zip(fast.streams, slow.streams, strict=True):
            assert a.end_s >= b.end_s - 1e-9


def test_a_track_without_codec_parameters_is_a_media_error(
    media: dict[str, Path], tmp_path: Path
) -> None:
    # The video track's minf box under another name: libav keeps the stream but has no codec
    # parameters for it. That was an AttributeError traceback; it must be a one-line MediaError.
    data = bytearray(media["talk.mp4"].read_bytes())
    start, _ = _moov_span(bytes(data))
    at = data.index(b"minf", start)
    data[at : at + 4] = b"mXnf"
    bad = tmp_path / "no-codec.mp4"
    bad.write_bytes(bytes(data))
    with pytest.raises(MediaError, match="no codec parameters") as exc:
        probe(bad)
    assert "\n" not in str(exc.value)
