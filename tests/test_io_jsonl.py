"""JSON Lines and Parquet: round trips of contract frames, id casting, malformed files."""

from __future__ import annotations

import builtins

import pandas as pd
import pandas.testing as pdt
import pytest

from xmwidgets._contract import LABEL_COLUMNS
from xmwidgets.io import FormatError, read_jsonl, read_parquet, write_jsonl, write_parquet


@pytest.fixture
def candidates():
    return pd.DataFrame(
        {
            "query_id": ["q1", "q1", "q2"],
            "item_id": ["397133", "a b", "ü"],
            "source": ["run:clip-b32", "hard-negative", "gold"],
            "score": [0.5, None, 1.25],
            "rank": [1, 2, 1],
        }
    )


@pytest.fixture
def labels():
    columns = ["campaign", "task", "query_id", "item_id", "annotator", "relevance", "flags"]
    columns += ["note", "shown_position", "created_at"]
    frame = pd.DataFrame(
        {
            "campaign": ["c", "c"],
            "task": ["grade", "pick"],
            "query_id": ["q1", "q1"],
            "item_id": ["a", None],
            "annotator": ["ana", "ana"],
            "relevance": [3, None],
            "flags": ["sarcasm", None],
            "note": ['says "red", is maroon', None],
            "shown_position": [0, None],
            "created_at": pd.to_datetime(
                ["2026-11-23 10:00:00.123456", "2026-11-23 10:01:00.000000"], utc=True
            ),
        }
    )
    return frame.astype({c: LABEL_COLUMNS[c] for c in columns})


def test_jsonl_round_trip(tmp_path, candidates):
    back = read_jsonl(write_jsonl(candidates, tmp_path / "c.jsonl"))
    pdt.assert_frame_equal(back, candidates.astype({"query_id": str, "item_id": str}))
    # readable, not escaped
    assert "ü" in (tmp_path / "c.jsonl").read_text(encoding="utf-8")


def test_jsonl_labels_round_trip_with_contract_dtypes(tmp_path, labels):
    path = write_jsonl(labels, tmp_path / "labels.jsonl")
    back = read_jsonl(path, dtypes={**LABEL_COLUMNS, "query_id": "string", "item_id": "string"})
    pdt.assert_frame_equal(back, labels)


def test_read_jsonl_casts_integer_ids_to_str(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"query_id": 397133, "text": "a"}\n\n{"query_id": 7, "text": "b"}\n')
    queries = read_jsonl(path)
    assert queries["query_id"].tolist() == ["397133", "7"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"query_id": 1}\n{"query_id": 2,}\n', "line 2: expected one JSON object per line"),
        ('{"query_id": 1}\n[1, 2]\n', "line 2: expected a JSON object, got list"),
        ("", "the file is empty"),
        (
            '{"query_id": 1}\n{"query_id": 2, "text": "a", "text": "b"}\n',
            "line 2: duplicate key 'text'",
        ),
    ],
)
def test_malformed_jsonl(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(FormatError) as info:
        read_jsonl(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_parquet_round_trip_keeps_dtypes(tmp_path, candidates, labels):
    pytest.importorskip("pyarrow")
    back = read_parquet(write_parquet(candidates, tmp_path / "c.parquet"))
    pdt.assert_frame_equal(back, candidates.astype({"query_id": str, "item_id": str}))
    back = read_parquet(
        write_parquet(labels, tmp_path / "l.parquet"),
        dtypes={"query_id": "string", "item_id": "string"},
    )
    pdt.assert_frame_equal(back, labels)


def test_read_parquet_casts_ids(tmp_path):
    pytest.importorskip("pyarrow")
    path = write_parquet(pd.DataFrame({"item_id": [1, 2], "x": [0.5, 1.5]}), tmp_path / "i.parquet")
    assert read_parquet(path)["item_id"].tolist() == ["1", "2"]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        # UnicodeDecodeError from pandas' writer
        (
            [b"\xff", b"y"],
            r"column 'a' holds b'\\xff' \(type bytes\) at row 0, which JSON Lines "
            r"cannot hold.*df\[col\].str.decode\('utf-8'\)",
        ),
        # written as {}: the content lost without a word
        ([1, Ellipsis], r"column 'a' holds Ellipsis \(type ellipsis\) at row 1"),
        ([{"k": [1, b"z"]}], r"column 'a' holds b'z' \(type bytes\) at row 0"),
    ],
)
def test_write_jsonl_refuses_cells_json_cannot_hold(tmp_path, cells, message):
    path = tmp_path / "a.jsonl"
    with pytest.raises(ValueError, match=r"cannot write JSON Lines: " + message):
        write_jsonl(pd.DataFrame({"n": range(len(cells)), "a": cells}), path)
    assert not path.exists()


def test_parquet_keeps_columns_of_mixed_types_and_refuses_what_it_cannot_hold(tmp_path):
    pytest.importorskip("pyarrow")
    # pyarrow's ArrowInvalid "Could not convert 'x' with type str: tried to convert to int64"
    frame = pd.DataFrame({"a": pd.Series([1, "x", None, True], dtype=object), "b": [b"\xff"] * 4})
    back = read_parquet(write_parquet(frame, tmp_path / "m.parquet"))
    assert back["a"].tolist() == [1, "x", None, True] and back["b"].tolist() == [b"\xff"] * 4
    path = tmp_path / "bad.parquet"
    with pytest.raises(
        ValueError,
        match=r"cannot write Parquet: column 'a' holds Ellipsis \(type ellipsis\) at row 1",
    ):
        write_parquet(pd.DataFrame({"a": ["x", Ellipsis]}), path)
    assert not path.exists()


