"""Images, text, nulls and the cache of xmwidgets.media (audio/video: test_media_av.py)."""

from __future__ import annotations

import io
import resource
import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from xmwidgets.media import KINDS, MediaCache, MediaError, Rendered, infer_roles, render_cell


def _photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """Photo-like content: smooth gradients plus sensor-style noise (compresses like a photo)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([x / width * 255, y / height * 255, (x + y) / (width + height) * 255], axis=-1)
    rgb += rng.normal(0, 20, rgb.shape).astype(np.float32)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def _decode(rendered: Rendered) -> Image.Image:
    im = Image.open(io.BytesIO(rendered.buffers[rendered.part["data"]]))
    im.load()
    return im


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header says width×height: a decompression bomb without the bomb."""
    buf = io.BytesIO()
    Image.new("L", (4, 4)).save(buf, format="PNG")
    png = bytearray(buf.getvalue())
    ihdr = png[12:29]  # chunk type + 13 data bytes
    ihdr[4:12] = struct.pack(">II", width, height)
    png[12:29] = ihdr
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(png)


@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("img") / "photo.jpg"
    _photo(4000, 3000).save(path, quality=90)
    return path


# --- images -----------------------------------------------------------------------------------


def test_big_photo_fits_max_px_and_byte_budget(big_jpeg: Path) -> None:
    rendered = render_cell(str(big_jpeg), "image", column="image")
    assert rendered is not None
    part = rendered.part
    assert part["kind"] == "image" and part["mime"] == "image/jpeg" and part["column"] == "image"
    assert (part["width"], part["height"]) == (320, 240)
    assert len(rendered.buffers) == 1 and part["data"] == 0
    assert len(rendered.buffers[0]) <= 60_000
    im = _decode(rendered)
    assert im.format == "JPEG" and im.size == (320, 240)
    # the gradient survived: red grows left to right
    left, right = np.asarray(im)[120, 10, 0], np.asarray(im)[120, 310, 0]
    assert right > left + 150


@pytest.mark.parametrize(("size", "max_px", "expected"), [
    ((1000, 500), 320, (320, 160)),
    ((500, 1000), 320, (160, 320)),
    ((100, 80), 320, (100, 80)),  # never upscaled
    ((1000, 1000), 128, (128, 128)),
])  # fmt: skip
def test_sizes_keep_aspect(tmp_path: Path, size, max_px, expected) -> None:
    path = tmp_path / "x.png"
    _photo(*size).save(path)
    rendered = render_cell(path, "image", max_px=max_px)
    assert (rendered.part["width"], rendered.part["height"]) == expected
    assert _decode(rendered).size == expected


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    # stored landscape with orientation 6 ("rotate 90° clockwise to view"): shown as portrait
    im = Image.new("RGB", (400, 200), "white")
    im.paste((255, 0, 0), (0, 0, 200, 200))  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    im.save(path, exif=exif.tobytes())
    rendered = render_cell(path, "image", max_px=100)
    assert (rendered.part["width"], rendered.part["height"]) == (50, 100)
    shown = np.asarray(_decode(rendered))
    # rotated clockwise: the stored left half ends up on top
    assert shown[10, 25, 0] > 200 and shown[10, 25, 1] < 60
    assert shown[90, 25, 1] > 200


def test_rgba_with_transparency_stays_png(tmp_path: Path) -> None:
    im = Image.new("RGBA", (600, 300), (0, 128, 255, 0))
    im.paste((255, 0, 0, 255), (0, 0, 300, 300))
    rendered = render_cell(im, "image")
    assert rendered.part["mime"] == "image/png"
    out = _decode(rendered)
    assert out.mode == "RGBA" and out.size == (320, 160)
    assert out.getpixel((300, 80))[3] == 0 and out.getpixel((10, 80))[3] == 255
    assert im.size == (600, 300)  # the caller's image is not modified


def test_opaque_rgba_becomes_jpeg() -> None:
    rendered = render_cell(Image.new("RGBA", (50, 50), (1, 2, 3, 255)), "image")
    assert rendered.part["mime"] == "image/jpeg"


def test_numpy_arrays() -> None:
    rgb = np.zeros((60, 80, 3), np.uint8)
    rgb[..., 1] = 255
    rendered = render_cell(rgb, "image")
    assert (rendered.part["width"], rendered.part["height"]) == (80, 60)
    assert np.asarray(_decode(rendered))[30, 40, 1] > 240
    grey = render_cell(np.full((10, 20), 0.5), "image")  # floats in 0..1
    assert np.asarray(_decode(grey).convert("L"))[5, 5] == pytest.approx(128, abs=3)
    chw = render_cell(np.zeros((3, 40, 50), np.uint8), "image")  # torch layout
    assert (chw.part["width"], chw.part["height"]) == (50, 40)
    bad = render_cell(np.zeros((2, 3, 4, 5), np.uint8), "image")
    assert bad.part["kind"] == "error" and "shape (2, 3, 4, 5)" in bad.part["error"]


