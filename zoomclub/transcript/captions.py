"""What text alone says about who is talking: sentences of a caption stream and how they read.

Closed-caption files carry no speakers, so the floor cannot be read directly. What is left is the
*register* of each sentence: a presentation is a long run of statements about the paper; Q&A and
the club's question pauses are made of questions put to someone ("do you think ...?", "I was
wondering ..."), replies to them ("good question", "my understanding is ...") and steering ("anyone
else?", "go ahead"). Plain functions over a sorted cue list, used by
:mod:`zoomclub.transcript.boundary`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from zoomclub.transcript.phrases import WHAT_THE_ROOM_THINKS
from zoomclub.transcript.vtt import Cue

ASK, REPLY, STEER = "ask", "reply", "steer"

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
# Someone putting a question or a point of their own to the room or the presenter. Not the word
# "question" alone: a paper about question answering says it all session.
_ASK = re.compile(
    r"\?"
    r"|\b(?:i'?m|i am|i was|i'?ve been|we were) (?:just |also |really |a bit )?"
    r"(?:wondering|curious|confused|puzzled)\b"
    r"|\b(?:my|one|a quick|a naive|a follow[- ]up|a related|a dumb|a silly|a basic|two) "
    r"(?:question|concern|comment|thought) (?:is|was|would be|about|for|on)\b"
    r"|\b(?:i (?:have|had)|i'?ve got) (?:a|one|two|a quick|a small|a naive|a follow[- ]up) "
    r"(?:question|comment|concern|point)\b"
    r"|\bmight be a (?:naive|dumb|silly|basic|stupid) question\b"
    r"|\bcan i (?:ask|push back|add|jump in|follow up|challenge|comment)\b"
    r"|\b(?:do|did|would|could|have) you (?:think|know|see|agree|find|expect|have|tried)\b"
    r"|\bwhat (?:do|did) (?:you|people|others|folks|everyone) think\b"
    r"|\bin my experience\b"
    r"|\b(?:i|we) (?:disagree|would disagree)\b|\bpush back\b"
    r"|\bthanks? (?:you )?(?:so much |a lot )?for (?:presenting|the (?:presentation|talk|overview|"
    r"summary|walkthrough)|walking us through|sharing|leading)\b"
    r"|\b(?:to add to|building on|following up on|going back to) (?:that|this|what)\b"
    r"|\bjust to add\b|\bon that point\b"
)
# A reply to a question, which means a question came just before it.
_REPLY = re.compile(
    r"\b(?:good|great|fair|excellent|interesting|nice|tough|hard|really good) "
    r"(?:question|point|one)\b"
    r"|\bthanks? (?:you )?for (?:the|that|your|asking) (?:question|point|comment)?"
    r"|\b(?:my|the short|the long) (?:understanding|take|answer|reading) is\b"
    r"|\bto answer (?:your|the|that)\b|\bas for your question\b"
)
# Steering a discussion under way.
_STEER = re.compile(
    r"\b(?:anyone|anybody|someone) else\b|\bnext question\b|\bgo ahead\b(?! and)|\byou'?re (?:on )?mute"
    r"|\b(?:i see|there'?s|raised|raise) (?:a|your|their) hand\b|\b(?:in|from) the chat\b"
    r"|\bsee you (?:all|next|everyone|soon)\b|\bbye\b"
)


# Every match of _ASK, _REPLY, _STEER contains one of these (keep them in step).
_ASK_WORDS = (
    "?",
    "wonder",
    "curious",
    "confused",
    "puzzled",
    "question",
    "concern",
    "comment",
    "thought",
    "can i",
    "you",
    "think",
    "experience",
    "disagree",
    "push back",
    "thank",
    "to add",
    "building on",
    "following up",
    "going back to",
    "on that point",
)
_REPLY_WORDS = (
    "question",
    "point",
    "one",
    "thank",
    "understanding",
    "take",
    "answer",
    "reading",
)
_STEER_WORDS = ("else", "next question", "go ahead", "mute", "hand", "chat", "see you", "bye")


@dataclass(frozen=True)
class Sentence:
    first: int  # index of the cue the sentence starts in
    start_ms: int  # that cue's start: cutting here never keeps a word of the sentence
    end_ms: int
    text: str


def sentences(cues: Sequence[Cue]) -> list[Sentence]:
    """The caption stream re-split into sentences (captions break a sentence over several cues)."""
    out: list[Sentence] = []
    parts: list[str] = []
    first = -1
    for i, c in enumerate(cues):
        if parts and c.speaker != cues[i - 1].speaker:  # another voice: a sentence of its own
            out.append(Sentence(first, cues[first].start_ms, cues[i - 1].end_ms, " ".join(parts)))
            parts = []
        text = c.text.strip()
        pieces = _SENTENCE_END.split(text) if _has_inner_end(text) else [text]
        for k, piece in enumerate(pieces):
            if not piece:
                continue
            if not parts:
                first = i
            parts.append(piece)
            if k < len(pieces) - 1 or piece.endswith((".", "?", "!")):
                out.append(Sentence(first, cues[first].start_ms, c.end_ms, " ".join(parts)))
                parts = []
    if parts:
        out.append(Sentence(first, cues[first].start_ms, cues[-1].end_ms, " ".join(parts)))
    return out


def _has_inner_end(text: str) -> bool:
    return ". " in text or "? " in text or "! " in text or "\n" in text


@lru_cache(maxsize=16384)
def kind(text: str) -> str | None:
    """ASK, REPLY, STEER, or None for a plain statement (what a presentation is made of)."""
    t = text.replace("’", "'").lower()
    # Plain substring checks first: most sentences of a talk contain none of these words, and
    # the regular expressions are slow on a 2-hour caption stream.
    if any(w in t for w in _ASK_WORDS) and _ASK.search(t):
        return ASK
    if any(w in t for w in _REPLY_WORDS) and _REPLY.search(t):
        return REPLY
    if any(w in t for w in _STEER_WORDS) and _STEER.search(t):
        return STEER
    return None


# A question put to the whole room ("Any questions?", "Thoughts?", "What did people think?"), the
# way a presenter ends a talk; not one that speaks of questions already asked ("any other ...").
_INVITATION = re.compile(
    r"\b(?:any|anyone|anybody|anything)\b.{0,30}\?|^\s*(?:\w+,? )?(?:thoughts|questions|comments)"
    r"(?:,? (?:comments|questions|thoughts|anything))*\s*\?|\bwhat (?:do|did) (?:people|you all|"
    r"everyone|folks|y'?all|others) think\b"
)
_UNDER_WAY = re.compile(
    r"\b(?:more|other|another|else|further|remaining|again|too|as well|also|still|next)\b"
)


@lru_cache(maxsize=8192)
def is_invitation(text: str) -> bool:
    """A question to the room that opens a discussion, not one that steers one under way."""
    t = text.replace("’", "'").lower()
    return bool(_INVITATION.search(t)) and not _UNDER_WAY.search(t)


# A member opening the floor: asking what the room thinks, not asking the presenter something.
_ROOM = re.compile(WHAT_THE_ROOM_THINKS + r"|\b(?:anyone|anybody) else\b.*\?")


@lru_cache(maxsize=8192)
def asks_the_room(text: str) -> bool:
    """A question to everyone present ("I'm curious what people think about the evaluation")."""
    return bool(_ROOM.search(text.replace("’", "'").lower()))


@dataclass(frozen=True)
class Run:
    """Plain statements with no question, reply or steering among them: a presenter talking."""

    first: int  # index of its first sentence
    last: int  # index of its last sentence
    start_ms: int
    end_ms: int

    @property
    def length_s(self) -> float:
        return (self.end_ms - self.start_ms) / 1000


def runs(ss: Sequence[Sentence], kinds: Sequence[str | None]) -> list[Run]:
    out: list[Run] = []
    first = None
    for i, k in enumerate([*kinds, ASK]):
        if k is None and first is None:
            first = i
        elif k is not None and first is not None:
            out.append(Run(first, i - 1, ss[first].start_ms, ss[i - 1].end_ms))
            first = None
    return out


_FOR_QUESTIONS = re.compile(r"\b(?:questions|comments)\b")


@lru_cache(maxsize=8192)
def asks_for_questions(text: str) -> bool:
    """ "Any questions?", "Questions, comments?": inviting the room's questions, which a presenter
    does at the end of a talk, not after answering one (that is "any *other* questions?")."""
    t = text.replace("’", "'").lower()
    return is_invitation(t) and bool(_FOR_QUESTIONS.search(t))
