"""The labels frame an SQLite store keeps beside its file for the next session (``_kept_labels``).

Every test compares what a new session reads with what a read of all the events gives (the kept
folder removed): the kept frame may only ever make reading faster, never different.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pandas as pd
import pytest

from xmwidgets.store import Store, _kept_labels, open_store


@pytest.fixture(autouse=True)
def small_frames_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # the tests' stores hold tens of labels, not a hundred thousand
    monkeypatch.setattr(_kept_labels, "MIN_ROWS", 5)


def grade(query_id: str, item_id: str, relevance: int, annotator: str = "ann") -> dict:
    return {
        "campaign": "c1",
        "task": "grade",
        "annotator": annotator,
        "query_id": query_id,
        "item_id": item_id,
        "relevance": relevance,
    }


def fill(store: Store, n: int = 30) -> None:
    store.append([grade(f"q{k % 4}", f"d{k}", k % 4) for k in range(n)])


def wait_for_writes() -> None:
    for thread in threading.enumerate():
        if thread.name == "xmwidgets-keep-labels":
            thread.join()


def kept_files(path: Path) -> list[Path]:
    return sorted(_kept_labels.folder_of(str(path)).glob("*.arrow"))


def truth(path: Path, **filters: object) -> pd.DataFrame:
    """The labels as every event gives them: read with the kept folder moved away (and back)."""
    folder = _kept_labels.folder_of(str(path))
    aside = folder.with_name(folder.name + ".aside")
    if folder.exists():
        folder.rename(aside)
    try:
        with open_store(path) as store:
            return store.labels(**filters)
    finally:
        wait_for_writes()
        shutil.rmtree(folder, ignore_errors=True)
        if aside.exists():
            aside.rename(folder)


def read_without_events_scan(path: Path, monkeypatch: pytest.MonkeyPatch, **filters: object):
    """labels() of a new session, failing if it reads the frame from all the events."""

    frame = Store._frame

    def no_full_read(*args: object, **kwargs: object) -> pd.DataFrame:
        # the events since the kept frame are read by key (parallel=False); all of them, not
        if kwargs.get("parallel", True):
            raise AssertionError("read every event although a kept frame was there")
        return frame(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Store, "_frame", no_full_read)
        with open_store(path) as store:
            return store.labels(**filters)


def read_once(path: Path) -> pd.DataFrame:
    """A session that fills a store and reads its labels (which keeps them); their frame."""
    with open_store(path) as store:
        fill(store)
        labels = store.labels()
    wait_for_writes()
    return labels


def test_a_large_read_is_kept_and_the_next_session_starts_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "labels.sqlite"
    first = read_once(path)
    assert len(kept_files(path)) == 1
    again = read_without_events_scan(path, monkeypatch)
    pd.testing.assert_frame_equal(again, first)
    pd.testing.assert_frame_equal(again, truth(path))


def test_events_after_the_kept_frame_are_read_on_top_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "labels.sqlite"
    read_once(path)
    with open_store(path) as store:
        # a new value, a retraction of an older label, a new key
        store.append([grade("q1", "d1", 0)])
        (retracted,) = store.append([grade("q2", "d2", 3)])
        store.retract([retracted])
        store.retract([store.events().query("item_id == 'd6'")["event_id"].iloc[-1]])
        store.append([grade("q9", "new", 2)])
    got = read_without_events_scan(path, monkeypatch)
    expected = truth(path)
    pd.testing.assert_frame_equal(got, expected)
    assert "d6" not in set(got["item_id"]) and "new" in set(got["item_id"])
    assert got.set_index("item_id").loc["d1", "relevance"] == 0


def test_each_query_keeps_its_own_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "labels.sqlite"
    with open_store(path) as store:
        fill(store)
        store.append([grade(f"q{k % 3}", f"e{k}", 1, annotator="bea") for k in range(12)])
        store.labels(annotator="ann")
        store.labels(annotator="bea", columns=["query_id", "item_id", "relevance"])
    wait_for_writes()
    assert len(kept_files(path)) == 2
    for filters in (
        {"annotator": "ann"},
        {"annotator": "bea", "columns": ["query_id", "item_id", "relevance"]},
    ):
        got = read_without_events_scan(path, monkeypatch, **filters)
        pd.testing.assert_frame_equal(got, truth(path, **filters))


def _replace_store(path: Path, events: list[dict]) -> None:
    """Another store at the same path (another store_id), its predecessor's kept folder left."""
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    with open_store(path) as store:
        store.append(events)


