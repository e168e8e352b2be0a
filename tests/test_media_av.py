"""Audio and video rendering of xmwidgets.media, on files made here with soundfile and PyAV."""

from __future__ import annotations

import gc
import io
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from xmwidgets.media import render_cell

RATE = 16_000


def _tone(seconds: float = 2.0, rate: int = RATE) -> np.ndarray:
    """Silent first half, a 440 Hz tone at amplitude 0.5 in the second: a visible envelope."""
    t = np.arange(int(seconds * rate)) / rate
    signal = 0.5 * np.sin(2 * np.pi * 440 * t)
    signal[: len(t) // 2] = 0
    return signal.astype(np.float32)


def _peaks(rendered) -> np.ndarray:
    return np.frombuffer(rendered.buffers[rendered.part["waveform"]], dtype=np.float32)


def _check_waveform(rendered) -> None:
    peaks = _peaks(rendered)
    assert 100 <= len(peaks) <= 200
    assert peaks.min() >= 0 and peaks.max() == pytest.approx(1.0)
    half = len(peaks) // 2
    assert peaks[: half - 2].max() < 0.01  # the silent half is flat
    assert peaks[half + 2 :].min() > 0.9  # the tone is at the (normalized) top


@pytest.mark.parametrize(
    ("fmt", "subtype", "ext", "mime"),
    [
        ("WAV", "PCM_16", "wav", "audio/wav"),
        ("FLAC", "PCM_16", "flac", "audio/flac"),
        ("OGG", "VORBIS", "ogg", "audio/ogg"),
        ("MP3", "MPEG_LAYER_III", "mp3", "audio/mpeg"),
    ],
)
def test_native_audio_files_are_sent_as_they_are(tmp_path: Path, fmt, subtype, ext, mime) -> None:
    path = tmp_path / f"tone.{ext}"
    sf.write(path, _tone(), RATE, format=fmt, subtype=subtype)
    rendered = render_cell(str(path), "audio", column="audio")
    part = rendered.part
    assert part["kind"] == "audio" and part["mime"] == mime and part["column"] == "audio"
    assert rendered.buffers[part["data"]] == path.read_bytes()
    assert part["duration"] == pytest.approx(2.0, abs=0.06)  # MP3 pads a frame
    assert part["peak"] == pytest.approx(0.5, abs=0.08)
    _check_waveform(rendered)
    # bytes in, same result
    assert render_cell(path.read_bytes(), "audio").part["mime"] == mime


def test_arrays_are_encoded_to_16_bit_wav() -> None:
    tone = _tone()
    for value in [(tone, RATE), {"array": tone, "sampling_rate": RATE, "path": None}, (RATE, tone)]:
        rendered = render_cell(value, "audio")
        assert rendered.part["mime"] == "audio/wav"
        assert rendered.part["duration"] == pytest.approx(2.0)
        decoded, rate = sf.read(io.BytesIO(rendered.buffers[0]), dtype="float32")
        info = sf.info(io.BytesIO(rendered.buffers[0]))
        assert rate == RATE and info.subtype == "PCM_16"
        np.testing.assert_allclose(decoded, tone, atol=1 / 16_000)
        _check_waveform(rendered)


def test_stereo_channels_first_and_int16() -> None:
    stereo = np.stack([_tone(), _tone()])  # (2, frames), as librosa and Hugging Face give it
    rendered = render_cell((stereo, RATE), "audio")
    assert rendered.part["channels"] == 2 and rendered.part["duration"] == pytest.approx(2.0)
    ints = (_tone() * 32767).astype(np.int16)
    assert render_cell((ints, RATE), "audio").part["peak"] == pytest.approx(0.5, abs=0.01)


def test_loud_arrays_are_clipped_not_wrapped() -> None:
    loud = np.full(RATE, 3.0, dtype=np.float32)
    decoded, _ = sf.read(io.BytesIO(render_cell((loud, RATE), "audio").buffers[0]))
    assert decoded.min() > 0.99  # wrapping would give negative samples


def test_non_browser_formats_are_transcoded(tmp_path: Path) -> None:
    ulaw = tmp_path / "phone.wav"
    sf.write(ulaw, _tone(), RATE, subtype="ULAW")
    rendered = render_cell(ulaw, "audio")
    assert sf.info(io.BytesIO(rendered.buffers[0])).subtype == "PCM_16"
    _check_waveform(rendered)
    aiff = tmp_path / "tone.aiff"
    sf.write(aiff, _tone(), RATE)
    assert render_cell(aiff, "audio").part["mime"] == "audio/wav"


def test_m4a_is_decoded_with_pyav(tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    path = tmp_path / "tone.m4a"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=RATE, layout="mono")
        tone = _tone()
        for start in range(0, len(tone), 1024):
            frame = av.AudioFrame.from_ndarray(
                tone[None, start : start + 1024], format="fltp", layout="mono"
            )
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    rendered = render_cell(path, "audio")
    assert rendered.part["mime"] == "audio/wav"
    assert rendered.part["duration"] == pytest.approx(2.0, abs=0.15)


def test_a_wav_without_samples_gives_an_error_tile_that_says_so(tmp_path: Path) -> None:
    buf = io.BytesIO()
    sf.write(buf, np.zeros((0, 1), dtype=np.float32), RATE, format="WAV", subtype="PCM_16")
    path = tmp_path / "silent.wav"
    path.write_bytes(buf.getvalue())
    for value in (path, str(path), buf.getvalue()):
        part = render_cell(value, "audio", column="audio").part
        assert part["kind"] == "error" and part["original_kind"] == "audio"
        # it used to read "cannot reshape array of size 0 ..." (a numpy error)
        assert part["error"].startswith("audio has no samples (0 frames)"), part["error"]


def test_broken_audio_gives_reasons(tmp_path: Path) -> None:
    garbage = tmp_path / "noise.wav"
    garbage.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    empty = tmp_path / "empty.flac"
    empty.write_bytes(b"")
    assert render_cell(tmp_path / "nope.wav", "audio").part["error"].startswith("file not found")
    assert (
        render_cell(empty, "audio").part["error"].startswith("empty.flac: an empty file (0 bytes)")
    )
    broken = render_cell(garbage, "audio").part
    assert broken["kind"] == "error" and broken["original_kind"] == "audio"
    assert broken["error"].startswith("noise.wav: a WAV audio file that does not decode"), broken
    assert "soundfile:" in broken["detail"], "what the decoders said is kept as the detail"
    assert "sample rate" in render_cell(_tone(), "audio").part["error"]
    assert "positive" in render_cell((_tone(), -5), "audio").part["error"]
    # was "cannot render this audio: OverflowError: integer 1000000000000 does not fit 'int'"
    assert (
        render_cell((_tone(), 10**12), "audio")
        .part["error"]
        .startswith(
            "sample rate 1,000,000,000,000 Hz is higher than any audio plays at (at most 768,000 Hz)"
        )
    )
    assert render_cell((_tone(), 768_000), "audio").part["kind"] == "audio"
    assert "audio has no samples" in render_cell((np.zeros(0), RATE), "audio").part["error"]


# --- video ------------------------------------------------------------------------------------


def _write_video(path: Path, codec: str, fmt: str | None = None, frames: int = 12) -> Path:
    """A moving yellow square on blue, 160×120 at 12 fps: one second."""
    av = pytest.importorskip("av")
    if codec not in av.codecs_available:
        pytest.skip(f"PyAV has no {codec} encoder here")
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=12)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(frames):
            rgb = np.zeros((120, 160, 3), np.uint8)
            rgb[:] = (20, 30, 120)
            rgb[40:80, 10 + 8 * i : 40 + 8 * i] = (255, 220, 0)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize(
    ("codec", "name", "mime"),
    [("libvpx", "vp8.webm", "video/webm"), ("libvpx-vp9", "vp9.webm", "video/webm"),
     ("libx264", "h264.mp4", "video/mp4")],
)  # fmt: skip
def test_video_poster_and_duration(tmp_path: Path, codec, name, mime) -> None:
    path = _write_video(tmp_path / name, codec)
    rendered = render_cell(path, "video", column="clip", max_px=80)
    part = rendered.part
    assert part["kind"] == "video" and part["mime"] == mime and part["column"] == "clip"
    assert rendered.buffers[part["data"]] == path.read_bytes()
    assert part["duration"] == pytest.approx(1.0, abs=0.1)
    poster = Image.open(io.BytesIO(rendered.buffers[part["poster"]]))
    assert poster.format == "JPEG" and poster.size == (80, 60) == (part["width"], part["height"])
    rgb = np.asarray(poster.convert("RGB")).astype(int)
    # first frame: the square is at x 10..40, y 40..80 of 160×120 -> x 5..20, y 20..40 at half size
    assert rgb[30, 12, 0] > 200 and rgb[30, 12, 2] < 80  # yellow
    assert rgb[30, 60, 2] > 90 and rgb[30, 60, 0] < 60  # blue where the square is not yet
    assert render_cell(path.read_bytes(), "video").part["mime"] == mime


