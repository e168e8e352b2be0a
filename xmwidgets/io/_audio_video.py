"""Audio- and video-caption datasets: AudioCaps, Clotho and MSR-VTT.

Each loader returns :class:`Loaded`. By default text is the query (``"text_to_audio"`` /
``"text_to_video"``: queries = captions, items = clips); ``"audio_to_text"`` / ``"video_to_text"``
swap the sides. The ``audio``/``video`` column holds ``<dir>/<file name>`` when a folder is given,
else the bare file name.
"""

from __future__ import annotations

import math
import os
import string
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import (
    FormatError,
    PathLike,
    _csv_header,
    _duplicate_error,
    _expect,
    _load_json,
    _open_text,
    _read_csv,
    _require_keys,
)
from ._loaded import Loaded, _assemble, _media_path

__all__ = ["load_audiocaps", "load_clotho", "load_msrvtt"]


def _frames(
    captions: list[dict[str, Any]],
    media: list[dict[str, Any]],
    medium: str,
    direction: str,
    loader: str,
) -> Loaded:
    return _assemble(
        pd.DataFrame(captions, columns=["caption_id", "text", "media_id"]),
        pd.DataFrame(media, columns=list(media[0]) if media else ["media_id", "media"]).rename(
            columns={"media": medium}
        ),
        medium,
        direction,
        loader,
    )


_PATTERN_FIELDS = ("youtube_id", "start_time")


