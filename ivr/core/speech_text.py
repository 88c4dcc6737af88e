"""Folding and matching of what callers say or type, shared by the engine and the flow checks.

"Sí.", "SI" and "si" all fold to "si"; a phrase matches when its words appear in order, as whole words,
inside the utterance ("sí, soy el padre" matches "si").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare).strip()


# The flow's own phrases are folded once each, not on every answer that is compared with them (a spoken
# answer was compared with a few dozen). Only the flow's phrases: what callers say is folded as it comes,
# never kept.
FOLDED_PHRASES_KEPT = 4096


@dataclass(frozen=True, slots=True)
class FoldedPhrase:
    text: str  # folded: "si", "por favor"
    words: tuple[str, ...]  # its words: ("por", "favor")


@lru_cache(maxsize=FOLDED_PHRASES_KEPT)
def flow_phrase(phrase: str) -> FoldedPhrase:
    """A phrase of the flow (a command's or option's words, a language's name), folded once and kept."""
    folded = fold(phrase)
    return FoldedPhrase(folded, tuple(folded.split()))


def find_phrase(utterance_words: list[str], phrase: str) -> int | None:
    """The word position where the flow's ``phrase`` starts inside the utterance, or None."""
    words = list(flow_phrase(phrase).words)
    if not words:
        return None
    width = len(words)
    for start in range(len(utterance_words) - width + 1):
        if utterance_words[start : start + width] == words:
            return start
    return None