@pytest.mark.parametrize(
    ("array", "says"),
    [
        (np.full((10, 10, 3), np.nan), "the image array holds NaN (300 of 300 values, the first "
         "at row 0, column 0), which would show as black"),
        (np.where(np.arange(200).reshape(10, 20) == 47, np.nan, 0.5), "the image array holds "
         "NaN (1 of 200 values, the first at row 2, column 7), which would show as black"),
        (np.full((4, 4), np.inf, np.float32), "the image array holds infinite values (16 of 16 "
         "values, the first at row 0, column 0): fix"),
    ],
)  # fmt: skip
def test_an_image_array_with_nan_gives_an_error_tile_not_a_black_image(array, says) -> None:
    # an all-NaN array used to give a black thumbnail that looked like a dark photo
    part = render_cell(array, "image", column="photo").part
    assert (
        part["kind"] == "error" and part["original_kind"] == "image" and part["column"] == "photo"
    )
    assert part["error"].startswith(says), part["error"]
    assert "np.nan_to_num(array)" in part["error"]
    assert f"shape {array.shape}" in part["detail"]


def test_bytes_and_hf_dict(big_jpeg: Path) -> None:
    data = big_jpeg.read_bytes()
    assert render_cell(data, "image").part["width"] == 320
    assert render_cell({"bytes": data, "path": None}, "image").part["height"] == 240
    assert render_cell({"bytes": None, "path": str(big_jpeg)}, "image").part["width"] == 320


def test_relative_paths_use_base_dir(tmp_path: Path) -> None:
    _photo(40, 30).save(tmp_path / "a.png")
    assert render_cell("a.png", "image", base_dir=tmp_path).part["kind"] == "image"
    assert "file not found" in render_cell("a.png", "image", base_dir=tmp_path / "x").part["error"]


def test_huge_header_is_refused_without_decoding() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rendered = render_cell(_png_claiming(20000, 20000), "image", column="image")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert rendered.part["kind"] == "error" and rendered.part["original_kind"] == "image"
    assert "too large" in rendered.part["error"] and "20000×20000" in rendered.part["error"]
    assert grown_mb < 100  # 400 Mpx decoded would take >= 400 MB
    # between Pillow's warning and error thresholds: our own limit applies
    assert "11000×10000" in render_cell(_png_claiming(11000, 10000), "image").part["error"]


def test_broken_images_give_reasons(tmp_path: Path, big_jpeg: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(big_jpeg.read_bytes()[:20_000])
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"this is not a png at all")
    reasons = {
        "empty": render_cell(empty, "image").part["error"],
        "truncated": render_cell(truncated, "image").part["error"],
        "garbage": render_cell(garbage, "image").part["error"],
        "missing": render_cell(tmp_path / "nope.png", "image").part["error"],
        "url": render_cell("https://example.org/cat.jpg", "image").part["error"],
        "type": render_cell(3 + 4j, "image").part["error"],
    }
    assert reasons["empty"] == "empty.jpg: an empty file (0 bytes): copy or export it again"
    assert "truncated" in reasons["truncated"] and "cut.jpg" in reasons["truncated"]
    assert reasons["garbage"].startswith("garbage.png: not an image (looks like text)")
    assert reasons["missing"] == f"file not found: {tmp_path / 'nope.png'}"
    assert reasons["url"].startswith("remote URLs are not fetched; download first")
    assert "complex" in reasons["type"]


# --- text -------------------------------------------------------------------------------------


def test_text_passes_through_exactly() -> None:
    html = '<img src=x onerror="alert(1)"> & <b>bold</b>\n  spaces '
    assert render_cell(html, "text", column="caption").part == {
        "column": "caption",
        "kind": "text",
        "text": html,
    }
    assert render_cell("caf\u00e9".encode(), "text").part["text"] == "café"
    assert render_cell(b"\xef\xbb\xbfhi", "text").part["text"] == "hi"  # BOM dropped
    assert render_cell(42, "text").part["text"] == "42"


