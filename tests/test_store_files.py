"""Store files a user cannot write (read-only file, read-only folder) and paths whose folder is missing.

What a user without write access meets is tested for real, in a child process:

- not root: the file or folder is chmod'ed read-only;
- root (chmod does not stop root): the child runs as ``nobody`` (``setpriv``) when ``nobody`` can run
  this Python, else in a private mount namespace (``unshare -m``) where the file or folder is
  bind-mounted read-only -- the file system then refuses writes to root too (EROFS, as on a
  read-only share).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_store import grade

import xmwidgets as xm
from xmwidgets.store import Store, StoreError, open_store

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys
sys.path.insert(0, {root!r})
from xmwidgets.store import StoreError, open_store
out = {{}}
try:
    store = open_store({path!r})
except StoreError as exc:
    out["open_error"] = str(exc)
else:
    out["read_only"] = store.read_only
    out["labels"] = store.labels()[["query_id", "item_id"]].values.tolist()
    out["events"] = len(store.events())
    try:
        store.append([{{"campaign": "c", "task": "grade", "query_id": "q2", "item_id": "d",
                       "annotator": "a", "relevance": 1}}])
        out["appended"] = True
    except StoreError as exc:
        out["append_error"] = str(exc)
    out["labels_after"] = len(store.labels())
print(json.dumps(out))
"""


def _nobody_can_run_python() -> bool:
    if not shutil.which("setpriv"):
        return False
    probe = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        sys.executable,
        "-c",
        # the checkout must be readable too: a fresh clone in a private temp folder is not
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import xmwidgets.store",
    ]
    return subprocess.run(probe, capture_output=True).returncode == 0


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = [
        "unshare",
        "-m",
        "sh",
        "-c",
        "mount --bind / /mnt 2>/dev/null || mount -t tmpfs x /mnt",
    ]
    return subprocess.run(probe, capture_output=True).returncode == 0


