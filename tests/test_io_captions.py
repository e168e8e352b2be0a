"""Image-caption loaders: COCO, Flickr30k (Karpathy JSON + token file), CxC, ECCV Caption."""

from __future__ import annotations

import json
import os

import pytest

from xmwidgets.io import (
    FormatError,
    Loaded,
    load_coco_captions,
    load_cxc,
    load_eccv_caption,
    load_flickr30k,
)

COCO = {
    "info": {},
    "images": [
        {"id": 397133, "file_name": "000000397133.jpg", "height": 427, "width": 640},
        {"id": 37777, "file_name": "000000037777.jpg"},
    ],
    "annotations": [
        {"id": 370509, "image_id": 397133, "caption": "A man is in a kitchen making pizzas.\n"},
        {"id": 370584, "image_id": 397133, "caption": "Man in apron standing in a kitchen."},
        {"id": 9, "image_id": 37777, "caption": "A small kitchen with low cabinets."},
    ],
}


def _write(path, data):
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


@pytest.fixture
def coco_path(tmp_path):
    return _write(tmp_path / "captions_val2017.json", COCO)


def test_coco_text_to_image(coco_path):
    loaded = load_coco_captions(coco_path)
    assert isinstance(loaded, Loaded) and loaded.direction == "text_to_image"
    queries, items, qrels = loaded
    assert queries.columns.tolist() == ["query_id", "text", "image_id"]
    assert queries["query_id"].tolist() == ["370509", "370584", "9"]
    assert queries["text"].iloc[0] == "A man is in a kitchen making pizzas."
    assert items[["item_id", "image"]].values.tolist() == [
        ["397133", "000000397133.jpg"],
        ["37777", "000000037777.jpg"],
    ]
    assert qrels.values.tolist() == [
        ["370509", "397133", 1],
        ["370584", "397133", 1],
        ["9", "37777", 1],
    ]
    assert loaded.candidates.columns.tolist() == ["query_id", "item_id", "source"]
    assert loaded.candidates["source"].unique().tolist() == ["gold"]
    assert repr(loaded) == "Loaded(direction='text_to_image', queries=3, items=2, qrels=3)"


def test_coco_image_to_text_with_image_dir(coco_path, tmp_path):
    queries, items, qrels = load_coco_captions(
        coco_path, tmp_path / "val2017", direction="image_to_text"
    )
    assert queries["query_id"].tolist() == ["397133", "37777"]
    assert queries["image"].iloc[0] == os.fspath(tmp_path / "val2017" / "000000397133.jpg")
    assert items.columns.tolist() == ["item_id", "text", "image_id"]
    assert qrels.values.tolist()[0] == ["397133", "370509", 1]
    with pytest.raises(ValueError, match="unknown direction 'text_to_audio'; use 'text_to_image'"):
        load_coco_captions(coco_path, direction="text_to_audio")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"images": []}, "$: missing key 'annotations'"),
        # another dataset's file, keyed by ids: every key was listed (10,628 characters for
        # ECCV Caption's 1,332 keys, 689 KB for 100k)
        (
            {str(k): [k] for k in range(100_000)},
            "$: missing key 'images', 'annotations'; expected keys images, annotations, got '0', "
            "'1', '2', '3', '4', '5', '6', '7', ... (100,000 keys; is it the file this reader is for?)",
        ),
        (
            {**COCO, "images": [*COCO["images"], {"id": 37777, "file_name": "x.jpg"}]},
            "$.images[2]: duplicate image id '37777' (first at $.images[1])",
        ),
        (
            {**COCO, "annotations": [{"id": 1, "image_id": 397133}]},
            "$.annotations[0]: missing key 'caption'",
        ),
        (
            {**COCO, "annotations": [{"id": 1, "image_id": 5, "caption": "x"}]},
            "$.annotations[0]: image_id '5' is not in $.images",
        ),
        ({**COCO, "images": {"id": 1}}, "$.images: expected a list of images, got dict"),
        ('{"images": [], \n "annotations": [}', "line 2: invalid JSON at column"),
        ('{"images": [], "annotations": [], "images": []}', "duplicate key 'images'"),
    ],
)
def test_malformed_coco(tmp_path, data, message):
    path = _write(tmp_path / "coco.json", data)
    with pytest.raises(FormatError) as info:
        load_coco_captions(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)
    assert len(str(info.value)) < 400 + len(str(path))


