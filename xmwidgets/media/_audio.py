"""Audio: a playable file for the browser plus ~200 waveform peaks and the duration.

Files in formats every browser plays (WAV, Ogg, FLAC, MP3) are sent as they are; arrays and other
formats are encoded to 16-bit WAV (Ogg Vorbis when the WAV would be too large). Peaks are read in
blocks, so a long file never sits in memory as float samples.
"""

from __future__ import annotations

import io
import math
import numbers
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from ._sources import (
    looks_like,
    mb,
    plain_kind_error,
    read_all,
    read_head,
    short_name,
    size_of,
    sniff_format,
    to_source,
)
from ._types import ContentError, Rendered, non_finite

__all__ = ["MAX_AUDIO_BYTES", "WAVEFORM_BINS", "render_audio", "waveform_peaks"]

MAX_AUDIO_BYTES = 20_000_000
WAVEFORM_BINS = 200
_NATIVE_MIME = {"wav": "audio/wav", "ogg": "audio/ogg", "flac": "audio/flac", "mp3": "audio/mpeg"}
# WAV codings that browsers decode; others (mu-law, ADPCM, ...) are re-encoded
_PLAYABLE_WAV = {"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT"}
_BLOCK_FRAMES = 1 << 18


def render_audio(value: Any, *, column: str, base_dir: Any) -> Rendered:
    """Render one audio cell. Raises ContentError with the reason when it cannot be shown."""
    arrays = _array_and_rate(value)
    if arrays is not None:
        return _from_samples(*arrays, column, "audio array")
    source, label = to_source(value, base_dir)
    wrong = plain_kind_error(source, label, "audio")
    if wrong:
        raise wrong
    fmt = sniff_format(read_head(source))
    size = size_of(source)
    if fmt in _NATIVE_MIME:
        if size > MAX_AUDIO_BYTES:
            raise ContentError(
                f"audio too large to send ({mb(size)}, limit {mb(MAX_AUDIO_BYTES)}): "
                f"trim or re-encode it ({label})"
            )
        frames = -1
        broken: ContentError | None = None
        try:
            with sf.SoundFile(_readable(source)) as fh:
                frames = fh.frames
                playable = frames > 0 and (fmt != "wav" or fh.subtype in _PLAYABLE_WAV)
                if playable:
                    duration = frames / fh.samplerate
                    peaks, broken = _peaks_from_file(fh, f"audio file {short_name(source, label)}")
                    extra = {"sample_rate": fh.samplerate, "channels": fh.channels}
        except Exception:
            playable = False  # e.g. an MP3 variant libsndfile does not read: decode below
        if frames == 0:
            raise ContentError(f"audio has no samples (0 frames): nothing to play ({label})")
        if broken:
            raise broken
        if playable:
            return _rendered(read_all(source), _NATIVE_MIME[fmt], duration, peaks, column, extra)
    samples, sample_rate = _decode(source, label)
    return _from_samples(samples, sample_rate, column, f"audio file {short_name(source, label)}")


def waveform_peaks(samples: np.ndarray, bins: int = WAVEFORM_BINS) -> np.ndarray:
    """Max-abs peaks of ``samples`` (frames × channels) in at most ``bins`` equal chunks, float32.

    Not normalized; :func:`render_audio` divides by the loudest peak so the tile is filled.
    """
    samples = samples.reshape(len(samples), -1)
    if len(samples) == 0:
        return np.zeros(0, dtype=np.float32)
    return _chunk_peaks(samples, max(1, math.ceil(len(samples) / bins)))


def _chunk_peaks(block: np.ndarray, hop: int) -> np.ndarray:
    """Max-abs per chunk of ``hop`` frames (all channels), NaN read as silence."""
    frames, channels = block.shape
    pad = (-frames) % hop
    if pad:
        block = np.concatenate([block, np.zeros((pad, channels), dtype=block.dtype)])
    # one row per chunk, frames and channels together: a reduction along contiguous memory is
    # ~10x faster than max(axis=1) over a 2-wide channel axis
    rows = np.ascontiguousarray(block).reshape(-1, hop * channels)
    peaks = np.maximum(rows.max(axis=1), -rows.min(axis=1)).astype(np.float32)
    return np.nan_to_num(peaks, nan=0.0, posinf=1.0)


