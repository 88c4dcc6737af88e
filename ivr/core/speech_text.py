"""Folding and matching of what callers say or type, shared by the engine and the flow checks.

"Sí.", "SI" and "si" all fold to "si"; a phrase matches when its words appear in order, as whole words,
inside the utterance ("sí, soy el padre" matches "si").
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare).strip()


def find_phrase(utterance_words: list[str], phrase: str) -> int | None:
    """The word position where ``phrase`` starts inside the utterance, or None."""
    words = fold(phrase).split()
    if not words:
        return None
    width = len(words)
    for start in range(len(utterance_words) - width + 1):
        if utterance_words[start : start + width] == words:
            return start
    return None
