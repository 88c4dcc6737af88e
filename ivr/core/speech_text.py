"""Folding and matching of what callers say or type, shared by the engine and the flow checks.

"Sí.", "SI" and "si" all fold to "si"; a phrase matches when its words appear in order, as whole words,
inside the utterance ("sí, soy el padre" matches "si").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare).strip()


# The flow's own phrases are folded once each, not on every answer that is compared with them (a spoken
# answer was compared with a few dozen). Only the flow's phrases: what callers say is folded as it comes.
FOLDED_PHRASES_KEPT = 4096


@lru_cache(maxsize=FOLDED_PHRASES_KEPT)
def fold_phrase(phrase: str) -> str:
    """``fold`` for a phrase of the flow (a command's or option's words), kept once folded."""
    return fold(phrase)


@lru_cache(maxsize=FOLDED_PHRASES_KEPT)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(fold(phrase).split())


def find_phrase(utterance_words: list[str], phrase: str) -> int | None:
    """The word position where the flow's ``phrase`` starts inside the utterance, or None."""
    words = list(_phrase_words(phrase))
    if not words:
        return None
    width = len(words)
    for start in range(len(utterance_words) - width + 1):
        if utterance_words[start : start + width] == words:
            return start
    return None
