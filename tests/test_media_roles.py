"""infer_roles: which columns of a queries/items frame are content, and of which kind."""

from __future__ import annotations

import io
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from xmwidgets.media import MediaError, infer_roles


def _png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def mixed() -> pd.DataFrame:
    n = 6
    return pd.DataFrame(
        {
            "item_id": [f"i{k}" for k in range(n)],
            "photo_path": [f"imgs/{k}.JPG" for k in range(n)],
            "speech": [f"clips/{k}.flac" if k % 2 else None for k in range(n)],
            "movie": [f"v/{k}.webm" for k in range(n)],
            "caption": [f"a dog number {k}" for k in range(n)],
            "pil": [Image.new("RGB", (2, 2)) for _ in range(n)],
            "png": [_png_bytes() for _ in range(n)],
            "pixels": [np.zeros((4, 4, 3), np.uint8) for _ in range(n)],
            "hf_audio": [{"array": np.zeros(10), "sampling_rate": 16000} for _ in range(n)],
            "wave": [(np.zeros(10), 8000) for _ in range(n)],
            "source": ["run:clip"] * n,
            "score": np.linspace(0, 1, n),
            "rank": range(n),
            "keep": [True] * n,
            "when": pd.date_range("2024-01-01", periods=n, tz="UTC"),
            "query_id": ["q"] * n,
            "split": ["test"] * n,
            "verified": ["true", "false"] * (n // 2),
            "genre": pd.Categorical(["a", "b"] * (n // 2)),
            "empty": [None] * n,
        }
    )


def test_mixed_frame(mixed: pd.DataFrame) -> None:
    assert infer_roles(mixed, "item_id") == {
        "photo_path": "image",
        "speech": "audio",
        "movie": "video",
        "caption": "text",
        "pil": "image",
        "png": "image",
        "pixels": "image",
        "hf_audio": "audio",
        "wave": "audio",
    }


def test_explicit_roles_win_and_drop(mixed: pd.DataFrame) -> None:
    roles = infer_roles(
        mixed, "item_id", roles={"caption": None, "source": "text", "png": "meta", "empty": "image"}
    )
    assert "caption" not in roles and "png" not in roles
    assert roles["source"] == "text" and roles["empty"] == "image"
    assert list(roles) == [c for c in mixed.columns if c in roles]  # column order kept
    assert "item_id" not in roles
    assert infer_roles(mixed, "item_id", roles={"item_id": "text"})["item_id"] == "text"


def test_name_hints() -> None:
    df = pd.DataFrame(
        {
            "query_id": ["1", "2"],
            "image": ["store/abc123", "store/def456"],  # no extension: the name decides
            "text": ["hello", "world"],
            "video": [None, None],  # all null, but named video
            "notes": [None, None],  # all null, no hint: not content
        }
    )
    assert infer_roles(df, "query_id") == {"image": "image", "text": "text", "video": "video"}


def test_pandas_string_dtype_and_pathlike(tmp_path) -> None:
    df = pd.DataFrame({"item_id": ["a", "b"], "file": [tmp_path / "a.wav", tmp_path / "b.wav"]})
    df["caption"] = pd.array(["x", "y"], dtype="string")
    assert infer_roles(df, "item_id") == {"file": "audio", "caption": "text"}


def test_a_file_name_column_next_to_the_media_is_metadata() -> None:
    # a dataset's file_name (and an HF ImageFolder's own filename) beside the resolved path: shown
    # as media too, every tile had a second part "file not found: 000000397133.jpg"
    items = pd.DataFrame(
        {
            "item_id": ["397133", "37777"],
            "image": ["val2017/000000397133.jpg", "val2017/000000037777.jpg"],
            "file_name": ["000000397133.jpg", "000000037777.jpg"],
            "FileName": ["000000397133.jpeg", "000000037777.jpg"],
            "notes": ["a kitchen", "a dining table"],
        }
    )
    assert infer_roles(items, "item_id") == {"image": "image", "notes": "text"}
    # a user's own column of file paths is the media when no other column is
    alone = items[["item_id", "file_name"]].assign(file_name=items["image"])
    assert infer_roles(alone, "item_id") == {"file_name": "image"}
    assert infer_roles(items[["item_id", "FileName"]], "item_id") == {"FileName": "image"}
    # named in roles, it is shown whatever else the frame holds
    shown = infer_roles(items, "item_id", roles={"file_name": "image"})
    assert shown == {"image": "image", "file_name": "image", "notes": "text"}


def test_errors_are_clear(mixed: pd.DataFrame) -> None:
    with pytest.raises(MediaError) as exc:
        infer_roles(mixed, "item_id", roles={"x": "smell"})
    assert "unknown modality 'smell' for column 'x': use one of text, image, audio, video" in str(
        exc.value
    )
    with pytest.raises(MediaError, match="roles name column 'nope', which the frame does not have"):
        infer_roles(mixed, "item_id", roles={"nope": "image"})
    meta_only = mixed[["item_id", "score", "source", "rank"]]
    with pytest.raises(MediaError, match="no content column in the frame"):
        infer_roles(meta_only, "item_id")
    assert isinstance(exc.value, ValueError)


def test_a_million_rows_are_sampled_not_scanned() -> None:
    n = 1_000_000
    df = pd.DataFrame(
        {
            "item_id": np.arange(n).astype(str),
            "image": [f"img/{k}.png" for k in range(n)],
            "caption": ["a caption"] * n,
        }
    )
    calls = []
    original = pd.Series.dropna

    def spy(self, *args, **kwargs):
        calls.append(self.name)
        return original(self, *args, **kwargs)

    pd.Series.dropna = spy  # the full-column fallback must not run when the sample has values
    try:
        start = time.perf_counter()
        assert infer_roles(df, "item_id") == {"image": "image", "caption": "text"}
        elapsed = time.perf_counter() - start
    finally:
        pd.Series.dropna = original
    assert calls == []
    print(f"infer_roles on {n:,} rows: {elapsed * 1000:.1f} ms")


def test_one_word_categories_are_metadata_not_text() -> None:
    import pandas as pd

    from xmwidgets.media import infer_roles

    items = pd.DataFrame(
        {
            "item_id": ["a", "b", "c"],
            "caption": ["a red circle", "two cats", "x"],
            "modality": ["image", "text", "bundle"],
            "colour": ["red", "green", "blue"],
            "notes": ["left of centre", "a long remark", "fine"],
        }
    )
    assert infer_roles(items, "item_id") == {"caption": "text", "notes": "text"}
    assert infer_roles(items, "item_id", roles={"colour": "text"}) == {
        "caption": "text",
        "colour": "text",
        "notes": "text",
    }


@pytest.mark.parametrize("dtype", ["string", "string[pyarrow]"])
def test_a_missing_cell_of_a_string_column_is_no_error(dtype: str) -> None:
    # TypeError: boolean value of NA is ambiguous, in every widget's constructor, e.g. after
    # read_jsonl(...).convert_dtypes()
    df = pd.DataFrame(
        {"item_id": ["a", "b", "c"], "text": pd.array([None, "a dog", "img/x.png"], dtype=dtype)}
    )
    with pytest.warns(UserWarning, match=r"1 of its 3 values looks like media paths"):
        assert infer_roles(df, "item_id") == {"text": "text"}


def test_image_paths_hidden_in_a_caption_column_are_named_in_a_warning() -> None:
    captions = [f"a photo of thing {k} on a table" for k in range(1000)]
    captions[3], captions[501] = "img/dog.png", "images/cat.JPG"
    df = pd.DataFrame({"item_id": [f"i{k}" for k in range(1000)], "caption": captions})
    with pytest.warns(UserWarning) as caught:
        roles = infer_roles(df, "item_id")
    assert roles == {"caption": "text"}  # still text: the sample is mostly captions
    message = str(caught[0].message)
    assert caught[0].filename == __file__  # points at the caller's line
    assert "column 'caption' is shown as text, but 2 of its 1,000 values look like media" in message
    assert "2 image; e.g. 'img/dog.png' at index 3" in message
    assert "item_roles={'caption': 'image'}" in message
    # naming the kind silences it; a caption that merely ends in a file name does not warn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert infer_roles(df, "item_id", roles={"caption": "text"}) == {"caption": "text"}
        plain = pd.DataFrame({"query_id": ["q"], "query": ["the dog in dog.png, please"]})
        assert infer_roles(plain, "query_id") == {"query": "text"}


def test_duplicate_column_names_are_a_clear_error() -> None:
    df = pd.DataFrame([["a", "red car", "blue car", "x.png"]],
                      columns=["item_id", "caption", "caption", "image"])  # fmt: skip
    with pytest.raises(
        MediaError,
        match=r"items has duplicate column name 'caption' \(columns: item_id, caption, caption, image\)",
    ):
        infer_roles(df, "item_id")
