"""Where does facilitation end? A transcript-based Q&A boundary detector that fails closed.

Plain data in, decision out: no files, no clocks, no I/O.

With speaker labels the detector reads the *floor* (:mod:`zoomclub.transcript.floor`): presenters
(the facilitator, a co-facilitator, an invited author, the same person under a second display name)
have a large share of the talk and held the floor alone for minutes; a *stretch* is a run of
presenter speech that nobody else interrupts. An invited author who presented a part well before
the expected end, with "let's continue" said by a presenter after it, or at any point, with a
presenter asking for questions "so far" after it, is a presenter too, though their share is small;
a member's long turn in Q&A never is. The club pauses for short questions between sections, but
facilitation resumes with a long stretch (4+ minutes); Q&A answers are shorter. So the cut goes
right after the last long stretch, and from there:

- earlier, when an earlier long stretch ended in a strong hand-off ("let's open it up") followed by
  other voices: Q&A began there and the later stretch is a long answer;
- later, only across question pauses: to a short last section the presenter opened by taking the
  floor back ("OK, let's continue", "moving on", "Alright, now the results"; never "moving on to
  the next question", and an invitation "any questions so far?" alone is not enough: the questions
  may take the rest of the session), or one that ends in a strong hand-off; after a question near
  the expected end that the presenter did not resume after, only a remark that ends the talk
  ("that was the last slide") counts, or, after one member's quick question or questions the
  presenter invited mid-talk, a remark that opens Q&A ("let's open it up"), since "let's take
  questions from the chat" may follow the first answer. A stretch that itself ends in "any
  questions so far?", in pausing for questions ("I'll pause in case anyone has questions") or in
  "any questions?" was the talk, whatever came before it. One quick question nobody was invited
  to ask is passed only when a later textbook pause ("anything unclear so far?" ... "OK, let's
  continue") shows the talk went on;
- to a hold when in doubt: no presenter, a discussion between presentations, a question near the
  expected end followed by a sub-8-minute stretch with no closing (the last section or a long first
  answer?), or a cut far from the club's usual length. A presenter with a generic display name
  ("iPhone" may be two people) and no hand-off remark is judged by the text, as captions are,
  when that name is heard in the last stretch after a presenter's own name or alone; one who
  joined as "iPhone" and was renamed before the stretch went on is read by the floor. Whatever
  the floor suggests, a cut that would keep a member's question to the whole room ("I'm curious
  what people think about the evaluation") from halfway through the expected facilitation on is
  held: that opens a discussion, and the presenter's long answer to it reads like more talk.

Without labels (closed captions) the text is all there is (:mod:`zoomclub.transcript.captions`): a
presentation is long runs of plain statements; questions put to someone, replies ("good question")
and steering ("anyone else?") are Q&A or a question pause. From the first long run, the detector
follows the talk forward across pauses the presenter resumed after ("OK, let's continue", "Alright,
now the results", or a next run that itself ends in "any questions so far?", which only a presenter
mid-talk asks), pauses well before the expected end, and single quick questions answered in
passing; the first question after that is where the talk stops. The cut goes at the earliest strong
hand-off remark before it, or at that question when it is the presenter's question to the room
("Thoughts?", or "Does that make sense so far?" and "I'll pause in case anyone has questions" that
the talk never resumed after, which also show that a quick question before them was the talk's), or
later, at a remark that ends the talk's material ("that's my summary") when one follows; the talk
is never followed past a run that ends in a strong hand-off. A member's question there is held (the
first question of Q&A may read like a statement, so this one may be the second), as is anything
after a quick question near the expected end unless a remark that opens Q&A ("let's open it up",
not "questions from the chat") or the presenter asking the room for questions follows, or the run
after it ends in "any questions so far?" (the question was then the talk's). Questions
passed over only for coming well before the expected end stay suspect: held when the talk then ends
before three quarters of the expected length, when a short run follows them, or when they fall in
the 5 minutes before the hand-off. Statements that run to the end of the recording are "no Q&A"
only when a closing-like remark ("So yeah. That's it.") ends them; otherwise a question and its
answer may both have read like statements, and the session is held. The result always lies within
``[0, recording end]``.

Either way, what a member's question is *about* (:func:`phrases.question_topic`) settles some of
the doubts above. One that opens a discussion (thanks, the asker's own work, an opinion, the room,
the takeaway) is Q&A: in captions the cut goes at it, or at the earliest such remark in the
statements just before it (the first question may read like one), instead of holding; with
speakers, a long stretch after it is its answer, so the cut goes before it. A question about the
material on the screen ("wait, is that absolute or relative?") is passed only where the design
already takes a stretch for a section, never for an answer: before a presenter stretch of 4+
minutes (``LONG_STRETCH_S``) with no closing remark, when every question before it was of that
kind. It is never passed on its topic alone after a 2-4 minute stretch, nor in captions: a Q&A can
open with such a question and a long answer, which reads exactly like the talk going on (the
generator's ``--clarifying-first`` sets measure that; see docs/benchmarks.md). Neither kind ever
moves a cut past a question that reads as neither.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from zoomclub.errors import InputError
from zoomclub.transcript import captions, floor
from zoomclub.transcript.floor import Others, Stretch
from zoomclub.transcript.phrases import (
    CLARIFYING,
    DISCUSSION,
    ends_the_material,
    first_strong_handoff,
    handoff_strength,
    is_closing_like,
    is_opening,
    is_pause_for_questions,
    is_pause_question,
    is_resume,
    is_section_start,
    mentions_more,
    qa_under_way,
    question_topic,
)
from zoomclub.transcript.speakers import is_generic_name
from zoomclub.transcript.vtt import Cue

SUBSTANTIAL_S = 60.0  # shorter presenter runs are answers to a quick question, not sections
LONG_STRETCH_S = 240.0  # facilitation between the club's pauses runs longer than any Q&A answer
DISCUSSION_MEMBER_TALK_S = 180.0
DISCUSSION_MEMBERS = 4
EARLY_RATIO, LATE_RATIO = 0.4, 2.0  # cut / expected facilitation length outside this: hold
ANSWER_RISK_RATIO = 0.75  # from here on, a question may already be Q&A
ROOM_QUESTION_FROM = 0.5  # a member's question to the room from here on opens a discussion
LONG_ANSWER_MAX_S = 480.0  # a presenter stretch this long is a section, not an answer
QUICK_INTERJECTION_S = 5.0  # "sorry, which dataset?" mid-section, not a Q&A question
QUICK_QUESTION_S = 5.0
TRAILING_SILENCE_S = 60.0
CC_QUESTIONS_WINDOW_S = 300.0  # captions: any question this close before the hand-off ...
CC_MAX_QUESTIONS = 0  # ... that the presenter did not resume after means Q&A may be under way
RESUME_HEAD_S = floor.RESUME_HEAD_S
AFTER_HANDOFF_S = 10.0  # speech this long after a hand-off remark means someone else spoke
REVIEW_BELOW = 0.5
CC_PAUSE_MAX_S = 150.0  # captions: a question pause the presenter resumed after is this short ...
CC_PAUSE_MAX_ASKS = 6  # ... with at most this many questions
CC_INTERJECTION_MAX_ASKS = 4  # an unresumed pause or interruption well before the expected end,
CC_INTERJECTION_MAX_S = 120.0  # ... this short, then statements again
CC_QUICK_MAX_S, CC_QUICK_MAX_WORDS = 30.0, 12  # one quick question answered in passing
CC_SILENCE_S = 20.0  # captions: a silence this long inside the last run of statements
CC_INVITE_LOOKBACK_S = 120.0  # captions: an invitation to ask this close before the first question


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
        keys = [floor.speaker_key(c.speaker) for c in ordered]
        presenters = floor.presenters(ordered, keys)
        expected_s = facilitation_minutes * 60
        decision = _by_floor(ordered, keys, presenters, expected_s, segment_bounds_s)
        decision = _no_room_question_kept(ordered, keys, presenters, decision, expected_s)
    else:
        decision = _by_remarks(ordered, facilitation_minutes * 60)
    return _within(decision, rec_end_s, speech_end_s)


def _no_room_question_kept(
    cues: Sequence[Cue],
    keys: Sequence[str | None],
    presenters: set[str],
    d: BoundaryDecision,
    expected_s: float,
) -> BoundaryDecision:
    """Fail closed when a member put a question to the whole room before the chosen cut.

    Opening the floor ("I'm curious what people think about ...") is what a discussion does; a
    member's clarifying question during the talk is put to the presenter. A cut that keeps such a
    question, late enough in the session not to be pre-session chatter, may publish Q&A however
    the presenter's answer reads (a long answer looks like more talk): hold instead.
    """
    if d.needs_review:
        return d
    end_ms = math.inf if d.facilitation_end_s is None else d.facilitation_end_s * 1000
    for c, key in zip(cues, keys, strict=True):
        if c.start_ms >= end_ms:
            break
        if (
            c.start_ms >= ROOM_QUESTION_FROM * expected_s * 1000
            and key not in presenters
            and captions.asks_the_room(c.text)
        ):
            at = c.start_ms / 1000
            return _hold(
                f"a member put a question to the room at {at:.0f} s, before the cut the "
                "speakers suggest",
                [*d.evidence, f"{at:.1f} s {c.speaker or '?'}: {c.text[:80]}"],
            )
    return d


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
    cues: Sequence[Cue],
    keys: Sequence[str | None],
    presenters: set[str],
    expected_s: float,
    segments: Sequence[tuple[float, float]],
) -> BoundaryDecision:
    roles = floor.roles(cues, keys, presenters)
    stretches = [s for s in floor.stretches(cues, roles) if s.length_s >= SUBSTANTIAL_S]
    long = [s for s in stretches if s.length_s >= LONG_STRETCH_S]
    if long:
        # An invited author who presented a part well inside the expected facilitation, after
        # which the presentation demonstrably went on (a presenter said "let's continue" later):
        # a presenter too, not "a discussion between two presentations".
        # Or one who presented later, after whose part a presenter still asked for questions
        # "so far" or paused for them, which only a presenter in the middle of a talk does.
        until_ms = long[0].start_ms + ANSWER_RISK_RATIO * expected_s * 1000
        candidates = floor.guests(cues, keys, presenters, math.inf)
        added = {
            k
            for k, end_ms in candidates.items()
            if any(
                c.start_ms > end_ms
                and keys[i] in presenters
                and ((end_ms <= until_ms and is_resume(c.text)) or floor.asks_so_far(c.text))
                for i, c in enumerate(cues)
            )
        }
        if added:
            presenters = presenters | added  # a new set: the caller keeps its own
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
        # pause-like gaps forward to a stretch that ends in a strong hand-off. A quick question
        # nobody was invited to ask ("Sorry, which table?") neither breaks nor proves the chain:
        # it may be the first question of Q&A, so the chain moves past it only at a later textbook
        # question pause ("anything unclear so far?" ... "OK, let's continue"), which nobody holds
        # inside Q&A. Anything else stays early (an over-trim, never a leak).
        if floor.tail_handoff(cues, chosen)[0] < 2:
            k = stretches.index(chosen)
            reach, invited, pending = chosen, True, False
            for prev, nxt in pairwise(stretches[k:]):
                o = others_after(prev, nxt)
                if not floor.is_pause(o):
                    break
                went_on = floor.resumed(cues, roles, prev, nxt)
                textbook = went_on and floor.tail_invites_pause(cues, prev)
                invited_pause = floor.tail_invites_pause(cues, prev)
                if floor.tail_asks_so_far(cues, nxt) or (
                    (_one_quick_turn(o) or invited_pause)
                    and floor.tail_asks_for_questions(cues, nxt)
                ):
                    # "Any questions so far?" at its end: only a presenter mid-talk says that, so
                    # this stretch was the talk whatever came before it. "Any questions?" too,
                    # after one quick question or questions invited mid-talk (after answering in
                    # Q&A one asks for *other* questions).
                    reach, confidence, pending, invited = nxt, 0.6, False, True
                    why = 'a stretch that ends inviting questions "so far" is still the talk'
                    continue
                if floor.tail_handoff(cues, nxt)[0] == 2:
                    # ... unless it may be the answer to the first question of Q&A, capped by
                    # "let's take questions from the chat": after a question the presenter did
                    # not resume after, only a remark that ends a talk ("that was the last
                    # slide") makes it the last section.
                    # One quick question, then a remark that opens Q&A ("let's open it up", not
                    # "questions from the chat"): nobody opens Q&A after answering in it.
                    # Likewise after questions the presenter invited mid-talk ("anything unclear
                    # so far?").
                    quick = (_one_quick_turn(o) or invited_pause) and floor.tail_opens(cues, nxt)
                    if (
                        (went_on and (textbook or not pending))
                        or floor.tail_ends_talk(cues, nxt)
                        or quick
                    ):
                        reach, confidence = nxt, 0.6
                        why = "a short last section after a question pause, ending in a hand-off"
                    break
                # Not inferred from what the questions were about: a Q&A can open with a
                # question about the material ("sorry, what was X again?") and a long answer,
                # which would read exactly like a clarifying pause the talk went on after.
                if not went_on and _one_quick_turn(o) and not floor.tail_invites_pause(cues, prev):
                    pending = True
                    continue
                invited = invited and went_on
                if invited and (textbook or not pending):
                    reach, confidence, pending = nxt, 0.6, False
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

    if _generic_may_hide_others(cues, roles, chosen):
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
            topics = [
                question_topic(cues[i].text)
                for i in range(prev.last + 1, chosen.first)
                if roles[i] == "M"
            ]
            if topics[:1] == [DISCUSSION] and prev.length_s >= LONG_STRETCH_S:
                # the question opened a discussion: the stretch after it was its answer
                chosen, confidence = prev, 0.6
                why = "after the last long presenter stretch before a question opening a discussion"
                ev.append("that question opens a discussion")
            elif not (topics and all(t == CLARIFYING for t in topics)) or (
                chosen.length_s < LONG_STRETCH_S
            ):
                return _hold(
                    "no closing remark, and the last long stretch may be a long answer", ev
                )
            else:
                # questions about the material on the screen get short answers: a whole section
                # after them is the talk going on
                ev.append("only questions about the material before it")

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


def _generic_may_hide_others(cues: Sequence[Cue], roles: Sequence[str], s: Stretch) -> bool:
    """Could a member speaking under a presenter's generic display name ("iPhone") hide inside
    the stretch? Only where the generic name is heard after a presenter with a name of their own
    spoke in it: a presenter who joined as "iPhone" and was renamed before the stretch went on
    under their own name leaves nothing hidden in the part that matters, its end."""
    named = False
    for i in s.span:
        if roles[i] != "P":
            continue
        if is_generic_name(cues[i].speaker):
            if named:
                return True
        else:
            named = True
    return not named


def _generic_presenter(
    cues: Sequence[Cue],
    roles: Sequence[str],
    s: Stretch,
    origin_s: float,
    expected_s: float,
    ev: list[str],
) -> BoundaryDecision:
    """A presenter shown as "iPhone" or "Zoom user" may share that label with a member, so the
    floor cannot be read at the end of their stretch: only a hand-off remark, or the text read as
    captions are read, can place the cut."""
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
    # No hand-off remark: read the text as captions, with every turn of a member shown under a
    # name of their own counted as a question.
    members = [
        r == "M" and not is_generic_name(c.speaker) for c, r in zip(cues, roles, strict=True)
    ]
    d = _by_remarks(cues, expected_s, members)
    reason = f"generic display name, read as captions: {d.reason}"
    return BoundaryDecision(
        d.facilitation_end_s, d.needs_review, d.confidence, reason, ev + d.evidence[1:]
    )


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


def _one_quick_turn(o: Others) -> bool:
    """One member's one short turn ("Sorry, which table?")."""
    return o.turns == 1 and o.speakers == 1 and o.longest_turn_s <= QUICK_QUESTION_S


