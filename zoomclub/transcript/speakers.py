"""Telling a "Speaker Name: " prefix from text like "Note: the paper says ...".

Zoom writes the speaker as a prefix of the cue text; nothing marks it as such. A prefix counts as
a name when it is short (at most 5 words), is not a lead-in word ("Note", "Question", "So"), and
either most cues in the file carry such prefixes (an audio transcript) or the same prefix recurs
(a name, not a one-off sentence). Closed-caption files, which have no speakers, stay unlabelled.
"""

from __future__ import annotations

import re
from collections import Counter

# A "Name: " prefix: at most 5 words and 48 characters, no sentence punctuation or digits-only.
_PREFIX = re.compile(r"^([^:?!\n]{1,48}?):\s+(\S.*)$", re.DOTALL)
_MAX_NAME_WORDS = 5
# Words that introduce text rather than name a speaker ("Note: the paper says ...").
_LEAD_INS = frozenset(
    [
        "note",
        "notes",
        "question",
        "questions",
        "answer",
        "answers",
        "example",
        "examples",
        "step",
        "update",
        "warning",
        "caveat",
        "spoiler",
        "tldr",
        "tl;dr",
        "summary",
        "recap",
        "definition",
        "claim",
        "fact",
        "hint",
        "tip",
        "idea",
        "problem",
        "solution",
        "result",
        "results",
        "conclusion",
        "conclusions",
        "premise",
        "thesis",
        "quote",
        "aside",
        "edit",
        "ps",
        "p.s",
        "todo",
        "so",
        "ok",
        "okay",
        "well",
        "yes",
        "no",
        "also",
        "and",
        "but",
        "because",
        "however",
        "first",
        "second",
        "third",
        "finally",
        "next",
        "then",
        "now",
        "here",
        "there",
        "remember",
        "important",
        "key",
        "bonus",
        "reminder",
        "title",
        "abstract",
        "section",
        "figure",
        "table",
        "theorem",
        "lemma",
        "proof",
    ]
)
# Words that names (even "Zoom user", "iPhone de Ana") rarely contain but sentences do.
_FUNCTION_WORDS = frozenset(
    [
        "the",
        "is",
        "are",
        "was",
        "were",
        "a",
        "an",
        "this",
        "that",
        "these",
        "we",
        "i",
        "you",
        "it",
        "they",
        "my",
        "our",
        "what",
        "how",
        "why",
        "which",
    ]
)
_GENERIC = re.compile(
    r"\b(?:iphone|ipad|android|galaxy|pixel|samsung|huawei|xiaomi|zoom user|guest|user|"
    r"conference room|meeting room|room|macbook|laptop|desktop|phone|tablet|call-in)\b",
    re.IGNORECASE,
)
# In a file where most cues are labelled, a prefix is a speaker; in a mostly unlabelled file
# (closed captions) only a prefix that recurs this often is.
_LABELLED_SHARE = 0.5
_UNLABELLED_MIN_REPEATS = 3


def _name_like(prefix: str) -> bool:
    name = prefix.strip()
    words = name.split()
    return (
        0 < len(words) <= _MAX_NAME_WORDS
        and name.lower() not in _LEAD_INS
        and any(ch.isalpha() for ch in name)
        and name[0] not in "\"'([{-*#<"
        and not name.endswith((",", ";"))
    )


def _sentence_like(name: str) -> bool:
    """Opens with a function word ("The key idea", "What we found") or has two of them. One
    later in a name is a name's own word: "An" in Dương Văn An, "I" in Louis I."""
    words = name.lower().split()
    hits = [w in _FUNCTION_WORDS for w in words]
    return bool(words) and (hits[0] or sum(hits) >= 2)


def split_speakers(texts: list[str]) -> list[tuple[str | None, str]]:
    """(speaker or None, text without the prefix) for each cue text of one file."""
    splits: list[tuple[str, str] | None] = []
    for t in texts:
        m = _PREFIX.match(t)
        splits.append(
            (m.group(1).strip(), m.group(2).strip()) if m and _name_like(m.group(1)) else None
        )
    labelled = sum(1 for s in splits if s is not None)
    counts = Counter(s[0] for s in splits if s is not None)
    mostly_labelled = labelled >= _LABELLED_SHARE * len(texts)
    out: list[tuple[str | None, str]] = []
    for t, s in zip(texts, splits, strict=True):
        if s is None:
            out.append((None, t))
        elif counts[s[0]] >= _UNLABELLED_MIN_REPEATS or (
            mostly_labelled and (counts[s[0]] >= 2 or not _sentence_like(s[0]))
        ):
            out.append(s)
        else:
            out.append((None, t))
    return out


def is_generic_name(speaker: str | None) -> bool:
    """A display name that need not identify one person: a device, "Zoom user", a dial-in number."""
    if not speaker:
        return False
    return bool(_GENERIC.search(speaker)) or sum(ch.isdigit() for ch in speaker) >= 5
