"""The Q&A boundary detector: plain cues in, a decision out (no files, servers or clocks)."""

from __future__ import annotations

import importlib.util
import itertools
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from zoomclub.errors import InputError
from zoomclub.transcript.boundary import BoundaryDecision, detect_boundary
from zoomclub.transcript.vtt import Cue, parse_vtt

DATA = Path(__file__).parent / "data" / "boundary"

CONTENT = itertools.cycle(
    [
        "The main claim is that the retriever matters more than the reader.",
        "If you look at this figure the exact match goes up by about five points.",
        "They compare against a baseline without dense retrieval and the gap is large.",
        "What I like is how they handle unanswerable questions in the benchmark.",
        "The ablation removes the question encoder and things get noticeably worse.",
    ]
)


class Talk:
    """Builds a session cue by cue, like Zoom's transcript: one cue per chunk of speech."""

    def __init__(self) -> None:
        self.cues: list[Cue] = []
        self.t = 0.0

    def say(self, who: str | None, text: str, seconds: float = 6.0, gap: float = 0.6) -> float:
        start = self.t
        self.cues.append(Cue(int(start * 1000), int((start + seconds) * 1000), text, who))
        self.t += seconds + gap
        return start

    def present(self, who: str | None, minutes: float) -> None:
        end = self.t + minutes * 60
        while self.t < end:
            self.say(who, next(CONTENT), seconds=10.0)

    def pause(self, who: str, askers: list[str]) -> None:
        self.say(who, "Any questions so far?", 3)
        for asker in askers:
            self.say(asker, "Sorry, which dataset is that table on?", 4)
            self.say(who, "It is Natural Questions, the held-out split.", 5)
        self.say(who, "OK, let's continue.", 2)

    def qa(self, host: str, members: list[str], rounds: int = 4, answer_s: float = 40) -> float:
        first = self.t
        for member in itertools.islice(itertools.cycle(members), rounds):
            self.say(member, "I was wondering how this compares with sparse retrieval?", 7)
            self.say(host, "Yeah, good question.", 2)
            end = self.t + answer_s
            while self.t < end:
                self.say(host, next(CONTENT), 10)
        return first

    def silence(self, seconds: float) -> None:
        self.t += seconds


def session(
    host: str = "Ada Lovelace",
    members: tuple[str, ...] = ("Bo Chen", "Zoë Wójcik", "李明"),
    closing: str | None = "So that's the paper. Let's open it up for questions.",
) -> tuple[Talk, float]:
    """Chatter, three sections with question pauses (about 45 minutes), a closing remark."""
    s = Talk()
    s.say(host, "Hi everyone, can you see my screen?", 3)
    s.say(members[0], "Yes.", 1)
    s.say(members[1], "Hi all!", 1)
    s.say(host, "Let's give people a minute to join.", 3)
    s.say(members[2], "Good morning from Lisbon.", 2)
    s.present(host, 14)
    s.pause(host, [members[0]])
    s.present(host, 14)
    s.pause(host, [members[1], members[2]])
    s.present(host, 14)
    closing_start = s.t - 10.6
    if closing:
        closing_start = s.say(host, closing, 5)
    return s, closing_start


def assert_held_or_cut_by(d: BoundaryDecision, first_qa: float) -> None:
    """No leak: held for review, or cut no later than the first Q&A line (+0.5 s, as scored)."""
    assert d.needs_review or (
        d.facilitation_end_s is not None and d.facilitation_end_s <= first_qa + 0.5
    ), d


def assert_cut_between(d: BoundaryDecision, closing_start: float, first_qa: float) -> None:
    assert not d.needs_review, d
    assert d.facilitation_end_s is not None, d
    assert closing_start - 5 <= d.facilitation_end_s <= first_qa + 0.5, d


def test_cut_between_the_closing_remark_and_the_first_question() -> None:
    s, closing = session()
    s.silence(3)
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik", "Ingrid Solberg"])
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)
    assert d.confidence >= 0.8
    assert any("hand-off" in e for e in d.evidence)


def test_a_recording_that_stops_after_the_closing_has_no_qa() -> None:
    s, _ = session(closing="That's all I have, thanks for listening!")
    d = detect_boundary(s.cues)
    assert d.facilitation_end_s is None and not d.needs_review
    assert d.reason == "recording holds no Q&A"


def test_no_closing_remark_cuts_at_the_first_question() -> None:
    s, last_line = session(closing=None)
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik"])
    assert_cut_between(detect_boundary(s.cues), last_line, first)


def test_long_silence_before_qa_is_cut_before_the_silence() -> None:
    s, closing = session()
    s.silence(150)
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik"])
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)
    assert d.facilitation_end_s is not None and d.facilitation_end_s < closing + 10


def test_a_long_answer_after_the_hand_off_does_not_move_the_cut_later() -> None:
    s, closing = session()
    first = s.qa("Ada Lovelace", ["Bo Chen"], rounds=1, answer_s=300)  # a 5-minute answer
    s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"], rounds=3)
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_no_closing_and_a_long_first_answer_is_held_not_leaked() -> None:
    s, _ = session(closing=None)
    s.qa("Ada Lovelace", ["Bo Chen"], rounds=1, answer_s=300)  # reads like a last section
    s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"], rounds=3)
    d = detect_boundary(s.cues)
    assert d.needs_review
    assert "long answer" in d.reason


def test_a_quick_interjection_before_the_last_section_is_not_q_and_a() -> None:
    s, _ = session(closing=None)
    s.say("Bo Chen", "Sorry, which table?", 2)
    s.present("Ada Lovelace", 6)  # the last section, ending without a closing remark
    last_line = s.cues[-1].start_ms / 1000
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik"])
    assert_cut_between(detect_boundary(s.cues), last_line, first)


def test_twenty_minutes_of_qa_with_long_answers() -> None:
    s, closing = session()
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik", "Ingrid Solberg", "kim"], 12, 90)
    assert s.t - first > 20 * 60
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_paper_vocabulary_is_not_a_hand_off() -> None:
    s = Talk()
    s.present("Ada", 10)
    s.say("Ada", "The endpointer decides when to stop the recording on the device.", 5)
    s.say("Ada", "So any question the user asks goes through the retriever first.", 5)
    s.present("Ada", 10)
    s.pause("Ada", ["Bo"])
    s.say("Ada", "They wrap up the proof in the appendix.", 4)
    s.present("Ada", 20)
    closing = s.say("Ada", "OK, I'll stop sharing now. Questions?", 4)
    first = s.qa("Ada", ["Bo", "Cy", "Di"])
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_co_facilitators_invited_author_and_a_rename() -> None:
    s = Talk()
    s.present("Priya Raman", 10)
    s.pause("Priya Raman", ["Bo"])
    s.present("Tomás O'Neill", 12)  # co-facilitator
    s.say("Tomás O'Neill", "Now Lukas, one of the authors, will walk us through the method.", 4)
    s.present("Lukas Nowak", 11)  # invited author
    s.pause("Lukas Nowak", ["Cy"])
    s.present("Priya (she/her)", 10)  # Priya renamed herself
    closing = s.say("Priya (she/her)", "That's it from me. Happy to take questions.", 4)
    first = s.qa("Lukas Nowak", ["Bo", "Cy", "Di"])
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)
    assert "lukas nowak" in d.evidence[0] and "tomás o'neill" in d.evidence[0]