def _asked(o: Others) -> bool:
    """Someone put a question, more than a quick interjection."""
    return o.turns >= 2 or o.longest_turn_s > QUICK_INTERJECTION_S


def _by_remarks(
    cues: Sequence[Cue], expected_s: float, members: Sequence[bool] = ()
) -> BoundaryDecision:
    ev = ["no speaker labels: judging by hand-off remarks and how sentences read"]
    origin_ms = cues[0].start_ms
    lo_ms = origin_ms + EARLY_RATIO * expected_s * 1000
    hi_ms = origin_ms + (LATE_RATIO + 0.5) * expected_s * 1000
    window = [i for i, c in enumerate(cues) if lo_ms <= c.start_ms <= hi_ms]
    hit = first_strong_handoff([cues[i].text for i in window]) if window else None
    found = window[hit] if hit is not None else None
    onset = _text_onset(cues, origin_ms + ANSWER_RISK_RATIO * expected_s * 1000, members, ev)
    if onset is None:
        if found is None:
            return _hold("no hand-off remark and no presentation-like run of statements", ev)
        onset = _Onset(None, [], cues[-1].end_ms + 1, None)  # judge by the hand-off alone
    at, ss = onset.at, onset.sentences
    if found is None or (at is not None and ss[at].start_ms < cues[found].start_ms):
        return _by_text(cues, expected_s, onset, found is not None, members, ev)
    h = cues[found]
    ev.append(f"hand-off remark at {_clock(h.start_ms)}: {h.text[:80]!r}")
    if onset.late_at is not None and not is_opening(
        " ".join(c.text for c in cues[found : found + 3])
    ):
        # A question near the expected end, then statements, then "let's take questions": the
        # statements may be the answer to a question of Q&A.
        return _late_question(onset, ev)
    # Questions just before the hand-off may mean Q&A began earlier, unless the presenter took
    # the floor back after them ("No? OK, let's keep going."): those were a question pause.
    since = h.start_ms - CC_QUESTIONS_WINDOW_S * 1000
    recent = [c for c in cues[:found] if c.start_ms >= since]
    resumed_at = max((k for k, c in enumerate(recent) if is_resume(c.text)), default=-1)
    asked = sum(1 for c in recent[resumed_at + 1 :] if "?" in c.text)
    if qa_under_way(cues[found].text + " " + " ".join(c.text for c in cues[found + 1 : found + 3])):
        return _hold("the hand-off remark speaks of questions already asked", ev)
    unvouched = sum(
        1 for c in recent if "?" in c.text and any(a <= c.start_ms <= b for a, b in onset.early)
    )
    talk_ended_early = bool(onset.early) and h.start_ms < origin_ms + ANSWER_RISK_RATIO * (
        expected_s * 1000
    )
    if (
        (asked > CC_MAX_QUESTIONS and h.start_ms < onset.run_start_ms)
        or unvouched
        or talk_ended_early
    ):
        # (within the presentation's last run, the questions before it were pauses it resumed
        # after, or interruptions: see _text_onset)
        ev.append(f"{asked} questions in the {CC_QUESTIONS_WINDOW_S:.0f} s before it")
        return _hold("questions before the hand-off remark: Q&A may have started earlier", ev)
    if not any(c.start_ms > h.end_ms + AFTER_HANDOFF_S * 1000 for c in cues[found + 1 :]):
        return BoundaryDecision(None, False, 0.6, "recording ends after the closing remark", ev)
    return BoundaryDecision(h.start_ms / 1000, False, 0.6, "cut at the first hand-off remark", ev)


