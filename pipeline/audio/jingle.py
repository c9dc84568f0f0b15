"""The default intro jingle, composed and rendered by code (numpy only).

"Quiet Reels" theme: a 9-second phrase in D major at 96 BPM (one beat = 0.625 s).
Two bars of 4/4 walk the progression Dmaj7 – Bm7 – Gmaj7 – Asus4→A7, two beats per chord,
and land on a sustained D(add9) that rings for the last four seconds as a calm tail to
speak over. The melody is a warm FM electric piano with a faint bell overtone, a
quarter–eighth–eighth motif (A F# A | B A F# | G B D | D C# | D) that climbs to the
upper tonic through the leading tone, closed by a soft rolled D chord. Under it sits a
slow-attack pad of detuned additive saws that darkens as it holds, a round sine bass on
the chord roots, and gentle percussion (a soft kick on beats 1 and 3, a brushed snare on
2 and 4, quiet shaker eighths) that stops when the phrase resolves. Everything shares a
mono convolution reverb (decaying seeded noise, highs dying faster than lows), the mix is
peak-normalised to -3 dBFS and the tail fades to silence.

Re-render the shipped file with `python -m pipeline.audio.jingle pipeline/data/jingle.wav`.
"""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np

from ..standards import EPISODE_RATE
from .pcm import from_float

SEED = 1957  # any fixed number: noise (reverb, shaker, phases) must be the same every render
TEMPO_BPM = 96
BEAT_S = 60.0 / TEMPO_BPM
DURATION_S = 9.0
PEAK_DBFS = -3.0
TAIL_PAD_GAIN = 1.6
FADE_S = 2.5  # the last seconds fade to silence so the jingle never ends on a cut

# The score. One chord per line reads like music, so the formatter leaves it alone.
# fmt: off
# (start beat, length in beats, MIDI note, velocity)
MELODY: list[tuple[float, float, int, float]] = [
    (0.0, 1.0, 81, 1.00), (1.0, 0.5, 78, 0.75), (1.5, 0.5, 81, 0.85),  # Dmaj7: A F# A
    (2.0, 1.0, 83, 0.95), (3.0, 0.5, 81, 0.75), (3.5, 0.5, 78, 0.80),  # Bm7:   B A F#
    (4.0, 1.0, 79, 0.95), (5.0, 0.5, 83, 0.80), (5.5, 0.5, 86, 0.90),  # Gmaj7: G B D
    (6.0, 1.0, 86, 0.95), (7.0, 1.0, 85, 0.85),                          # A: 4-3 in the tune
    (8.0, 6.0, 86, 0.90),                                                # D: home, left to ring
]
# A soft rolled chord under the last note, so the resolution sounds full, not thin.
ROLL: list[tuple[float, float, int, float]] = [
    (7.94, 6.0, 74, 0.35), (7.97, 6.0, 78, 0.40), (8.0, 6.0, 81, 0.40),
]
# (start beat, length in beats, MIDI notes): close voicings so the pad moves by steps.
CHORDS: list[tuple[float, float, list[int]]] = [
    (0.0, 2.0, [54, 57, 61, 66]),  # Dmaj7  F#3 A3 C#4 F#4 (the bass has the root)
    (2.0, 2.0, [54, 57, 62, 66]),  # Bm7    F#3 A3 D4 F#4: only C# moves, up to D
    (4.0, 2.0, [55, 59, 62, 66]),  # Gmaj7  G3 B3 D4 F#4
    (6.0, 1.0, [57, 62, 64, 69]),  # Asus4  A3 D4 E4 A4
    (7.0, 1.0, [55, 61, 64, 69]),  # A7     G3 C#4 E4 A4
    (8.0, 8.0, [50, 57, 64, 66]),  # Dadd9  D3 A3 E4 F#4: the tail
]
BASS: list[tuple[float, float, int, float]] = [
    (0.0, 1.5, 38, 1.0), (1.5, 0.5, 38, 0.6),  # D2, with a push into the next chord
    (2.0, 1.5, 35, 1.0), (3.5, 0.5, 35, 0.6),  # B1
    (4.0, 1.5, 31, 1.0), (5.5, 0.5, 31, 0.6),  # G1
    (6.0, 2.0, 33, 1.0),                       # A1
    (8.0, 8.0, 38, 0.9),                       # D2
]
# fmt: on


