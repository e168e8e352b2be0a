"""Two imperfect synthetic retrievers over the demo corpus, and the candidate pool built from them.

- "dense": every attribute value has a 64-d embedding (similar values such as red/orange or
  rising/falling get similar embeddings); a record's vector is the weighted sum of its attribute
  embeddings plus its (target) modality plus seeded noise, so cosine similarity follows the truth
  but errs.
- "lexical": token overlap (idf-weighted) between the query text and the item's tag line or text,
  plus a little noise; it knows no synonyms ("crimson", "pair") and ignores modality.
"""

from __future__ import annotations

import re
from typing import Any

from ._spec import FAMILY, Record

__all__ = ["DIM", "TOP_K", "dense_vectors", "lexical_scores", "pool", "run_frame"]

DIM = 64
TOP_K = 30
_NEIGHBOURS = [  # values a dense model confuses: (attribute, a, b)
    ("colour", "red", "orange"),
    ("colour", "blue", "purple"),
    ("colour", "yellow", "orange"),
    ("count", 2, 3),
    ("position", "left", "centre"),
    ("position", "centre", "right"),
    ("variant", "rising", "falling"),
    ("variant", "low", "middle"),
    ("variant", "middle", "high"),
    ("length", "short", "long"),
    ("sound", "high beep", "low beep"),
    ("shape", "square", "triangle"),
]
_WEIGHTS = {"background": 0.5, "modality": 0.9}
_QUERY_NOISE = 0.7
_ITEM_NOISE = 0.8


def _embedding(key: tuple[str, Any], table: dict, rng: Any) -> Any:
    if key not in table:
        table[key] = rng.standard_normal(DIM)
    return table[key]


def dense_vectors(queries: list[Record], items: list[Record], rng: Any) -> tuple[Any, Any]:
    """Unit-length float32 vectors (n × 64) for queries and items."""
    import numpy as np

    base: dict[tuple[str, Any], Any] = {}
    keys = sorted(
        {(k, v) for r in [*queries, *items] for k, v in r.attrs.items()}
        | {("modality", m) for m in FAMILY},
        key=repr,
    )
    for key in keys:
        _embedding(key, base, rng)
    table = {key: vector.copy() for key, vector in base.items()}
    for attr, a, b in _NEIGHBOURS:
        if (attr, a) in base and (attr, b) in base:
            table[(attr, a)] += 0.8 * base[(attr, b)]
            table[(attr, b)] += 0.8 * base[(attr, a)]
    table = {key: vector / np.linalg.norm(vector) for key, vector in table.items()}

    def encode(record: Record, modality: str, noise: float) -> Any:
        family = FAMILY[modality]
        vector = _WEIGHTS["modality"] * table[("modality", modality)]
        for key, value in record.attrs.items():
            weight = 1.3 if key == family else _WEIGHTS.get(key, 1.0)
            vector = vector + weight * table[(key, value)]
        vector = vector / np.linalg.norm(vector) + noise * rng.standard_normal(DIM) / np.sqrt(DIM)
        return vector / np.linalg.norm(vector)

    q = np.stack([encode(r, r.extra["target_modality"], _QUERY_NOISE) for r in queries])
    i = np.stack([encode(r, r.modality, _ITEM_NOISE) for r in items])
    return q.astype(np.float32), i.astype(np.float32)


_STOP = {"a", "an", "the", "on", "in", "of", "at", "to", "my", "that", "and", "s", "since", "is"}
_NUMBERS = {"one": "1", "single": "1", "two": "2", "three": "3"}


def tokens(text: str) -> list[str]:
    """Lower-cased words without stop words, number words as digits, plural "s" removed."""
    out = []
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        word = _NUMBERS.get(word, word)
        if word in _STOP:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def lexical_scores(query_texts: list[str], item_texts: list[str], rng: Any) -> Any:
    """idf-weighted token overlap, length-normalised, plus noise: (n_queries × n_items)."""
    import numpy as np

    docs = [set(tokens(t)) for t in item_texts]
    df: dict[str, int] = {}
    for doc in docs:
        for token in doc:
            df[token] = df.get(token, 0) + 1
    n = len(docs)
    idf = {t: float(np.log((n + 1) / (c + 0.5))) for t, c in df.items()}
    scores = np.zeros((len(query_texts), n))
    for qi, text in enumerate(query_texts):
        query = set(tokens(text))
        for di, doc in enumerate(docs):
            overlap = query & doc
            if overlap:
                # sorted: float sums must not depend on set order (string hashes vary per process)
                scores[qi, di] = sum(idf[t] for t in sorted(overlap)) / np.sqrt(len(doc) + 4)
    return scores + rng.normal(0.0, 0.08, scores.shape)


def run_frame(scores: Any, query_ids: list[str], item_ids: list[str]) -> Any:
    """Top-``TOP_K`` items per query as a run frame: query_id, item_id, score, rank."""
    import numpy as np
    import pandas as pd

    rows = []
    for qi, query_id in enumerate(query_ids):
        order = np.argsort(-scores[qi], kind="stable")[:TOP_K]
        for rank, ii in enumerate(order, start=1):
            rows.append((query_id, item_ids[ii], round(float(scores[qi, ii]), 4), rank))
    return pd.DataFrame(rows, columns=["query_id", "item_id", "score", "rank"])


def pool(
    runs: dict[str, Any],
    hard_negatives: dict[str, list[tuple[str, float]]],
    item_ids: list[str],
    rng: Any,
) -> Any:
    """The candidates to label: 6–24 pairs per query from both runs, hard negatives, random items.

    Each pair appears once, credited to the first source that proposed it (dense, lexical,
    hard-negative, random), with that source's score and rank.
    """
    import pandas as pd

    by_query = {
        name: dict(tuple(run.groupby("query_id", sort=False))) for name, run in runs.items()
    }
    rows: list[tuple] = []
    for query_id in next(iter(by_query.values())):
        size = int(rng.integers(6, 25))
        quota = {
            "dense": max(2, round(size * 0.35)),
            "lexical": max(2, round(size * 0.25)),
            "hard-negative": max(1, round(size * 0.2)),
        }
        chosen: set[str] = set()
        for name in ("dense", "lexical"):
            run = by_query[name][query_id]
            taken = 0
            for item_id, score, rank in zip(run["item_id"], run["score"], run["rank"], strict=True):
                if taken == quota[name] or len(chosen) == size:
                    break
                if item_id not in chosen:
                    chosen.add(item_id)
                    rows.append((query_id, item_id, f"run:{name}", float(score), int(rank)))
                    taken += 1
        rank = 0
        for item_id, score in hard_negatives.get(query_id, []):
            if rank == quota["hard-negative"] or len(chosen) == size:
                break
            if item_id not in chosen:
                rank += 1
                chosen.add(item_id)
                rows.append((query_id, item_id, "hard-negative", round(score, 4), rank))
        rank = 0
        for ii in rng.permutation(len(item_ids)):
            if len(chosen) >= size:
                break
            if item_ids[ii] not in chosen:
                rank += 1
                chosen.add(item_ids[ii])
                rows.append((query_id, item_ids[ii], "random", float("nan"), rank))
    return pd.DataFrame(rows, columns=["query_id", "item_id", "source", "score", "rank"])
