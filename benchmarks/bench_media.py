"""Media rendering speed and size: JPEG draft decoding, thumbnail bytes, waveforms, video posters.

Run: ``.venv/bin/python benchmarks/bench_media.py``. Prints figures; asserts nothing. Each
speed-up is measured against its baseline in the same run, on files made in a temporary folder.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
from PIL import Image, JpegImagePlugin

from xmwidgets.media import infer_roles, render_cell


def _best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _photos(folder: Path, noise: float, quality: int, count: int = 12) -> list[Path]:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:3000, 0:4000].astype(np.float32)
    base = np.stack([x / 4000 * 255, y / 3000 * 255, (x + y) / 7000 * 255], axis=-1)
    base += 40 * np.sin(x / 37)[..., None] * np.cos(y / 53)[..., None]  # some structure
    base += rng.normal(0, noise, base.shape).astype(np.float32)
    base = np.clip(base, 0, 255).astype(np.uint8)
    paths = []
    for k in range(count):
        path = folder / f"photo{noise:g}-{k}.jpg"
        Image.fromarray(np.roll(base, 97 * k, axis=1)).save(path, quality=quality)
        paths.append(path)
    return paths


def bench_images(folder: Path, noise: float, quality: int) -> None:
    paths = _photos(folder, noise, quality)
    mb = sum(p.stat().st_size for p in paths) / 1e6
    print(
        f"images: {len(paths)} JPEG photos 4000×3000, noise σ={noise:g}, quality {quality} "
        f"({mb / len(paths):.1f} MB each), max_px=320"
    )

    def render_all() -> list:
        return [render_cell(p, "image") for p in paths]

    with_draft = _best_of(render_all)
    original_draft = JpegImagePlugin.JpegImageFile.draft
    JpegImagePlugin.JpegImageFile.draft = lambda self, mode, size: None  # type: ignore[method-assign,assignment]
    try:
        without_draft = _best_of(render_all)
    finally:
        JpegImagePlugin.JpegImageFile.draft = original_draft  # type: ignore[method-assign]
    sizes = [r.nbytes for r in render_all()]
    for name, seconds in [("with draft   ", with_draft), ("without draft", without_draft)]:
        print(f"  {name} : {seconds:.3f} s  ({seconds / len(paths) * 1000:.0f} ms/image)")
    print(f"  speed-up      : {without_draft / with_draft:.1f}x")
    print(
        f"  bytes/image   : mean {statistics.mean(sizes) / 1000:.1f} KB, "
        f"max {max(sizes) / 1000:.1f} KB (budget 60 KB)"
    )


def bench_audio(folder: Path) -> None:
    rate, seconds = 44_100, 30
    t = np.arange(rate * seconds) / rate
    rng = np.random.default_rng(1)
    stereo = np.stack([np.sin(2 * np.pi * 220 * t), rng.normal(0, 0.2, len(t))], axis=1) * 0.5
    print(f"audio: {seconds} s stereo at {rate} Hz")
    for fmt, ext in [("WAV", "wav"), ("FLAC", "flac"), ("OGG", "ogg"), ("MP3", "mp3")]:
        path = folder / f"clip.{ext}"
        sf.write(path, stereo, rate, format=fmt)
        elapsed = _best_of(lambda path=path: render_cell(path, "audio"))
        rendered = render_cell(path, "audio")
        print(
            f"  {ext:<4}: {elapsed * 1000:6.1f} ms  (waveform + duration, "
            f"{rendered.nbytes / 1e6:.2f} MB sent)"
        )
    elapsed = _best_of(lambda: render_cell((stereo.astype(np.float32), rate), "audio"))
    print(f"  array -> WAV: {elapsed * 1000:6.1f} ms")
    import librosa  # baseline: decode everything with librosa, then a plain numpy max per bin

    wav = folder / "clip.wav"
    sf.write(wav, stereo, rate)

    def librosa_peaks() -> np.ndarray:
        y, _ = librosa.load(wav, sr=None, mono=False)
        amp = np.abs(y).max(axis=0)
        return np.array([chunk.max() for chunk in np.array_split(amp, 200)])

    baseline = _best_of(librosa_peaks)
    ours = _best_of(lambda: render_cell(wav, "audio"))
    print(
        f"  wav baseline (librosa.load + numpy peaks): {baseline * 1000:.1f} ms, "
        f"ours {ours * 1000:.1f} ms: {baseline / ours:.1f}x"
    )


def bench_video(folder: Path) -> None:
    import av

    path = folder / "clip.webm"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libvpx-vp9", rate=25)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"deadline": "realtime", "cpu-used": "8"}
        for i in range(125):
            rgb = np.zeros((360, 640, 3), np.uint8)
            rgb[:, :, 2] = 120
            rgb[100:200, 4 * i : 4 * i + 100] = (255, 220, 0)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    elapsed = _best_of(lambda: render_cell(path, "video"))
    rendered = render_cell(path, "video")
    print(
        f"video: 5 s VP9 WebM 640×360: poster + duration {elapsed * 1000:.1f} ms "
        f"(poster {len(rendered.buffers[1]) / 1000:.1f} KB, duration {rendered.part['duration']} s)"
    )


def bench_roles() -> None:
    n = 1_000_000
    df = pd.DataFrame(
        {
            "item_id": np.arange(n).astype(str),
            "image": [f"img/{k}.png" for k in range(n)],
            "caption": ["a caption"] * n,
            "score": np.zeros(n),
        }
    )
    elapsed = _best_of(lambda: infer_roles(df, "item_id"))
    print(f"infer_roles: {n:,} rows × 4 columns in {elapsed * 1000:.1f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_images(folder, noise=4, quality=85)  # camera-like file sizes
        bench_images(folder, noise=20, quality=92)  # grainy: entropy decoding dominates
        bench_audio(folder)
        bench_video(folder)
    bench_roles()


if __name__ == "__main__":
    main()
