"""Synthesising the demo sounds with numpy: tones, chirps, clicks, noise bursts, device recordings.

All signals are mono at 16 kHz, faded in and out (no clicks at the edges) and written as 16-bit WAV.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SAMPLE_RATE", "device_recording", "sound", "write_wav"]

SAMPLE_RATE = 16_000
_PITCH_HZ = {"low": 220.0, "middle": 440.0, "high": 880.0}  # A3, A4, A5
_CLICK_RATE = {"slow": 4.0, "fast": 14.0}  # clicks per second
_LENGTH_S = {"short": (1.0, 1.4), "long": (2.4, 3.0)}


def _fade(signal: Any, seconds: float = 0.02) -> Any:
    import numpy as np

    n = min(int(seconds * SAMPLE_RATE), len(signal) // 2)
    ramp = np.linspace(0.0, 1.0, n)
    signal[:n] *= ramp
    signal[len(signal) - n :] *= ramp[::-1]
    return signal


def _tone(freq: float, t: Any) -> Any:
    import numpy as np

    # a few harmonics make it sound like an instrument rather than a test signal
    return sum(np.sin(2 * np.pi * freq * k * t) / k**1.5 for k in (1, 2, 3))


def _chirp(rising: bool, t: Any, duration: float) -> Any:
    import numpy as np

    f0, f1 = (300.0, 2400.0) if rising else (2400.0, 300.0)
    # exponential sweep: the phase is the integral of f0 * (f1/f0)^(t/T)
    k = np.log(f1 / f0) / duration
    return np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)


def _clicks(rate: float, t: Any, rng: Any) -> Any:
    import numpy as np

    out = np.zeros_like(t)
    burst = rng.standard_normal(int(0.004 * SAMPLE_RATE)) * np.exp(-np.arange(64) / 10.0)
    for start in np.arange(0.05, t[-1] - 0.01, 1.0 / rate):
        i = int(start * SAMPLE_RATE)
        out[i : i + len(burst)] += burst[: len(out) - i]
    return out


def _noise(pink: bool, n: int, rng: Any) -> Any:
    import numpy as np

    white = rng.standard_normal(n)
    if not pink:
        return white
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    spectrum[1:] /= np.sqrt(freqs[1:])  # 1/f power
    spectrum[0] = 0
    return np.fft.irfft(spectrum, n)


def sound(attrs: dict[str, Any], rng: Any) -> Any:
    """The float32 samples of an audio item with attributes ``sound``, ``variant``, ``length``."""
    import numpy as np

    low, high = _LENGTH_S[attrs["length"]]
    duration = round(rng.uniform(low, high), 2)
    t = np.arange(int(duration * SAMPLE_RATE)) / SAMPLE_RATE
    kind, variant = attrs["sound"], attrs["variant"]
    if kind == "tone":
        signal = _tone(_PITCH_HZ[variant] * rng.uniform(0.98, 1.02), t)
    elif kind == "chirp":
        signal = _chirp(variant == "rising", t, duration)
    elif kind == "clicks":
        signal = _clicks(_CLICK_RATE[variant] * rng.uniform(0.9, 1.1), t, rng)
    elif kind == "noise":
        signal = _noise(variant == "pink", len(t), rng)
    else:
        raise ValueError(f"unknown sound {kind!r}: use tone, chirp, clicks or noise")
    return _normalise(_fade(signal), rng)


def _normalise(signal: Any, rng: Any) -> Any:
    import numpy as np

    peak = float(np.max(np.abs(signal))) or 1.0
    return (signal / peak * rng.uniform(0.5, 0.85)).astype(np.float32)


def _voice(t: Any, rng: Any) -> Any:
    """A voice-like babble: a gliding harmonic buzz shaped into syllables and two vowel formants."""
    import numpy as np

    f0 = rng.uniform(110, 190) * (1 + 0.08 * np.sin(2 * np.pi * 1.3 * t))
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    formants = (rng.uniform(500, 800), rng.uniform(1100, 1600))
    buzz = sum(
        np.sin(k * phase) * sum(np.exp(-(((k * f0 - f) / 150.0) ** 2)) for f in formants) / k**0.5
        for k in range(1, 16)
    )
    syllables = np.clip(np.sin(2 * np.pi * rng.uniform(3.5, 5.0) * t), 0, None) ** 0.7
    return buzz * syllables


def device_recording(device_sound: str, rng: Any) -> Any:
    """A 2 s ticket recording: a customer's voice-like message, then the sound the device makes."""
    import numpy as np

    t_voice = np.arange(int(0.8 * SAMPLE_RATE)) / SAMPLE_RATE
    voice = _voice(t_voice, rng)
    voice /= np.max(np.abs(voice)) or 1.0
    t = np.arange(int(1.2 * SAMPLE_RATE)) / SAMPLE_RATE
    if device_sound in ("high beep", "low beep"):
        freq = 1200.0 if device_sound == "high beep" else 350.0
        gate = (np.floor(t / 0.15) % 2 == 0).astype(float)  # 0.15 s on, 0.15 s off
        device = np.sin(2 * np.pi * freq * t) * gate
    elif device_sound == "clicking":
        device = _clicks(10.0, t, rng)
    else:
        device = _noise(False, len(t), rng) * 0.5
    device /= np.max(np.abs(device)) or 1.0
    return _normalise(_fade(np.concatenate([0.8 * _fade(voice), device])), rng)


def write_wav(path: Any, samples: Any) -> None:
    """Write mono float samples as a 16-bit PCM WAV file."""
    import soundfile

    soundfile.write(str(path), samples, SAMPLE_RATE, subtype="PCM_16", format="WAV")
