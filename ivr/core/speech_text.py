"""Folding and matching of what callers say or type, shared by the engine and the flow checks.

"Sí.", "SI" and "si" all fold to "si"; a phrase matches when its words appear in order, as whole words,
inside the utterance ("sí, soy el padre" matches "si").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare).strip()


@dataclass(frozen=True, slots=True)
class FoldedPhrase:
    """A phrase of the flow (a command's or option's words, a language's name), folded once, when the flow
    is built (``Flow.phrase``), not on every answer compared with it (a spoken answer is compared with a
    few dozen). What callers say is folded as it comes and never kept: it is never a FoldedPhrase."""

    text: str  # folded: "si", "por favor"
    words: tuple[str, ...]  # its words: ("por", "favor")


def folded_phrase(phrase: str) -> FoldedPhrase:
    """A phrase of the flow as written, folded."""
    text = fold(phrase)
    return FoldedPhrase(text, tuple(text.split()))


def find_phrase(utterance_words: list[str], phrase: FoldedPhrase) -> int | None:
    """The word position where the flow's ``phrase`` starts inside the utterance, or None."""
    words = list(phrase.words)
    if not words:
        return None
    width = len(words)
    for start in range(len(utterance_words) - width + 1):
        if utterance_words[start : start + width] == words:
            return start
    return None
