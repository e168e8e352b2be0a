"""TREC qrels and run files: reading, writing, round trips and malformed files."""

from __future__ import annotations

import warnings

import pandas as pd
import pandas.testing as pdt
import pytest

from xmwidgets.io import FormatError, read_qrels, read_run, write_qrels, write_run


def test_read_qrels_casts_ids_to_str_and_relevance_to_int(tmp_path):
    path = tmp_path / "test.qrels"
    path.write_text("1 0 397133 2\n1 0 doc-7 0\n\n2\t0\t15 3\n")
    qrels = read_qrels(path)
    assert qrels.columns.tolist() == ["query_id", "item_id", "relevance"]
    assert qrels["query_id"].tolist() == ["1", "1", "2"]
    assert qrels["item_id"].tolist() == ["397133", "doc-7", "15"]
    assert qrels["relevance"].tolist() == [2, 0, 3]
    assert qrels["relevance"].dtype == "int64"
    assert all(isinstance(v, str) for v in qrels["item_id"])


def test_qrels_round_trip(tmp_path):
    qrels = pd.DataFrame(
        {"query_id": ["q1", "q1", "q2"], "item_id": ["a", "b", "a"], "relevance": [3, 0, 1]}
    )
    path = write_qrels(qrels, tmp_path / "out.qrels")
    assert path.read_text() == "q1 0 a 3\nq1 0 b 0\nq2 0 a 1\n"
    pdt.assert_frame_equal(read_qrels(path), qrels.astype({"query_id": str, "item_id": str}))


@pytest.fixture
def labels():
    return pd.DataFrame(
        {
            "query_id": ["q1", "q1", "q1", "q2", "q2", "q3"],
            "item_id": ["a", "a", "a", "b", "b", "c"],
            "annotator": ["ana", "ben", "cy", "ana", "ben", "ana"],
            "relevance": pd.array([1, 2, 2, 0, 3, None], dtype="Int8"),
        }
    )


def test_write_qrels_with_several_annotators_needs_an_aggregate(tmp_path, labels):
    with pytest.raises(ValueError, match=r"several judgements.*ana, ben, cy.*aggregate="):
        write_qrels(labels, tmp_path / "x.qrels")


def test_write_qrels_over_two_guideline_versions_names_them(tmp_path):
    # one annotator's grades of a pair under rubric v1 and v2: no aggregate joins them
    labels = pd.DataFrame(
        {
            "query_id": ["q1", "q1", "q2"],
            "item_id": ["a", "a", "b"],
            "annotator": ["ana", "ana", "ana"],
            "relevance": [3, 0, 1],
            "guideline_version": ["v1", "v2", "v2"],
        }
    )
    for aggregate in (None, "mean"):
        with pytest.raises(ValueError, match=r"q1/a was graded under guideline_version 'v1', 'v2'"):
            write_qrels(labels, tmp_path / "x.qrels", aggregate=aggregate)
    assert not (tmp_path / "x.qrels").exists()
    write_qrels(labels[labels.guideline_version == "v2"], tmp_path / "v2.qrels")
    assert (tmp_path / "v2.qrels").read_text().split() == ["q1", "0", "a", "0", "q2", "0", "b", "1"]


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [("mean", [2, 2]), ("median", [2, 2]), ("max", [2, 3]), ("min", [1, 0]), ("majority", [2, 3])],
)
def test_write_qrels_aggregates(tmp_path, labels, aggregate, expected):
    # q1/a: 1, 2, 2 -> mean 1.67 -> 2; q2/b: 0, 3 -> mean 1.5 -> 2 (half up), majority tie -> 3
    qrels = read_qrels(write_qrels(labels, tmp_path / "x.qrels", aggregate=aggregate))
    assert qrels["relevance"].tolist() == expected
    # the unjudged q3/c (missing relevance) is not written as a 0
    assert "c" not in qrels["item_id"].tolist()


def test_write_qrels_single_annotator(tmp_path, labels):
    qrels = read_qrels(write_qrels(labels, tmp_path / "x.qrels", annotator="ben"))
    assert qrels.values.tolist() == [["q1", "a", 2], ["q2", "b", 3]]
    with pytest.raises(ValueError, match="annotator 'zoe' has no graded judgements"):
        write_qrels(labels, tmp_path / "x.qrels", annotator="zoe")


