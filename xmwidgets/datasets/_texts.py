"""The words of the demo dataset: captions, support tickets, and the tag lines lexical search reads.

Captions state every attribute their scene has, so a labeller can judge them from the text alone.
Exactly one caption (the first text item's) carries HTML, and says so: it checks that widgets show
text literally instead of rendering it, without puzzling a first-time user with markup everywhere.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HTML_PROBE", "SAFE_RENDERING_NOTE", "caption", "describe", "query_tags", "ticket"]

# must appear literally in the one safe-rendering caption; tests and the browser tests look for it
HTML_PROBE = "<b>bold?</b> & <script>alert(1)</script>"
SAFE_RENDERING_NOTE = f"Safe-rendering test: {HTML_PROBE} must show as text."

_COUNT_WORDS = {1: "one", 2: "two", 3: "three"}
_POSITION_PHRASES = {"left": "on the left", "centre": "in the centre", "right": "on the right"}
_BACKGROUND_PHRASES = {
    "white": "a white background",
    "grey": "a grey background",
    "sand": "sandy ground",
    "sky": "a blue sky",
}
_SOUND_PHRASES = {
    "high beep": "beeps at a high pitch",
    "low beep": "makes a low beeping sound",
    "clicking": "keeps clicking",
    "hissing": "hisses constantly",
}
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend")
_EXTRAS = (
    "Photo and recording attached.",
    "Already tried turning it off and on again.",
    "Please advise, this is urgent!",
    "It was fine until the last update.",
    "Recording attached; listen at the start.",
)
_TAG_DROP = 0.25  # chance that a tag line misses one attribute word: what makes lexical search err


def _things(scene: dict[str, Any]) -> str:
    count = int(scene["count"])
    noun = scene["shape"] + ("s" if count > 1 else "")
    article = "a" if count == 1 else _COUNT_WORDS[count]
    return f"{article} {scene['colour']} {noun}"


def caption(scene: dict[str, Any], index: int, *, safe_rendering_test: bool = False) -> str:
    """A one-sentence caption of a scene; with ``safe_rendering_test``, followed by the HTML probe.

    The probe sentence comes after the full description, so the caption still states every
    attribute and the item is judged like any other.
    """
    things = _things(scene)
    where = _POSITION_PHRASES[scene["position"]]
    ground = _BACKGROUND_PHRASES[scene["background"]]
    templates = (
        f"{things.capitalize()} {where}, on {ground}.",
        f"A drawing of {things} {where}.",
        f"{things.capitalize()} sitting {where} against {ground}.",
        f"Simple scene: {things} placed {where}.",
    )
    text = templates[index % len(templates)]
    return f"{text} {SAFE_RENDERING_NOTE}" if safe_rendering_test else text


def ticket(attrs: dict[str, Any], number: int) -> str:
    """The description of a support ticket about a device."""
    day = _DAYS[number % len(_DAYS)]
    extra = _EXTRAS[number % len(_EXTRAS)]
    sound = _SOUND_PHRASES[attrs["sound"]]
    device = f"{attrs['colour']} {attrs['device']}"
    return f"Ticket #{1000 + number}: my {device} {sound} since {day}. {extra}"


def _drop(tags: list[str], keep: int, rng: Any) -> list[str]:
    """Drop each tag after the first ``keep`` with probability ``_TAG_DROP``."""
    return tags[:keep] + [t for t in tags[keep:] if rng.random() >= _TAG_DROP]


def describe(modality: str, attrs: dict[str, Any], text: str | None, rng: Any) -> str:
    """The tag line of an item: what a filename, alt text or metadata field would say about it."""
    if modality in ("text", "bundle"):
        return str(text)
    if modality == "image":
        tags = [attrs["shape"], attrs["colour"], str(attrs["count"]), attrs["position"]]
        return " ".join([*_drop(tags, 1, rng), attrs["background"], "png"])
    if modality == "video":
        tags = [attrs["shape"], attrs["colour"], "moving", attrs["direction"]]
        return " ".join([*_drop(tags, 1, rng), "animation"])
    sound, variant, length = attrs["sound"], attrs["variant"], attrs["length"]
    words = {
        "tone": ["tone", variant, "pitch", "sine"],
        "chirp": ["chirp", variant, "sweep"],
        "clicks": ["clicks", "click", "train", variant],
        "noise": ["noise", variant, "burst"],
    }[sound]
    return " ".join([*_drop(words, 1, rng), length, "wav"])


def query_tags(attrs: dict[str, Any], rng: Any) -> str:
    """What an image tagger says of a query image: its attribute words, now and then one missing."""
    tags = [attrs["shape"], attrs["colour"], str(attrs["count"]), attrs["position"]]
    return " ".join(_drop(tags, 1, rng))