def test_unplayable_and_broken_video(tmp_path: Path) -> None:
    avi = _write_video(tmp_path / "old.avi", "mpeg4")
    error = render_cell(avi, "video").part
    assert error["kind"] == "error" and error["original_kind"] == "video"
    assert "'mpeg4'" in error["error"] and "does not play in the browser" in error["error"]
    webm = _write_video(tmp_path / "ok.webm", "libvpx-vp9")
    cut = tmp_path / "cut.webm"
    cut.write_bytes(webm.read_bytes()[:60])
    assert render_cell(cut, "video").part["kind"] == "error"
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00" * 1000)
    assert (
        render_cell(garbage, "video")
        .part["error"]
        .startswith("garbage.mp4: not a video file (no format FFmpeg knows)")
    )
    sound = tmp_path / "sound.ogg"
    sf.write(sound, _tone(), RATE, format="OGG", subtype="VORBIS")
    assert "use the kind 'audio'" in render_cell(sound, "video").part["error"]
    assert render_cell(tmp_path / "nope.webm", "video").part["error"].startswith("file not found")


def _wrong_files(tmp_path: Path) -> dict[str, Path]:
    """Real files of the wrong kind, as a person puts them in an audio, image or video column."""
    Image.new("RGB", (64, 48), "red").save(tmp_path / "pic.png")
    (tmp_path / "notes.txt").write_text("hello, this is text\nline two\n")
    sf.write(tmp_path / "tone.wav", _tone(0.5), RATE)
    (tmp_path / "trunc.wav").write_bytes((tmp_path / "tone.wav").read_bytes()[:30])
    (tmp_path / "empty.wav").write_bytes(b"")
    _write_video(tmp_path / "silent.mp4", "libx264")
    return {path.name: path for path in tmp_path.iterdir()}