def midi_hz(note: float) -> float:
    """Equal-tempered frequency of a MIDI note (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def _place(bus: np.ndarray, sound: np.ndarray, start_s: float, sr: int) -> None:
    """Add `sound` into `bus` at `start_s`, cutting whatever runs past the end."""
    i = int(round(start_s * sr))
    if i >= len(bus):
        return
    n = min(len(sound), len(bus) - i)
    bus[i : i + n] += sound[:n]


def _release(t: np.ndarray, off_s: float, release_s: float) -> np.ndarray:
    """1 until `off_s`, then a raised-cosine fall to 0 over `release_s` (no clicks)."""
    x = np.clip((t - off_s) / release_s, 0.0, 1.0)
    return 0.5 + 0.5 * np.cos(np.pi * x)


def _attack(t: np.ndarray, attack_s: float) -> np.ndarray:
    """A raised-cosine rise from 0 to 1 over `attack_s`."""
    x = np.clip(t / attack_s, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def electric_piano(freq: float, length_s: float, sr: int, velocity: float) -> np.ndarray:
    """A Rhodes-like FM tone: bright at the strike, mellowing as it rings."""
    release_s = 0.35
    t = np.arange(int((length_s + release_s) * sr)) / sr
    # The modulation index falls with time: harder strikes start brighter, as on a real tine.
    index = (0.6 + 1.6 * velocity) * np.exp(-t / 0.25) + 0.35
    body = np.sin(2 * np.pi * freq * t + index * np.sin(2 * np.pi * freq * t))
    # A faint inharmonic partial gives the bell shimmer; it dies well before the body.
    bell = 0.22 * np.sin(2 * np.pi * freq * 3.98 * t) * np.exp(-t / 0.18)
    tine = 0.12 * np.sin(2 * np.pi * freq * 2.0 * t) * np.exp(-t / 0.6)
    env = _attack(t, 0.004) * np.exp(-t / 1.1) * _release(t, length_s, release_s)
    return velocity * env * (body + bell + tine)


def pad(notes: list[int], length_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A soft chord of detuned additive saws whose top end closes as it holds."""
    release_s = 0.9
    t = np.arange(int((length_s + release_s) * sr)) / sr
    # Brightness drifts down so a held chord gets calmer (the tail sits under a voice).
    darkening = 0.35 + 0.25 * (1.0 - np.exp(-t / 1.5))
    decay = np.exp(-darkening)
    out = np.zeros_like(t)
    for note in notes:
        for cents in (-6.0, 5.0):  # two slightly detuned voices make the chorus
            f = midi_hz(note) * 2.0 ** (cents / 1200.0)
            # Harmonic n is the n-th power of one phasor, and its gain the (n-1)-th power of
            # one decay: products instead of a sin() and exp() per harmonic (10x faster).
            step = np.exp(2j * np.pi * f * t)
            partial = step.copy()
            gain = np.ones_like(t)
            for n in range(1, int(3500.0 / f) + 1):
                phase = rng.uniform(0.0, 2 * np.pi)
                out += gain / n * (partial.imag * np.cos(phase) + partial.real * np.sin(phase))
                partial *= step
                gain *= decay
    env = _attack(t, 0.35) * _release(t, length_s, release_s)
    return env * out / (2 * len(notes))


def bass(freq: float, length_s: float, sr: int, velocity: float) -> np.ndarray:
    """A round sine bass with a touch of second and third harmonic to be heard on small speakers."""
    release_s = 0.12
    t = np.arange(int((length_s + release_s) * sr)) / sr
    wave_ = (
        np.sin(2 * np.pi * freq * t)
        + 0.45 * np.sin(4 * np.pi * freq * t)
        + 0.12 * np.sin(6 * np.pi * freq * t)
    )
    env = _attack(t, 0.012) * np.exp(-t / 1.4) * _release(t, length_s, release_s)
    return velocity * env * wave_


def kick(sr: int) -> np.ndarray:
    """A soft, short kick: a sine falling from 110 to 48 Hz."""
    t = np.arange(int(0.35 * sr)) / sr
    freq = 48.0 + 62.0 * np.exp(-t / 0.03)
    phase = 2 * np.pi * np.cumsum(freq) / sr
    return _attack(t, 0.002) * np.exp(-t / 0.09) * np.sin(phase)


def _highpass(x: np.ndarray, times: int) -> np.ndarray:
    """First differences, `times` over: a cheap, steep-enough high-pass for noise."""
    for _ in range(times):
        x = np.diff(x, prepend=0.0)
    return x


