"""Session pages as pure jobs: bytes in, page and search shard out (run here or in worker processes).

Rendering a thousand one-hour transcripts is CPU work (parsing VTT dominates a cold build), so a
build with many pages to make hands these jobs to a process pool; a small build runs them
in-process. A job never touches storage: the build reads the inputs and writes the outputs.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from zoomclub.errors import TranscriptError
from zoomclub.site import render, search
from zoomclub.site.catalog import SessionView
from zoomclub.transcript.vtt import parse_vtt

log = logging.getLogger(__name__)

NO_TRANSCRIPT = "No transcript is published for this session."
UNREADABLE = "The transcript for this session could not be read."
PARALLEL_MIN_JOBS = 48  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 4


@dataclass(frozen=True)
class PageJob:
    session: SessionView
    club_name: str
    asset_version: str
    shard: bytes | None = None  # the session's search.js from the last build: re-render from it
    vtt: bytes | None = None  # the transcript, to parse (when there is no usable shard)
    problem: str | None = None  # why the transcript could not even be fetched


@dataclass(frozen=True)
class PageResult:
    key: str
    html: bytes
    shard: search.Shard | None  # set when the transcript was parsed in this job
    parsed: bool  # the transcript was (tried to be) parsed: its terms are fresh
    problem: str | None = None
    needs_vtt: bool = False  # the cached shard was unusable: run again with the VTT


def render_page(job: PageJob) -> PageResult:
    s = job.session
    lines: list[render.Line] | None = None
    shard: search.Shard | None = None
    problem = job.problem
    parsed = False
    note = NO_TRANSCRIPT if "transcript" not in s.files else UNREADABLE
    if job.shard is not None:
        lines = search.read_shard(job.shard)
        if lines is None and job.vtt is None:
            return PageResult(s.key, b"", None, False, needs_vtt=True)
    if lines is None and job.vtt is not None:
        parsed = True
        source = f"sessions/{s.key}/transcript"
        try:
            cues = parse_vtt(job.vtt, source=source).cues
        except TranscriptError as exc:
            problem = f"{s.key}: {exc}"
        else:
            shard = search.build_shard(s.key, cues)
            lines = render.lines_from_cues(cues)
    elif lines is None and problem is not None:
        parsed = True
    html = render.render_session(
        s,
        lines or [],
        club_name=job.club_name,
        asset_version=job.asset_version,
        transcript_note=note,
    )
    return PageResult(s.key, html.encode("utf-8"), shard, parsed, problem)


class PageRenderer:
    """Runs jobs in-process, or on a spawned process pool when there are many (reused per build)."""

    def __init__(self, expected_jobs: int) -> None:
        workers = min(MAX_WORKERS, os.cpu_count() or 1)
        self.parallel = workers >= 2 and expected_jobs >= PARALLEL_MIN_JOBS
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def map(self, jobs: Sequence[PageJob]) -> Iterator[PageResult]:
        """Results in job order."""
        if not self.parallel:
            return map(render_page, jobs)
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")  # never fork a process that has threads
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._pool.map(render_page, jobs, chunksize=4)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
