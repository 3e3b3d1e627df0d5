"""Who holds the floor: presenters, their uninterrupted stretches, and what others said between.

Plain functions over a sorted cue list, used by :mod:`zoomclub.transcript.boundary`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from zoomclub.transcript.captions import asks_for_questions
from zoomclub.transcript.phrases import (
    handoff_strength,
    is_opening,
    is_pause_for_questions,
    is_pause_invite,
    is_resume,
    is_section_start,
    is_talk_ending,
    mentions_more,
)
from zoomclub.transcript.vtt import Cue

PRESENTER_SHARE = 0.2  # of the top speaker's talk time
PRESENTER_MIN_TALK_S = 120.0
PRESENTER_MIN_RUN_S = 120.0  # a presenter speaks alone for at least this long at some point
GUEST_SECTION_S = 240.0  # a guest who spoke alone this long, with a presenter's section after it
NEUTRAL_MAX_S = 4.0  # an unlabelled "Hmm." does not break a presenter's stretch
NEUTRAL_MAX_WORDS = 4
TAIL_S = 90.0  # a hand-off remark counts when it is this close to the end of a stretch
PAUSE_INVITE_TAIL_S = 30.0
RESUME_HEAD_S = 45.0  # "OK, let's continue" comes right after the answer to the last question
_SENTENCES = re.compile(r"(?<=[.?!])\s+")
PAUSE_MAX_TURNS, PAUSE_MAX_SPEAKERS, PAUSE_MAX_TURN_S = 4, 3, 20.0


@dataclass
class Stretch:
    first: int  # index of its first presenter cue
    last: int  # index of its last presenter cue
    start_ms: int
    end_ms: int

    @property
    def length_s(self) -> float:
        return (self.end_ms - self.start_ms) / 1000

    @property
    def span(self) -> range:
        return range(self.first, self.last + 1)


@lru_cache(maxsize=4096)
def speaker_key(speaker: str | None) -> str | None:
    return " ".join(speaker.casefold().split()) if speaker else None


def presenters(cues: Sequence[Cue], keys: Sequence[str | None]) -> set[str]:
    """Speakers with a large share of the talk who also held the floor alone for a while.

    The second condition keeps a free discussion (many voices, equal shares, short turns) from
    reading as one long presentation by "several presenters".
    """
    talk, longest_run, _ = _talk_and_runs(cues, keys)
    if not talk:
        return set()
    top = max(talk.values())
    return {
        k
        for k, ms in talk.items()
        if longest_run[k] >= PRESENTER_MIN_RUN_S * 1000
        and (ms == top or (ms >= PRESENTER_SHARE * top and ms >= PRESENTER_MIN_TALK_S * 1000))
    }


def guests(
    cues: Sequence[Cue], keys: Sequence[str | None], presenters: set[str], until_ms: float
) -> dict[str, int]:
    """Candidates for an invited author who presented one part: a small share of the talk, but
    they held the floor alone for a whole section, that section ended by ``until_ms``, and a
    presenter held the floor for a whole section again after it. Returns the end of each one's
    section; the caller still has to see that the presentation went on after it."""
    talk, longest_run, runs = _talk_and_runs(cues, keys)
    section_ms = GUEST_SECTION_S * 1000
    out = {}
    for k in talk.keys() - presenters:
        end_ms = max((e for key, s, e in runs if key == k and e - s == longest_run[k]), default=0)
        if (
            longest_run[k] >= section_ms
            and end_ms <= until_ms
            and any(key in presenters and s >= end_ms and e - s >= section_ms for key, s, e in runs)
        ):
            out[k] = end_ms
    return out


def _talk_and_runs(
    cues: Sequence[Cue], keys: Sequence[str | None]
) -> tuple[Counter[str], dict[str, int], list[tuple[str, int, int]]]:
    """Talk time per speaker, each one's longest run alone, and all runs (unlabelled cues do not
    break a run)."""
    talk: Counter[str] = Counter()
    longest_run: dict[str, int] = {}
    runs: list[tuple[str, int, int]] = []
    run_key: str | None = None
    run_start = run_end = 0
    for c, k in zip(cues, keys, strict=True):
        if not k:
            continue
        talk[k] += c.end_ms - c.start_ms
        if k != run_key:
            if run_key is not None:
                runs.append((run_key, run_start, run_end))
            run_key, run_start, run_end = k, c.start_ms, c.end_ms
        run_end = max(run_end, c.end_ms)
        longest_run[k] = max(longest_run.get(k, 0), c.end_ms - run_start)
    if run_key is not None:
        runs.append((run_key, run_start, run_end))
    return talk, longest_run, runs


def roles(cues: Sequence[Cue], keys: Sequence[str | None], presenters: set[str]) -> list[str]:
    """'P' presenter, 'N' neutral (short unlabelled noise), 'M' anyone else."""
    roles = []
    for c, k in zip(cues, keys, strict=True):
        if k in presenters:
            roles.append("P")
        elif k is None and (
            c.end_ms - c.start_ms <= NEUTRAL_MAX_S * 1000
            or len(c.text.split()) <= NEUTRAL_MAX_WORDS
        ):
            roles.append("N")
        else:
            roles.append("M")
    return roles


def stretches(cues: Sequence[Cue], roles: Sequence[str]) -> list[Stretch]:
    out: list[Stretch] = []
    cur: Stretch | None = None
    for i, (c, r) in enumerate(zip(cues, roles, strict=True)):
        if r == "P":
            if cur is None:
                cur = Stretch(i, i, c.start_ms, c.end_ms)
            else:
                cur.last, cur.end_ms = i, max(cur.end_ms, c.end_ms)
        elif r == "M" and cur is not None:
            out.append(cur)
            cur = None
    if cur is not None:
        out.append(cur)
    return out


def tail_handoff(cues: Sequence[Cue], s: Stretch) -> tuple[int, int]:
    """Strongest hand-off remark in the last TAIL_S of a stretch: (strength, cue index)."""
    best = (0, -1)
    for i in range(s.last, s.first - 1, -1):
        if cues[i].start_ms < s.end_ms - TAIL_S * 1000:
            break
        strength = handoff_strength(cues[i].text)
        if strength > best[0]:
            best = (strength, i)
    return best


def tail_ends_talk(cues: Sequence[Cue], s: Stretch) -> bool:
    """Did the stretch end with a remark that ends a talk ("that was the last slide")?"""
    for i in range(s.last, s.first - 1, -1):
        if cues[i].start_ms < s.end_ms - TAIL_S * 1000:
            return False
        if is_talk_ending(cues[i].text):
            return True
    return False


def tail_opens(cues: Sequence[Cue], s: Stretch) -> bool:
    """Did the stretch end with a remark that opens Q&A (see :func:`phrases.is_opening`)?"""
    for i in range(s.last, s.first - 1, -1):
        if cues[i].start_ms < s.end_ms - TAIL_S * 1000:
            return False
        if is_opening(cues[i].text):
            return True
    return False


@dataclass
class Others:
    """What non-presenters said in a range of cues."""

    talk_s: float = 0.0
    speakers: int = 0
    turns: int = 0
    longest_turn_s: float = 0.0


def others_between(cues: Sequence[Cue], roles: Sequence[str], lo: int, hi: int) -> Others:
    out, names, prev, turn_s = Others(), set(), "", 0.0
    for i in range(lo, hi):
        if roles[i] == "M":
            dur = (cues[i].end_ms - cues[i].start_ms) / 1000
            out.talk_s += dur
            names.add(speaker_key(cues[i].speaker) or "?")
            turn_s = turn_s + dur if prev == "M" else dur
            out.turns += prev != "M"
            out.longest_turn_s = max(out.longest_turn_s, turn_s)
        if roles[i] != "N":
            prev = roles[i]
    out.speakers = len(names)
    return out


def is_pause(o: Others) -> bool:
    """The club's between-sections pause: a few short questions, not a discussion."""
    return (
        o.turns <= PAUSE_MAX_TURNS
        and o.speakers <= PAUSE_MAX_SPEAKERS
        and o.longest_turn_s <= PAUSE_MAX_TURN_S
    )


