"""Video: the file bytes when Chromium can play them, a JPEG poster frame, the duration (PyAV)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ._image import encode_thumbnail
from ._sources import (
    looks_like,
    mb,
    plain_kind_error,
    read_all,
    read_head,
    short_name,
    size_of,
    to_source,
)
from ._types import ContentError, Rendered

__all__ = ["MAX_VIDEO_BYTES", "render_video"]

MAX_VIDEO_BYTES = 50_000_000
# container (as PyAV names it) -> (mime, video codecs Chromium decodes, audio codecs it decodes)
_PLAYABLE = {
    "matroska,webm": ("video/webm", {"vp8", "vp9", "av1"}, {"opus", "vorbis"}),
    "mov,mp4,m4a,3gp,3g2,mj2": (
        "video/mp4",
        {"h264", "vp9", "av1"},
        {"aac", "mp3", "opus", "flac"},
    ),
    "ogg": ("video/ogg", {"theora", "vp8"}, {"vorbis", "opus", "flac"}),
}
# decode at most this many packets looking for a first good frame (a broken start is common)
_MAX_POSTER_PACKETS = 300


def render_video(value: Any, *, column: str, max_px: int, base_dir: Any) -> Rendered:
    """Render one video cell. Raises ContentError with the reason when it cannot be shown."""
    source, label = to_source(value, base_dir)
    # PyAV opens a PNG as a one-frame "video" and a WAV as a container with no video stream:
    # what the file plainly is says more than either
    wrong = plain_kind_error(source, label, "video")
    if wrong:
        raise wrong
    size = size_of(source)
    if size > MAX_VIDEO_BYTES:
        raise ContentError(
            f"video too large to send ({mb(size)}, limit {mb(MAX_VIDEO_BYTES)}): "
            f"trim or re-encode it ({label})"
        )
    import av

    try:
        container = av.open(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    except Exception as exc:
        raise _open_error(source, label, exc) from None
    with container:
        if not container.streams.video and not container.streams.audio:
            # FFmpeg opens an MP4 cut before the end of its index (the moov atom, often written
            # last) as a container of one codec-less data stream: not sound, a file cut short
            raise ContentError(
                f"{short_name(source, label)}: {_what(source)} with no stream FFmpeg can read: "
                "truncated or corrupt? Copy or export it again",
                label,
            )
        if not container.streams.video:
            raise ContentError(f"no video stream in {label}: if it is sound, use the kind 'audio'")
        stream = container.streams.video[0]
        mime = _playable_mime(container, label)
        duration = _duration(container, stream)
        poster = _poster(container, stream, label)
    jpeg, _, width, height = encode_thumbnail(poster, max_px)
    if jpeg[:3] != b"\xff\xd8\xff":  # a transparent first frame comes back as PNG: flatten it
        jpeg, _, width, height = encode_thumbnail(poster.convert("RGB"), max_px)
    part = {
        "column": column,
        "kind": "video",
        "mime": mime,
        "data": 0,
        "poster": 1,
        "width": width,
        "height": height,
        "duration": round(duration, 3),
    }
    return Rendered(part, [read_all(source), jpeg])


def _playable_mime(container: Any, label: str) -> str:
    # canonical names: the codec, not the decoder library ("av1", not "libdav1d")
    video_codec = container.streams.video[0].codec_context.codec.canonical_name
    audio_codecs = {s.codec_context.codec.canonical_name for s in container.streams.audio}
    fmt = container.format.name
    mime, video_ok, audio_ok = _PLAYABLE.get(fmt, ("", set(), set()))
    if video_codec in video_ok and audio_codecs <= audio_ok:
        return mime
    what = f"video codec '{video_codec}'" + (
        f" with audio {', '.join(sorted(audio_codecs))}" if audio_codecs else ""
    )
    raise ContentError(
        f"{what} in a '{fmt.split(',')[0]}' container does not play in the browser: convert it to "
        f"WebM (VP9) or MP4 (H.264), e.g. ffmpeg -i in -c:v libvpx-vp9 out.webm ({label})"
    )


def _duration(container: Any, stream: Any) -> float:
    if container.duration:  # in AV_TIME_BASE units (microseconds)
        return container.duration / 1_000_000
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    # some muxers write no duration: the end of the last packet, found without decoding
    end = 0.0
    for packet in container.demux(stream):
        if packet.pts is not None and packet.time_base:
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    container.seek(0)
    return end


def _poster(container: Any, stream: Any, label: str) -> Any:
    errors = 0
    for n, packet in enumerate(container.demux(stream)):
        if n >= _MAX_POSTER_PACKETS:
            break
        try:
            frames = packet.decode()
        except Exception:
            errors += 1
            continue
        for frame in frames:
            return frame.to_image()
    try:  # decoders with a delay (B-frames, threads) still hold frames: flush them
        for frame in stream.codec_context.decode(None):
            return frame.to_image()
    except Exception:
        errors += 1
    reason = f"{errors} packets failed to decode" if errors else "no frame decoded"
    raise ContentError(f"cannot decode a frame of video ({reason}): {label}")


def _what(source: Path | bytes) -> str:
    """What a video file says it is, for people: "an MP4 video", or "a file"."""
    looks = looks_like(read_head(source, 256))
    return looks[0] if looks and looks[0] != "text" else "a file"


def _open_error(source: Path | bytes, label: str, exc: Exception) -> ContentError:
    """The tile's reason when FFmpeg cannot open a file: what is wrong with it in words, not
    FFmpeg's errno (``[Errno 1094995529] Invalid data found ...``), which is the detail."""
    import av

    name = short_name(source, label)
    # FFmpeg's own words without "[Errno N]" and the path it repeats
    said = getattr(exc, "strerror", None) or _first_line(exc)
    detail = f"{label}: PyAV: {_first_line(exc)}"
    if isinstance(exc, av.error.InvalidDataError):
        if looks_like(read_head(source, 256)) is None:
            return ContentError(
                f"{name}: not a video file (no format FFmpeg knows): give an MP4 (H.264) or "
                "WebM (VP9) file",
                detail,
            )
        return ContentError(
            f"{name}: {_what(source)} that FFmpeg cannot open: truncated or corrupt? Copy or "
            "export it again",
            detail,
        )
    return ContentError(f"{name}: cannot open the video ({said})", detail)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