def _peaks_from_file(
    fh: sf.SoundFile, what: str, bins: int = WAVEFORM_BINS
) -> tuple[np.ndarray, ContentError | None]:
    """The waveform of an open file, read block by block, and the error when a float file holds
    NaN or infinity (it would play as silence, as such an array would).

    Only a float file's blocks are kept, to check them whole: it is uncompressed, so at most
    ``MAX_AUDIO_BYTES`` of samples; a compressed file (FLAC, Ogg) decodes to many times its size
    and is never held whole.
    """
    hop = max(1, math.ceil(fh.frames / bins))
    blocksize = hop * max(1, _BLOCK_FRAMES // hop)  # whole chunks per block: chunks never straddle
    floats = fh.subtype in ("FLOAT", "DOUBLE")
    kept: list[np.ndarray] = []
    peaks = []
    for block in fh.blocks(blocksize=blocksize, dtype="float32", always_2d=True):
        if floats:
            kept.append(block)
        peaks.append(_chunk_peaks(block, hop))
    broken = _non_finite_samples(np.concatenate(kept), what) if kept else None
    return (np.concatenate(peaks) if peaks else np.zeros(0, dtype=np.float32)), broken


def _non_finite_samples(samples: np.ndarray, what: str) -> ContentError | None:
    # NaN would be played as silence: a broken clip behind a tile that looks fine
    at = "sample {0}" if samples.shape[1] == 1 else "sample {0}, channel {1}"
    fix = (
        "fix what made them, or replace them, e.g. np.nan_to_num(array)"
        if what == "audio array"
        else "export the clip again from its source"
    )
    return non_finite(samples, what, at, "play as silence", fix=fix)


def _rendered(
    data: bytes, mime: str, duration: float, peaks: np.ndarray, column: str, extra: dict[str, Any]
) -> Rendered:
    loudest = float(peaks.max()) if len(peaks) else 0.0
    normalized = (peaks / loudest if loudest > 0 else peaks).astype(np.float32)
    part = {
        "column": column,
        "kind": "audio",
        "mime": mime,
        "data": 0,
        "duration": round(float(duration), 3),
        "waveform": 1,
        "peak": round(min(loudest, 1.0), 4),  # loudness of the clip, since the waveform is scaled
        **extra,
    }
    return Rendered(part, [data, normalized.tobytes()])


def _from_samples(samples: np.ndarray, sample_rate: int, column: str, what: str) -> Rendered:
    broken = _non_finite_samples(samples, what)
    if broken:
        raise broken
    clipped = np.clip(samples, -1.0, 1.0)  # libsndfile wraps, not clips, on overflow
    data, mime = _encode(clipped, sample_rate)
    extra = {"sample_rate": sample_rate, "channels": int(samples.shape[1])}
    return _rendered(data, mime, len(samples) / sample_rate, waveform_peaks(samples), column, extra)


def _encode(samples: np.ndarray, sample_rate: int) -> tuple[bytes, str]:
    wav_bytes = samples.size * 2 + 44
    if wav_bytes <= MAX_AUDIO_BYTES:
        buf = io.BytesIO()
        sf.write(buf, samples, sample_rate, format="WAV", subtype="PCM_16")
        return buf.getvalue(), "audio/wav"
    buf = io.BytesIO()
    sf.write(buf, samples, sample_rate, format="OGG", subtype="VORBIS")
    if buf.tell() > MAX_AUDIO_BYTES:
        seconds = len(samples) / sample_rate
        raise ContentError(
            f"audio too long to send ({seconds:.0f} s is {mb(buf.tell())} even as Ogg Vorbis, "
            f"limit {mb(MAX_AUDIO_BYTES)}): trim it"
        )
    return buf.getvalue(), "audio/ogg"


def _array_and_rate(value: Any) -> tuple[np.ndarray, int] | None:
    """``(frames × channels float32, sample rate)`` for array-style cells, None for files/bytes."""
    if isinstance(value, dict) and "array" in value:
        rate = value.get("sampling_rate", value.get("sample_rate"))
        return _as_samples(value["array"]), _as_rate(rate)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        first, second = value
        if _is_number(second) and not _is_number(first):
            return _as_samples(first), _as_rate(second)
        if _is_number(first) and not _is_number(second):  # scipy.io.wavfile / Gradio order
            return _as_samples(second), _as_rate(first)
        raise ContentError("an audio tuple must be (array, sample_rate)")
    if hasattr(value, "get_all_samples"):  # torchcodec AudioDecoder (Hugging Face datasets 4)
        decoded = value.get_all_samples()
        return _as_samples(np.asarray(decoded.data)), _as_rate(decoded.sample_rate)
    if isinstance(value, np.ndarray):
        raise ContentError(
            "an audio array needs its sample rate: give (array, sample_rate) or "
            "{'array': array, 'sampling_rate': sample_rate}"
        )
    return None


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


# the highest rate audio hardware and browsers play (10**12 was an OverflowError on the tile)
MAX_SAMPLE_RATE = 768_000


def _as_rate(rate: Any) -> int:
    if not _is_number(rate) or not rate > 0 or rate != int(rate):
        raise ContentError(f"sample rate must be a positive whole number of Hz, got {rate!r}")
    if rate > MAX_SAMPLE_RATE:
        raise ContentError(
            f"sample rate {int(rate):,} Hz is higher than any audio plays at (at most "
            f"{MAX_SAMPLE_RATE:,} Hz): is it the number of samples?"
        )
    return int(rate)


def _as_samples(array: Any) -> np.ndarray:
    arr = np.asarray(array)
    if arr.ndim == 1:
        arr = arr[:, None]
    elif arr.ndim == 2 and arr.shape[0] <= 8 and arr.shape[0] < arr.shape[1]:
        arr = arr.T  # channels first (librosa, torchaudio, Hugging Face) -> frames first
    elif arr.ndim != 2:
        raise ContentError(
            f"cannot play an array of shape {arr.shape}: use (frames,) or (frames, channels)"
        )
    if arr.shape[0] == 0:
        raise ContentError("audio has no samples (an empty array): nothing to play")
    if arr.dtype.kind == "f":
        return arr.astype(np.float32, copy=False)
    if arr.dtype.kind == "i":
        return (arr / float(2 ** (8 * arr.dtype.itemsize - 1))).astype(np.float32)
    if arr.dtype == np.uint8:
        return ((arr.astype(np.float32) - 128) / 128).astype(np.float32)
    raise ContentError(f"cannot play an array of dtype {arr.dtype}: use float in -1..1 or int16")


def _readable(source: Path | bytes) -> Any:
    return io.BytesIO(source) if isinstance(source, bytes) else str(source)


class _NoAudioTrack(ValueError):
    """A container PyAV opens that holds no sound (a silent video)."""


def _decode(source: Path | bytes, label: str) -> tuple[np.ndarray, int]:
    """Decode any audio to float samples: soundfile, then PyAV, then librosa (audioread).

    When all fail, the reason is one short line for the tile; what each decoder said is its
    detail.
    """
    reasons = []
    silent = False
    try:
        data, rate = sf.read(_readable(source), dtype="float32", always_2d=True)
    except Exception as exc:
        reasons.append(f"soundfile: {exc}")
    else:
        if len(data) == 0:
            raise ContentError(f"audio has no samples (0 frames): nothing to play ({label})")
        return data, int(rate)
    try:
        return _decode_av(source)
    except _NoAudioTrack as exc:
        silent = True
        reasons.append(f"PyAV: {exc}")
    except Exception as exc:
        reasons.append(f"PyAV: {exc}")
    if isinstance(source, Path) and not silent:
        try:
            decoded = _decode_librosa(source)
        except Exception as exc:
            reasons.append(f"librosa: {type(exc).__name__}")
        else:
            if decoded is not None:
                return decoded
    detail = f"{label}: " + "; ".join(r.splitlines()[0][:200] for r in reasons)
    looks = looks_like(read_head(source, 256))
    name = short_name(source, label)
    what = looks[0] if looks else "a file of unknown format"
    if silent:
        raise ContentError(
            f"{name}: no audio track ({what} with no sound): give a file with sound, or use "
            "the kind 'video' for it",
            detail,
        )
    if looks is None:
        raise ContentError(
            f"{name}: not a format the audio decoders here read: convert it to WAV, FLAC, Ogg "
            "or MP3",
            detail,
        )
    raise ContentError(
        f"{name}: {what} that does not decode (truncated or corrupt?): export it again, or "
        "convert it to WAV, FLAC, Ogg or MP3",
        detail,
    )


def _decode_librosa(source: Path) -> tuple[np.ndarray, int] | None:
    """librosa through audioread's system decoders (FFmpeg's CLI, GStreamer, Core Audio, MAD);
    None when there are none here.

    Not through audioread's raw backend: it reads WAV, AIFF and AU with the standard library,
    which reads less than libsndfile (tried before), and on a truncated header it leaves its file
    open (``wave`` raises EOFError, which it does not catch): one open file per broken tile.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # audioread's deprecation notices (aifc, audioop, ...)
        import audioread
        import librosa
        from audioread.rawread import RawAudioFile

        backends = [b for b in audioread.available_backends() if b is not RawAudioFile]
        if not backends:
            return None
        reader = audioread.audio_open(str(source), backends=backends)
        # librosa closes an audioread reader it is given (``with reader``)
        data, rate = librosa.load(reader, sr=None, mono=False)
    return _as_samples(data), int(rate)


def _decode_av(source: Path | bytes) -> tuple[np.ndarray, int]:
    import av

    container: Any = av.open(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    with container:
        if not container.streams.audio:
            if not container.streams.video:  # an MP4 cut short: not a silent video
                raise ValueError("no audio or video stream")
            raise _NoAudioTrack("no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout=stream.layout.name, rate=stream.rate)
        chunks: list[np.ndarray] = []
        for frame in container.decode(stream):
            chunks.extend(f.to_ndarray() for f in resampler.resample(frame))
        chunks.extend(f.to_ndarray() for f in resampler.resample(None))
        if not chunks:
            raise ValueError("no audio frames")
        return np.concatenate(chunks, axis=1).T.astype(np.float32), int(stream.rate)
