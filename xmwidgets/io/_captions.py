"""Image-caption datasets: MS-COCO captions and Flickr30k (Karpathy JSON and the token file).

Each loader returns :class:`Loaded`. By default the direction is ``"text_to_image"``: queries
are the captions (``query_id, text, image_id``), items the images (``item_id, image, file_name``),
qrels pair each caption with its image (relevance 1). ``direction="image_to_text"`` swaps the two
sides. The ``image`` column holds ``image_dir/file_name`` when ``image_dir`` is given, else the
bare file name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import (
    FormatError,
    PathLike,
    _data_lines,
    _duplicate_error,
    _expect,
    _load_json,
    _open_text,
    _require_keys,
    _short,
    _warn,
)
from ._loaded import Loaded, _assemble, _media_path

__all__ = ["load_coco_captions", "load_flickr30k"]


def load_coco_captions(
    json_path: PathLike, image_dir: PathLike | None = None, *, direction: str = "text_to_image"
) -> Loaded:
    """Load an MS-COCO captions file (``captions_val2014.json`` and the like).

    Parameters
    ----------
    json_path : str or PathLike
        JSON with ``images[{id, file_name}]`` and ``annotations[{id, image_id, caption}]``.
    image_dir : str or PathLike, optional
        Folder of the images; the ``image`` column then holds full paths.
    direction : {"text_to_image", "image_to_text"}
        Which side is the query (see the module docstring).

    Returns
    -------
    Loaded
        Caption ids are the annotation ids and image ids the COCO image ids, both as str
        (``"397133"``: not the int ``397133`` of the JSON, nor the zero-padded
        ``"000000397133"`` of the file name); caption text is stripped of surrounding whitespace.

    Raises
    ------
    FormatError
        Missing keys, duplicate ids, or a caption of an image not in ``images`` (names the JSON
        path).

    Examples
    --------
    >>> coco = xm.io.load_coco_captions("captions_val2014.json", "val2014/")   # doctest: +SKIP
    >>> queries, items, qrels = coco                                             # doctest: +SKIP
    """
    data = _load_json(json_path)
    if isinstance(data, list) and data and isinstance(data[0], dict) and "image_id" in data[0]:
        raise FormatError(
            json_path,
            f"a list of {len(data)} {{image_id, caption}} objects is a COCO *results* file (a "
            "captioning model's output); load_coco_captions reads annotation files "
            "(captions_val2017.json: an object with 'images' and 'annotations')",
            where="$",
        )
    _expect(json_path, data, dict, "$", "an object with 'images' and 'annotations'")
    _require_keys(json_path, data, ("images", "annotations"), "$")
    _expect(json_path, data["images"], list, "$.images", "a list of images")
    _expect(json_path, data["annotations"], list, "$.annotations", "a list of captions")
    media: list[dict[str, Any]] = []
    where_image: dict[str, str] = {}
    for index, image in enumerate(data["images"]):
        where = f"$.images[{index}]"
        _expect(json_path, image, dict, where, "an object {id, file_name}")
        _require_keys(json_path, image, ("id", "file_name"), where)
        image_id = str(image["id"])
        if image_id in where_image:
            raise _duplicate_error(json_path, "image id", image_id, where_image[image_id], where)
        where_image[image_id] = where
        name = str(image["file_name"])
        media.append(
            {"media_id": image_id, "image": _media_path(image_dir, name), "file_name": name}
        )
    captions: list[dict[str, Any]] = []
    where_caption: dict[str, str] = {}
    for index, annotation in enumerate(data["annotations"]):
        where = f"$.annotations[{index}]"
        _expect(json_path, annotation, dict, where, "an object {id, image_id, caption}")
        _require_keys(json_path, annotation, ("id", "image_id", "caption"), where)
        caption_id, image_id = str(annotation["id"]), str(annotation["image_id"])
        if caption_id in where_caption:
            raise _duplicate_error(
                json_path, "caption id", caption_id, where_caption[caption_id], where
            )
        where_caption[caption_id] = where
        if image_id not in where_image:
            raise FormatError(
                json_path,
                f"image_id {image_id!r} is not in $.images; a caption must describe a listed image",
                where=where,
            )
        text = str(annotation["caption"]).strip()
        captions.append({"caption_id": caption_id, "text": text, "media_id": image_id})
    return _frames(captions, media, direction, "load_coco_captions", with_split=False)


def _frames(
    captions: list[dict[str, Any]],
    media: list[dict[str, Any]],
    direction: str,
    loader: str,
    *,
    with_split: bool,
) -> Loaded:
    caption_columns = ["caption_id", "text", "media_id"]
    media_columns = ["media_id", "image", "file_name", *(["split"] if with_split else [])]
    return _assemble(
        pd.DataFrame(captions, columns=caption_columns),
        pd.DataFrame(media, columns=media_columns),
        "image",
        direction,
        loader,
    )


def load_flickr30k(
    path: PathLike,
    image_dir: PathLike | None = None,
    *,
    split: str | None = None,
    direction: str = "text_to_image",
) -> Loaded:
    """Load Flickr30k (or Flickr8k) captions from a Karpathy-split JSON or a token file.

    Parameters
    ----------
    path : str or PathLike
        Either the Karpathy JSON (``dataset_flickr30k.json``: ``images[{filename, sentences[{raw}],
        split}]``, also ``dataset_coco.json``, whose ``filepath`` is honoured) or the token file
        (``results_20130124.token``: lines ``image.jpg#i<TAB>caption``).
    image_dir : str or PathLike, optional
        Folder of the images; the ``image`` column then holds full paths.
    split : str, optional
        Keep one split. Karpathy JSON: its ``split`` values (``"train"``, ``"val"``,
        ``"test"``). Token file: Flickr8k's official list ``Flickr_8k.<split>Images.txt`` next
        to it (``"train"``, ``"dev"``, ``"test"``), in the list's order.
    direction : {"text_to_image", "image_to_text"}

    Returns
    -------
    Loaded
        Image ids are the file names (``1000092795.jpg``) and caption ids ``<file name>#<i>``, the
        same in both formats, so a token file and a Karpathy JSON of one dataset give the same ids.
        Items have a ``split`` column (missing for a token file read without ``split=``). A name
        with a numbered suffix (Flickr8k's ``2258277193_586949ec62.jpg.1``) is read as the image
        it names (``...jpg``), with a :class:`FormatWarning`.

    Raises
    ------
    FormatError
        A malformed line (no tab, two captions on one line), a duplicate caption id, or an image
        of a split list without captions (names the file and line).
    """
    text = _open_text(path)
    if text.lstrip().startswith("{"):
        captions, media = _karpathy(path, image_dir, split)
    else:
        captions, media = _token_file(path, image_dir)
        if split is not None:
            captions, media = _official_split(path, split, captions, media)
    return _frames(captions, media, direction, "load_flickr30k", with_split=True)


def _official_split(
    path: PathLike, split: str, captions: list[dict[str, Any]], media: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Keep the images of Flickr8k's official list ``Flickr_8k.<split>Images.txt`` (next to the
    token file, as in ``Flickr8k_text/``), in the list's order."""
    folder = Path(path).parent
    listing = folder / f"Flickr_8k.{split}Images.txt"
    if not listing.is_file():
        present = sorted(p.name for p in folder.glob("Flickr_8k.*Images.txt"))
        raise ValueError(
            f"split={split!r}: no {listing.name} next to {path} (official split lists present: "
            f"{', '.join(present) or 'none'}; Flickr8k has train, dev, test). Flickr30k has no "
            "official lists: use the Karpathy JSON (dataset_flickr30k.json) for its splits"
        )
    by_name = {image["media_id"]: image for image in media}
    chosen: dict[str, dict[str, Any]] = {}
    for number, line in _data_lines(listing):
        name = line.strip()
        if name not in by_name:
            raise FormatError(listing, f"image {name!r} has no caption in {path}", line=number)
        chosen[name] = {**by_name[name], "split": split}
    return [c for c in captions if c["media_id"] in chosen], list(chosen.values())


def _karpathy(
    path: PathLike, image_dir: PathLike | None, split: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    data = _load_json(path)
    _expect(path, data, dict, "$", "an object with 'images' (Karpathy split)")
    _require_keys(path, data, ("images",), "$")
    _expect(path, data["images"], list, "$.images", "a list of images")
    captions: list[dict[str, Any]] = []
    media: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    splits: set[str] = set()
    for index, image in enumerate(data["images"]):
        where = f"$.images[{index}]"
        _expect(path, image, dict, where, "an object {filename, sentences, split}")
        _require_keys(path, image, ("filename", "sentences"), where)
        name = str(image["filename"])
        if name in seen:
            raise _duplicate_error(path, "filename", name, seen[name], where)
        seen[name] = where
        image_split = image.get("split")
        splits.add(str(image_split))
        if split is not None and image_split != split:
            continue
        relative = str(Path(str(image["filepath"])) / name) if image.get("filepath") else name
        media.append(
            {
                "media_id": name,
                "image": _media_path(image_dir, relative),
                "file_name": relative,
                "split": image_split,
            }
        )
        _expect(path, image["sentences"], list, f"{where}.sentences", "a list of sentences")
        for number, sentence in enumerate(image["sentences"]):
            at = f"{where}.sentences[{number}]"
            _expect(path, sentence, dict, at, "an object {raw, ...}")
            _require_keys(path, sentence, ("raw",), at)
            captions.append(
                {
                    "caption_id": f"{name}#{number}",
                    "text": str(sentence["raw"]).strip(),
                    "media_id": name,
                }
            )
    if split is not None and not media:
        raise ValueError(
            f"no image of {path} is in split {split!r}; splits present: {', '.join(sorted(splits))}"
        )
    return captions, media


# Flickr8k's token file names one image '2258277193_586949ec62.jpg.1' (the file is ...jpg)
_NUMBERED_COPY = re.compile(r"^(.+\.(?:jpe?g|png))\.\d+$", re.IGNORECASE)


def _token_file(
    path: PathLike, image_dir: PathLike | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    captions: list[dict[str, Any]] = []
    media: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    renamed: dict[str, int] = {}
    for number, line in _data_lines(path):
        key, tab, caption = line.partition("\t")
        name, _, index = key.strip().rpartition("#")
        if not tab or not name or not index.isdigit():
            raise FormatError(
                path, f"expected 'image.jpg#i<TAB>caption', got {_short(line)}", line=number
            )
        if "\t" in caption:
            raise FormatError(
                path,
                f"expected one tab, got two (two captions on one line?): {_short(line)}",
                line=number,
            )
        copy = _NUMBERED_COPY.match(name)
        if copy:
            renamed.setdefault(name, number)
            name = copy.group(1)
        caption_id = f"{name}#{int(index)}"
        if caption_id in seen:
            raise _duplicate_error(
                path, "caption id", caption_id, f"line {seen[caption_id]}", f"line {number}"
            )
        seen[caption_id] = number
        media.setdefault(
            name,
            {
                "media_id": name,
                "image": _media_path(image_dir, name),
                "file_name": name,
                "split": None,
            },
        )
        captions.append({"caption_id": caption_id, "text": caption.strip(), "media_id": name})
    for name, number in renamed.items():
        base = _NUMBERED_COPY.sub(r"\1", name)
        _warn(
            path,
            f"line {number} names image {name!r}, read as {base!r} (a quirk of Flickr8k's "
            "token file; the image file has no numbered suffix)",
        )
    return captions, list(media.values())
