"""Finding the positives a pool missed: judgement effort to 95 % recall, missing-positives
intervals, and the speed of one round (printed, not asserted).

Run: ``nice .venv/bin/python benchmarks/bench_recall.py [--out /tmp/recall-out] [--seeds 50]
[--repeat 3] [--skip demo generated coverage speed]`` (``--out``: the recall curves are written
there as ``recall_curves.png``; ``--plot FILE`` names the file instead; nothing is committed)

The annotator is simulated by the known truth (a pair is relevant when its true grade is ≥ 1).

1. **Effort** on the demo truth (34 queries × 208 items = 7,072 pairs, 630 positives) and on a
   generated corpus (40 queries × 10,000 items): judgements until 95 % of the positives are found,
   and WSS@95 = (N − judgements) / N − 0.05 (work saved over sampling, as ASReview reports), for
   random order, depth-k pooling of the runs then the dense ranking, move-to-front pooling
   (Cormack, Palmer & Clarke 1998) then the dense ranking, a plain per-query logistic regression
   on the item vectors with growing batches, :func:`xmwidgets.discover` and the oracle.
2. **Missing positives**: after judging the demo's pool, draw :func:`xmwidgets.sample_unjudged`
   (20 per query) with many seeds, judge it, and count how often the 95 % interval of
   :func:`xmwidgets.estimate_missing` covers the true number; the same when only 0–60 positives
   are left (the check sample at the end of a loop, 10 per query).
3. **Speed** on 1M pairs, each figure the best of ``--repeat`` runs with their spread and the
   CPU time (the machine may be shared: wall time rises with the load, CPU time much less): one
   round (100 queries × 10,000 items) = :func:`xmwidgets.discover` + re-estimate
   (:func:`xmwidgets.estimate_missing` from a yardstick sample drawn once before the rounds, whose
   :func:`xmwidgets.sample_unjudged` time is printed apart), ``xm.unjudged`` on a 1M-row run at
   depth 100, ``xm.evaluate`` against ir-measures on nested dicts (same data, same process, runs
   interleaved).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
import xmwidgets as xm

GOAL_WSS = 0.80


# --------------------------------------------------------------------------------------------
# a retrieval problem: ids, vectors, runs and the truth as a matrix
# --------------------------------------------------------------------------------------------
class Problem:
    def __init__(self, name, queries, items, qv, iv, truth, runs):
        self.name = name
        self.queries, self.items = queries, items
        self.qv, self.iv = qv, iv
        self.qids = queries.query_id.astype(str).to_numpy()
        self.iids = items.item_id.astype(str).to_numpy()
        qi = pd.Index(self.qids).get_indexer(truth.query_id.astype(str))
        ii = pd.Index(self.iids).get_indexer(truth.item_id.astype(str))
        self.Y = np.zeros((len(self.qids), len(self.iids)), dtype=bool)
        self.Y[qi, ii] = truth.relevance.to_numpy() > 0
        self.runs = runs
        self.N = self.Y.size
        self.R = int(self.Y.sum())
        self.target = math.ceil(0.95 * self.R)
        self.cos = _unit(qv) @ _unit(iv).T

    def n95(self, order: list[tuple[int, int]] | np.ndarray) -> int | None:
        """Judgements until 95 % recall, for pairs judged in this order (query, item codes)."""
        order = np.asarray(order)
        hits = np.cumsum(self.Y[order[:, 0], order[:, 1]])
        at = int(np.searchsorted(hits, self.target))
        return at + 1 if at < len(hits) else None

    def wss(self, n: int | None) -> float:
        return float("nan") if n is None else (self.N - n) / self.N - 0.05

    def run_ranks(self) -> list[np.ndarray]:
        """Per run, a (queries × items) matrix of 1-based ranks, 0 = not retrieved."""
        out = []
        q_index, i_index = pd.Index(self.qids), pd.Index(self.iids)
        for run in self.runs.values():
            m = np.zeros(self.Y.shape, dtype=np.int64)
            ranked = run.sort_values(["query_id", "score"], ascending=[True, False])
            rank = ranked.groupby("query_id").cumcount().to_numpy() + 1
            m[q_index.get_indexer(ranked.query_id), i_index.get_indexer(ranked.item_id)] = rank
            out.append(m)
        return out


def _unit(m: np.ndarray) -> np.ndarray:
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def demo_problem() -> Problem:
    d = xm.datasets.demo()
    return Problem("demo", d.queries, d.items, d.query_vectors, d.item_vectors, d.truth, d.runs)


def generated_problem(
    n_queries: int = 40, n_items: int = 10_000, dim: int = 48, noise: float = 1.5, seed: int = 0
) -> Problem:
    """Items around 20 topic centres (and background); each topic has two queries; an item is
    relevant to the queries of its topic. A dense run (noisy cosine, top 100) comes with it."""
    rng = np.random.default_rng(seed)
    topics = 20
    centres = rng.standard_normal((topics, dim))
    item_topic = rng.integers(0, topics, n_items)
    item_topic[rng.random(n_items) < 0.8] = -1  # background
    iv = np.where(
        (item_topic >= 0)[:, None], centres[item_topic], rng.standard_normal((n_items, dim))
    ) + noise * rng.standard_normal((n_items, dim))
    q_topic = np.arange(n_queries) % topics
    qv = centres[q_topic] + noise * rng.standard_normal((n_queries, dim))
    queries = pd.DataFrame({"query_id": [f"g{k:03d}" for k in range(n_queries)]})
    items = pd.DataFrame({"item_id": [f"x{k:05d}" for k in range(n_items)]})
    rel = q_topic[:, None] == item_topic[None, :]
    qi, ii = np.nonzero(rel)
    truth = pd.DataFrame(
        {"query_id": queries.query_id.to_numpy()[qi], "item_id": items.item_id.to_numpy()[ii],
         "relevance": 1}
    )  # fmt: skip
    cos = _unit(qv) @ _unit(iv).T + 0.05 * rng.standard_normal((n_queries, n_items))
    top = np.argsort(-cos, axis=1)[:, :100]
    run = pd.DataFrame(
        {
            "query_id": np.repeat(queries.query_id.to_numpy(), 100),
            "item_id": items.item_id.to_numpy()[top.ravel()],
            "score": np.take_along_axis(cos, top, axis=1).ravel(),
        }
    )
    return Problem("generated", queries, items, qv, iv, truth, {"dense": run})


# --------------------------------------------------------------------------------------------
# strategies: each returns the judging order as (query, item) codes
# --------------------------------------------------------------------------------------------
def random_order(p: Problem, seed: int = 0) -> np.ndarray:
    flat = np.random.default_rng(seed).permutation(p.N)
    return np.column_stack(np.divmod(flat, p.Y.shape[1]))


def oracle_order(p: Problem) -> np.ndarray:
    q, i = np.nonzero(p.Y)
    return np.column_stack([q, i])


def _interleave(per_query: list[list[int]]) -> np.ndarray:
    """Round robin over queries: each query's first pair, then each one's second, ..."""
    rows = []
    for position in range(max(map(len, per_query))):
        rows.extend((q, seq[position]) for q, seq in enumerate(per_query) if position < len(seq))
    return np.asarray(rows)


def _dense_tail(p: Problem, q: int, seen: set[int]) -> list[int]:
    return [int(i) for i in np.argsort(-p.cos[q], kind="stable") if int(i) not in seen]


def depth_pool_order(p: Problem) -> np.ndarray:
    """Depth-k pooling: rank 1 of every run for every query, then rank 2, ...; then dense."""
    ranks = p.run_ranks()
    per_query = []
    for q in range(p.Y.shape[0]):
        seq: list[int] = []
        seen: set[int] = set()
        depth = max(int(r[q].max()) for r in ranks)
        for k in range(1, depth + 1):
            for r in ranks:
                hit = np.flatnonzero(r[q] == k)
                for i in hit.tolist():
                    if i not in seen:
                        seen.add(i)
                        seq.append(i)
        per_query.append(seq + _dense_tail(p, q, seen))
    return _interleave(per_query)


def move_to_front_order(p: Problem) -> np.ndarray:
    """Move-to-front pooling: keep judging the run that just found a positive; a miss sends the
    run to the back of the queue. Then the dense ranking."""
    ranks = p.run_ranks()
    per_query = []
    for q in range(p.Y.shape[0]):
        lists = [list(np.argsort(np.where(r[q] > 0, r[q], 10**9))[: int((r[q] > 0).sum())])
                 for r in ranks]  # fmt: skip
        queue = list(range(len(lists)))
        seq: list[int] = []
        seen: set[int] = set()
        while queue:
            run = queue[0]
            while lists[run] and int(lists[run][0]) in seen:
                lists[run].pop(0)
            if not lists[run]:
                queue.pop(0)
                continue
            i = int(lists[run].pop(0))
            seen.add(i)
            seq.append(i)
            if not p.Y[q, i]:
                queue.append(queue.pop(0))
        per_query.append(seq + _dense_tail(p, q, seen))
    return _interleave(per_query)


def _rounds(
    p: Problem, propose: Callable[[np.ndarray], list[tuple[float, int, int]]], limit: int
) -> np.ndarray:
    """Judge proposals round by round (best score first within a round) until 95 % recall."""
    judged = np.full(p.Y.shape, -1, dtype=np.int8)
    order: list[tuple[int, int]] = []
    found = 0
    while found < p.target and len(order) < limit:
        picks = propose(judged)
        if not picks:
            break
        for _, q, i in sorted(picks, key=lambda t: -t[0]):
            judged[q, i] = p.Y[q, i]
            order.append((q, i))
            found += int(p.Y[q, i])
    return np.asarray(order)


def plain_lr_order(p: Problem, limit: int) -> np.ndarray:
    """Per-query logistic regression on the item vectors, trained on the judged items only;
    the first item is the dense run's top; BMI's growing batches."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    from xmwidgets.analysis._discover import batch_size

    def propose(judged: np.ndarray) -> list[tuple[float, int, int]]:
        picks = []
        for q in range(judged.shape[0]):
            done = np.flatnonzero(judged[q] >= 0)
            free = np.flatnonzero(judged[q] < 0)
            if not len(free):
                continue
            y = judged[q, done]
            if len(set(y.tolist())) < 2:
                scores = p.cos[q, free]
            else:
                model = LogisticRegression(max_iter=300).fit(p.iv[done], y)
                scores = model.decision_function(p.iv[free])
            top = np.argsort(-scores, kind="stable")[: batch_size(len(done))]
            picks.extend((float(scores[t]), q, int(free[t])) for t in top)
        return picks

    with threadpool_limits(limits=1):
        return _rounds(p, propose, limit)