def test_a_generic_name_shared_with_a_member_never_leaks() -> None:
    s, _ = session(host="iPhone", closing=None)
    s.say("iPhone", "Can I ask about the evaluation? Did they try other datasets?", 6)  # a member
    s.qa("iPhone", ["Bo Chen"], rounds=1)
    s.qa("iPhone", ["Zoë Wójcik", "Ingrid Solberg"], rounds=3)
    d = detect_boundary(s.cues)
    assert d.needs_review
    assert "generic display name" in d.reason


def _renamed_session(renamed_to: str) -> tuple[Talk, float]:
    """The facilitator joins as "iPhone" and is renamed early in the last section; no closing."""
    s = Talk()
    s.say("iPhone", "Hi everyone, can you see my screen?", 3)
    s.say("Bo Chen", "Yes.", 1)
    s.present("iPhone", 14)
    s.pause("iPhone", ["Bo Chen"])
    s.present("iPhone", 14)
    s.pause("iPhone", ["Zoë Wójcik"])
    s.present("iPhone", 2)
    s.present(renamed_to, 12)
    return s, s.t - 10.6


def test_a_presenter_renamed_from_a_generic_name_is_read_by_the_floor() -> None:
    """The generic name is heard only before the presenter's own name in the last stretch: no
    member can hide behind it where the talk ends, so the first other voice is the cut."""
    s, closing = _renamed_session("Ada Lovelace")
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik", "李明"])
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)
    assert "generic display name" not in d.reason


def test_a_generic_name_heard_after_the_presenters_own_name_is_not_read_by_the_floor() -> None:
    """ "iPhone" speaks again after the renamed presenter in the last stretch: it may be a member
    asking the first question of Q&A under the same generic name."""
    s, _ = _renamed_session("Ada Lovelace")
    first = s.say("iPhone", "I actually work on something similar and we found it sensitive.", 6)
    s.present("Ada Lovelace", 2)
    s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik", "李明"])
    d = detect_boundary(s.cues)
    assert "generic display name" in d.reason
    assert_held_or_cut_by(d, first)


def test_a_short_last_section_that_pauses_for_questions_was_the_talk() -> None:
    """A quick question nobody was invited to ask, then a short stretch that ends "I'll pause for
    a second in case anyone has questions": only a presenter mid-talk says that, so the stretch
    was the talk, not an answer in Q&A."""
    s, _ = session(closing=None)
    s.say("Bo Chen", "Sorry, which table is that?", 3)
    s.say("Ada Lovelace", "Table two.", 2)
    s.present("Ada Lovelace", 2)
    closing = s.say("Ada Lovelace", "I'll pause for a second in case anyone has questions.", 4)
    first = s.qa("Ada Lovelace", ["Zoë Wójcik", "李明"])
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_a_generic_name_with_a_hand_off_is_cut_at_the_hand_off() -> None:
    s, closing = session(host="Zoom user")
    first = s.qa("Zoom user", ["Zoom user", "Bo Chen"])
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_captions_without_speakers_cut_at_the_hand_off() -> None:
    s, closing = session(host=None, members=(None, None, None))  # type: ignore[arg-type]
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)
    assert "no speaker labels" in d.evidence[0]


def test_captions_without_a_hand_off_are_held() -> None:
    s, _ = session(host=None, members=(None, None, None), closing=None)  # type: ignore[arg-type]
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert d.needs_review and d.facilitation_end_s is None


def test_captions_with_questions_before_the_hand_off_are_held() -> None:
    s, _ = session(host=None, members=(None, None, None), closing=None)  # type: ignore[arg-type]
    s.qa(None, [None, None], rounds=3, answer_s=10)  # type: ignore[arg-type, list-item]
    s.say(None, "Great questions, thanks for listening everyone!", 3)
    s.qa(None, [None], rounds=2)  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert d.needs_review
    assert "questions before the hand-off" in d.reason


def test_no_one_holding_the_floor_is_held() -> None:
    s = Talk()
    for who in itertools.islice(itertools.cycle(["Ada", "Bo", "Cy", "Di"]), 300):
        s.say(who, "I think so, but what about the baseline?", 5)
    d = detect_boundary(s.cues)
    assert d.needs_review and d.facilitation_end_s is None


def test_a_discussion_between_presentations_is_held() -> None:
    s = Talk()
    s.present("Ada", 15)
    s.qa("Ada", ["Bo", "Cy", "Di", "Ed", "Flo"], rounds=6, answer_s=10)
    s.present("Ada", 15)
    s.say("Ada", "Let's open it up for questions.", 3)
    s.qa("Ada", ["Bo", "Cy"])
    d = detect_boundary(s.cues, facilitation_minutes=35)
    assert d.needs_review
    assert "discussion between two presentations" in d.reason


def test_a_cut_far_from_the_clubs_usual_length_is_held() -> None:
    s, closing = session()
    s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik"])
    d = detect_boundary(s.cues, facilitation_minutes=150)
    assert d.needs_review
    assert d.facilitation_end_s is not None and d.facilitation_end_s <= closing + 10
    assert "far from the club's usual length" in d.reason


def test_the_result_is_within_the_recording() -> None:
    s, _ = session()
    s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik"])
    d = detect_boundary(s.cues, recording_duration_s=600.0)
    assert d.facilitation_end_s is not None and 0 <= d.facilitation_end_s <= 600.0


def test_trailing_silence_is_cut_off_when_there_is_no_qa() -> None:
    s, _ = session()
    speech_end = s.cues[-1].end_ms / 1000
    d = detect_boundary(s.cues, recording_duration_s=speech_end + 600)
    assert d.facilitation_end_s == pytest.approx(speech_end)
    assert not d.needs_review
    short = detect_boundary(s.cues, recording_duration_s=speech_end + 20)
    assert short.facilitation_end_s is None


def test_a_segment_boundary_near_the_cut_is_evidence() -> None:
    s, closing = session()
    s.silence(40)
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik"])
    plain = detect_boundary(s.cues)
    with_segments = detect_boundary(s.cues, segment_bounds_s=[(0.0, closing + 8), (first - 2, s.t)])
    assert with_segments.confidence > plain.confidence
    assert any("segment" in e for e in with_segments.evidence)
    assert with_segments.facilitation_end_s == plain.facilitation_end_s


def test_empty_input_is_held_and_bad_arguments_are_input_errors() -> None:
    d = detect_boundary([])
    assert d.needs_review and d.facilitation_end_s is None
    with pytest.raises(InputError):
        detect_boundary([], facilitation_minutes=0)
    with pytest.raises(InputError):
        detect_boundary([], facilitation_minutes=float("nan"))
    with pytest.raises(InputError):
        detect_boundary([], recording_duration_s=-1)


def test_to_json_shape() -> None:
    s, _ = session()
    payload = detect_boundary(s.cues).to_json()
    assert list(payload) == ["facilitation_end", "needs_review", "confidence", "reason", "evidence"]
    assert json.loads(json.dumps(payload)) == payload
    assert 0 <= payload["confidence"] <= 1


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the generator's dataclasses look their module up
    spec.loader.exec_module(module)
    return module


EVAL = Path(__file__).parent.parent / "bench" / "boundary_eval.py"