def test_lone_surrogates_become_replacement_characters_so_the_page_can_be_sent() -> None:
    from jupyter_client.session import json_packer

    from xmwidgets.widgets._pages import PageBuilder

    # the kernel packs messages as UTF-8: one lone surrogate used to fail the whole page
    part = render_cell("caf\ud800 au lait", "text", column="caption").part
    assert part["text"] == "caf\ufffd au lait"
    assert render_cell("\ud83d\ude00", "text").part["text"] == "\U0001f600"  # a pair is joined
    error = render_cell("missing-\udce9.png", "image", column="image").part
    assert error["kind"] == "error" and "missing-\ufffd.png" in error["error"]
    # object columns: pandas' Arrow-backed strings cannot even hold a lone surrogate
    items = pd.DataFrame({"item_id": ["i1"], "caption": pd.Series(["caf\ud800"], dtype=object)})
    queries = pd.DataFrame(
        {"query_id": ["q1"], "text": pd.Series(["tea or caf\udfff?"], dtype=object)}
    )
    assert infer_roles(items, "item_id") == {"caption": "text"}
    builder = PageBuilder(queries, items, {"text": "text"}, {"caption": "text"})
    try:
        page, _ = builder.build(0, "q1", items[["item_id"]], {}, False, False)
    finally:
        builder.close()
    sent = json_packer(page).decode("utf-8")
    assert "caf\ufffd" in sent and "tea or caf\ufffd?" in sent


def test_non_utf8_bytes() -> None:
    part = render_cell(b"abc\xff", "text", column="t").part
    assert part["kind"] == "error" and part["original_kind"] == "text"
    assert part["error"].startswith("not UTF-8 text (byte 0xff at position 3): decode it first")


def test_long_text_is_truncated_with_a_note() -> None:
    part = render_cell("x" * 50_000, "text").part
    assert part["text"].startswith("x" * 20_000 + "…")
    assert "20,000 of 50,000" in part["text"] and part["truncated_from"] == 50_000
    assert "truncated_from" not in render_cell("x" * 20_000, "text").part


# --- nulls, kinds, offsets, cache -------------------------------------------------------------


@pytest.mark.parametrize("value", [None, float("nan"), np.float32("nan")])
@pytest.mark.parametrize("kind", KINDS)
def test_nulls_render_nothing(value, kind) -> None:
    assert render_cell(value, kind) is None


def test_pandas_nulls_and_empty_paths() -> None:
    import pandas as pd

    assert render_cell(pd.NA, "text") is None and render_cell(pd.NaT, "image") is None
    assert render_cell("  ", "image") is None
    assert render_cell("", "text").part["text"] == ""


def test_unknown_kind_raises() -> None:
    with pytest.raises(MediaError, match=r"unknown modality 'smell'.*text, image, audio, video"):
        render_cell("x", "smell")


def test_with_offset_shifts_only_buffer_fields() -> None:
    rendered = Rendered({"kind": "audio", "data": 0, "waveform": 1, "duration": 2.0}, [b"a", b"b"])
    assert rendered.with_offset(5) == {"kind": "audio", "data": 5, "waveform": 6, "duration": 2.0}
    assert rendered.part["data"] == 0  # a copy


def test_cache_hits_evicts_and_bounds_bytes(tmp_path: Path) -> None:
    cache = MediaCache(maxsize=2)
    first = cache.get(("q1", "caption"), "one", "text", column="caption")
    assert cache.get(("q1", "caption"), "ignored: cached", "text", column="caption") is first
    assert (cache.hits, cache.misses) == (1, 1)
    cache.get("b", "two", "text")
    cache.get("c", "three", "text")
    assert len(cache) == 2 and ("q1", "caption") not in cache and "c" in cache
    # a different max_px is another rendering
    _photo(400, 300).save(tmp_path / "p.png")
    small = cache.get("img", tmp_path / "p.png", "image", max_px=64)
    large = cache.get("img", tmp_path / "p.png", "image", max_px=256)
    assert small.part["width"] == 64 and large.part["width"] == 256
    by_bytes = MediaCache(maxsize=100, maxbytes=large.nbytes + 10)
    by_bytes.get("a", tmp_path / "p.png", "image", max_px=256)
    by_bytes.get("b", tmp_path / "p.png", "image", max_px=256)
    assert len(by_bytes) == 1 and by_bytes.nbytes == large.nbytes
    assert cache.get("null", None, "image") is None
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0


@pytest.mark.parametrize("max_px", [0, -5, 2.5, True])
def test_bad_max_px_raises(max_px) -> None:
    with pytest.raises(MediaError, match="max_px must be a positive whole number"):
        render_cell("x", "image", max_px=max_px)


def test_cache_from_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    for k in range(4):
        _photo(200, 100, seed=k).save(tmp_path / f"{k}.png")
    cache = MediaCache(maxsize=3)

    def work(n: int) -> tuple[int, int]:
        rendered = cache.get(n % 4, tmp_path / f"{n % 4}.png", "image", max_px=50)
        return n % 4, rendered.part["height"]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(200)))
    assert all(height == 25 for _, height in results)
    assert len(cache) == 3 and cache.hits + cache.misses == 200
    assert cache.nbytes == sum(r.nbytes for r in cache._entries.values() if r)
