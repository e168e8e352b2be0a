"""Read and write retrieval and captioning formats into the xmwidgets data contract (DESIGN.md §3).

- TREC: :func:`read_qrels`, :func:`write_qrels`, :func:`read_run`, :func:`write_run`
- nested JSON ``{query_id: {item_id: value}}`` (ranx, pytrec_eval): :func:`read_json_qrels`,
  :func:`read_json_run`, :func:`write_json_qrels`, :func:`write_json_run`
- BEIR: :func:`read_beir`, :func:`write_beir`
- any frame: :func:`read_jsonl`, :func:`write_jsonl`, :func:`read_parquet`, :func:`write_parquet`
- Hugging Face: :func:`read_hf` (BEIR-style configs through ``datasets``; repos on disk and
  ImageFolder/AudioFolder folders without it), :func:`write_hf`, :func:`from_hf`
- datasets into ``Loaded(queries, items, qrels)``: :func:`load_coco_captions`,
  :func:`load_flickr30k`, :func:`load_cxc`, :func:`load_eccv_caption`, :func:`load_audiocaps`,
  :func:`load_clotho`, :func:`load_msrvtt`

Ids are cast to ``str`` on the way in. A malformed file raises :class:`FormatError` (a
``ValueError``) naming the file, the line or JSON path, and what was expected; a file that is read
but holds something doubtful (ids matching nothing, a known quirk) gives a :class:`FormatWarning`.

>>> import xmwidgets as xm
>>> coco = xm.io.load_coco_captions("captions_val2014.json", "val2014/")  # doctest: +SKIP
>>> queries, items, qrels = coco                                          # doctest: +SKIP
>>> xm.io.write_qrels(labels, "judged.qrels", aggregate="median")        # doctest: +SKIP
"""

from __future__ import annotations

from ._audio_video import load_audiocaps, load_clotho, load_msrvtt
from ._beir import read_beir, write_beir
from ._captions import load_coco_captions, load_flickr30k
from ._coco_judged import load_cxc, load_eccv_caption
from ._errors import FormatError, FormatWarning
from ._hf import from_hf, read_hf
from ._hf_repo import write_hf
from ._jsonl import read_jsonl, read_parquet, write_jsonl, write_parquet
from ._loaded import Loaded
from ._nested_json import read_json_qrels, read_json_run, write_json_qrels, write_json_run
from ._trec import read_qrels, read_run, write_qrels, write_run

__all__ = [
    "FormatError",
    "FormatWarning",
    "Loaded",
    "from_hf",
    "load_audiocaps",
    "load_clotho",
    "load_coco_captions",
    "load_cxc",
    "load_eccv_caption",
    "load_flickr30k",
    "load_msrvtt",
    "read_beir",
    "read_hf",
    "read_json_qrels",
    "read_json_run",
    "read_jsonl",
    "read_parquet",
    "read_qrels",
    "read_run",
    "write_beir",
    "write_hf",
    "write_json_qrels",
    "write_json_run",
    "write_jsonl",
    "write_parquet",
    "write_qrels",
    "write_run",
]