def test_labelled_set_has_no_leaks() -> None:
    """The evaluation of bench/boundary_eval.py over the committed labelled set."""
    module = _load("boundary_eval", EVAL)
    labels = json.loads((DATA / "labels.json").read_text(encoding="utf-8"))
    assert len(labels) >= 40
    totals = module.evaluate(DATA, quiet=True)
    n = sum(totals.values())
    assert totals["leaked"] == 0, totals
    # measured 45/48 correct, 2 over-trimmed, 1 held (see docs/benchmarks.md); the issue's
    # targets are >= 95% correct and <= 5% held: these floors catch a regression
    assert totals["correct"] >= 0.9 * n, totals
    assert totals["held"] <= 0.05 * n, totals


def test_a_q_and_a_opened_by_a_question_about_the_material_is_never_leaked() -> None:
    """The generator's --clarifying-first sessions: every Q&A opens with a question worded like
    the pauses' ("sorry, what was X again?"), often with a long answer. Passing such questions on
    their topic alone (e34cc78) leaked 19 of 384 of them (seeds 810-817), 4 of seed 812's 48."""
    gen = _load("boundary_generate", DATA / "generate.py")
    evaluation = _load("boundary_eval", EVAL)
    seed = 812
    leaked = []
    for n, case in enumerate(gen.cases_for(random.Random(seed), clarifying_first=True), 1):
        text, label = gen.build(case, seed * 1000 + n)
        cues = parse_vtt(text.encode("utf-8"), source=f"case{n}").cues
        d = detect_boundary(cues, facilitation_minutes=label["facilitation_minutes"])
        if evaluation.classify(d, label, max(c.end_ms for c in cues) / 1000) == "leaked":
            leaked.append((n, label["notes"], d.reason))
    assert leaked == []


def test_a_closing_said_with_so_far_is_still_a_closing() -> None:
    s, closing = session(closing="That's all I have. Any questions so far?")
    first = s.qa("Ada Lovelace", ["Bo Chen"], rounds=1, answer_s=90)
    s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"], rounds=3)
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_a_fractional_recording_end_is_never_exceeded() -> None:
    cues = [
        Cue(0, 0, "The main claim is that the retriever matters.", None),
        Cue(200_000, 200_000, "Let's open it up for questions.", None),
        Cue(200_000, 209_680, "Why not BM25?", None),
        Cue(409_680, 409_680, "Hmm.", "Zoom user"),
    ]
    d = detect_boundary(cues, facilitation_minutes=2.0, recording_duration_s=1.296875)
    assert d.facilitation_end_s is not None and d.facilitation_end_s <= 1.296875


def test_after_a_strong_closing_even_the_facilitators_voice_is_q_and_a() -> None:
    s, closing = session(closing="I'll stop the recording now and we can open it up.")
    first = s.say("Ada Lovelace", "So, who wants to start? Maybe Bo, you had a question.", 5)
    s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik"])
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)
    assert d.facilitation_end_s is not None and d.facilitation_end_s <= first


def test_the_facilitator_reading_chat_questions_after_the_closing_is_not_kept() -> None:
    s, closing = session(closing="That's all I have. Let's take some questions from the chat.")
    s.silence(15)
    first = s.say("Ada Lovelace", "Zoë asks in the chat whether the code is available.", 6)
    s.present("Ada Lovelace", 2)
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)


def test_a_short_last_section_resumed_after_a_question_is_kept() -> None:
    """'OK, let's continue' after an unprompted question: the 3-minute section after it is still
    facilitation, so the cut goes after it rather than over-trimming at the question."""
    s, _ = session(closing=None)
    s.say("Bo Chen", "Sorry, which dataset is that table on?", 4)
    s.say("Ada Lovelace", "It is Natural Questions.", 3)
    s.say("Ada Lovelace", "OK, let's continue.", 2)
    s.present("Ada Lovelace", 3)
    last_line = s.cues[-1].start_ms / 1000
    first = s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"])
    d = detect_boundary(s.cues)
    assert_cut_between(d, last_line, first)
    assert "resumed" in d.reason


@pytest.mark.parametrize(
    "opening",
    [
        "OK, moving on to the next question.",
        "Let's go on with the questions.",
        "Alright, let's move on to the discussion.",
        "Interesting. So if you look at the next slide, the numbers are lower.",
    ],
)
def test_moderating_q_and_a_is_not_resuming_the_presentation(opening: str) -> None:
    """In Q&A with no closing remark, a facilitator moving to the next question (or showing the
    next slide in an answer) has not resumed the talk: never a reason to cut later."""
    s, _ = session(closing=None)
    first = s.t
    s.say("Bo Chen", "I was wondering how this compares with sparse retrieval?", 7)
    s.say("Ada Lovelace", "Good question.", 2)
    s.say("Ada Lovelace", opening, 4)
    s.present("Ada Lovelace", 3)
    s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"])
    d = detect_boundary(s.cues)
    assert_held_or_cut_by(d, first)


def test_resume_phrases() -> None:
    from zoomclub.transcript.phrases import is_resume

    for text in [
        "OK, let's continue.",
        "Alright, moving on.",
        "No? OK, let's keep going.",
        "Next section.",
        "Great. Let's move on.",
    ]:
        assert is_resume(text), text
    for text in [
        "Moving on to the next question.",
        "Let's move on to Q&A.",
        "On the next slide they show it.",
        "Let's go back to the slides.",
        "That's all I have. Let's move on to the discussion.",
    ]:
        assert not is_resume(text), text


def test_an_invited_author_mid_session_is_a_presenter_not_a_discussion() -> None:
    s = Talk()
    s.say("Ada Lovelace", "Welcome, everyone.", 3)
    s.present("Ada Lovelace", 12)
    s.pause("Ada Lovelace", ["Bo Chen"])
    s.say("Ada Lovelace", "And now Lukas, one of the authors, will walk us through this part.", 4)
    s.present("Lukas Nowak", 7)  # 7 of 45 minutes: a small share of the talk
    s.say("Bo Chen", "Thanks, that was clear.", 2)
    s.present("Ada Lovelace", 12)
    s.pause("Ada Lovelace", ["Zoë Wójcik"])
    s.present("Ada Lovelace", 12)
    closing = s.say("Ada Lovelace", "That's all I have. Happy to take questions.", 4)
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik"])
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_an_invited_author_late_in_the_talk_is_a_presenter_when_the_talk_went_on() -> None:
    """The author's part ends near the expected end, but the facilitator then asks "before I move
    on, any quick questions?" and goes on: only a presenter mid-talk asks that, so the author's
    part was the talk, not a discussion in Q&A."""
    s = Talk()
    s.say("Ada Lovelace", "Welcome, everyone.", 3)
    s.present("Ada Lovelace", 36)
    s.pause("Ada Lovelace", ["Bo Chen"])
    s.present("Ada Lovelace", 36)
    s.say("Ada Lovelace", "And now Lukas, one of the authors, will walk us through this part.", 4)
    s.present("Lukas Nowak", 9)  # a small share, ending past 3/4 of the expected 100 minutes
    s.say("Ada Lovelace", "Before I move on, any quick questions?", 3)
    s.present("Ada Lovelace", 8)
    closing = s.say("Ada Lovelace", "That's all I have. Happy to take questions.", 4)
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik", "Ingrid Solberg"])
    d = detect_boundary(s.cues, facilitation_minutes=100)
    assert_cut_between(d, closing, first)
    assert "lukas nowak" in d.evidence[0]


