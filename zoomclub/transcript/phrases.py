"""What people say when a presentation ends and Q&A begins.

Only hand-off phrasing counts, not topic words: a paper about question answering talks about
"questions" and "answers" all session, and "stop", "recording", "wrap up" can be about the paper.
A *strong* hand-off invites the room in or ends the presentation in the speaker's own voice
("let's open it up", "that's all I have", "I'll stop sharing"); a *weak* one is merely suggestive
("any questions?", "to wrap up"). Questions the club takes between sections ("any questions so
far?", "... before I move on?") are not hand-offs at all.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache

_STRONG = [
    r"\bopen (?:it|this|things|that) (?:up|back up)\b",
    r"\bopen (?:up )?the (?:floor|discussion|conversation)\b",
    r"\bopen up (?:for|to) (?:questions|discussion|comments)\b",
    r"\b(?:take|happy to take|take some|field) (?:any |some |your )?questions\b",
    r"\b(?:move|switch|go|turn|head) (?:on |over )?(?:in)?to (?:the )?(?:q ?& ?a|q and a|questions|"
    r"discussion|open discussion|general discussion)\b",
    r"\bq ?& ?a\b|\bq and a\b",
    r"\bthat'?s (?:all|it|everything|about it)\b.{0,25}\b(?:i (?:have|had|got|prepared)|from me|"
    r"for (?:the )?(?:paper|today|me|now|the presentation|the talk))\b",
    r"\bthat'?s (?:the|my) (?:end|last slide|presentation|talk)\b",
    r"\bthat'?s (?:the paper|my summary|the summary|all i'?ve got)\b(?!')",
    r"\b(?:i'?ll|i will|let me|let's|let us|i'?m going to|i think i'?ll) (?:just )?"
    r"(?:leave it|stop|end|finish) (?:there|here)\b",
    r"\bthank(?:s| you)\b.{0,30}\bfor (?:listening|your attention|bearing with me|sitting through)\b",
    r"\b(?:i'?ll|i will|let me|let's|let us|we'?ll|we will|i'?m going to|i'?m gonna|gonna)\s+"
    r"(?:go ahead and\s+|just\s+|now\s+)?(?:stop|pause|end|turn off|kill)\s+(?:the\s+|our\s+|my\s+)?"
    r"(?:recording|screen ?share|sharing|share)\b",
    r"\bstop(?:ping)? (?:the )?(?:screen ?)?shar(?:e|ing)\b",
    r"\b(?:questions|comments|thoughts) (?:for|to) (?:me|us|the author|our guest)\b",
    r"\bwho (?:wants|would like) to (?:go|start|kick off|ask) first\b",
    r"\bfloor is (?:yours|open)\b",
]
_WEAK = [
    r"\b(?:any|other|more|further) (?:questions|comments|thoughts)\b",
    r"\bwrap(?:ping)? (?:it |things |this )?up\b",
    r"\bthat brings (?:us|me) to the end\b",
    r"\b(?:in|to) (?:conclusion|summari[sz]e|sum up)\b",
    r"\bthanks?,? (?:everyone|all|everybody|folks|y'?all)\b",
]
_BETWEEN_SECTIONS = re.compile(
    r"\bso far\b|\bbefore (?:i|we) (?:move|go|continue|dive|jump|get)\b|\bquick (?:question|clarif)"
    r"|\bon this (?:section|part|slide|bit)\b|\b(?:before|then) (?:the next|moving)\b",
    re.IGNORECASE,
)
# Every strong pattern starts at a word beginning with one of these letters; checking that first
# keeps the scan over a 2-hour caption stream fast (texts are lower-cased before matching).
_STRONG_RE = re.compile(r"(?=\b[cfghilmoqstw])(?:" + "|".join(_STRONG) + ")")
_WEAK_RE = re.compile("|".join(_WEAK))


_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
# The presenter taking the floor back after the club's questions ("OK, let's continue", "moving
# on", "next section"). Only continuation verbs, not "next slide" or "back to the slides", which an
# answer in Q&A says too; a sentence about a question ("moving on to the next question") or with a
# hand-off remark in it never counts.
_RESUME = re.compile(
    r"\b(?:let'?s|let us|we'?ll|i'?ll) (?:just )?(?:continue|keep going|go on|carry on|move on)\b"
    r"|\bmoving on\b|\bcontinuing\b|\b(?:the )?next (?:section|part|chapter)\b",
)
# The presenter starting the next part of the paper ("Alright, now the results.", "OK, section 4.",
# "Let's go to the experiments."): a sentence of its own that names a part of a paper.
_PART = (
    r"(?:results|method|methods|methodology|experiments?|evaluation|ablations?|analysis|"
    r"related work|conclusions?|limitations|background|setup|architecture|training|dataset|data|"
    r"discussion section|appendix|proofs?|theory|model|approach|second part|last part|"
    r"final part)"
)
_SECTION_START = re.compile(
    r"^(?:(?:ok|okay|alright|all right|right|so|and|now|um|uh),?\s+){0,3}"
    r"(?:(?:now|next),?\s+(?:for\s+|on to\s+|to\s+)?(?:the\s+)?"
    + _PART
    + r"|let(?:'s| us| me) (?:go|move|turn|get|jump|switch|talk) (?:on |over )?(?:to|about)\s+"
    r"(?:the\s+)?" + _PART + r"|section \d+)"
    r"(?:,?\s+(?:now|then|next))?\s*[.!]$"
)
# Remarks that end a talk and could hardly end an answer in Q&A ("that's all I have on that" or
# "let's take questions from the chat" could).
_TALK_ENDING = re.compile(
    r"\b(?:end of (?:my|the) (?:slides|talk|presentation|deck)|(?:that was|that'?s) (?:the|my) last "
    r"slide|thank(?:s| you)\b.{0,30}\bfor (?:listening|your attention|bearing with me|sitting "
    r"through)|that'?s (?:the paper|my summary|the summary|my presentation|my talk|the talk)\b(?!')"
    r"|that'?s (?:all|everything) i (?:prepared|had prepared)\b)"
)
# The part of those that speaks of the talk's own material ("that's my summary", "that was the last
# slide"): never said in Q&A, unlike "thanks for listening", which also ends a session.
_MATERIAL_ENDING = re.compile(
    r"\b(?:end of (?:my|the) (?:slides|talk|presentation|deck)|(?:that was|that'?s) (?:the|my) last "
    r"slide|that'?s my (?:summary|presentation|talk)\b|that'?s (?:all|everything) i "
    r"(?:prepared|had prepared)\b)"
)
# A hand-off that speaks of questions already asked ("any other questions?", "let's take some
# questions from the chat too"): Q&A is under way, not starting.
_UNDER_WAY = re.compile(
    r"\b(?:more(?! or less)|other|another|else|further|remaining|again|too|as well|also|still)\b"
)
_ABOUT_QUESTIONS = re.compile(r"\bquestion|\bq ?& ?a\b|\bq and a\b|\bdiscuss")


@lru_cache(maxsize=8192)
def handoff_strength(text: str) -> int:
    """2 for a strong hand-off remark, 1 for a weak one, 0 for none. Judged per sentence: a
    between-sections pause ("any questions so far?") is none, but does not hide a closing said
    next to it ("That's all I have. Any questions so far?")."""
    best = 0
    for sentence in _SENTENCE_END.split(text.replace("’", "'").lower()):
        if _BETWEEN_SECTIONS.search(sentence):
            continue
        if _STRONG_RE.search(sentence):
            return 2
        if _WEAK_RE.search(sentence):
            best = 1
    return best


# Pausing the talk for questions ("I'll pause for a second in case anyone has questions"); not
# pausing the recording, which is a hand-off.
_PAUSE_FOR_QUESTIONS = re.compile(
    r"\bpause (?:here |now |briefly |for a (?:second|moment|minute|bit) )?"
    r"(?:for|in case|if|to see if)\b.{0,30}\bquestions?\b",
    re.IGNORECASE,
)


def is_pause_for_questions(text: str) -> bool:
    """The presenter pausing the talk for questions, in so many words (no question mark needed):
    said in the middle of a talk, not after answering in Q&A."""
    return bool(_PAUSE_FOR_QUESTIONS.search(text)) and handoff_strength(text) < 2


def is_pause_invite(text: str) -> bool:
    """A between-sections invitation ("any questions so far?", "let me pause here for
    questions") implies more presentation to come, unless a closing remark comes with it."""
    return (
        bool(_BETWEEN_SECTIONS.search(text.replace("’", "'"))) or is_pause_for_questions(text)
    ) and handoff_strength(text) < 2


# What only a presenter in the middle of a talk asks the room ("Does that make sense so far?",
# "Questions on this part before we go on?"); not "quick question", which a member says too.
_PAUSE_QUESTION = re.compile(
    r"\bso far\b|\bbefore (?:i|we) (?:move|go|continue|dive|jump|get)\b", re.IGNORECASE
)


def is_pause_question(text: str) -> bool:
    """A question the presenter puts to the room between sections (see :data:`_PAUSE_QUESTION`)."""
    return bool(_PAUSE_QUESTION.search(text.replace("’", "'"))) and handoff_strength(text) < 2


@lru_cache(maxsize=8192)
def is_talk_ending(text: str) -> bool:
    """A remark that ends the talk itself ("that was the last slide", "thanks for listening")."""
    return bool(_TALK_ENDING.search(text.replace("’", "'").lower()))


@lru_cache(maxsize=8192)
def ends_the_material(text: str) -> bool:
    """A remark that ends the talk's material ("that's my summary", "end of my slides"), which
    nobody says in Q&A: the talk went on until it."""
    return bool(_MATERIAL_ENDING.search(text.replace("’", "'").lower()))


@lru_cache(maxsize=8192)
def is_resume(text: str) -> bool:
    """The presenter resuming the presentation after a question break ("OK, let's continue."),
    not steering Q&A ("Alright, let's go on. Anyone else?": a question after it)."""
    sentences = _SENTENCE_END.split(text.replace("’", "'").lower())
    for k, sentence in enumerate(sentences):
        if (
            _RESUME.search(sentence)
            and not _ABOUT_QUESTIONS.search(sentence)
            and handoff_strength(sentence) == 0
            and not any("?" in later for later in sentences[k:])
        ):
            return True
    return False


def qa_under_way(text: str) -> bool:
    """Does the sentence with the first strong hand-off in ``text`` speak of Q&A as under way?"""
    lowered = text.replace("’", "'").lower()
    m = _STRONG_RE.search(lowered)
    if not m:
        return False
    return bool(_UNDER_WAY.search(_sentence(lowered, m.start(), m.end())))


def _sentence(text: str, lo: int, hi: int) -> str:
    start = max(text.rfind(ch, 0, lo) for ch in ".?!") + 1
    ends = [i for i in (text.find(ch, hi) for ch in ".?!") if i >= 0]
    return text[start : min(ends) + 1 if ends else len(text)]


def first_strong_handoff(texts: Sequence[str]) -> int | None:
    """Index of the text where the first strong hand-off starts, reading the texts as one stream.

    Captions split a sentence over several short cues, so the phrase may span cues. One regex
    scan over the joined stream keeps this linear in the length of the transcript.
    """
    offsets, pos = [], 0
    for t in texts:
        offsets.append(pos)
        pos += len(t) + 1
    stream = " ".join(texts).replace("’", "'").lower()
    for m in _STRONG_RE.finditer(stream):
        if not _BETWEEN_SECTIONS.search(_sentence(stream, m.start(), m.end())):
            return bisect_right(offsets, m.start()) - 1
    return None


@lru_cache(maxsize=8192)
def is_section_start(text: str) -> bool:
    """A whole short sentence that opens the next part of the talk ("Alright, now the results."),
    never the end of a sentence a cue cut off ("... And section 2")."""
    return any(
        len(sentence.split()) <= 8 and _SECTION_START.search(sentence)
        for sentence in _SENTENCE_END.split(text.replace("’", "'").lower().strip())
    )


# Taking questions from somewhere ("let's take some questions from the chat"): said to start Q&A,
# but just as well after the first answer in it.
_FROM_CHAT = re.compile(r"\bquestions?\b.{0,30}\b(?:chat|q ?& ?a box|slido|online|remote|zoom)\b")


@lru_cache(maxsize=8192)
def is_opening(text: str) -> bool:
    """A strong hand-off that opens Q&A rather than steering it: ends the talk ("that's all I
    have"), opens the floor ("let's open it up"), not "questions from the chat" or "other
    questions", which follow an answer as naturally as a talk."""
    t = text.replace("’", "'").lower()
    if is_talk_ending(t):
        return True
    return handoff_strength(t) == 2 and not _FROM_CHAT.search(t) and not qa_under_way(t)


CLOSING_MAX_WORDS = 12  # a closing is a short remark of its own

# Any remark a presenter ends a talk on, however soft ("So yeah. That's it.", "I'll pause in case
# anyone has questions."): not evidence of a hand-off, only that the talk came to an end.
_ENDS_SOFTLY = re.compile(
    r"\bthat'?s (?:it|all|about it)\s*[.!]?\s*$|\b(?:any|anyone|anybody)\b.{0,30}\bquestions\b"
)


@lru_cache(maxsize=8192)
def is_closing_like(text: str) -> bool:
    """A remark a talk may end on: a hand-off, strong or weak, a remark that ends the talk, an
    invitation to ask, or a bare "that's it". A remark of its own: short ("So yeah. That's it.",
    not a long sentence with the paper's "when to wrap up the utterance" in it), and not a thank
    you ("thanks, everyone" ends a session after Q&A as well as a talk)."""
    t = text.replace("’", "'").lower().strip()
    if len(t.split()) > CLOSING_MAX_WORDS or "thank" in t:
        return False
    return (
        handoff_strength(t) >= 1
        or is_talk_ending(t)
        or is_pause_invite(t)
        or any(_ENDS_SOFTLY.search(sentence) for sentence in _SENTENCE_END.split(t))
    )


def mentions_more(text: str) -> bool:
    """ "any *other* questions", "anyone *else*": speaks of questions already asked."""
    return bool(_UNDER_WAY.search(text.replace("’", "'").lower()))


# What a question is *about*. Questions put in the middle of a talk point at the material on the
# screen and are short ("sorry, what was X again?", "is that absolute or relative?", "can you go
# back one slide?"); the ones that open a discussion step back from it: they thank the presenter,
# bring in the asker's own work ("at my company we tried ..."), give an opinion or disagree ("I
# think the comparison is a bit unfair", "can I push back ..."), ask the room or for a takeaway,
# or point to other and later work. The two lists are word classes, not phrasings: a question
# may match neither, and then nothing is read into it.
DISCUSSION, CLARIFYING = "discussion", "clarifying"
# "What do people think ...": asking the room, which opens a discussion (also captions.asks_the_room).
WHAT_THE_ROOM_THINKS = (
    r"\b(?:what|how) (?:do |does |did )?(?:people|everyone|everybody|others|folks|you all|"
    r"y'?all|the group|the rest of you) (?:think|feel|make of)\b"
)

_DISCUSSION = re.compile(
    "|".join(
        [
            # thanking or praising the presenter: said once the talk is over
            r"\bthank(?:s| you)\b.{0,25}\bfor (?:presenting|present|the (?:\w+ )?(?:presentation|"
            r"talk|overview|summary|walk-?through|session|intro)|walking us|taking us|leading|"
            r"doing this|putting this together)",
            r"\b(?:great|nice|lovely|excellent|awesome|wonderful|fantastic|super|very clear|really "
            r"(?:nice|good|great|clear|helpful)) (?:talk|presentation|overview|summary|"
            r"walk-?through|job|session|explanation)\b",
            # the asker's own work and experience
            r"\b(?:at|in|on) (?:my|our) (?:company|job|work|day job|lab|team|group|startup|"
            r"org|organi[sz]ation|project|previous job|last job|employer)\b",
            r"\bat work\b|\bin (?:my|our) (?:experience|field|area|domain|own work)\b",
            r"\bi(?:'m| am)? (?:actually |also |currently )?(?:work|worked|working) (?:on|with|in)"
            r" (?:something|a similar|similar|exactly|pretty much|related|the same|this)\b",
            r"\bwe(?:'ve| have)? (?:actually |also |once |recently )?(?:tried|used|deployed|"
            r"shipped|built|ran into|hit|saw the same|found)\b",
            r"\bin (?:practice|production|the real world|the wild|industry)\b",
            # opinion and disagreement
            r"\bpush(?:ing)? back\b|\b(?:i|i'd|i would) (?:\w+ )?disagree\b|\bnot sure i (?:agree|buy)",
            r"\bi (?:had|have|got) (?:a |an |quite a )?(?:slightly |somewhat |very |bit |little |"
            r"totally |completely )?(?:different|other|opposite) (?:reading|take|view|"
            r"interpretation|understanding|impression|opinion)\b",
            r"\b(?:honestly|frankly|personally|to be fair|in my opinion|imo|my (?:two cents|hot "
            r"take|impression|sense|feeling|gut))\b",
            r"\b(?:unfair|overrated|overhyped|oversold|overclaim\w*|overstat\w*|cherry[- ]pick\w*|"
            r"apples to oranges|not (?:a )?fair|hand-?wav\w*)\b",
            # the room, the takeaway, the bigger picture
            r"\b(?:curious|wonder\w*) (?:what|how) (?:people|others|everyone|everybody|folks|"
            r"you all|the group|the rest of you)\b",
            WHAT_THE_ROOM_THINKS,
            r"\b(?:takeaway|take-away|take home|big picture|bigger picture|main lesson)\b",
            r"\b(?:do|did) you (?:think|believe|feel|buy|expect|agree|find)\b|\byour (?:take|"
            r"opinion|intuition|view|sense)\b",
            r"\b(?:would|will|could|does|do) (?:this|it|that|these|the (?:method|approach|idea))"
            r" (?:\w+ )?(?:work|generali[sz]e|scale|transfer|apply|hold up|carry over)\b",
            r"\bwhy not (?:just )?(?:use|try|do|go with|compare)\b",
            # other and later work
            r"\bfollow[- ]?(?:up|on) (?:paper|work|study|preprint)|\b(?:later|newer|recent|"
            r"subsequent|future|other) (?:paper|papers|work|preprint)\b|\bthere'?s (?:a|another|"
            r"this) (?:paper|preprint|blog post|library)\b",
            r"\b(?:to add to|building on|following up on|going back to|on that point)\b",
            r"\bmy (?:first |main |real |other |one |big )?(?:question|comment|point) (?:is|was)\b",
        ]
    )
)
# A clarifying question points at what is on the screen or asks to have it repeated.
_CLARIFY_MARK = re.compile(
    "|".join(
        [
            r"^(?:(?:so|and|but|ok|okay|um|uh|hmm|oh),? )?(?:sorry|wait|hold on|hang on|quick "
            r"question|quick clarification|"
            r"just to clarify|to clarify|real quick|one quick thing|sorry to interrupt)\b",
            r"\bagain\s*\?|\bstand for\b|\bwhat does .{1,30} mean\b|\bdid you say\b",
            r"\b(?:go|going|flip|jump) back\b|\b(?:previous|last|next) slide\b",
            r"\b(?:this|that|these|those|which|the previous|the last|the first) (?:slide|table|"
            r"figure|fig|plot|graph|equation|eq|number|numbers|column|row|axis|curve|line|diagram|"
            r"chart|baseline|metric|dataset|split)\b",
            r"\b(?:absolute|relative|per|in|on|over|across|before|after|with|without) or\b|"
            r"\bor (?:absolute|relative)\b",
            r"\b(?:is|was|are|were) (?:that|this|it|those|these) (?:\w+ ){0,3}(?:absolute|"
            r"relative|percent|points|the same|per|averaged|frozen|trained|fine-?tuned|shared)\b",
            r"\bin (?:their|the) (?:setup|paper|experiments?|table|figure)\b",
        ]
    )
)
# A short factual question about the paper: "Is X frozen?", "How big is X?", "Do they release
# code?" (their setup, not the asker's view of it).
_FACTUAL = re.compile(
    r"^(?:(?:so|and|but|ok|okay|um|uh|hmm|sorry|wait|also|then|right|oh),? )?(?:is|are|was|were|"
    r"does|do|did|how (?:big|many|much|long|large|often|deep)|which|what|where|when)\b"
)
_TO_ANYONE = re.compile(r"\b(?:any|anyone|anybody|anything)\b")
# The asker's own view in the question ("I think ...", "I was wondering ..."): not a question
# about what is on the screen, whatever it asks.
_OWN_VIEW = re.compile(
    r"\b(?:i|we)(?:'m| am| was| were)? (?:really |just |also )?(?:think|thought|feel|felt|"
    r"believe|guess|suspect|doubt|wonder|wondering|curious|not sure|unsure|worry|worried|"
    r"would argue|'d argue)\b"
)
CLARIFY_MAX_WORDS = 14


@lru_cache(maxsize=8192)
def question_topic(text: str) -> str | None:
    """DISCUSSION for a remark that opens or carries a discussion, CLARIFYING for a short question
    about the material being presented, None when it reads as neither."""
    t = text.replace("’", "'").lower().strip()
    if _DISCUSSION.search(t):
        return DISCUSSION
    words = len(t.split())
    if (
        "?" in t
        and words <= CLARIFY_MAX_WORDS
        and (_CLARIFY_MARK.search(t) or _FACTUAL.search(t))
        and not _PAUSE_QUESTION.search(t)  # "does that make sense so far?": the presenter's
        and not _TO_ANYONE.search(t)  # ... or the room's: "anything unclear?"
        and not _OWN_VIEW.search(t)
    ):
        return CLARIFYING
    return None