def test_write_qrels_rejects_fractional_relevance_and_spaces(tmp_path):
    frame = pd.DataFrame({"query_id": ["q"], "item_id": ["a"], "relevance": [1.5]})
    with pytest.raises(ValueError, match=r"relevance .*1\.5.* is not an integer level"):
        write_qrels(frame, tmp_path / "x.qrels")
    frame = pd.DataFrame({"query_id": ["q 1"], "item_id": ["a"], "relevance": [1]})
    with pytest.raises(ValueError, match="'q 1' is empty or contains whitespace"):
        write_qrels(frame, tmp_path / "x.qrels")


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("q1 0 a 1\nq1 0 b\n", 2, "expected 4 fields 'qid 0 docno rel', got 3: 'q1 0 b'"),
        ("q1 0 a 1\n\nq1 0 b high\n", 3, "relevance must be an integer, got 'high'"),
        ("q1 0 a 1\nq1 0 a 2\n", 2, "duplicate pair (qid docno) 'q1 a' (first at line 1)"),
        # beyond int64: the cast raised a bare OverflowError, without file or line
        (
            "q1 0 a 1\nq1 0 b 99999999999999999999\n",
            2,
            "relevance '99999999999999999999' does not fit in a 64-bit integer",
        ),
    ],
)
def test_malformed_qrels_name_file_and_line(tmp_path, content, line, message):
    path = tmp_path / "bad.qrels"
    path.write_text(content)
    with pytest.raises(FormatError) as info:
        read_qrels(path)
    assert str(info.value).startswith(f"{path} line {line}: ")
    assert message in str(info.value)
    assert info.value.line == line


def test_empty_qrels_is_an_error(tmp_path):
    path = tmp_path / "empty.qrels"
    path.write_text("\n  \n")
    with pytest.raises(FormatError, match=r"empty\.qrels: the file is empty"):
        read_qrels(path)


def test_read_run(tmp_path):
    path = tmp_path / "run.txt"
    path.write_text("1 Q0 10 1 0.9 bm25\n1 Q0 11 2 0.5 bm25\n2 Q0 10 1 3 bm25\n")
    run = read_run(path)
    assert run.columns.tolist() == ["query_id", "item_id", "rank", "score", "run"]
    assert run["item_id"].tolist() == ["10", "11", "10"]
    assert run["rank"].tolist() == [1, 2, 1]
    assert run["score"].tolist() == [0.9, 0.5, 3.0]
    assert set(run["run"]) == {"bm25"}


def test_malformed_run_message(tmp_path):
    path = tmp_path / "runs.txt"
    lines = [f"q1 Q0 d{i} {i} {1 / i} tag" for i in range(1, 7)]
    path.write_text("\n".join([*lines, "q1 Q0 d3 1"]) + "\n")
    with pytest.raises(FormatError) as info:
        read_run(path)
    assert str(info.value) == (
        f"{path} line 7: expected 6 fields 'qid Q0 docno rank score tag', got 4: 'q1 Q0 d3 1'"
    )
    path.write_text("q1 Q0 d1 first 0.3 tag\n")
    with pytest.raises(FormatError, match="line 1: rank must be an integer, got 'first'"):
        read_run(path)
    path.write_text("q1 Q0 d1 1 0.3 t\nq1 Q0 d2 2 nan? t\n")
    with pytest.raises(FormatError, match="line 2: score must be a number, got 'nan\\?'"):
        read_run(path)
    path.write_text("q1 Q0 d1 99999999999999999999 0.3 t\n")
    with pytest.raises(FormatError, match=r"line 1: rank '9+' does not fit in a 64-bit integer"):
        read_run(path)
    # as read_json_run refuses them: an infinite score cannot be ranked against another
    for score in ("inf", "-Infinity", "1e400"):
        path.write_text(f"q1 Q0 d1 1 0.3 t\nq1 Q0 d2 2 {score} t\n")
        with pytest.raises(
            FormatError, match=f"line 2: score must be a finite number, got '{score}'"
        ):
            read_run(path)


