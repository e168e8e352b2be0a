"""Hugging Face: ImageFolder/AudioFolder metadata (plain files), BEIR-style tables, the extra."""

from __future__ import annotations

import builtins
import json
import os

import pandas as pd
import pytest

from xmwidgets.io import FormatError, from_hf, read_hf, write_hf


def test_imagefolder_metadata_csv(tmp_path):
    (tmp_path / "metadata.csv").write_text(
        'file_name,caption,photographer\n0001.png,a red car,ana\nsub/0002.jpg,"a cat, asleep",ben\n'
    )
    items = read_hf(tmp_path)
    assert items.columns.tolist() == ["item_id", "image", "file_name", "caption", "photographer"]
    assert items["item_id"].tolist() == ["0001.png", "sub/0002.jpg"]
    assert items["image"].tolist() == [
        os.fspath(tmp_path / "0001.png"),
        os.fspath(tmp_path / "sub" / "0002.jpg"),
    ]
    assert items["caption"].tolist() == ["a red car", "a cat, asleep"]


def test_audiofolder_metadata_jsonl_with_splits(tmp_path):
    for split, names in {"train": ["a.wav", "b.wav"], "test": ["a.wav"]}.items():
        (tmp_path / split).mkdir()
        lines = [json.dumps({"file_name": n, "transcription": n.upper(), "id": 7}) for n in names]
        (tmp_path / split / "metadata.jsonl").write_text("\n".join(lines) + "\n")
    both = read_hf(tmp_path)
    assert "audio" in both.columns
    assert both["item_id"].tolist() == ["test/a.wav", "train/a.wav", "train/b.wav"]
    assert both["split"].tolist() == ["test", "train", "train"]
    test = read_hf(tmp_path, split="test")
    assert test["item_id"].tolist() == ["a.wav"]
    assert test["audio"].tolist() == [os.fspath(tmp_path / "test" / "a.wav")]
    assert "split" not in test.columns
    assert read_hf(tmp_path, split="test", media_column="clip").columns[1] == "clip"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "metadata.csv",
            "image,caption\nx.png,y\n",
            "line 1: expected a header with columns file_name",
        ),
        (
            "metadata.csv",
            "file_name,caption\nx.png,y\nx.png,z\n",
            "line 3: duplicate file_name 'x.png'",
        ),
        (
            "metadata.jsonl",
            '{"file_name": "x.png"}\n{"caption": "y"}\n',
            "line 2: missing key 'file_name'",
        ),
        (
            "metadata.jsonl",
            '{"file_name": "x.png"}\n{"file_name": \n',
            "line 2: expected one JSON object",
        ),
    ],
)
def test_malformed_metadata(tmp_path, name, content, message):
    (tmp_path / name).write_text(content)
    with pytest.raises(FormatError) as info:
        read_hf(tmp_path)
    assert str(info.value).startswith(os.fspath(tmp_path / name)) and message in str(info.value)


def test_from_hf_normalises_beir_tables():
    corpus = from_hf(pd.DataFrame({"_id": [1, 2], "title": ["t", ""], "text": ["a", "b"]}))
    assert corpus.columns.tolist() == ["item_id", "title", "text"]
    assert corpus["item_id"].tolist() == ["1", "2"]
    queries = from_hf(pd.DataFrame({"_id": ["q"], "text": ["x"]}))
    assert queries.columns.tolist() == ["query_id", "text"]
    qrels = from_hf(pd.DataFrame({"query-id": [1], "corpus-id": [2], "score": [1.0]}))
    assert qrels.values.tolist() == [["1", "2", 1]]
    assert qrels["relevance"].dtype == "int64"
    with pytest.raises(ValueError, match="integer relevance"):
        from_hf(pd.DataFrame({"query-id": [1], "corpus-id": [2], "score": [0.5]}))
    # NaN, inf and text named by row (inf and NaN failed pandas' int cast without a row)
    for bad in (float("inf"), float("nan"), "high", 1e300):
        table = pd.DataFrame({"query-id": [1, 1], "corpus-id": [2, 3], "score": [1, bad]})
        with pytest.raises(ValueError, match=r"integer relevance levels; row 1 holds"):
            from_hf(table)
    with pytest.raises(ValueError, match="cannot tell whether"):
        from_hf(pd.DataFrame({"id": [1]}))


