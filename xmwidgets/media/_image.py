"""Images: any cell (path, bytes, PIL image, numpy array) to a small JPEG or PNG for the browser."""

from __future__ import annotations

import io
import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ._sources import plain_kind_error, to_source
from ._types import ContentError, Rendered, non_finite

__all__ = ["MAX_IMAGE_BYTES", "MAX_IMAGE_MPX", "encode_thumbnail", "render_image"]

# refuse images whose header claims more pixels than this, before decoding (decompression bombs)
MAX_IMAGE_MPX = 100
# byte budget of one thumbnail at the default 320 px; JPEG quality steps down to meet it
MAX_IMAGE_BYTES = 60_000
_JPEG_QUALITIES = (82, 72, 62, 50)


def render_image(value: Any, *, column: str, max_px: int, base_dir: Any) -> Rendered:
    """Render one image cell. Raises ContentError with the reason when it cannot be shown."""
    if isinstance(value, Image.Image):
        _check_pixels(value.size)
        return _rendered(encode_thumbnail(value, max_px), column)
    if isinstance(value, np.ndarray):
        return _rendered(encode_thumbnail(_from_array(value), max_px), column)
    source, label = to_source(value, base_dir)
    return _rendered(_thumbnail_from_file(source, label, max_px), column)


def _rendered(encoded: tuple[bytes, str, int, int], column: str) -> Rendered:
    data, mime, width, height = encoded
    part = {
        "column": column,
        "kind": "image",
        "mime": mime,
        "data": 0,
        "width": width,
        "height": height,
    }
    return Rendered(part, [data])


def _thumbnail_from_file(
    source: Path | bytes, label: str, max_px: int
) -> tuple[bytes, str, int, int]:
    fp: Any = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            # Pillow warns between its own limit and twice it; we apply our own limit below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(fp)
    except Image.DecompressionBombError as exc:
        raise ContentError(_too_large_reason(_probe_size(source), str(exc))) from None
    except UnidentifiedImageError:
        wrong = plain_kind_error(source, label, "image")
        if wrong:
            raise wrong from None
        raise ContentError(
            f"cannot decode image: not an image format Pillow knows ({label})"
        ) from None
    except OSError as exc:
        raise ContentError(f"cannot decode image ({exc}): {label}") from None
    with im:
        _check_pixels(im.size)
        if im.format == "JPEG":
            # decode at 1/2, 1/4 or 1/8 scale straight from the DCT: big photos get ~10x cheaper
            im.draft("RGB", (max_px, max_px))
        try:
            im.load()
        except OSError as exc:
            raise ContentError(f"cannot decode image (truncated?): {label} ({exc})") from None
        except (
            Exception
        ) as exc:  # corrupt data makes some decoders raise ValueError, SyntaxError, ...
            raise ContentError(
                f"cannot decode image: {label} ({type(exc).__name__}: {exc})"
            ) from None
        return encode_thumbnail(im, max_px)


def encode_thumbnail(im: Image.Image, max_px: int) -> tuple[bytes, str, int, int]:
    """Fit ``im`` into ``max_px``×``max_px`` (keeping aspect), orient it, and encode it.

    Never modifies ``im``. Returns ``(bytes, mime, width, height)``: a JPEG, or a PNG when the image
    has real transparency or is a small palette image (line art stays crisp).
    """
    if max_px < 1:
        raise ValueError(f"max_px must be a positive number of pixels, got {max_px!r}")
    # exif_transpose after the downscale: rotating a thumbnail is cheaper than rotating the photo,
    # and the square box makes the fitted size the same either way
    frame = _display_mode(ImageOps.exif_transpose(_fit(im, max_px)))
    buf = io.BytesIO()
    if frame.mode in ("RGBA", "LA", "P", "1"):
        frame.save(buf, format="PNG", optimize=frame.mode in ("P", "1"))
        return buf.getvalue(), "image/png", frame.width, frame.height
    for quality in _JPEG_QUALITIES:
        buf = io.BytesIO()
        frame.save(buf, format="JPEG", quality=quality)
        if buf.tell() <= MAX_IMAGE_BYTES * (max_px / 320) ** 2:
            break
    return buf.getvalue(), "image/jpeg", frame.width, frame.height


