"""Nested-JSON qrels and runs (ranx's .json files, pytrec_eval's dicts): read, checked, round-tripped."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _realdata import realdata

import xmwidgets as xm


def test_real_ranx_qrels_json_reads_as_its_trec_twin():
    path = realdata("ranx_test_data", "qrels.json")
    qrels = xm.io.read_json_qrels(path)
    independent = json.loads(path.read_text(encoding="utf-8"))
    assert len(qrels) == sum(len(items) for items in independent.values()) == 5
    twin = xm.io.read_qrels(realdata("ranx_test_data", "qrels.trec"))
    pd.testing.assert_frame_equal(qrels, twin[["query_id", "item_id", "relevance"]])


def test_real_ranx_run_json_ranks_as_trec_eval_orders_its_trec_twin():
    path = realdata("ranx_test_data", "run.json")
    run = xm.io.read_json_run(path)
    independent = json.loads(path.read_text(encoding="utf-8"))
    assert len(run) == sum(len(items) for items in independent.values()) == 5
    assert set(run["run"]) == {"run"}
    twin = xm.io.read_run(realdata("ranx_test_data", "run.trec"))
    key = ["query_id", "item_id"]
    merged = run.merge(twin, on=key, suffixes=("", "_trec"))
    assert len(merged) == 5
    assert (merged["rank"] == merged["rank_trec"]).all()
    assert (merged["score"] == merged["score_trec"]).all()


def test_ties_rank_by_item_id_descending_like_trec_eval(tmp_path):
    path = tmp_path / "ties.json"
    path.write_text(json.dumps({"q": {"a": 1.0, "c": 1.0, "b": 2.0}}), encoding="utf-8")
    run = xm.io.read_json_run(path, tag="t")
    assert dict(zip(run["item_id"], run["rank"], strict=True)) == {"b": 1, "c": 2, "a": 3}


def test_round_trips_are_exact(tmp_path):
    qrels = pd.DataFrame(
        {
            "query_id": ["q2", "q1", "q1"],
            "item_id": ["d9", "d1", "d\u2028x"],
            "relevance": [0, 3, 1],
        }
    ).astype({"relevance": "int64"})
    xm.io.write_json_qrels(qrels, tmp_path / "q.json")
    pd.testing.assert_frame_equal(xm.io.read_json_qrels(tmp_path / "q.json"), qrels)
    run = pd.DataFrame({"query_id": ["q1", "q1"], "item_id": ["d2", "d1"], "score": [0.5, 0.25]})
    xm.io.write_json_run(run, tmp_path / "r.json")
    back = xm.io.read_json_run(tmp_path / "r.json")
    pd.testing.assert_frame_equal(back[["query_id", "item_id", "score"]], run)
    assert list(back["rank"]) == [1, 2]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "expected a non-empty object"),
        ('{"q1": [1]}', "$['q1']"),
        ('{"q1": {"d1": 1.5}}', "relevance must be an integer, got 1.5"),
        ('{"q1": {"d1": true}}', "relevance must be an integer, got True"),
        ('{"q1": {"d1": 1', "line 1: invalid JSON at column"),
        # json keeps the last object of a repeated key: d1 and d2 were lost without a word
        ('{"q1": {"d1": 1, "d2": 0}, "q1": {"d3": 2}}', "duplicate key 'q1' in one JSON object"),
        ('{"q1": {"d1": 1, "d1": 0}}', "duplicate key 'd1'"),
        ('{"q1": {"d1": 99999999999999999999}}', "does not fit in a 64-bit integer"),
    ],
)
def test_malformed_qrels_name_the_file_and_place(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(xm.io.FormatError, match=r"bad\.json") as info:
        xm.io.read_json_qrels(path)
    assert message in str(info.value)


@pytest.mark.parametrize("score", ['"high"', "NaN", "Infinity", "null", "1" + "0" * 400])
def test_a_run_score_must_be_a_finite_number(tmp_path, score):
    path = tmp_path / "run.json"
    path.write_text('{"q1": {"d1": ' + score + "}}", encoding="utf-8")
    with pytest.raises(xm.io.FormatError, match=r"run.json \$\['q1'\]\['d1'\]: score must be"):
        xm.io.read_json_run(path)