def test_hub_without_datasets_says_what_to_install(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_datasets(name, *args, **kwargs):
        if name == "datasets":
            raise ImportError("No module named 'datasets'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_datasets)
    with pytest.raises(ImportError, match=r'pip install "xmwidgets\[hf\]"'):
        read_hf("BeIR/scifact", "corpus")


_CARD = """---
configs:
- config_name: corpus
  data_files:
  - split: corpus
    path: data/corpus.jsonl
- config_name: queries
  data_files:
  - split: queries
    path: data/queries.jsonl
- config_name: qrels
  data_files:
  - split: test
    path: data/qrels-test.jsonl
  - split: dev
    path: data/qrels-dev.jsonl
---
"""


def test_datasets_configs(tmp_path, monkeypatch):
    """A local copy of a BEIR-style Hub repo, its configs declared in the dataset card."""
    pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", os.fspath(tmp_path / "hf_home"))
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)  # not the write_hf layout: exercise datasets
    (repo / "README.md").write_text(_CARD)
    rows = {
        "data/corpus.jsonl": [
            {"_id": 4983, "title": "T", "text": "x"},
            {"_id": 5, "title": "", "text": "y"},
        ],
        "data/queries.jsonl": [{"_id": 1, "text": "q?"}],
        "data/qrels-test.jsonl": [{"query-id": 1, "corpus-id": 4983, "score": 1}],
        "data/qrels-dev.jsonl": [{"query-id": 1, "corpus-id": 5, "score": 2}],
    }
    for name, records in rows.items():
        (repo / name).write_text("".join(json.dumps(r) + "\n" for r in records))
    corpus = read_hf(repo, "corpus", cache_dir=os.fspath(tmp_path / "cache"))
    assert corpus[["item_id", "title", "text"]].values.tolist() == [
        ["4983", "T", "x"],
        ["5", "", "y"],
    ]
    loaded = read_hf(repo, cache_dir=os.fspath(tmp_path / "cache"))
    assert loaded.queries[["query_id", "text"]].values.tolist() == [["1", "q?"]]
    assert loaded.qrels.values.tolist() == [["1", "4983", 1]]  # "test" preferred among splits
    dev = read_hf(repo, "qrels", split="dev", cache_dir=os.fspath(tmp_path / "cache"))
    assert dev.values.tolist() == [["1", "5", 2]]


@pytest.fixture
def frames():
    queries = pd.DataFrame({"query_id": ["q1", "q2"], "text": ["red car", "sleeping cat"]})
    items = pd.DataFrame(
        {"item_id": ["397133", "d2"], "title": ["", "Cats"], "text": ["a coupé", "a cat"]}
    )
    qrels = pd.DataFrame(
        {"query_id": ["q1", "q2"], "item_id": ["397133", "d2"], "relevance": [2, 3]}
    )
    return queries, items, qrels


def test_write_hf_round_trip_without_datasets(tmp_path, frames):
    queries, items, qrels = frames
    folder = write_hf(tmp_path / "repo", queries, items, qrels)
    write_hf(folder, queries, items, qrels.assign(relevance=1), split="dev")
    card = (folder / "README.md").read_text()
    assert "config_name: qrels" in card
    assert "path: qrels/dev.jsonl" in card and "path: qrels/test.jsonl" in card
    assert json.loads((folder / "qrels" / "test.jsonl").read_text().splitlines()[0]) == {
        "query-id": "q1",
        "corpus-id": "397133",
        "score": 2,
    }
    loaded = read_hf(folder)  # "test" chosen among test and dev
    pd.testing.assert_frame_equal(loaded.queries, queries)
    pd.testing.assert_frame_equal(loaded.items, items)
    pd.testing.assert_frame_equal(loaded.qrels, qrels)
    assert read_hf(folder, "qrels", split="dev")["relevance"].tolist() == [1, 1]
    assert read_hf(folder, "corpus")["item_id"].tolist() == ["397133", "d2"]


def test_write_hf_is_what_datasets_loads(tmp_path, monkeypatch, frames):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = write_hf(tmp_path / "repo", *frames)
    table = datasets.load_dataset(os.fspath(folder), "qrels", cache_dir=os.fspath(tmp_path / "c"))
    assert list(table) == ["test"]
    assert from_hf(table["test"]).values.tolist() == [["q1", "397133", 2], ["q2", "d2", 3]]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ('{"query-id": "q1", "corpus-id": "d2"}', "line 2: missing key 'score'"),
        ('{"query-id": "q1", "corpus-id": "d2", "score": 0.5}', "line 2: score must be an integer"),
        # int(score) crashed on these with a bare ValueError / OverflowError
        # (and NaN, 1e400 are refused where the line is read, as no JSON number / too large)
        ('{"query-id": "q1", "corpus-id": "d2", "score": NaN}', "line 2: NaN is no JSON number"),
        (
            '{"query-id": "q1", "corpus-id": "d2", "score": 1e400}',
            "line 2: number 1e400 is too large for a float",
        ),
        (
            '{"query-id": "q1", "corpus-id": "d2", "score": 99999999999999999999}',
            "line 2: relevance '99999999999999999999' does not fit in a 64-bit integer",
        ),
        ('{"query-id": "q1", "corpus-id": "397133", "score": 1}', "line 2: duplicate pair"),
    ],
)
def test_malformed_hf_repo_qrels(tmp_path, frames, record, message):
    folder = write_hf(tmp_path / "repo", *frames)
    path = folder / "qrels" / "test.jsonl"
    path.write_text(path.read_text().splitlines()[0] + "\n" + record + "\n")
    with pytest.raises(FormatError) as info:
        read_hf(folder)
    assert str(info.value).startswith(os.fspath(path)) and message in str(info.value)
