"""FormatError and the file handling every reader shares: encodings, line endings, missing files."""

from __future__ import annotations

import pytest

from xmwidgets.io import (
    FormatError,
    FormatWarning,
    load_clotho,
    load_cxc,
    read_beir,
    read_jsonl,
    read_parquet,
    read_qrels,
)


def test_format_error_is_a_value_error_with_where_attributes(tmp_path):
    path = tmp_path / "q.qrels"
    path.write_text("q 0 d 1\nq 0 d\n")
    with pytest.raises(ValueError) as info:
        read_qrels(path)
    error = info.value
    assert isinstance(error, FormatError)
    assert (error.path, error.line, error.where) == (str(path), 2, "line 2")
    assert error.problem.startswith("expected 4 fields")


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.qrels: no such file"):
        read_qrels(tmp_path / "nope.qrels")


def test_a_folder_is_named_a_folder_with_the_files_to_pass(tmp_path):
    (tmp_path / "test.qrels").write_text("q 0 d 1\n")
    (tmp_path / "sub").mkdir()
    with pytest.raises(IsADirectoryError) as info:  # it said "no such file"
        read_qrels(tmp_path)
    assert str(info.value) == (
        f"{tmp_path}: is a folder, not a file; pass the path of one file in it (it holds test.qrels)"
    )
    with pytest.raises(IsADirectoryError, match="is a folder, not a file"):
        read_parquet(tmp_path)


def test_not_utf8_is_a_format_error(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"text": "café"}\n'.encode("latin-1"))
    with pytest.raises(FormatError, match=r"latin1\.jsonl: not UTF-8 text"):
        read_jsonl(path)


def test_bom_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "clotho.csv"
    text = "file_name,caption_1,caption_2,caption_3,caption_4,caption_5\r\na.wav,1,2,3,4,5\r\n"
    path.write_bytes(text.encode("utf-8-sig"))
    assert load_clotho(path).items["item_id"].tolist() == ["a.wav"]
    qrels = tmp_path / "q.qrels"
    qrels.write_bytes(b"q 0 d 1\r\nq 0 e 0\r\n")
    assert read_qrels(qrels)["item_id"].tolist() == ["d", "e"]


def test_long_lines_are_cut_in_messages(tmp_path):
    path = tmp_path / "q.qrels"
    path.write_text("q 0 " + "x" * 500 + "\n")
    with pytest.raises(FormatError) as info:
        read_qrels(path)
    assert len(str(info.value)) < len(str(path)) + 200
    assert "…" in str(info.value)


def test_quoted_newlines_keep_line_numbers_right(tmp_path):
    path = tmp_path / "clotho.csv"
    path.write_text(
        "file_name,caption_1,caption_2,caption_3,caption_4,caption_5\n"
        'a.wav,"two\nlines",2,3,4,5\n'
        "b.wav,1,2,,4,5\n"
    )
    with pytest.raises(FormatError, match=r"clotho\.csv line 4: caption_3 of 'b\.wav' is empty"):
        load_clotho(path)


def test_header_only_csv_is_an_error_but_header_only_beir_qrels_are_empty(tmp_path):
    path = tmp_path / "sits_val.csv"
    path.write_text("caption,image,agg_score,sampling_method\n")
    with pytest.raises(FormatError, match=r"sits_val\.csv line 2: no rows after the header"):
        load_cxc(path)
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text('{"_id": "d", "text": "x"}\n')
    (tmp_path / "queries.jsonl").write_text('{"_id": "q", "text": "y"}\n')
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n")
    # BEIR's own loader reads a header-only qrels file as empty qrels (agentset's pg does this)
    with pytest.warns(FormatWarning, match=r"test\.tsv: no judgements"):
        assert read_beir(tmp_path).qrels.empty