KARPATHY = {
    "dataset": "flickr30k",
    "images": [
        {
            "filename": "1000092795.jpg",
            "imgid": 0,
            "split": "train",
            "sentences": [
                {"raw": "Two young guys.", "sentid": 0},
                {"raw": "Two men.", "sentid": 1},
            ],
        },
        {
            "filename": "10002456.jpg",
            "imgid": 1,
            "split": "test",
            "sentences": [{"raw": "Several men in hard hats.", "sentid": 5}],
        },
    ],
}


def test_flickr30k_karpathy_and_token_file_give_the_same_ids(tmp_path):
    karpathy = load_flickr30k(_write(tmp_path / "dataset_flickr30k.json", KARPATHY))
    token = _write(
        tmp_path / "results.token",
        "1000092795.jpg#0\tTwo young guys.\n1000092795.jpg#1\tTwo men.\n"
        "10002456.jpg#0\tSeveral men in hard hats.\n",
    )
    tokens = load_flickr30k(token)
    assert (
        karpathy.qrels.values.tolist()
        == tokens.qrels.values.tolist()
        == [
            ["1000092795.jpg#0", "1000092795.jpg", 1],
            ["1000092795.jpg#1", "1000092795.jpg", 1],
            ["10002456.jpg#0", "10002456.jpg", 1],
        ]
    )
    assert karpathy.queries["text"].tolist() == tokens.queries["text"].tolist()
    assert karpathy.items["split"].tolist() == ["train", "test"]


