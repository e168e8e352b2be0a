"""xm.preferences (chosen/rejected pairs from pick, pair and rank events) and xm.bradley_terry."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scipy.stats import kendalltau

import xmwidgets as xm
from xmwidgets._contract import EVENT_COLUMNS
from xmwidgets.store import Store

# the v3 event columns (BRIEF round 3), built by hand: the store may not have them yet
V3_COLUMNS = {"other_id": "string", "choice": "string", "rank": "Int32", "role": "string"}
SHOWN = ["a", "b", "c", "d"]


def ev(event_id: int, task: str, query_id: str, item_id: str | None, **values: Any) -> dict:
    return {
        "event_id": event_id,
        "campaign": "c1",
        "task": task,
        "query_id": query_id,
        "item_id": item_id,
        "annotator": values.pop("annotator", "ann"),
        "guideline_version": values.pop("guideline_version", "v1"),
        **values,
    }


def pick(event_id: int, item_id: str | None, rank: int | None, **values: Any) -> dict:
    query_id = values.pop("query_id", "q1")
    return ev(event_id, "pick", query_id, item_id, rank=rank, shown=json.dumps(SHOWN), **values)


def events(rows: list[dict]) -> pd.DataFrame:
    """A frame with the dtypes store.events() has (contract + v3 columns)."""
    dtypes = {**EVENT_COLUMNS, **V3_COLUMNS}
    frame = pd.DataFrame(rows)
    for col, dtype in dtypes.items():
        if col not in frame.columns:
            frame[col] = pd.Series([None] * len(frame), dtype=object)
        frame[col] = frame[col].astype(dtype)
    return frame[list(dtypes)]


def pairs_of(prefs: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(prefs["chosen"], prefs["rejected"], strict=True))


# ----------------------------------------------------------------------------------------- pick


def test_pick_best_and_second_give_exact_pairs() -> None:
    prefs = xm.preferences(events([pick(1, "b", 1), pick(2, "d", 2)]))
    assert pairs_of(prefs) == [("b", "a"), ("b", "c"), ("b", "d"), ("d", "a"), ("d", "c")]
    assert prefs["source_event"].tolist() == [1, 1, 1, 2, 2]
    assert set(prefs["task"]) == {"pick"}
    assert list(prefs.columns) == [
        "query_id",
        "chosen",
        "rejected",
        "annotator",
        "task",
        "source_event",
        "campaign",
        "guideline_version",
        "role",
    ]
    assert prefs["source_event"].dtype == "int64"
    assert set(prefs["role"]) == {"annotator"}  # a null role reads as annotator


def test_undone_pick_gives_no_preference() -> None:
    frame = events([pick(1, "b", 1), {**pick(2, "b", None), "shown": None, "retracts": 1}])
    assert xm.preferences(frame).empty


def test_undo_of_a_new_best_restores_the_previous_best() -> None:
    # pick a, then pick b (which clears a in the same action), then undo that action
    frame = events(
        [
            pick(1, "a", 1),
            pick(2, "b", 1),
            pick(3, "a", None),
            {**pick(4, "b", None), "shown": None, "retracts": 2},
            {**pick(5, "a", None), "shown": None, "retracts": 3},
        ]
    )
    prefs = xm.preferences(frame)
    assert pairs_of(prefs) == [("a", "b"), ("a", "c"), ("a", "d")]
    assert set(prefs["source_event"]) == {1}
    # without the undo, b is the best
    assert pairs_of(xm.preferences(frame[frame["event_id"] <= 3]))[0] == ("b", "a")


def test_cleared_pick_gives_no_preference() -> None:
    assert xm.preferences(events([pick(1, "b", 1), pick(2, "b", None)])).empty


def test_none_relevant_gives_no_pairs_and_outdates_older_picks() -> None:
    mark = ev(2, "pick", "q1", None, none_relevant=True, shown=json.dumps(SHOWN))
    assert xm.preferences(events([pick(1, "b", 1), mark])).empty
    # a pick made after the mark counts again
    prefs = xm.preferences(events([pick(1, "b", 1), mark, pick(3, "c", 1)]))
    assert pairs_of(prefs) == [("c", "a"), ("c", "b"), ("c", "d")]
    # un-marked (a newer event of the same query-level key): the mark no longer counts
    unmark = {**mark, "event_id": 3, "none_relevant": False}
    assert pairs_of(xm.preferences(events([pick(1, "b", 1), mark, unmark])))[0] == ("b", "a")


def test_second_best_without_a_best_gives_no_pairs() -> None:
    assert xm.preferences(events([pick(1, "d", 2)])).empty
    # and the second best is never preferred over the best, even on the same shown list
    prefs = xm.preferences(events([pick(1, "d", 2), pick(2, "a", 1)]))
    assert ("d", "a") not in pairs_of(prefs)
    assert ("a", "d") in pairs_of(prefs)


def test_newest_pick_of_each_rank_wins_when_an_older_one_was_not_cleared() -> None:
    # the picker clears the old pick when a new one is made; a log where it did not still gives
    # one best and one second best per query and annotator
    frame = events([pick(1, "a", 1), pick(2, "b", 1), pick(3, "c", 2), pick(4, "d", 2)])
    prefs = xm.preferences(frame)
    assert pairs_of(prefs) == [("b", "a"), ("b", "c"), ("b", "d"), ("d", "a"), ("d", "c")]


def test_picks_of_annotators_and_guideline_versions_are_separate() -> None:
    frame = events(
        [
            pick(1, "a", 1, annotator="ann"),
            pick(2, "b", 1, annotator="bob"),
            pick(3, "c", 1, annotator="ann", guideline_version="v2"),
        ]
    )
    prefs = xm.preferences(frame)
    chosen = prefs.groupby(["annotator", "guideline_version"])["chosen"].unique()
    assert {k: list(v) for k, v in chosen.items()} == {
        ("ann", "v1"): ["a"],
        ("ann", "v2"): ["c"],
        ("bob", "v1"): ["b"],
    }
    assert len(prefs) == 9


def test_grid_best_pick_without_rank_counts_as_best() -> None:
    # RelevanceGrid writes its "b" as a pick event with best True and no rank
    frame = events([pick(1, "c", None, best=True)])
    assert pairs_of(xm.preferences(frame)) == [("c", "a"), ("c", "b"), ("c", "d")]
    cleared = events([pick(1, "c", None, best=True), pick(2, "c", None, best=False)])
    assert xm.preferences(cleared).empty


def test_pick_without_shown_list_is_an_error_naming_the_event() -> None:
    frame = events([{**pick(7, "b", 1), "shown": None}])
    with pytest.raises(ValueError, match="pick event 7 has shown=None"):
        xm.preferences(frame)
    with pytest.raises(ValueError, match="pick event 7 has shown='not json'"):
        xm.preferences(events([{**pick(7, "b", 1), "shown": "not json"}]))


def test_picks_in_a_real_store_follow_its_undo() -> None:
    # the grid's pick events (best + shown) through the store as it is, retraction included
    store = Store(":memory:")
    base = {"campaign": "c1", "task": "pick", "annotator": "ann", "shown": json.dumps(SHOWN)}
    first = store.append([{**base, "query_id": "q1", "item_id": "b", "best": True}])
    store.append([{**base, "query_id": "q2", "item_id": "a", "best": True}])
    assert len(xm.preferences(store.events())) == 6
    store.retract(first)
    for frame in (store.events(), store.labels()):
        prefs = xm.preferences(frame)
        assert pairs_of(prefs) == [("a", "b"), ("a", "c"), ("a", "d")]
        assert set(prefs["query_id"]) == {"q2"}


@pytest.mark.skipif("rank" not in EVENT_COLUMNS, reason="store schema v3 (rank) not merged yet")
def test_ranked_picks_in_a_real_store() -> None:
    store = Store(":memory:")
    base = {"campaign": "c1", "task": "pick", "annotator": "ann", "shown": json.dumps(SHOWN)}
    ids = store.append([{**base, "query_id": "q1", "item_id": "b", "rank": 1}])
    store.append([{**base, "query_id": "q1", "item_id": "c", "rank": 2}])
    assert pairs_of(xm.preferences(store.events())) == [
        ("b", "a"),
        ("b", "c"),
        ("b", "d"),
        ("c", "a"),
        ("c", "d"),
    ]
    store.retract(ids)
    assert xm.preferences(store.events()).empty
    # pairs and a ranking, read back through events() and labels() alike
    pair_base = {"campaign": "c1", "task": "pair", "annotator": "ann", "query_id": "q2"}
    store.append([{**pair_base, "item_id": "x", "other_id": "y", "choice": "a"}])
    store.append([{**pair_base, "item_id": "x", "other_id": "y", "choice": "b"}])
    store.append([{**pair_base, "item_id": "x", "other_id": "z", "choice": "tie"}])
    rank_base = {"campaign": "c1", "task": "rank", "annotator": "ann", "query_id": "q3"}
    store.append(
        [{**rank_base, "item_id": i, "rank": r} for i, r in (("r", 2), ("s", 1), ("t", 2))]
    )
    for frame in (store.events(), store.labels()):
        prefs = xm.preferences(frame)
        assert pairs_of(prefs) == [("y", "x"), ("s", "r"), ("s", "t")]
        assert prefs["task"].tolist() == ["pair", "rank", "rank"]


# ----------------------------------------------------------------------------------------- pair


def pair(event_id: int, a: str, b: str, choice: str | None, **values: Any) -> dict:
    return ev(
        event_id, "pair", "q1", a, other_id=b, choice=choice, shown=json.dumps([a, b]), **values
    )


def test_pair_choices() -> None:
    frame = events(
        [
            pair(1, "x", "y", "a"),
            pair(2, "x", "z", "b"),
            pair(3, "y", "z", "tie"),
            pair(4, "w", "z", "both-bad"),
            pair(5, "v", "w", None),
        ]
    )
    prefs = xm.preferences(frame)
    assert pairs_of(prefs) == [("x", "y"), ("z", "x")]
    assert prefs["source_event"].tolist() == [1, 2]
    with_ties = xm.preferences(frame, ties=True)
    assert list(
        zip(with_ties["chosen"], with_ties["rejected"], with_ties["outcome"], strict=True)
    ) == [
        ("x", "y", "win"),
        ("z", "x", "win"),
        ("y", "z", "tie"),
        ("w", "z", "both-bad"),
    ]


def test_pair_judged_again_counts_once_with_its_last_choice() -> None:
    frame = events([pair(1, "x", "y", "a"), pair(2, "x", "y", "b")])
    assert pairs_of(xm.preferences(frame)) == [("y", "x")]
    # cleared, then undone: the earlier choice is back
    cleared = events([pair(1, "x", "y", "a"), pair(2, "x", "y", None)])
    assert xm.preferences(cleared).empty
    undone = events([pair(1, "x", "y", "a"), {**pair(2, "x", "y", None), "retracts": 1}])
    assert xm.preferences(undone).empty


def test_pair_bad_choice_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"pair event 3 has choice='left'.*'a', 'b', 'tie'"):
        xm.preferences(events([pair(3, "x", "y", "left")]))


# ----------------------------------------------------------------------------------------- rank


def ranking(first_id: int, ranks: dict[str, int | None], **values: Any) -> list[dict]:
    shown = json.dumps(list(ranks))
    return [
        ev(first_id + k, "rank", "q1", item, rank=r, shown=shown, **values)
        for k, (item, r) in enumerate(ranks.items())
    ]


def test_ranking_with_ties() -> None:
    frame = events(ranking(1, {"d": 3, "a": 1, "b": 2, "c": 2}))
    prefs = xm.preferences(frame)
    assert sorted(pairs_of(prefs)) == sorted(
        [("a", "b"), ("a", "c"), ("a", "d"), ("b", "d"), ("c", "d")]
    )
    source = dict(zip(pairs_of(prefs), prefs["source_event"], strict=True))
    assert source[("a", "b")] == 3  # the newer of the two rank events (a: 2, b: 3)
    ties = xm.preferences(frame, ties=True)
    assert ties.loc[ties["outcome"] == "tie", ["chosen", "rejected"]].values.tolist() == [
        ["b", "c"]
    ]


def test_ranking_submitted_again_replaces_the_old_one() -> None:
    frame = events(ranking(1, {"a": 1, "b": 2}) + ranking(3, {"a": 2, "b": 1}))
    assert pairs_of(xm.preferences(frame)) == [("b", "a")]
    # a cleared rank (null) drops the item from the ranking
    frame = events(ranking(1, {"a": 1, "b": 2, "c": 3}) + ranking(4, {"b": None}))
    assert pairs_of(xm.preferences(frame)) == [("a", "c")]


def test_rankings_of_two_annotators_are_not_mixed() -> None:
    frame = events(
        ranking(1, {"a": 1, "b": 2}, annotator="ann") + ranking(3, {"c": 1}, annotator="bob")
    )
    prefs = xm.preferences(frame)
    assert pairs_of(prefs) == [("a", "b")]
    assert prefs["annotator"].tolist() == ["ann"]


# ---------------------------------------------------------------------------------- all tasks


def test_mixed_tasks_and_grades_ignored() -> None:
    frame = events(
        [
            ev(1, "grade", "q1", "a", relevance=3),
            pick(2, "b", 1),
            pair(3, "x", "y", "a"),
            *ranking(4, {"r": 1, "s": 2}),
        ]
    )
    prefs = xm.preferences(frame)
    assert prefs.groupby("task").size().to_dict() == {"pair": 1, "pick": 3, "rank": 1}
    assert prefs["source_event"].is_monotonic_increasing


def test_plain_object_columns_without_optional_ones() -> None:
    # a hand-made frame: no campaign, no retracts, object dtypes; pick reads `rank`
    frame = pd.DataFrame(
        {
            "event_id": [1],
            "task": ["pick"],
            "query_id": ["q1"],
            "item_id": ["b"],
            "annotator": ["ann"],
            "rank": [1],
            "shown": ['["a", "b"]'],
        }
    )
    prefs = xm.preferences(frame)
    assert list(prefs.columns) == [
        "query_id",
        "chosen",
        "rejected",
        "annotator",
        "task",
        "source_event",
    ]
    assert pairs_of(prefs) == [("b", "a")]


def test_all_null_campaign_and_version_columns_still_group() -> None:
    # object columns holding only None (a frame built from dicts): keys and marks still match
    rows = [
        {**pick(1, "a", 1), "campaign": None, "guideline_version": None},
        {**pick(2, "b", 2), "campaign": None, "guideline_version": None},
        {**pick(3, "c", 1, query_id="q2"), "campaign": None, "guideline_version": None},
        {
            **ev(4, "pick", "q2", None, none_relevant=True),
            "campaign": None,
            "guideline_version": None,
        },
    ]
    prefs = xm.preferences(pd.DataFrame(rows))
    assert pairs_of(prefs) == [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")]
    assert prefs["campaign"].isna().all()


def test_missing_columns_are_named() -> None:
    grid_labels = pd.DataFrame({"query_id": ["q1"], "item_id": ["a"], "best": [True]})
    with pytest.raises(ValueError, match=r"missing column\(s\) 'event_id', 'task', 'annotator'"):
        xm.preferences(grid_labels)
    no_choice = events([pair(1, "x", "y", "a")]).drop(columns="choice")
    with pytest.raises(ValueError, match=r"task 'pair'.*missing column\(s\) 'choice'"):
        xm.preferences(no_choice)


def test_no_preference_events_give_an_empty_frame_with_the_columns() -> None:
    prefs = xm.preferences(events([ev(1, "grade", "q1", "a", relevance=1)]))
    assert prefs.empty
    assert {"query_id", "chosen", "rejected", "source_event"} <= set(prefs.columns)


# -------------------------------------------------------------------------------- bradley_terry


def prefs_frame(pairs: list[tuple[str, str]], query_id: str = "q1") -> pd.DataFrame:
    return pd.DataFrame(
        {"query_id": query_id, "chosen": [w for w, _ in pairs], "rejected": [lo for _, lo in pairs]}
    )


def test_two_items_match_the_closed_form() -> None:
    # a beat b 3 times out of 4: the log-odds is log 3, its standard error sqrt(1/3 + 1/1)
    scores = xm.bradley_terry(prefs_frame([("a", "b")] * 3 + [("b", "a")]), alpha=1e-8)
    by_item = scores.set_index("item_id")
    assert by_item.loc["a", "score"] - by_item.loc["b", "score"] == pytest.approx(
        np.log(3), abs=1e-3
    )
    assert by_item["score"].sum() == pytest.approx(0, abs=1e-6)
    assert by_item.loc["a", "se"] == pytest.approx(np.sqrt(1 / 3 + 1) / 2, rel=1e-3)
    assert by_item.loc["a", ["wins", "n_comparisons"]].tolist() == [3, 4]
    assert by_item.loc["b", ["wins", "n_comparisons"]].tolist() == [1, 4]
    assert scores["item_id"].tolist() == ["a", "b"]


def test_matches_a_direct_fit_of_the_penalised_likelihood() -> None:
    data = [("x", "y"), ("y", "z"), ("x", "z"), ("z", "x"), ("y", "x"), ("x", "y"), ("z", "y")]
    alpha = 0.05
    scores = xm.bradley_terry(prefs_frame(data), alpha=alpha).set_index("item_id")
    ids = ["x", "y", "z"]
    w = np.array([ids.index(a) for a, _ in data])
    lo = np.array([ids.index(b) for _, b in data])

    def objective(theta: np.ndarray) -> float:
        return float(np.sum(np.logaddexp(0, -(theta[w] - theta[lo]))) + alpha * np.sum(theta**2))

    direct = minimize(objective, np.zeros(3), method="BFGS", options={"gtol": 1e-10}).x
    assert scores.loc[ids, "score"].to_numpy() == pytest.approx(direct, abs=1e-4)
    # standard errors: the curvature of that objective by finite differences, inverted on the
    # centred scores (the common shift is not identified)
    h, eye = 1e-4, np.eye(3)
    hessian = np.array(
        [
            [
                (
                    objective(direct + h * (eye[i] + eye[j]))
                    - objective(direct + h * (eye[i] - eye[j]))
                    - objective(direct - h * (eye[i] - eye[j]))
                    + objective(direct - h * (eye[i] + eye[j]))
                )
                / (4 * h * h)
                for j in range(3)
            ]
            for i in range(3)
        ]
    )
    centre = eye - 1 / 3
    se = np.sqrt(np.diag(np.linalg.pinv(centre @ hessian @ centre)))
    assert scores.loc[ids, "se"].to_numpy() == pytest.approx(se, rel=1e-3)
    # and choix on the same comparisons, items numbered in another order
    choix = pytest.importorskip("choix", reason="choix (test extra) is the reference fit")
    order = ["z", "x", "y"]
    fitted = choix.opt_pairwise(3, [(order.index(a), order.index(b)) for a, b in data], alpha=alpha)
    assert scores.loc[order, "score"].to_numpy() == pytest.approx(fitted, abs=1e-4)


def test_recovers_the_order_of_known_strengths_from_simulated_pair_choices() -> None:
    rng = np.random.default_rng(7)
    strengths = {f"i{k}": s for k, s in enumerate(np.linspace(-2.0, 2.0, 8))}
    ids = list(strengths)
    rows = []
    for event_id in range(1, 1501):
        a, b = rng.choice(ids, size=2, replace=False)
        p_a = 1 / (1 + np.exp(strengths[b] - strengths[a]))
        choice = "a" if rng.random() < p_a else "b"
        rows.append(pair(event_id, str(a), str(b), choice, annotator=f"ann{event_id}"))
    # a pair judged again by the same annotator counts once: one annotator per judgement here
    prefs = xm.preferences(events(rows))
    assert len(prefs) == 1500
    scores = xm.bradley_terry(prefs, alpha=0.01)
    assert scores["item_id"].tolist() == ids[::-1]
    fitted = scores.set_index("item_id").loc[ids, "score"].to_numpy()
    truth = np.array(list(strengths.values()))
    assert np.corrcoef(fitted, truth)[0, 1] > 0.99
    # the spread is estimated, not only the order: slope near 1
    assert np.polyfit(truth, fitted, 1)[0] == pytest.approx(1.0, abs=0.2)


def test_recovers_the_best_items_from_simulated_picks() -> None:
    # a picker chooses the best of 5 shown with Luce's probabilities: top items get top scores
    rng = np.random.default_rng(3)
    strengths = np.linspace(0.0, 3.0, 10)
    ids = [f"i{k}" for k in range(10)]
    rows = []
    for n in range(400):
        shown = rng.choice(10, size=5, replace=False)
        weights = np.exp(strengths[shown])
        chosen = shown[rng.choice(5, p=weights / weights.sum())]
        rows.append(
            ev(
                n + 1,
                "pick",
                "q1",
                ids[chosen],
                rank=1,
                shown=json.dumps([ids[k] for k in shown]),
                annotator=f"a{n}",
            )
        )
    scores = xm.bradley_terry(xm.preferences(events(rows)))
    assert scores["item_id"].head(3).tolist() == ["i9", "i8", "i7"]
    # losers of a pick are not ordered among themselves: the bottom is noisier, the order close
    fitted = scores.set_index("item_id").loc[ids, "score"].to_numpy()
    assert kendalltau(fitted, strengths).statistic > 0.8


def test_per_query_scores_and_pooled_scores() -> None:
    prefs = pd.concat([prefs_frame([("a", "b")] * 2, "q1"), prefs_frame([("b", "a")] * 2, "q2")])
    per_query = xm.bradley_terry(prefs)
    assert per_query[["query_id", "item_id"]].values.tolist() == [
        ["q1", "a"],
        ["q1", "b"],
        ["q2", "b"],
        ["q2", "a"],
    ]
    assert per_query["score"].iloc[0] > 0 > per_query["score"].iloc[1]
    two_columns = xm.bradley_terry(prefs.assign(campaign="c1"), by=["campaign", "query_id"])
    assert two_columns.drop(columns="campaign").equals(per_query)
    pooled = xm.bradley_terry(prefs, by=None)
    assert "query_id" not in pooled.columns
    assert pooled["score"].to_numpy() == pytest.approx([0.0, 0.0], abs=1e-6)
    assert pooled["n_comparisons"].tolist() == [4, 4]


def test_disconnected_graph_is_fitted_per_component() -> None:
    prefs = prefs_frame([("a", "b"), ("a", "b"), ("b", "a"), ("x", "y"), ("y", "z")])
    scores = xm.bradley_terry(prefs).set_index("item_id")
    assert scores.loc["a", "component"] == scores.loc["b", "component"]
    assert (
        scores.loc["x", "component"] == scores.loc["y", "component"] == scores.loc["z", "component"]
    )
    assert scores.loc["a", "component"] != scores.loc["x", "component"]
    # each part centred at 0, and fitted as if alone
    assert scores.loc[["a", "b"], "score"].sum() == pytest.approx(0, abs=1e-6)
    assert scores.loc[["x", "y", "z"], "score"].sum() == pytest.approx(0, abs=1e-6)
    alone = xm.bradley_terry(prefs.iloc[:3]).set_index("item_id")
    assert scores.loc["a", "score"] == pytest.approx(alone.loc["a", "score"], abs=1e-6)


def test_undefeated_item_gets_a_finite_score_shrunk_by_alpha() -> None:
    prefs = prefs_frame([("a", "b"), ("a", "c"), ("b", "c")])
    weak = xm.bradley_terry(prefs, alpha=0.01).set_index("item_id")["score"]
    strong = xm.bradley_terry(prefs, alpha=1.0).set_index("item_id")["score"]
    assert np.isfinite(weak).all()
    assert weak["a"] > weak["b"] > weak["c"]
    assert 0 < strong["a"] < weak["a"]


def test_items_never_compared_are_listed_without_a_score() -> None:
    prefs = prefs_frame([("a", "b")])
    candidates = pd.DataFrame({"query_id": ["q1"] * 3 + ["q2"], "item_id": ["a", "b", "c", "a"]})
    scores = xm.bradley_terry(prefs, items=candidates)
    assert scores[["query_id", "item_id"]].values.tolist() == [
        ["q1", "a"],
        ["q1", "b"],
        ["q1", "c"],
        ["q2", "a"],
    ]
    unseen = scores[scores["n_comparisons"] == 0]
    assert unseen["score"].isna().all() and unseen["component"].isna().all()
    assert xm.bradley_terry(prefs, by=None, items=["a", "z"])["item_id"].tolist() == ["a", "b", "z"]
    with pytest.raises(ValueError, match="items is a list but scores are per query_id"):
        xm.bradley_terry(prefs, items=["a", "z"])


def test_ties_are_left_out_of_the_fit() -> None:
    prefs = prefs_frame([("a", "b"), ("b", "a"), ("b", "a")]).assign(outcome=["win", "tie", "tie"])
    scores = xm.bradley_terry(prefs).set_index("item_id")
    assert scores.loc["a", "n_comparisons"] == 1
    assert scores.loc["a", "score"] > 0


def test_bradley_terry_errors() -> None:
    with pytest.raises(ValueError, match=r"preferences is missing column\(s\) 'rejected'"):
        xm.bradley_terry(pd.DataFrame({"query_id": ["q"], "chosen": ["a"]}))
    with pytest.raises(ValueError, match=r"missing column\(s\) 'query_id'"):
        xm.bradley_terry(pd.DataFrame({"chosen": ["a"], "rejected": ["b"]}))
    with pytest.raises(ValueError, match="alpha=0"):
        xm.bradley_terry(prefs_frame([("a", "b")]), alpha=0)
    with pytest.raises(ValueError, match="chosen='a', rejected='a'"):
        xm.bradley_terry(prefs_frame([("a", "b"), ("a", "a")]))
    # an index that repeats labels (frames concatenated) still names the one offending row
    null = pd.DataFrame({"query_id": ["q1"], "chosen": ["c"], "rejected": [None]})
    repeated = pd.concat([prefs_frame([("a", "b")]), null])
    with pytest.raises(ValueError, match="row 0 has chosen='c', rejected=<NA>"):
        xm.bradley_terry(repeated)


def test_empty_preferences_give_an_empty_score_frame() -> None:
    scores = xm.bradley_terry(prefs_frame([]))
    assert scores.empty
    assert list(scores.columns) == [
        "query_id",
        "item_id",
        "score",
        "se",
        "n_comparisons",
        "wins",
        "component",
    ]