def shaker(sr: int, rng: np.random.Generator) -> np.ndarray:
    """A brushed shaker hit: high-passed noise with a quick swell and decay."""
    t = np.arange(int(0.09 * sr)) / sr
    noise = _highpass(rng.standard_normal(len(t)), 2)
    return _attack(t, 0.008) * np.exp(-t / 0.025) * noise / 4.0


def brush(sr: int, rng: np.random.Generator) -> np.ndarray:
    """A brushed snare: mid-band noise with a slower decay than the shaker."""
    t = np.arange(int(0.3 * sr)) / sr
    noise = _highpass(rng.standard_normal(len(t)), 1)
    noise = np.convolve(noise, np.ones(4) / 4.0, mode="same")  # take the fizz off the top
    return _attack(t, 0.003) * np.exp(-t / 0.07) * noise / 1.5


def reverb_ir(sr: int, rng: np.random.Generator) -> np.ndarray:
    """A small-hall impulse response: decaying noise, highs fading faster than lows."""
    n = int(2.2 * sr)
    t = np.arange(n) / sr
    noise = rng.standard_normal(n)
    spectrum = np.fft.rfft(noise)
    freqs = np.fft.rfftfreq(n, 1.0 / sr)
    low = np.fft.irfft(spectrum * (freqs < 2500.0), n)
    high = noise - low
    ir = low * np.exp(-t / 0.32) + 0.5 * high * np.exp(-t / 0.12)
    ir *= _attack(t, 0.02)  # a short build-up stands in for pre-delay and early reflections
    return ir / np.sqrt(np.sum(ir**2))


def _convolve(x: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """Linear convolution by FFT, cut to the length of `x`."""
    size = 1 << int(np.ceil(np.log2(len(x) + len(ir) - 1)))
    y = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)
    return y[: len(x)]


def compose_jingle(sample_rate: int = EPISODE_RATE) -> np.ndarray:
    """Render the default intro jingle: mono float32, about 9 s, peak -3 dBFS."""
    sr = sample_rate
    rng = np.random.default_rng(SEED)
    total = int(round(DURATION_S * sr))
    keys, chords, low, drums = (np.zeros(total) for _ in range(4))

    for beat, beats, note, vel in MELODY + ROLL:
        _place(keys, electric_piano(midi_hz(note), beats * BEAT_S, sr, vel), beat * BEAT_S, sr)
    for beat, beats, notes in CHORDS:
        # Chords overlap by their release, so changes blend instead of stepping; the last
        # one is lifted so the tail stays a steady bed once the tune and bass have decayed.
        gain = TAIL_PAD_GAIN if beat >= 8.0 else 1.0
        _place(chords, gain * pad(notes, beats * BEAT_S, sr, rng), beat * BEAT_S, sr)
    for beat, beats, note, vel in BASS:
        _place(low, bass(midi_hz(note), beats * BEAT_S, sr, vel), beat * BEAT_S, sr)

    hit = kick(sr)
    for beat in (0.0, 2.0, 4.0, 6.0):
        _place(drums, hit, beat * BEAT_S, sr)
    _place(drums, 0.6 * hit, 8.0 * BEAT_S, sr)  # one softer kick marks the landing
    for beat in (1.0, 3.0, 5.0, 7.0):
        _place(drums, 0.55 * brush(sr, rng), beat * BEAT_S, sr)
    for i in range(16):
        accent = 1.0 if i % 2 else 0.55  # off-beats lean forward, as a shaker player would
        _place(drums, 0.35 * accent * shaker(sr, rng), i * 0.5 * BEAT_S, sr)

    dry = 0.42 * keys + 0.36 * chords + 0.20 * low + 0.40 * drums
    # Send mostly the melody and pad to the reverb; a wet bass or kick turns to mud.
    send = 0.42 * keys + 0.36 * chords + 0.04 * low + 0.18 * drums
    mix = dry + 0.45 * _convolve(send, reverb_ir(sr, rng))

    t = np.arange(total) / sr
    mix *= _release(t, DURATION_S - FADE_S, FADE_S)
    mix -= np.mean(mix)  # no DC offset to thump when the music is mixed and faded
    mix *= 10.0 ** (PEAK_DBFS / 20.0) / np.max(np.abs(mix))
    return mix.astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = EPISODE_RATE) -> None:
    """Write mono float samples as a 16-bit WAV file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(from_float(samples))


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.audio.jingle OUT.wav`: render the jingle to a 16-bit mono WAV."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m pipeline.audio.jingle OUT.wav", file=sys.stderr)
        return 2
    write_wav(Path(args[0]), compose_jingle())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
