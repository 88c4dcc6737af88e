"""The streaming receiver: round trips, line impairments, framing, silence, and muting our own echo."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.media.tty.baudot import BAUD, MARK_HZ, SPACE_HZ, TTY_CHARACTERS, encode, modulate, to_codes, tty_text
from ivr.media.tty.demodulator import BaudotDecoder, TtyModem, decode
from ivr.media.tty.shifts import choose
from ivr.media.tty.ulaw import ulaw_decode, ulaw_encode
from tests.tty.peers import edit_distance

MENU = "PRESS 1 OR TYPE YES. PRESS 2 OR TYPE NO. PRESS 7 OR TYPE NONE"
MIXED = 'CALL 555-0134 (EXT. 12) BY 5:30, OR WRITE "HELP"? $20 = 2/3 + 1; OK!\r\n'


def feed_in_chunks(decoder: BaudotDecoder, audio: npt.ArrayLike, sizes: list[int]) -> str:
    samples = np.asarray(audio)
    out, pos, i = [], 0, 0
    while pos < len(samples):
        size = sizes[i % len(sizes)]
        out.append(decoder.feed(samples[pos : pos + size]))
        pos, i = pos + size, i + 1
    return "".join(out) + decoder.flush()


def with_noise(audio: npt.NDArray[np.int16], snr_db: float, seed: int) -> npt.NDArray[np.int16]:
    """Add white Gaussian noise at `snr_db` below the signal's average power, with a second of noise on each side."""
    signal = np.concatenate([np.zeros(8000), audio, np.zeros(8000)])
    power = np.mean(audio.astype(np.float64) ** 2)
    noise = np.random.default_rng(seed).normal(0, np.sqrt(power / 10 ** (snr_db / 10)), signal.size)
    return np.clip(np.round(signal + noise), -32768, 32767).astype(np.int16)


def test_round_trip_in_20_ms_frames() -> None:
    decoder = BaudotDecoder()
    assert feed_in_chunks(decoder, encode(MIXED), [160]) == MIXED


def test_characters_come_out_as_they_complete() -> None:
    audio = encode("AB")
    decoder = BaudotDecoder()
    outputs = [decoder.feed(audio[i : i + 160]) for i in range(0, len(audio), 160)]
    assert "".join(outputs) == "AB"
    first_a = next(i for i, out in enumerate(outputs) if out)
    assert outputs[first_a] == "A"  # the A arrives a character before the B
    assert outputs.index("B") - first_a >= 6


@settings(max_examples=40, deadline=None)
@given(
    text=st.text(st.sampled_from(sorted(TTY_CHARACTERS)) | st.characters(), max_size=24),
    sizes=st.lists(st.integers(1, 3000), min_size=1, max_size=5),
    mulaw=st.booleans(),
    stop_bits=st.sampled_from([1.0, 1.5, 2.0]),
)
def test_any_text_round_trips_as_a_tty_shows_it(
    text: str, sizes: list[int], mulaw: bool, stop_bits: float
) -> None:
    audio = encode(text, stop_bits=stop_bits)
    if mulaw:
        audio = ulaw_decode(ulaw_encode(audio))
    assert feed_in_chunks(BaudotDecoder(), audio, sizes) == tty_text(text)


@pytest.mark.parametrize("stop_bits", [1.0, 1.5, 2.0])
def test_stop_bits(stop_bits: float) -> None:
    assert decode(encode(MIXED, stop_bits=stop_bits)) == MIXED


@pytest.mark.parametrize("seed", range(4))
def test_noise(seed: int) -> None:
    audio = ulaw_decode(ulaw_encode(with_noise(encode(MENU), snr_db=3, seed=seed)))
    assert feed_in_chunks(BaudotDecoder(), audio, [160]) == MENU


@pytest.mark.parametrize("scale", [0.95, 1.05])
def test_frequency_error(scale: float) -> None:
    audio = modulate(to_codes(MIXED), mark_hz=MARK_HZ * scale, space_hz=SPACE_HZ * scale, stop_bits=1.5)
    assert decode(with_noise(audio, snr_db=10, seed=1)) == MIXED