@pytest.mark.parametrize(
    ("name", "kind", "says"),
    [
        ("pic.png", "audio", "pic.png: not an audio file (looks like a PNG image): use the kind 'image'"),
        ("notes.txt", "audio", "notes.txt: not an audio file (looks like text): give a WAV"),
        ("trunc.wav", "audio", "trunc.wav: a WAV audio file that does not decode (truncated or"),
        ("silent.mp4", "audio", "silent.mp4: no audio track (an MP4 video with no sound)"),
        ("empty.wav", "audio", "empty.wav: an empty file (0 bytes): copy or export it again"),
        ("tone.wav", "image", "tone.wav: not an image (looks like a WAV audio file): use the kind 'audio'"),
        ("notes.txt", "image", "notes.txt: not an image (looks like text): give a PNG"),
        ("silent.mp4", "image", "silent.mp4: not an image (looks like an MP4 video): use the kind 'video'"),
        ("pic.png", "video", "pic.png: not a video (looks like a PNG image): use the kind 'image'"),
        ("tone.wav", "video", "tone.wav: not a video (looks like a WAV audio file): use the kind 'audio'"),
        ("notes.txt", "video", "notes.txt: not a video (looks like text): give an MP4"),
    ],
)  # fmt: skip
def test_a_file_of_the_wrong_kind_says_so_in_one_short_line(
    tmp_path: Path, name: str, kind: str, says: str
) -> None:
    # a PNG given as audio read "unsupported audio format (png): cannot decode <path> (soundfile:
    # Error opening ...; PyAV: no audio stream; librosa: NoBackendError)"; a PNG given as video
    # "video codec 'png' in a 'png_pipe' container does not play in the browser: convert it ..."
    part = render_cell(_wrong_files(tmp_path)[name], kind).part
    assert part["kind"] == "error" and part["original_kind"] == kind
    assert part["error"].startswith(says), part["error"]
    # one line a tile holds: no decoder's words, no folder (the whole path is the detail)
    assert len(part["error"]) <= 130, part["error"]
    assert not any(word in part["error"] for word in ("soundfile", "PyAV", "librosa", "Errno"))
    assert str(tmp_path) not in part["error"]
    if "detail" in part:
        assert str(tmp_path) in part["detail"]
    if name in ("trunc.wav", "silent.mp4") and kind == "audio":
        # the decoders ran: what each said is the detail
        assert "PyAV" in part["detail"], part


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ((np.full(800, np.nan, np.float32), RATE), "the audio array holds NaN (800 of 800 values, "
         "the first at sample 0), which would play as silence"),
        ({"array": np.r_[_tone(0.1), np.nan], "sampling_rate": RATE}, "the audio array holds NaN "
         "(1 of 1601 values, the first at sample 1600), which would play as silence"),
        ((np.stack([_tone(0.1), np.r_[np.inf, _tone(0.1)[1:]]]), RATE), "the audio array holds "
         "infinite values (1 of 3200 values, the first at sample 0, channel 1): fix"),
    ],
)  # fmt: skip
def test_an_audio_array_with_nan_gives_an_error_tile_not_silence(value, says) -> None:
    # an all-NaN array used to give a silent tile that played and looked fine
    part = render_cell(value, "audio", column="clip").part
    assert part["kind"] == "error" and part["original_kind"] == "audio" and part["column"] == "clip"
    assert part["error"].startswith(says), part["error"]
    assert "np.nan_to_num(array)" in part["error"]