def discover_order(p: Problem, limit: int) -> tuple[np.ndarray, dict]:
    """xm.discover in the loop, with its stopping rule; when the rule has stopped every query
    before 95 % recall, the loop goes on with stop=False (as a user told to go on would), and the
    point where it stopped is reported (judged, recall)."""
    q_index, i_index = pd.Index(p.qids), pd.Index(p.iids)
    rows: list[tuple[str, str, int]] = []
    order: list[tuple[int, int]] = []
    found, rounds, seconds, stop = 0, 0, 0.0, {}
    while (found < p.target or not stop) and len(order) < limit:
        labels = pd.DataFrame(rows, columns=["query_id", "item_id", "relevance"])
        start = time.perf_counter()
        batch = xm.discover(labels, p.queries, p.items, (p.qv, p.iv), runs=p.runs, stop=not stop)
        seconds += time.perf_counter() - start
        rounds += 1
        if batch.empty:
            if stop:
                break
            stop = {"judged": len(order), "recall": found / p.R}
            continue
        batch = batch.sort_values("score", ascending=False, kind="stable")
        for q, i in zip(
            q_index.get_indexer(batch.query_id), i_index.get_indexer(batch.item_id), strict=True
        ):
            order.append((q, i))
            rows.append((p.qids[q], p.iids[i], int(p.Y[q, i])))
            found += int(p.Y[q, i])
    return np.asarray(order), {"rounds": rounds, "seconds_per_round": seconds / rounds, **stop}


