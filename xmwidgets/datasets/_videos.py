"""Writing the demo videos with PyAV: one coloured shape moving left, right, up or down.

Chromium plays VP9 in WebM; if this FFmpeg build lacks libvpx we fall back to VP8, then to H.264 in
MP4. The muxer runs in bitexact mode and the encoder single-threaded, so the bytes are reproducible.
"""

from __future__ import annotations

from typing import Any

from ._shapes import background, draw_shape
from ._spec import COLOURS

__all__ = ["VIDEO_FPS", "VIDEO_SIZE", "video_codec", "write_video"]

VIDEO_SIZE = (160, 120)
VIDEO_FPS = 12
_FRAMES = 18  # 1.5 s
# (encoder, file extension, encoder options), best first
_CODECS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("libvpx-vp9", "webm", {"deadline": "realtime", "cpu-used": "8", "crf": "32", "b": "0"}),
    ("libvpx", "webm", {"deadline": "realtime", "cpu-used": "8", "crf": "10", "b": "300k"}),
    ("libx264", "mp4", {"preset": "veryfast", "crf": "26"}),
)


def video_codec() -> tuple[str, str, dict[str, str]]:
    """The first encoder of VP9, VP8, H.264 that this PyAV build has: (name, extension, options)."""
    import av

    available = av.codecs_available
    for codec in _CODECS:
        if codec[0] in available:
            return codec
    raise RuntimeError(
        "PyAV has none of the encoders libvpx-vp9, libvpx, libx264, so the demo videos cannot be "
        "written; install the PyAV wheels from PyPI (`pip install av`), which include them"
    )


def _frames(attrs: dict[str, Any], rng: Any) -> list[Any]:
    import numpy as np
    from PIL import ImageDraw

    width, height = VIDEO_SIZE
    back = background(str(rng.choice(["white", "grey", "sand", "sky"])), VIDEO_SIZE)
    r = height * 0.16
    dx, dy = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}[attrs["direction"]]
    # start on the side the shape moves away from, with a little jitter across the motion
    x0 = width / 2 - dx * width * 0.35 + (rng.uniform(-0.15, 0.15) * width if dx == 0 else 0)
    y0 = height / 2 - dy * height * 0.32 + (rng.uniform(-0.15, 0.15) * height if dy == 0 else 0)
    frames = []
    for k in range(_FRAMES):
        t = k / (_FRAMES - 1)
        frame = back.copy()
        cx = x0 + dx * t * width * 0.7
        cy = y0 + dy * t * height * 0.64
        draw_shape(ImageDraw.Draw(frame), attrs["shape"], cx, cy, r, COLOURS[attrs["colour"]])
        frames.append(np.asarray(frame))
    return frames


def write_video(path: Any, attrs: dict[str, Any], rng: Any) -> None:
    """Encode one moving-shape clip to ``path`` (its extension must match :func:`video_codec`)."""
    import av

    name, _, options = video_codec()
    # bitexact: no creation date and no random track ids in the container
    with av.open(str(path), "w", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(name, rate=VIDEO_FPS)
        assert isinstance(stream, av.VideoStream), f"{name} is not a video encoder"
        stream.width, stream.height = VIDEO_SIZE
        stream.pix_fmt = "yuv420p"
        stream.thread_count = 1
        stream.options = dict(options)
        for array in _frames(attrs, rng):
            for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
