"""The conventions of the formats' own tools, on small hand-made files (no real data needed).

Each test pins one behaviour that differed from trec_eval, BEIR, ``datasets`` or the JSON Lines
and CSV specifications (issue 9), so it fails on the code before the fix.
"""

from __future__ import annotations

import json

import pandas as pd
import pandas.testing as pdt
import pytest

import xmwidgets.io as xio

# ---------------------------------------------------------------- lines end at \n only

BREAKS = "\x85\u2028\u2029"


def test_jsonl_lines_end_at_newline_only(tmp_path):
    # JSON allows U+0085/U+2028/U+2029 raw inside strings; str.splitlines() breaks at them
    path = tmp_path / "corpus.jsonl"
    path.write_text(json.dumps({"_id": "d1", "text": f"a{BREAKS}b"}, ensure_ascii=False) + "\r\n")
    frame = xio.read_jsonl(path)
    assert frame["text"].tolist() == [f"a{BREAKS}b"]


def test_beir_corpus_with_raw_line_separators(tmp_path):
    (tmp_path / "qrels").mkdir()
    doc = {"_id": "d1", "title": "t\u2028", "text": "x\x85y"}
    (tmp_path / "corpus.jsonl").write_text(json.dumps(doc, ensure_ascii=False) + "\n")
    (tmp_path / "queries.jsonl").write_text('{"_id": "q1", "text": "q"}\n')
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    items = xio.read_beir(tmp_path).items
    assert items[["title", "text"]].values.tolist() == [["t\u2028", "x\x85y"]]


def test_csv_records_end_at_newline_only(tmp_path):
    path = tmp_path / "val.csv"
    path.write_text(
        "audiocap_id,youtube_id,start_time,caption\r\n1,abc,30,a dog\u2028barks\r\n",
        encoding="utf-8",
    )
    assert xio.load_audiocaps(path).queries["text"].tolist() == ["a dog\u2028barks"]


def test_write_jsonl_escapes_line_separators_and_round_trips(tmp_path):
    frame = pd.DataFrame({"query_id": ["q1", "q2"], "text": [f"a{BREAKS}b", "plain é"]})
    path = xio.write_jsonl(frame, tmp_path / "queries.jsonl")
    text = path.read_text(encoding="utf-8")
    # every line-based reader sees two records: the separators are \u escapes, é stays readable
    assert len(text.splitlines()) == 2
    assert "\\u2028" in text and "\\u0085" in text and "é" in text
    pdt.assert_frame_equal(xio.read_jsonl(path), frame)


def test_trec_fields_split_at_ascii_whitespace_only(tmp_path):
    # trec_eval splits with C's isspace(); a no-break space belongs to the docno
    path = tmp_path / "q.qrels"
    path.write_text("1 0 doc\u00a0a 1\n", encoding="utf-8")
    assert xio.read_qrels(path)["item_id"].tolist() == ["doc\u00a0a"]


# ---------------------------------------------------------------- trec_eval's conventions


def test_qrels_comment_lines_are_skipped(tmp_path):
    path = tmp_path / "qrels.with-comments"
    path.write_text("# comment here\n301 0 CR93E-1 0\n# and here\n301 0 CR#93E-2 1\n")
    qrels = xio.read_qrels(path)
    assert qrels["item_id"].tolist() == ["CR93E-1", "CR#93E-2"]


def test_run_comment_lines_and_fields_after_the_tag_are_ignored(tmp_path):
    path = tmp_path / "results.trunc"
    path.write_text(
        "# a run\n301\tQ0\tFBIS3-1\t99\t  2.13\tSTANDARD more junk at\n"
        "301 Q0 FBIS3-2 98 2.14 STANDARD end of lines.\n"
    )
    run = xio.read_run(path)
    assert run[["item_id", "score", "run"]].values.tolist() == [
        ["FBIS3-1", 2.13, "STANDARD"],
        ["FBIS3-2", 2.14, "STANDARD"],
    ]