@pytest.mark.parametrize("moderation", [None, "So far nobody has asked about the compute."])
@pytest.mark.parametrize("talk_minutes", [45, 25])
def test_a_members_long_turn_in_q_and_a_never_joins_the_presenters(
    talk_minutes: int, moderation: str | None
) -> None:
    """No closing; in Q&A a member talks for 5 minutes, then the facilitator answers for 5: the
    member must not read as an invited author (that would put the cut after the answer)."""
    s = Talk()
    s.say("Ada Lovelace", "Welcome, everyone.", 3)
    s.present("Ada Lovelace", talk_minutes / 2)
    s.pause("Ada Lovelace", ["Bo Chen"])
    s.present("Ada Lovelace", talk_minutes / 2)
    first = s.t
    s.present("Bo Chen", 5)
    s.present("Ada Lovelace", 5)
    if moderation:  # "so far", but no question for the room: Q&A steered, not a pause
        s.say("Ada Lovelace", moderation, 3)
    s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"])
    d = detect_boundary(s.cues)
    assert_held_or_cut_by(d, first)


def test_captions_with_a_question_pause_just_before_the_hand_off_are_cut() -> None:
    """Questions the presenter answered and then resumed after ("No? OK, let's keep going.") are
    a between-sections pause, not Q&A before the hand-off."""
    s, _ = session(host=None, members=(None, None, None), closing=None)  # type: ignore[arg-type]
    s.say(None, "Before I move on, any quick questions?", 3)
    for _ in range(3):
        s.say(None, "Is that absolute or relative?", 3)
        s.say(None, "Absolute, I think.", 2)
    s.say(None, "No? OK, let's keep going.", 2)
    s.present(None, 1)
    closing = s.say(None, "And that's it from me. Happy to take questions.", 4)
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_captions_with_q_and_a_moderation_before_the_hand_off_are_still_held() -> None:
    s, _ = session(host=None, members=(None, None, None), closing=None)  # type: ignore[arg-type]
    s.qa(None, [None, None], rounds=3, answer_s=10)  # type: ignore[arg-type, list-item]
    s.say(None, "OK, moving on to the next question.", 3)
    s.say(None, "Why not just use sparse retrieval?", 3)
    s.say(None, "Let's take some questions from the chat too.", 3)
    s.qa(None, [None], rounds=2)  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert d.needs_review, d


def test_a_hand_off_after_the_first_answer_does_not_pull_the_cut_into_q_and_a() -> None:
    """No closing; a member asks at once, the facilitator answers, then says "let's take some
    questions from the chat": the answer is Q&A, so the cut must not move to that remark."""
    s, _ = session(closing=None)
    first = s.t
    s.say("Bo Chen", "I was wondering how this compares with sparse retrieval?", 7)
    s.say("Ada Lovelace", "Good question.", 2)
    s.present("Ada Lovelace", 2)
    s.say("Ada Lovelace", "OK, let's take some questions from the chat.", 4)
    s.say("Ada Lovelace", "Someone asks whether the code is out.", 4)
    s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"])
    d = detect_boundary(s.cues)
    assert_held_or_cut_by(d, first)


def test_a_last_section_after_a_late_question_that_ends_the_talk_is_kept() -> None:
    s, _ = session(closing=None)
    s.say("Bo Chen", "Wait, is that absolute or relative?", 3)
    s.say("Ada Lovelace", "Absolute.", 2)
    s.present("Ada Lovelace", 2)
    closing = s.say("Ada Lovelace", "And that was the last slide. Let's open it up.", 4)
    first = s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"])
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_captions_steering_q_and_a_then_a_hand_off_are_held() -> None:
    """Captions: a question, an answer, "Alright, let's go on. Anyone else?" (steering Q&A, not
    resuming a talk), then "let's take some questions from the chat too"."""
    s, _ = session(host=None, members=(None, None, None), closing=None)  # type: ignore[arg-type]
    first = s.say(None, "I was wondering how this compares with sparse retrieval?", 7)
    s.present(None, 2)
    s.say(None, "Alright, let's go on. Anyone else?", 3)
    s.say(None, "I had a slightly different reading of section three.", 5)
    s.present(None, 2)
    s.say(None, "OK, let's take some questions from the chat too.", 4)
    s.qa(None, [None], rounds=2)  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_held_or_cut_by(d, first)


def test_ending_on_questions_so_far_that_take_the_session_never_leaks() -> None:
    """The presenter invites questions "so far", meaning to go on, and never does."""
    s, _ = session(closing=None)
    s.say("Ada Lovelace", "Before I move on, any quick questions?", 3)
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik"], rounds=4, answer_s=80)
    d = detect_boundary(s.cues)
    assert_held_or_cut_by(d, first)


def test_captions_hand_off_that_speaks_of_questions_already_asked_is_held() -> None:
    """No question mark anywhere: the first question is a statement, then an answer, then "let's
    take some questions from the chat too" (Q&A is under way, not starting)."""
    s, _ = session(host=None, members=(None, None, None), closing=None)  # type: ignore[arg-type]
    s.say(None, "I actually work on something similar and we found it sensitive to the seed.", 6)
    s.present(None, 1)
    s.say(None, "OK, let's take some questions from the chat too.", 4)
    s.present(None, 1)
    d = detect_boundary(s.cues)
    assert d.needs_review and d.facilitation_end_s is None, d
    assert "already asked" in d.reason


# --- closed captions: how sentences read (text alone) ---


def captions_session(ending: list[str], *, pause_resume: str = "OK, let's continue.") -> Talk:
    """Captions (no speakers): three sections with question pauses, then ``ending`` said line by
    line, then nothing."""
    s = Talk()
    s.say(None, "Hi everyone, can you see my screen?", 3)
    s.present(None, 14)
    s.say(None, "Any questions so far?", 3)
    s.say(None, "Sorry, which dataset is that table on?", 4)
    s.say(None, "It is Natural Questions, the held-out split.", 5)
    s.say(None, pause_resume, 2)
    s.present(None, 14)
    s.say(None, "Any questions so far?", 3)
    s.say(None, "Is that absolute or relative?", 3)
    s.say(None, "Absolute.", 2)
    s.say(None, pause_resume, 2)
    s.present(None, 14)
    for line in ending:
        s.say(None, line, 4)
    return s


def test_caption_sentence_kinds() -> None:
    from zoomclub.transcript.captions import ASK, REPLY, STEER, is_invitation, kind

    assert kind("I was wondering how this compares with sparse retrieval.") == ASK
    assert kind("Thanks for presenting! Did they say anything about cost?") == ASK
    assert kind("Yeah, good question.") == REPLY
    assert kind("Anyone else?") == ASK  # a question mark first
    assert kind("Let's see if anyone else has a hand up") == STEER
    # the paper's own vocabulary is a statement
    assert kind("The reader then answers the question with a span from the passage.") is None
    assert kind("A question people always ask is whether it learned physics.") is None
    assert is_invitation("Thoughts?") and is_invitation("Any questions?")
    assert is_invitation("What did people think?")
    assert not is_invitation("Any other questions?")  # Q&A under way
    assert not is_invitation("Do you think this would work for robots?")


def test_caption_sentences_are_rejoined_across_cues() -> None:
    from zoomclub.transcript.captions import sentences

    cues = [
        Cue(0, 1000, "So the main claim is", None),
        Cue(1000, 2000, "that it works. Any", None),
        Cue(2000, 3000, "questions?", None),
    ]
    ss = sentences(cues)
    assert [s.text for s in ss] == ["So the main claim is that it works.", "Any questions?"]
    assert [s.start_ms for s in ss] == [0, 1000]  # a sentence starts at the cue it starts in