@dataclass(frozen=True)
class _Onset:
    at: int | None  # first sentence that is not the presentation; None = it runs to the end
    sentences: list[captions.Sentence]
    run_start_ms: int  # where the presentation's last run of statements began
    late_at: int | None  # a quick question near the expected end read as an interruption
    # questions passed only for coming well before the expected end (not resumed after)
    early: tuple[tuple[int, int], ...] = ()
    run_s: float = 0.0  # length of that last run
    run_end_ms: int = 0
    kinds: tuple[str | None, ...] = ()  # of each sentence: captions.ASK, REPLY, STEER or None


def _text_onset(
    cues: Sequence[Cue], safe_until_ms: float, members: Sequence[bool], ev: list[str]
) -> _Onset | None:
    """Where the captions stop reading like a presentation: from the first long run of plain
    statements, followed forward across the club's question pauses only while the presenter
    resumed after each ("OK, let's continue"), or that came well before the expected end
    (``safe_until_ms``; an interruption mid-talk), or that was one quick question ("Sorry, which
    table?") answered in passing, the first question, reply or steering sentence that is not such
    a pause. Never from the last long run: a long answer in Q&A reads like one. None when no run
    is long enough to be a presentation."""
    ss = captions.sentences(cues)
    kinds = [captions.ASK if members and members[s.first] else captions.kind(s.text) for s in ss]
    rs = captions.runs(ss, kinds)
    long = [k for k, r in enumerate(rs) if r.length_s >= LONG_STRETCH_S]
    if not long:
        return None
    k, late_at, early = long[0], None, []
    while k + 1 < len(rs):
        if late_at is not None and _asks_so_far_after(ss, rs[k]):
            # "Any questions so far?" after the run that followed the late question: only a
            # presenter in the middle of a talk asks that, so that question was the talk's
            late_at = None
        nxt = next((j for j in range(k + 1, len(rs)) if rs[j].length_s >= SUBSTANTIAL_S), None)
        if nxt is None or _ends_in_handoff(ss, rs[k]):
            # (a run that ends handing off: what follows is Q&A, never a pause in the talk)
            break
        asks = _asks_between(kinds, rs[k], rs[nxt])
        pause_s = (rs[nxt].start_ms - rs[k].end_ms) / 1000
        # resumed: "OK, let's continue" at its head, or "any questions so far?" at its end, which
        # only a presenter mid-talk asks: that run was the talk, whatever came before it
        resumed = (
            (_resumes(ss, rs[nxt]) or _asks_so_far_after(ss, rs[nxt]))
            and pause_s <= CC_PAUSE_MAX_S
            and asks <= CC_PAUSE_MAX_ASKS
        )
        interjection = (
            rs[k].end_ms < safe_until_ms
            and pause_s <= CC_INTERJECTION_MAX_S
            and asks <= CC_INTERJECTION_MAX_ASKS
        )
        quick = pause_s <= CC_QUICK_MAX_S and _quick_question(ss, kinds, rs[k], rs[nxt])
        if not (resumed or interjection or quick):
            break
        if late_at is None and not (resumed or interjection):
            late_at = rs[k].last + 1
        if interjection and not resumed:
            early.append((rs[k].end_ms, rs[nxt].start_ms))
        k = nxt
    r = rs[k]
    ev.append(
        f"statements without a question {_clock(r.start_ms)}-{_clock(r.end_ms)}"
        f" ({r.length_s / 60:.0f} min)"
    )
    at = r.last + 1 if r.last + 1 < len(ss) else None
    return _Onset(at, ss, r.start_ms, late_at, tuple(early), r.length_s, r.end_ms, tuple(kinds))


