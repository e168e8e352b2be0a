"""A loader's frames show each item's media once: its ``file_name`` column is metadata.

Each loader reads the real file (../shared/realdata) when it is there, else a small file of the
same format written here. The media file of the first item is written into the media folder,
then a RelevanceGrid page built from the loader's frames is checked as the browser receives it.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _realdata import REALDATA
from PIL import Image

import xmwidgets as xm
from xmwidgets.media import infer_roles

MEDIA = ("image", "audio", "video")

COCO = {
    "images": [{"id": 397133, "file_name": "000000397133.jpg"}],
    "annotations": [{"id": 1, "image_id": 397133, "caption": "A man is in a kitchen."}],
}
KARPATHY = {
    "images": [{"filename": "1.jpg", "sentences": [{"raw": "a red bowl"}], "split": "test"}]
}
AUDIOCAPS = "audiocap_id,youtube_id,start_time,caption\n97151,vfY_TJq7n_U,130,ducks quack\n"
CLOTHO = "file_name,caption_1,caption_2,caption_3,caption_4,caption_5\nSanta Motor.wav,a,b,c,d,e\n"
MSRVTT = "key,vid_key,video_id,sentence\nret0,msr9770,video9770,a person connects a cable\n"
FOLDER = {"file_name": "test0.png", "notes": "An example.", "filename": "test0.png"}


def _source(tmp_path: Path, real: tuple[str, ...], name: str, text: str) -> Path:
    """The real file when present, else ``text`` written to ``tmp_path/name``."""
    if REALDATA is not None and REALDATA.joinpath(*real).exists():
        return REALDATA.joinpath(*real)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _write_image(path: Path) -> None:
    Image.new("RGB", (64, 48), "red").save(path, format="PNG" if path.suffix == ".png" else "JPEG")


def _write_audio(path: Path) -> None:
    samples = (np.sin(np.linspace(0, 440 * 2 * np.pi, 8000)) * 20000).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(samples.tobytes())


def _write_video(path: Path) -> None:
    av = pytest.importorskip("av")
    if "libx264" not in av.codecs_available:
        pytest.skip("PyAV has no libx264 encoder here")
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(6):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 90, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


WRITERS: dict[str, Callable[[Path], None]] = {
    "image": _write_image,
    "audio": _write_audio,
    "video": _write_video,
}


def _coco(tmp: Path, media: Path) -> xm.io.Loaded:
    json_path = _source(
        tmp, ("coco", "coco_mini", "captions_val2017.json"), "coco.json", json.dumps(COCO)
    )
    return xm.io.load_coco_captions(json_path, media)


def _flickr(tmp: Path, media: Path) -> xm.io.Loaded:
    path = _source(
        tmp, ("karpathy_format_food_iac", "composition.json"), "karpathy.json", json.dumps(KARPATHY)
    )
    return xm.io.load_flickr30k(path, media)


def _audiocaps(tmp: Path, media: Path) -> xm.io.Loaded:
    return xm.io.load_audiocaps(
        _source(tmp, ("audiocaps", "v1", "val.csv"), "ac.csv", AUDIOCAPS), media
    )


def _clotho(tmp: Path, media: Path) -> xm.io.Loaded:
    path = _source(tmp, ("clotho_v2.1", "clotho_captions_evaluation.csv"), "clotho.csv", CLOTHO)
    return xm.io.load_clotho(path, media)


def _msrvtt(tmp: Path, media: Path) -> xm.io.Loaded:
    path = _source(tmp, ("msrvtt", "MSRVTT_JSFUSION_test.csv"), "msrvtt.csv", MSRVTT)
    return xm.io.load_msrvtt(path, media)


def _imagefolder(tmp: Path, media: Path) -> xm.io.Loaded:
    real = REALDATA / "hf_imagefolder_vlm_comparison" if REALDATA is not None else None
    if real is None or not real.is_dir():  # a folder of the same shape: file_name and filename
        real = media
        (media / "metadata.jsonl").write_text(json.dumps(FOLDER) + "\n", encoding="utf-8")
        _write_image(media / FOLDER["file_name"])
    items = xm.io.read_hf(real)
    assert isinstance(items, pd.DataFrame)
    queries = pd.DataFrame({"query_id": ["q1"], "text": ["an example"]})
    qrels = pd.DataFrame({"query_id": ["q1"], "item_id": [items["item_id"].iloc[0]]})
    return xm.io.Loaded(queries, items, qrels.assign(relevance=1), "text_to_image")


LOADERS = {
    "coco_captions": _coco,
    "flickr30k": _flickr,
    "audiocaps": _audiocaps,
    "clotho": _clotho,
    "msrvtt": _msrvtt,
    "read_hf_imagefolder": _imagefolder,
}


@pytest.mark.parametrize("loader", LOADERS)
def test_a_grid_of_a_loaders_frames_shows_each_item_once_without_error(
    loader: str, tmp_path: Path, built_bundle: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    loaded = LOADERS[loader](tmp_path, media)
    assert "file_name" in loaded.items.columns  # the metadata column the loaders keep
    roles = infer_roles(loaded.items, "item_id")
    shown = [column for column, kind in roles.items() if kind in MEDIA]
    assert len(shown) == 1, roles
    column, kind = shown[0], roles[shown[0]]
    first = loaded.items.iloc[0]
    path = Path(first[column])
    if not path.exists():  # the real folders are read only: media are written into tmp_path
        assert path.parent == media, path
        WRITERS[kind](path)
    candidates = loaded.qrels[loaded.qrels["item_id"] == first["item_id"]].head(1)
    grid = xm.RelevanceGrid(
        loaded.queries, loaded.items, candidates[["query_id", "item_id"]],
        store=":memory:", annotator="ana",
    )  # fmt: skip
    sent: list[dict[str, Any]] = []
    grid.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    grid._on_message(grid, {"type": "page", "index": 0, "request_id": 1}, [])
    grid.wait_for_pages()
    parts = sent[-1]["page"]["candidates"][0]["parts"]
    assert [(p["column"], p["kind"]) for p in parts if p["kind"] != "text"] == [(column, kind)]
    assert [p.get("error") for p in parts if p["kind"] == "error" or p.get("error")] == []
