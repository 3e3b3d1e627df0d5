"""Demo transcripts in Zoom's audio-transcript format: a facilitator walking through a paper with
short clarifying questions after each section, a closing remark, and (when the recording ran on)
free discussion among several members."""

from __future__ import annotations

import random
from dataclasses import dataclass

from zoomclub.transcript.vtt import Cue, render_vtt


@dataclass(frozen=True)
class DemoSession:
    title: str
    url: str
    facilitator: str
    facilitation_s: int  # when the closing remark ends
    qa_s: int  # seconds of Q&A recorded after it (0 = the recording stopped cleanly)
    seed: int


MEMBERS = ["Priya Raman", "Jonas Weber", "Chloé Martin", "Kenji Sato", "Amara Okafor", "iPhone"]

SECTIONS = [
    "Let's start with the motivation. The authors argue that {topic} has been held back by how we "
    "evaluate it, and they propose a cleaner setup.",
    "The second section describes the method. The key idea is to separate the representation from "
    "the objective, which keeps training stable.",
    "Now the experiments. They compare against three baselines and report results on four "
    "benchmarks; the gains are largest on the smallest datasets.",
    "The ablations are interesting: removing the auxiliary loss costs about two points, and the "
    "schedule matters more than the architecture.",
    "Finally, the limitations. They are honest that the compute budget is large and that the "
    "evaluation is mostly in English.",
]
FILLERS = [
    "If you look at figure {n}, you can see the trend quite clearly.",
    "Table {n} has the main numbers; I highlighted the interesting rows on the slide.",
    "This is where the paper gets a bit dense, so let me go slowly.",
    "The appendix has the details of the hyperparameters, which I found useful.",
    "I'll skip the proof here, but the intuition is that the bound tightens with more data.",
    "What surprised me is how simple the final recipe is.",
]
CLARIFY_Q = [
    "Sorry, quick question: is that figure on the validation set or the test set?",
    "Can you go back one slide? What does the shaded area mean?",
    "Just to check, the baseline uses the same data, right?",
    "What does the acronym in the table header stand for?",
]
CLARIFY_A = [
    "Good question, it's the test set, they say so in the caption.",
    "Sure. The shaded area is the standard deviation over five seeds.",
    "Yes, same data and the same tokenizer, only the objective differs.",
    "It stands for the evaluation protocol they introduce in section three.",
]
CLOSING = [
    "And that's the end of the paper. Thanks everyone for the questions along the way. "
    "I'll stop the recording now and we can open it up for discussion.",
    "That's everything I prepared. Let me stop the recording here, and then let's hear what you "
    "think and how this relates to your work.",
]
QA = [
    "I have a more general question about whether this would work in production.",
    "In my team we tried something similar last year and it didn't scale.",
    "Did anyone else find the evaluation a bit too convenient?",
    "Honestly the compute numbers worry me.",
    "We actually ran into exactly that problem at work.",
    "I'm curious what people think about the data licensing part.",
    "Yeah, agreed.",
    "Could you share the link to that blog post?",
    "It depends a lot on the budget you have.",
    "That's a fair point.",
]


def _ts(t: float) -> int:
    return round(t * 1000)


def demo_transcript(s: DemoSession) -> str:
    """A transcript whose facilitation closes at ``facilitation_s`` followed by ``qa_s`` of Q&A."""
    rng = random.Random(s.seed)
    cues: list[Cue] = []
    t = 3.0

    def say(speaker: str | None, text: str, dur: float, gap: float = 0.6) -> None:
        nonlocal t
        cues.append(Cue(_ts(t), _ts(t + dur), text, speaker, str(len(cues) + 1)))
        t += dur + gap

    say(s.facilitator, f"Hi everyone, welcome. Today we're reading {s.title}.", 4.5)
    closing_start = s.facilitation_s - 12.0
    per_section = (closing_start - t) / len(SECTIONS)
    for i, section in enumerate(SECTIONS):
        end = t + per_section
        say(s.facilitator, section.format(topic=s.title.split(":")[0].lower()), 9.0)
        while t < end - 30:
            say(s.facilitator, rng.choice(FILLERS).format(n=rng.randint(1, 6)), rng.uniform(6, 11))
        if i < len(SECTIONS) - 1 and t < end - 12:
            q = rng.randrange(len(CLARIFY_Q))
            say(rng.choice(MEMBERS[:5]), CLARIFY_Q[q], 3.5)
            say(s.facilitator, CLARIFY_A[q], 4.0)
        t = max(t, end)
    t = closing_start
    say(s.facilitator, rng.choice(CLOSING), 11.0, gap=1.0)
    end_qa = t + s.qa_s
    last = None
    lines = rng.sample(QA, len(QA))
    while s.qa_s and t < end_qa - 3:
        speaker = rng.choice([m for m in MEMBERS if m != last] + [s.facilitator])
        last = speaker
        say(
            speaker, lines[len(cues) % len(lines)], rng.uniform(2.0, 6.0), gap=rng.uniform(0.3, 1.5)
        )
    return render_vtt(cues)