def _check_pattern(file_pattern: str) -> None:
    """Refuse a ``file_pattern`` that names a field AudioCaps does not have, before reading."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(file_pattern) if f is not None]
    except ValueError as err:
        raise ValueError(f"file_pattern {file_pattern!r} is not a format string: {err}") from None
    unknown = [f for f in fields if f.split(".")[0].split("[")[0] not in _PATTERN_FIELDS]
    if unknown:
        raise ValueError(
            f"file_pattern {file_pattern!r} uses {{{unknown[0]}}}, which AudioCaps has no field "
            f"for; the fields are {', '.join('{' + f + '}' for f in _PATTERN_FIELDS)} "
            "(e.g. 'Y{youtube_id}.wav', '{youtube_id}_{start_time}.flac')"
        )


def load_audiocaps(
    csv_path: PathLike,
    audio_dir: PathLike | None = None,
    *,
    file_pattern: str = "{youtube_id}.wav",
    direction: str = "text_to_audio",
) -> Loaded:
    """Load an AudioCaps split (``train.csv``, ``val.csv``, ``test.csv``).

    Parameters
    ----------
    csv_path : str or PathLike
        CSV with header ``audiocap_id, youtube_id, start_time, caption``.
    audio_dir : str or PathLike, optional
        Folder of the downloaded clips.
    file_pattern : str
        How a clip's file is named, with ``{youtube_id}`` and ``{start_time}`` fields (downloaders
        differ: ``"Y{youtube_id}.wav"``, ``"{youtube_id}_{start_time}.flac"``, …).
    direction : {"text_to_audio", "audio_to_text"}

    Returns
    -------
    Loaded
        Caption ids are the ``audiocap_id``; clip ids the ``youtube_id``; items carry ``start_time``
        (seconds, int) and ``file_name``.

    Raises
    ------
    FormatError
        Wrong header, a start_time that is not whole seconds (a fraction, a negative value,
        ``inf``), a duplicate audiocap_id, or one youtube_id with two start times (names the
        line).
    ValueError
        ``file_pattern`` names a field other than ``youtube_id`` and ``start_time``.
    """
    _check_pattern(file_pattern)
    captions: list[dict[str, Any]] = []
    media: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for number, row in _read_csv(csv_path, ("audiocap_id", "youtube_id", "start_time", "caption")):
        caption_id, youtube_id = row["audiocap_id"].strip(), row["youtube_id"].strip()
        start = _whole_seconds(csv_path, number, row["start_time"])
        if caption_id in seen:
            raise _duplicate_error(
                csv_path, "audiocap_id", caption_id, f"line {seen[caption_id]}", f"line {number}"
            )
        seen[caption_id] = number
        clip = media.get(youtube_id)
        if clip is not None and clip["start_time"] != start:
            raise FormatError(
                csv_path,
                f"youtube_id {youtube_id!r} has start_time {start} here but {clip['start_time']} "
                f"at line {clip['line']}; one clip per youtube_id is expected",
                line=number,
            )
        if clip is None:
            name = file_pattern.format(youtube_id=youtube_id, start_time=start)
            media[youtube_id] = {
                "media_id": youtube_id,
                "media": _media_path(audio_dir, name),
                "file_name": name,
                "start_time": start,
                "line": number,
            }
        captions.append(
            {"caption_id": caption_id, "text": row["caption"].strip(), "media_id": youtube_id}
        )
    clips = [{k: v for k, v in clip.items() if k != "line"} for clip in media.values()]
    return _frames(captions, clips, "audio", direction, "load_audiocaps")


def _whole_seconds(path: PathLike, number: int, text: str) -> int:
    """A start_time as written by AudioCaps (``30``; ``30.0`` as a spreadsheet re-saves it).

    A fraction is refused, not truncated: the clip's file is named by its whole start second, so
    60.7 read as 60 would name another file.
    """
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    # a start beyond int64 (1e300) is refused as infinity is: no clip starts there
    if not (0 <= seconds < 2**63 and seconds.is_integer()):
        raise FormatError(
            path,
            f"start_time must be whole seconds, got {text!r}: an integer >= 0, as AudioCaps "
            "writes it (the clip's file is named by it)",
            line=number,
        )
    return int(seconds)


def load_clotho(
    csv_path: PathLike, audio_dir: PathLike | None = None, *, direction: str = "text_to_audio"
) -> Loaded:
    """Load a Clotho captions file (``clotho_captions_evaluation.csv`` and the like).

    Parameters
    ----------
    csv_path : str or PathLike
        CSV with header ``file_name, caption_1, caption_2, caption_3, caption_4, caption_5``.
    audio_dir : str or PathLike, optional
        Folder of the clips.
    direction : {"text_to_audio", "audio_to_text"}

    Returns
    -------
    Loaded
        Clip ids are the file names exactly as written (some begin with a space, as the files
        do: ``' Ambience Birds.wav'``); caption ids ``<file name>#<k>`` with k = 1…5.

    Raises
    ------
    FormatError
        Wrong header, an empty caption, or a file name listed twice (names the line).
    """
    columns = [f"caption_{k}" for k in range(1, 6)]
    captions: list[dict[str, Any]] = []
    media: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, row in _read_csv(csv_path, ("file_name", *columns)):
        # not stripped: real Clotho names begin with a space (' Ambience Birds.wav')
        name = row["file_name"]
        if name in seen:
            raise _duplicate_error(
                csv_path, "file_name", name, f"line {seen[name]}", f"line {number}"
            )
        seen[name] = number
        media.append({"media_id": name, "media": _media_path(audio_dir, name), "file_name": name})
        for k, column in enumerate(columns, start=1):
            text = row[column].strip()
            if not text:
                raise FormatError(csv_path, f"{column} of {name!r} is empty", line=number)
            captions.append({"caption_id": f"{name}#{k}", "text": text, "media_id": name})
    return _frames(captions, media, "audio", direction, "load_clotho")


def load_msrvtt(
    path: PathLike,
    video_dir: PathLike | None = None,
    *,
    split: str | None = None,
    captions: PathLike | None = None,
    video_ext: str = ".mp4",
    direction: str = "text_to_video",
) -> Loaded:
    """Load MSR-VTT from its JSON, the 1k-A test CSV or a CLIP4Clip train split CSV.

    Parameters
    ----------
    path : str or PathLike
        One of: ``MSRVTT_data.json`` (``videos[{video_id, split, ...}]``,
        ``sentences[{caption, video_id, sen_id}]``); ``MSRVTT_JSFUSION_test.csv`` (header
        ``key, vid_key, video_id, sentence``); or a CLIP4Clip split such as
        ``MSRVTT_train.9k.csv`` / ``MSRVTT_train.7k.csv`` (a ``video_id`` column only: the videos
        are those listed, their captions come from ``MSRVTT_data.json``).
    video_dir : str or PathLike, optional
        Folder of the clips, named ``<video_id><video_ext>``.
    split : str, optional
        Keep one split of the JSON (``"train"``, ``"validate"``, ``"test"``).
    captions : str or PathLike, optional
        For a split CSV: the ``MSRVTT_data.json`` holding the captions; by default the one next
        to the CSV (CLIP4Clip's ``msrvtt_data`` folder holds both).
    video_ext : str
        File extension of the clips.
    direction : {"text_to_video", "video_to_text"}

    Returns
    -------
    Loaded
        Clip ids are the ``video_id`` (``"video7010"``); caption ids the ``sen_id`` (JSON, split
        CSV) or the ``key`` (1k-A CSV, ``"ret0"``). A split CSV keeps its videos in its order, all
        their captions, and the JSON's ``split`` of each video.

    Raises
    ------
    FormatError
        A malformed file, or a split CSV listing a video the JSON does not have (names the line).
    FileNotFoundError
        A split CSV without ``captions=`` and no ``MSRVTT_data.json`` next to it.
    """
    if _open_text(path).lstrip().startswith("{"):
        found = _msrvtt_json(path, video_dir, split, video_ext)
    elif split is not None:
        raise ValueError(
            f"split={split!r} given, but {path} is a CSV (the 1k-A CSV, a test split only, or a "
            "CLIP4Clip split list), which is one split already; pass split= with MSRVTT_data.json"
        )
    elif _csv_header(path) == ["video_id"]:
        found = _msrvtt_split(path, captions, video_dir, video_ext)
    else:
        found = _msrvtt_csv(path, video_dir, video_ext)
    return _frames(*found, "video", direction, "load_msrvtt")


def _video(video_id: str, video_dir: PathLike | None, video_ext: str, **extra: Any) -> dict:
    name = f"{video_id}{video_ext}"
    return {
        "media_id": video_id,
        "media": _media_path(video_dir, name),
        "file_name": name,
        **extra,
    }


def _msrvtt_csv(
    path: PathLike, video_dir: PathLike | None, video_ext: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    captions: list[dict[str, Any]] = []
    media: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for number, row in _read_csv(path, ("key", "vid_key", "video_id", "sentence")):
        key, video_id = row["key"].strip(), row["video_id"].strip()
        if key in seen:
            raise _duplicate_error(path, "key", key, f"line {seen[key]}", f"line {number}")
        seen[key] = number
        media.setdefault(video_id, _video(video_id, video_dir, video_ext))
        captions.append({"caption_id": key, "text": row["sentence"].strip(), "media_id": video_id})
    return captions, list(media.values())


def _msrvtt_split(
    path: PathLike, captions_path: PathLike | None, video_dir: PathLike | None, video_ext: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A CLIP4Clip split CSV (``video_id`` only) joined with the captions of MSRVTT_data.json."""
    json_path = Path(captions_path) if captions_path else Path(path).parent / "MSRVTT_data.json"
    if not json_path.is_file():
        raise FileNotFoundError(
            f"{os.fspath(json_path)}: no such file; {os.fspath(path)} lists video ids only (a "
            "CLIP4Clip split), its captions are in MSRVTT_data.json: pass captions='.../"
            "MSRVTT_data.json'"
        )
    all_captions, all_media = _msrvtt_json(json_path, video_dir, None, video_ext)
    by_id = {video["media_id"]: video for video in all_media}
    chosen: dict[str, dict[str, Any]] = {}
    for number, row in _read_csv(path, ("video_id",)):
        video_id = row["video_id"].strip()
        if video_id not in by_id:
            raise FormatError(
                path, f"video_id {video_id!r} is not in {os.fspath(json_path)}", line=number
            )
        if video_id in chosen:
            raise _duplicate_error(path, "video_id", video_id, "an earlier line", f"line {number}")
        chosen[video_id] = by_id[video_id]
    return [c for c in all_captions if c["media_id"] in chosen], list(chosen.values())


def _msrvtt_json(
    path: PathLike, video_dir: PathLike | None, split: str | None, video_ext: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    data = _load_json(path)
    _expect(path, data, dict, "$", "an object with 'videos' and 'sentences'")
    _require_keys(path, data, ("videos", "sentences"), "$")
    _expect(path, data["videos"], list, "$.videos", "a list of videos")
    _expect(path, data["sentences"], list, "$.sentences", "a list of sentences")
    media: dict[str, dict[str, Any]] = {}
    where_video: dict[str, str] = {}
    for index, video in enumerate(data["videos"]):
        where = f"$.videos[{index}]"
        _expect(path, video, dict, where, "an object {video_id, split, ...}")
        _require_keys(path, video, ("video_id",), where)
        video_id = str(video["video_id"])
        if video_id in where_video:
            raise _duplicate_error(path, "video_id", video_id, where_video[video_id], where)
        where_video[video_id] = where
        if split is not None and video.get("split") != split:
            continue
        media[video_id] = _video(video_id, video_dir, video_ext, split=video.get("split"))
    captions: list[dict[str, Any]] = []
    where_sentence: dict[str, str] = {}
    for index, sentence in enumerate(data["sentences"]):
        where = f"$.sentences[{index}]"
        _expect(path, sentence, dict, where, "an object {caption, video_id, sen_id}")
        _require_keys(path, sentence, ("caption", "video_id", "sen_id"), where)
        sen_id, video_id = str(sentence["sen_id"]), str(sentence["video_id"])
        if sen_id in where_sentence:
            raise _duplicate_error(path, "sen_id", sen_id, where_sentence[sen_id], where)
        where_sentence[sen_id] = where
        if video_id not in where_video:
            raise FormatError(path, f"video_id {video_id!r} is not in $.videos", where=where)
        if video_id in media:
            captions.append(
                {
                    "caption_id": sen_id,
                    "text": str(sentence["caption"]).strip(),
                    "media_id": video_id,
                }
            )
    return captions, list(media.values())