def test_parquet_not_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "fake.parquet"
    path.write_text("query_id,item_id\n")
    with pytest.raises(FormatError, match=r"fake\.parquet: not a readable Parquet file"):
        read_parquet(path)


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch, candidates):
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("No module named 'pyarrow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(ImportError, match=r"pip install pyarrow"):
        write_parquet(candidates, tmp_path / "c.parquet")


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ('{"query_id": "q\\ud800", "text": "a"}', "$.query_id, 'q\\ud800'"),
        (
            '{"query_id": "q2", "meta": {"tags": ["ok", "x\\udc00y"]}}',
            "$.meta.tags[1], 'x\\udc00y'",
        ),
        ('{"query_id": "q2", "\\ud800": 1}', "$ (a key), '\\ud800'"),
    ],
)
def test_lone_surrogate_escape_names_file_line_and_key(tmp_path, line, where):
    # JSON scraped from the web holds escapes like \ud800 without their pair; pandas' Arrow
    # strings then failed with a bare UnicodeEncodeError naming no file
    path = tmp_path / "q.jsonl"
    path.write_text('{"query_id": "q1", "text": "\\ud83d\\ude00 a valid pair"}\n' + line + "\n")
    with pytest.raises(FormatError) as info:
        read_jsonl(path)
    assert info.value.line == 2
    message = str(info.value)
    assert message.startswith(f"{path} line 2: the text at {where}, holds the escape")
    assert "lone surrogate" in message and "replace" in message


def test_a_valid_surrogate_pair_is_read(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"query_id": "q1", "text": "\\ud83d\\ude00"}\n')
    assert read_jsonl(path)["text"].tolist() == ["\U0001f600"]


@pytest.mark.parametrize(
    ("rows", "dtypes", "message"),
    [
        (
            ['{"a": "1"}', '{"a": "x"}'],
            {"a": "int64"},
            "line 2: column 'a' cannot be cast to 'int64' as dtypes= asks: it holds 'x' (str",
        ),
        (
            ['{"a": 1}', '{"a": 200}'],
            {"a": "Int8"},
            "line 2: column 'a' cannot be cast to 'Int8' as dtypes= asks: it holds 200 (int",
        ),
        (
            ['{"a": "2026-01-01T00:00:00Z"}', '{"a": "yesterday"}'],
            {"a": "datetime64[ns, UTC]"},
            "line 2: column 'a' cannot be cast to 'datetime64[ns, UTC]' as dtypes= asks: it "
            "holds 'yesterday'",
        ),
        (
            ['{"a": 1}'],
            {"a": "int65"},
            "dtypes={'a': 'int65'}: 'int65' is not a dtype pandas knows",
        ),
        (  # a misspelt column used to be read uncast without a word
            ['{"query_id": "q1", "relevance": 1}'],
            {"relevence": "Int8"},
            "dtypes= names the column 'relevence', which the file does not have; did you mean "
            "'relevance'?",
        ),
    ],
)
def test_bad_dtypes_name_the_column_the_dtype_and_the_value(tmp_path, rows, dtypes, message):
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(FormatError) as info:
        read_jsonl(path, dtypes=dtypes)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_bad_dtypes_of_parquet_name_the_row(tmp_path):
    path = write_parquet(pd.DataFrame({"a": ["1", "2", "x"]}), tmp_path / "a.parquet")
    with pytest.raises(FormatError, match=r"row 2: column 'a' cannot be cast to 'int64'"):
        read_parquet(path, dtypes={"a": "int64"})
    with pytest.raises(FormatError, match=r"the column 'scores', .*did you mean 'score'\?"):
        read_parquet(
            write_parquet(pd.DataFrame({"score": ["1"]}), tmp_path / "s.parquet"),
            dtypes={"scores": "float64"},
        )
    # a column the file lacks, and like none it has, is skipped: one mapping serves many files
    assert read_parquet(path, dtypes={"created_at": "datetime64[ns, UTC]"})["a"].tolist() == [
        "1",
        "2",
        "x",
    ]


@pytest.mark.parametrize("path", [3, None, ["a.jsonl"]])
def test_a_path_that_is_no_path_is_named(path):
    # read_jsonl(3) was pathlib's "expected str, bytes or os.PathLike object, not int"
    with pytest.raises(
        TypeError, match=r"expected the path of a file \(str or pathlib.Path\), got "
    ):
        read_jsonl(path)


def test_write_jsonl_refuses_infinity_instead_of_writing_null(tmp_path):
    # pandas wrote inf as null: a score silently became missing
    frame = pd.DataFrame({"query_id": ["q", "q"], "score": [1.5, float("-inf")]})
    with pytest.raises(ValueError, match=r"score is -inf at row 1, and JSON has no infinity"):
        write_jsonl(frame, tmp_path / "x.jsonl")
    assert not (tmp_path / "x.jsonl").exists()
    back = read_jsonl(write_jsonl(frame.iloc[:1], tmp_path / "x.jsonl"))
    assert back["score"].tolist() == [1.5]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        # Python's json read these silently: NaN and Infinity are no JSON, 1e400 became inf
        ('{"query_id": "q", "score": NaN}', r"line 1: NaN is no JSON number"),
        ('{"query_id": "q", "score": -Infinity}', r"line 1: -Infinity is no JSON number"),
        ('{"query_id": "q", "score": 1e400}', r"line 1: number 1e400 is too large for a float"),
    ],
)
def test_numbers_that_are_not_finite_are_refused_by_line(tmp_path, line, message):
    path = tmp_path / "x.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=message):
        read_jsonl(path)
    # such words inside text, and large finite numbers, are data
    path.write_text(
        '{"query_id": "Infinity War", "text": "NaN e400", "score": 1e300}\n', encoding="utf-8"
    )
    assert read_jsonl(path)["score"].tolist() == [1e300]