def _asks_so_far_after(ss: Sequence[captions.Sentence], r: captions.Run) -> bool:
    """Does the run end in the presenter asking for questions as only one mid-talk does ("Any
    questions so far?", "I'll pause in case anyone has questions.")?"""
    return _asks_mid_talk(ss[r.last].text) or (
        r.last + 1 < len(ss) and _asks_mid_talk(ss[r.last + 1].text)
    )


def _ends_in_handoff(ss: Sequence[captions.Sentence], r: captions.Run) -> bool:
    """Does the run end with a strong hand-off remark ("let's open it up")?"""
    for i in range(r.last, r.first - 1, -1):
        s = ss[i]
        if s.start_ms < r.end_ms - floor.TAIL_S * 1000:
            return False
        if handoff_strength(s.text) == 2:
            return True
    return False


def _quick_question(
    ss: Sequence[captions.Sentence],
    kinds: Sequence[str | None],
    a: captions.Run,
    b: captions.Run,
) -> bool:
    """One short question put in passing ("Wait, is that absolute?"), and nothing else asked."""
    between = [
        (s, k)
        for s, k in zip(ss[a.last + 1 : b.first], kinds[a.last + 1 : b.first], strict=True)
        if k
    ]
    asks = [s for s, k in between if k == captions.ASK]
    return (
        len(asks) == 1
        and len(between) <= 2
        and "?" in asks[0].text
        and len(asks[0].text.split()) <= CC_QUICK_MAX_WORDS
        and not captions.is_invitation(asks[0].text)
    )