def _run_without_write_access(path: Path, what: Path) -> dict:
    """Run the child on ``path`` with ``what`` (the store file or its folder) not writable."""
    script = _CHILD.format(root=str(ROOT), path=str(path))
    if os.geteuid() != 0:
        mode = what.stat().st_mode
        what.chmod(0o555 if what.is_dir() else 0o444)
        try:
            out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        finally:
            what.chmod(mode)
    elif _nobody_can_run_python():
        # nobody owns the parts that stay writable; root owns what must be read-only
        for part in (path.parent, path):
            if part.exists():
                os.chown(part, 65534 if part != what else 0, -1)
                part.chmod(0o755 if part.is_dir() else 0o644)
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        out = subprocess.run(
            [*command, sys.executable, "-c", script], capture_output=True, text=True
        )
    elif _can_unshare():
        mount = f"mount --bind '{what}' '{what}' && mount -o remount,bind,ro '{what}'"
        out = subprocess.run(
            ["unshare", "-m", "sh", "-c", f'{mount} && exec "$0" -c "$1"', sys.executable, script],
            capture_output=True,
            text=True,
        )
    else:
        pytest.skip(
            "running as root without setpriv (for nobody) or unshare: cannot take write access away"
        )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder that ``nobody`` can enter (pytest's tmp_path is private to the user)."""
    made = Path(tempfile.mkdtemp(prefix="xmw-store-"))
    made.chmod(0o755)
    yield made
    shutil.rmtree(made, ignore_errors=True)


def _make_store(folder: Path) -> Path:
    path = folder / "labels.sqlite"
    with open_store(path) as store:
        store.append(
            [
                {
                    "campaign": "c",
                    "task": "grade",
                    "query_id": "q1",
                    "item_id": "d1",
                    "annotator": "a",
                    "relevance": 2,
                }
            ]
        )
    assert not (folder / "labels.sqlite-shm").exists()  # a clean close leaves no -shm behind
    return path


@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_store_without_write_access_opens_read_only(folder: Path, read_only: str) -> None:
    path = _make_store(folder)
    out = _run_without_write_access(path, path if read_only == "file" else folder)
    assert "open_error" not in out, out
    assert out["read_only"] is True
    assert out["labels"] == [["q1", "d1"]] and out["events"] == 1
    assert "appended" not in out and out["labels_after"] == 1
    message = out["append_error"]
    assert f"store {str(path)!r} is read-only" in message
    assert "can be read" in message and "copy it to a folder you can write to" in message
    # the reason is named: the file, its folder, or the file system that refused the write
    assert any(why in message for why in ("file is not writable", "folder", "refused to write"))
    # nothing was written: the store as its owner sees it is unchanged
    with open_store(path) as store:
        assert store.read_only is False and len(store.events()) == 1


def test_a_writable_store_is_not_read_only(tmp_path: Path) -> None:
    with open_store(tmp_path / "labels.sqlite") as store:
        assert store.read_only is False
        store.append([{"campaign": "c", "task": "grade", "query_id": "q", "annotator": "a"}])


def test_read_only_uri_store_reads_and_refuses_writes(folder: Path) -> None:
    """The read-only path in this process: a file whose folder cannot be written (simulated)."""
    path = _make_store(folder)
    import xmwidgets.store._sqlite as sqlite_module

    original = sqlite_module.read_only_reason
    sqlite_module.read_only_reason = lambda p: "simulated"  # type: ignore[assignment]
    try:
        store = open_store(path)
    finally:
        sqlite_module.read_only_reason = original
    assert store.read_only and store.labels().item_id.tolist() == ["d1"]
    with pytest.raises(StoreError, match=r"is read-only: simulated\. It can be read"):
        store.retract([1])
    with pytest.raises(StoreError, match="is read-only"):
        store.import_labels(store.labels()[["query_id", "item_id", "relevance"]], annotator="b")
    store.close()


def test_missing_folder_is_named(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "labels.sqlite"
    with pytest.raises(
        StoreError, match=rf"its folder '{tmp_path / 'no' / 'such'}' does not exist"
    ):
        open_store(path)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("path", ["", "  "])
def test_an_empty_store_path_is_refused(path: str) -> None:
    # SQLite opens "" as a private temporary database: judgements acknowledged as saved would be
    # gone on close (an unset environment variable gives "")
    with pytest.raises(StoreError, match=r"the store path is empty.*':memory:'"):
        open_store(path)


def test_new_store_in_a_read_only_folder_says_so(folder: Path) -> None:
    out = _run_without_write_access(folder / "new.sqlite", folder)
    assert "cannot create store" in out["open_error"], out
    assert not (folder / "new.sqlite").exists()


_KILLED_WRITER = """
import os, sys
sys.path.insert(0, {root!r})
from xmwidgets.store import open_store
store = open_store({path!r})
store.append([{{"campaign": "c", "task": "grade", "query_id": f"q{{i}}", "item_id": "d",
               "annotator": "a", "relevance": 1}} for i in range(20)])
os.kill(os.getpid(), 9)
"""


def test_a_read_only_store_whose_log_cannot_be_read_says_so(folder: Path) -> None:
    """A writer killed before a checkpoint leaves its judgements in ``-wal``; without ``-shm``
    and without write access to the folder only ``immutable=1`` opens it, which reads the main
    file alone: it said "empty and read-only" (and a store with older judgements in the main
    file would have shown those only, without a word)."""
    path = folder / "labels.sqlite"
    script = _KILLED_WRITER.format(root=str(ROOT), path=str(path))
    subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert Path(f"{path}-wal").stat().st_size > 0
    Path(f"{path}-shm").unlink()
    out = _run_without_write_access(path, folder)
    message = out.get("open_error", "")
    assert "some of its judgements are still in its log" in message, out
    assert "copy the file and its -wal together" in message
    with open_store(path) as store:  # its owner reads every judgement
        assert len(store.labels()) == 20


# ----------------------------------------------------------------------------- odd paths and files
def _store_with_labels(path: Path, n: int = 1) -> bytes:
    with open_store(path) as store:
        store.append([grade(f"q{i}", "d", i % 4) for i in range(n)])
    return path.read_bytes()


def test_a_path_ending_in_a_slash_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    # SQLite created a file named "labels" that the same path then failed to open
    # (a bare NotADirectoryError)
    with pytest.raises(
        StoreError, match=r"ends in '/', so it names a folder: .*labels/labels\.sqlite"
    ):
        open_store(f"{tmp_path}/labels/")
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_the_folder_path_is_named(tmp_path: Path) -> None:
    (tmp_path / "labels.sqlite").write_text("")
    with pytest.raises(StoreError, match="a part of its folder path is a file, not a folder"):
        open_store(tmp_path / "labels.sqlite" / "more.sqlite")  # was a bare NotADirectoryError


def test_a_pipe_or_a_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"'/dev/null' is not a regular file"):
        open_store("/dev/null")
    # reading the header of a FIFO blocked forever: in a child, so that a hang fails the test
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    child = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from xmwidgets.store import open_store, StoreError\n"
        f"try:\n    open_store({str(fifo)!r})\nexcept StoreError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert "is not a regular file (a pipe, socket or device)" in out.stdout, out.stderr


def test_a_damaged_store_says_damaged_and_is_left_as_it_was(tmp_path: Path) -> None:
    whole = tmp_path / "whole.sqlite"
    data = _store_with_labels(whole, 2000)
    # cut in half: SQLite refuses it on open ("not an xmwidgets store" said the opposite of true)
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreError, match=r"store '.*cut\.sqlite' is damaged: .*\.recover"):
        open_store(cut)
    assert cut.read_bytes() == data[: len(data) // 2]
    # a damaged page in the middle: the store opens, reading it was a bare sqlite3.DatabaseError
    page = tmp_path / "page.sqlite"
    broken = bytearray(data)
    broken[8192:12288] = np.random.default_rng(0).bytes(4096)
    page.write_bytes(bytes(broken))
    with open_store(page) as store:
        with pytest.raises(StoreError, match=r"store '.*page\.sqlite' is damaged: SQLite cannot"):
            store.labels()
        with pytest.raises(StoreError, match="is damaged"):
            store.events()
    assert page.read_bytes() == bytes(broken)
    with open_store(whole) as store:  # the intact copy reads in full
        assert len(store.labels()) == 2000


def test_a_store_locked_by_another_process_says_locked(tmp_path: Path) -> None:
    path = tmp_path / "labels.sqlite"
    _store_with_labels(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO meta VALUES ('probe', 'x')")
    try:
        # was "file ... is not an xmwidgets store (database is locked)"
        with pytest.raises(StoreError, match=r"is locked by another process .*timeout=0 s"):
            Store(path, timeout=0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open_store(path) as store:
        assert len(store.labels()) == 1


@pytest.mark.parametrize("timeout", ["5", float("nan"), -1, None, True])
def test_a_bad_timeout_is_refused(tmp_path: Path, timeout: object) -> None:
    # "5" was a bare TypeError from sqlite3.connect; NaN and -1 were taken
    with pytest.raises(StoreError, match=r"timeout must be a number of seconds of at least 0"):
        Store(tmp_path / "labels.sqlite", timeout=timeout)  # type: ignore[arg-type]
    assert not (tmp_path / "labels.sqlite").exists()


def test_a_path_in_the_home_folder_is_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "~/labels.sqlite" said its folder './~' does not exist
    monkeypatch.setenv("HOME", str(tmp_path))
    with open_store("~/labels.sqlite") as store:
        assert store.path == str(tmp_path / "labels.sqlite")
        store.append([{"campaign": "c", "task": "grade", "query_id": "q", "annotator": "a"}])
    assert (tmp_path / "labels.sqlite").is_file()


@pytest.mark.parametrize(
    ("url", "meant"),
    [
        ("sqlite:///labels/x.sqlite", r"'/labels/x.sqlite' \(or 'labels/x.sqlite', which is what"),
        ("sqlite:////data/x.sqlite", r"e.g. '/data/x.sqlite'; a store is"),
        ("sqlite://", r"e.g. ':memory:' for a store in memory"),
    ],
)
def test_an_sqlalchemy_sqlite_url_is_refused_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, meant: str
) -> None:
    # was taken as a relative path: "its folder '<cwd>/sqlite:/labels' does not exist"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match=rf"store '{url}' is an SQLAlchemy URL, .* {meant}"):
        open_store(url)
    with pytest.raises(StoreError, match=r"'mysql://u@h/db' is a mysql:// URL.*postgresql://"):
        open_store("mysql://u@h/db")
    assert list(tmp_path.iterdir()) == []


def _text_grid(path: Path) -> xm.RelevanceGrid:
    queries = pd.DataFrame({"query_id": ["q1"], "text": ["a query"]})
    items = pd.DataFrame({"item_id": ["i1", "i2"], "text": ["one", "two"]})
    candidates = pd.DataFrame({"query_id": ["q1", "q1"], "item_id": ["i1", "i2"]})
    return xm.RelevanceGrid(queries, items, candidates, store=str(path), annotator="ana")


def test_a_relative_store_path_keeps_its_file_after_a_change_of_directory(
    tmp_path: Path, built_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "labels.sqlite" (the default) opened in one folder, then %cd elsewhere: the file is still
    # there, and the store must go on writing into it (not call it deleted, nor open another)
    from test_grid import Browser

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    grid = _text_grid(Path("labels.sqlite"))
    browser = Browser(grid)
    assert browser.one(op="grade", query_id="q1", item_id="i1", relevance=2)["status"] == "saved"
    monkeypatch.chdir(tmp_path / "b")
    assert browser.one(op="grade", query_id="q1", item_id="i2", relevance=3)["status"] == "saved"
    assert grid.error == ""
    grid.store.append([grade("q1", "d1", 1)])
    assert len(grid.store.labels()) == 3  # read back through the same file
    assert not (tmp_path / "b" / "labels.sqlite").exists()
    reopened = open_store(tmp_path / "a" / "labels.sqlite")
    assert sorted(reopened.labels()["item_id"]) == ["d1", "i1", "i2"]


@pytest.mark.parametrize("how", ["deleted", "moved"])
def test_a_store_file_deleted_or_moved_while_open_refuses_writes(
    tmp_path: Path, built_bundle: Path, how: str
) -> None:
    # SQLite went on writing into the file it had open: the grid said "saved", and what it
    # wrote into a deleted file was gone when the kernel stopped
    from test_grid import Browser

    path = tmp_path / "labels.sqlite"
    store = open_store(path)
    store.append([grade("q1", "d1", 1)])
    grid = _text_grid(path)
    browser = Browser(grid)
    assert browser.one(op="grade", query_id="q1", item_id="i1", relevance=2)["status"] == "saved"
    if how == "deleted":
        for suffix in ("", "-wal", "-shm"):
            (tmp_path / f"labels.sqlite{suffix}").unlink(missing_ok=True)
    else:
        path.rename(tmp_path / "moved.sqlite")
    message = (
        rf"store file '{path}' was deleted or moved while the store was open \(no file is there "
        r"any more\): nothing was written, as it would be lost. Move the file back"
    )
    with pytest.raises(StoreError, match=message):
        store.append([grade("q1", "d2", 2)])
    with pytest.raises(StoreError, match=message):
        store.import_labels(
            pd.DataFrame({"query_id": ["q1"], "item_id": ["d3"], "relevance": [1]}), annotator="a"
        )
    result = browser.one(op="grade", query_id="q1", item_id="i2", relevance=3)
    assert result["status"] == "refused" and result["notice"].startswith("not saved: store file")
    assert "was deleted or moved" in grid.error
    # the refused grade is not in the widget's labels: the view shows what is stored
    assert grid.labels.set_index("item_id")["relevance"].to_dict() == {"i1": 2}
    if how == "deleted":
        # what was saved before lives on in the open connection: the message says how to keep it
        assert "store.backup(new_path)" in grid.error
        rescued = grid.store.backup(tmp_path / "rescued.sqlite")
        with open_store(rescued) as kept:
            assert sorted(kept.labels()["item_id"]) == ["d1", "i1"]
            kept.append([grade("q1", "d2", 2)])  # a store like any other: labelling goes on
            assert len(kept.labels()) == 3
    if how == "moved":
        # moved back, the same store and widget write again, into the file
        (tmp_path / "moved.sqlite").rename(path)
        assert browser.one(op="grade", query_id="q1", item_id="i2", relevance=3)["status"] == (
            "saved"
        )
        assert grid.error == ""
        store.append([grade("q1", "d2", 2)])
        with open_store(path) as again:
            assert len(again.labels()) == 4  # d1, d2 and the grid's i1, i2
    store.close()


def test_a_store_file_replaced_while_open_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "labels.sqlite"
    store = open_store(path)
    store.append([grade("q1", "d1", 1)])
    shutil.copy(path, tmp_path / "copy.sqlite")
    os.replace(tmp_path / "copy.sqlite", path)  # e.g. a sync tool writing its own copy back
    with pytest.raises(StoreError, match=r"while the store was open \(another file is there now\)"):
        store.append([grade("q1", "d2", 2)])
    store.close()


def test_backup_copies_a_consistent_store_and_never_overwrites(tmp_path: Path) -> None:
    memory = open_store(":memory:")
    memory.append([grade("q1", "d1", 1), grade("q1", "d2", 3)])
    copy = Path(memory.backup(tmp_path / "kept.sqlite"))
    with open_store(copy) as kept:
        pd.testing.assert_frame_equal(kept.labels(), memory.labels())
        assert kept.last_event_id() == memory.last_event_id()
    before = copy.read_bytes()
    with pytest.raises(StoreError, match=r"a file is already there, and a backup never overwrites"):
        memory.backup(copy)
    assert copy.read_bytes() == before
    # a folder was "a file is already there"
    with pytest.raises(
        StoreError, match=r"it is a folder; pass the path of a new file in it, e.g."
    ):
        memory.backup(tmp_path)
    with pytest.raises(StoreError, match=r"its folder .*nowhere.* does not exist"):
        memory.backup(tmp_path / "nowhere" / "kept.sqlite")
    with pytest.raises(StoreError, match=r"backup path must name a file, got ':memory:'"):
        memory.backup(":memory:")
    memory.close()
    with pytest.raises(StoreError, match=r"is closed"):
        memory.backup(tmp_path / "closed.sqlite")
    assert not (tmp_path / "closed.sqlite").exists()


_READ_IN_A_CHILD = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print(con.execute("SELECT count(*) FROM events").fetchone()[0])
con.close()
"""


def _count_in_another_process(path: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _READ_IN_A_CHILD, str(path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return int(out.stdout)


def test_a_second_open_keeps_the_first_connections_locks(tmp_path: Path) -> None:
    # open_store read the file's header with open()/close(), which on POSIX drops every lock the
    # process holds on the file, an open grid's too: the next process to open and close the store
    # (sqlite3 in a shell) took it for unused and deleted its WAL, and every judgement written
    # after went into the deleted file (the shell read 1 of 3, and a kill -9 lost the other 2)
    path = tmp_path / "labels.sqlite"
    writer = open_store(path)
    try:
        writer.append(grade("q1", "d1", 2))
        with open_store(path) as second:  # what re-running the grid's cell does
            assert len(second.labels()) == 1
        assert _count_in_another_process(path) == 1
        assert Path(f"{path}-wal").exists()  # the other process left the log to its owner
        writer.append(grade("q2", "d1", 1))
        writer.append(grade("q3", "d1", 0))
        assert _count_in_another_process(path) == 3
    finally:
        writer.close()
    assert _count_in_another_process(path) == 3


@pytest.mark.parametrize("path", [":memory", "memory:", "memory", ": memory :", "MEMORY"])
def test_a_misspelt_memory_store_is_refused_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    # ':memory' made files ':memory', ':memory-wal' and ':memory-shm' in the working directory
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        StoreError, match=r"for a store in memory, for throwaway work, pass ':memory:'"
    ):
        open_store(path)
    assert list(tmp_path.iterdir()) == []
    with open_store(os.path.join(".", path)) as store:  # the file, asked for so
        assert store.labels().empty
    with open_store(":memory:") as store:
        assert store.labels().empty


def test_an_sqlite_uri_is_refused_naming_the_path(tmp_path: Path) -> None:
    # was taken as a relative path: "its folder '<cwd>/file:<tmp>' does not exist"
    uri = f"file:{tmp_path / 'labels.sqlite'}?mode=ro"
    with pytest.raises(
        StoreError,
        match=rf"is an SQLite URI: pass the file's path itself \('{tmp_path}/labels.sqlite'\)",
    ):
        open_store(uri)
