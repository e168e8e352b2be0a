"""The parts of a rubric beyond its levels: worked examples (text or media) and flags.

A :class:`~xmwidgets.scale.Scale` is the rubric: its levels carry definitions, one-line matching
rules and :class:`Example` s, and it lists the :class:`Flag` s an annotator may set. This module
holds the examples and flags, and how each is described to the browser (``to_dict``); the built-in
rubrics (``TREC_SCALE``, ``MATCHING_RUBRIC``) live in :mod:`xmwidgets.scale`.

>>> Example("a red bus on a bridge", query="red bus crossing a bridge").to_dict()["kind"]
'text'
>>> [f.name for f in DEFAULT_FLAGS][:2]
['ambiguous-query', 'dissonant']
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "APPLIES_TO",
    "DEFAULT_FLAGS",
    "EXAMPLE_KINDS",
    "MAX_EXAMPLE_MEDIA_BYTES",
    "MAX_EXAMPLE_PX",
    "RESERVED_KEYS",
    "Example",
    "Flag",
    "as_example",
    "as_flag",
    "fields_of",
]

EXAMPLE_KINDS = ("text", "image", "audio", "video")
APPLIES_TO = ("candidate", "query", "both")
# an example is a small tile beside the grid: thumbnails fit this box ...
MAX_EXAMPLE_PX = 160
# ... and audio/video are embedded as data URLs up to this size: the rubric is a synced trait saved
# with the notebook, where base64 adds a third, so only short clips; a larger one is shown as an
# error tile that says to trim it or give an http(s) URL (which the browser loads itself)
MAX_EXAMPLE_MEDIA_BYTES = 500_000
# keys the widgets use for navigation and commands; a level or a flag may not take one of them
# (space plays media, [ ] seek, m flags broken media, g goes to a query, e / E open the note box
# of the focused candidate / of the query, r shows the rubric panel)
RESERVED_KEYS = frozenset("hjklbxnpz?mg[] eEr") | {
    "Enter",
    "ArrowLeft",
    "ArrowRight",
    "ArrowUp",
    "ArrowDown",
    "Home",
    "End",
}


def reserved_keys_text() -> str:
    """The reserved single-character keys, for error messages."""
    return ", ".join(sorted("Space" if k == " " else k for k in RESERVED_KEYS if len(k) == 1))


_URL = re.compile(r"^https?://", re.IGNORECASE)
# a flag name is stored comma-separated in the labels' ``flags`` column
_FLAG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


@dataclass(frozen=True)
class Example:
    """One worked example of a level: a text, or a media item (image, audio, video) with a caption.

    Parameters
    ----------
    content : str, path, bytes, PIL image or numpy array
        The example. A str is text unless it is a path or ``http(s)://`` URL with a media
        extension (``.jpg``, ``.wav``, ``.mp4``, ...); pass ``kind`` to say otherwise. A PIL image or
        an image array is downscaled at once (so later edits to it do not change the rubric).
    kind : {"text", "image", "audio", "video"}, optional
        What the content is; inferred when omitted.
    caption : str
        A line shown under a media tile (or after a text example), e.g. why it gets this level.
    query : str
        The query the example is judged against, e.g. ``"a red bus crossing a bridge"``.

    Examples
    --------
    >>> Example("https://example.org/dog.jpg", caption="a dog, no frisbee").kind
    'image'
    >>> Example("dog.jpg", kind="text").kind
    'text'
    """

    content: Any
    kind: str | None = None
    caption: str = ""
    query: str = ""
    _rendered: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        for name in ("caption", "query"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(
                    f"example {name} must be a str, got {type(getattr(self, name)).__name__} "
                    f"{getattr(self, name)!r}"
                )
        content, kind = self.content, self.kind
        if kind is not None and kind not in EXAMPLE_KINDS:
            raise ValueError(
                f"unknown example kind {kind!r}: use one of {', '.join(EXAMPLE_KINDS)}"
            )
        if isinstance(content, os.PathLike):
            content = os.fspath(content)
        if not isinstance(content, (str, bytes, bytearray, memoryview)):
            content, kind = _image_bytes(content, kind)
        elif not isinstance(content, str):
            content = bytes(content)
        if kind is None:
            kind = _infer_kind(content)
        if kind == "text":
            if not isinstance(content, str):
                raise TypeError(
                    f"a text example must be a str, got {type(content).__name__}: "
                    "for media pass kind='image', 'audio' or 'video'"
                )
            if not content.strip():
                raise ValueError("empty text example: give the example's text, or leave it out")
        elif isinstance(content, str):
            content = content.strip()
            if not content:
                raise ValueError(f"empty {kind} example: give a path, an http(s) URL or bytes")
            if not _URL.match(content):
                _check_local_file(content, kind)
        object.__setattr__(self, "content", content)
        object.__setattr__(self, "kind", kind)

    @classmethod
    def image(cls, content: Any, caption: str = "", *, query: str = "") -> Example:
        """An image example: a path, an http(s) URL, bytes, a PIL image or an image array."""
        return cls(content, kind="image", caption=caption, query=query)

    @classmethod
    def audio(cls, content: Any, caption: str = "", *, query: str = "") -> Example:
        """An audio example: a path, an http(s) URL or encoded bytes (embedded up to 500 kB)."""
        return cls(content, kind="audio", caption=caption, query=query)

    @classmethod
    def video(cls, content: Any, caption: str = "", *, query: str = "") -> Example:
        """A video example: a path, an http(s) URL or encoded bytes (embedded up to 500 kB)."""
        return cls(content, kind="video", caption=caption, query=query)

    @property
    def is_media(self) -> bool:
        return self.kind != "text"

    def describe(self) -> str:
        """One line for tables and Markdown: the text, or ``[image] caption``."""
        head = f'"{self.query}" → ' if self.query else ""
        if self.kind == "text":
            return head + self.content + (f" ({self.caption})" if self.caption else "")
        where = self.content if isinstance(self.content, str) else "in-memory"
        return head + f"[{self.kind}] " + (self.caption or os.path.basename(where))

    def to_dict(self) -> dict[str, Any]:
        """The example as synced to the browser (see ``js/src/protocol.ts``, ``Example``).

        Every example has ``kind``, ``caption`` and ``query``. A text example adds ``text``. A media
        example adds ``src`` (a ``data:`` URL, or the http(s) URL it was given) and ``mime``; an
        image ``width``/``height`` of the thumbnail; audio ``duration`` (seconds); video ``poster``
        (a data URL), ``width``, ``height`` and ``duration``. Fields the kernel cannot know for a
        URL it does not fetch are null. Media that cannot be shown give ``kind: "error"`` with
        ``media`` (the intended kind) and ``error`` (the reason, for the annotator).
        """
        common = {"caption": self.caption, "query": self.query}
        if self.kind == "text":
            return {"kind": "text", "text": self.content, **common}
        if not self._rendered:
            self._rendered.update(self._render_media())
        return {**self._rendered, **common}

    def identity(self) -> Any:
        """What the rubric's version hash covers: the content (bytes by their digest)."""
        content = self.content
        if isinstance(content, bytes):
            content = "sha1:" + hashlib.sha1(content).hexdigest()
        if self.kind == "text" and not self.caption and not self.query:
            # a plain text example hashes as the str it was before examples had kinds
            return content
        return {"kind": self.kind, "content": content, "caption": self.caption, "query": self.query}

    def _render_media(self) -> dict[str, Any]:
        assert self.kind is not None
        if isinstance(self.content, str) and _URL.match(self.content):
            # the browser loads it; the kernel never fetches (it may have no network)
            out: dict[str, Any] = {"kind": self.kind, "src": self.content, "mime": None}
            if self.kind in ("image", "video"):
                out.update(width=None, height=None)
            if self.kind == "video":
                out["poster"] = None
            if self.kind != "image":
                out.update(duration=None)
            return out
        from .media import render_cell

        rendered = render_cell(self.content, self.kind, max_px=MAX_EXAMPLE_PX)
        assert rendered is not None  # empty content was refused in __post_init__
        part, buffers = rendered.part, rendered.buffers
        if part["kind"] == "error":
            return {"kind": "error", "media": self.kind, "error": part["error"]}
        data = buffers[part["data"]]
        if self.kind != "image" and len(data) > MAX_EXAMPLE_MEDIA_BYTES:
            return {
                "kind": "error",
                "media": self.kind,
                "error": (
                    f"{self.kind} example too large to embed in the rubric "
                    f"({len(data) / 1e6:.1f} MB, limit {MAX_EXAMPLE_MEDIA_BYTES / 1e6:.1f} MB): "
                    "trim it or give an http(s) URL"
                ),
            }
        out = {"kind": self.kind, "src": _data_url(data, part["mime"]), "mime": part["mime"]}
        if self.kind in ("image", "video"):
            out.update(width=part["width"], height=part["height"])
        if self.kind == "video":
            out["poster"] = _data_url(buffers[part["poster"]], "image/jpeg")
        if self.kind != "image":
            out["duration"] = part["duration"]
        return out


@dataclass(frozen=True)
class Flag:
    """A flag an annotator may set on a candidate, a query or both (stored in ``flags``).

    Parameters
    ----------
    name : str
        Stored name, e.g. ``"near-duplicate"``: letters, digits and ``- _ . :`` (no commas or
        spaces, since ``flags`` is stored comma-separated).
    definition : str
        One line shown in the rubric panel and the key map.
    key : str, optional
        Keyboard key that toggles the flag. It may not be a reserved key or a level's key
        (the built-in ``broken-media`` uses ``m``, the command reserved for it).
    applies_to : {"candidate", "query", "both"}
        Where the flag can be set: on a candidate tile, on the query, or on either.

    Examples
    --------
    >>> Flag("too-dark", "The image is too dark to judge.", key="T", applies_to="candidate").key
    'T'
    """

    name: str
    definition: str = ""
    key: str | None = None
    applies_to: str = "both"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _FLAG_NAME.match(self.name):
            raise ValueError(
                f"bad flag name {self.name!r}: use letters, digits and - _ . : only "
                "(no commas or spaces: flags are stored comma-separated), e.g. 'too-dark'"
            )
        if not isinstance(self.definition, str):
            raise TypeError(f"flag {self.name!r} definition must be a str, got {self.definition!r}")
        if self.applies_to not in APPLIES_TO:
            raise ValueError(
                f"flag {self.name!r} applies_to {self.applies_to!r} is not one of "
                f"{', '.join(APPLIES_TO)}"
            )
        if self.key is not None:
            if not isinstance(self.key, str) or len(self.key) != 1:
                raise ValueError(
                    f"flag {self.name!r} key must be a single character, got {self.key!r}"
                )
            if self.key in RESERVED_KEYS and _COMMAND_FLAG_KEYS.get(self.name) != self.key:
                raise ValueError(
                    f"flag {self.name!r} key {self.key!r} is reserved for navigation or commands "
                    f"({reserved_keys_text()}); choose another, e.g. an upper-case letter"
                )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key": self.key,
            "definition": self.definition,
            "applies_to": self.applies_to,
        }


# reserved command keys that belong to one flag (BRIEF: `m` toggles broken-media)
_COMMAND_FLAG_KEYS = {"broken-media": "m"}

DEFAULT_FLAGS: tuple[Flag, ...] = (
    Flag(
        "ambiguous-query",
        "The query can be read in more than one way; grade the reading you chose and say which in "
        "a note.",
        key="A",
        applies_to="query",
    ),
    Flag(
        "dissonant",
        "The text contradicts the media it comes with (a caption that does not fit the image, "
        "sarcasm, irony).",
        key="D",
        applies_to="both",
    ),
    Flag(
        "broken-media",
        "The media does not load or play, or is too damaged to judge; it is left out of the grades.",
        key="m",
        applies_to="candidate",
    ),
    Flag(
        "near-duplicate",
        "The candidate is (almost) the same item as another candidate of this query.",
        key="U",
        applies_to="candidate",
    ),
    Flag(
        "suspected-false-negative",
        "A relevant item that the pool or the gold labels miss (e.g. graded relevant but not in "
        "the qrels).",
        key="F",
        applies_to="candidate",
    ),
)
"""The built-in flags; a rubric names them (``flags=["dissonant"]``) or lists them all."""

_DEFAULT_BY_NAME = {f.name: f for f in DEFAULT_FLAGS}


def as_flag(value: Flag | str | Mapping[str, Any]) -> Flag:
    """A :class:`Flag` from a flag, a mapping of its fields, or a name.

    A built-in name (``"dissonant"``) gives the built-in flag with its key and definition; any other
    name gives a flag with no key or definition.
    """
    if isinstance(value, Flag):
        return value
    if isinstance(value, str):
        return _DEFAULT_BY_NAME.get(value) or Flag(value)
    if isinstance(value, Mapping):
        return Flag(**fields_of(value, Flag, "flag", ("name",)))
    raise TypeError(
        f"a flag is a Flag, a name or a mapping of Flag fields, got {type(value).__name__} {value!r}"
    )


def is_default_flag(flag: Flag) -> bool:
    """True for a built-in flag, or a bare name (no key, no definition): versions hash its name only."""
    return _DEFAULT_BY_NAME.get(flag.name) == flag or flag == Flag(flag.name)


def as_example(value: Example | str | Mapping[str, Any]) -> Example:
    """An :class:`Example` from an example, a str (text or a media path/URL) or a mapping."""
    if isinstance(value, Example):
        return value
    if isinstance(value, Mapping):
        return Example(**fields_of(value, Example, "example", ("content",)))
    return Example(value)


def fields_of(
    value: Mapping[str, Any], kind: type, what: str, required: tuple[str, ...]
) -> dict[str, Any]:
    """``value`` as keyword arguments of ``kind``; a clear error for unknown or missing fields
    (rather than ``__init__() got an unexpected keyword argument``)."""
    from dataclasses import fields

    known = [f.name for f in fields(kind) if f.init]
    unknown = sorted(map(str, set(value) - set(known)))
    missing = [f for f in required if f not in value]
    if unknown or missing:
        wrong = f"unknown field(s) {', '.join(map(repr, unknown))}" if unknown else ""
        if missing:
            wrong += ("; " if wrong else "") + f"no {' or '.join(missing)}"
        raise TypeError(
            f"{what} {dict(value)!r:.120}: {wrong}; it takes {', '.join(known)} "
            f"({' and '.join(required)} required)"
        )
    return dict(value)


def _infer_kind(content: str | bytes) -> str:
    from .media._sources import kind_of_bytes, kind_of_location

    if isinstance(content, str):
        return kind_of_location(content.strip()) or "text"
    kind = kind_of_bytes(content[:16])
    if kind is None:
        raise ValueError(
            "cannot tell what these example bytes are (not a known image, audio or video "
            "format): pass kind='image', 'audio' or 'video'"
        )
    return kind


def _image_bytes(content: Any, kind: str | None) -> tuple[bytes, str]:
    """A PIL image or image array, downscaled and encoded now (the caller may change it later)."""
    from .media._roles import kind_of_value

    if kind not in (None, "image") or kind_of_value(content) != "image":
        raise TypeError(
            f"cannot use a {type(content).__name__} as a{'n' if kind == 'image' else ''} "
            f"{kind or 'example'}: give text, a path, an http(s) URL, bytes, or a PIL image"
        )
    from PIL import Image

    from .media._image import _from_array, encode_thumbnail

    im = content if isinstance(content, Image.Image) else _from_array(content)
    data, _mime, _w, _h = encode_thumbnail(im, MAX_EXAMPLE_PX)
    return data, "image"


def _check_local_file(location: str, kind: str) -> None:
    path = Path(location.removeprefix("file://")).expanduser()
    if not path.is_file():
        raise ValueError(
            f"{kind} example file not found: {location!r} (relative paths are taken from the "
            f"working directory {os.getcwd()!r}); give an existing file or an http(s) URL"
        )


def _data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