def _to_the_room(text: str) -> bool:
    """The presenter's question to the room: "Thoughts?", "Any questions?", or one asked between
    sections ("Does that make sense so far?"), which only a presenter mid-talk asks."""
    return captions.is_invitation(text) or _asks_mid_talk(text)


def _material_ends_later(ss: Sequence[captions.Sentence], at: int, until_ms: float) -> int | None:
    """The first sentence after ``at`` (and before ``until_ms``) that ends the talk's material
    ("that's my summary", "end of my slides")."""
    for i in range(at + 1, len(ss)):
        if ss[i].start_ms > until_ms:
            return None
        if ends_the_material(ss[i].text):
            return i
    return None


def _asks_mid_talk(text: str) -> bool:
    """ "Does that make sense so far?", "I'll pause in case anyone has questions.": inviting
    questions as only a presenter in the middle of a talk does."""
    return is_pause_for_questions(text) or (
        "?" in text and is_pause_question(text) and not mentions_more(text)
    )


def _resumes(ss: Sequence[captions.Sentence], r: captions.Run) -> bool:
    for s in ss[r.first : r.last + 1]:
        if s.start_ms > r.start_ms + RESUME_HEAD_S * 1000:
            return False
        if is_resume(s.text) or is_section_start(s.text):
            return True
    return False


