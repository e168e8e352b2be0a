"""xm.pool: depth pooling, knn, negatives, gold, cap priority, embeddings forms, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import xmwidgets as xm
from xmwidgets.pools import exact_knn, source_flags

N_QUERIES, N_ITEMS, DIM = 8, 120, 12


@pytest.fixture
def data() -> dict:
    rng = np.random.default_rng(42)
    queries = pd.DataFrame(
        {"query_id": [f"q{i}" for i in range(N_QUERIES)], "text": ["query"] * N_QUERIES}
    )
    items = pd.DataFrame(
        {"item_id": [f"it{i:03d}" for i in range(N_ITEMS)], "text": ["item"] * N_ITEMS}
    )
    runs = {}
    for name, seed in (("bm25", 1), ("dense", 2)):
        r = np.random.default_rng(seed)
        rows = []
        for query_id in queries.query_id:
            picked = r.choice(N_ITEMS, 30, replace=False)
            scores = np.sort(r.uniform(0, 10, 30))[::-1]
            rows += [(query_id, f"it{i:03d}", s) for i, s in zip(picked, scores, strict=True)]
        run = pd.DataFrame(rows, columns=["query_id", "item_id", "score"])
        runs[name] = run.sample(frac=1, random_state=seed)  # unsorted, as runs often are
    return {
        "queries": queries,
        "items": items,
        "runs": runs,
        "qv": rng.standard_normal((N_QUERIES, DIM)).astype(np.float32),
        "iv": rng.standard_normal((N_ITEMS, DIM)).astype(np.float32),
        "positives": pd.DataFrame(
            {
                "query_id": ["q0", "q0", "q1", "q2"],
                "item_id": ["it005", "it006", "it007", "it008"],
                "relevance": [2, 3, 1, 0],
            }
        ),
    }


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame.query_id.astype(str), frame.item_id.astype(str), strict=True))


def _nearest(data: dict, query_row: int) -> list[str]:
    idx, _ = exact_knn(data["qv"][query_row : query_row + 1], data["iv"], N_ITEMS)
    return [data["items"].item_id[i] for i in idx[0]]


def test_pooling_equals_union_of_top_depth_per_run(data: dict) -> None:
    cands = xm.pool(data["queries"], data["items"], runs=data["runs"], depth=7)
    expected: set[tuple[str, str]] = set()
    for run in data["runs"].values():
        top = run.sort_values(["query_id", "score"], ascending=[True, False])
        expected |= _pairs(top.groupby("query_id").head(7))
    assert _pairs(cands) == expected
    assert not cands.duplicated(["query_id", "item_id"]).any()
    # per-source ranks are the rank within that run; the best rank is their minimum
    bm25 = data["runs"]["bm25"].sort_values("score", ascending=False)
    bm25 = bm25.assign(rank=bm25.groupby("query_id").cumcount() + 1).set_index(
        ["query_id", "item_id"]
    )
    got = cands.dropna(subset=["rank_run:bm25"]).set_index(["query_id", "item_id"])
    assert (got["rank_run:bm25"] == bm25["rank"].reindex(got.index)).all()
    best = cands[["rank_run:bm25", "rank_run:dense"]].min(axis=1)
    assert (cands["rank"] == best).all()
    both = cands["rank_run:bm25"].notna() & cands["rank_run:dense"].notna()
    assert (cands.loc[both, "source"] == "run:bm25,run:dense").all()
    assert (cands.loc[~both, "source"].isin(["run:bm25", "run:dense"])).all()


def test_columns_and_dtypes(data: dict) -> None:
    cands = xm.pool(data["queries"], data["items"], runs=data["runs"], depth=3)
    assert list(cands.columns[:5]) == ["query_id", "item_id", "source", "rank", "score"]
    assert pd.api.types.is_string_dtype(cands["query_id"])
    assert pd.api.types.is_string_dtype(cands["source"])
    assert str(cands["rank"].dtype) == "Int64"
    # score comes from the source that gave the best rank
    from_bm25 = cands["rank_run:bm25"] == cands["rank"]
    assert (cands.loc[from_bm25, "score"] == cands.loc[from_bm25, "score_run:bm25"]).all()


def test_rank_column_orders_the_run_when_given(data: dict) -> None:
    run = pd.DataFrame(
        {"query_id": ["q0"] * 3, "item_id": ["it001", "it002", "it003"], "rank": [3, 1, 2]}
    )
    cands = xm.pool(data["queries"], data["items"], runs={"r": run}, depth=2)
    assert cands.item_id.tolist() == ["it002", "it003"]
    assert cands["rank"].tolist() == [1, 2]


def test_pool_ranks_runs_as_evaluate_does_so_judging_the_pool_closes_the_loop(data: dict) -> None:
    # 15 tied items: the top 10 are d00..d09 (ties by item_id ascending), as evaluate ranks them
    items = pd.DataFrame({"item_id": [f"d{i:02d}" for i in range(15)], "text": "t"})
    tied = pd.DataFrame({"query_id": "q0", "item_id": items.item_id, "score": 1.0})
    # a reranked run: the scores decide, the stale first-stage rank is ignored (as by trec_eval)
    reranked = pd.DataFrame(
        {"query_id": "q1", "item_id": ["d00", "d01", "d02"], "rank": [1, 2, 3],
         "score": [0.1, 0.9, 0.5]}
    )  # fmt: skip
    runs = {"tied": tied, "reranked": reranked}
    cands = xm.pool(data["queries"], items, runs=runs, depth=2)
    assert sorted(_pairs(cands)) == [("q0", "d00"), ("q0", "d01"), ("q1", "d01"), ("q1", "d02")]
    assert cands.loc[cands.query_id == "q1", "rank"].tolist() == [1, 2]
    deep = xm.pool(data["queries"], items, runs={"tied": tied}, depth=10)
    assert deep.item_id.tolist() == [f"d{i:02d}" for i in range(10)]
    for depth, pooled, name in ((2, cands, "tied"), (2, cands, "reranked"), (10, deep, "tied")):
        run = runs[name]
        mine = pooled[pooled.query_id == run.query_id[0]]
        labels = mine[["query_id", "item_id"]].assign(relevance=1, annotator="ana")
        assert xm.unjudged(labels, run, depth=depth).empty
        scores = xm.evaluate(labels, run, [f"Judged@{depth}", f"P@{depth}"])
        assert scores["value"].tolist() == [1.0, 1.0], (name, depth)


def test_cap_breaks_rank_ties_by_item_id_ascending(data: dict) -> None:
    runs = {
        name: pd.DataFrame({"query_id": ["q0"], "item_id": [item], "score": [1.0]})
        for name, item in (("a", "it050"), ("b", "it040"), ("c", "it060"))
    }
    cands = xm.pool(data["queries"], data["items"], runs=runs, max_per_query=2)
    assert cands.item_id.tolist() == ["it040", "it050"]


def test_knn_source_is_the_exact_top_k(data: dict) -> None:
    cands = xm.pool(data["queries"], data["items"], embeddings=(data["qv"], data["iv"]), k=6)
    for row, query_id in enumerate(data["queries"].query_id):
        mine = cands[cands.query_id == query_id]
        assert mine.item_id.tolist() == _nearest(data, row)[:6]
        assert mine["rank"].tolist() == list(range(1, 7))
        assert (mine.source == "knn").all()


def test_hard_negatives_are_the_nearest_non_positive_unpooled_items(data: dict) -> None:
    cands = xm.pool(
        data["queries"],
        data["items"],
        runs=data["runs"],
        depth=5,
        embeddings=(data["qv"], data["iv"]),
        k=4,
        hard_negatives=3,
        positives=data["positives"],
    )
    positives = data["positives"][data["positives"].relevance > 0]
    for row, query_id in enumerate(data["queries"].query_id):
        mine = cands[cands.query_id == query_id]
        taken = set(mine[mine.source != "hard-negative"].item_id)
        known = set(positives[positives.query_id == query_id].item_id)
        expected = [i for i in _nearest(data, row) if i not in taken | known][:3]
        assert mine[mine.source == "hard-negative"].item_id.tolist() == expected
    assert not _pairs(cands) & _pairs(positives)


def test_hard_negatives_near_positives(data: dict) -> None:
    cands = xm.pool(
        data["queries"],
        data["items"],
        embeddings=(data["qv"], data["iv"]),
        k=0,
        hard_negatives=4,
        positives=data["positives"],
        hard_negatives_near="positives",
    )
    q0 = cands[cands.query_id == "q0"]
    rows = [5, 6]  # it005 and it006
    idx, sim = exact_knn(data["iv"][rows], data["iv"], N_ITEMS)
    best: dict[int, float] = {}
    for i, s in zip(idx.ravel(), sim.ravel(), strict=True):
        best[int(i)] = max(best.get(int(i), -np.inf), float(s))
    ranked = sorted((i for i in best if i not in rows), key=lambda i: (-best[i], i))
    assert q0.item_id.tolist() == [f"it{i:03d}" for i in ranked[:4]]
    # q3 has no known positive: falls back to the query vector
    q3 = cands[cands.query_id == "q3"]
    assert q3.item_id.tolist() == _nearest(data, 3)[:4]


def test_random_negatives_never_positives_nor_duplicates(data: dict) -> None:
    gold = pd.DataFrame({"query_id": ["q4"], "item_id": ["it100"], "relevance": [2]})
    # a corpus of 120 with 30 per run: ask for almost everything that is left
    cands = xm.pool(
        data["queries"],
        data["items"],
        runs=data["runs"],
        depth=30,
        random_negatives=80,
        positives=data["positives"],
        gold=gold,
        seed=3,
    )
    assert not cands.duplicated(["query_id", "item_id"]).any()
    random_pairs = _pairs(cands[cands.source == "random"])
    positives = data["positives"][data["positives"].relevance > 0]
    assert not random_pairs & (_pairs(positives) | _pairs(gold))
    assert not cands.source.str.contains("random,|,random").any()
    # when fewer than asked are left, all that are left are drawn
    q0 = cands[cands.query_id == "q0"]
    from_runs = set(q0[q0.source != "random"].item_id)
    expected = set(data["items"].item_id) - ({"it005", "it006"} - from_runs)
    assert set(q0.item_id) == expected  # all items but the known positives no run proposed


def test_seeds_reproduce_and_differ(data: dict) -> None:
    def build(seed: int) -> pd.DataFrame:
        return xm.pool(
            data["queries"], data["items"], runs=data["runs"], depth=5,
            random_negatives=5, seed=seed,
        )  # fmt: skip

    pd.testing.assert_frame_equal(build(0), build(0))
    assert _pairs(build(0)) != _pairs(build(1))


def test_random_negatives_of_a_query_do_not_depend_on_other_queries(data: dict) -> None:
    everyone = xm.pool(data["queries"], data["items"], random_negatives=5, seed=9)
    alone = xm.pool(data["queries"].iloc[[3]], data["items"], random_negatives=5, seed=9)
    assert everyone[everyone.query_id == "q3"].item_id.tolist() == alone.item_id.tolist()


def test_gold_is_mixed_in_and_marked(data: dict) -> None:
    top = data["runs"]["bm25"].sort_values("score", ascending=False)
    in_run = top[top.query_id == "q1"].item_id.iloc[0]
    gold = pd.DataFrame(
        {"query_id": ["q1", "q1"], "item_id": [in_run, "it119"], "relevance": [3, 0]}
    )
    cands = xm.pool(data["queries"], data["items"], runs=data["runs"], depth=5, gold=gold)
    got = cands.set_index("item_id").loc[[in_run, "it119"]]
    got = got[got.query_id == "q1"]
    assert got.loc[in_run, "source"].startswith("gold,run:bm25")
    if "it119" not in set(top[top.query_id == "q1"].item_id.head(5)):
        assert got.loc["it119", "source"] == "gold"


def test_cap_keeps_gold_then_best_rank_then_hard_then_random(data: dict) -> None:
    run = pd.DataFrame(
        {
            "query_id": ["q0"] * 6,
            "item_id": [f"it{i:03d}" for i in range(10, 16)],
            "score": [6.0, 5, 4, 3, 2, 1],
        }
    )
    gold = pd.DataFrame({"query_id": ["q0"], "item_id": ["it099"], "relevance": [1]})
    kwargs = dict(
        runs={"r": run},
        depth=6,
        embeddings=(data["qv"][[0]], data["iv"]),
        k=0,
        hard_negatives=3,
        random_negatives=3,
        gold=gold,
    )
    queries = data["queries"].iloc[[0]]
    full = xm.pool(queries, data["items"], **kwargs)
    assert full.source.tolist() == ["gold"] + ["run:r"] * 6 + ["hard-negative"] * 3 + ["random"] * 3
    for cap in (1, 4, 8, 12, 13):
        capped = xm.pool(queries, data["items"], max_per_query=cap, **kwargs)
        assert capped.item_id.tolist() == full.item_id.tolist()[:cap]
    # knn and run items interleave by best rank
    mixed = xm.pool(
        queries, data["items"], runs={"r": run}, depth=6,
        embeddings=(data["qv"][[0]], data["iv"]), k=6, max_per_query=4,
    )  # fmt: skip
    assert mixed["rank"].tolist() == [1, 1, 2, 2]


def test_unknown_run_ids_warn_with_counts_and_are_dropped(data: dict) -> None:
    run = pd.DataFrame(
        {
            "query_id": ["q0", "q0", "q0", "nope"],
            "item_id": ["it001", "ghost-1", "ghost-2", "it002"],
            "score": [4.0, 3, 2, 1],
        }
    )
    with pytest.warns(UserWarning) as caught:
        cands = xm.pool(data["queries"], data["items"], runs={"r": run})
    messages = " | ".join(str(w.message) for w in caught)
    assert "2 rows name 2 item_ids" in messages and "ghost-1" in messages
    assert "1 rows name 1 query_ids" in messages and "nope" in messages
    assert cands.item_id.tolist() == ["it001"]
    assert caught[0].filename == __file__  # points at the caller, not at xmwidgets internals


def test_duplicate_pairs_in_a_run_keep_the_best(data: dict) -> None:
    run = pd.DataFrame(
        {"query_id": ["q0", "q0", "q0"], "item_id": ["it001", "it002", "it001"], "score": [1, 2, 3]}
    )
    with pytest.warns(UserWarning, match="1 .query_id, item_id. pairs more than once"):
        cands = xm.pool(data["queries"], data["items"], runs={"r": run})
    assert cands.item_id.tolist() == ["it001", "it002"]
    assert cands["score"].tolist() == [3.0, 2.0]


@pytest.mark.parametrize("form", ["column", "mapping", "series", "callable"])
def test_embedding_forms_agree_with_arrays(data: dict, form: str) -> None:
    queries, items = data["queries"].copy(), data["items"].copy()
    qv, iv = data["qv"], data["iv"]
    if form == "column":
        queries["vec"], items["vec"] = list(qv), list(iv)
        embeddings: object = ("vec", "vec")
    elif form == "mapping":
        embeddings = (dict(zip(queries.query_id, qv, strict=True)),
                      dict(zip(items.item_id[::-1], iv[::-1], strict=True)))  # fmt: skip
    elif form == "series":
        embeddings = (pd.Series(list(qv), index=queries.query_id),
                      pd.Series(list(iv), index=items.item_id))  # fmt: skip
    else:
        queries["text"] = range(N_QUERIES)
        items["text"] = range(N_ITEMS)
        embeddings = (lambda rows: qv[rows], lambda rows: iv[rows])
    expected = xm.pool(data["queries"], data["items"], embeddings=(qv, iv), k=5)
    got = xm.pool(queries, items, embeddings=embeddings, k=5)
    pd.testing.assert_frame_equal(got, expected)


def test_bad_inputs_raise_clear_errors(data: dict) -> None:
    queries, items, qv, iv = data["queries"], data["items"], data["qv"], data["iv"]
    with pytest.raises(ValueError, match=r"items embeddings have 119 rows but items has 120 rows"):
        xm.pool(queries, items, embeddings=(qv, iv[:-1]))
    with pytest.raises(ValueError, match="dimension 12 but item embeddings have dimension 11"):
        xm.pool(queries, items, embeddings=(qv, iv[:, :-1]))
    bad = iv.copy()
    bad[17, 3] = np.nan
    with pytest.raises(ValueError, match=r"row 17 \(id 'it017'\) contains NaN"):
        xm.pool(queries, items, embeddings=(qv, bad))
    twice = pd.concat([items, items.iloc[[4, 9]]])
    with pytest.raises(ValueError, match=r"duplicate item_id values: \['it004', 'it009'\]"):
        xm.pool(queries, twice)
    with pytest.raises(ValueError, match="hard_negatives=2 needs embeddings"):
        xm.pool(queries, items, hard_negatives=2)
    with pytest.raises(ValueError, match="gold needs a relevance column"):
        xm.pool(queries, items, gold=data["positives"].drop(columns="relevance"))
    with pytest.raises(ValueError, match="needs a score or a rank column"):
        xm.pool(queries, items, runs={"r": data["positives"].drop(columns="relevance")})
    with pytest.raises(ValueError, match=r"no vector for 1 ids, e.g. \['q7'\]"):
        xm.pool(queries, items, embeddings=(dict(zip(queries.query_id[:-1], qv, strict=False)), iv))
    with pytest.raises(RuntimeError, match="the items encoder failed on column 'text'"):
        xm.pool(queries, items, embeddings=(qv, lambda rows: 1 / 0))
    with pytest.raises(ValueError, match="max_per_query must be at least 1"):
        xm.pool(queries, items, max_per_query=0)


def test_ids_are_cast_to_strings(data: dict) -> None:
    queries = pd.DataFrame({"query_id": [1, 2], "text": ["a", "b"]})
    items = pd.DataFrame({"item_id": [10, 20, 30], "text": ["x", "y", "z"]})
    run = pd.DataFrame({"query_id": [1, 2], "item_id": [30, 10], "score": [1.0, 1.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cands = xm.pool(queries, items, runs={"r": run})
    assert cands.query_id.tolist() == ["1", "2"] and cands.item_id.tolist() == ["30", "10"]


def test_source_flags(data: dict) -> None:
    cands = xm.pool(
        data["queries"], data["items"], runs=data["runs"], depth=5,
        embeddings=(data["qv"], data["iv"]), k=5,
    )  # fmt: skip
    flags = source_flags(cands)
    assert set(flags.columns) == {"run:bm25", "run:dense", "knn"}
    assert flags["knn"].sum() == N_QUERIES * 5
    assert (flags.sum(axis=1) == cands.source.str.count(",") + 1).all()


def test_unknown_gold_ids_warn_at_the_callers_line(data: dict) -> None:
    gold = pd.DataFrame(
        {"query_id": ["q0", "q0"], "item_id": ["it001", "ghost"], "relevance": [1, 0]}
    )
    with pytest.warns(UserWarning, match=r"gold: 1 rows name 1 item_ids .*\['ghost'\]") as caught:
        cands = xm.pool(data["queries"], data["items"], gold=gold)
    assert caught[0].filename == __file__
    assert cands.item_id.tolist() == ["it001"] and cands.source.tolist() == ["gold"]


def test_no_source_at_all_is_an_error_naming_the_sources(data: dict) -> None:
    # an empty pool asked for by mistake used to come back silently
    with pytest.raises(ValueError, match=r"no source of candidates \(no runs, embeddings") as err:
        xm.pool(data["queries"], data["items"])
    for source in ("runs=", "embeddings=", "hard_negatives=", "random_negatives=", "gold="):
        assert source in str(err.value)
    with pytest.raises(ValueError, match=r"embeddings were given but k=0"):
        xm.pool(data["queries"], data["items"], embeddings=(data["qv"], data["iv"]), k=0)
    with pytest.raises(ValueError, match="no source of candidates"):
        xm.pool(data["queries"], data["items"], runs={}, positives=data["positives"])


def test_sources_that_find_nothing_give_an_empty_frame_with_the_columns(data: dict) -> None:
    empty = xm.pool(data["queries"], data["items"], gold=data["positives"].iloc[:0])
    assert empty.empty
    assert list(empty.columns) == ["query_id", "item_id", "source", "rank", "score"]
    tiny = xm.pool(data["queries"].iloc[:1], data["items"].iloc[:2], random_negatives=5)
    assert sorted(tiny.item_id) == ["it000", "it001"]  # fewer left than asked: all of them


@pytest.mark.parametrize(
    ("depth", "error", "expected"),
    [
        (0, ValueError, r"depth must be at least 1 \(or None for the whole run\), got 0"),
        (-1, ValueError, r"depth must be at least 1 \(or None for the whole run\), got -1"),
        (2.5, TypeError, r"depth must be an integer \(or None for the whole run\), got float 2.5"),
        (True, TypeError, r"depth must be an integer .*got bool True"),
    ],
)
def test_depth_must_be_a_positive_integer(
    data: dict, depth: object, error: type, expected: str
) -> None:
    # depth=0 used to give an empty pool, and 2.5 was taken as 2, without a word
    with pytest.raises(error, match=expected):
        xm.pool(data["queries"], data["items"], runs=data["runs"], depth=depth)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"k must be an integer, got float 2.5"):
        xm.pool(data["queries"], data["items"], embeddings=(data["qv"], data["iv"]), k=2.5)  # type: ignore[arg-type]
    one = xm.pool(data["queries"], data["items"], runs=data["runs"], depth=np.int64(1))
    assert one.groupby("query_id").size().max() <= 2  # one item from each of the two runs


def test_runs_may_be_one_frame_but_not_a_list(data: dict) -> None:
    run = data["runs"]["bm25"]
    alone = xm.pool(data["queries"], data["items"], runs=run, depth=3)
    named = xm.pool(data["queries"], data["items"], runs={"run": run}, depth=3)
    pd.testing.assert_frame_equal(alone, named)  # named "run", as in evaluate and unjudged
    assert set(alone.source) == {"run:run"}
    with pytest.raises(TypeError, match=r"got list; name each run, e.g. runs=\{'bm25': run_a"):
        xm.pool(data["queries"], data["items"], runs=[run])  # type: ignore[arg-type]
