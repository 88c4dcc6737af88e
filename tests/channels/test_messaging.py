"""Text messages as Twilio counts and answers them (ivr.twilio.messaging): encodings, segments, pages and
the keywords Twilio keeps for itself."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ivr.twilio.messaging import MAX_REPLY_CHARS, Keyword, encoded, keyword, pages, plain


def test_segments_follow_the_encoding() -> None:
    assert encoded("a" * 160) == encoded("a" * 160) and encoded("a" * 160).segments == 1
    assert (
        encoded("a" * 161).segments == 2
        and encoded("a" * 306).segments == 2
        and encoded("a" * 307).segments == 3
    )
    assert encoded("[x]").units == 5  # brackets are in GSM-7's extension table: two septets each
    assert encoded("año é ñ ¿¡").encoding == "GSM-7"  # Spanish letters GSM-7 has
    spanish = encoded("á" + "a" * 69)
    assert spanish.encoding == "UCS-2" and spanish.segments == 1
    assert encoded("á" + "a" * 70).segments == 2 and encoded("á" + "a" * 134).segments == 3


def test_typographic_punctuation_is_written_as_gsm_7() -> None:
    text = plain("We\u2019re \u201copen\u201d \u2013 8\u20265")  # curly quotes, an en dash, an ellipsis
    assert text == 'We\'re "open" - 8...5' and encoded(text).encoding == "GSM-7"


def test_keywords_are_the_word_alone_in_any_case() -> None:
    assert keyword(" Stop. ") is Keyword.OPT_OUT and keyword("optout") is Keyword.OPT_OUT
    assert keyword("REVOKE") is Keyword.OPT_OUT and keyword("alto") is Keyword.OPT_OUT
    assert keyword("yes") is Keyword.OPT_IN and keyword("Unstop") is Keyword.OPT_IN
    assert keyword("help!") is Keyword.HELP and keyword("Ayuda") is Keyword.HELP
    assert keyword("stop please") is None and keyword("yes I am") is None and keyword("1") is None


words = st.text(alphabet=st.sampled_from("abcdefgh .,"), min_size=1, max_size=40)


@given(st.lists(st.lists(words, min_size=1, max_size=20).map(" ".join), min_size=1, max_size=6))
def test_pages_hold_every_word_in_order_and_fit_a_phone(paragraphs: list[str]) -> None:
    hint = "Reply MORE for the rest."
    result = pages(paragraphs, hint)
    if not result:  # nothing but spaces
        assert not " ".join(paragraphs).split()
        return
    assert all(len(page) <= MAX_REPLY_CHARS for page in result)
    assert all(page.endswith(hint) for page in result[:-1]) and not result[-1].endswith(hint)
    told = " ".join(page.removesuffix(hint) for page in result).split()
    assert told == " ".join(paragraphs).split()


def test_a_word_longer_than_a_page_is_cut_rather_than_lost() -> None:
    result = pages(["x" * 700], "MORE")
    assert all(len(page) <= MAX_REPLY_CHARS for page in result) and "".join(result).count("x") == 700


def test_a_page_never_ends_inside_an_abbreviation() -> None:
    """ "P.O. Box" and "Mr. Smith" are not two sentences: a page breaks before or after them, not inside."""
    first = "Our offices are open Monday through Friday."
    address = "Write to Mr. Smith, Customer Connect, P.O. Box 1000, Sacramento."
    hint = "MORE"
    # room for the first sentence and "Write to Mr." or "... P.O." on a page, but not for the whole address
    limit = len(first) + len(" Write to Mr. Smith, Customer Connect, P.O.") + len(hint) + 2
    written = pages([f"{first} {address}"], hint, limit=limit)
    assert [page.removesuffix(f"\n\n{hint}") for page in written] == [first, address]
