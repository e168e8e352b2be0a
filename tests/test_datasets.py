"""The built-in demo dataset: contents, truth, media, synthetic runs, determinism and the cache."""

from __future__ import annotations

import hashlib
import os
import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from xmwidgets import datasets
from xmwidgets.datasets import _build, _spec, _videos
from xmwidgets.datasets._texts import HTML_PROBE

GRADES = (0, 1, 2, 3)
ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return tmp_path_factory.mktemp("demo-cache")


@pytest.fixture(scope="module")
def demo(root: pathlib.Path) -> datasets.Demo:
    return datasets.demo(cache_dir=root)


def _truth_map(demo: datasets.Demo) -> dict[tuple[str, str], int]:
    t = demo.truth
    return dict(zip(zip(t["query_id"], t["item_id"], strict=True), t["relevance"], strict=True))


def _ndcg_at_10(run: pd.DataFrame, truth: dict[tuple[str, str], int], query_ids) -> float:
    discounts = 1 / np.log2(np.arange(2, 12))
    per_query = []
    for query_id in query_ids:
        ranked = run[run["query_id"] == query_id].sort_values("rank")["item_id"][:10]
        gains = np.array([2 ** truth[(query_id, i)] - 1 for i in ranked], dtype=float)
        ideal = np.sort([2**r - 1 for (q, _), r in truth.items() if q == query_id])[::-1][:10]
        idcg = float((ideal * discounts[: len(ideal)]).sum())
        per_query.append(float((gains * discounts[: len(gains)]).sum()) / idcg if idcg else 0.0)
    return float(np.mean(per_query))