def test_write_run_recomputes_ranks_with_ties_as_trec_eval_or_by_item_id(tmp_path):
    run = pd.DataFrame(
        {
            "query_id": ["q1", "q1", "q1", "q2"],
            "item_id": ["c", "b", "a", "z"],
            "score": [0.5, 0.9, 0.5, 1.0],
            "rank": [9, 9, 9, 9],  # ignored: recomputed from the scores
        }
    )
    # trec_eval breaks score ties by docno descending: c before a
    path = write_run(run, tmp_path / "run.txt", tag="clip")
    assert path.read_text().splitlines() == [
        "q1 Q0 b 1 0.9 clip",
        "q1 Q0 c 2 0.5 clip",
        "q1 Q0 a 3 0.5 clip",
        "q2 Q0 z 1 1.0 clip",
    ]
    path = write_run(run, tmp_path / "run.txt", tag="clip", ties="item_id")
    assert path.read_text().splitlines()[1:3] == ["q1 Q0 a 2 0.5 clip", "q1 Q0 c 3 0.5 clip"]
    with pytest.raises(ValueError, match=r"unknown ties='score'.*'trec_eval'"):
        write_run(run, tmp_path / "run.txt", ties="score")


def test_run_round_trip(tmp_path):
    run = pd.DataFrame(
        {
            "query_id": ["1", "1", "2"],
            "item_id": ["397133", "5", "5"],
            "rank": [1, 2, 1],
            "score": [0.123456789012345, -2.5, 7.0],
            "run": ["xmwidgets"] * 3,
        }
    )
    back = read_run(write_run(run, tmp_path / "run.txt"))
    pdt.assert_frame_equal(back, run.astype({"query_id": str, "item_id": str, "run": str}))


def test_write_run_keeps_each_rows_tag_and_rejects_duplicates(tmp_path):
    run = pd.DataFrame(
        {"query_id": ["q", "q"], "item_id": ["a", "b"], "score": [1.0, 2.0], "run": ["x", "y"]}
    )
    back = read_run(write_run(run, tmp_path / "run.txt", tag=None))
    assert back[["item_id", "run", "score"]].values.tolist() == [["b", "y", 2.0], ["a", "x", 1.0]]
    # a file is one run for trec_eval: the same pair under two tags is a duplicate, not two runs
    twice = run.assign(item_id="a")
    with pytest.raises(ValueError, match=r"item 'a' twice for query 'q'.*one file per run"):
        write_run(twice, tmp_path / "run.txt", tag=None)


def test_write_run_from_ranks_only(tmp_path):
    run = pd.DataFrame({"query_id": ["q", "q"], "item_id": ["a", "b"], "rank": [2, 1]})
    back = read_run(write_run(run, tmp_path / "run.txt"))
    assert back["item_id"].tolist() == ["b", "a"]
    assert back["score"].tolist() == [-1.0, -2.0]


def test_files_written_here_evaluate_with_ir_measures(tmp_path):
    """What write_qrels/write_run produce reads back into frames that trec_eval accepts."""
    ir_measures = pytest.importorskip("ir_measures")
    labels = pd.DataFrame(
        {"query_id": [1, 1, 2], "item_id": [10, 11, 20], "relevance": pd.array([2, 0, 1], "Int8")}
    )
    run = pd.DataFrame({"query_id": [1, 1, 2], "item_id": [11, 10, 20], "score": [0.9, 0.8, 0.1]})
    qrels = read_qrels(write_qrels(labels, tmp_path / "q.qrels"))
    ranked = read_run(write_run(run, tmp_path / "r.txt"))
    rename = {"item_id": "doc_id"}
    result = ir_measures.calc_aggregate(
        [ir_measures.P @ 1, ir_measures.RR],
        qrels.rename(columns=rename),
        ranked.rename(columns=rename)[["query_id", "doc_id", "score"]],
    )
    # query 1: the relevant item is second (P@1 0, RR 1/2); query 2: first (P@1 1, RR 1)
    assert result[ir_measures.P @ 1] == pytest.approx(0.5)
    assert result[ir_measures.RR] == pytest.approx(0.75)