def _asks_between(kinds: Sequence[str | None], a: captions.Run, b: captions.Run) -> int:
    return sum(1 for k in kinds[a.last + 1 : b.first] if k == captions.ASK)


def _invited_just_before(ss: Sequence[captions.Sentence], at: int, run_start_ms: int) -> int:
    """The presenter's invitation to ask ("I'll pause in case anyone has questions.") a few
    sentences before the first question, inside the last run of statements: what came between
    may be a first question that reads like a statement ("I had a different reading of section
    5."), so the talk stopped at the invitation. Only ever moves the cut earlier."""
    for i in range(at - 1, -1, -1):
        s = ss[i]
        if s.start_ms < max(run_start_ms, ss[at].start_ms - CC_INVITE_LOOKBACK_S * 1000):
            break
        if is_resume(s.text) or is_section_start(s.text):
            break  # the talk went on after any invitation before this
        if _to_the_room(s.text):
            return i
    return at


def _late_question(onset: _Onset, ev: list[str]) -> BoundaryDecision:
    """A quick question near the expected end that nothing showed to be a pause: it may have been
    the first question of Q&A, the rest its answer; or the second, after a first one that reads
    like a statement ("I work on something similar ..."). Cutting before it could keep that one,
    so only an organizer can place the cut."""
    assert onset.late_at is not None
    s = onset.sentences[onset.late_at]
    ev.append(f"a question near the expected end at {_clock(s.start_ms)}: {s.text[:80]!r}")
    return _hold(
        "a question near the expected end, and nothing after it shows the talk went on", ev
    )