def _fit(im: Image.Image, max_px: int) -> Image.Image:
    """A downscaled copy when larger than the box, else ``im`` itself (no upscaling)."""
    if im.width <= max_px and im.height <= max_px:
        return im
    scale = max_px / max(im.width, im.height)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    if im.mode in ("P", "1"):
        im = im.convert("RGBA" if _has_transparency(im) else "RGB")
    elif im.mode not in ("RGB", "RGBA", "L", "LA"):
        im = _display_mode(im)
    # reducing_gap: a cheap box reduction first, then bicubic: what Image.thumbnail does
    return im.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)


def _display_mode(im: Image.Image) -> Image.Image:
    """Convert to a mode browsers show: RGB / L, RGBA / LA when transparency is used, P / 1 kept."""
    if im.mode in ("P", "1"):
        if im.mode == "P" and im.width * im.height > 256 * 256:
            return _display_mode(im.convert("RGBA" if _has_transparency(im) else "RGB"))
        return im
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or _has_transparency(im):
        rgba = im.convert("RGBA" if im.mode not in ("LA", "La") else "LA")
        lowest_alpha = rgba.getchannel("A").getextrema()[0]
        if isinstance(lowest_alpha, (int, float)) and lowest_alpha < 255:
            return rgba
        return rgba.convert("RGB" if rgba.mode == "RGBA" else "L")
    if im.mode in ("RGB", "L"):
        return im
    if im.mode.startswith(("I", "F")):  # 16/32-bit grey (scientific, depth maps): stretch to 8 bits
        arr = np.asarray(im, dtype=np.float64)
        lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
        scaled = (arr - lo) / (hi - lo) * 255 if hi > lo else np.zeros_like(arr)
        return Image.fromarray(np.nan_to_num(scaled).astype(np.uint8), mode="L")
    return im.convert("RGB")  # CMYK, YCbCr, LAB, HSV


def _has_transparency(im: Image.Image) -> bool:
    return "transparency" in im.info or im.mode in ("RGBA", "LA", "PA")


def _from_array(arr: np.ndarray) -> Image.Image:
    """A PIL image from an H×W, H×W×C or (torch-style) C×H×W array."""
    if arr.ndim == 3 and arr.shape[0] in (1, 3, 4) and arr.shape[-1] not in (1, 3, 4):
        arr = np.moveaxis(arr, 0, -1)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (3, 4)):
        raise ContentError(
            f"cannot show an array of shape {arr.shape} as an image: use H×W (grey), "
            "H×W×3 (RGB) or H×W×4 (RGBA)"
        )
    if arr.size == 0:
        raise ContentError(f"empty image array (shape {arr.shape})")
    _check_pixels((arr.shape[1], arr.shape[0]))
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8) * 255
    elif arr.dtype != np.uint8:
        if not np.issubdtype(arr.dtype, np.number):
            raise ContentError(f"cannot show an array of dtype {arr.dtype} as an image")
        # a NaN would be drawn black (nan_to_num below): a broken array that looks like a photo
        broken = non_finite(arr, "image array", "row {0}, column {1}", "show as black")
        if broken:
            raise broken
        values = np.nan_to_num(arr.astype(np.float64))
        # floats in 0..1 are the usual convention (matplotlib, torchvision); else assume 0..255
        if np.issubdtype(arr.dtype, np.floating) and values.min() >= 0 and values.max() <= 1:
            values = values * 255
        arr = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(arr))


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_IMAGE_MPX * 1_000_000:
        raise ContentError(_too_large_reason(size, ""))


def _too_large_reason(size: tuple[int, int] | None, pillow_message: str) -> str:
    limit = f"limit {MAX_IMAGE_MPX} Mpx"
    if size is not None:
        w, h = size
        return f"image too large ({w}×{h} = {w * h / 1e6:.0f} Mpx, {limit}): downscale it first"
    match = re.search(r"\((\d+) pixels\)", pillow_message)
    pixels = f"{int(match.group(1)) / 1e6:.0f} Mpx" if match else "over Pillow's bomb limit"
    return f"image too large ({pixels}, {limit}): downscale it first"


def _probe_size(source: Path | bytes) -> tuple[int, int] | None:
    """Width and height from the header alone, bypassing Pillow's bomb check (which hides them)."""
    try:
        Image.init()
        with (
            io.BytesIO(source) if isinstance(source, bytes) else open(os.fspath(source), "rb")
        ) as fp:
            prefix = fp.read(16)
            for fmt in Image.ID:
                factory, accept = Image.OPEN[fmt]
                accepted = accept is None or accept(prefix)
                if accepted and not isinstance(accepted, str):
                    fp.seek(0)
                    try:
                        width, height = factory(fp, "").size
                        return int(width), int(height)
                    except Exception:
                        continue
    except Exception:
        return None
    return None