def effort(p: Problem, plot: list | None, skip_random: bool = False) -> None:
    print(f"\n== effort to 95 % recall: {p.name} ({p.Y.shape[0]} queries × {p.Y.shape[1]} "
          f"items = {p.N:,} pairs, {p.R:,} positives, target {p.target:,}) ==")  # fmt: skip
    strategies: dict[str, Callable[[], np.ndarray]] = {
        "oracle": lambda: oracle_order(p),
        "random": lambda: random_order(p),
        "depth-k pooling, then dense": lambda: depth_pool_order(p),
        "move-to-front pooling, then dense": lambda: move_to_front_order(p),
        "plain per-query LR, growing batches": lambda: plain_lr_order(p, p.N),
    }
    if skip_random:
        del strategies["random"]
    results = {}
    for name, make in strategies.items():
        start = time.perf_counter()
        order = make()
        results[name] = order
        n = p.n95(order)
        print(f"  {name:38s} {n if n else '—':>7} judgements  WSS@95 {p.wss(n):6.3f}  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)  # fmt: skip
    if skip_random:
        print(f"  {'random (expected)':38s} {p.target / p.R * p.N:>7,.0f} judgements  "
              f"WSS@95 {0.0:6.3f}")  # fmt: skip
    start = time.perf_counter()
    order, info = discover_order(p, p.N)
    results["xm.discover"] = order
    n = p.n95(order)
    baseline = p.n95(results["plain per-query LR, growing batches"])
    print(f"  {'xm.discover':38s} {n if n else '—':>7} judgements  WSS@95 {p.wss(n):6.3f}  "
          f"({time.perf_counter() - start:.1f} s; {info['rounds']} rounds, "
          f"{info['seconds_per_round']:.2f} s per round)")  # fmt: skip
    if "judged" in info:
        print(f"    stopping rule: all queries done after {info['judged']:,} judgements, "
              f"recall {info['recall']:.3f}"
              f"{' (then stop=False, to 95 %)' if info['recall'] < 0.95 else ''}")  # fmt: skip
    if p.name == "demo":
        print(f"  goal WSS@95 >= {GOAL_WSS:.2f}: {'MET' if p.wss(n) >= GOAL_WSS else 'NOT MET'}")
    print(f"  vs the plain baseline: {'ahead' if n and baseline and n < baseline else 'NOT ahead'}"
          f" ({n} vs {baseline} judgements)")  # fmt: skip
    if plot is not None:
        plot.append((p, results))


def coverage(seeds: int) -> None:
    d = xm.datasets.demo()
    truth = d.truth
    labels = d.candidates[["query_id", "item_id"]].merge(truth, on=["query_id", "item_id"])
    cos = d.query_vectors @ d.item_vectors.T
    pairs = pd.DataFrame(
        {
            "query_id": np.repeat(d.queries.query_id.to_numpy(), len(d.items)),
            "item_id": np.tile(d.items.item_id.to_numpy(), len(d.queries)),
            "score": cos.ravel(),
        }
    )
    unjudged = truth.merge(labels[["query_id", "item_id"]], how="left", indicator=True)
    unjudged = unjudged[unjudged._merge == "left_only"]
    true_total = int((unjudged.relevance > 0).sum())
    true_q = (unjudged.relevance > 0).groupby(unjudged.query_id).sum()
    hits, per_query, widths, estimates = 0, [], [], []
    for seed in range(seeds):
        sample = xm.sample_unjudged(labels, pairs, 20, seed=seed)
        judged = sample[["query_id", "item_id"]].merge(truth, on=["query_id", "item_id"])
        m = xm.estimate_missing(pd.concat([labels, judged], ignore_index=True), sample)
        t = m.total
        hits += t["low"] <= true_total <= t["high"]
        widths.append(t["high"] - t["low"])
        estimates.append(t["estimate"])
        pq = m.per_query.set_index("query_id")
        tq = true_q.reindex(pq.index, fill_value=0)
        per_query.append(float(((pq.low <= tq) & (tq <= pq.high)).mean()))
    print(f"\n== missing positives after judging the demo pool ({len(labels)} pairs): "
          f"{true_total} positives among {len(unjudged):,} unjudged pairs ==")  # fmt: skip
    print(f"  sample 20 pairs per query ({20 * len(d.queries)} judgements), {seeds} seeds: mean "
          f"estimate {np.mean(estimates):.1f}, mean 95 % interval width {np.mean(widths):.0f}")  # fmt: skip
    cov = hits / seeds
    print(f"  total interval covers the truth in {cov:.0%} of seeds (goal >= 90 %: "
          f"{'MET' if cov >= 0.9 else 'NOT MET'}); per-query intervals in {np.mean(per_query):.1%}")  # fmt: skip


def coverage_few(seeds: int, per_query: int = 10) -> None:
    """The total's interval when few positives are left (the check at the end of a loop): the
    demo with each query's dense top 40 and all positives but ``m`` judged, the ``m`` missed ones
    drawn with weight exp(-5·cosine) (the ones a dense model ranks low are the ones missed)."""
    d = xm.datasets.demo()
    truth = d.truth.assign(
        query_id=d.truth.query_id.astype(str), item_id=d.truth.item_id.astype(str)
    )
    pairs = pd.DataFrame(
        {
            "query_id": np.repeat(d.queries.query_id.to_numpy(), len(d.items)),
            "item_id": np.tile(d.items.item_id.to_numpy(), len(d.queries)),
            "score": (d.query_vectors @ d.item_vectors.T).ravel(),
        }
    )
    positives = truth[truth.relevance > 0]
    cos = pairs.set_index(["query_id", "item_id"]).score
    weight = np.exp(-5 * cos.reindex(pd.MultiIndex.from_frame(positives[["query_id", "item_id"]])))
    weight = weight.to_numpy() / weight.sum()
    top = pairs.sort_values(["query_id", "score"], ascending=[True, False]).groupby("query_id")
    negatives = top.head(40).merge(truth, on=["query_id", "item_id"]).query("relevance == 0")
    print(f"\n== missing positives when few are left: {per_query} pairs per query "
          f"({per_query * len(d.queries)} judgements), {seeds} seeds ==")  # fmt: skip
    for m in (0, 3, 10, 30, 60):
        hits, widths = 0, []
        for seed in range(seeds):
            rng = np.random.default_rng(1000 + seed)
            missed = rng.choice(len(positives), size=m, replace=False, p=weight)
            labels = pd.concat(
                [
                    positives.drop(positives.index[missed]),
                    negatives[["query_id", "item_id", "relevance"]],
                ]
            ).drop_duplicates(["query_id", "item_id"])
            sample = xm.sample_unjudged(labels, pairs, per_query, seed=seed)
            judged = sample[["query_id", "item_id"]].merge(truth, on=["query_id", "item_id"])
            t = xm.estimate_missing(pd.concat([labels, judged]), sample).total
            hits += t["low"] <= m <= t["high"]
            widths.append(t["high"] - t["low"])
        print(f"  {m:3d} positives left: the 95 % interval covers them in {hits / seeds:.0%}, "
              f"mean width {np.mean(widths):.0f}")  # fmt: skip


class Timing:
    """Wall-clock and CPU seconds of repeated calls: the best, and the spread of the walls."""

    def __init__(self) -> None:
        self.walls: list[float] = []
        self.cpus: list[float] = []

    def add(self, fn: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        self.walls.append(time.perf_counter() - wall)
        self.cpus.append(time.process_time() - cpu)

    @property
    def best(self) -> float:
        return min(self.walls)

    @property
    def cpu(self) -> float:
        return min(self.cpus)

    def __str__(self) -> str:
        spread = max(self.walls) - min(self.walls)
        return (f"{self.best:.2f} s (best of {len(self.walls)}, spread {spread:.2f} s; "
                f"CPU {self.cpu:.2f} s)")  # fmt: skip


def timed(*fns: Callable[[], object], repeat: int = 3) -> list[Timing]:
    """Each function ``repeat`` times, interleaved (a, b, a, b, ...), so that a ratio between
    them is measured under the same load of the shared machine."""
    timings = [Timing() for _ in fns]
    for _ in range(repeat):
        for fn, timing in zip(fns, timings, strict=True):
            timing.add(fn)
    return timings


def speed(repeat: int = 3) -> None:
    print(f"\n== speed (each figure: best of {repeat}, and the spread) ==")
    print(f"  load before: {os.popen('uptime').read().strip()}")
    rng = np.random.default_rng(0)
    n_q, n_i, dim = 100, 10_000, 64
    queries = pd.DataFrame({"query_id": [f"q{k:03d}" for k in range(n_q)]})
    items = pd.DataFrame({"item_id": [f"i{k:05d}" for k in range(n_i)]})
    qv = rng.standard_normal((n_q, dim)).astype(np.float32)
    iv = rng.standard_normal((n_i, dim)).astype(np.float32)
    judged_items = rng.integers(0, n_i, (n_q, 20))
    labels = pd.DataFrame(
        {
            "query_id": np.repeat(queries.query_id.to_numpy(), 20),
            "item_id": items.item_id.to_numpy()[judged_items.ravel()],
            "relevance": rng.integers(0, 2, n_q * 20),
        }
    ).drop_duplicates(["query_id", "item_id"])
    pairs = pd.DataFrame(
        {
            "query_id": np.repeat(queries.query_id.to_numpy(), n_i),
            "item_id": np.tile(items.item_id.to_numpy(), n_q),
            "score": (qv @ iv.T).ravel(),
        }
    )
    # the yardstick sample is drawn once and judged; each round re-estimates from it
    # (estimate_missing's labels_at_sampling), so a round does not draw a new one
    at_sampling = labels
    sample = xm.sample_unjudged(labels, pairs, 20)
    judged = pd.concat(
        [labels, sample[["query_id", "item_id"]].assign(relevance=rng.integers(0, 2, len(sample)))],
        ignore_index=True,
    )

    def f_discover() -> object:
        return xm.discover(judged, queries, items, (qv, iv))

    def f_estimate() -> object:
        return xm.estimate_missing(judged, sample, labels_at_sampling=at_sampling)

    def f_sample() -> object:
        return xm.sample_unjudged(labels, pairs, 20)

    def f_round() -> object:
        return f_discover(), f_estimate()

    t_round, t_discover, t_estimate, t_sample = timed(
        f_round, f_discover, f_estimate, f_sample, repeat=repeat
    )
    print(f"  one round on {n_q * n_i:,} pairs ({n_q} queries × {n_i:,} items, {dim}-d), "
          f"retrain + propose (xm.discover) + re-estimate (xm.estimate_missing): {t_round} "
          f"(goal <= 1 s: {'MET' if t_round.best <= 1 else 'NOT MET'})")  # fmt: skip
    print(f"    of which discover {t_discover}, estimate {t_estimate}; the yardstick "
          f"sample, drawn once before the rounds (xm.sample_unjudged): {t_sample}")  # fmt: skip

    n_queries, depth = 10_000, 100
    run = pd.DataFrame(
        {
            "query_id": np.repeat([f"q{k}" for k in range(n_queries)], depth),
            "item_id": np.tile([f"d{j}" for j in range(depth)], n_queries),
            "score": rng.random(n_queries * depth),
        }
    )
    run_labels = pd.DataFrame(
        {
            "query_id": np.repeat([f"q{k}" for k in range(n_queries)], 10),
            "item_id": np.tile([f"d{j}" for j in range(10)], n_queries),
            "relevance": rng.integers(0, 4, n_queries * 10),
        }
    )

    def f_unjudged() -> object:
        return xm.unjudged(run_labels, run, depth=100)

    (t_unjudged,) = timed(f_unjudged, repeat=repeat)
    print(f"  xm.unjudged, {len(run):,}-row run at depth 100: {t_unjudged} "
          f"(goal <= 0.5 s: {'MET' if t_unjudged.best <= 0.5 else 'NOT MET'})")  # fmt: skip
    import ir_measures

    measures = ["nDCG@10", "R@10", "AP", "RR"]
    parsed = [ir_measures.parse_measure(m) for m in measures]
    qrels = xm.to_qrels(run_labels)
    ranked = run.sort_values(["query_id", "score"], ascending=[True, False])
    qrels_dict: dict[str, dict[str, int]] = {}
    for q, d, r in zip(qrels.query_id, qrels.doc_id, qrels.relevance.tolist(), strict=True):
        qrels_dict.setdefault(q, {})[d] = r
    run_dict: dict[str, dict[str, float]] = {}
    for q, d, s in zip(ranked.query_id, ranked.item_id, ranked.score.tolist(), strict=True):
        run_dict.setdefault(q, {})[d] = s

    def f_ir() -> object:
        return ir_measures.calc_aggregate(parsed, qrels_dict, run_dict)

    def f_eval() -> object:
        return xm.evaluate(run_labels, run, measures)

    t_ir, t_eval = timed(f_ir, f_eval, repeat=repeat)
    ratio = t_eval.best / t_ir.best
    print(f"  xm.evaluate {t_eval} vs ir-measures on nested dicts {t_ir}: {ratio:.2f}x "
          f"(CPU {t_eval.cpu / t_ir.cpu:.2f}x; goal <= 1.5x: {'MET' if ratio <= 1.5 else 'NOT MET'})")  # fmt: skip
    print(f"  load after: {os.popen('uptime').read().strip()}")


def save_plot(path: str, curves: list) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(6 * len(curves), 4.5))
    # one colour per strategy in every panel; move-to-front dashed, as it can coincide with
    # depth-k pooling (one run: the same order)
    names = list(dict.fromkeys(name for _, results in curves for name in results))
    colour = {name: f"C{k}" for k, name in enumerate(names)}
    for ax, (p, results) in zip(np.atleast_1d(axes), curves, strict=True):
        for name, order in results.items():
            order = np.asarray(order)
            hits = np.cumsum(p.Y[order[:, 0], order[:, 1]]) / p.R
            style = "--" if name.startswith("move-to-front") else "-"
            ax.plot(np.arange(1, len(hits) + 1), hits, style, color=colour[name], label=name)
        ax.axhline(0.95, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set(title=f"{p.name}: {p.N:,} pairs, {p.R:,} positives", xlabel="judgements",
               ylabel="recall of the positives")  # fmt: skip
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"\nplot written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", help="write the recall curves to this PNG")
    parser.add_argument(
        "--out", help="folder for the outputs (created): the recall curves as recall_curves.png"
    )
    parser.add_argument("--seeds", type=int, default=50, help="seeds of the coverage trial")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each speed figure")
    parser.add_argument("--skip", nargs="*", default=[], choices=["demo", "generated",
                        "coverage", "speed"])  # fmt: skip
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    print(f"uptime: {os.popen('uptime').read().strip()}")
    if args.out and not args.plot:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        args.plot = str(Path(args.out) / "recall_curves.png")
    curves: list | None = [] if args.plot else None
    if "demo" not in args.skip:
        effort(demo_problem(), curves)
    if "generated" not in args.skip:
        effort(generated_problem(), curves, skip_random=True)
    if "coverage" not in args.skip:
        coverage(args.seeds)
        coverage_few(args.seeds)
    if "speed" not in args.skip:
        speed(args.repeat)
    if args.plot and curves:
        save_plot(args.plot, curves)


if __name__ == "__main__":
    main()