def tail_invites_pause(cues: Sequence[Cue], s: Stretch) -> bool:
    """Did the stretch end by inviting questions between sections ("any questions so far?")?"""
    for i in range(s.last, s.first - 1, -1):
        if cues[i].start_ms < s.end_ms - PAUSE_INVITE_TAIL_S * 1000:
            return False
        if is_pause_invite(cues[i].text):
            return True
    return False


def asks_so_far(text: str) -> bool:
    """Asking for questions "so far" (with a question mark, and not "any other questions so
    far?"), or pausing for questions in so many words. Only a presenter in the middle of a talk
    does that."""
    return is_pause_for_questions(text) or (
        is_pause_invite(text) and "?" in text and not mentions_more(text)
    )


def tail_asks_so_far(cues: Sequence[Cue], s: Stretch) -> bool:
    """Did the stretch end by asking for questions "so far" (see :func:`asks_so_far`)?"""
    for i in range(s.last, s.first - 1, -1):
        if cues[i].start_ms < s.end_ms - PAUSE_INVITE_TAIL_S * 1000:
            return False
        if asks_so_far(cues[i].text):
            return True
    return False


def tail_asks_for_questions(cues: Sequence[Cue], s: Stretch) -> bool:
    """Did the stretch end with the presenter asking the room for questions ("Any questions?")?"""
    for i in range(s.last, s.first - 1, -1):
        if cues[i].start_ms < s.end_ms - PAUSE_INVITE_TAIL_S * 1000:
            return False
        if any(asks_for_questions(t) for t in _SENTENCES.split(cues[i].text)):
            return True
    return False


def head_resumes(cues: Sequence[Cue], roles: Sequence[str], s: Stretch) -> bool:
    """Did the presenter open the stretch by resuming the presentation ("OK, moving on")?"""
    for i in s.span:
        if cues[i].start_ms > s.start_ms + RESUME_HEAD_S * 1000:
            return False
        if roles[i] == "P" and (is_resume(cues[i].text) or is_section_start(cues[i].text)):
            return True
    return False


def resumed(cues: Sequence[Cue], roles: Sequence[str], prev: Stretch, nxt: Stretch) -> bool:
    """Facilitation demonstrably went on from ``prev`` to ``nxt``: the presenter took the floor
    back with "let's continue" at the start of ``nxt``. Inviting questions "so far" at the end of
    ``prev`` is not enough: the questions may have taken the rest of the session."""
    return head_resumes(cues, roles, nxt)


def cut_after(cues: Sequence[Cue], s: Stretch) -> float:
    """Right after the stretch's last presenter cue, and never past the next cue's start."""
    end_ms = cues[s.last].end_ms
    if s.last + 1 < len(cues):
        end_ms = min(end_ms, cues[s.last + 1].start_ms)
    return end_ms / 1000