@pytest.mark.parametrize("score", ["nan", "NaN", "-nan"])
def test_run_score_nan_is_refused_naming_file_and_line(tmp_path, score):
    path = tmp_path / "run.txt"
    path.write_text(f"q1 Q0 d1 1 0.5 r\nq1 Q0 d2 2 {score} r\n")
    with pytest.raises(
        xio.FormatError, match=rf"run\.txt line 2: score must be a number, got '{score}'"
    ):
        xio.read_run(path)


def test_a_run_file_is_one_run_whatever_its_tags(tmp_path):
    # trec_eval reads one run per file; the same (qid, docno) twice is an error even under two tags
    path = tmp_path / "run.txt"
    path.write_text("q1 Q0 d1 1 0.9 a\nq1 Q0 d2 2 0.8 b\nq1 Q0 d1 3 0.7 b\n")
    with pytest.raises(xio.FormatError, match=r"run\.txt line 3: duplicate pair.*'q1 d1'"):
        xio.read_run(path)
    path.write_text("q1 Q0 d1 1 0.9 a\nq1 Q0 d2 2 0.8 b\n")
    run = xio.read_run(path)
    assert run["run"].tolist() == ["a", "b"]
    # written back as one run, with one ranking over both lines and each line's tag
    lines = xio.write_run(run, tmp_path / "out.txt", tag=None).read_text().splitlines()
    assert lines == ["q1 Q0 d1 1 0.9 a", "q1 Q0 d2 2 0.8 b"]


def test_write_run_with_a_tag_per_row_ranks_each_query_once(tmp_path):
    # the 9.3 s case of issue 9 (1,500 rows, 1,500 tags) was one ranking per tag
    run = pd.DataFrame(
        {
            "query_id": ["q1"] * 4,
            "item_id": ["a", "b", "c", "d"],
            "score": [0.1, 0.4, 0.3, 0.2],
            "run": ["t1", "t2", "t3", "t4"],
        }
    )
    lines = xio.write_run(run, tmp_path / "run.txt", tag=None).read_text().splitlines()
    assert lines == ["q1 Q0 b 1 0.4 t2", "q1 Q0 c 2 0.3 t3", "q1 Q0 d 3 0.2 t4", "q1 Q0 a 4 0.1 t1"]


def test_write_run_ties_match_trec_eval_evaluation_order(tmp_path):
    ir_measures = pytest.importorskip("ir_measures")
    # all scores tie: trec_eval ranks z, y, x (docno descending), so only z is in the top 1
    run = pd.DataFrame({"query_id": "q", "item_id": ["x", "y", "z"], "score": 1.0})
    qrels = pd.DataFrame({"query_id": ["q"], "doc_id": ["z"], "relevance": [1]})
    lines = xio.write_run(run, tmp_path / "run.txt").read_text().splitlines()
    assert [line.split()[2] for line in lines] == ["z", "y", "x"]
    top1 = ir_measures.calc_aggregate(
        [ir_measures.P @ 1], qrels, run.rename(columns={"item_id": "doc_id"})
    )
    assert top1[ir_measures.P @ 1] == 1.0  # the written rank 1 is what trec_eval counted


def test_write_qrels_keeps_the_input_order(tmp_path):
    qrels = pd.DataFrame(
        {"query_id": ["q2", "q1", "q2"], "item_id": ["b", "a", "a"], "relevance": 1}
    )
    text = xio.write_qrels(qrels, tmp_path / "q.qrels").read_text()
    assert text == "q2 0 b 1\nq1 0 a 1\nq2 0 a 1\n"
    pdt.assert_frame_equal(xio.read_qrels(tmp_path / "q.qrels"), qrels)


# ---------------------------------------------------------------- BEIR and Hugging Face