@pytest.mark.parametrize(("subtype", "decoded"), [("FLOAT", False), ("DOUBLE", True)])
def test_a_float_wav_file_with_nan_gives_the_error_tile_an_array_gets(
    tmp_path: Path, subtype: str, decoded: bool
) -> None:
    # the file was a silent, playable clip with a flat waveform (its NaN bytes sent as they were),
    # while the same samples in an array got an error tile; DOUBLE is decoded before it is sent
    samples = np.r_[_tone(0.1), np.nan, np.inf]
    path = tmp_path / "broken.wav"
    sf.write(path, samples, RATE, subtype=subtype)
    part = render_cell(path, "audio", column="clip").part
    assert part["kind"] == "error" and part["original_kind"] == "audio", part
    assert part["error"].startswith(
        "the audio file broken.wav holds NaN and infinite values (2 of 1602 values, the first "
        "at sample 1600), which would play as silence: export the clip again from its source"
    ), part["error"]
    sf.write(path, samples[:-2], RATE, subtype=subtype)  # the same file without them plays
    assert render_cell(path, "audio").part["kind"] == "audio"


def test_size_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xmwidgets.media import _audio, _video

    wav = tmp_path / "tone.wav"
    sf.write(wav, _tone(), RATE)  # 64 KB
    monkeypatch.setattr(_audio, "MAX_AUDIO_BYTES", 40_000)
    error = render_cell(wav, "audio").part["error"]
    assert error.startswith("audio too large to send (0.1 MB, limit 0.0 MB)")
    # an array too large as WAV goes out as Ogg Vorbis, which is far smaller
    rendered = render_cell((_tone(), RATE), "audio")
    assert rendered.part["mime"] == "audio/ogg" and rendered.buffers[0][:4] == b"OggS"
    monkeypatch.setattr(_audio, "MAX_AUDIO_BYTES", 1_000)
    assert "even as Ogg Vorbis" in render_cell((_tone(), RATE), "audio").part["error"]
    webm = _write_video(tmp_path / "clip.webm", "libvpx-vp9")
    monkeypatch.setattr(_video, "MAX_VIDEO_BYTES", 100)
    assert render_cell(webm, "video").part["error"].startswith("video too large to send")


