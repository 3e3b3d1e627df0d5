"""A small sample session for a standalone emulator: facilitation, then Q&A (never to be published)."""

from __future__ import annotations

from datetime import timedelta

from zoomclub.emulator.core import ZoomEmulator
from zoomclub.emulator.model import RecordedInstance, Segment

SAMPLE_TRANSCRIPT = """WEBVTT

1
00:00:01.000 --> 00:00:06.500
Ada Lovelace: Welcome to the paper club. Today we read Attention Is All You Need.

2
00:00:07.000 --> 00:00:15.000
Ada Lovelace: The paper replaces recurrence with self-attention over the whole sequence.

3
00:00:16.000 --> 00:00:24.000
Dr. Alan Turing: Multi-head attention lets each head look at a different relation.

4
00:00:25.000 --> 00:00:29.000
Ada Lovelace: That wraps up the presentation. Let's open it up for questions.

5
00:00:30.000 --> 00:00:36.000
Grace Hopper: Could you say more about the positional encodings?

6
00:00:37.000 --> 00:00:40.000
Hmm.
"""


def seed_sample(emu: ZoomEmulator, *, duration_s: float = 45.0) -> RecordedInstance:
    """Record one finished session (two hours ago, one segment, with transcript)."""
    start = emu.clock.now().replace(microsecond=0) - timedelta(hours=2)
    return emu.add_recording(
        topic="Paper club: Attention Is All You Need",
        start_time=start,
        segments=[Segment(0.0, duration_s, SAMPLE_TRANSCRIPT)],
    )