def test_write_qrels_counts_the_rows_it_leaves_out_and_refuses_to_write_nothing(tmp_path):
    frame = pd.DataFrame(
        {
            "query_id": ["q", "q", "q"],
            "item_id": ["a", "b", "c"],
            "relevance": pd.array([2, None, None], dtype="Int8"),
            "flags": [None, "broken-media", None],
        }
    )
    with pytest.warns(UserWarning, match=r"left out 1 row\(s\) with neither a grade nor a flag "
                      r"\(and 1 flagged row\(s\), e.g. broken-media.*1 judged pair\(s\) written"):  # fmt: skip
        path = write_qrels(frame, tmp_path / "x.qrels")
    assert path.read_text() == "q 0 a 2\n"
    # a broken-media row is handled, not judged: left out without a word, as documented
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flagged_only = write_qrels(frame.iloc[:2], tmp_path / "flagged.qrels")
    assert flagged_only.read_text() == "q 0 a 2\n"
    # all ungraded: nothing would be written, so nothing is, and an existing file stays
    old = tmp_path / "old.qrels"
    old.write_text("q 0 a 1\n")
    ungraded = frame.assign(relevance=pd.array([None] * 3, dtype="Int8"))
    with pytest.raises(ValueError) as err:
        write_qrels(ungraded, old)
    assert "labels hold no graded judgement (3 row(s) have no grade, 1 of them flagged" in str(
        err.value
    )
    assert "nothing to write to" in str(err.value)
    assert old.read_text() == "q 0 a 1\n"
    with pytest.raises(ValueError, match="no graded judgement"):
        write_qrels(frame.iloc[:0], tmp_path / "empty.qrels")
    assert not (tmp_path / "empty.qrels").exists()
    with pytest.raises(
        TypeError, match=r"write_qrels needs a qrels or labels DataFrame .*got list"
    ):
        write_qrels([("q", "a", 1)], tmp_path / "list.qrels")


@pytest.mark.parametrize("reader", [read_run, read_qrels])
@pytest.mark.parametrize("path", [None, 5])
def test_readers_name_a_path_that_is_not_one(reader, path):
    with pytest.raises(TypeError) as err:
        reader(path)
    message = str(err.value)
    assert f"{reader.__name__} needs the path of a file (str or pathlib.Path)" in message
    assert f"got {type(path).__name__} {path!r}" in message


def test_a_nul_byte_in_a_line_is_refused_with_its_line_and_field(tmp_path):
    run = tmp_path / "nul.run"
    run.write_text("q1 Q0 d1 1 0.9 runA\nq1 Q0 d2 2 0.8 run\x00A\n")
    with pytest.raises(FormatError) as err:
        read_run(run)
    assert err.value.line == 2
    assert "a NUL byte (\\x00) in the tag 'run\\x00A'" in str(err.value)
    qrels = tmp_path / "nul.qrels"
    qrels.write_text("q1 0 d\x001 1\n")
    with pytest.raises(FormatError, match=r"line 1: a NUL byte .* in the docno 'd\\x001'"):
        read_qrels(qrels)


def test_writers_refuse_what_their_readers_would_lose(tmp_path):
    # write_qrels wrote "#1 0 a 2", a comment to trec_eval and read_qrels: every judgement lost;
    # write_run wrote "inf", which read_run refuses
    labels = pd.DataFrame({"query_id": ["#1", "#1"], "item_id": ["a", "b"], "relevance": [2, 0]})
    with pytest.raises(ValueError, match=r"query_id '#1' starts with '#', so its lines would be"):
        write_qrels(labels, tmp_path / "x.qrels")
    run = labels.assign(score=[2.0, 1.0])
    with pytest.raises(ValueError, match=r"cannot write a TREC run: query_id '#1' starts with"):
        write_run(run, tmp_path / "x.run")
    run = run.assign(query_id="q1", score=[float("inf"), 1.0])
    with pytest.raises(ValueError, match=r"run has an infinite score \(inf\) for q1/a"):
        write_run(run, tmp_path / "x.run")
    assert not (tmp_path / "x.run").exists() and not (tmp_path / "x.qrels").exists()
    # a '#' inside an id or in an item id is no comment: it reads back
    kept = labels.assign(query_id="q#1", item_id=["#a", "b"])
    assert read_qrels(write_qrels(kept, tmp_path / "x.qrels"))["item_id"].tolist() == ["#a", "b"]


@pytest.mark.parametrize("number", ["1_000", "\u0663", "\uff10.\uff15", "1\u0660"])
def test_numbers_trec_eval_reads_otherwise_are_refused(tmp_path, number):
    # Python read 1_000 as 1000, Arabic-Indic 3 as 3, full-width 0.5 as 0.5; trec_eval's atof and
    # atol read them as 1 or 0
    run = tmp_path / "x.run"
    run.write_text(f"q1 Q0 a 1 {number} tag\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"score must be a number, got"):
        read_run(run)
    qrels = tmp_path / "x.qrels"
    qrels.write_text(f"q1 0 a {number}\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"relevance must be an integer, got"):
        read_qrels(qrels)