def _passed_early(onset: _Onset, at: int, safe_until_ms: float) -> bool:
    """Were questions passed over for coming well before the expected end, when the talk, up
    to the run of statements that ends before sentence ``at`` (``len`` for the end), ended early
    after all, or that run came right after them and is short (an answer?)? Then they may have
    been Q&A."""
    if not onset.early:
        return False
    first = at
    while first > 0 and onset.kinds[first - 1] is None:
        first -= 1
    if first == at:  # (no statements right before it: judge by the questions alone)
        return True
    start_ms, end_ms = onset.sentences[first].start_ms, onset.sentences[at - 1].end_ms
    return (
        onset.early[-1][1] == start_ms and (end_ms - start_ms) / 1000 < LONG_STRETCH_S
    ) or end_ms < safe_until_ms


def _discussion_cut(
    cues: Sequence[Cue], expected_s: float, onset: _Onset, at: int, ev: list[str]
) -> BoundaryDecision | None:
    """Cut at the first remark that opens a discussion, when the question at ``at`` (the first
    one after the talk) is one, or a reply to one: thanks, the asker's own work, an opinion (see
    :func:`phrases.question_topic`). The first question of Q&A may read like a statement ("I
    actually work on something similar ..."), so the run of statements before it is searched for
    such remarks too, back to its start; the cut goes at the earliest, never later than ``at``.
    None when there is none, or the cut would be far from the club's usual length."""
    ss, kinds = onset.sentences, onset.kinds
    opens = question_topic(ss[at].text) == DISCUSSION
    if not (opens or kinds[at] == captions.REPLY):
        return None
    first = at if opens else None
    i = at - 1
    while i >= 0 and kinds[i] is None:
        if question_topic(ss[i].text) == DISCUSSION:
            first = i
        i -= 1
    if first is None:
        return None
    s = ss[first]
    if (s.start_ms - ss[i + 1].start_ms) / 1000 < LONG_STRETCH_S:
        # Not after a whole stretch of statements (the talk) but after a question or a line
        # steering the Q&A: the statements before the remark may be answers in Q&A already.
        return None
    ratio = (s.start_ms - cues[0].start_ms) / 1000 / expected_s
    if not EARLY_RATIO <= ratio <= LATE_RATIO:
        return None
    ev.append(f"a remark that opens a discussion at {_clock(s.start_ms)}: {s.text[:80]!r}")
    return BoundaryDecision(s.start_ms / 1000, False, 0.55, "cut where a discussion opens", ev)