def test_captions_ending_on_a_question_to_the_room_are_cut_there() -> None:
    s = captions_session(["So yeah, those are the results."])
    closing = s.say(None, "Thoughts?", 2)
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)
    assert "question to the room" in d.reason


def test_captions_the_papers_wrap_up_or_a_thanks_at_the_end_is_not_a_closing() -> None:
    """Statements to the end whose last sentence is the paper's own vocabulary ("when to wrap up
    the utterance"), not a closing remark of its own, or "thanks, everyone", which ends a session
    after Q&A as well as a talk: still held."""
    s = captions_session(["And that is roughly where the paper leaves it."])
    s.say(None, "Honestly I found the writing hard to follow in places.", 4)
    s.say(None, "I think so, yes.", 2)
    s.present(None, 2)
    s.say(None, "The nice thing is that it knows when the speaker is done, when to wrap up.", 5)
    d = detect_boundary(s.cues)
    assert d.needs_review and d.facilitation_end_s is None, d
    s.say(None, "OK, thanks, everyone.", 2)  # ends a session as well as a talk
    d = detect_boundary(s.cues)
    assert d.needs_review and d.facilitation_end_s is None, d


@pytest.mark.parametrize(
    "invite", ["Does that make sense so far?", "Questions on this part before we go on?"]
)
def test_captions_ending_on_a_question_between_sections_are_cut_there(invite: str) -> None:
    """The presenter asks for questions "so far" and never resumes: the questions that follow
    are the Q&A, and what came before the invitation was the talk."""
    s = captions_session([])
    closing = s.say(None, invite, 3)
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)
    s = captions_session([invite])  # ... and when the recording stops there, it holds no Q&A
    d = detect_boundary(s.cues)
    assert d.facilitation_end_s is None and not d.needs_review, d


def test_captions_the_talk_is_not_followed_past_a_hand_off_remark() -> None:
    """A late quick question, the rest of the talk, "let's open it up", then a short first
    question with a long answer: the hand-off ends the talk; the chain of pauses does not run on
    into the Q&A (where the hand-off would seem to come before the last run)."""
    s = captions_session(["How big is the encoder in their setup?", "It's on the held-out split."])
    s.present(None, 3)
    closing = s.say(None, "So that's the paper. Let's open it up for questions.", 4)
    first = s.say(None, "Can I push back a little on the main claim?", 3)
    s.present(None, 1.5)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)


def test_captions_more_or_less_in_a_closing_is_not_q_and_a_under_way() -> None:
    """ "That's the paper, more or less." ends the talk; "more" there is not "more questions"."""
    s = captions_session([])
    closing = s.say(None, "That's the paper, more or less.", 3)
    first = s.say(None, "I had a slightly different reading of section 7.", 3)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)


def test_captions_pausing_for_questions_after_a_late_question_is_where_the_talk_stops() -> None:
    """A late quick question, more talk, then "I'll pause for a second in case anyone has
    questions." (a statement) and questions the talk never resumes after: that remark is the
    presenter inviting the room mid-talk, so the late question was the talk's, and the cut goes
    at the remark."""
    s = captions_session(["How big is the encoder in their setup?", "It's on the held-out split."])
    s.present(None, 3)
    closing = s.say(None, "I'll pause for a second in case anyone has questions.", 4)
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)


def test_captions_questions_invited_mid_talk_then_that_is_my_summary_keep_the_talk() -> None:
    """ "Does that make sense so far?", questions answered with no word of resuming, more talk,
    then "OK so that's my summary.": nobody says that in Q&A, so the talk went on to it."""
    s = captions_session([])
    s.say(None, "Does that make sense so far?", 3)
    s.say(None, "Is that absolute or relative?", 3)
    s.say(None, "Absolute.", 2)
    s.present(None, 5)
    closing = s.say(None, "OK so that's my summary. I'll stop the recording now.", 5)
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)


def test_captions_a_members_quick_question_after_the_talk_is_not_the_presenters() -> None:
    """ "Quick question" is said between sections, but by a member: it may be the second
    question of Q&A, after one that read like a statement."""
    s = captions_session(["I actually work on something similar, it was sensitive to the seed."])
    s.say(None, "Quick question, is the retriever frozen during training?", 4)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert d.needs_review, d


@pytest.mark.parametrize(
    "ending",
    [
        "So yeah. That's it.",
        "I'll pause for a second in case anyone has questions.",
        "Thanks, everyone. That's all I have.",
    ],
)
def test_captions_that_stop_after_the_talk_hold_no_qa(ending: str) -> None:
    s = captions_session(["And that is roughly where the paper leaves it.", ending])
    d = detect_boundary(s.cues)
    assert d.facilitation_end_s is None and not d.needs_review, d


def test_captions_statements_that_stop_without_a_closing_are_held() -> None:
    """No closing remark, then a question that reads like a statement and an answer that reads
    like the talk, to the end: "no Q&A" would publish it (fresh seed 125 case31-cc)."""
    s = captions_session(["And that is roughly where the paper leaves it."])
    s.say(None, "Honestly I found the writing hard to follow in places.", 4)
    s.say(None, "I think so, yes.", 2)
    s.present(None, 2)
    d = detect_boundary(s.cues)
    assert d.needs_review and d.facilitation_end_s is None, d


def test_captions_pause_without_a_resume_phrase_but_a_new_section_is_a_pause() -> None:
    """Near the expected end, "OK cool." does not resume, but "Alright, now the results." right
    after it starts the next part of the talk: the pause was not Q&A, and the hand-off at the end
    is the cut."""
    s = captions_session([])
    s.say(None, "Any questions on this part?", 3)
    s.say(None, "Is that absolute or relative?", 3)
    s.say(None, "Absolute.", 2)
    s.say(None, "And do they release the code?", 3)
    s.say(None, "They do.", 2)
    s.say(None, "OK cool. Alright, now the results.", 3)
    s.present(None, 3)
    closing = s.say(None, "So that's the paper. Let's open it up for questions.", 4)
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_captions_pause_with_no_sign_of_resuming_near_the_end_is_not_passed() -> None:
    """Without "let's continue" or a new section after the last questions, the talk may have
    ended there: the question to the room at the end is not taken as the cut."""
    s = captions_session([])
    invitation = s.say(None, "Any questions so far?", 3)
    s.say(None, "Do you think this would work for robots?", 4)
    s.say(None, "Good question.", 2)
    s.present(None, 2)  # an answer, or the last section?
    s.say(None, "Thoughts?", 2)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_held_or_cut_by(d, invitation)


def test_captions_late_quick_question_then_a_hand_off_from_the_chat_is_held() -> None:
    """A quick question near the end, statements, then "let's take questions from the chat":
    the statements may answer the first question of Q&A."""
    s = captions_session([])
    question = s.say(None, "Wait, is that absolute?", 2)
    s.say(None, "Yes.", 1)
    s.present(None, 2)
    s.say(None, "OK, let's take questions from the chat.", 3)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_held_or_cut_by(d, question)
    assert "question near the expected end" in d.reason