def test_tones_off_in_opposite_directions() -> None:
    audio = modulate(to_codes(MIXED), mark_hz=MARK_HZ * 1.05, space_hz=SPACE_HZ * 0.95)
    assert decode(audio) == MIXED


@pytest.mark.parametrize("scale", [0.95, 1.05])
@pytest.mark.parametrize("stop_bits", [1.0, 2.0])
def test_speed_error(scale: float, stop_bits: float) -> None:
    audio = modulate(to_codes(MIXED), baud=BAUD * scale, stop_bits=stop_bits)
    assert decode(with_noise(audio, snr_db=10, seed=2)) == MIXED


def test_other_sample_rates() -> None:
    assert decode(encode(MIXED, 16000), 16000) == MIXED


def test_quiet_and_loud_signals() -> None:
    audio = encode(MENU).astype(np.float64)
    assert decode(np.round(audio * 0.02)) == MENU  # about -46 dBFS
    assert decode(np.clip(audio * 8, -32768, 32767)) == MENU  # clipped square-ish waves


def test_below_the_minimum_level_is_silence() -> None:
    audio = np.round(encode(MENU).astype(np.float64) * 0.005)  # about -58 dBFS
    assert decode(audio) == ""
    assert BaudotDecoder(min_level_dbfs=-70).feed(audio) != ""


def test_silence_and_noise_give_nothing() -> None:
    decoder = BaudotDecoder()
    assert feed_in_chunks(decoder, np.zeros(80000, np.int16), [160]) == ""
    rng = np.random.default_rng(7)
    for level in (30, 3000, 20000):
        noise = np.clip(rng.normal(0, level, 8000 * 20), -32768, 32767)
        assert decode(noise) == ""
    # Telephone-band noise puts more of its power near the tones.
    spectrum = np.fft.rfft(rng.normal(0, 1, 8000 * 20))
    hz = np.fft.rfftfreq(8000 * 20, 1 / 8000)
    spectrum[(hz < 300) | (hz > 3400)] = 0
    band_noise = np.fft.irfft(spectrum)
    assert decode(band_noise / band_noise.std() * 3000) == ""


def test_a_burst_cut_short_loses_only_the_cut_character() -> None:
    audio = encode("HELLO")
    cut = audio[: len(audio) - 1100]  # ends inside the O's data bits
    assert decode(cut) == "HELL"


def test_mute_drops_our_own_transmission() -> None:
    ours, theirs = encode("PLEASE HOLD"), encode("HI")
    echo = np.concatenate([np.zeros(400), (ours * 0.5).astype(np.int16), np.zeros(3000), theirs])
    assert decode(echo) == "PLEASE HOLDHI"  # an unmuted receiver hears the echo
    decoder = BaudotDecoder()
    decoder.mute(400 + len(ours) + 2400)  # our audio plus a 300 ms guard
    assert feed_in_chunks(decoder, echo, [160]) == "HI"


def test_mute_until_is_exact_to_the_character() -> None:
    audio = encode("AB")
    decoder = BaudotDecoder()
    frame = 8000 / BAUD * 8  # one character with two stop bits
    first_start = 0.150 * 8000 + frame  # the LTRS shift comes first
    decoder.mute_until(round(first_start + 20))  # just after the A's start bit began
    assert decoder.feed(audio) + decoder.flush() == "B"


def test_duplex_modem_ignores_its_echo_and_hears_the_caller() -> None:
    modem = TtyModem()
    prompt = modem.send("ENTER YOUR CASE NUMBER")
    assert tty_text("enter your case number") == "ENTER YOUR CASE NUMBER"
    echo = (prompt * 0.3).astype(np.int16)
    line = np.concatenate([np.zeros(800, np.int16), echo, np.zeros(2000, np.int16), encode("12345")])
    heard = "".join(modem.receive(line[i : i + 160]) for i in range(0, len(line), 160))
    heard += modem.receive(np.zeros(4000, np.int16))
    assert heard == "12345"