def _by_text(
    cues: Sequence[Cue],
    expected_s: float,
    onset: _Onset,
    handoff_later: bool,
    members: Sequence[bool],
    ev: list[str],
) -> BoundaryDecision:
    """No hand-off remark before the captions stop reading like a presentation."""
    origin_ms = cues[0].start_ms
    at, ss = onset.at, onset.sentences
    safe_until_ms = origin_ms + ANSWER_RISK_RATIO * expected_s * 1000
    if at and is_pause_for_questions(ss[at - 1].text) and not (members and members[ss[at].first]):
        at -= 1  # "I'll pause in case anyone has questions.": a statement, but the invitation
    elif at is not None and not members:
        at = _invited_just_before(ss, at, onset.run_start_ms)
    if onset.late_at is not None and not (
        at is not None
        and (captions.asks_for_questions(ss[at].text) or _asks_mid_talk(ss[at].text))
        and not (members and members[ss[at].first])
    ):
        # the "interruption" may have been the first question of Q&A, the rest its answer;
        # unless the presenter then asked the room for questions, as one does after a talk.
        # Even one about the material on the screen ("wait, is that absolute?") is not passed:
        # in captions a long answer to it reads exactly like the talk going on.
        if question_topic(ss[onset.late_at].text) == DISCUSSION and not _passed_early(
            onset, onset.late_at, safe_until_ms
        ):
            # it opened a discussion: Q&A began there, or at a remark like it just before
            cut = _discussion_cut(cues, expected_s, onset, onset.late_at, ev)
            return cut or _late_question(onset, ev)
        return _late_question(onset, ev)
    if _passed_early(onset, len(ss) if onset.at is None else onset.at, safe_until_ms):
        # Questions were passed over for coming well before the expected end; but if the talk
        # ended early after all, or the last run right after them is short (an answer?), they
        # may have been Q&A.
        return _hold("questions passed over as mid-talk, but the talk may have ended there", ev)
    if at is None:
        ev.append("no question, reply or steering after it")
        tail = [c for c in cues if c.start_ms >= onset.run_start_ms]
        gaps = [(b.start_ms - a.end_ms) / 1000 for a, b in pairwise(tail)]
        if any(g >= CC_SILENCE_S for g in gaps):
            # a talk does not stop for a minute and go on; Q&A may start after a silence, with a
            # first question that reads like a statement
            return _hold("a long silence, then more speech that reads like statements", ev)
        closing = next(
            (
                i
                for i, c in enumerate(tail)
                if handoff_strength(c.text) >= 1 and not is_resume(c.text)
            ),
            None,
        )
        if closing is not None and any(
            c.start_ms > tail[closing].end_ms + AFTER_HANDOFF_S * 1000 for c in tail[closing + 1 :]
        ):
            ev.append(f"a closing-like remark at {_clock(tail[closing].start_ms)}")
            return _hold("more speech after a closing-like remark: Q&A may have started", ev)
        last_ms = cues[-1].start_ms
        if not any(
            s.start_ms >= onset.run_start_ms
            and last_ms <= s.end_ms + AFTER_HANDOFF_S * 1000
            and is_closing_like(s.text)
            for s in ss
        ):
            # The statements stop with nothing that ends a talk (a remark of its own, not the
            # paper's "when to wrap up the utterance", nor "thanks, everyone", which ends a
            # session as well): the recording may have run into a Q&A whose question and answer
            # both read like statements.
            return _hold("the statements stop without a closing remark: Q&A may have started", ev)
        return BoundaryDecision(None, False, 0.6, "recording holds no Q&A", ev)
    s = ss[at]
    ev.append(f"first question after it at {_clock(s.start_ms)}: {s.text[:80]!r}")
    if not _to_the_room(s.text) or (members and members[s.first]):
        # A member's question may be the second one: the first may read like a statement; but
        # one that opens a discussion, and any such remark before it, shows where Q&A began.
        cut = _discussion_cut(cues, expected_s, onset, at, ev)
        if cut is not None:
            return cut
        if handoff_later:
            return _hold("questions before the hand-off remark: Q&A may have started earlier", ev)
        return _hold("no hand-off remark, and the first question is not the presenter's", ev)
    ending = _material_ends_later(ss, at, origin_ms + LATE_RATIO * expected_s * 1000)
    why = "cut at the presenter's question to the room"
    if ending is not None:
        # "That's my summary" later on: the talk went on past the questions it invited (a pause
        # answered without a word of resuming), to that remark.
        s, why = ss[ending], "cut at the remark that ends the talk"
        ev.append(f"the talk went on to {_clock(s.start_ms)}: {s.text[:80]!r}")
    if not any(c.start_ms > s.end_ms + AFTER_HANDOFF_S * 1000 for c in cues[s.first + 1 :]):
        return BoundaryDecision(None, False, 0.6, "recording ends after the talk's last remark", ev)
    ratio = (s.start_ms - origin_ms) / 1000 / expected_s
    if not EARLY_RATIO <= ratio <= LATE_RATIO:
        return _hold(f"cut at {_clock(s.start_ms)} is far from the club's usual length", ev)
    return BoundaryDecision(s.start_ms / 1000, False, 0.55, why, ev)