@pytest.mark.parametrize("change", ["another store", "damaged file", "events deleted by hand"])
def test_a_kept_frame_that_cannot_be_trusted_is_ignored(tmp_path: Path, change: str) -> None:
    path = tmp_path / "labels.sqlite"
    read_once(path)
    (kept,) = kept_files(path)
    if change == "another store":
        _replace_store(path, [grade(f"q{k}", f"x{k}", 2) for k in range(30)])
    elif change == "damaged file":
        kept.write_bytes(kept.read_bytes()[: len(kept.read_bytes()) // 2])
    else:
        con = sqlite3.connect(path)
        con.execute("DELETE FROM events WHERE event_id = 3")
        con.execute("DELETE FROM current WHERE event_id = 3")
        con.commit()
        con.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with open_store(path) as store:
            got = store.labels()
    # truth() moves the kept folder away: the frame kept anew in the background first
    wait_for_writes()
    pd.testing.assert_frame_equal(got, truth(path))
    if change == "another store":
        assert set(got["item_id"]) == {f"x{k}" for k in range(30)}


def test_small_frames_and_memory_stores_keep_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_kept_labels, "MIN_ROWS", 100)
    path = tmp_path / "labels.sqlite"
    read_once(path)
    assert kept_files(path) == []
    with open_store(":memory:") as memory:
        fill(memory, 200)
        assert len(memory.labels()) == 200
    wait_for_writes()
    assert not Path(":memory:.xmw-labels").exists()


def test_a_folder_that_cannot_be_written_gives_a_warning_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "labels.sqlite"
    # a file where the folder should be: the kept frame cannot be written there
    _kept_labels.folder_of(str(path)).write_text("not a folder")
    with open_store(path) as store:
        fill(store)
        with pytest.warns(RuntimeWarning, match="could not keep the labels.*File exists"):
            labels = store.labels()
            wait_for_writes()
        assert len(labels) == 30
    pd.testing.assert_frame_equal(truth(path), labels)


def test_the_folder_keeps_only_the_newest_frames(tmp_path: Path) -> None:
    path = tmp_path / "labels.sqlite"
    columns = ["query_id", "item_id", "relevance", "annotator", "campaign", "task", "created_at"]
    with open_store(path) as store:
        fill(store)
        for k in range(_kept_labels.KEPT_FILES + 3):
            store.labels(columns=columns[: k + 1])
            wait_for_writes()
    assert len(kept_files(path)) == _kept_labels.KEPT_FILES


def test_a_script_that_reads_and_ends_still_leaves_the_frame(tmp_path: Path) -> None:
    # the interpreter is exiting while the frame is written: it must wait for it and succeed
    path = tmp_path / "labels.sqlite"
    with open_store(path) as store:
        fill(store, 3000)  # enough rows for pyarrow to convert on its pool of threads
    child = (
        "import sys, warnings; warnings.simplefilter('error')\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "from xmwidgets.store import _kept_labels, open_store\n"
        "_kept_labels.MIN_ROWS = 5\n"
        f"print(len(open_store({str(path)!r}).labels()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "3000", done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert len(kept_files(path)) == 1


def imported(path: Path, n: int = 40) -> None:
    """A store filled by import_labels: two annotators, two campaigns, a guideline version."""
    qrels = pd.DataFrame(
        {
            "query_id": [f"q{k % 5}" for k in range(n)],
            "item_id": [f"d{k}" for k in range(n)],
            "relevance": [k % 4 for k in range(n)],
            "annotator": ["ann" if k % 3 else "bea" for k in range(n)],
        }
    )
    with open_store(path) as store:
        store.import_labels(qrels, campaign="c1")
        store.import_labels(qrels.iloc[:12], campaign="c2", guideline_version="v2")
        # an adjudicator's grade, a grade without a version, a retraction: the filters must see
        # each as the SQL read does
        store.append([{**grade("q1", "d1", 3), "role": "adjudicator"}])
        (wrong,) = store.append([grade("q2", "d2", 0)])
        store.retract([wrong])


FILTERS = [
    {},
    {"annotator": "ann"},
    {"annotator": ["ann", "bea"], "campaign": "c1"},
    {"campaign": "c2", "guideline_version": "v2"},
    {"guideline_version": ["v2", "v9"]},
    {"role": "annotator", "annotator": "ann", "columns": ["query_id", "item_id", "relevance"]},
    {"role": "adjudicator"},
    {"task": "pick"},
    {"annotator": "nobody"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_a_large_import_keeps_every_label_and_filtered_reads_start_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filters: dict
) -> None:
    path = tmp_path / "labels.sqlite"
    imported(path)
    wait_for_writes()
    # the import kept the frame of every label, no session having read any; once written, the
    # frame is no longer held in memory
    assert len(kept_files(path)) == 1
    assert _kept_labels._running == {}
    # a new session's filtered read is that frame filtered: the same rows, columns and dtypes as
    # the SQL read of the events (which would fail read_without_events_scan)
    got = read_without_events_scan(path, monkeypatch, **filters)
    expected = truth(path, **filters)
    pd.testing.assert_frame_equal(got, expected)
    assert len(kept_files(path)) == 1  # a filtered frame is not kept a second time


def test_events_after_the_import_are_read_on_top_of_the_kept_frame_for_a_filtered_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "labels.sqlite"
    imported(path)
    wait_for_writes()
    with open_store(path) as store:
        store.append([grade("q1", "d1", 0), grade("q9", "new", 2, annotator="bea")])
        store.retract(
            [store.events().query("item_id == 'd4' and campaign == 'c1'")["event_id"].iloc[-1]]
        )
    for filters in ({"annotator": "ann", "campaign": "c1"}, {"annotator": "bea"}):
        got = read_without_events_scan(path, monkeypatch, **filters)
        pd.testing.assert_frame_equal(got, truth(path, **filters))
    ann = read_without_events_scan(path, monkeypatch, annotator="ann", campaign="c1")
    assert ann.set_index("item_id").loc["d1", "relevance"] == 0 and "d4" not in set(ann.item_id)


def test_a_read_while_the_import_keeps_its_frame_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "labels.sqlite"
    imported(path)
    wait_for_writes()
    shutil.rmtree(_kept_labels.folder_of(str(path)))
    # the keep after the next import is held until the grid-like read below has started
    started, release = threading.Event(), threading.Event()
    save = _kept_labels.save

    def slow_save(*args: object) -> None:
        started.set()
        release.wait(10)
        save(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_kept_labels, "save", slow_save)
    with open_store(path) as store:
        store.import_labels(
            pd.DataFrame({"query_id": ["q7"] * 6, "item_id": list("abcdef"), "relevance": 1}),
            annotator="cid",
        )
        assert started.wait(10)
        threading.Timer(0.2, release.set).start()
        # a new session reads after the keep is written, from it (no read of every event)
        got = read_without_events_scan(path, monkeypatch, annotator="cid")
    assert sorted(got["item_id"]) == list("abcdef")
    pd.testing.assert_frame_equal(got, truth(path, annotator="cid"))


def test_small_imports_keep_nothing(tmp_path: Path) -> None:
    path = tmp_path / "labels.sqlite"
    with open_store(path) as store:
        store.import_labels(
            pd.DataFrame({"query_id": ["q"] * 3, "item_id": list("abc"), "relevance": 1}),
            annotator="a",
        )
    wait_for_writes()
    assert kept_files(path) == []


@pytest.mark.parametrize("removed", ["folder", "store"])
def test_a_store_removed_while_its_import_keeps_its_labels_is_not_kept_and_warns_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, removed: str
) -> None:
    # a script importing into a temporary folder ends while the import's keep runs: the folder
    # (or the store file) is gone when the frame is written
    folder = tmp_path / "work"
    folder.mkdir()
    path = folder / "labels.sqlite"
    started, release = threading.Event(), threading.Event()
    save = _kept_labels.save

    def held_save(*args: object) -> None:
        started.set()
        release.wait(10)
        save(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_kept_labels, "save", held_save)
    with open_store(path) as store:
        store.import_labels(
            pd.DataFrame({"query_id": ["q"] * 6, "item_id": list("abcdef"), "relevance": 1}),
            annotator="a",
        )
    assert started.wait(10)
    if removed == "folder":
        shutil.rmtree(folder)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        release.set()
        wait_for_writes()
    assert [str(w.message) for w in caught] == []
    # nothing is left beside a store that is no more
    assert not _kept_labels.folder_of(str(path)).exists()


def test_an_import_in_chunks_reads_every_label_once_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each large import keeps the frame of every label; chunks imported while a keep runs make
    # that keep read once more when it is done (one reader at a time, not one per chunk)
    path = tmp_path / "labels.sqlite"
    reading, release = threading.Event(), threading.Event()
    readers: list[int] = []
    active = [0]
    read_frame = Store._frame

    def slow_frame(self: Store, *args: object, **kwargs: object) -> pd.DataFrame:
        if threading.current_thread().name == "xmwidgets-keep-labels":
            active[0] += 1
            readers.append(active[0])
            reading.set()
            release.wait(10)
            try:
                return read_frame(self, *args, **kwargs)  # type: ignore[arg-type]
            finally:
                active[0] -= 1
        return read_frame(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_frame", slow_frame)
    chunk = lambda k: pd.DataFrame(  # noqa: E731
        {"query_id": [f"q{k}"] * 6, "item_id": [f"d{k}-{i}" for i in range(6)], "relevance": 1}
    )
    with open_store(path) as store:
        store.import_labels(chunk(0), annotator="a")
        assert reading.wait(10)
        for k in range(1, 4):  # three more chunks while the first keep reads
            store.import_labels(chunk(k), annotator="a")
        release.set()
    wait_for_writes()
    # the first read, then one more for the three chunks; never two at once
    assert readers == [1, 1]
    monkeypatch.setattr(Store, "_frame", read_frame)
    got = read_without_events_scan(path, monkeypatch, annotator="a")
    assert len(got) == 24
    pd.testing.assert_frame_equal(got, truth(path, annotator="a"))
