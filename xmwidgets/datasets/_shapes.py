"""Drawing the demo pictures with Pillow: scenes of coloured shapes, and "photos" of ticket devices.

Shapes are drawn at twice the size and downscaled, which anti-aliases the edges at little cost.
Everything depends only on the attributes and the seed given, so the PNG bytes are reproducible.
"""

from __future__ import annotations

import math
from typing import Any

from ._spec import COLOURS

__all__ = ["background", "draw_device_photo", "draw_scene", "draw_shape"]

_SUPERSAMPLE = 2
_BACKGROUND_RGB = {
    "white": (250, 250, 248),
    "grey": (160, 162, 166),
    "sand": (226, 205, 160),
}


def background(name: str, size: tuple[int, int]) -> Any:
    """A plain background, or for ``"sky"`` a vertical gradient (rows compress well in PNG)."""
    from PIL import Image

    height = size[1]
    if name != "sky":
        return Image.new("RGB", size, _BACKGROUND_RGB[name])
    top, bottom = (90, 150, 230), (200, 228, 250)
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(height - 1, 1)
        column.putpixel(
            (0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    return column.resize(size, Image.Resampling.NEAREST)


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.45
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def draw_shape(draw: Any, shape: str, cx: float, cy: float, r: float, fill: tuple) -> None:
    """Draw one shape of "radius" ``r`` centred at ``(cx, cy)`` with a dark outline."""
    outline = tuple(max(c - 90, 0) for c in fill)
    width = max(int(r / 9), 1)
    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill, outline=outline, width=width)
    elif shape == "square":
        s = r * 0.88
        draw.rectangle([cx - s, cy - s, cx + s, cy + s], fill=fill, outline=outline, width=width)
    elif shape == "triangle":
        pts = [(cx, cy - r), (cx + r * 0.95, cy + r * 0.75), (cx - r * 0.95, cy + r * 0.75)]
        draw.polygon(pts, fill=fill, outline=outline, width=width)
    elif shape == "star":
        draw.polygon(_star(cx, cy, r * 1.1), fill=fill, outline=outline, width=width)
    else:
        raise ValueError(f"unknown shape {shape!r}: use circle, square, triangle or star")


def draw_scene(scene: dict[str, Any], rng: Any, size: int = 256) -> Any:
    """``count`` shapes of one colour in the left, centre or right third of a square picture."""
    from PIL import ImageDraw

    big = size * _SUPERSAMPLE
    image = background(scene["background"], (big, big))
    draw = ImageDraw.Draw(image)
    third = big / 3
    column = {"left": 0, "centre": 1, "right": 2}[scene["position"]]
    count = int(scene["count"])
    r = third * 0.34
    fill = COLOURS[scene["colour"]]
    # shapes stacked vertically in their third, jittered so that no two pictures are identical
    for k in range(count):
        cx = third * (column + 0.5) + rng.uniform(-0.12, 0.12) * third
        cy = big * (k + 1) / (count + 1) + rng.uniform(-0.05, 0.05) * big
        draw_shape(draw, scene["shape"], cx, cy, r, fill)
    return image.reduce(_SUPERSAMPLE)


def draw_device_photo(shape: str, colour: str, label: str, rng: Any) -> Any:
    """A 320×240 "photo" of a device: its shape on a table, lit from above, with a sticker label."""
    from PIL import ImageDraw

    width, height = 320 * _SUPERSAMPLE, 240 * _SUPERSAMPLE
    image = background("sky", (width, height))
    draw = ImageDraw.Draw(image)
    table_y = int(height * 0.72)
    draw.rectangle([0, table_y, width, height], fill=(140, 100, 70))
    cx = width * (0.5 + rng.uniform(-0.1, 0.1))
    r = height * 0.26
    draw.ellipse([cx - r, table_y - 12, cx + r, table_y + 14], fill=(95, 70, 50))  # shadow
    draw_shape(draw, shape, cx, table_y - r * 0.95, r, COLOURS[colour])
    draw.rectangle([16, 16, 16 + 18 * len(label), 56], fill=(255, 255, 240), outline=(60, 60, 60))
    photo = image.reduce(_SUPERSAMPLE)
    ImageDraw.Draw(photo).text((12, 12), label, fill=(20, 20, 20))
    return photo