@pytest.fixture
def beir(tmp_path):
    (tmp_path / "qrels").mkdir()
    docs = [{"_id": f"d{i}", "title": "", "text": f"doc {i}"} for i in range(3)]
    (tmp_path / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    (tmp_path / "queries.jsonl").write_text(
        '{"_id": "q1", "text": "a"}\n{"_id": "q2", "text": "b"}\n'
    )
    return tmp_path


def test_beir_qrels_without_header_are_read_whole_with_a_warning(beir):
    (beir / "qrels" / "test.tsv").write_text("q2\td1\t1\nq1\td0\t2\n")
    with pytest.warns(xio.FormatWarning, match=r"no header line.*read all 2 rows.*would read 1"):
        qrels = xio.read_beir(beir).qrels
    assert qrels.values.tolist() == [["q2", "d1", 1], ["q1", "d0", 2]]


def test_empty_beir_qrels_file_is_an_error(beir):
    (beir / "qrels" / "test.tsv").write_text("")
    with pytest.raises(xio.FormatError, match=r"test\.tsv: the file is empty; expected a header"):
        xio.read_beir(beir)


def test_beir_qrels_ids_missing_from_queries_and_corpus_are_counted(beir):
    (beir / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td0\t1\nq9\td0\t1\nq9\tdx\t1\nq8\td1\t0\n"
    )
    with pytest.warns(xio.FormatWarning) as caught:
        qrels = xio.read_beir(beir).qrels
    messages = [str(w.message) for w in caught]
    assert any(
        "3 of 4 rows have a query-id that is not in queries.jsonl (2 distinct: 'q9', 'q8')" in m
        for m in messages
    )
    assert any(
        "1 of 4 rows have a corpus-id that is not in corpus.jsonl (1 distinct: 'dx')" in m
        for m in messages
    )
    assert len(qrels) == 4  # kept: nothing is lost


def test_write_beir_and_write_hf_keep_the_qrels_row_order(beir, tmp_path):
    queries = pd.DataFrame({"query_id": ["q1", "q2"], "text": ["a", "b"]})
    items = pd.DataFrame({"item_id": ["d0", "d1", "d2"], "text": ["x", "y", "z"]})
    qrels = pd.DataFrame(
        {"query_id": ["q2", "q1", "q2"], "item_id": ["d2", "d1", "d0"], "relevance": [1, 2, 0]}
    )
    folder = xio.write_beir(tmp_path / "beir", queries, items, qrels)
    lines = (folder / "qrels" / "test.tsv").read_text().splitlines()
    assert lines == ["query-id\tcorpus-id\tscore", "q2\td2\t1", "q1\td1\t2", "q2\td0\t0"]
    pdt.assert_frame_equal(xio.read_beir(folder).qrels, qrels)
    repo = xio.write_hf(tmp_path / "hf", queries, items, qrels)
    pdt.assert_frame_equal(xio.read_hf(repo).qrels, qrels)


def test_read_hf_on_a_beir_folder_points_to_read_beir(beir):
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td0\t1\n")
    with pytest.raises(ValueError, match=r"is a BEIR folder.*xm\.io\.read_beir\(.*split='test'\)"):
        xio.read_hf(beir)


def test_read_hf_single_split_folder_ids_have_no_split_prefix(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "metadata.jsonl").write_text('{"file_name": "a.jpg", "notes": "x"}\n')
    items = xio.read_hf(tmp_path)
    assert items["item_id"].tolist() == ["a.jpg"]
    assert "split" not in items.columns
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "metadata.jsonl").write_text('{"file_name": "a.jpg", "notes": "y"}\n')
    both = xio.read_hf(tmp_path)  # two splits read together: the prefix tells them apart
    assert both["item_id"].tolist() == ["test/a.jpg", "train/a.jpg"]


# ---------------------------------------------------------------- Parquet keeps cells as given


def test_parquet_round_trips_heterogeneous_dicts_and_lists(tmp_path):
    frame = pd.DataFrame(
        {
            "item_id": ["a", "b", "c"],
            "metadata": [{"url": "u"}, {"year": 2020, "tags": ["x"]}, None],
            "tokens": [["a", "dog"], [], None],
            "nested": [[[1], [2, 3]], [[4]], None],
            "mixed": [[1, "a"], None, [{"k": 1}]],
        }
    )
    back = xio.read_parquet(xio.write_parquet(frame, tmp_path / "items.parquet"))
    pdt.assert_frame_equal(back, frame)
    assert back.at[0, "metadata"] == {"url": "u"}  # not {"url": "u", "year": None, "tags": None}
    assert type(back.at[0, "tokens"]) is list  # not a numpy array


