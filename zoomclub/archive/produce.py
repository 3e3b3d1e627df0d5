"""Producing the published files in the work directory: download, join, cut, upload.

Everything here is resumable: downloads continue from ``.part`` files, cut outputs appear by
rename only when verified, and uploads are atomic and skipped when the content is already there.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoomclub import failpoints
from zoomclub.archive import keys as K
from zoomclub.archive.plan import Segment, SegmentPlan, map_cut, offsets
from zoomclub.errors import ArchiveError

if TYPE_CHECKING:
    from zoomclub.media import MediaInfo
    from zoomclub.media.cut import Follower
    from zoomclub.storage.base import GrowingUpload, ObjectInfo, Storage
    from zoomclub.wiring import Services
    from zoomclub.zoom.models import RecordingSet


def work_dir(services: Services, uuid: str) -> Path:
    digest = hashlib.sha256(uuid.encode()).hexdigest()[:16]
    path = Path(services.settings.archive.work_dir) / digest
    path.mkdir(parents=True, exist_ok=True)
    return path


def _local_name(seg: Segment, kind: str) -> str:
    return {"video": f"seg{seg.index}-video.mp4", "audio": f"seg{seg.index}-audio.m4a"}.get(
        kind, f"seg{seg.index}-transcript.vtt"
    )


def download_files(
    services: Services, plan: SegmentPlan, work: Path, rs: RecordingSet
) -> dict[str, Path]:
    by_id = {f.id: f for f in rs.recording_files if getattr(f, "id", None)}
    local: dict[str, Path] = {}
    for seg in plan.kept:
        for kind, ref in (
            ("video", seg.video),
            ("audio", seg.audio),
            ("transcript", seg.transcript),
        ):
            if ref is None:
                continue
            dest = work / _local_name(seg, kind)
            services.zoom.download(by_id[ref.id], dest, progress=services.progress)
            local[f"{seg.index}:{kind}"] = dest
            failpoints.hit("after-first-download")
    return local


def segment_durations(local: dict[str, Path], plan: SegmentPlan) -> list[float]:
    """Each kept segment's length on the joined timeline.

    Several segments: read from the packets (``span_s``, exactly how far ``concat`` advances).
    One segment: nothing is joined, so the header's duration is enough; the cut itself is always
    verified from the packets by :mod:`zoomclub.media`.
    """
    from zoomclub.media import header_duration, probe

    out = []
    for seg in plan.kept:
        path = local.get(f"{seg.index}:video") or local.get(f"{seg.index}:audio")
        if path is None:
            out.append(seg.duration_s)
        elif len(plan.kept) == 1:
            out.append(header_duration(path))
        else:
            out.append(probe(path).span_s)
    return out


def joined_cues(local: dict[str, Path], plan: SegmentPlan, durations: list[float]) -> list[Any]:
    from zoomclub.transcript.vtt import offset_cues, parse_vtt

    cues: list[Any] = []
    for seg, off in zip(plan.kept, offsets(durations), strict=True):
        path = local.get(f"{seg.index}:transcript")
        if path is None:
            continue
        seg_cues = parse_vtt(path.read_bytes(), source=path.name).cues
        # A segment's transcript cannot speak past its own media: clip to the segment.
        seg_cues = [c for c in seg_cues if c.start_ms < durations[seg.index] * 1000]
        cues.extend(offset_cues(seg_cues, round(off * 1000)))
    return cues


@dataclass(frozen=True)
class CutOutput:
    files: dict[str, Path]  # published name -> local path
    durations: dict[str, float]


def cut_outputs(
    local: dict[str, Path],
    plan: SegmentPlan,
    durations: list[float],
    cues: list[Any],
    cut_s: float | None,
    work: Path,
    ready: Callable[[str, Path], None],
    follow: Callable[[str], GrowingUpload | None] = lambda name: None,
) -> CutOutput:
    from zoomclub.media import concat
    from zoomclub.transcript.vtt import cut_cues, render_vtt

    out_dir = work / "out"
    out_dir.mkdir(exist_ok=True)
    parts = map_cut(durations, cut_s)
    files: dict[str, Path] = {}
    lengths: dict[str, float] = {}

    def cut(kind: str, name: str, follower: Follower | None = None) -> MediaInfo | None:
        inputs = [
            (local[f"{p.segment}:{kind}"], p.end_s) for p in parts if f"{p.segment}:{kind}" in local
        ]
        if not inputs:
            return None
        # Not fsynced: outputs are never reused by a later run (each run cuts again from the
        # downloads, which are fsynced or, after a restart of the machine, downloaded again: see
        # zoom.download), so a power cut cannot lead to publishing a half-written file.
        # The video's index goes in room reserved at the front, so its upload (S3) can begin
        # while ffmpeg still writes it (storage.s3_stream). The audio, small, is written the
        # usual way: the room reserved would be a sizeable share of it.
        return concat(
            inputs, out_dir / name, durable=False, reserve_index=kind == "video", follower=follower
        )

    def done(kind: str, name: str, info: MediaInfo | None) -> None:
        if info is None:
            return
        failpoints.hit("after-cut-" + kind)
        if cut_s is not None and info.end_s > cut_s + 0.05:
            raise ArchiveError(f"{name} ends at {info.end_s:.3f} s, past the cut at {cut_s:.3f} s")
        files[name] = out_dir / name
        lengths[name] = info.duration_s
        ready(name, out_dir / name)

    # The audio is cut beside the video: ffmpeg's stream copy of the video keeps one core busy
    # and the audio's own ffmpeg fits on the other. It starts once the video's ffmpeg does, so
    # the two plannings (each holding a file's whole index) never add up in memory. The video
    # goes to the uploader first.
    has_video = any(f"{p.segment}:video" in local for p in parts)
    video_writing = _Writing(follow("video.mp4") if has_video else None)

    def audio_cut() -> MediaInfo | None:
        video_writing.began.wait()
        return cut("audio", "audio.m4a")

    with ThreadPoolExecutor(1, thread_name_prefix="cut-audio") as side:
        audio = side.submit(audio_cut)
        try:
            video = cut("video", "video.mp4", video_writing)
        finally:
            video_writing.began.set()
        done("video", "video.mp4", video)
        done("audio", "audio.m4a", audio.result())
    if cues and any(s.transcript for s in plan.kept):
        kept = cut_cues(cues, round(cut_s * 1000)) if cut_s is not None else list(cues)
        text = render_vtt(kept)
        tmp = out_dir / "transcript.vtt.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out_dir / "transcript.vtt")
        files["transcript.vtt"] = out_dir / "transcript.vtt"
        lengths["transcript.vtt"] = (kept[-1].end_ms / 1000.0) if kept else 0.0
        ready("transcript.vtt", out_dir / "transcript.vtt")
    return CutOutput(files, lengths)


class _Writing:
    """The video's follower, passed on to the upload (if any), that also tells when ffmpeg
    begins writing the video (see :class:`~zoomclub.media.cut.Follower`)."""

    def __init__(self, upload: GrowingUpload | None) -> None:
        self.upload = upload
        self.began = threading.Event()

    def start(self, path: Path, stable_from: int) -> bool:
        self.began.set()
        return self.upload is not None and self.upload.start(path, stable_from)

    def writer_done(self, *, complete: bool = False) -> None:
        if self.upload is not None:
            self.upload.writer_done(complete=complete)

    def cancel(self) -> None:  # the output will not be used: nothing of it may be stored
        if self.upload is not None:
            self.upload.abort()


class Uploader:
    """Uploads finished outputs on background threads as they are handed over.

    :meth:`follow` starts an output's upload while it is still being written, where the storage
    can (S3); :meth:`put` then completes that upload instead of starting one. Whatever was
    started and not completed when the block ends is aborted: nothing reaches the key.
    """

    def __init__(self, storage: Storage, key: str) -> None:
        self.storage = storage
        self.key = key
        # Two at a time: the small outputs go up beside the video's upload, not after it.
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="archive-upload")
        self.futures: dict[str, Future[ObjectInfo]] = {}
        self.growing: dict[str, GrowingUpload] = {}

    def __enter__(self) -> Uploader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for upload in self.growing.values():
            upload.abort()

    def follow(self, name: str) -> GrowingUpload | None:
        upload = self.storage.growing_upload(
            K.object_key(self.key, name), content_type=K.CONTENT_TYPES[name]
        )
        if upload is not None:
            self.growing[name] = upload
        return upload

    def _put(self, name: str, path: Path) -> ObjectInfo:
        upload = self.growing.get(name)
        info = upload.finish(path) if upload is not None and upload.active else None
        if info is None:
            info = self.storage.put_file(
                K.object_key(self.key, name), path, content_type=K.CONTENT_TYPES[name]
            )
        self.growing.pop(name, None)
        failpoints.hit("after-upload-" + name)
        return info

    def put(self, name: str, path: Path) -> None:
        self.futures[name] = self.pool.submit(self._put, name, path)

    def results(self) -> dict[str, ObjectInfo]:
        out = {name: f.result() for name, f in self.futures.items()}
        for name, info in out.items():
            if not info.sha256:
                raise ArchiveError(f"storage returned no sha256 for {name}")
        return out