def test_captions_late_quick_question_then_a_talk_ending_hand_off_is_cut() -> None:
    s = captions_session([])
    s.say(None, "Wait, is that absolute?", 2)
    s.say(None, "Yes.", 1)
    s.present(None, 2)
    closing = s.say(None, "And that was the last slide. Let's open it up.", 3)
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_captions_late_quick_question_and_no_hand_off_never_keep_the_rest() -> None:
    """Statements to the end after a late quick question: a last section, or a one-question Q&A
    with a long answer. Cut before the question (or held), never kept whole."""
    s = captions_session([])
    question = s.say(None, "Wait, is that absolute?", 2)
    s.say(None, "Yes.", 1)
    s.present(None, 3)
    d = detect_boundary(s.cues)
    assert_held_or_cut_by(d, question)


def test_captions_late_quick_question_then_asking_for_questions_is_the_talk() -> None:
    """After a quick question near the end, the presenter goes on and then asks the room for
    questions, as one does after a talk (not "any other questions?"): the cut is there."""
    s = captions_session([])
    s.say(None, "Wait, is that absolute?", 2)
    s.say(None, "Yes.", 1)
    s.present(None, 3)
    closing = s.say(None, "So yeah, those are the results. Any questions?", 3)
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_captions_late_quick_question_then_a_pause_between_sections_is_the_talk() -> None:
    """A quick question near the end, more statements, then "Any questions so far?": only a
    presenter mid-talk asks that, so the statements before it were the talk, not an answer to
    a first question of Q&A, and the talk is followed on to its hand-off."""
    s = captions_session([])
    s.say(None, "Wait, is that absolute?", 2)
    s.say(None, "Yes.", 1)
    s.present(None, 3)
    s.say(None, "Any questions so far?", 3)
    s.say(None, "Which table is that on?", 3)
    s.say(None, "Table two.", 2)
    s.say(None, "OK, let's continue.", 2)
    s.present(None, 5)
    last_line = s.cues[-1].start_ms / 1000  # no closing remark: Q&A just starts
    first = s.say(None, "Thanks for presenting! At my company we saw the same thing.", 5)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    assert_cut_between(detect_boundary(s.cues), last_line, first)


def test_captions_a_run_that_ends_asking_so_far_was_the_talk() -> None:
    """Questions invited mid-talk and answered with no word of resuming ("OK cool."), more
    statements, then "Does that make sense so far?": the statements were the talk going on (one
    answering in Q&A does not ask that), so the talk is followed past both pauses."""
    s = captions_session([])
    s.say(None, "Any questions so far?", 3)
    s.say(None, "Which table is that on?", 3)
    s.say(None, "Table two.", 2)
    s.say(None, "OK cool.", 2)
    s.present(None, 3)
    s.say(None, "Does that make sense so far?", 3)
    s.say(None, "Is that per query?", 3)
    s.say(None, "Yes, per query.", 2)
    s.say(None, "Alright, moving on.", 2)
    s.present(None, 3)
    closing = s.say(None, "So that's the paper. Let's open it up for questions.", 4)
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_captions_late_quick_question_then_a_so_far_that_never_resumes_is_cut_there() -> None:
    """The same, but the talk ends on that "Any questions so far?": the cut goes at it."""
    s = captions_session([])
    s.say(None, "Wait, is that absolute?", 2)
    s.say(None, "Yes.", 1)
    s.present(None, 3)
    invitation = s.say(None, "Any questions so far?", 3)
    first = s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    assert_cut_between(detect_boundary(s.cues), invitation, first)


# --- labelled transcripts: what proves a last section after a late question ---


@pytest.mark.parametrize(
    ("remark", "members"),
    [
        # Only a presenter mid-talk asks for questions "so far": the stretch before it was the
        # talk, whatever question came before it.
        ("Any questions so far?", ["Zoë Wójcik", "Ingrid Solberg", "Bo Chen"]),
        # A remark that opens Q&A.
        ("Let me stop the share. OK, thoughts?", ["Zoë Wójcik", "Ingrid Solberg"]),
        # The presenter asking the room for questions.
        ("So yeah, those are the results. Any questions?", ["Zoë Wójcik", "Ingrid Solberg"]),
    ],
)
def test_a_late_quick_question_then_a_remark_that_confirms_the_talk_keeps_it(
    remark: str, members: list[str]
) -> None:
    s, _ = session(closing=None)
    s.say("Bo Chen", "Which table?", 2)
    s.present("Ada Lovelace", 3)
    closing = s.say("Ada Lovelace", remark, 3)
    first = s.qa("Ada Lovelace", members)
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_a_late_quick_question_then_questions_from_the_chat_is_not_kept() -> None:
    """ "Let's take questions from the chat" may follow the answer to the first question."""
    s, _ = session(closing=None)
    question = s.say("Bo Chen", "Which table?", 2)
    s.present("Ada Lovelace", 3)
    s.say("Ada Lovelace", "OK, let's take questions from the chat.", 3)
    s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"])
    d = detect_boundary(s.cues)
    assert_held_or_cut_by(d, question)


def test_a_new_section_after_a_pause_resumes_the_talk() -> None:
    """ "OK cool." is no resume phrase, but "Alright, now the results." opens the next part."""
    s, _ = session(closing=None)
    s.say("Ada Lovelace", "Anything on this section?", 3)
    s.say("Bo Chen", "Is that absolute or relative?", 3)
    s.say("Ada Lovelace", "Absolute.", 2)
    s.say("Zoë Wójcik", "And is the code out?", 3)
    s.say("Ada Lovelace", "OK cool. Alright, now the results.", 3)
    s.present("Ada Lovelace", 3)
    closing = s.say("Ada Lovelace", "OK, let's take questions from the chat.", 3)
    first = s.qa("Ada Lovelace", ["Ingrid Solberg", "kim"])
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_section_start_phrases() -> None:
    from zoomclub.transcript.phrases import is_section_start

    for text in ["Alright, now the results.", "OK, section 4.", "Let's go to the experiments."]:
        assert is_section_start(text), text
    for text in [
        "Now the appendix has more on the retriever.",  # a statement, not a new part
        "Also they train for 46 thousand steps. And section 2",  # a cue cut mid-sentence
        "If we go back to the results, yes.",
    ]:
        assert not is_section_start(text), text


def test_a_generic_presenter_without_a_hand_off_is_read_like_captions() -> None:
    """ "iPhone" may hide a member, so the floor is not read; the text still shows the presenter
    asking the room for questions at the end of the talk."""
    s, _ = session(host="iPhone", closing=None)
    closing = s.say("iPhone", "So yeah, those are the results. Any questions?", 4)
    first = s.qa("iPhone", ["Bo Chen", "Zoë Wójcik"])
    d = detect_boundary(s.cues)
    assert_cut_between(d, closing, first)
    assert "generic display name" in d.reason


def test_questions_invited_so_far_then_a_remark_that_opens_q_and_a_is_the_talk() -> None:
    """The presenter invited questions mid-talk, never said "let's continue", but the stretch
    after them ends by opening Q&A: nobody opens Q&A after answering in it."""
    s, _ = session(closing=None)
    s.say("Ada Lovelace", "Let me pause here. Anything unclear so far?", 3)
    s.say("Bo Chen", "Is that absolute or relative?", 3)
    s.say("Ada Lovelace", "Absolute.", 2)
    s.say("Zoë Wójcik", "Do they release code for it?", 3)
    s.present("Ada Lovelace", 2)
    closing = s.say("Ada Lovelace", "Let me stop the share. OK, thoughts?", 3)
    first = s.qa("Ada Lovelace", ["Ingrid Solberg", "kim"])
    assert_cut_between(detect_boundary(s.cues), closing, first)


