"""Where does facilitation end? A transcript-based Q&A boundary detector that fails closed.

Plain data in, decision out: no files, no clocks, no I/O.

With speaker labels the detector reads the *floor* (:mod:`zoomclub.transcript.floor`): presenters
(the facilitator, a co-facilitator, an invited author, the same person under a second display name)
have a large share of the talk and held the floor alone for minutes; a *stretch* is a run of
presenter speech that nobody else interrupts. An invited author who presented a part well before
the expected end, with "let's continue" said by a presenter after it, is a presenter too, though
their share is small; a member's long turn in Q&A never is. The club pauses for short questions between sections,
but facilitation resumes with a long stretch (4+ minutes); Q&A answers are shorter. So the cut goes
right after the last long stretch, and from there:

- earlier, when an earlier long stretch ended in a strong hand-off ("let's open it up") followed by
  other voices: Q&A began there and the later stretch is a long answer;
- later, only across question pauses: to a short last section the presenter opened by taking the
  floor back ("OK, let's continue", "moving on"; never "moving on to the next question", and an
  invitation "any questions so far?" alone is not enough: the questions may take the rest of the
  session), or one that ends in a strong hand-off; after a question near the expected end that
  the presenter did not resume after, only a remark that ends the talk ("that was the last
  slide") counts, since "let's take questions from the chat" may follow the first answer;
- to a hold when in doubt: no presenter, a discussion between presentations, a presenter with a
  generic display name ("iPhone" may be two people) and no hand-off remark, a question near the
  expected end followed by a sub-8-minute stretch with no closing (the last section or a long first
  answer?), or a cut far from the club's usual length.

Without labels (closed captions) only hand-off remarks are left: the cut goes at the earliest
strong one, and a file without one is held, as is one with any question in the 5 minutes before
it (unless the presenter resumed after it: a question pause). The result always lies within
``[0, recording end]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from zoomclub.errors import InputError
from zoomclub.transcript import floor
from zoomclub.transcript.floor import Others, Stretch
from zoomclub.transcript.phrases import (
    first_strong_handoff,
    handoff_strength,
    is_resume,
    qa_under_way,
)
from zoomclub.transcript.speakers import is_generic_name
from zoomclub.transcript.vtt import Cue

SUBSTANTIAL_S = 60.0  # shorter presenter runs are answers to a quick question, not sections
LONG_STRETCH_S = 240.0  # facilitation between the club's pauses runs longer than any Q&A answer
DISCUSSION_MEMBER_TALK_S = 180.0
DISCUSSION_MEMBERS = 4
EARLY_RATIO, LATE_RATIO = 0.4, 2.0  # cut / expected facilitation length outside this: hold
ANSWER_RISK_RATIO = 0.75  # from here on, a question may already be Q&A
LONG_ANSWER_MAX_S = 480.0  # a presenter stretch this long is a section, not an answer
QUICK_INTERJECTION_S = 5.0  # "sorry, which dataset?" mid-section, not a Q&A question
TRAILING_SILENCE_S = 60.0
CC_QUESTIONS_WINDOW_S = 300.0  # captions: any question this close before the hand-off ...
CC_MAX_QUESTIONS = 0  # ... that the presenter did not resume after means Q&A may be under way
AFTER_HANDOFF_S = 10.0  # speech this long after a hand-off remark means someone else spoke
REVIEW_BELOW = 0.5


@dataclass(frozen=True)
class BoundaryDecision:
    facilitation_end_s: float | None  # cut here: publish [0, end); None = no Q&A, keep whole
    needs_review: bool  # True = hold for an organizer, publish nothing
    confidence: float  # 0..1
    reason: str
    evidence: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "facilitation_end": self.facilitation_end_s,
            "needs_review": self.needs_review,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
            "evidence": list(self.evidence),
        }


def _clock(ms: float) -> str:
    s = int(ms // 1000)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _hold(reason: str, evidence: list[str], confidence: float = 0.3) -> BoundaryDecision:
    return BoundaryDecision(None, True, confidence, reason, evidence)


def detect_boundary(
    cues: Sequence[Cue],
    *,
    facilitation_minutes: float = 45.0,
    recording_duration_s: float | None = None,
    segment_bounds_s: Sequence[tuple[float, float]] = (),
) -> BoundaryDecision:
    """Decide where to cut a session recording so that no Q&A is published."""
    if not (isinstance(facilitation_minutes, int | float) and 0 < facilitation_minutes < 10_000):
        raise InputError(
            f"facilitation minutes must be a positive number, got {facilitation_minutes!r}"
        )
    if recording_duration_s is not None and not (
        math.isfinite(recording_duration_s) and recording_duration_s >= 0
    ):
        raise InputError(f"recording duration must be >= 0 seconds, got {recording_duration_s!r}")
    ordered = sorted(
        (c for c in cues if c.end_ms >= 0 and c.text.strip()), key=lambda c: (c.start_ms, c.end_ms)
    )
    speech_end_s = max((c.end_ms for c in ordered), default=0) / 1000
    rec_end_s = recording_duration_s if recording_duration_s is not None else speech_end_s
    if not ordered:
        return _hold("the transcript has no speech to judge by", ["0 cues with text"])
    if sum(1 for c in ordered if c.speaker) >= 0.5 * len(ordered):
        decision = _by_floor(ordered, facilitation_minutes * 60, segment_bounds_s)
    else:
        decision = _by_remarks(ordered, facilitation_minutes * 60)
    return _within(decision, rec_end_s, speech_end_s)


def _within(d: BoundaryDecision, rec_end_s: float, speech_end_s: float) -> BoundaryDecision:
    evidence = list(d.evidence)
    end = d.facilitation_end_s
    if end is None and not d.needs_review and rec_end_s - speech_end_s > TRAILING_SILENCE_S:
        end = speech_end_s  # nothing was said after this; cutting the silence loses nothing
        evidence.append(f"recording runs {rec_end_s - speech_end_s:.0f} s past the last speech")
    if end is not None:
        # whole milliseconds, rounded down (never later), then clamped into the recording
        end = min(max(math.floor(end * 1000) / 1000, 0.0), rec_end_s)
    return BoundaryDecision(
        end, d.needs_review, max(0.0, min(1.0, d.confidence)), d.reason, evidence
    )


def _by_floor(
    cues: Sequence[Cue], expected_s: float, segments: Sequence[tuple[float, float]]
) -> BoundaryDecision:
    keys = [floor.speaker_key(c.speaker) for c in cues]
    presenters = floor.presenters(cues, keys)
    roles = floor.roles(cues, keys, presenters)
    stretches = [s for s in floor.stretches(cues, roles) if s.length_s >= SUBSTANTIAL_S]
    long = [s for s in stretches if s.length_s >= LONG_STRETCH_S]
    if long:
        # An invited author who presented a part well inside the expected facilitation, after
        # which the presentation demonstrably went on (a presenter said "let's continue" later):
        # a presenter too, not "a discussion between two presentations".
        until_ms = long[0].start_ms + ANSWER_RISK_RATIO * expected_s * 1000
        candidates = floor.guests(cues, keys, presenters, until_ms)
        added = {
            k
            for k, end_ms in candidates.items()
            if any(
                c.start_ms > end_ms and keys[i] in presenters and is_resume(c.text)
                for i, c in enumerate(cues)
            )
        }
        if added:
            presenters |= added
            roles = floor.roles(cues, keys, presenters)
            stretches = [s for s in floor.stretches(cues, roles) if s.length_s >= SUBSTANTIAL_S]
            long = [s for s in stretches if s.length_s >= LONG_STRETCH_S]
    ev = [f"presenters: {', '.join(sorted(presenters))}"]
    if not long:
        return _hold(f"no one held the floor for {LONG_STRETCH_S / 60:.0f} minutes", ev)
    origin_s = long[0].start_ms / 1000
    ev.append(
        f"{len(long)} presenter stretch(es) of {LONG_STRETCH_S / 60:.0f}+ min, the last "
        f"{_clock(long[-1].start_ms)}-{_clock(long[-1].end_ms)}"
    )

    def ratio(s: Stretch) -> float:
        return (s.end_ms / 1000 - origin_s) / expected_s

    def others_after(s: Stretch, nxt: Stretch | None) -> Others:
        return floor.others_between(cues, roles, s.last + 1, nxt.first if nxt else len(cues))

    chosen, confidence, why = long[-1], 0.7, "after the last long presenter stretch"
    # Q&A began earlier if an earlier long stretch ended in a strong hand-off and others spoke:
    # the later long stretch is then a long answer. Moving the cut earlier is always safe.
    for s in long[:-1]:
        strength, at = floor.tail_handoff(cues, s)
        if strength == 2 and ratio(s) >= EARLY_RATIO:
            chosen, confidence = s, 0.65
            why = "hand-off remark before other voices; a later long stretch read as an answer"
            ev.append(f"hand-off at {_clock(cues[at].start_ms)}: {cues[at].text[:80]!r}")
            break
    else:
        # A short last section after a question pause: facilitation demonstrably went on if the
        # presenter took the floor back ("OK, let's continue") after each pause; and follow
        # pause-like gaps forward to a stretch that ends in a strong hand-off. Anything else stays
        # early (an over-trim, never a leak).
        if floor.tail_handoff(cues, chosen)[0] < 2:
            k = stretches.index(chosen)
            reach, invited = chosen, True
            for prev, nxt in pairwise(stretches[k:]):
                if not floor.is_pause(others_after(prev, nxt)):
                    break
                went_on = floor.resumed(cues, roles, prev, nxt)
                if floor.tail_handoff(cues, nxt)[0] == 2:
                    # ... unless it may be the answer to the first question of Q&A, capped by
                    # "let's take questions from the chat": after a question the presenter did
                    # not resume after, only a remark that ends a talk ("that was the last
                    # slide") makes it the last section.
                    if went_on or floor.tail_ends_talk(cues, nxt):
                        reach, confidence = nxt, 0.6
                        why = "a short last section after a question pause, ending in a hand-off"
                    break
                invited = invited and went_on
                if invited:
                    reach, confidence = nxt, 0.6
                    why = 'facilitation resumed after a question pause ("let\'s continue")'
            chosen = reach

    k = stretches.index(chosen)
    for prev, nxt in pairwise(stretches[: k + 1]):
        o = others_after(prev, nxt)
        if o.talk_s >= DISCUSSION_MEMBER_TALK_S or o.speakers >= DISCUSSION_MEMBERS:
            ev.append(
                f"{o.talk_s:.0f} s from {o.speakers} other speaker(s) after {_clock(prev.end_ms)}"
            )
            return _hold("a discussion between two presentations; cannot tell where Q&A starts", ev)

    if any(roles[i] == "P" and is_generic_name(cues[i].speaker) for i in chosen.span):
        return _generic_presenter(cues, roles, chosen, origin_s, expected_s, ev)

    k = stretches.index(chosen)
    if k and floor.tail_handoff(cues, chosen)[0] == 0:
        # A question nobody was invited to ask, then a long presenter stretch with no closing
        # remark: the last section after an interruption, or a long first answer in Q&A after a
        # presentation that ended without one? Only an organizer can tell.
        prev = stretches[k - 1]
        if (
            ratio(prev) >= ANSWER_RISK_RATIO
            and chosen.length_s < LONG_ANSWER_MAX_S
            and _asked(others_after(prev, chosen))
            and not floor.resumed(cues, roles, prev, chosen)
            and floor.tail_handoff(cues, prev)[0] < 2
        ):
            ev.append(f"a question at {_clock(prev.end_ms)} then {chosen.length_s / 60:.0f} min")
            return _hold("no closing remark, and the last long stretch may be a long answer", ev)

    after = floor.others_between(cues, roles, chosen.last + 1, len(cues))
    strength, at = floor.tail_handoff(cues, chosen)
    closing = _last_strong_handoff(
        cues, roles, chosen, (origin_s + EARLY_RATIO * expected_s) * 1000
    )
    if closing is not None and strength < 2:
        strength, at = 2, closing  # e.g. "let's take questions from the chat", then reading them
    if strength:
        ev.append(f"hand-off remark at {_clock(cues[at].start_ms)}: {cues[at].text[:80]!r}")
    # After a strong hand-off, whatever follows is Q&A, even in a presenter's voice.
    spoken_after = strength == 2 and any(
        c.start_ms > cues[at].end_ms + AFTER_HANDOFF_S * 1000
        for c in cues[at + 1 : chosen.last + 1]
    )
    if after.turns == 0 and not spoken_after:
        ev.append("no other voice after the last presenter stretch")
        return BoundaryDecision(None, False, 0.7 + 0.05 * strength, "recording holds no Q&A", ev)

    cut_s = floor.cut_after(cues, chosen)
    if strength == 2:
        cut_s = min(cut_s, _cut_after_cue(cues, at))
        why = "right after the hand-off remark that ends the last long presenter stretch"
    ev.append(f"after the cut: {after.turns} turn(s) from {after.speakers} other speaker(s)")
    confidence += 0.1 * strength + (0.05 if after.speakers >= 2 else 0.0)
    for seg_start, seg_end in segments:
        if abs(seg_end - cut_s) <= 120 or abs(seg_start - cut_s) <= 120:
            ev.append(
                f"a recording segment boundary near the cut ({seg_start:.0f}-{seg_end:.0f} s)"
            )
            confidence += 0.05
            break
    ev.append(
        f"facilitation ran {(cut_s - origin_s) / 60:.0f} of {expected_s / 60:.0f} expected min"
    )
    if not EARLY_RATIO <= ratio(chosen) <= LATE_RATIO:
        why = f"cut at {_clock(cut_s * 1000)} is far from the club's usual length"
        return BoundaryDecision(cut_s, True, 0.35, why, ev)
    return BoundaryDecision(cut_s, confidence < REVIEW_BELOW, confidence, why, ev)


def _generic_presenter(
    cues: Sequence[Cue],
    roles: Sequence[str],
    s: Stretch,
    origin_s: float,
    expected_s: float,
    ev: list[str],
) -> BoundaryDecision:
    """A presenter shown as "iPhone" or "Zoom user" may share that label with a member, so the
    floor cannot be read at the end of their stretch: only a hand-off remark can place the cut."""
    ev.append("a presenter has a generic display name; other voices may hide behind it")
    lo_ms = (origin_s + EARLY_RATIO * expected_s) * 1000
    for i in s.span:
        if roles[i] == "P" and cues[i].start_ms >= lo_ms and handoff_strength(cues[i].text) == 2:
            ev.append(f"hand-off remark at {_clock(cues[i].start_ms)}: {cues[i].text[:80]!r}")
            more = any(r == "M" for r in roles[s.last + 1 :]) or any(
                c.start_ms > cues[i].end_ms + AFTER_HANDOFF_S * 1000 for c in cues[i + 1 :]
            )
            if not more:
                return BoundaryDecision(
                    None, False, 0.6, "recording ends after the closing remark", ev
                )
            cut_s = _cut_after_cue(cues, i)
            return BoundaryDecision(cut_s, False, 0.6, "cut after the hand-off remark", ev)
    return _hold("generic display name and no hand-off remark: cannot tell who is speaking", ev)


def _last_strong_handoff(
    cues: Sequence[Cue], roles: Sequence[str], s: Stretch, not_before_ms: float
) -> int | None:
    """Index of the last strong hand-off remark a presenter made in the stretch."""
    for i in range(s.last, s.first - 1, -1):
        if cues[i].start_ms < not_before_ms:
            break
        if roles[i] == "P" and handoff_strength(cues[i].text) == 2:
            return i
    return None


def _cut_after_cue(cues: Sequence[Cue], i: int) -> float:
    """The end of cue ``i``, but never past the start of the next one."""
    end_ms = cues[i].end_ms
    if i + 1 < len(cues):
        end_ms = min(end_ms, cues[i + 1].start_ms)
    return end_ms / 1000


def _asked(o: Others) -> bool:
    """Someone put a question, more than a quick interjection."""
    return o.turns >= 2 or o.longest_turn_s > QUICK_INTERJECTION_S


def _by_remarks(cues: Sequence[Cue], expected_s: float) -> BoundaryDecision:
    ev = ["no speaker labels: judging by hand-off remarks only"]
    origin_ms = cues[0].start_ms
    lo_ms = origin_ms + EARLY_RATIO * expected_s * 1000
    hi_ms = origin_ms + (LATE_RATIO + 0.5) * expected_s * 1000
    window = [i for i, c in enumerate(cues) if lo_ms <= c.start_ms <= hi_ms]
    hit = first_strong_handoff([cues[i].text for i in window]) if window else None
    found = window[hit] if hit is not None else None
    if found is None:
        return _hold("no speaker labels and no hand-off remark", ev)
    h = cues[found]
    ev.append(f"hand-off remark at {_clock(h.start_ms)}: {h.text[:80]!r}")
    # Questions just before the hand-off may mean Q&A began earlier, unless the presenter took
    # the floor back after them ("No? OK, let's keep going."): those were a question pause.
    since = h.start_ms - CC_QUESTIONS_WINDOW_S * 1000
    recent = [c for c in cues[:found] if c.start_ms >= since]
    resumed_at = max((k for k, c in enumerate(recent) if is_resume(c.text)), default=-1)
    asked = sum(1 for c in recent[resumed_at + 1 :] if "?" in c.text)
    if qa_under_way(cues[found].text + " " + " ".join(c.text for c in cues[found + 1 : found + 3])):
        return _hold("the hand-off remark speaks of questions already asked", ev)
    if asked > CC_MAX_QUESTIONS:
        ev.append(f"{asked} questions in the {CC_QUESTIONS_WINDOW_S:.0f} s before it")
        return _hold("questions before the hand-off remark: Q&A may have started earlier", ev)
    if not any(c.start_ms > h.end_ms + AFTER_HANDOFF_S * 1000 for c in cues[found + 1 :]):
        return BoundaryDecision(None, False, 0.6, "recording ends after the closing remark", ev)
    return BoundaryDecision(h.start_ms / 1000, False, 0.6, "cut at the first hand-off remark", ev)
