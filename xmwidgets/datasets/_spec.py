"""What the demo dataset contains: attribute vocabularies, queries, corpus plan and true relevance.

Every query and item is a set of attributes (shape, colour, count, …). The media are drawn from
the attributes, the synthetic retrievers see the attributes through noise, and the true relevance
follows from comparing attributes, so every grade is known by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "COLOURS",
    "FAMILY",
    "Record",
    "plan_corpus",
    "plan_queries",
    "relevance",
]

SHAPES = ("circle", "square", "triangle", "star")
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (214, 39, 40),
    "green": (44, 160, 44),
    "blue": (31, 119, 220),
    "yellow": (240, 200, 20),
    "purple": (148, 80, 189),
    "orange": (255, 127, 14),
}
COUNTS = (1, 2, 3)
POSITIONS = ("left", "centre", "right")
BACKGROUNDS = ("white", "grey", "sand", "sky")
DIRECTIONS = ("left", "right", "up", "down")
# audio: sound kind -> its variants
SOUNDS: dict[str, tuple[str, ...]] = {
    "tone": ("low", "middle", "high"),
    "chirp": ("rising", "falling"),
    "clicks": ("slow", "fast"),
    "noise": ("white", "pink"),
}
LENGTHS = ("short", "long")
# bundles: device -> the shape its photo shows
DEVICES: dict[str, str] = {
    "lamp": "circle",
    "router": "square",
    "speaker": "triangle",
    "kettle": "star",
}
DEVICE_SOUNDS = ("high beep", "low beep", "clicking", "hissing")

# the attribute that decides the "family" of a record: a different family is unrelated (grade 0)
FAMILY: dict[str, str] = {
    "image": "shape",
    "text": "shape",
    "video": "shape",
    "audio": "sound",
    "bundle": "device",
}


@dataclass
class Record:
    """A query or an item before it has an id or media: its modality and attributes."""

    modality: str
    attrs: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def relevance(query: Record, item: Record) -> int:
    """TREC grade of ``item`` for ``query`` by construction.

    3 = every attribute the query states matches, 2 = exactly one differs (not the family),
    1 = same family but two or more differ, 0 = another family, or a modality the query does not
    target.
    """
    if item.modality != query.extra["target_modality"]:
        return 0
    family = FAMILY[item.modality]
    if item.attrs.get(family) != query.attrs.get(family):
        return 0
    mismatches = sum(
        1 for key, value in query.attrs.items() if key != family and item.attrs.get(key) != value
    )
    return 3 if mismatches == 0 else 2 if mismatches == 1 else 1


# (text, target modality, the attributes the text states as "key=value ...")
_TEXT_QUERIES: list[tuple[str, str, str]] = [
    ("two red circles on the left", "image", "shape=circle colour=red count=2 position=left"),
    ("a blue square", "image", "shape=square colour=blue count=1"),
    ("three yellow stars", "image", "shape=star colour=yellow count=3"),
    (
        "a green triangle in the centre",
        "image",
        "shape=triangle colour=green count=1 position=centre",
    ),
    (
        "one purple circle on the right",
        "image",
        "shape=circle colour=purple count=1 position=right",
    ),
    ("a pair of orange squares", "image", "shape=square colour=orange count=2"),
    ("a crimson star on the right", "image", "shape=star colour=red count=1 position=right"),
    ("blue triangles on the left", "image", "shape=triangle colour=blue position=left"),
    (
        "three green circles in the centre",
        "image",
        "shape=circle colour=green count=3 position=centre",
    ),
    (
        "a yellow square against a blue sky",
        "image",
        "shape=square colour=yellow count=1 background=sky",
    ),
    ("two purple stars", "image", "shape=star colour=purple count=2"),
    (
        "an orange circle in the middle",
        "image",
        "shape=circle colour=orange count=1 position=centre",
    ),
    ("three blue squares on the right", "image", "shape=square colour=blue count=3 position=right"),
    ("a red triangle on sand", "image", "shape=triangle colour=red count=1 background=sand"),
    ("two green stars on the left", "image", "shape=star colour=green count=2 position=left"),
    ("yellow circles on a grey background", "image", "shape=circle colour=yellow background=grey"),
    ("a rising chirp", "audio", "sound=chirp variant=rising"),
    ("a short burst of clicks", "audio", "sound=clicks length=short"),
    ("a long high-pitched tone", "audio", "sound=tone variant=high length=long"),
    ("a low hum", "audio", "sound=tone variant=low"),
    ("a falling sweep lasting a few seconds", "audio", "sound=chirp variant=falling length=long"),
    ("fast clicking", "audio", "sound=clicks variant=fast"),
    ("a brief burst of pink noise", "audio", "sound=noise variant=pink length=short"),
    ("a green triangle moving right", "video", "shape=triangle colour=green direction=right"),
    ("a red circle rising upwards", "video", "shape=circle colour=red direction=up"),
    ("a blue square sliding left", "video", "shape=square colour=blue direction=left"),
    ("a yellow star falling down", "video", "shape=star colour=yellow direction=down"),
    (
        "support ticket: red lamp beeping at a high pitch",
        "bundle",
        "device=lamp colour=red sound=high_beep",
    ),
    ("a kettle that keeps hissing", "bundle", "device=kettle sound=hissing"),
    (
        "customer reports a clicking blue router",
        "bundle",
        "device=router colour=blue sound=clicking",
    ),
]

# image queries: (target modality, the scene the query image shows)
_IMAGE_QUERIES: list[tuple[str, str]] = [
    ("image", "shape=circle colour=blue count=2 position=right background=white"),
    ("image", "shape=triangle colour=yellow count=1 position=centre background=sand"),
    ("text", "shape=square colour=red count=3 position=left background=grey"),
    ("text", "shape=star colour=green count=1 position=centre background=white"),
]


def _parse(spec: str) -> dict[str, Any]:
    """``"shape=circle count=2"`` -> ``{"shape": "circle", "count": 2}``."""
    pairs = (part.split("=", 1) for part in spec.split())
    return {key: int(value) if value.isdigit() else value.replace("_", " ") for key, value in pairs}


def plan_queries() -> list[Record]:
    """The queries in order: text queries first, then image queries."""
    queries = [
        Record("text", _parse(attrs), {"text": text, "target_modality": target})
        for text, target, attrs in _TEXT_QUERIES
    ]
    for target, stated_scene in _IMAGE_QUERIES:
        scene = _parse(stated_scene)
        # an image query states its whole scene except the background, which captions rarely name
        stated = {k: v for k, v in scene.items() if k != "background"}
        queries.append(Record("image", stated, {"target_modality": target, "scene": scene}))
    return queries


def _variants(attrs: dict[str, Any], choices: dict[str, tuple[Any, ...]], rng: Any) -> list[dict]:
    """One hard negative per stated attribute: the same attributes with exactly that one changed."""
    out = []
    for key in attrs:
        if key in choices:
            others = [v for v in choices[key] if v != attrs[key]]
            out.append({**attrs, key: others[int(rng.integers(len(others)))]})
    return out


def _random_scene(rng: Any) -> dict[str, Any]:
    return dict(
        shape=SHAPES[int(rng.integers(len(SHAPES)))],
        colour=list(COLOURS)[int(rng.integers(len(COLOURS)))],
        count=COUNTS[int(rng.integers(len(COUNTS)))],
        position=POSITIONS[int(rng.integers(len(POSITIONS)))],
        background=BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))],
    )


def _complete(stated: dict[str, Any], rng: Any) -> dict[str, Any]:
    """Fill the attributes a query leaves open with random values."""
    return {**_random_scene(rng), **stated}


def plan_corpus(
    queries: list[Record], rng: Any, n_images: int = 110, n_audio: int = 48
) -> list[Record]:
    """Items of every modality: exact matches and hard negatives per query, then random ones."""
    scene_choices = dict(
        shape=SHAPES,
        colour=tuple(COLOURS),
        count=COUNTS,
        position=POSITIONS,
        background=BACKGROUNDS,
    )
    images: list[dict] = []
    captions: list[dict] = []
    videos: list[dict] = []
    audio: list[dict] = []
    bundles: list[dict] = []
    for query in queries:
        target = query.extra["target_modality"]
        stated = query.attrs
        if target in ("image", "text"):
            pool = images if target == "image" else captions
            pool.append(_complete(stated, rng))
            pool.extend(_complete(v, rng) for v in _variants(stated, scene_choices, rng))
        elif target == "video":
            choices = dict(shape=SHAPES, colour=tuple(COLOURS), direction=DIRECTIONS)
            videos.append(dict(stated))
            # one same-shape negative per query (colour or direction differs) keeps the videos few
            variants = _variants(stated, choices, rng)[1:]
            videos.append(variants[len(videos) % len(variants)])
        elif target == "audio":
            for _ in range(2):
                audio.append(_complete_audio(stated, rng))
            kinds = dict(variant=SOUNDS[stated["sound"]], length=LENGTHS)
            audio.extend(_complete_audio(v, rng) for v in _variants(stated, kinds, rng))
        elif target == "bundle":
            choices = dict(device=tuple(DEVICES), colour=tuple(COLOURS), sound=DEVICE_SOUNDS)
            bundles.append(_complete_bundle(stated, rng))
            bundles.extend(_complete_bundle(v, rng) for v in _variants(stated, choices, rng)[1:])
    while len(images) < n_images:
        images.append(_random_scene(rng))
    while len(captions) < 30:
        captions.append(_random_scene(rng))
    while len(videos) < 10:
        videos.append({k: v for k, v in _random_scene(rng).items() if k in ("shape", "colour")})
        videos[-1]["direction"] = DIRECTIONS[int(rng.integers(len(DIRECTIONS)))]
    while len(audio) < n_audio:
        audio.append(_complete_audio({}, rng))
    while len(bundles) < 10:
        bundles.append(_complete_bundle({}, rng))
    return [
        *(Record("image", a) for a in images),
        *(Record("audio", a) for a in audio),
        *(Record("video", a) for a in videos[:10]),
        *(Record("text", a) for a in captions),
        *(Record("bundle", a) for a in bundles[:10]),
    ]


def _complete_audio(stated: dict[str, Any], rng: Any) -> dict[str, Any]:
    sound = stated.get("sound") or list(SOUNDS)[int(rng.integers(len(SOUNDS)))]
    variants = SOUNDS[sound]
    attrs = dict(sound=sound, variant=variants[int(rng.integers(len(variants)))])
    attrs["length"] = LENGTHS[int(rng.integers(len(LENGTHS)))]
    attrs.update(stated)
    # a variant of another kind: pick a valid one
    if attrs["variant"] not in SOUNDS[attrs["sound"]]:
        attrs["variant"] = SOUNDS[attrs["sound"]][0]
    return attrs


def _complete_bundle(stated: dict[str, Any], rng: Any) -> dict[str, Any]:
    attrs = dict(
        device=list(DEVICES)[int(rng.integers(len(DEVICES)))],
        colour=list(COLOURS)[int(rng.integers(len(COLOURS)))],
        sound=DEVICE_SOUNDS[int(rng.integers(len(DEVICE_SOUNDS)))],
    )
    attrs.update(stated)
    return attrs
