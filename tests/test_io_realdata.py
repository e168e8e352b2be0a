"""xm.io on real third-party files (../shared/realdata; sources and licences in its README.md).

Each expectation comes from an independent small parser (str.split, csv, json, pyarrow,
``datasets``), written here the way the format's own ecosystem reads the file (trec_eval,
BEIR's GenericDataLoader, the datasets' reference code), never through xmwidgets.
"""

from __future__ import annotations

import csv
import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
from _realdata import realdata

from xmwidgets.io import (
    FormatError,
    FormatWarning,
    load_audiocaps,
    load_clotho,
    load_coco_captions,
    load_cxc,
    load_eccv_caption,
    load_flickr30k,
    load_msrvtt,
    read_beir,
    read_hf,
    read_jsonl,
    read_parquet,
    read_qrels,
    read_run,
    write_beir,
    write_hf,
    write_jsonl,
    write_parquet,
    write_qrels,
    write_run,
)

# ---------------------------------------------------------------- independent parsers


def trec_fields(path: Path) -> list[tuple[int, list[str]]]:
    """trec_eval's reading: lines end at \\n, '#' lines and blank lines skipped, whitespace split."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            rows.append((number, line.split()))
    return rows


def csv_dicts(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def json_lines(path: Path) -> list[dict]:
    """JSON Lines as Python reads a text file: records end at \\n (not at U+0085 or U+2028)."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def beir_generic_loader(folder: Path, split: str) -> tuple[dict, dict, list[list[str]]]:
    """BEIR's GenericDataLoader in brief: corpus and queries by _id, qrels rows after line 1."""
    corpus = {doc["_id"]: doc for doc in json_lines(folder / "corpus.jsonl")}
    queries = {query["_id"]: query for query in json_lines(folder / "queries.jsonl")}
    with open(folder / "qrels" / f"{split}.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return corpus, queries, rows[1:]


def quiet(function, *args, **kwargs):
    """Call ``function`` with FormatWarning silenced (the tests that check warnings do so apart)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FormatWarning)
        return function(*args, **kwargs)


# ---------------------------------------------------------------- TREC (trec_eval's own files)

QRELS = [
    "trec/trec_eval_test/qrels-302.test",
    "trec/trec_eval_test/qrels.test",
    "trec/trec_eval_test/qrels.test.with-comments",
    "trec/trec_eval_test/qrels.comment.test",
    "trec/trec_eval_test/qrels.rel_level",
    "trec/anserini-tools/qrels.beir-v1.0.0-arguana.test.txt",
    "trec/anserini-tools/qrels.beir-v1.0.0-scifact.test.txt",
    "trec/anserini-tools/qrels.car17v2.0.benchmarkY1test.txt",
    "trec/anserini-tools/qrels.core17.txt",
    "trec/anserini-tools/qrels.covid-round1.txt",
    "trec/anserini-tools/qrels.dl19-passage.txt",
    "trec/anserini-tools/qrels.dl20-doc.txt",
    "trec/anserini-tools/qrels.miracl-v1.0-sw-dev.tsv",
    "trec/anserini-tools/qrels.mmeb-visdoc-ViDoRe_syntheticDocQA_healthcare_industry.test.txt",
    "trec/anserini-tools/qrels.msmarco-passage.dev-subset.txt",
    "ranx_test_data/qrels.trec",
]


@pytest.mark.parametrize("name", QRELS)
def test_real_qrels_read_as_trec_eval_reads_them_and_round_trip(name, tmp_path):
    path = realdata(*name.split("/"))
    expected = [(f[0], f[2], int(f[3])) for _, f in trec_fields(path)]
    qrels = read_qrels(path)
    assert list(qrels.itertuples(index=False, name=None)) == expected
    written = write_qrels(qrels, tmp_path / "out.qrels")
    assert written.read_text() == "".join(f"{q} 0 {d} {r}\n" for q, d, r in expected)
    pdt.assert_frame_equal(read_qrels(written), qrels)


@pytest.mark.parametrize("name", ["qrels.123", "qrels.comments.123"])
def test_judgement_group_qrels_need_groups(name):
    path = realdata("trec", "trec_eval_test", name)
    with pytest.raises(FormatError, match=r"line \d+: duplicate pair.*pass groups=True"):
        read_qrels(path)
    expected = [(f[0], f[2], int(f[3]), f[1]) for _, f in trec_fields(path)]
    qrels = read_qrels(path, groups=True)
    assert list(qrels.itertuples(index=False, name=None)) == expected
    assert len(qrels) == 10362


RUNS = [
    "trec/trec_eval_test/results.test",
    "trec/trec_eval_test/results-302.test",
    "trec/trec_eval_test/results.comment.test",
    "trec/trec_eval_test/results.trunc",  # fields after the tag, which trec_eval ignores
    "trec/kirloxious_reranked_results.tsv",  # a doc id as tag on every line
    "ranx_test_data/run.trec",
]


def trec_eval_order(rows: list[tuple[str, str, float]]) -> dict[tuple[str, str], int]:
    """Ranks as trec_eval evaluates: per query by score descending, ties by docno descending."""
    ranks: dict[tuple[str, str], int] = {}
    for query in dict.fromkeys(q for q, _, _ in rows):
        ranked = sorted(((s, d) for q, d, s in rows if q == query), reverse=True)
        ranks.update({(query, d): rank for rank, (_, d) in enumerate(ranked, start=1)})
    return ranks


@pytest.mark.parametrize("name", RUNS)
def test_real_runs_read_as_one_run_and_round_trip(name, tmp_path):
    path = realdata(*name.split("/"))
    expected = [(f[0], f[2], int(f[3]), float(f[4]), f[5]) for _, f in trec_fields(path)]
    run = read_run(path)
    assert list(run.itertuples(index=False, name=None)) == expected
    written = write_run(run, tmp_path / "run.txt", tag=None)
    back = read_run(written)
    key = ["query_id", "item_id"]
    pdt.assert_frame_equal(
        back.drop(columns="rank").sort_values(key, ignore_index=True),
        run.drop(columns="rank").sort_values(key, ignore_index=True),
    )
    if name.endswith("results.test"):  # the big files are checked above; ranks on 1,500 rows
        ranks = trec_eval_order([(q, d, s) for q, d, _, s, _ in expected])
        assert [
            ranks[q, d] for q, d in zip(back["query_id"], back["item_id"], strict=True)
        ] == back["rank"].tolist()
    # written once, the file is stable: writing what was read back gives the same bytes
    again = write_run(back, tmp_path / "again.txt", tag=None)
    assert again.read_bytes() == written.read_bytes()


# ---------------------------------------------------------------- BEIR folders

AGENTSET = ["arcd", "business-reports", "dbpedia", "msmarco", "pg"]


@pytest.mark.parametrize("name", AGENTSET)
def test_real_beir_folders_give_beirs_rows(name):
    folder = realdata("beir_agentset", name)
    corpus, queries, rows = beir_generic_loader(folder, "test")
    header_line = (folder / "qrels" / "test.tsv").read_text().split("\n")[0]
    if not header_line.startswith("query-id"):
        # msmarco: no header; BEIR's loader drops the first judgement, xmwidgets keeps it
        rows = [header_line.split("\t"), *rows]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = read_beir(folder)
    assert loaded.items["item_id"].tolist() == list(corpus)
    assert loaded.items["text"].tolist() == [doc["text"] for doc in corpus.values()]
    assert loaded.items["title"].tolist() == [doc.get("title", "") for doc in corpus.values()]
    assert loaded.queries["query_id"].tolist() == list(queries)
    assert loaded.queries["text"].tolist() == [q["text"] for q in queries.values()]
    assert list(loaded.qrels.itertuples(index=False, name=None)) == [
        (q, c, int(s)) for q, c, s in rows
    ]
    missing_q = sum(q not in queries for q, _, _ in rows)
    missing_c = sum(c not in corpus for _, c, _ in rows)
    messages = [str(w.message) for w in caught if issubclass(w.category, FormatWarning)]
    assert any(f"{missing_q} of {len(rows)} rows have a query-id" in m for m in messages) == (
        missing_q > 0
    )
    assert any(f"{missing_c} of {len(rows)} rows have a corpus-id" in m for m in messages) == (
        missing_c > 0
    )
    assert any("no header line" in m for m in messages) == (not header_line.startswith("query"))
    assert any("no judgements" in m for m in messages) == (not rows)


def test_arcd_names_the_missing_ids():
    folder = realdata("beir_agentset", "arcd")
    with pytest.warns(FormatWarning) as caught:
        read_beir(folder)
    assert [str(w.message).split(": ", 1)[1][:60] for w in caught] == [
        "652 of 702 rows have a query-id that is not in queries.jsonl",
        "18 of 702 rows have a corpus-id that is not in corpus.jsonl ",
    ]


@pytest.mark.parametrize("name", AGENTSET)
def test_real_beir_folders_round_trip_through_write_beir_and_write_hf(name, tmp_path):
    loaded = quiet(read_beir, realdata("beir_agentset", name))
    for writer, reader in ((write_beir, read_beir), (write_hf, read_hf)):
        folder = writer(tmp_path / writer.__name__, *loaded)
        back = quiet(reader, folder)
        pdt.assert_frame_equal(back.queries, loaded.queries)
        pdt.assert_frame_equal(back.items, loaded.items)
        pdt.assert_frame_equal(back.qrels, loaded.qrels)  # in the same row order


def test_what_write_hf_writes_of_a_real_corpus_is_what_datasets_loads(tmp_path):
    datasets = pytest.importorskip("datasets")
    loaded = read_beir(realdata("beir_agentset", "business-reports"))
    folder = write_hf(tmp_path / "repo", *loaded)
    corpus = datasets.load_dataset(str(folder), "corpus", cache_dir=str(tmp_path / "cache"))
    table = corpus["corpus"]
    assert table["_id"] == loaded.items["item_id"].tolist()
    assert table["text"] == loaded.items["text"].tolist()


def test_read_hf_on_a_real_beir_folder_points_to_read_beir():
    with pytest.raises(ValueError, match=r"is a BEIR folder.*read_beir\(.*split='test'\)"):
        read_hf(realdata("beir_agentset", "arcd"))


def official_scifact(tmp_path: Path) -> Path:
    """The real queries and qrels (linked, not copied) beside a corpus of the judged ids."""
    real = realdata("beir_scifact_partial_official")
    folder = tmp_path / "scifact"
    (folder / "qrels").mkdir(parents=True)
    (folder / "queries.jsonl").symlink_to(real / "queries.jsonl")
    for split in ("train", "test"):
        (folder / "qrels" / f"{split}.tsv").symlink_to(real / "qrels" / f"{split}.tsv")
    ids = {row["corpus-id"] for row in csv_dicts(real / "qrels" / "train.tsv", "\t")}
    docs = [{"_id": i, "title": "", "text": f"doc {i}"} for i in sorted(ids)]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    return folder


def test_official_beir_scifact_queries_and_train_qrels(tmp_path):
    folder = official_scifact(tmp_path)
    _, queries, rows = beir_generic_loader(folder, "train")
    loaded = read_beir(folder, "train")
    assert loaded.queries["query_id"].tolist() == list(queries)
    assert loaded.queries["metadata"].tolist() == [q["metadata"] for q in queries.values()]
    assert list(loaded.qrels.itertuples(index=False, name=None)) == [
        (q, c, int(s)) for q, c, s in rows
    ]
    assert len(loaded.queries) == 1109 and len(loaded.qrels) == 919


def test_student_modified_scifact_test_qrels_are_trec_lines_in_a_tsv(tmp_path):
    folder = official_scifact(tmp_path)
    with pytest.raises(FormatError, match=r"test\.tsv line 1: corpus-id ' 0 31715818'.*read_qrels"):
        quiet(read_beir, folder, "test")
    path = folder / "qrels" / "test.tsv"
    qrels = read_qrels(path)
    assert list(qrels.itertuples(index=False, name=None)) == [
        (f[0], f[2], int(f[3])) for _, f in trec_fields(path)
    ]
    assert len(qrels) == 339


# ---------------------------------------------------------------- JSON Lines and Parquet

JSONL = [
    *[f"beir_agentset/{name}/{part}.jsonl" for name in AGENTSET for part in ("corpus", "queries")],
    "beir_scifact_partial_official/queries.jsonl",
    "hf_imagefolder_vlm_comparison/train/metadata.jsonl",
]


@pytest.mark.parametrize("name", JSONL)
def test_real_jsonl_files_read_record_for_record_and_round_trip(name, tmp_path):
    path = realdata(*name.split("/"))
    records = json_lines(path)
    frame = read_jsonl(path)
    rows = frame.to_dict("records")
    assert [
        {k: row[k] for k in record} for row, record in zip(rows, records, strict=True)
    ] == records
    back = read_jsonl(write_jsonl(frame, tmp_path / "out.jsonl"))
    pdt.assert_frame_equal(back, frame)


def test_msmarco_corpus_keeps_its_raw_u0085_inside_texts():
    path = realdata("beir_agentset", "msmarco", "corpus.jsonl")
    assert path.read_text(encoding="utf-8").count("\x85") == 6
    frame = read_jsonl(path)
    assert frame["text"].str.contains("\x85").sum() + frame["title"].str.contains("\x85").sum() >= 1
    assert len(frame) == 5000


@pytest.mark.parametrize("name", ["qrels.parquet", "run.parquet"])
def test_real_parquet_written_by_ranx(name, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    path = realdata("ranx_test_data", name)
    frame = read_parquet(path)
    assert frame.to_dict("records") == pq.read_table(path).to_pylist()
    pdt.assert_frame_equal(read_parquet(write_parquet(frame, tmp_path / name)), frame)


# ---------------------------------------------------------------- image captions


@pytest.mark.parametrize(
    "name",
    [
        "captions_val2017.json",
        "coco_mini/captions_val2017.json",
        "coco_mini/captions_train2017.json",
    ],
)
def test_real_coco_captions(name):
    path = realdata("coco", *name.split("/"))
    data = json.loads(path.read_text(encoding="utf-8"))
    queries, items, qrels = load_coco_captions(path)
    assert items["item_id"].tolist() == [str(image["id"]) for image in data["images"]]
    assert queries["query_id"].tolist() == [str(a["id"]) for a in data["annotations"]]
    assert queries["text"].tolist() == [a["caption"].strip() for a in data["annotations"]]
    assert qrels["item_id"].tolist() == [str(a["image_id"]) for a in data["annotations"]]


def test_coco_val2017_has_its_published_counts():
    _, items, qrels = load_coco_captions(realdata("coco", "captions_val2017.json"))
    assert (len(items), len(qrels)) == (5000, 25014)


def test_a_coco_results_file_is_named_as_such():
    path = realdata("coco", "captions_val2017_fakecap_results.json")
    with pytest.raises(FormatError, match=r"results\.json \$: a list of 4989 .*results\* file"):
        load_coco_captions(path)


@pytest.mark.parametrize("name", ["use_of_camera.json", "composition.json"])
def test_real_karpathy_split_json(name):
    path = realdata("karpathy_format_food_iac", name)
    images = json.loads(path.read_text(encoding="utf-8"))["images"]
    queries, items, _ = load_flickr30k(path)
    assert items["item_id"].tolist() == [image["filename"] for image in images]
    assert items["split"].tolist() == [image["split"] for image in images]
    assert queries["text"].tolist() == [s["raw"].strip() for i in images for s in i["sentences"]]
    train = load_flickr30k(path, split="train")
    assert len(train.items) == sum(image["split"] == "train" for image in images)


FLICKR_COPY = re.compile(r"\.jpg\.\d+#")


def flickr_token_lines(path: Path) -> list[tuple[str, str]]:
    """(caption id, caption) per line, with Flickr8k's 'x.jpg.1#0' read as 'x.jpg#0'."""
    lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return [(FLICKR_COPY.sub(".jpg#", k), c.strip()) for k, c in (x.split("\t") for x in lines)]


@pytest.mark.parametrize("name", ["Flickr8k.token.txt", "Flickr8k.lemma.token.txt"])
def test_real_flickr8k_token_files(name):
    path = realdata("flickr8k", name)
    expected = flickr_token_lines(path)
    with pytest.warns(FormatWarning, match=r"names image '2258277193_586949ec62\.jpg\.1', read as"):
        queries, items, _ = load_flickr30k(path)
    assert list(zip(queries["query_id"], queries["text"], strict=True)) == expected
    images = list(dict.fromkeys(k.rpartition("#")[0] for k, _ in expected))
    assert items["item_id"].tolist() == images
    assert (len(queries), len(items)) == (40460, 8092)


@pytest.mark.parametrize("split", ["train", "dev", "test"])
def test_real_flickr8k_official_splits(split):
    path = realdata("flickr8k", "Flickr8k.token.txt")
    listed = realdata("flickr8k", f"Flickr_8k.{split}Images.txt").read_text().split("\n")
    listed = [name.strip() for name in listed if name.strip()]
    queries, items, _ = quiet(load_flickr30k, path, split=split)
    assert items["item_id"].tolist() == listed
    assert set(items["split"]) == {split}
    assert len(queries) == 5 * len(listed)
    assert set(queries["image_id"]) == set(listed)


def test_extended_flickr8k_variant_is_refused_at_its_first_bad_line():
    path = realdata("flickr8k", "variant_extended", "Flickr8k.token.txt")
    first_seen: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        key = FLICKR_COPY.sub(".jpg#", line.split("\t")[0])
        if key in first_seen:
            break
        first_seen[key] = number
    with pytest.raises(
        FormatError, match=rf"Flickr8k\.token\.txt line {number}: duplicate caption"
    ):
        quiet(load_flickr30k, path)


@pytest.mark.parametrize("name", ["sits_val.csv", "sits_test.csv"])
def test_real_cxc(name):
    path = realdata("cxc", name)
    rows = csv_dicts(path)
    _, _, qrels = load_cxc(path)
    assert qrels["agg_score"].tolist() == [float(row["agg_score"]) for row in rows]
    assert qrels["query_id"].tolist() == [row["caption"].rpartition(":")[2] for row in rows]
    assert qrels["relevance"].tolist() == [int(float(row["agg_score"]) >= 3) for row in rows]


@pytest.mark.parametrize(
    "name",
    [
        f"{kind}_{side}.json"
        for kind in ("eccv", "cxc", "original")
        for side in ("caption_to_image", "image_to_caption")
    ],
)
def test_real_eccv_caption(name):
    path = realdata("eccv_caption", name)
    data = json.loads(path.read_text(encoding="utf-8"))
    direction = "text_to_image" if "caption_to_image" in name else "image_to_text"
    queries, _, qrels = load_eccv_caption(path, direction=direction)
    assert queries["query_id"].tolist() == list(data)
    assert list(zip(qrels["query_id"], qrels["item_id"], strict=True)) == [
        (key, str(p)) for key, positives in data.items() for p in positives
    ]


# ---------------------------------------------------------------- audio and video captions

AUDIOCAPS = ["v1/train.csv", "v1/val.csv", "v1/test.csv", "v2/val.csv", "v2/test.csv"]


@pytest.mark.parametrize("name", AUDIOCAPS)
def test_real_audiocaps(name):
    path = realdata("audiocaps", *name.split("/"))
    rows = csv_dicts(path)
    queries, items, qrels = load_audiocaps(path)
    assert queries["query_id"].tolist() == [row["audiocap_id"] for row in rows]
    assert queries["text"].tolist() == [row["caption"].strip() for row in rows]
    assert qrels["item_id"].tolist() == [row["youtube_id"] for row in rows]
    assert items["item_id"].tolist() == list(dict.fromkeys(row["youtube_id"] for row in rows))


CLOTHO = ["development", "validation", "evaluation"]


@pytest.mark.parametrize("name", CLOTHO)
def test_real_clotho_keeps_file_names_as_written(name):
    path = realdata("clotho_v2.1", f"clotho_captions_{name}.csv")
    rows = csv_dicts(path)
    queries, items, _ = load_clotho(path, "clips")
    assert items["item_id"].tolist() == [row["file_name"] for row in rows]
    assert items["audio"].tolist() == [str(Path("clips", row["file_name"])) for row in rows]
    assert queries["text"].tolist() == [
        row[f"caption_{k}"].strip() for row in rows for k in range(1, 6)
    ]


def test_clotho_names_with_a_leading_space_match_the_files():
    path = realdata("clotho_v2.1", "clotho_captions_development.csv")
    names = [row["file_name"] for row in csv_dicts(path)]
    spaced = [name for name in names if name.startswith(" ")]
    assert len(spaced) == 2  # ' Ambience Birds.wav' and one more, as the Clotho files are named
    items = load_clotho(path).items
    assert set(spaced) <= set(items["item_id"])


def test_real_msrvtt_1ka_test_csv():
    path = realdata("msrvtt", "MSRVTT_JSFUSION_test.csv")
    rows = csv_dicts(path)
    queries, items, _ = load_msrvtt(path)
    assert queries["query_id"].tolist() == [row["key"] for row in rows]
    assert queries["text"].tolist() == [row["sentence"] for row in rows]
    assert items["item_id"].tolist() == [row["video_id"] for row in rows]


def test_semicolon_resave_of_the_1ka_csv_is_refused_with_the_reason():
    path = realdata("msrvtt", "variant_semicolon_crlf", "MSRVTT_JSFUSION_test.csv")
    with pytest.raises(FormatError, match=r"test\.csv line 1: .*separated by ';', not ','"):
        load_msrvtt(path)


def msrvtt_data_json(folder: Path, video_ids: list[str]) -> Path:
    """A stand-in MSRVTT_data.json (the real one is 4 MiB+): two captions per video, and more
    videos than any split lists (video0..video9999)."""
    videos = [
        {"video_id": f"video{i}", "split": "train" if i < 6513 else "test"} for i in range(10000)
    ]
    sentences = [
        {"video_id": v["video_id"], "sen_id": 2 * i + k, "caption": f"clip {v['video_id']} #{k}"}
        for i, v in enumerate(videos)
        for k in range(2)
    ]
    assert set(video_ids) <= {v["video_id"] for v in videos}
    path = folder / "MSRVTT_data.json"
    path.write_text(json.dumps({"videos": videos, "sentences": sentences}))
    return path


@pytest.mark.parametrize("name", ["MSRVTT_train.9k.csv", "MSRVTT_train.7k.csv"])
def test_real_clip4clip_train_splits(name, tmp_path):
    real = realdata("msrvtt", name)
    listed = [row["video_id"] for row in csv_dicts(real)]
    with pytest.raises(FileNotFoundError, match=r"lists video ids only.*captions='"):
        load_msrvtt(real, captions=tmp_path / "MSRVTT_data.json")
    captions = msrvtt_data_json(tmp_path, listed)
    queries, items, qrels = load_msrvtt(real, captions=captions)
    assert items["item_id"].tolist() == listed
    assert len(queries) == len(qrels) == 2 * len(listed)
    assert set(qrels["item_id"]) == set(listed)
    # CLIP4Clip's layout: the JSON next to the CSV is found without captions=
    (tmp_path / name).symlink_to(real)
    assert load_msrvtt(tmp_path / name).items["item_id"].tolist() == listed


# ---------------------------------------------------------------- Hugging Face ImageFolder


def test_real_imagefolder_single_split_ids_are_file_names():
    folder = realdata("hf_imagefolder_vlm_comparison")
    records = json_lines(folder / "train" / "metadata.jsonl")
    items = read_hf(folder)
    assert items["item_id"].tolist() == [r["file_name"] for r in records]
    assert items["notes"].tolist() == [r["notes"] for r in records]
    assert items["image"].tolist() == [str(folder / "train" / r["file_name"]) for r in records]
    assert "split" not in items.columns


def test_real_imagefolder_rows_are_those_datasets_loads(tmp_path):
    datasets = pytest.importorskip("datasets")
    folder = realdata("hf_imagefolder_vlm_comparison")
    table = datasets.load_dataset("imagefolder", data_dir=str(folder), cache_dir=str(tmp_path))
    train = table["train"]
    items = read_hf(folder)
    assert len(items) == train.num_rows
    assert items["notes"].tolist() == train["notes"]


def test_frames_read_from_real_files_are_plain_pandas():
    # the contract: str ids in every frame read from a real file
    loaded = quiet(read_beir, realdata("beir_agentset", "dbpedia"))
    for frame, column in ((loaded.queries, "query_id"), (loaded.items, "item_id")):
        assert isinstance(frame, pd.DataFrame)
        assert all(isinstance(v, str) for v in frame[column])