def _tree_hashes(directory: pathlib.Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


# --- contents --------------------------------------------------------------------------------


def test_frames_have_the_documented_columns_and_sizes(demo: datasets.Demo) -> None:
    assert {"query_id", "text", "image", "target_modality"} <= set(demo.queries.columns)
    assert list(demo.items.columns) == ["item_id", "image", "audio", "video", "text", "modality"]
    assert list(demo.queries.columns) == ["query_id", "text", "image", "target_modality"]
    # the attributes the truth is made from are kept apart, so a widget never shows the answer
    assert {"shape", "colour", "description"} <= set(demo.item_attributes.columns)
    assert list(demo.item_attributes["item_id"]) == list(demo.items["item_id"])
    assert list(demo.candidates.columns) == ["query_id", "item_id", "source", "score", "rank"]
    assert list(demo.truth.columns) == ["query_id", "item_id", "relevance"]
    assert 28 <= len(demo.queries) <= 40
    assert 150 <= len(demo.items) <= 250
    counts = demo.items["modality"].value_counts()
    assert set(counts.index) == {"image", "audio", "video", "text", "bundle"}
    assert 6 <= counts["video"] <= 10 and counts["bundle"] == 10
    assert demo.query_vectors.shape == (len(demo.queries), 64)
    assert demo.item_vectors.shape == (len(demo.items), 64)
    assert demo.query_vectors.dtype == np.float32 and demo.item_vectors.dtype == np.float32
    assert sorted(demo.runs) == ["dense", "lexical"]
    for run in demo.runs.values():
        assert list(run.columns) == ["query_id", "item_id", "score", "rank"]
        assert (run.groupby("query_id").size() == 30).all()
        assert set(run["query_id"]) == set(demo.queries["query_id"])


def test_ids_are_unique_strings_with_modality_prefixes(demo: datasets.Demo) -> None:
    for frame, column in ((demo.queries, "query_id"), (demo.items, "item_id")):
        assert frame[column].is_unique
        assert all(isinstance(v, str) for v in frame[column])
    prefix = {"image": "img-", "audio": "aud-", "video": "vid-", "text": "txt-", "bundle": "bun-"}
    for item_id, modality in zip(demo.items["item_id"], demo.items["modality"], strict=True):
        assert item_id.startswith(prefix[modality]), (item_id, modality)
    assert demo.queries["query_id"].iloc[0] == "q01"


def test_content_columns_match_the_modality(demo: datasets.Demo) -> None:
    items = demo.items.set_index("modality")
    present = items[["image", "audio", "video", "text"]].notna()
    assert present.loc["image"].eq([True, False, False, False]).all(axis=None)
    assert present.loc["audio"].eq([False, True, False, False]).all(axis=None)
    assert present.loc["video"].eq([False, False, True, False]).all(axis=None)
    assert present.loc["text"].eq([False, False, False, True]).all(axis=None)
    assert present.loc["bundle"].eq([True, True, False, True]).all(axis=None)


def test_image_queries_have_an_image_and_no_text(demo: datasets.Demo) -> None:
    image_queries = demo.queries[demo.queries["image"].notna()]
    assert 3 <= len(image_queries) <= 4
    assert image_queries["text"].isna().all()
    assert set(image_queries["target_modality"]) == {"image", "text"}
    text_queries = demo.queries[demo.queries["image"].isna()]
    assert text_queries["text"].notna().all()
    assert "two red circles on the left" in set(text_queries["text"])


def test_exactly_one_text_carries_html_and_says_it_is_a_safe_rendering_test(
    demo: datasets.Demo,
) -> None:
    texts = pd.concat([demo.items["text"], demo.queries["text"]]).dropna()
    markup = texts[texts.str.contains(r"[<>&]", regex=True)]
    assert len(markup) == 1, markup.tolist()
    (probe,) = markup
    assert probe.endswith(
        "Safe-rendering test: <b>bold?</b> & <script>alert(1)</script> must show as text."
    )
    assert HTML_PROBE in probe
    # it is still a full caption of its scene, judged like any other text item
    row = demo.items[demo.items["text"] == probe].merge(demo.item_attributes, on="item_id")
    assert row["modality"].item() == "text" and row["item_id"].item() == "txt-0001"
    scene = row.iloc[0]
    assert scene["colour"] in probe and scene["shape"] in probe
    assert (demo.truth["item_id"] == "txt-0001").any()


# --- candidates and truth --------------------------------------------------------------------


def test_every_candidate_refers_to_existing_records_and_has_truth(demo: datasets.Demo) -> None:
    c = demo.candidates
    assert set(c["query_id"]) == set(demo.queries["query_id"])
    assert set(c["item_id"]) <= set(demo.items["item_id"])
    assert not c.duplicated(["query_id", "item_id"]).any()
    truth = _truth_map(demo)
    assert all((q, i) in truth for q, i in zip(c["query_id"], c["item_id"], strict=True))
    # truth covers every query x item pair, hence the top of both runs too
    assert len(demo.truth) == len(demo.queries) * len(demo.items)


def test_relevance_grades_are_0_to_3_and_the_pool_mixes_all_four(demo: datasets.Demo) -> None:
    assert set(demo.truth["relevance"]) == set(GRADES)
    pooled = demo.candidates.merge(demo.truth, on=["query_id", "item_id"])
    assert set(pooled["relevance"]) == set(GRADES)
    # most queries have both a relevant and an unrelated candidate to judge
    per_query = pooled.groupby("query_id")["relevance"].agg(["min", "max"])
    assert (per_query["min"] == 0).mean() > 0.9
    assert (per_query["max"] >= 2).mean() > 0.9


def test_pool_size_varies_per_query_between_6_and_24(demo: datasets.Demo) -> None:
    sizes = demo.candidates.groupby("query_id").size()
    assert sizes.min() >= 6 and sizes.max() <= 24
    assert sizes.nunique() >= 5


def test_candidates_name_their_source_with_its_score_and_rank(demo: datasets.Demo) -> None:
    c = demo.candidates
    assert set(c["source"]) == {"run:dense", "run:lexical", "hard-negative", "random"}
    assert (c["rank"] >= 1).all()
    for name in ("dense", "lexical"):
        from_run = c[c["source"] == f"run:{name}"].merge(
            demo.runs[name], on=["query_id", "item_id"], suffixes=("", "_run")
        )
        assert len(from_run) == (c["source"] == f"run:{name}").sum()
        assert (from_run["rank"] == from_run["rank_run"]).all()
        assert np.allclose(from_run["score"], from_run["score_run"])
    assert c.loc[c["source"] == "random", "score"].isna().all()


def test_hard_negatives_differ_from_the_query_in_exactly_one_attribute(
    demo: datasets.Demo,
) -> None:
    queries = {q.extra.get("text"): q for q in _spec.plan_queries()}
    hard = demo.candidates[demo.candidates["source"] == "hard-negative"]
    assert len(hard) >= 20
    queries_ = demo.queries.merge(demo.query_attributes, on="query_id")
    items_ = demo.items.merge(demo.item_attributes, on="item_id")
    merged = hard.merge(queries_, on="query_id").merge(items_, on="item_id", suffixes=("_q", "_i"))
    for row in merged.itertuples():
        if not isinstance(row.text_q, str):  # an image query: its stated attributes are its scene
            continue
        query = queries[row.text_q]
        differing = [k for k, v in query.attrs.items() if getattr(row, f"{k}_i") != v]
        assert len(differing) == 1, (row.query_id, row.item_id, differing)


def test_relevance_rules_by_construction() -> None:
    query = _spec.Record(
        "text",
        {"shape": "circle", "colour": "red", "count": 2, "position": "left"},
        {"target_modality": "image"},
    )
    scene = {
        "shape": "circle",
        "colour": "red",
        "count": 2,
        "position": "left",
        "background": "sky",
    }
    assert _spec.relevance(query, _spec.Record("image", scene)) == 3
    assert _spec.relevance(query, _spec.Record("image", {**scene, "colour": "blue"})) == 2
    assert (
        _spec.relevance(query, _spec.Record("image", {**scene, "count": 3, "position": "right"}))
        == 1
    )
    assert _spec.relevance(query, _spec.Record("image", {**scene, "shape": "star"})) == 0
    assert _spec.relevance(query, _spec.Record("text", scene)) == 0  # not the target modality


def test_synthetic_runs_are_imperfect_different_and_better_than_random(
    demo: datasets.Demo,
) -> None:
    truth = _truth_map(demo)
    query_ids = list(demo.queries["query_id"])
    scores = {name: _ndcg_at_10(run, truth, query_ids) for name, run in demo.runs.items()}
    rng = np.random.default_rng(0)
    items = demo.items["item_id"].to_numpy()
    random_run = pd.DataFrame(
        [(q, i, 0.0, r) for q in query_ids for r, i in enumerate(rng.permutation(items)[:30], 1)],
        columns=["query_id", "item_id", "score", "rank"],
    )
    baseline = _ndcg_at_10(random_run, truth, query_ids)
    for name, score in scores.items():
        assert baseline + 0.3 < score < 0.9, (name, score, baseline)
    assert abs(scores["dense"] - scores["lexical"]) > 0.01
    assert not demo.runs["dense"]["item_id"].equals(demo.runs["lexical"]["item_id"])


def test_dense_vectors_are_unit_length_and_give_the_dense_run(demo: datasets.Demo) -> None:
    assert np.allclose(np.linalg.norm(demo.item_vectors, axis=1), 1, atol=1e-5)
    similarity = demo.query_vectors @ demo.item_vectors.T
    top = demo.items["item_id"].to_numpy()[np.argmax(similarity, axis=1)]
    first = demo.runs["dense"].query("rank == 1").set_index("query_id")["item_id"]
    assert list(first[demo.queries["query_id"]]) == list(top)


# --- media -----------------------------------------------------------------------------------


def test_media_files_exist_and_decode(demo: datasets.Demo) -> None:
    import av
    import soundfile
    from PIL import Image

    paths = pd.concat([demo.items["image"], demo.queries["image"]]).dropna()
    for path in paths:
        with Image.open(path) as image:
            image.load()
            assert image.format == "PNG" and 256 <= max(image.size) <= 512
    for path in demo.items["audio"].dropna():
        samples, rate = soundfile.read(path)
        assert rate == 16_000 and samples.ndim == 1
        assert 1.0 <= len(samples) / rate <= 3.0 and np.abs(samples).max() > 0.1
    _, extension, _ = _videos.video_codec()
    for path in demo.items["video"].dropna():
        assert path.endswith(f".{extension}")
        with av.open(path) as container:
            stream = container.streams.video[0]
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
            assert stream.codec_context.name in ("vp9", "vp8", "h264")
        assert len(frames) == 18 and frames[0].shape == (120, 160, 3)
        assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 1  # the shape moves


def test_cache_is_a_few_megabytes(demo: datasets.Demo) -> None:
    size = sum(p.stat().st_size for p in demo.cache_dir.rglob("*") if p.is_file())
    assert 500_000 < size < 15_000_000


# --- determinism and cache -------------------------------------------------------------------


def test_same_seed_gives_identical_frames_and_file_bytes(
    demo: datasets.Demo, tmp_path: pathlib.Path
) -> None:
    # generated in another process with other string hashes, then read from its cache here
    code = f"from xmwidgets import datasets; datasets.demo(cache_dir={str(tmp_path)!r})"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    again = datasets.demo(cache_dir=tmp_path, seed=0)
    assert again.cache_dir != demo.cache_dir
    assert _tree_hashes(again.cache_dir) == _tree_hashes(demo.cache_dir)

    def relative(frame: pd.DataFrame, base: pathlib.Path) -> pd.DataFrame:
        return frame.replace(str(base), "", regex=True)

    for name in ("queries", "items", "candidates", "truth"):
        pd.testing.assert_frame_equal(
            relative(getattr(again, name), again.cache_dir),
            relative(getattr(demo, name), demo.cache_dir),
        )
    np.testing.assert_array_equal(again.item_vectors, demo.item_vectors)


def test_another_seed_gives_other_data(demo: datasets.Demo, tmp_path: pathlib.Path) -> None:
    other = datasets.demo(cache_dir=tmp_path, seed=1)
    assert other.cache_dir.name == "demo-v2-seed1"
    assert not np.array_equal(other.item_vectors, demo.item_vectors)
    ours, theirs = (pathlib.Path(d.items["image"].dropna().iloc[0]) for d in (demo, other))
    assert ours.read_bytes() != theirs.read_bytes()


def test_second_call_reads_the_cache_without_regenerating(
    demo: datasets.Demo, root: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {p: p.stat().st_mtime_ns for p in demo.cache_dir.rglob("*")}

    def fail(*args: object) -> None:
        raise AssertionError("the demo was generated again instead of read from the cache")

    monkeypatch.setattr(_build, "build", fail)
    again = datasets.demo(cache_dir=root)
    assert {p: p.stat().st_mtime_ns for p in demo.cache_dir.rglob("*")} == before
    pd.testing.assert_frame_equal(again.candidates, demo.candidates)
    pd.testing.assert_frame_equal(again.items, demo.items)


def test_refresh_and_an_incomplete_cache_regenerate(tmp_path: pathlib.Path) -> None:
    first = datasets.demo(cache_dir=tmp_path)
    hashes = _tree_hashes(first.cache_dir)
    victim = pathlib.Path(first.items["audio"].dropna().iloc[0])
    victim.unlink()  # a hand-pruned cache must not be trusted
    second = datasets.demo(cache_dir=tmp_path)
    assert victim.exists() and _tree_hashes(second.cache_dir) == hashes
    mtime = (second.cache_dir / "manifest.json").stat().st_mtime_ns
    third = datasets.demo(cache_dir=tmp_path, refresh=True)
    assert (third.cache_dir / "manifest.json").stat().st_mtime_ns != mtime
    assert _tree_hashes(third.cache_dir) == hashes
    assert [p.name for p in tmp_path.iterdir()] == ["demo-v2-seed0"]


def test_a_crash_mid_generation_leaves_no_half_cache(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> None:
        raise RuntimeError("simulated crash while writing a video")

    monkeypatch.setattr(_videos, "write_video", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        datasets.demo(cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    assert len(datasets.demo(cache_dir=tmp_path).items) > 0


def test_default_cache_dir_comes_from_the_environment(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XMWIDGETS_CACHE_DIR", str(tmp_path / "env-cache"))
    assert datasets.default_cache_dir() == tmp_path / "env-cache"
    monkeypatch.delenv("XMWIDGETS_CACHE_DIR")
    assert datasets.default_cache_dir() == pathlib.Path.home() / ".cache" / "xmwidgets"


def test_a_bad_seed_is_refused_with_the_value(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="-1"):
        datasets.demo(cache_dir=tmp_path, seed=-1)
    with pytest.raises(ValueError, match="'0'"):
        datasets.demo(cache_dir=tmp_path, seed="0")  # type: ignore[arg-type]


def test_importing_datasets_loads_no_heavy_library() -> None:
    code = (
        "import sys, xmwidgets.datasets, xmwidgets as xm; xm.datasets.demo; "
        "heavy = ('pandas', 'PIL', 'av', 'soundfile', 'numpy'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
