"""BEIR folders: reading, writing, round trip and malformed files."""

from __future__ import annotations

import json

import pandas as pd
import pandas.testing as pdt
import pytest

from xmwidgets.io import FormatError, Loaded, read_beir, write_beir


def _beir(folder, corpus, queries, qrels, split="test"):
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus))
    (folder / "queries.jsonl").write_text("".join(json.dumps(r) + "\n" for r in queries))
    (folder / "qrels" / f"{split}.tsv").write_text(qrels)
    return folder


@pytest.fixture
def folder(tmp_path):
    return _beir(
        tmp_path / "scifact",
        [
            {"_id": 4983, "title": "Microstructural", "text": "Alterations of the", "metadata": {}},
            {"_id": "d2", "title": "", "text": "Café"},
        ],
        [{"_id": 1, "text": "0-dimensional biomaterials"}, {"_id": "q2", "text": "no qrels"}],
        "query-id\tcorpus-id\tscore\n1\t4983\t1\n1\td2\t0\n",
    )


def test_read_beir(folder):
    loaded = read_beir(folder)
    assert isinstance(loaded, Loaded)
    queries, items, qrels = loaded
    assert items.columns.tolist()[:3] == ["item_id", "title", "text"]
    assert items["item_id"].tolist() == ["4983", "d2"]
    assert items["text"].tolist() == ["Alterations of the", "Café"]
    assert queries[["query_id", "text"]].values.tolist() == [
        ["1", "0-dimensional biomaterials"],
        ["q2", "no qrels"],
    ]
    assert qrels.values.tolist() == [["1", "4983", 1], ["1", "d2", 0]]
    assert qrels["relevance"].dtype == "int64"


def test_beir_round_trip(tmp_path, folder):
    queries, items, qrels = read_beir(folder)
    out = write_beir(tmp_path / "copy", queries, items, qrels, split="dev")
    assert (out / "qrels" / "dev.tsv").read_text().splitlines()[0] == "query-id\tcorpus-id\tscore"
    first = json.loads((out / "corpus.jsonl").read_text().splitlines()[0])
    assert list(first)[:3] == ["_id", "title", "text"]
    back = read_beir(out, split="dev")
    pdt.assert_frame_equal(back.queries, queries)
    pdt.assert_frame_equal(back.items, items)
    pdt.assert_frame_equal(back.qrels, qrels)


def test_write_beir_from_labels_needs_aggregate(tmp_path):
    queries = pd.DataFrame({"query_id": ["q"], "text": ["red car"]})
    items = pd.DataFrame({"item_id": ["a"], "text": ["a maroon coupé"]})
    labels = pd.DataFrame(
        {
            "query_id": ["q", "q"],
            "item_id": ["a", "a"],
            "annotator": ["x", "y"],
            "relevance": [1, 3],
        }
    )
    with pytest.raises(ValueError, match="aggregate="):
        write_beir(tmp_path / "b", queries, items, labels)
    back = read_beir(write_beir(tmp_path / "b", queries, items, labels, aggregate="max"))
    assert back.qrels.values.tolist() == [["q", "a", 3]]
    assert back.items["title"].tolist() == [""]


def test_a_file_instead_of_the_folder_names_the_folder(folder):
    # was ".../corpus.jsonl/corpus.jsonl: no such file"
    with pytest.raises(
        FileNotFoundError, match=r"corpus.jsonl is a file; read_beir takes the dataset's folder"
    ):
        read_beir(folder / "corpus.jsonl")


def test_missing_qrels_split_lists_the_present_ones(folder):
    with pytest.raises(FileNotFoundError, match=r"dev.tsv: no such file.*splits present: test"):
        read_beir(folder, split="dev")


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("corpus.jsonl", '{"_id": "a", "text": "x"}\n{"_id": "b", "text": \n', "line 2: expected"),
        ("corpus.jsonl", '{"_id": "a", "text": "x"}\n{"_id": "a", "text": "y"}\n', "line 2: dup"),
        (
            "queries.jsonl",
            '{"_id": "a", "text": "x"}\n{"text": "y"}\n',
            "line 2: missing key '_id'",
        ),
        ("queries.jsonl", '["a", "x"]\n', "line 1: expected a JSON object, got list"),
        ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq\td\t1.5\n", "line 2: score must be an"),
        (
            "qrels/test.tsv",
            "query-id\tcorpus-id\tscore\nq\td\t99999999999999999999\n",
            "line 2: relevance '99999999999999999999' does not fit in a 64-bit integer",
        ),
        ("qrels/test.tsv", "qid\tdocid\tscore\nq\td\t1\n", "line 1: expected a header"),
        ("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq\td\n", "line 2: expected 3 fields"),
        ("corpus.jsonl", "", "the file is empty"),
    ],
)
def test_malformed_beir_files(folder, file, content, message):
    (folder / file).write_text(content)
    with pytest.raises(FormatError) as info:
        read_beir(folder)
    assert str(info.value).startswith(str(folder / file))
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("content", "line", "shown"),
    [
        ("query-id corpus-id score\n1 4983 1\n", 1, "'query-id corpus-id score' is separated by"),
        ("query-id  corpus-id   score\n1\t4983\t1\n", 1, "'query-id  corpus-id   score' is sep"),
        ("query-id\tcorpus-id\tscore\n1 4983 1\n", 2, "'1 4983 1' is separated by spaces"),
        ("1 4983 1\n1 d2 0\n", 1, "'1 4983 1' is separated by spaces, not tabs"),
        ("query-id\tcorpus-id\tscore\n1\t4983 1\n", 2, "'1\\t4983 1' has spaces between fields"),
    ],
)
def test_space_separated_qrels_say_beir_qrels_are_tab_separated(folder, content, line, shown):
    # BEIR's GenericDataLoader reads qrels with csv.reader(delimiter="\t"): spaces are no separator
    path = folder / "qrels" / "test.tsv"
    path.write_text(content)
    with pytest.raises(FormatError) as info:
        read_beir(folder)
    assert info.value.line == line
    message = str(info.value)
    assert message.startswith(f"{path} line {line}: {shown}")
    assert "BEIR qrels are tab-separated, query-id<TAB>corpus-id<TAB>score" in message
    assert "missing" not in message


def test_trec_qrels_in_a_beir_folder_point_to_read_qrels(folder):
    (folder / "qrels" / "test.tsv").write_text("1 0 4983 1\n1 0 d2 0\n")
    with pytest.raises(
        FormatError,
        match=r"line 1: '1 0 4983 1' is separated by spaces and has 4 "
        r"fields, as TREC qrels 'qid 0 docno rel' are: read the file with "
        r"xm.io.read_qrels",
    ):
        read_beir(folder)