def test_captions_questions_passed_as_early_then_questions_from_the_chat_are_held() -> None:
    """A short talk (20 of 45 expected minutes), a question, a 2-minute answer, then "let's take
    questions from the chat": the question was passed over as a mid-talk interruption, so it still
    counts against the hand-off."""
    s = Talk()
    s.present(None, 20)
    first = s.say(None, "Do you think this would work for robots?", 4)
    s.present(None, 2)
    s.say(None, "OK, let's take questions from the chat.", 3)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues, facilitation_minutes=45)
    assert_held_or_cut_by(d, first)


def test_captions_questions_passed_as_early_then_a_short_run_to_the_end_is_held() -> None:
    """The same short talk, a question, a 2-minute answer, and the recording ends: not "no Q&A"."""
    s = Talk()
    s.present(None, 20)
    s.say(None, "Do you think this would work for robots?", 4)
    s.present(None, 2)
    d = detect_boundary(s.cues, facilitation_minutes=45)
    assert d.needs_review, d


def test_captions_questions_passed_as_early_in_a_talk_that_ended_early_are_held() -> None:
    """A 20-minute talk of 45 expected, a question, a 5-minute answer, then "Thoughts?": the
    question came early only if the talk was long; it was not, so it may have been Q&A."""
    s = Talk()
    s.present(None, 20)
    s.say(None, "Do you think this would work for robots?", 4)
    s.present(None, 5)
    s.say(None, "Thoughts?", 2)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues, facilitation_minutes=45)
    assert d.needs_review, d


def test_captions_early_question_long_answer_then_a_hand_off_in_a_short_talk_is_held() -> None:
    s = Talk()
    s.present(None, 20)
    first = s.say(None, "Do you think this would work for robots?", 4)
    s.present(None, 6)  # longer than the 5 minutes the hand-off check looks back
    s.say(None, "OK, let's take questions from the chat.", 3)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues, facilitation_minutes=45)
    assert_held_or_cut_by(d, first)


def test_captions_a_late_quick_question_may_be_the_second_question_of_q_and_a() -> None:
    """No closing; the first question of Q&A reads like a statement, the presenter answers at
    length, then a quick question: cutting just before that one would publish the first."""
    s = captions_session([])
    first = s.say(None, "We saw much the same in our own experiments last year.", 5)
    s.present(None, 3)
    s.say(None, "So is it overrated then?", 2)
    s.present(None, 3)
    s.say(None, "Let me open it up to everyone else as well.", 3)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_held_or_cut_by(d, first)


def test_captions_a_silence_then_statements_to_the_end_are_not_no_q_and_a() -> None:
    """A one-question Q&A after a silence, where the question reads like a statement and so
    does the answer: not "the recording holds no Q&A"."""
    s = captions_session(["And that is roughly where the paper leaves it."])
    s.silence(60)
    s.say(None, "I read section six rather differently.", 4)
    s.present(None, 1)
    d = detect_boundary(s.cues)
    assert d.needs_review, d


def test_captions_statements_after_a_closing_like_remark_are_not_no_q_and_a() -> None:
    s = captions_session(["Thanks, everyone."])
    s.say(None, "I read section six rather differently.", 4)
    s.present(None, 1)
    d = detect_boundary(s.cues)
    assert d.needs_review, d


def test_captions_an_invitation_shortly_before_a_members_question_is_where_the_talk_ended() -> None:
    """No hand-off remark: the presenter invites questions, a member's first question reads like
    a statement and its answer like the talk, then a second question. The cut goes at the
    invitation (before the first question), not at the second question, and is not held."""
    s, _ = session(host=None, members=(None, None, None), closing=None)  # type: ignore[arg-type]
    invitation = s.say(None, "I'll pause for a second in case anyone has questions.", 3)
    first = s.say(None, "I had a slightly different reading of section five.", 4)
    for _ in range(3):
        s.say(None, next(CONTENT), 10)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert_cut_between(d, invitation, first)


def test_captions_an_invitation_the_talk_resumed_after_is_not_where_it_ended() -> None:
    """The same, but the presenter took the floor back after the invitation: held as before."""
    s, _ = session(host=None, members=(None, None, None), closing=None)  # type: ignore[arg-type]
    s.say(None, "I'll pause for a second in case anyone has questions.", 3)
    s.say(None, "No? OK, let's continue.", 2)
    for _ in range(9):  # a minute and a half of the talk, inside the look-back
        s.say(None, next(CONTENT), 10)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    d = detect_boundary(s.cues)
    assert d.needs_review and d.facilitation_end_s is None


REGRESSIONS = Path(__file__).parent / "data" / "boundary_regressions"


def _regression(name: str) -> tuple[dict[str, Any], list[Cue]]:
    """A transcript the detector once leaked on, and its label."""
    label = json.loads((REGRESSIONS / "labels.json").read_text(encoding="utf-8"))[name]
    return label, parse_vtt((REGRESSIONS / name).read_bytes()).cues


@pytest.mark.parametrize("name", ["seed44-case04.vtt", "seed39-case08.vtt"])
def test_transcripts_that_once_leaked_do_not(name: str) -> None:
    # The first Q&A line is Dương Văn An asking the room what it thinks. Read with its speaker,
    # the cut goes right before it.
    from dataclasses import replace

    label, cues = _regression(name)
    d = detect_boundary(cues, facilitation_minutes=label["facilitation_minutes"])
    assert_cut_between(d, label["closing_start_s"], label["first_qa_s"])
    # Unlabelled, as the parser once left it ("An" is also an article), the question read as an
    # aside and the long answer as more talk: the room-question check holds that instead.
    blind = [replace(c, speaker=None) if c.speaker == "Dương Văn An" else c for c in cues]
    d = detect_boundary(blind, facilitation_minutes=label["facilitation_minutes"])
    assert_held_or_cut_by(d, label["first_qa_s"])
    assert d.needs_review and "question to the room" in d.reason


def test_a_discussion_remark_after_steering_lines_is_not_taken_for_the_start_of_q_and_a() -> None:
    # Captions: the Q&A's answers and steering read like statements; the first remark opening a
    # discussion in the last run of them is minutes into the Q&A.
    label, cues = _regression("seed908-case31-cc.vtt")
    d = detect_boundary(cues, facilitation_minutes=label["facilitation_minutes"])
    assert_held_or_cut_by(d, label["first_qa_s"])


def test_a_q_and_a_opened_by_a_member_whose_name_holds_a_function_word_is_not_leaked() -> None:
    # "Dương Văn An: Quick question, ..." said once, right after the talk (see test_vtt).
    label, cues = _regression("seed827-clarifying-first-case16.vtt")
    assert any(c.speaker == "Dương Văn An" for c in cues)
    d = detect_boundary(cues, facilitation_minutes=label["facilitation_minutes"])
    assert_held_or_cut_by(d, label["first_qa_s"])


def test_a_member_asking_the_room_before_the_talk_changes_nothing() -> None:
    s = Talk()
    s.say("Ada Lovelace", "Hi everyone, can you see my screen?", 3)
    s.say("Bo Chen", "Yes. What do people think, should we wait a minute for the others?", 4)
    rest, closing = session()
    for c in rest.cues:
        s.cues.append(Cue(c.start_ms + 10_000, c.end_ms + 10_000, c.text, c.speaker))
    s.t = rest.t + 10
    first = s.qa("Ada Lovelace", ["Bo Chen", "Zoë Wójcik", "Ingrid Solberg"])
    assert_cut_between(detect_boundary(s.cues), closing + 10, first)