# ---------------------------------------------------------------- dataset loaders


def test_clotho_file_names_keep_a_leading_space(tmp_path):
    path = tmp_path / "clotho.csv"
    path.write_text(
        "file_name,caption_1,caption_2,caption_3,caption_4,caption_5\n"
        " Ambience Birds.wav,a,b,c,d,e\n"
    )
    loaded = xio.load_clotho(path, "clips")
    assert loaded.items["item_id"].tolist() == [" Ambience Birds.wav"]
    assert loaded.items["audio"].tolist() == ["clips/ Ambience Birds.wav"]
    assert loaded.queries["query_id"].tolist()[0] == " Ambience Birds.wav#1"


def test_audiocaps_file_pattern_with_an_unknown_field_names_the_fields(tmp_path):
    path = tmp_path / "val.csv"
    path.write_text("audiocap_id,youtube_id,start_time,caption\n1,abc,30,a dog\n")
    with pytest.raises(
        ValueError, match=r"uses \{ytid\}.*fields are \{youtube_id\}, \{start_time\}"
    ):
        xio.load_audiocaps(path, file_pattern="{ytid}.wav")


def test_msrvtt_clip4clip_split_csv_takes_captions_from_the_json(tmp_path):
    data = {
        "videos": [{"video_id": f"video{i}", "split": "train"} for i in range(3)],
        "sentences": [
            {"video_id": "video2", "sen_id": 0, "caption": "c"},
            {"video_id": "video0", "sen_id": 1, "caption": "a"},
            {"video_id": "video1", "sen_id": 2, "caption": "b"},
        ],
    }
    (tmp_path / "MSRVTT_data.json").write_text(json.dumps(data))
    split = tmp_path / "MSRVTT_train.2k.csv"
    split.write_text("video_id\nvideo2\nvideo0\n")
    queries, items, qrels = xio.load_msrvtt(split)
    assert items["item_id"].tolist() == ["video2", "video0"]
    assert queries[["query_id", "text"]].values.tolist() == [["0", "c"], ["1", "a"]]
    assert qrels["item_id"].tolist() == ["video2", "video0"]
    split.write_text("video_id\nvideo2\nvideo7\n")
    with pytest.raises(xio.FormatError, match=r"2k\.csv line 3: video_id 'video7' is not in"):
        xio.load_msrvtt(split)


@pytest.fixture
def flickr8k(tmp_path):
    (tmp_path / "Flickr8k.token.txt").write_text(
        "a.jpg.1#0\tfirst of a\na.jpg#1\tsecond of a\nb.jpg#0\tone of b\nc.jpg#0\tone of c\n"
    )
    (tmp_path / "Flickr_8k.trainImages.txt").write_text("c.jpg\na.jpg\n")
    (tmp_path / "Flickr_8k.testImages.txt").write_text("b.jpg\n")
    return tmp_path / "Flickr8k.token.txt"


def test_flickr8k_token_file_split_from_the_official_lists(flickr8k):
    with pytest.warns(xio.FormatWarning, match=r"line 1 names image 'a\.jpg\.1', read as 'a\.jpg'"):
        queries, items, _ = xio.load_flickr30k(flickr8k, split="train")
    assert items[["item_id", "split"]].values.tolist() == [["c.jpg", "train"], ["a.jpg", "train"]]
    assert queries["query_id"].tolist() == ["a.jpg#0", "a.jpg#1", "c.jpg#0"]
    missing = r"no Flickr_8k\.devImages\.txt.*Flickr_8k\.testImages\.txt"
    with pytest.warns(xio.FormatWarning), pytest.raises(ValueError, match=missing):
        xio.load_flickr30k(flickr8k, split="dev")


def test_flickr_two_captions_on_one_line_are_refused(tmp_path):
    path = tmp_path / "token.txt"
    path.write_text("a.jpg#0\tone. a.jpg#1\ttwo\n")
    with pytest.raises(xio.FormatError, match=r"token\.txt line 1: expected one tab, got two"):
        xio.load_flickr30k(path)
