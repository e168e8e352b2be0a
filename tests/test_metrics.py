"""Retrieval metrics: qrels from labels, conventions (ties, unjudged, missing queries), mAP@R."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import xmwidgets as xm
from xmwidgets.analysis._permutation import sign_flip_p


def _labels(rows: list[tuple[str, str, str, int | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["query_id", "item_id", "annotator", "relevance"])
    frame["relevance"] = frame["relevance"].astype("Int8")
    return frame


def _run(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["query_id", "item_id", "score"])


def _value(results: pd.DataFrame, measure: str, run: str = "run") -> float:
    row = results[(results.run == run) & (results.measure == measure)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


# ---------------------------------------------------------------- qrels from several annotators

PAIRS = _labels(
    [
        ("q1", "a", "x", 1), ("q1", "a", "y", 2),  # mean 1.5 -> 2 (halves up), median 1.5 -> 2
        ("q1", "b", "x", 0), ("q1", "b", "y", 1), ("q1", "b", "z", 3),  # mean 1.33 -> 1, median 1
        ("q1", "c", "x", 2), ("q1", "c", "y", 2), ("q1", "c", "z", 0),  # majority 2, mean 1.33 -> 1
        ("q2", "d", "x", 0), ("q2", "d", "y", 3),  # majority tie -> higher (3)
    ]
)  # fmt: skip


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        ("mean", [2, 1, 1, 2]),
        ("median", [2, 1, 2, 2]),
        ("majority", [2, 3, 2, 3]),
        ("max", [2, 3, 2, 3]),
        ("min", [1, 0, 0, 0]),
    ],
)
def test_to_qrels_aggregates_as_documented(aggregate: str, expected: list[int]) -> None:
    qrels = xm.to_qrels(PAIRS, aggregate=aggregate)
    assert list(qrels.columns) == ["query_id", "doc_id", "relevance"]
    assert qrels["doc_id"].tolist() == ["a", "b", "c", "d"]
    assert qrels["relevance"].tolist() == expected
    assert qrels["relevance"].dtype == np.int64


def test_majority_tie_goes_to_the_higher_grade() -> None:
    labels = _labels([("q", "a", n, v) for n, v in zip("wxyz", [1, 1, 2, 2], strict=True)])
    assert xm.to_qrels(labels, "majority")["relevance"].tolist() == [2]


def test_to_qrels_one_annotator_and_clear_error_for_an_absent_one() -> None:
    qrels = xm.to_qrels(PAIRS, annotator="z")
    assert qrels["doc_id"].tolist() == ["b", "c"] and qrels["relevance"].tolist() == [3, 0]
    with pytest.raises(
        ValueError, match=r"annotator 'nobody' has no graded judgements.*'x', 'y', 'z'"
    ):
        xm.to_qrels(PAIRS, annotator="nobody")


def test_to_qrels_casts_ids_and_skips_other_tasks_and_null_relevance() -> None:
    labels = pd.DataFrame(
        {
            "query_id": [1, 1, 1],
            "item_id": [10, 11, 12],
            "annotator": "x",
            "relevance": pd.array([2, None, 3], dtype="Int8"),
            "task": ["grade", "grade", "pick"],
        }
    )
    qrels = xm.to_qrels(labels)
    assert qrels.values.tolist() == [["1", "10", 2]]


def test_to_qrels_refuses_a_pair_graded_under_two_guideline_versions_only() -> None:
    labels = PAIRS.assign(guideline_version="v1")
    labels.loc[labels.item_id == "c", "guideline_version"] = "v2"  # pairs may mix versions
    pd.testing.assert_frame_equal(xm.to_qrels(labels), xm.to_qrels(PAIRS))
    labels.loc[labels.index[0], "guideline_version"] = "v2"  # ... one pair may not
    row = labels.iloc[0]
    with pytest.raises(
        ValueError, match=rf"^{row.query_id}/{row.item_id} was graded under guideline_version"
    ):
        xm.to_qrels(labels, aggregate="max")


# ---------------------------------------------------------------- evaluate: conventions

QRELS_LABELS = _labels(
    [("q1", "a", "x", 1), ("q1", "b", "x", 0), ("q2", "c", "x", 2), ("q2", "d", "x", 0)]
)


def test_score_ties_are_broken_by_item_id_ascending() -> None:
    # "a" (relevant) and "b" (not) tie; trec_eval alone would put "b" first (ids descending)
    run = _run([("q1", "b", 1.0), ("q1", "a", 1.0)])
    labels = QRELS_LABELS[QRELS_LABELS.query_id == "q1"]
    results = xm.evaluate(labels, run, ["RR", "P@1"])
    assert _value(results, "RR") == 1.0
    assert _value(results, "P@1") == 1.0
    # and input order does not matter
    assert xm.evaluate(labels, run.iloc[::-1], ["RR"])["value"].tolist() == [1.0]


def test_trec_eval_alone_would_break_the_tie_the_other_way() -> None:
    import ir_measures

    qrels = pd.DataFrame({"query_id": ["q1", "q1"], "doc_id": ["a", "b"], "relevance": [1, 0]})
    run = pd.DataFrame({"query_id": ["q1", "q1"], "doc_id": ["a", "b"], "score": [1.0, 1.0]})
    rr = ir_measures.calc_aggregate([ir_measures.parse_measure("RR")], qrels, run)
    assert list(rr.values()) == [0.5]  # why we rewrite scores before handing them over


def test_matches_ir_measures_called_directly_when_there_are_no_ties() -> None:
    import ir_measures

    rng = np.random.default_rng(3)
    rows, qrows = [], []
    for q in range(20):
        for d in range(30):
            rows.append((f"q{q}", f"d{d}", float(rng.random())))
            if d < 12:
                qrows.append((f"q{q}", f"d{d}", "x", int(rng.integers(0, 4))))
    run, labels = _run(rows), _labels(qrows)
    measures = [
        "nDCG@10",
        "nDCG(gains={0:0,1:1,2:3,3:7})@10",  # exponential gains
        "P@5",
        "R@10",
        "R(rel=2)@10",
        "AP",
        "RR",
        "Rprec",
        "Success@1",
        "Judged@10",
    ]
    ours = xm.evaluate(labels, run, measures)
    qrels = xm.to_qrels(labels)
    theirs = ir_measures.calc_aggregate(
        [ir_measures.parse_measure(m) for m in measures],
        qrels,
        run.rename(columns={"item_id": "doc_id"}),
    )
    for m in measures:
        assert _value(ours, m) == pytest.approx(theirs[ir_measures.parse_measure(m)])
    assert _value(ours, measures[0]) != pytest.approx(_value(ours, measures[1]))


def test_a_run_without_ties_goes_to_trec_eval_unsorted_with_the_same_values(monkeypatch) -> None:
    """Without score ties the run skips rank_run (its scores already give the convention's
    order): rows in any order, unjudged queries in the run, judged queries missing from it."""
    import xmwidgets.analysis.metrics as metrics

    rng = np.random.default_rng(5)
    rows = [(f"q{q}", f"d{d}", float(rng.random())) for q in range(12) for d in range(25)]
    run = _run(rows).sample(frac=1.0, random_state=1)  # not grouped by query
    run = run[run.query_id != "q3"]  # a judged query the run misses
    labels = _labels(
        [(f"q{q}", f"d{d}", "x", int(rng.integers(0, 4))) for q in range(10) for d in range(8)]
    )  # q10, q11: retrieved, never judged
    measures = ["nDCG@10", "AP", "RR", "P@5", "Judged@10"]
    calls: list[bool] = []
    real = metrics._direct_run

    def spy(run, qrels):
        calls.append((got := real(run, qrels)) is not None)
        return got

    monkeypatch.setattr(metrics, "_direct_run", spy)
    direct = xm.evaluate(labels, run, measures, per_query=True)
    assert calls == [True]
    monkeypatch.setattr(metrics, "_direct_run", lambda run, qrels: None)
    ranked = xm.evaluate(labels, run, measures, per_query=True)
    pd.testing.assert_frame_equal(direct, ranked)
    assert set(direct.query_id) == {f"q{q}" for q in range(10)}
    assert (direct[direct.query_id == "q3"].value == 0).all()
    # one tie inside a query: ranked first, so that the tie breaks by item_id; the same score
    # in two queries is no tie
    qrels = xm.to_qrels(labels)
    assert real(_run([("q0", "d0", 0.5), ("q0", "d1", 0.5)]), qrels) is None
    assert real(_run([("q0", "d0", 0.5), ("q1", "d0", 0.5)]), qrels) is not None
    # a repeated pair too: rank_run says what is wrong
    assert real(_run([("q0", "d0", 0.5), ("q0", "d0", 0.4)]), qrels) is None
    with pytest.raises(ValueError, match="more than once"):
        xm.evaluate(labels, _run([("q0", "d0", 0.5), ("q0", "d0", 0.4)]), ["RR"])


def test_queries_missing_from_a_run_count_as_zero_and_unjudged_queries_are_excluded() -> None:
    run = _run([("q1", "a", 2.0), ("q1", "b", 1.0), ("q9", "zzz", 1.0)])  # q2 missing, q9 unjudged
    results = xm.evaluate(QRELS_LABELS, run, ["RR", "mAP@R"], per_query=True)
    assert list(results.columns) == ["run", "measure", "query_id", "value"]
    assert sorted(results["query_id"].unique()) == ["q1", "q2"]
    per = results.set_index(["measure", "query_id"])["value"]
    assert per[("RR", "q1")] == 1.0 and per[("RR", "q2")] == 0.0
    assert per[("mAP@R", "q2")] == 0.0
    mean = xm.evaluate(QRELS_LABELS, run, ["RR"])
    assert _value(mean, "RR") == 0.5


def test_unjudged_items_count_as_nonrelevant_or_are_dropped() -> None:
    run = _run([("q2", "new", 3.0), ("q2", "c", 2.0), ("q2", "d", 1.0)])
    labels = QRELS_LABELS[QRELS_LABELS.query_id == "q2"]
    assert _value(xm.evaluate(labels, run, ["RR"]), "RR") == 0.5
    assert _value(xm.evaluate(labels, run, ["RR"], unjudged="drop"), "RR") == 1.0
    assert _value(xm.evaluate(labels, run, ["mAP@R"], unjudged="drop"), "mAP@R") == 1.0
    with pytest.raises(ValueError, match="unjudged"):
        xm.evaluate(labels, run, unjudged="ignore")  # type: ignore[arg-type]


def test_rel_threshold_applies_to_binary_measures() -> None:
    run = _run([("q", "one", 2.0), ("q", "two", 1.0)])
    labels = _labels([("q", "one", "x", 1), ("q", "two", "x", 2)])
    assert _value(xm.evaluate(labels, run, ["RR"]), "RR") == 1.0
    assert _value(xm.evaluate(labels, run, ["RR", "mAP@R"], rel=2), "RR") == 0.5
    assert _value(xm.evaluate(labels, run, ["mAP@R"], rel=2), "mAP@R") == 0.0
    assert _value(xm.evaluate(labels, run, ["mAP(rel=2)@R"]), "mAP(rel=2)@R") == 0.0
    # a measure's own rel wins over the argument
    assert _value(xm.evaluate(labels, run, ["RR(rel=1)"], rel=2), "RR(rel=1)") == 1.0


def test_several_runs_tidy_output_and_doc_id_alias() -> None:
    good = _run([("q1", "a", 2.0), ("q1", "b", 1.0), ("q2", "c", 1.0)])
    bad = good.assign(score=-good["score"]).rename(columns={"item_id": "doc_id"})
    results = xm.evaluate(QRELS_LABELS, {"good": good, "bad": bad}, ["RR", "nDCG@10"])
    assert list(results.columns) == ["run", "measure", "value"]
    assert results["run"].tolist() == ["good", "good", "bad", "bad"]
    assert _value(results, "RR", "good") == 1.0
    assert _value(results, "RR", "bad") == 0.75  # q1: 1/2, q2: 1


def test_rank_only_run_is_ordered_by_rank() -> None:
    run = pd.DataFrame({"query_id": ["q1", "q1"], "item_id": ["a", "b"], "rank": [2, 1]})
    assert (
        _value(xm.evaluate(QRELS_LABELS[QRELS_LABELS.query_id == "q1"], run, ["RR"]), "RR") == 0.5
    )


def test_unknown_measure_shows_ir_measures_message_and_the_supported_list() -> None:
    with pytest.raises(ValueError) as err:
        xm.evaluate(QRELS_LABELS, _run([("q1", "a", 1.0)]), ["nDGC@10"])
    message = str(err.value)
    assert "unknown measure 'nDGC@10'" in message
    assert "measure not found" in message  # ir-measures' own words
    assert "mAP@R" in message and "nDCG" in message and "Success" in message


def test_input_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"run 'run' is missing column\(s\) 'item_id'"):
        xm.evaluate(QRELS_LABELS, pd.DataFrame({"query_id": ["q1"], "score": [1.0]}))
    with pytest.raises(ValueError, match=r"missing column 'score' \(or 'rank'\)"):
        xm.evaluate(QRELS_LABELS, pd.DataFrame({"query_id": ["q1"], "item_id": ["a"]}))
    with pytest.raises(ValueError, match=r"lists q1/a more than once"):
        xm.evaluate(QRELS_LABELS, _run([("q1", "a", 1.0), ("q1", "a", 2.0)]))
    with pytest.raises(ValueError, match=r"labels is missing column\(s\) 'relevance'"):
        xm.evaluate(QRELS_LABELS.drop(columns="relevance"), _run([("q1", "a", 1.0)]))
    with pytest.raises(ValueError, match="annotator 'nobody'"):
        xm.evaluate(QRELS_LABELS, _run([("q1", "a", 1.0)]), annotator="nobody")


@pytest.mark.parametrize(
    ("grades", "message"),
    [
        # 2**62 crashed the process inside pytrec_eval (a counter per level), 2**32 + 1 scored
        # nDCG 0.0 with mAP@R 1.0, 2**31 - 1 took 62 s and 16.9 GB
        ([2**62, 0], r"relevance 4611686018427387904 is not a grade of a scale: grades go from "),
        ([2**32 + 1, 0], r"relevance 4294967297 is not a grade"),
        ([0, -(2**31)], r"relevance -2147483648 is not a grade"),
        # a 'best' column given as relevance was scored as grades 1 and 0
        ([True, False], r"relevance holds True/False, not grades"),
        (pd.array([True, None], dtype="boolean"), r"relevance holds True/False, not grades"),
    ],
)
def test_grades_trec_eval_cannot_hold_are_refused(grades: object, message: str) -> None:
    labels = pd.DataFrame({"query_id": "1", "item_id": ["a", "b"], "relevance": grades})
    run = _run([("1", "a", 0.9), ("1", "b", 0.1)])
    with pytest.raises(ValueError, match=message):
        xm.evaluate(labels, run, ["nDCG@10"])
    with pytest.raises(ValueError, match=message):
        xm.agreement(pd.concat([labels.assign(annotator=a) for a in ("ann", "ben")]))
    big = labels.assign(relevance=[1_000_000, 0])  # the largest grade taken
    assert xm.evaluate(big, run, ["nDCG@10"])["value"].tolist() == [1.0]


# ---------------------------------------------------------------- mAP@R, hand-worked


def _map_r(relevant: list[str], ranking: list[str], **kw: object) -> float:
    qrels = pd.DataFrame({"query_id": "q", "doc_id": relevant, "relevance": 1})
    run = _run([("q", d, float(len(ranking) - i)) for i, d in enumerate(ranking)])
    return xm.map_at_r(qrels, run, **kw)  # type: ignore[return-value]


def test_map_at_r_hand_worked_examples() -> None:
    # R = 1, hit at rank 1
    assert _map_r(["a"], ["a", "x", "y"]) == 1.0
    # R = 1, the hit at rank 2 lies beyond R: 0
    assert _map_r(["a"], ["x", "a"]) == 0.0
    # R = 2: ranks 1..2 are [a, x] -> (P@1 · 1 + P@2 · 0) / 2 = 0.5 (b at rank 3 is beyond R)
    assert _map_r(["a", "b"], ["a", "x", "b"]) == 0.5
    # R = 3: [x, a, b] -> (0 + 1/2 + 2/3) / 3 = 7/18
    assert _map_r(["a", "b", "c"], ["x", "a", "b", "c"]) == pytest.approx(7 / 18)
    # R = 4: [a, x, b, c] -> (1 + 0 + 2/3 + 3/4) / 4 = 29/48
    assert _map_r(["a", "b", "c", "d"], ["a", "x", "b", "c", "d"]) == pytest.approx(29 / 48)
    # all relevant first: 1
    assert _map_r(["a", "b", "c"], ["c", "b", "a", "x"]) == 1.0


def test_map_at_r_graded_threshold_zero_r_and_missing_query() -> None:
    qrels = pd.DataFrame(
        {
            "query_id": ["q1", "q1", "q1", "q2", "q3"],
            "doc_id": ["a", "b", "c", "d", "e"],
            "relevance": [3, 1, 2, 0, 2],
        }
    )
    run = _run([("q1", "b", 3.0), ("q1", "a", 2.0), ("q1", "c", 1.0), ("q2", "d", 1.0)])
    per_q = xm.map_at_r(qrels, run, rel=2, per_query=True)
    # q1: R = 2 (a, c); ranks 1..2 = [b, a] -> (0 + 1/2) / 2 = 0.25; q2: R = 0 -> 0; q3 missing -> 0
    assert per_q.to_dict() == {"q1": 0.25, "q2": 0.0, "q3": 0.0}
    assert xm.map_at_r(qrels, run, rel=2) == pytest.approx(0.25 / 3)
    # through evaluate, the same numbers
    labels = qrels.rename(columns={"doc_id": "item_id"}).assign(annotator="x")
    results = xm.evaluate(labels, run, ["mAP@R"], rel=2, per_query=True)
    assert results.set_index("query_id")["value"].to_dict() == per_q.to_dict()


def test_map_at_r_breaks_ties_by_item_id() -> None:
    qrels = pd.DataFrame({"query_id": "q", "doc_id": ["b"], "relevance": 1})
    tie = _run([("q", "b", 1.0), ("q", "a", 1.0)])
    assert xm.map_at_r(qrels, tie) == 0.0  # "a" is ranked first, and R = 1


# ---------------------------------------------------------------- compare_runs


def test_sign_flip_p_exact_when_all_patterns_fit() -> None:
    # 8 sign patterns of [1, 2, 3]; only ±(1, 2, 3) reach |mean| = 2
    assert sign_flip_p(np.array([1.0, 2.0, 3.0]), n_permutations=1000) == 0.25
    assert sign_flip_p(np.zeros(5)) == 1.0


def test_sign_flip_p_monte_carlo_is_seeded_and_sensible() -> None:
    rng = np.random.default_rng(0)
    diff = rng.normal(0.3, 1.0, 40)
    p1 = sign_flip_p(diff, 2000, seed=1)
    assert p1 == sign_flip_p(diff, 2000, seed=1)
    assert 0 < p1 <= 1
    assert sign_flip_p(diff + 5, 2000) == pytest.approx(1 / 2001)  # no flip reaches it
    assert sign_flip_p(rng.choice([-1.0, 1.0], 40), 2000) > 0.01  # pure noise: no evidence


def test_compare_runs_paired_differences_and_tests() -> None:
    from scipy.stats import ttest_rel

    rng = np.random.default_rng(7)
    qrows, good, noisy = [], [], []
    for q in range(30):
        for d in range(10):
            rel = 1 if d < 3 else 0
            qrows.append((f"q{q}", f"d{d}", "x", rel))
            good.append((f"q{q}", f"d{d}", float(10 - d) + rng.normal(0, 2)))
            noisy.append((f"q{q}", f"d{d}", float(rng.random())))
    labels = _labels(qrows)
    result = xm.compare_runs(labels, _run(good), _run(noisy), "AP", names=("good", "noisy"))
    per = result.per_query
    assert list(per.columns) == ["query_id", "good", "noisy", "difference"]
    assert len(per) == 30
    np.testing.assert_allclose(per["difference"], per["good"] - per["noisy"])
    assert result.mean_difference == pytest.approx(per["difference"].mean())
    assert result.mean_a == pytest.approx(_value(xm.evaluate(labels, _run(good), ["AP"]), "AP"))
    assert result.p_ttest == pytest.approx(ttest_rel(per["good"], per["noisy"]).pvalue)
    assert result.mean_difference > 0 and result.p_ttest < 0.01 and result.p_permutation < 0.01
    assert "randomisation test" in result._repr_html_()


def test_compare_a_run_with_itself() -> None:
    run = _run([("q1", "a", 1.0), ("q2", "d", 1.0)])
    result = xm.compare_runs(QRELS_LABELS, run, run, "RR")
    assert result.mean_difference == 0.0
    assert result.p_permutation == 1.0 and result.p_ttest == 1.0
    assert math.isnan(result.t_statistic)


@pytest.mark.parametrize("names", [("difference", "baseline"), ("new", "query_id")])
def test_compare_runs_refuses_names_of_the_per_query_columns(names: tuple[str, str]) -> None:
    run = _run([("q1", "a", 1.0), ("q2", "d", 1.0)])
    clash = names[0] if names[0] == "difference" else names[1]
    with pytest.raises(ValueError, match=rf"names=.*: '{clash}' is a column of per_query"):
        xm.compare_runs(QRELS_LABELS, run, run, "RR", names=names)
    # any other names work, and their columns hold the runs' values
    per = xm.compare_runs(
        QRELS_LABELS, run, _run([("q1", "b", 1.0)]), "RR", names=("Difference", "q")
    ).per_query
    assert per.to_dict("list") == {
        "query_id": ["q1", "q2"], "Difference": [1.0, 0.0], "q": [0.0, 0.0],
        "difference": [1.0, 0.0],
    }  # fmt: skip


def test_comparison_repr_is_one_readable_line() -> None:
    run = _run([("q1", "a", 1.0), ("q2", "d", 1.0)])
    text = repr(xm.compare_runs(QRELS_LABELS, run, run, "RR", names=("new", "old")))
    assert text.startswith("RunComparison(RR: new 0.5000 vs old 0.5000") and "\n" not in text


def test_a_measure_without_a_working_provider_gives_a_clear_error() -> None:
    run = _run([("q1", "a", 1.0)])
    with pytest.raises(ValueError, match=r"ir-measures could not compute RBP.*trec_eval"):
        xm.evaluate(QRELS_LABELS, run, ["RBP"])
    with pytest.raises(ValueError, match=r"'RR' requested more than once"):
        xm.evaluate(QRELS_LABELS, run, ["RR", "AP", "RR"])


def test_fast_run_order_equals_a_plain_lexsort() -> None:
    from xmwidgets.analysis._frames import _order

    rng = np.random.default_rng(5)
    q = rng.integers(0, 30, 5000)
    key = rng.integers(0, 50, 5000).astype(float)  # many ties
    items = rng.permutation(5000)
    np.testing.assert_array_equal(_order(q, key, items), np.lexsort((items, key, q)))


def test_comparison_html_shows_run_names_as_text() -> None:
    # JupyterLab renders trusted output as HTML: a run name must not become markup
    evil = "<img src=x onerror=alert(1)>"
    run = _run([("q1", "a", 1.0), ("q2", "d", 1.0)])
    page = xm.compare_runs(QRELS_LABELS, run, run, "RR", names=(evil, "b&b"))._repr_html_()
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "b&amp;b" in page


# ---------------------------------------------------------------- bad input, refused up front


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        ("nDCG@0", r"measure 'nDCG@0': the cutoff must be at least 1 .*got 0; e.g. 'nDCG@10'"),
        ("R@0", r"measure 'R@0': the cutoff must be at least 1"),
        ("AP(cutoff=0)", r"measure 'AP\(cutoff=0\)': the cutoff must be at least 1"),
        ("Judged@0", r"measure 'Judged@0': the cutoff must be at least 1"),
        ("P@1.5", r"measure 'P@1.5': the cutoff must be a whole number of top items, got 1.5"),
        (
            f"nDCG@{2**63}",
            rf"measure 'nDCG@{2**63}': the cutoff must be at most {2**63 - 1} .*got {2**63}",
        ),
        ("P(rel=0)@5", r"measure 'P\(rel=0\)@5': rel must be at least 1, got 0"),
        ("P(rel=2.5)@5", r"measure 'P\(rel=2.5\)@5': rel must be an integer.*got float 2.5"),
        ("mAP(rel=0)@R", r"measure 'mAP\(rel=0\)@R': rel must be at least 1, got 0"),
        ("mAP(rel=-1)@R", r"measure 'mAP\(rel=-1\)@R': rel must be at least 1, got -1"),
        ("IPrec@1.5", r"measure 'IPrec@1.5': the recall level must be a number from 0 to 1"),
        ("nDCG(gains={0:0,1:1.5})@10", r"gains must map integer grades to integer gains.*1: 1.5"),
        ("nDCG(dcg='foo')@10", r"dcg must be one of 'log2', 'exp-log2', got 'foo'"),
        ("SDCG@5", r"measure 'SDCG@5': needs the parameter max_rel"),
    ],
)
def test_measure_parameters_trec_eval_cannot_take_are_refused_by_name(
    measure: str, expected: str
) -> None:
    # nDCG@0 used to abort the whole process inside pytrec_eval (a C assertion)
    with pytest.raises(ValueError, match=expected):
        xm.evaluate(QRELS_LABELS, _run([("q1", "a", 1.0)]), [measure])


def test_a_measure_object_with_a_zero_cutoff_is_refused_too() -> None:
    import ir_measures

    with pytest.raises(ValueError, match=r"measure 'nDCG@0': the cutoff must be at least 1"):
        xm.evaluate(QRELS_LABELS, _run([("q1", "a", 1.0)]), [ir_measures.nDCG @ 0])
    with pytest.raises(TypeError, match=r"measure 10 is a int: give a name such as 'nDCG@10'"):
        xm.evaluate(QRELS_LABELS, _run([("q1", "a", 1.0)]), [10])


@pytest.mark.parametrize(
    ("rel", "error", "expected"),
    [
        ("1", TypeError, r"rel must be an integer, the lowest grade .*got str '1'"),
        (2.0, TypeError, r"rel must be an integer.*got float 2.0"),
        (True, TypeError, r"rel must be an integer.*got bool True"),
        (0, ValueError, r"rel must be at least 1, got 0: binary measures count a grade >= rel"),
    ],
)
def test_rel_must_be_an_integer_of_at_least_one(rel: object, error: type, expected: str) -> None:
    run = _run([("q1", "a", 1.0)])
    with pytest.raises(error, match=expected) as caught:
        xm.evaluate(QRELS_LABELS, run, ["RR"], rel=rel)  # type: ignore[arg-type]
    assert "install their provider" not in str(caught.value)
    with pytest.raises(error, match=expected):
        xm.map_at_r(QRELS_LABELS.rename(columns={"item_id": "doc_id"}), run, rel=rel)  # type: ignore[arg-type]
    assert _value(xm.evaluate(QRELS_LABELS, run, ["RR"], rel=np.int64(1)), "RR") == 0.5


def test_a_run_that_shares_no_query_with_the_labels_is_refused_with_examples() -> None:
    labels = QRELS_LABELS.assign(query_id=QRELS_LABELS["query_id"].str[1:])  # '1', '2'
    run = _run([("q1", "a", 1.0)]).assign(query_id=[1.0])  # read as float: '1.0'
    with pytest.raises(ValueError) as err:
        xm.evaluate(labels, run, ["nDCG@10"])
    message = str(err.value)
    assert "run 'run' shares no query_id with the labels, so every measure would be 0" in message
    assert "e.g. '1.0'" in message and "e.g. '1', '2'" in message
    assert "look like floats of whole numbers ('1.0' against '1' in the labels)" in message
    assert ".astype('Int64').astype(str)" in message
    with pytest.raises(ValueError, match=r"run 'typo' shares no query_id.*e\.g\. 'x'"):
        xm.evaluate(QRELS_LABELS, {"ok": _run([("q1", "a", 1.0)]), "typo": _run([("x", "a", 1.0)])})
    with pytest.raises(ValueError, match=r"carry spaces \('q1 '\)"):
        xm.evaluate(QRELS_LABELS, _run([("q1 ", "a", 1.0)]), ["RR"], unjudged="drop")
    # an empty run, and a run that misses some judged queries, still score 0 there (documented)
    assert _value(xm.evaluate(QRELS_LABELS, _run([]), ["RR"]), "RR") == 0.0
    assert _value(xm.evaluate(QRELS_LABELS, _run([("q1", "a", 1.0)]), ["RR"]), "RR") == 0.5


def test_a_run_that_retrieved_no_judged_item_scores_zero_with_a_warning() -> None:
    run = _run([("q1", "1.0", 2.0), ("q1", "2.0", 1.0)])
    labels = _labels([("q1", "1", "x", 2), ("q1", "2", "x", 0)])
    with pytest.warns(UserWarning, match=r"run 'run' retrieved no judged item") as caught:
        result = xm.evaluate(labels, run, ["nDCG@10", "mAP@R"])
    assert result["value"].tolist() == [0.0, 0.0]
    assert "item_ids of run 'run' look like floats of whole numbers" in str(caught[0].message)
    # judged but non-relevant items are a real 0: no warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _value(xm.evaluate(labels, run.assign(item_id=["2", "x"]), ["RR"]), "RR") == 0.0