def test_duplex_modem_queues_sends_back_to_back() -> None:
    modem = TtyModem()
    first, second = modem.send("ONE"), modem.send("TWO")
    echo = np.concatenate([first, second, np.zeros(2000, np.int16)]).astype(np.float64) * 0.5
    assert modem.receive(echo) == ""
    assert modem.send("").size == 0
    assert modem.receive(encode("THREE")) + modem.receive(np.zeros(4000)) == "THREE"


def test_shift_state_and_unshift_on_space() -> None:
    # A sender that relies on the receiver falling back to letters after a space (no LTRS before "OR").
    codes = [0x1B, 0x17, 0x04, 0x18, 0x0A]  # FIGS 1 SPACE O R
    audio = modulate(codes)
    assert decode(audio) == "1 94"
    decoder = BaudotDecoder(unshift_on_space=True)
    assert decoder.feed(audio) + decoder.flush() == "1 OR"


def test_blank_code_prints_nothing() -> None:
    assert decode(modulate([0x1F, 0x03, 0x00, 0x19])) == "AB"


def test_bursts_rising_out_of_line_noise_start_cleanly() -> None:
    burst = encode(MENU + "\n").astype(np.float64)
    talk = np.concatenate([np.concatenate([burst, np.zeros(8000)]) for _ in range(6)])
    noisy = talk + np.random.default_rng(0).normal(0, 300, talk.size)  # -38 dBFS of hiss between bursts
    assert feed_in_chunks(BaudotDecoder(), np.round(noisy), [160]) == (MENU + "\r\n") * 6


def lost_frame_outcomes(text: str, offsets: tuple[int, ...]) -> list[tuple[str, str]]:
    """`text` sent once for every 20 ms frame of it, with that frame lost (zeroed) on the way: what the
    receiver printed, and the reading `choose` makes of its segments."""
    outcomes = []
    for offset in offsets:  # where the audio starts within a frame
        audio = np.concatenate([np.zeros(800 + offset, np.int16), encode(text), np.zeros(800, np.int16)])
        for start in range(800, audio.size, 160):
            damaged = audio.copy()
            damaged[start - start % 160 : start - start % 160 + 160] = 0
            decoder = BaudotDecoder()
            segments = [
                s for i in range(0, damaged.size, 160) for s in decoder.feed_segments(damaged[i : i + 160])
            ]
            segments += decoder.flush_segments()
            outcomes.append(("".join(s.text for s in segments), choose(segments)))
    return outcomes


def test_a_lost_frame_costs_at_most_the_character_it_falls_in() -> None:
    text = "PIN 1357 GA CALL 555-0134 AT 5:30 GA"
    outcomes = lost_frame_outcomes(text, (0, 80))
    exact = sum(printed == text for printed, _ in outcomes) / len(outcomes)
    worse = sum(edit_distance(chosen, text) > 1 for _, chosen in outcomes) / len(outcomes)
    assert len(outcomes) > 300
    assert exact >= 0.9  # measured: 96 %; before the receiver read through dropouts, 49 %
    assert worse <= 0.02  # measured: 0.3 % (a shift lost with its character); before, 15 %


def test_a_lost_frame_never_turns_ga_into_plus_minus() -> None:
    # The LTRS before GA may be the character lost: the reading still ends in GA.
    outcomes = lost_frame_outcomes("1000000002 GA", (0, 40, 120))
    assert not [chosen for _, chosen in outcomes if "+" in chosen]
    worse = [chosen for _, chosen in outcomes if edit_distance(chosen, "1000000002 GA") > 1]
    # Measured: one position in 444, where the lost packet's character is lost and the receiver then
    # frames the run of identical zeros one bit late ("777777771 GA"), an ambiguity of repeated characters.
    assert len(worse) <= len(outcomes) // 100
