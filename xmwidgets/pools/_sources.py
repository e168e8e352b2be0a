"""Sources of the candidates frame: merging proposals into one row per pair, and reading them back.

The ``source`` column is a plain string (comma-separated, e.g. ``"run:bm25,knn"``) so that it
displays and filters easily; :func:`source_flags` turns it into one boolean column per source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SOURCE_ORDER", "combine", "source_flags"]

# order in which sources are listed in the ``source`` column, and their cap tier (lower is
# kept first)
SOURCE_ORDER = ("gold", "run:*", "knn", "hard-negative", "random")
_TIER = {"gold": 0, "run": 1, "knn": 1, "hard-negative": 2, "random": 3}
# ranks beyond this sort as equal under the cap (2**49 - 1 fits the packed priority key)
_RANK_LIMIT = float(2**49 - 1)


def combine(
    parts: list[pd.DataFrame],
    sources: list[str],
    query_ids: np.ndarray,
    item_ids: np.ndarray,
    tiebreak: np.ndarray,
    max_per_query: int | None,
) -> pd.DataFrame:
    """One row per pair: sources joined, best rank, per-source columns, capped by priority.

    Plain numpy on integer row positions (sorts and ``reduceat``), because a pandas groupby over
    half a million proposals costs more than the whole pooling.
    """
    n_items = len(item_ids)
    q = np.concatenate([p["q"].to_numpy(np.int64) for p in parts])
    i = np.concatenate([p["i"].to_numpy(np.int64) for p in parts])
    src = np.concatenate([p["s"].to_numpy(np.int64) for p in parts])
    rank = np.concatenate([p["rank"].to_numpy(np.float64) for p in parts])
    score = np.concatenate([p["score"].to_numpy(np.float64) for p in parts])
    source_tier = np.array([_TIER[name.split(":")[0]] for name in sources], dtype=np.int64)
    ranked = np.array([name not in ("gold", "random") for name in sources])
    tier = source_tier[src]
    shown_rank = np.where(ranked[src], rank, np.nan)
    key = q * n_items + i
    # within a pair: the best shown rank first (NaN last), then source order; that row gives the
    # pair its rank and score
    order = np.lexsort((src, np.nan_to_num(shown_rank, nan=np.inf), key))
    q, i, src, rank, score, tier, shown_rank, key = (
        a[order] for a in (q, i, src, rank, score, tier, shown_rank, key)
    )
    starts = np.flatnonzero(np.r_[key.size > 0, key[1:] != key[:-1]])
    pair_of_row = np.cumsum(np.r_[False, key[1:] != key[:-1]])[: key.size]
    pair_q, pair_i = q[starts], i[starts]
    pair_rank, pair_score = shown_rank[starts], score[starts]
    bits = np.add.reduceat(np.left_shift(np.int64(1), src), starts)
    n_sources = np.diff(np.r_[starts, key.size])
    pair_tier = np.minimum.reduceat(tier, starts)
    # rank used for the cap: the best rank within the pair's best tier (draw order for random);
    # gold has no rank of its own, so gold pairs go by their best rank from any other source
    in_tier = np.where(tier == pair_tier[pair_of_row], rank, np.inf)
    order_rank = np.fmin.reduceat(np.nan_to_num(in_tier, nan=np.inf), starts)
    order_rank = np.where(np.isfinite(order_rank), order_rank, pair_rank)
    # cap priority as one int64 (tier, rank, more sources first): a 3-key sort instead of 5 keys
    capped_rank = np.minimum(np.nan_to_num(order_rank, nan=_RANK_LIMIT), _RANK_LIMIT)
    priority = (
        (pair_tier.astype(np.int64) << 56)
        | (capped_rank.astype(np.int64) << 6)
        | (63 - np.minimum(n_sources, 63))
    )
    order = np.lexsort((tiebreak[pair_i], priority, pair_q))
    if max_per_query is not None:
        sorted_q = pair_q[order]
        first = np.flatnonzero(np.r_[True, sorted_q[1:] != sorted_q[:-1]])
        position = np.arange(order.size) - np.repeat(first, np.diff(np.r_[first, order.size]))
        order = order[position < int(max_per_query)]

    # a handful of distinct source combinations: name each once, then index
    pair_bits = bits[order]
    if len(sources) <= 16:  # a lookup table beats sorting half a million values
        table = np.zeros(1 << len(sources), dtype=np.int64)
        combos = np.flatnonzero(np.bincount(pair_bits, minlength=table.size))
        table[combos] = np.arange(combos.size)
        combo_of_pair = table[pair_bits]
    else:
        combos, combo_of_pair = np.unique(pair_bits, return_inverse=True)
    combo_names = np.array(
        [",".join(n for j, n in enumerate(sources) if int(c) >> j & 1) for c in combos],
        dtype=object,
    )
    source_names = combo_names[combo_of_pair]
    out = pd.DataFrame(
        {
            "query_id": pd.Index(query_ids, dtype=str).take(pair_q[order]),
            "item_id": pd.Index(item_ids, dtype=str).take(pair_i[order]),
            "source": pd.array(source_names, dtype=str),
            "rank": pd.array(pair_rank[order], dtype="Int64"),
            "score": pair_score[order],
        }
    )
    # per-source columns: scatter each source's rows into the pairs they belong to
    position_of_pair = np.full(starts.size, -1, dtype=np.int64)
    position_of_pair[order] = np.arange(order.size)
    for j, name in enumerate(sources):
        if not ranked[j]:
            continue
        rows = np.flatnonzero(src == j)
        where = position_of_pair[pair_of_row[rows]]
        rows, where = rows[where >= 0], where[where >= 0]
        source_rank = np.full(order.size, np.nan)
        source_score = np.full(order.size, np.nan)
        source_rank[where], source_score[where] = rank[rows], score[rows]
        out[f"rank_{name}"] = pd.array(source_rank, dtype="Int64")
        out[f"score_{name}"] = source_score
    return out


def source_flags(candidates: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per source: did that source propose the pair?

    Handy for overlap counts: ``source_flags(cands).groupby(cands.query_id).sum()``.

    Examples
    --------
    >>> import pandas as pd
    >>> source_flags(pd.DataFrame({"source": ["run:a,knn", "knn"]}))
       run:a   knn
    0   True  True
    1  False  True
    """
    split = candidates["source"].astype(str).str.split(",")
    seen: dict[str, None] = {}
    for names in split:
        seen.update(dict.fromkeys(names))
    return pd.DataFrame(
        {name: split.map(lambda names, name=name: name in names) for name in seen},
        index=candidates.index,
    )
