"""Generate the labelled boundary set: synthetic paper-club transcripts in Zoom's VTT formats.

    python tests/data/boundary/generate.py                   # rewrites *.vtt and labels.json here
    python tests/data/boundary/generate.py --seed 7 --out D  # a fresh set elsewhere (held-out check)
    python tests/data/boundary/generate.py --seed 7 --out D --clarifying-first
                                       # every Q&A opens with a question about the material

Written from how paper clubs run, not from how the detector works: each session draws a club, a
paper, speakers, an optional pre-session chatter, sections with (or without) question pauses,
interruptions, a closing remark in one of many phrasings (or none), an optional silence, and a Q&A
of varying length (or none), which the facilitator steers now and then ("OK, moving on. I see a
hand up."). A list of required scenarios makes sure every case the issue names is
present; the rest are random mixes. Labels: ``closing_start_s`` = start of the facilitator's
closing remark (or their last facilitation line when there is none), ``first_qa_s`` = start of the
first cue after facilitation ended (any voice), or null when the recording stops first.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20260104

CLUBS = [
    ("ml-reading-group", 45),
    ("nlp-lunch", 30),
    ("systems-papers", 60),
    ("bio-ml-club", 45),
    ("long-form-theory", 100),
    ("robotics-journal-club", 40),
    ("security-reading", 50),
    ("hci-papers", 45),
]

NAMES = [
    "Ada Lovelace",
    "Priya Raman",
    "José Ñúñez",
    "Zoë Wójcik",
    "李明",
    "Dương Văn An",
    "Ayşe Yılmaz",
    "Søren Kierkegård",
    "Dr. Jane Doe",
    "Ahmed Al-Sayed",
    "佐藤 花子",
    "Björn Müller",
    "kim",
    "Sam (they/them)",
    "Olusegun Obi",
    "María José García",
    "Tomás O'Neill",
    "Anja Šimić",
    "Rafael Souza",
    "Grace Hopper",
    "Chen Wei",
    "Fatima Zahra",
    "Lukas Nowak",
    "Emily Chen",
    "Noah Friedman",
    "Ingrid Solberg",
    "Kwame Mensah",
    "Élodie Martin",
    "Hiroshi Tanaka",
    "Maya Patel",
    "Oleksandr Koval",
    "Aarav Shah",
    "Julia Romano",
    "Ivan Petrov",
    "Nadia Haddad",
    "Ben Carter",
    "Leilani Kahale",
    "Mateus Lima",
]
GENERIC = ["iPhone", "Zoom user", "Galaxy S22", "iPad de María", "Conference Room B", "Guest"]

TOPICS = {
    "open-domain question answering": {
        "terms": [
            "the retriever",
            "the reader model",
            "answer spans",
            "the question encoder",
            "Natural Questions",
            "TriviaQA",
            "exact match",
            "dense passage retrieval",
            "the answer generator",
            "unanswerable questions",
        ],
        "odd": [
            "They ask the model a question and check whether the answer is in the top passages.",
            "Any question the user asks goes through the retriever first.",
            "The reader then answers the question with a span from the passage.",
            "So the questions in this benchmark are real Google queries.",
            "And they also filter out questions with no answer.",
        ],
    },
    "streaming speech recognition": {
        "terms": [
            "the encoder",
            "endpointing",
            "the CTC loss",
            "word error rate",
            "the audio frames",
            "the streaming decoder",
            "latency",
            "LibriSpeech",
            "the endpoint detector",
            "voice activity detection",
        ],
        "odd": [
            "The endpointer decides when to stop the recording on the device.",
            "They stop recording after eight hundred milliseconds of silence.",
            "So the recording is cut into thirty second chunks.",
            "The nice thing is that it knows when the speaker is done, when to wrap up the utterance.",
        ],
    },
    "diffusion models for images": {
        "terms": [
            "the denoiser",
            "the noise schedule",
            "classifier-free guidance",
            "FID",
            "the U-Net",
            "the sampling steps",
            "the latent space",
            "the VAE",
        ],
        "odd": [
            "They stop the sampler early, at twenty steps, and it still looks fine.",
            "That's all for the method, now the results.",
        ],
    },
    "transformer attention": {
        "terms": [
            "self-attention",
            "the key and value heads",
            "positional encodings",
            "the feed-forward block",
            "layer norm",
            "the attention matrix",
            "perplexity",
            "the KV cache",
        ],
        "odd": ["That's it for the architecture part, let's look at training."],
    },
    "consensus protocols": {
        "terms": [
            "the leader",
            "the log",
            "a quorum",
            "the commit index",
            "network partitions",
            "the election timeout",
            "linearizability",
            "the replicas",
        ],
        "odd": [
            "The leader can stop accepting writes when it loses the quorum.",
            "They wrap up the proof in the appendix.",
        ],
    },
    "protein structure prediction": {
        "terms": [
            "the multiple sequence alignment",
            "the pair representation",
            "the structure module",
            "pLDDT",
            "the templates",
            "the recycling iterations",
            "CASP",
            "the evoformer",
        ],
        "odd": [
            "A question people always ask is whether it learned physics.",
            "Thanks to the authors for releasing the weights, by the way.",
        ],
    },
    "reinforcement learning from human feedback": {
        "terms": [
            "the reward model",
            "the preference data",
            "PPO",
            "the KL penalty",
            "the policy",
            "the reference model",
            "win rate",
            "the labelers",
        ],
        "odd": [
            "The labelers answered a list of questions about each response.",
            "They stop training when the KL gets too large.",
        ],
    },
    "robot grasping": {
        "terms": [
            "the gripper",
            "the point cloud",
            "the grasp success rate",
            "sim-to-real",
            "the camera",
            "domain randomization",
            "the policy network",
            "the test objects",
        ],
        "odd": ["They pause the recording of the demonstrations whenever the arm collides."],
    },
}

OPENERS = [
    "So",
    "And",
    "Basically",
    "Now",
    "OK so",
    "Um, so",
    "Right, and",
    "Yeah, so",
    "Then",
    "Also",
]
TEMPLATES = [
    "{op} {t1} is trained jointly with {t2}, which I found a bit surprising.",
    "{op} the main claim is that {t1} matters more than {t2}.",
    "{op} if you look at this figure, {t1} improves by about {n} points.",
    "{op} they compare against a baseline without {t1}, and the gap is around {n} percent.",
    "{op} the ablation removes {t1} and things get noticeably worse.",
    "{op} what I like here is how they handle {t1}.",
    "{op} I'm not fully convinced about {t1}, to be honest.",
    "{op} section {s} is where they describe {t1} in detail.",
    "{op} the intuition is that {t1} acts a bit like {t2}.",
    "{op} they train for {n} thousand steps on {t1}.",
    "{op} the appendix has more on {t1}, I'll skip most of it.",
    "{op} you can think of {t1} as a cheaper version of {t2}.",
    "{op} on the harder split, {t1} drops to {n} percent.",
    "{op} the related work mentions {t2} but doesn't really compare.",
    "{op} one limitation they admit is {t1} on long inputs.",
    "{op} there's a nice trick where they reuse {t1} for {t2}.",
    "{op} the numbers in table {s} are averaged over {n} seeds.",
    "{op} I think the key figure is the one with {t1} on the x axis.",
    "{op} they argue {t2} is the bottleneck, not {t1}.",
    "{op} this is basically the same setup as last week's paper, but with {t1}.",
]
SECTION_STARTS = [
    "OK, moving on to the method.",
    "Let's go to the experiments.",
    "Next section.",
    "Alright, now the results.",
    "So the next part is about {t1}.",
    "Let me switch slides.",
    "Now, the interesting part.",
    "OK, section {s}.",
    "Let's talk about {t1} now.",
]
PAUSE_INVITES = [
    "Any questions so far?",
    "Let me pause here. Anything unclear so far?",
    "Before I move on, any quick questions?",
    "Does that make sense so far?",
    "Questions on this part before we go on?",
    "I'll pause for a second in case anyone has questions.",
    "Any questions?",
    "Anything on this section?",
]
CLARIFY = [
    "Sorry, what was {t1} again?",
    "Quick question, is {t1} frozen during training?",
    "How big is {t2} in their setup?",
    "Wait, is that {n} percent absolute or relative?",
    "Can you go back one slide?",
    "Is {t1} the same as in the previous paper?",
    "Which dataset is that table on?",
    "Do they release code for {t1}?",
]
SHORT_ANSWERS = [
    "Yes, it's frozen, they only train {t2}.",
    "Good question, I think it's absolute.",
    "Sure, going back. Here.",
    "Roughly, yes, with a small change in {t1}.",
    "I don't think they say, actually.",
    "It's on the held-out split.",
]
RESUME = [
    "OK, let's continue.",
    "Alright, moving on.",
    "No? OK, let's keep going.",
    "Great, continuing.",
    "OK cool.",
    "Let's go on then.",
]
CHATTER = [
    ("host", "Hi everyone, can you see my screen?"),
    ("member", "Yes, we can see it."),
    ("host", "Let's give people a minute or two to join."),
    ("member", "Hi all!"),
    ("member", "Hey, sorry I'm a bit late."),
    ("host", "Is the recording on? OK, yes, it is."),
    ("member", "Can you make the slides a bit bigger?"),
    ("host", "Better now?"),
    ("member", "Much better, thanks."),
    ("member", "Good morning from Lisbon."),
    ("host", "Let me just find the right window."),
    ("member", "Your audio is a bit quiet."),
]
WELCOME = [
    "Welcome to the {club}, everyone. Today we're reading the paper on {topic}.",
    "OK, let's get started. Thanks for coming. This week's paper is about {topic}.",
    "Hi all, welcome. I'll be presenting the {topic} paper today.",
    "Alright, let's kick off. Today's topic is {topic}, and I'm facilitating.",
]
CLOSINGS_STRONG = [
    "So that's the paper. Let's open it up for questions.",
    "That's all I have. Thanks for listening!",
    "OK, I'll stop sharing now. Questions, comments, anything?",
    "And that's it from me. Happy to take questions.",
    "Alright, that's the end of my slides. Let's move to the discussion.",
    "OK so that's my summary. I'll stop the recording now so we can chat freely.",
    "I think I'll wrap up there. Let's do Q&A.",
    "That was the last slide. Floor is open.",
    "So yeah, that's everything I prepared. Thanks, everyone. Who wants to go first?",
    "Let me stop the share. OK, thoughts?",
]
CLOSINGS_SOFT = [
    "So yeah. That's it.",
    "OK. I think that's it.",
    "Yeah, so those are the results. Thoughts?",
    "Alright. That's the paper, more or less.",
    "And I'll leave it there.",
    "Cool, so that's the summary. What did people think?",
    "Any questions?",
    "Thanks, everyone.",
]
QUESTIONS = [
    "I was wondering how this compares with {t2} in practice.",
    "My question is about {t1}. Did they try it on smaller models?",
    "I actually work on something similar and we found {t1} very sensitive to the seed.",
    "Can I push back a little on the main claim? I'm not sure {t1} is the reason.",
    "Do you think this would work for {t2}?",
    "I'm curious what people think about the evaluation.",
    "At my company we tried {t1} and it didn't really help.",
    "This might be a naive question, but why not just use {t2}?",
    "I had a slightly different reading of section {s}.",
    "To add to that, there's a follow-up paper that fixes {t1}.",
    "So is the takeaway that {t1} is overrated?",
    "I think the comparison in table {s} is a bit unfair.",
    "Thanks for presenting! Did they say anything about cost?",
    "Honestly I found the writing hard to follow in places.",
]
ANSWER_OPENERS = [
    "Yeah, good question.",
    "Hmm, so.",
    "Great question.",
    "I think so, yes.",
    "Not sure, but.",
    "Right.",
    "So my understanding is this.",
    "Yeah.",
]
BARE = ["Hmm.", "Yeah.", "Right.", "Mm-hmm.", "OK.", "Uh.", "Yes."]
# The facilitator steering Q&A between answers; some of it sounds like resuming a talk.
MODERATION = [
    "OK, next question.",
    "Let's move on to the next question.",
    "Any other questions?",
    "Great. Who's next?",
    "OK, moving on. I see a hand up.",
    "Let's continue with the questions in the chat.",
    "Let's keep going, we have a few minutes left.",
    "Alright, let's go on. Anyone else?",
    "So far nobody has asked about the compute, by the way.",
    "OK, let's take some questions from the chat too.",
    "Let me open it up to everyone else as well.",
]
BYES = ["Thanks everyone, see you next week!", "Bye!", "Thanks, this was great.", "See you all."]


@dataclass
class Session:
    rng: random.Random
    topic: str
    cues: list[tuple[int, int, str | None, str]] = field(default_factory=list)
    t: int = 0  # ms cursor

    def fill(self, template: str) -> str:
        terms = TOPICS[self.topic]["terms"]
        t1, t2 = self.rng.sample(terms, 2)
        return template.format(
            t1=t1,
            t2=t2,
            n=self.rng.randint(2, 60),
            s=self.rng.randint(2, 7),
            op=self.rng.choice(OPENERS),
            topic=self.topic,
            club="club",
        )

    def gap(self, lo: float = 0.1, hi: float = 1.4) -> None:
        self.t += int(self.rng.uniform(lo, hi) * 1000)

    def say(self, speaker: str | None, text: str, bare_noise: float = 0.0) -> int:
        """One cue per ~1-3 sentences; returns the start of the first cue."""
        words = text.split()
        start = self.t
        i = 0
        while i < len(words):
            n = min(len(words) - i, self.rng.randint(12, 38))
            chunk = " ".join(words[i : i + n])
            dur = int(n / self.rng.uniform(2.2, 3.0) * 1000) + self.rng.randint(0, 400)
            self.cues.append((self.t, self.t + dur, speaker, chunk))
            self.t += dur
            i += n
            self.gap(0.05, 0.9)
            if bare_noise and self.rng.random() < bare_noise:
                d = self.rng.randint(300, 900)
                self.cues.append((self.t, self.t + d, None, self.rng.choice(BARE)))
                self.t += d + 100
        return start

    def monologue(self, speaker: str, seconds: float, odd_rate: float = 0.05) -> None:
        end = self.t + int(seconds * 1000)
        while self.t < end:
            if self.rng.random() < odd_rate:
                text = self.rng.choice(TOPICS[self.topic]["odd"])
            else:
                text = " ".join(
                    self.fill(self.rng.choice(TEMPLATES)) for _ in range(self.rng.randint(1, 3))
                )
            self.say(speaker, text, bare_noise=0.02)


def to_vtt(cues: list[tuple[int, int, str | None, str]]) -> str:
    def ts(ms: int) -> str:
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    out = ["WEBVTT", ""]
    for n, (a, b, spk, text) in enumerate(cues, 1):
        out += [str(n), f"{ts(a)} --> {ts(b)}", f"{spk}: {text}" if spk else text, ""]
    return "\n".join(out)


def to_cc(
    cues: list[tuple[int, int, str | None, str]], rng: random.Random
) -> list[tuple[int, int, str | None, str]]:
    """Closed captions: no speakers, whole seconds, short overlapping chunks, start a bit later."""
    out: list[tuple[int, int, str | None, str]] = []
    first = cues[0][0] + rng.randint(20, 70) * 1000
    for a, b, _, text in cues:
        if b < first:
            continue
        words = text.split()
        per = max(1, (b - a) // max(1, (len(words) + 5) // 6))
        for k in range(0, len(words), 6):
            s = (a + per * (k // 6)) // 1000 * 1000
            out.append((s, s + rng.choice([1000, 2000, 3000]), None, " ".join(words[k : k + 6])))
    return out


def build(case: dict[str, object], seed: int) -> tuple[str, dict[str, object]]:
    rng = random.Random(seed)
    club, minutes = CLUBS[int(case.get("club", rng.randrange(len(CLUBS))))]  # type: ignore[call-overload]
    minutes = int(case.get("minutes", minutes))  # type: ignore[call-overload]
    topic = str(case.get("topic", rng.choice(list(TOPICS))))
    s = Session(rng, topic)
    people = rng.sample(NAMES, 10)
    fac = people[0]
    co = people[1] if case.get("co") else None
    author = people[2] if case.get("author") else None
    members = people[3:] if not case.get("generic") else [*people[3:7], *rng.sample(GENERIC, 3)]
    fac_label = {"name": fac}
    if case.get("generic"):
        fac_label["name"] = rng.choice(["iPhone", "Zoom user"])
    rename_at = None
    if case.get("rename"):
        fac_label["name"] = rng.choice(["iPhone", "Zoom user", "Galaxy S22"])
        rename_at = rng.uniform(0.2, 0.7)
    notes: list[str] = [f"club {club}, paper on {topic}"]

    actual = minutes * 60 * rng.uniform(0.8, 1.2) * float(case.get("overrun", 1.0))  # type: ignore[arg-type]
    s.t = rng.randint(0, 4000)
    if case.get("chatter", rng.random() < 0.6):
        for role, line in rng.sample(CHATTER, rng.randint(4, 9)):
            s.say(fac_label["name"] if role == "host" else rng.choice(members), line)
            s.gap(0.5, 6)
        notes.append("pre-session chatter")
    fac_start = s.t
    s.say(fac_label["name"], s.fill(rng.choice(WELCOME)).replace("club", club.replace("-", " ")))

    presenters = [fac] + ([co] if co else [])
    n_sections = max(3, int(actual / 60 / rng.uniform(6, 11)))
    per_section = (actual - 60) / n_sections
    author_section = rng.randrange(1, n_sections) if author else -1
    pause_rate = float(case.get("pauses", rng.uniform(0.4, 1.0)))  # type: ignore[arg-type]
    speaker = fac
    for k in range(n_sections):
        speaker = presenters[k % len(presenters)]
        if rename_at is not None and speaker == fac and s.t - fac_start > rename_at * actual * 1000:
            fac_label["name"] = fac
            if "renamed mid-session" not in notes:
                notes.append("facilitator renamed mid-session")
        label = fac_label["name"] if speaker == fac else speaker
        if k and rng.random() < 0.7:
            s.say(label, s.fill(rng.choice(SECTION_STARTS)))
        if k == author_section and author:
            s.say(
                label,
                f"And now {author.split()[0]}, one of the authors, will walk us through this part.",
            )
            s.gap(0.5, 2)
            s.monologue(author, per_section * rng.uniform(0.9, 1.6))
            notes.append("invited author speaks at length")
            label = fac_label["name"]
        else:
            length = per_section * rng.uniform(0.6, 1.3)
            if k == n_sections - 1:
                length = max(90.0, fac_start / 1000 + actual - s.t / 1000)
            # an unprompted interruption now and then
            if rng.random() < 0.25 and length > 240:
                s.monologue(label, length * 0.5)
                s.gap(0.2, 1)
                s.say(rng.choice(members), s.fill(rng.choice(CLARIFY)))
                s.gap(0.2, 1)
                s.say(label, s.fill(rng.choice(SHORT_ANSWERS)))
                s.monologue(label, length * 0.5)
            else:
                s.monologue(label, length)
        if k < n_sections - 1 and rng.random() < pause_rate:
            s.say(label, rng.choice(PAUSE_INVITES))
            s.gap(1, 5)
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
                s.say(rng.choice(members), s.fill(rng.choice(CLARIFY)))
                s.gap(0.3, 2)
                answerer = (
                    author if (author and rng.random() < 0.5 and k >= author_section) else label
                )
                s.say(
                    answerer,
                    s.fill(rng.choice(SHORT_ANSWERS)) + " " + s.fill(rng.choice(TEMPLATES)),
                )
                s.gap(0.3, 2)
            s.say(label, rng.choice(RESUME))
    last_label = fac_label["name"] if speaker == fac else speaker

    closing = case.get("closing", rng.choice(["strong", "strong", "strong", "soft", "none"]))
    # Now and then the presenter ends by inviting questions "so far", meaning to go on, and the
    # questions take the rest of the session (its own stream: every other draw stays as it was).
    if "closing" not in case and random.Random(seed + 104729).random() < 0.1:
        closing = "so far"
    if closing == "so far":
        main, s.rng = s.rng, random.Random(seed + 130363)
        closing_start = s.say(last_label, s.rng.choice(PAUSE_INVITES))
        s.rng = main
        notes.append("ends by inviting questions so far; never resumes")
    elif closing == "strong":
        closing_start = s.say(last_label, rng.choice(CLOSINGS_STRONG))
    elif closing == "soft":
        closing_start = s.say(last_label, rng.choice(CLOSINGS_SOFT))
    else:
        closing_start = s.cues[-1][0]
        notes.append("no closing remark")
    qa = str(case.get("qa", rng.choice(["short", "short", "medium", "long", "none"])))
    first_qa: int | None = None
    if qa != "none":
        silence = case.get("silence", rng.random() < 0.15)
        if silence:
            s.gap(30, 150)
            notes.append("long silence before Q&A")
        else:
            s.gap(0.5, 4)
        first_qa = s.t
        qa_len = {
            "short": rng.uniform(60, 300),
            "medium": rng.uniform(300, 720),
            "long": rng.uniform(900, 1300),
        }[qa]
        end = s.t + int(qa_len * 1000)
        answerers = [last_label] + ([author] if author else []) + ([co] if co else [])
        askers = rng.sample(members, min(len(members), rng.randint(2, 7)))
        long_answers = bool(case.get("long_answers", rng.random() < 0.3))
        mod_rng = random.Random(seed + 7919)
        # A Q&A can open with a question about the material ("sorry, what was X again?"), worded
        # like the clarifying questions of the pauses: --clarifying-first draws every first one
        # from those (the default sets never do, and keep their draws).
        opener = CLARIFY if case.get("clarifying_first") else QUESTIONS
        if case.get("clarifying_first"):
            notes.append("Q&A opens with a clarifying question")
        while s.t < end:
            s.say(rng.choice(askers), s.fill(rng.choice(opener)), bare_noise=0.05)
            opener = QUESTIONS
            s.gap(0.3, 2.5)
            if rng.random() < 0.25:
                s.say(rng.choice(askers), s.fill(rng.choice(QUESTIONS)))
                s.gap(0.3, 2)
            who = rng.choice(answerers)
            secs = (
                rng.uniform(100, 200)
                if long_answers and rng.random() < 0.5
                else rng.uniform(10, 70)
            )
            s.say(who, rng.choice(ANSWER_OPENERS))
            s.monologue(who, secs, odd_rate=0.1)
            s.gap(0.5, 3)
            if mod_rng.random() < 0.3 and s.t < end:
                main, s.rng = s.rng, mod_rng  # its own stream: every other draw stays as it was
                s.say(last_label, mod_rng.choice(MODERATION))
                s.gap(0.3, 2)
                s.rng = main
        if rng.random() < 0.5:
            s.say(rng.choice(askers), rng.choice(BYES))
        notes.append(
            f"{qa} Q&A ({qa_len / 60:.0f} min)"
            + (", facilitator answers at length" if long_answers else "")
        )
    else:
        notes.append("recording stops with no Q&A")
    cues = s.cues
    label = {
        "facilitation_minutes": minutes,
        "closing_start_s": round(closing_start / 1000, 3),
        "first_qa_s": round(first_qa / 1000, 3) if first_qa is not None else None,
    }
    if case.get("cc"):
        cues = to_cc(cues, rng)
        notes.append("closed captions: no speakers, whole seconds")
        # labels follow the caption times: the caption cue that carries each line's first words
        cstart = closing_start // 1000 * 1000
        label["closing_start_s"] = float(cstart // 1000)
        if first_qa is not None:
            label["first_qa_s"] = float(first_qa // 1000)
    label["notes"] = "; ".join([*notes, str(case.get("note", ""))]).strip("; ")
    return to_vtt(cues) if not case.get("cc") else to_vtt_cc(cues), label


def to_vtt_cc(cues: list[tuple[int, int, str | None, str]]) -> str:
    def ts(ms: int) -> str:
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.000"

    out = ["WEBVTT", ""]
    for a, b, _, text in cues:
        out += [f"{ts(a)} --> {ts(b)}", text, ""]
    return "\n".join(out)


REQUIRED: list[dict[str, object]] = [
    {"note": "plain session", "closing": "strong", "qa": "short"},
    {
        "note": "paper about question answering",
        "topic": "open-domain question answering",
        "qa": "medium",
    },
    {
        "note": "paper about question answering, no closing",
        "topic": "open-domain question answering",
        "closing": "none",
        "qa": "short",
    },
    {
        "note": "paper vocabulary: stop/recording",
        "topic": "streaming speech recognition",
        "qa": "short",
    },
    {"note": "invited author", "author": True, "qa": "medium"},
    {
        "note": "invited author, Q&A answered at length",
        "author": True,
        "qa": "medium",
        "long_answers": True,
    },
    {"note": "co-facilitators", "co": True, "qa": "short"},
    {"note": "co-facilitators, soft closing", "co": True, "closing": "soft", "qa": "medium"},
    {"note": "generic display names", "generic": True, "qa": "short"},
    {"note": "renamed mid-session", "rename": True, "qa": "medium"},
    {"note": "renamed mid-session, no closing", "rename": True, "closing": "none", "qa": "short"},
    {"note": "pre-session chatter", "chatter": True, "qa": "short"},
    {"note": "long silence before Q&A", "silence": True, "qa": "short"},
    {"note": "long silence, no closing", "silence": True, "closing": "none", "qa": "medium"},
    {"note": "no closing remark", "closing": "none", "qa": "medium"},
    {"note": "no closing, long answers", "closing": "none", "qa": "medium", "long_answers": True},
    {"note": "facilitator answers at length", "long_answers": True, "qa": "long"},
    {"note": "no Q&A, clean stop", "qa": "none", "closing": "strong"},
    {"note": "no Q&A, soft ending", "qa": "none", "closing": "soft"},
    {"note": "no Q&A, no closing", "qa": "none", "closing": "none"},
    {"note": "20 minutes of Q&A", "qa": "long"},
    {"note": "20 minutes of Q&A, soft closing", "qa": "long", "closing": "soft"},
    {"note": "2-hour session", "club": 4, "qa": "long"},
    {"note": "2-hour session, no Q&A", "club": 4, "qa": "none"},
    {"note": "many clarifying pauses", "pauses": 1.0, "qa": "short"},
    {"note": "no clarifying pauses", "pauses": 0.0, "qa": "short"},
    {"note": "facilitation overran", "overrun": 1.4, "qa": "short"},
    {"note": "facilitation short", "overrun": 0.75, "qa": "medium"},
    {"note": "CC file", "cc": True, "closing": "strong", "qa": "short"},
    {
        "note": "CC file, QA paper",
        "cc": True,
        "topic": "open-domain question answering",
        "qa": "medium",
    },
    {"note": "CC file, no closing", "cc": True, "closing": "none", "qa": "short"},
    {"note": "CC file, no Q&A", "cc": True, "qa": "none"},
]
N_RANDOM = 16


def cases_for(rng: random.Random, *, clarifying_first: bool = False) -> list[dict[str, object]]:
    """The required scenarios, then the random mixes (drawing from ``rng``)."""
    cases = REQUIRED + [{"note": "random mix", "cc": rng.random() < 0.1} for _ in range(N_RANDOM)]
    if clarifying_first:
        cases = [{**c, "clarifying_first": True} for c in cases]
    return cases


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument(
        "--clarifying-first",
        action="store_true",
        help="every Q&A opens with a question about the material, as in the pauses",
    )
    args = ap.parse_args()
    seed, out = args.seed, args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    cases = cases_for(rng, clarifying_first=args.clarifying_first)
    labels: dict[str, dict[str, object]] = {}
    for old in out.glob("*.vtt"):
        old.unlink()
    for n, case in enumerate(cases, 1):
        text, label = build(case, seed * 1000 + n)
        name = f"case{n:02d}{'-cc' if case.get('cc') else ''}.vtt"
        (out / name).write_text(text, encoding="utf-8")
        labels[name] = label
    (out / "labels.json").write_text(
        json.dumps(labels, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(labels)} transcripts to {out}")


if __name__ == "__main__":
    main()