def test_a_truncated_mp4_says_it_is_truncated_not_sound(tmp_path: Path) -> None:
    # it read "no video stream in .../cut.mp4: if it is sound, use the kind 'audio'": FFmpeg opens
    # an MP4 cut inside its index (the moov atom, written last) as one codec-less data stream
    whole = _write_video(tmp_path / "whole.mp4", "libx264").read_bytes()
    moov = whole.index(b"moov")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: moov + 40])
    for value in (cut, whole[: moov + 40]):
        part = render_cell(value, "video", column="clip").part
        assert part["kind"] == "error" and part["original_kind"] == "video"
        name = "cut.mp4" if isinstance(value, Path) else "in-memory bytes"
        assert part["error"].startswith(f"{name}"), part["error"]
        assert "an MP4 video with no stream FFmpeg can read: truncated or corrupt?" in part["error"]
        assert "'audio'" not in part["error"]
    as_audio = render_cell(cut, "audio").part
    assert as_audio["error"].startswith("cut.mp4: an MP4 video that does not decode (truncated")
    assert "use the kind 'video'" not in as_audio["error"]


def test_random_bytes_named_mp4_give_no_ffmpeg_errno(tmp_path: Path) -> None:
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes())
    # it read "cannot open video ([Errno 1094995529] Invalid data found when processing input: ...)"
    part = render_cell(noise, "video").part
    assert part["kind"] == "error"
    assert part["error"] == (
        "noise.mp4: not a video file (no format FFmpeg knows): give an MP4 (H.264) or WebM (VP9) "
        "file"
    )
    assert "Invalid data found" in part["detail"] and str(noise) in part["detail"]
    # a file that says it is an MP4 (ftyp) but whose data is noise: truncated or corrupt
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + noise.read_bytes())
    part = render_cell(fake, "video").part
    assert part["kind"] == "error" and "Errno" not in part["error"], part
    assert part["error"].startswith("fake.mp4: an MP4 video"), part["error"]
    assert "truncated or corrupt?" in part["error"]


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd (Linux)")
def test_broken_media_files_leave_no_file_open(tmp_path: Path) -> None:
    # a truncated WAV header left a file open (audioread's standard-library reader leaks it
    # on wave's EOFError) until the garbage collector ran: one open file per broken tile
    files = _wrong_files(tmp_path)
    whole = _write_video(tmp_path / "whole.mp4", "libx264").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(whole[: len(whole) // 3])
    (tmp_path / "noise.mp4").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "cut.png").write_bytes(files["pic.png"].read_bytes()[:40])
    cases = [(files["trunc.wav"], "audio"), (tmp_path / "cut.mp4", "audio"),
             (tmp_path / "cut.mp4", "video"), (tmp_path / "noise.mp4", "video"),
             (tmp_path / "noise.mp4", "audio"), (tmp_path / "cut.png", "image"),
             (files["silent.mp4"], "audio"), (files["notes.txt"], "audio")]  # fmt: skip
    for path, kind in cases:
        render_cell(path, kind)  # imports and caches outside the count
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        before = _open_files()
        for path, kind in cases * 3:
            assert render_cell(path, kind).part["kind"] == "error", (path, kind)
        assert _open_files() == before, "files left open (before the garbage collector runs)"
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []
