"""Where a cell's bytes come from (local paths, raw bytes, Hugging Face dicts); format sniffing.

Nothing here touches the network: an ``http(s)://`` URL is refused with a reason, since the kernel
may have no network and a labelling page must not stall on a slow server.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ._types import ContentError

__all__ = [
    "EXTENSIONS",
    "kind_of_bytes",
    "kind_of_location",
    "looks_like",
    "mb",
    "plain_kind_error",
    "read_all",
    "read_head",
    "resolve_path",
    "size_of",
    "sniff_format",
    "to_source",
]

# file extension -> kind, for paths and URLs
EXTENSIONS: dict[str, str] = {
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"), "image"),
    **dict.fromkeys((".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a"), "audio"),
    **dict.fromkeys((".mp4", ".webm", ".mov", ".mkv", ".avi", ".m4v", ".ogv"), "video"),
}

_REMOTE_SCHEMES = ("http://", "https://", "s3://", "gs://", "ftp://")


def mb(nbytes: int) -> str:
    """Size for people: ``'12.3 MB'``."""
    return f"{nbytes / 1e6:.1f} MB"


def kind_of_location(text: str) -> str | None:
    """The kind a path or URL points to, from its extension; None when it has no media extension."""
    if not text or len(text) > 4096 or "\n" in text:
        return None
    path = urlparse(text).path if "://" in text else text
    return EXTENSIONS.get(os.path.splitext(path.strip())[1].lower())


def sniff_format(head: bytes) -> str | None:
    """The container format of some bytes from their magic number (first 16 bytes suffice)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"RIFF", b"RF64")) and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "mp3"  # frame sync + layer III (0xFFFB, 0xFFF3, 0xFFF2, 0xFFE3)
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "matroska"
    if head[4:8] == b"ftyp":
        return "m4a" if head[8:11] in (b"M4A", b"M4B") else "mp4"
    return None


_KIND_OF_FORMAT = {
    "png": "image", "jpeg": "image", "gif": "image", "bmp": "image", "tiff": "image",
    "webp": "image", "wav": "audio", "flac": "audio", "ogg": "audio", "mp3": "audio",
    "m4a": "audio", "matroska": "video", "mp4": "video", "avi": "video",
}  # fmt: skip


def kind_of_bytes(data: bytes) -> str | None:
    """The kind of some bytes from their magic number, or None when unknown."""
    return _KIND_OF_FORMAT.get(sniff_format(bytes(data[:16])) or "")


def resolve_path(value: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None) -> Path:
    """A local file the cell names, checked to exist and to be non-empty.

    Raises
    ------
    ContentError
        For remote URLs, missing files, directories and zero-byte files.
    """
    text = os.fspath(value).strip() if isinstance(value, str) else os.fspath(value)
    if isinstance(text, bytes):  # os.fspath of a bytes path
        text = os.fsdecode(text)
    if text.lower().startswith(_REMOTE_SCHEMES):
        raise ContentError(f"remote URLs are not fetched; download first: {text}")
    if text.lower().startswith("file://"):
        text = unquote(urlparse(text).path)
    path = Path(text).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir).expanduser() / path
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ContentError(f"file not found: {path}") from None
    except OSError as exc:
        raise ContentError(f"cannot read {path}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise ContentError(f"not a file but a folder: {path}")
    if stat.st_size == 0:
        # the name in the tile, the folder in the detail: a long path pushed "what to do" out
        raise ContentError(
            f"{path.name}: an empty file (0 bytes): copy or export it again", str(path)
        )
    return path


def to_source(value: Any, base_dir: str | os.PathLike[str] | None) -> tuple[Path | bytes, str]:
    """A cell naming a file or holding encoded bytes, as ``(path or bytes, label for messages)``.

    Accepts str / PathLike paths, bytes-like objects, and Hugging Face's undecoded
    ``{"bytes": ..., "path": ...}`` dicts. Raises ContentError for anything else.
    """
    if isinstance(value, dict) and ("bytes" in value or "path" in value):
        if value.get("bytes") is not None:
            value = value["bytes"]
        elif value.get("path"):
            value = value["path"]
        else:
            raise ContentError("dict has neither 'bytes' nor 'path' set")
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        if not data:
            raise ContentError("zero bytes: the cell holds an empty bytes object")
        return data, f"in-memory bytes ({mb(len(data))})"
    if isinstance(value, (str, os.PathLike)):
        path = resolve_path(value, base_dir)
        return path, str(path)
    raise ContentError(
        f"cannot read a {type(value).__name__} as a file: give a path, bytes, or a "
        "{'bytes': ..., 'path': ...} dict"
    )


def read_head(source: Path | bytes, n: int = 16) -> bytes:
    """The first ``n`` bytes of a source."""
    if isinstance(source, bytes):
        return source[:n]
    with open(source, "rb") as fh:
        return fh.read(n)


def size_of(source: Path | bytes) -> int:
    return len(source) if isinstance(source, bytes) else source.stat().st_size


def read_all(source: Path | bytes) -> bytes:
    return source if isinstance(source, bytes) else source.read_bytes()


# what a sniffed format is, for people, and the kinds it can hold (a container may hold sound,
# pictures or both: only the decoders can tell, so it is never called the wrong kind up front)
_LOOKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "png": ("a PNG image", ("image",)),
    "jpeg": ("a JPEG image", ("image",)),
    "gif": ("a GIF image", ("image",)),
    "bmp": ("a BMP image", ("image",)),
    "tiff": ("a TIFF image", ("image",)),
    "webp": ("a WebP image", ("image",)),
    "wav": ("a WAV audio file", ("audio",)),
    "flac": ("a FLAC audio file", ("audio",)),
    "mp3": ("an MP3 audio file", ("audio",)),
    "m4a": ("an M4A audio file", ("audio",)),
    "ogg": ("an Ogg file", ("audio", "video")),
    "avi": ("an AVI video", ("video", "audio")),
    "matroska": ("a WebM/Matroska video", ("video", "audio")),
    "mp4": ("an MP4 video", ("video", "audio")),
}
_WANTED = {
    "image": ("not an image", "give a PNG, JPEG, GIF or WebP file"),
    "audio": ("not an audio file", "give a WAV, FLAC, Ogg or MP3 file"),
    "video": ("not a video", "give an MP4 (H.264) or WebM (VP9) file"),
}


def looks_like(head: bytes) -> tuple[str, tuple[str, ...]] | None:
    """What a file's first bytes say it is and the kinds it can be (``("a PNG image",
    ("image",))``, ``("text", ("text",))``), or None when they say nothing known."""
    fmt = sniff_format(head)
    if fmt in _LOOKS:
        return _LOOKS[fmt]
    # printable UTF-8 with no NUL is text (a multi-byte character cut at the end is dropped)
    sample = head.decode("utf-8", errors="ignore")
    printable = all(ch.isprintable() or ch in "\t\r\n" for ch in sample)
    if head and b"\x00" not in head and len(sample) * 2 >= len(head) and printable:
        return ("text", ("text",))
    return None


def plain_kind_error(source: Path | bytes, label: str, wanted: str) -> ContentError | None:
    """The error for a file given as ``wanted`` that is plainly of another kind, else None.

    ``"cat.png: not an audio file (looks like a PNG image): use the kind 'image' for it, or
    give a WAV, FLAC, Ogg or MP3 file"``: the file's name, short enough for a tile, and what to
    do; its whole path is the detail.
    """
    looks = looks_like(read_head(source, 256))
    if looks is None or wanted in looks[1]:
        return None
    what, (kind, *_) = looks
    wrong, give = _WANTED[wanted]
    instead = give if kind == "text" else f"use the kind '{kind}' for it, or {give}"
    return ContentError(
        f"{short_name(source, label)}: {wrong} (looks like {what}): {instead}", label
    )


def short_name(source: Path | bytes, label: str) -> str:
    """A file's name (its folder is in the detail), or the label of in-memory bytes."""
    return source.name if isinstance(source, Path) else label