@pytest.mark.parametrize(
    ("text", "room"),
    [
        ("I'm curious what people think about the evaluation.", True),
        ("What do you all think about table 2?", True),
        ("Did anyone else find section 3 hard to follow?", True),
        ("How does everyone feel about the baseline?", True),
        ("What do you think about the evaluation?", False),  # to the presenter
        ("Sorry, which dataset is that table on?", False),
        ("People think retrieval is solved, but it is not.", False),
    ],
)
def test_asks_the_room(text: str, room: bool) -> None:
    from zoomclub.transcript.captions import asks_the_room

    assert asks_the_room(text) is room


# --- what a question is about: clarifying the material, or opening a discussion ---


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        # opening a discussion: thanks, the asker's own work, opinions, the room, the big picture
        ("Thank you so much for the presentation, that was really clear.", "discussion"),
        ("Great talk! One thing I kept thinking about is the cost.", "discussion"),
        (
            "We actually deployed something like this at work last year and it fell over.",
            "discussion",
        ),
        ("In my experience the seed matters way more than they admit.", "discussion"),
        ("I'm working on something pretty similar for speech.", "discussion"),
        ("I'd disagree with the framing a bit.", "discussion"),
        ("I have a somewhat different take on the ablation.", "discussion"),
        ("Personally I wasn't convinced by the scaling plot.", "discussion"),
        ("Feels like the baselines are cherry-picked.", "discussion"),
        ("What do folks make of the evaluation?", "discussion"),
        ("What's the big-picture takeaway here?", "discussion"),
        ("Do you think it would scale to billions of parameters?", "discussion"),
        ("Would this generalize to other languages?", "discussion"),
        ("There's a newer paper from DeepMind that does this better.", "discussion"),
        ("Building on what Priya said, the data matters more.", "discussion"),
        ("How would this hold up in production?", "discussion"),
        # clarifying what is on the screen: short, pointing at it or asking it again
        ("Sorry, what does BLEU stand for?", "clarifying"),
        ("Wait, did you say 12 layers or 24?", "clarifying"),
        ("Could you flip back to the previous slide?", "clarifying"),
        ("Is that number per token or per sequence?", "clarifying"),
        ("Which split is that figure on?", "clarifying"),
        ("Hang on, are the embeddings shared?", "clarifying"),
        ("How many GPUs did they use?", "clarifying"),
        ("Quick clarification: is the encoder pretrained?", "clarifying"),
        ("What's on the y axis again?", "clarifying"),
        # neither: nothing is read into these
        ("I was wondering how this compares with sparse retrieval?", None),  # the asker's view
        ("I'm not sure the encoder is the reason, is it frozen?", None),
        ("Any questions so far?", None),  # the presenter's, to the room
        ("Does that make sense so far?", None),
        ("Anything unclear?", None),
        ("The ablation removes the encoder and things get noticeably worse.", None),
        ("I think the key figure is the one with latency on the x axis.", None),
        ("The related work mentions dense retrieval but doesn't really compare.", None),
    ],
)
def test_question_topic(text: str, topic: str | None) -> None:
    from zoomclub.transcript.phrases import question_topic

    assert question_topic(text) == topic


def test_a_clarifying_question_then_three_minutes_of_talk_keeps_nothing_after_it() -> None:
    """ "Wait, is that absolute or relative?", a short answer and three more minutes of talk with
    no closing remark read exactly like a Q&A that opened with that question and got a long
    answer. Nothing after the question is kept: at worst a last section is trimmed."""
    s, _ = session(closing=None)
    question = s.say("Bo Chen", "Wait, is that absolute or relative?", 3)
    s.say("Ada Lovelace", "Absolute, I think.", 2)
    s.present("Ada Lovelace", 3)
    s.qa("Ada Lovelace", ["Zoë Wójcik", "李明"])
    assert_held_or_cut_by(detect_boundary(s.cues), question)


def test_a_clarifying_question_with_only_a_short_answer_after_it_keeps_the_cut_before_it() -> None:
    """The same question right after the talk, answered in a minute, then more questions: it may
    have been the first question of Q&A, so nothing after it is kept."""
    s, _ = session(closing=None)
    question = s.say("Bo Chen", "Sorry, what was the retriever again?", 3)
    s.present("Ada Lovelace", 1.5)
    s.qa("Ada Lovelace", ["Zoë Wójcik", "李明"])
    assert_held_or_cut_by(detect_boundary(s.cues), question)


def test_a_discussion_question_before_a_long_answer_is_cut_before() -> None:
    """No closing remark, then a question that opens a discussion and a five-minute answer that
    reads like a last section: cut before the question (this used to be held)."""
    s, _ = session(closing=None)
    last_line = s.cues[-1].start_ms / 1000
    first = s.say(
        "Bo Chen", "Thanks for presenting! At my company we tried this and it did not help.", 7
    )
    s.present("Ada Lovelace", 5)
    s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"], rounds=3)
    assert_cut_between(detect_boundary(s.cues), last_line, first)


def test_a_question_nobody_can_place_before_a_long_answer_is_still_held() -> None:
    s, _ = session(closing=None)
    s.say("Bo Chen", "Right, and what about the other benchmark, the harder one?", 6)
    s.present("Ada Lovelace", 5)
    s.qa("Ada Lovelace", ["Zoë Wójcik", "Ingrid Solberg"], rounds=3)
    d = detect_boundary(s.cues)
    assert d.needs_review and "long answer" in d.reason, d


def test_captions_a_discussion_remark_that_reads_like_a_statement_is_where_q_and_a_begins() -> None:
    """Captions: the talk stops without a closing remark; a member's experience from work reads
    like one more statement, the next member's thanks opens the discussion. Cut at the first
    remark of the discussion (this used to be held)."""
    s = captions_session(["And that is roughly where the paper leaves it."])
    last_line = s.cues[-1].start_ms / 1000
    first = s.say(None, "At my company we tried the retriever and it did not really help.", 4)
    s.say(None, "Thanks for presenting! Did they say anything about cost?", 4)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    assert_cut_between(detect_boundary(s.cues), last_line, first)


def test_captions_a_members_clarifying_question_after_the_talk_is_still_held() -> None:
    """A clarifying question right after the talk says nothing about where Q&A began."""
    s = captions_session(["And that is roughly where the paper leaves it."])
    s.say(None, "Sorry, which table is that on?", 3)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    assert detect_boundary(s.cues).needs_review


def test_captions_a_clarifying_question_near_the_end_then_a_question_to_the_room() -> None:
    """Captions: a quick clarifying question near the expected end, four more minutes of talk,
    then "Thoughts?". Without speakers that is also a Q&A opened by the question, a long answer
    and the answerer asking the room: nothing after the question is kept."""
    s = captions_session([])
    question = s.say(None, "Can you go back one slide?", 3)
    s.say(None, "Sure, here.", 2)
    s.present(None, 4)
    s.say(None, "Yeah, so those are the results. Thoughts?", 4)
    s.qa(None, [None, None])  # type: ignore[arg-type, list-item]
    assert_held_or_cut_by(detect_boundary(s.cues), question)
