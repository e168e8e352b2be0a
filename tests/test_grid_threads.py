"""Judgements handled on another thread while a cell reads and refreshes the grid.

JupyterLab 4.6 sends widget messages over a kernel subshell (ipykernel 7), so the grid's handlers
run on that subshell's thread beside the user's cell on the main one (xmwidgets/widgets/_state_lock.py).
Here a thread plays the subshell, sending grades one per message, while the main thread reads
``grid.labels``, ``grid.none_relevant`` and ``grid.query_flags`` and calls ``grid.refresh()``, with
the interpreter switching threads as often as it can. Without the widget's lock judgements were
refused ("not saved: ValueError: zip() argument 2 is longer than argument 1") or failed with a
KeyError; every one must be saved, and the frame and the store must hold exactly the last grade of
each pair.
"""

from __future__ import annotations

import pathlib
import sys
import threading
import time
from typing import Any

import pandas as pd
import pytest

import xmwidgets as xm

N_QUERIES, N_CANDIDATES, ROUNDS = 40, 5, 3


def _grid(tmp_path: pathlib.Path) -> xm.RelevanceGrid:
    ids = [f"q{i}" for i in range(N_QUERIES)]
    items = [f"d{j}" for j in range(N_QUERIES * N_CANDIDATES)]
    return xm.RelevanceGrid(
        pd.DataFrame({"query_id": ids, "text": [f"query {i}" for i in range(N_QUERIES)]}),
        pd.DataFrame({"item_id": items, "text": [f"document {j}" for j in range(len(items))]}),
        pd.DataFrame(
            {
                "query_id": [q for q in ids for _ in range(N_CANDIDATES)],
                "item_id": items,
            }
        ),
        store=str(tmp_path / "threads.sqlite"),
        annotator="ana",
    )


@pytest.mark.parametrize("read", ["the grid", "its sibling"])
def test_grades_on_a_subshell_thread_beside_a_cell_that_reads_and_refreshes(
    tmp_path: pathlib.Path, read: str
) -> None:
    """``its sibling``: a second grid of the same annotator on the same store (a cell run
    again), which the first one's handler updates as it writes, read by the cell meanwhile."""
    grid = _grid(tmp_path)
    sibling = _grid(tmp_path) if read == "its sibling" else grid
    sibling.send = lambda content, buffers=None: None  # type: ignore[method-assign]
    sent: list[dict[str, Any]] = []
    grid.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    expected: dict[tuple[str, str], int] = {}
    failures: list[BaseException] = []

    def subshell() -> None:
        request = 0
        try:
            for round_ in range(ROUNDS):
                for i in range(N_QUERIES):
                    for k in range(N_CANDIDATES):
                        request += 1
                        pair = (f"q{i}", f"d{i * N_CANDIDATES + k}")
                        relevance = (i + k + round_) % 4
                        expected[pair] = relevance
                        action = {
                            "request_id": request,
                            "op": "grade",
                            "query_id": pair[0],
                            "item_id": pair[1],
                            "relevance": relevance,
                            "duration_ms": 5,
                        }
                        message = {"type": "judge", "request_id": request, "actions": [action]}
                        grid._on_message(grid, message, [])
                        time.sleep(0)  # let the cell's thread in between messages too
        except BaseException as exc:
            failures.append(exc)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    reads = 0
    try:
        thread = threading.Thread(target=subshell, name="subshell-test")
        thread.start()
        while thread.is_alive():
            try:
                frame = sibling.labels
                assert list(frame.index) == list(range(len(frame)))
                int(frame["relevance"].sum())
                len(sibling.none_relevant)
                len(sibling.query_flags)
                reads += 1
                if reads % 5 == 0:
                    sibling.refresh()
            except BaseException as exc:
                failures.append(exc)
                break
        thread.join()
    finally:
        sys.setswitchinterval(switch)

    assert not failures, failures[:3]
    errors = [m for m in sent if m["type"] == "error"]
    assert not errors, errors[:3]
    results = [r for m in sent if m["type"] == "ack" for r in m["results"]]
    assert len(results) == ROUNDS * N_QUERIES * N_CANDIDATES
    assert all(r["status"] == "saved" for r in results), [
        r for r in results if r["status"] != "saved"
    ][:3]
    assert reads > 1  # the cell's thread did run in between
    labels = grid.labels
    assert {(r.query_id, r.item_id): int(r.relevance) for r in labels.itertuples()} == expected
    assert len(labels) == len(expected)
    stored = grid.store.labels(annotator="ana")
    assert {(r.query_id, r.item_id): int(r.relevance) for r in stored.itertuples()} == expected
    # the sibling shows every write of the first grid, those heard while the cell held it too
    seen = sibling.labels
    assert {(r.query_id, r.item_id): int(r.relevance) for r in seen.itertuples()} == expected
    grid.close()
    sibling.close()
