"""The default jingle (composition and shipped render) and loading a show's music files."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio.jingle import compose_jingle, write_wav
from pipeline.audio.music import default_jingle, load_music
from pipeline.audio.pcm import from_float, samples
from pipeline.errors import ConfigError
from pipeline.ffmpeg import run_ffmpeg
from pipeline.standards import EPISODE_RATE

SR = EPISODE_RATE


def dbfs(x: np.ndarray) -> float:
    """Peak level of `x` in dB relative to full scale."""
    return 20.0 * np.log10(float(np.max(np.abs(x))))


def rms(x: np.ndarray) -> float:
    """Root-mean-square level of `x`."""
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


@pytest.fixture(scope="module")
def jingle() -> np.ndarray:
    # Rendering takes about a second: do it once for every test that only looks at it.
    return compose_jingle(SR)


def test_jingle_is_float32_mono_of_6_to_10_seconds(jingle: np.ndarray) -> None:
    assert jingle.dtype == np.float32
    assert jingle.ndim == 1
    assert 6.0 <= len(jingle) / SR <= 10.0


def test_jingle_peak_is_loud_enough_and_never_clips(jingle: np.ndarray) -> None:
    assert -12.0 < dbfs(jingle) <= -1.0


def test_jingle_tail_is_quieter_than_its_loudest_second_but_not_silent(
    jingle: np.ndarray,
) -> None:
    seconds = [jingle[i : i + SR] for i in range(0, len(jingle) - SR + 1, SR // 4)]
    loudest = max(rms(s) for s in seconds)
    tail = jingle[-3 * SR :]
    assert rms(tail) > 10 ** (-50 / 20)  # music you can hear, not dither
    assert rms(tail) < loudest / 2  # at least 6 dB calmer, so a voice can sit on top
    assert abs(float(jingle[-1])) < 1e-3  # it fades out rather than stopping on a cut


def test_jingle_is_deterministic(jingle: np.ndarray) -> None:
    assert np.array_equal(compose_jingle(SR), jingle)


def test_shipped_jingle_is_what_the_code_renders(jingle: np.ndarray) -> None:
    shipped = np.frombuffer(default_jingle().raw_data, dtype="<i2").astype(np.int32)
    rendered = np.frombuffer(from_float(jingle), dtype="<i2").astype(np.int32)
    assert shipped.shape == rendered.shape, (
        "re-render: python -m pipeline.audio.jingle pipeline/data/jingle.wav"
    )
    # One step of slack: FFT rounding may differ between numpy builds.
    assert int(np.max(np.abs(shipped - rendered))) <= 1


def test_default_loads_the_shipped_jingle(tmp_path: Path) -> None:
    music = load_music("default", tmp_path)
    assert music is not None
    # pydub from the PCM essaycast decoded: 16-bit mono at the episode's rate
    assert (music.sample_width, music.channels, music.frame_rate) == (2, 1, SR)
    assert 6.0 <= len(music) / 1000 <= 10.0
    assert rms(samples(music)) > 0.01


def test_none_means_no_music(tmp_path: Path) -> None:
    assert load_music("none", tmp_path) is None
    assert load_music("none", tmp_path, key="music.outro") is None


def test_jingle_entry_point_writes_a_16_bit_mono_wav(tmp_path: Path) -> None:
    out = tmp_path / "j.wav"
    write_wav(out, np.array([0.0, 0.5, -0.5, 1.0, -1.0], dtype=np.float32), SR)
    with wave.open(str(out), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SR)
        frames = np.frombuffer(wav.readframes(5), dtype="<i2")
    assert frames.tolist() == [0, 16384, -16384, 32767, -32767]


@pytest.fixture(scope="module")
def tone_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of a 440 Hz tone at 22.05 kHz, so loading must also resample."""
    rate = 22050
    t = np.arange(2 * rate) / rate
    path = tmp_path_factory.mktemp("src") / "tone.wav"
    write_wav(path, 0.5 * np.sin(2 * np.pi * 440.0 * t), rate)
    return path


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("theme.wav", ["-c:a", "pcm_s16le"]),
        ("theme.flac", ["-c:a", "flac"]),
        ("theme.mp3", ["-c:a", "libmp3lame", "-b:a", "128k"]),
        ("theme.ogg", ["-c:a", "libvorbis"]),
        ("theme.m4a", ["-c:a", "aac"]),
    ],
)
def test_show_music_file_is_decoded_to_mono_at_music_rate(
    tmp_path: Path, tone_wav: Path, name: str, codec: list[str]
) -> None:
    (tmp_path / "music").mkdir()
    # Stereo on purpose: the loader must fold it down to mono.
    run_ffmpeg(["-i", str(tone_wav), "-ac", "2", *codec, str(tmp_path / "music" / name)], name)
    loaded = load_music(f"music/{name}", tmp_path)
    assert loaded is not None and (loaded.channels, loaded.frame_rate) == (1, SR)
    music = samples(loaded)
    # Lossy codecs pad a little at the ends: allow a tenth of a second.
    assert abs(len(music) / SR - 2.0) < 0.1
    middle = music[SR // 2 : 3 * SR // 2]
    assert 0.3 < rms(middle) * np.sqrt(2) < 0.6  # the 0.5 sine survived
    spectrum = np.abs(np.fft.rfft(middle))
    assert abs(float(np.fft.rfftfreq(len(middle), 1 / SR)[np.argmax(spectrum)]) - 440.0) < 2.0


def test_missing_file_names_the_key_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_music("music/x.mp3", tmp_path)
    message = err.value.message
    assert "music.intro: music/x.mp3 not found in" in message
    assert str(tmp_path) in message
    assert 'intro = "default"' in message
    assert "\n" not in message
    assert err.value.exit_code == 2


def test_outro_errors_name_the_outro_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"music\.outro: end\.ogg not found.*outro = "):
        load_music("end.ogg", tmp_path, key="music.outro")


def test_a_directory_is_not_a_music_file(tmp_path: Path) -> None:
    (tmp_path / "music").mkdir()
    with pytest.raises(ConfigError, match="music.intro: music not found"):
        load_music("music", tmp_path)


@pytest.mark.parametrize("choice", ["../outside.mp3", "music/../../outside.mp3", "/etc/passwd"])
def test_paths_that_leave_the_show_are_refused(tmp_path: Path, choice: str) -> None:
    show = tmp_path / "show"
    show.mkdir()
    (tmp_path / "outside.mp3").write_bytes(b"")
    with pytest.raises(ConfigError, match=r"music\.intro: .* is outside the show folder"):
        load_music(choice, show)


def test_dot_dot_that_stays_inside_the_show_is_fine(tmp_path: Path, tone_wav: Path) -> None:
    (tmp_path / "music").mkdir()
    (tmp_path / "theme.wav").write_bytes(tone_wav.read_bytes())
    assert load_music("music/../theme.wav", tmp_path) is not None


def test_undecodable_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "intro.mp3").write_text("this is not audio\n")
    with pytest.raises(ConfigError) as err:
        load_music("intro.mp3", tmp_path)
    message = err.value.message
    assert message.startswith("podcast.toml: music.intro: intro.mp3 is not audio")
    assert "\n" not in message


def test_file_without_samples_is_a_config_error(tmp_path: Path) -> None:
    write_wav(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32), SR)
    with pytest.raises(ConfigError, match=r"music\.intro: empty\.wav contains no audio"):
        load_music("empty.wav", tmp_path)


def test_jingle_entry_point_wants_one_output_path(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.audio.jingle import main

    assert main([]) == 2
    assert "usage: python -m pipeline.audio.jingle OUT.wav" in capsys.readouterr().err