def test_flickr30k_split_and_paths(tmp_path):
    path = _write(tmp_path / "dataset_flickr30k.json", KARPATHY)
    queries, items, _ = load_flickr30k(path, "imgs", split="test")
    assert items[["item_id", "image"]].values.tolist() == [
        ["10002456.jpg", os.path.join("imgs", "10002456.jpg")]
    ]
    assert queries["query_id"].tolist() == ["10002456.jpg#0"]
    with pytest.raises(ValueError, match="splits present: test, train"):
        load_flickr30k(path, split="restval")
    coco_style = {
        "images": [
            {
                "filepath": "val2014",
                "filename": "a.jpg",
                "split": "val",
                "sentences": [{"raw": "x"}],
            }
        ]
    }
    _, items, _ = load_flickr30k(_write(tmp_path / "dataset_coco.json", coco_style), "coco")
    assert items["image"].tolist() == [os.path.join("coco", "val2014", "a.jpg")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("1.jpg#0\tok\n1.jpg caption without tab\n", "line 2: expected 'image.jpg#i<TAB>caption'"),
        (
            "1.jpg#0\tok\n1.jpg#0\tagain\n",
            "line 2: duplicate caption id '1.jpg#0' (first at line 1)",
        ),
        ("1.jpg#x\tok\n", "line 1: expected 'image.jpg#i<TAB>caption'"),
    ],
)
def test_malformed_token_file(tmp_path, content, message):
    path = _write(tmp_path / "bad.token", content)
    with pytest.raises(FormatError) as info:
        load_flickr30k(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_malformed_karpathy(tmp_path):
    bad = {"images": [KARPATHY["images"][0], {"filename": "b.jpg", "sentences": [{"text": "x"}]}]}
    with pytest.raises(FormatError, match=r"\$\.images\[1\]\.sentences\[0\]: missing key 'raw'"):
        load_flickr30k(_write(tmp_path / "k.json", bad))


CXC = (
    "caption,image,agg_score,sampling_method\n"
    "COCO_val2014:sentid:370509,COCO_val2014_000000037777.jpg,3.4,c2i_intrasim\n"
    "COCO_val2014:sentid:370509,COCO_val2014_000000397133.jpg,5.0,c2i_intrasim\n"
    "COCO_val2014:sentid:9,COCO_val2014_000000397133.jpg,0.4,c2i_intrasim\n"
)


def test_cxc_maps_scores_to_relevance(tmp_path):
    path = _write(tmp_path / "sits_val.csv", CXC)
    queries, items, qrels = load_cxc(path, image_dir="val2014")
    assert qrels.columns.tolist() == [
        "query_id",
        "item_id",
        "relevance",
        "agg_score",
        "sampling_method",
    ]
    assert qrels[["query_id", "item_id", "relevance"]].values.tolist() == [
        ["370509", "37777", 1],
        ["370509", "397133", 1],
        ["9", "397133", 0],
    ]
    assert qrels["agg_score"].tolist() == [3.4, 5.0, 0.4]
    assert queries["query_id"].tolist() == ["370509", "9"]
    assert items["image"].tolist() == [
        os.path.join("val2014", "COCO_val2014_000000037777.jpg"),
        os.path.join("val2014", "COCO_val2014_000000397133.jpg"),
    ]
    strict = load_cxc(path, positive_threshold=4.0)
    assert strict.qrels["relevance"].tolist() == [0, 1, 0]


def test_cxc_joins_coco_content(tmp_path, coco_path):
    coco = load_coco_captions(coco_path)
    cxc = load_cxc(_write(tmp_path / "sits_val.csv", CXC), coco=coco, direction="image_to_text")
    assert cxc.queries["query_id"].tolist() == ["37777", "397133"]
    assert cxc.queries["image"].tolist() == ["000000037777.jpg", "000000397133.jpg"]
    assert cxc.items[["item_id", "text"]].values.tolist() == [
        ["370509", "A man is in a kitchen making pizzas."],
        ["9", "A small kitchen with low cabinets."],
    ]
    assert cxc.qrels[["query_id", "item_id"]].values.tolist()[0] == ["37777", "370509"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "caption,image,score\n",
            "line 1: expected a header with columns caption, image, agg_score",
        ),
        (
            CXC + "COCO_val2014:sentid:9,COCO_val2014_000000000001.jpg,high,x\n",
            "line 5: agg_score must be a number from 0 to 5, got 'high'",
        ),
        (CXC + "COCO_val2014:sentid:9,COCO_val2014_000000000001.jpg,7,x\n", "line 5: agg_score"),
        (
            CXC + "COCO_val2014:sentid:9,COCO_val2014_000000397133.jpg,1,x\n",
            "line 5: duplicate pair",
        ),
    ],
)
def test_malformed_cxc(tmp_path, content, message):
    path = _write(tmp_path / "sits.csv", content)
    with pytest.raises(FormatError) as info:
        load_cxc(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_eccv_caption(tmp_path, coco_path):
    path = _write(tmp_path / "eccv_t2i.json", {"370509": [397133, 37777], "9": [37777], "11": []})
    queries, items, qrels = load_eccv_caption(path)
    assert qrels.values.tolist() == [
        ["370509", "397133", 1],
        ["370509", "37777", 1],
        ["9", "37777", 1],
    ]
    assert queries["query_id"].tolist() == ["370509", "9", "11"]
    assert items["item_id"].tolist() == ["397133", "37777"]
    joined = load_eccv_caption(path, coco=load_coco_captions(coco_path))
    assert joined.queries["text"].tolist()[:2] == [
        "A man is in a kitchen making pizzas.",
        "A small kitchen with low cabinets.",
    ]
    assert joined.items["image"].tolist() == ["000000397133.jpg", "000000037777.jpg"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([["1", [2]]], "$: expected an object {query_id: [positive ids]}, got list"),
        ({"1": 2}, "$['1']: expected a list of positive ids, got int"),
        ({"1": [2, 2]}, "$['1'][1]: positive 2 listed twice for query '1'"),
        ({"1": [{"id": 2}]}, "$['1'][0]: expected an id (string or integer), got dict"),
        ({"1": [3, True]}, "$['1'][1]: expected an id (string or integer), got bool"),
        # json keeps the last list of a repeated query: its first positives were lost
        ('{"552666": [445512, 68120], "552666": [31667]}', "duplicate key '552666'"),
    ],
)
def test_malformed_eccv(tmp_path, data, message):
    path = _write(tmp_path / "eccv.json", data)
    with pytest.raises(FormatError) as info:
        load_eccv_caption(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)
