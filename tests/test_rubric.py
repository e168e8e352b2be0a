"""The rubric as data: matching rules, examples (text and media tiles), flags, notes, revisions."""

from __future__ import annotations

import base64
import io
import json
import pathlib
import re
from typing import Any

import numpy as np
import pytest
from PIL import Image

import xmwidgets as xm
from xmwidgets.rubric import DEFAULT_FLAGS, MAX_EXAMPLE_PX, Example, Flag
from xmwidgets.scale import MATCHING_RUBRIC, RESERVED_KEYS, TREC_SCALE, Level, Scale


def _decode_data_url(src: str) -> tuple[str, bytes]:
    head, _, payload = src.partition(",")
    assert head.startswith("data:") and head.endswith(";base64")
    return head[5:-7], base64.b64decode(payload)


def _photo(width: int = 640, height: int = 480) -> Image.Image:
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[:, : width // 2] = (200, 30, 30)  # left half red, right half black
    return Image.fromarray(rgb)


# --- the built-in matching rubric ------------------------------------------------------------


def test_matching_rubric_levels_rules_and_examples() -> None:
    assert xm.MATCHING_RUBRIC is MATCHING_RUBRIC and xm.Rubric is Scale
    assert MATCHING_RUBRIC.values == [0, 1, 2, 3]
    names = {lv.value: lv.name for lv in MATCHING_RUBRIC.levels}
    assert names == {
        3: "exact match",
        2: "partial relevance",
        1: "semantic similarity",
        0: "unrelated",
    }
    for lv in MATCHING_RUBRIC.levels:
        assert lv.rule and "\n" not in lv.rule and lv.definition
        assert len(lv.examples) >= 1
        ex = lv.examples[0]
        assert ex.kind == "text" and ex.query and ex.content.startswith("image:")
    assert MATCHING_RUBRIC.version == "matching@1"
    assert MATCHING_RUBRIC.notes is True


def test_default_flags_and_where_they_apply() -> None:
    assert xm.DEFAULT_FLAGS is DEFAULT_FLAGS
    assert MATCHING_RUBRIC.flags == (
        "ambiguous-query",
        "dissonant",
        "broken-media",
        "near-duplicate",
        "suspected-false-negative",
    )
    assert MATCHING_RUBRIC.flags_for("query") == ("ambiguous-query", "dissonant")
    assert MATCHING_RUBRIC.flags_for("candidate") == (
        "dissonant",
        "broken-media",
        "near-duplicate",
        "suspected-false-negative",
    )
    assert MATCHING_RUBRIC.flag("broken-media").key == "m"  # the command key reserved for it
    keys = [f.key for f in DEFAULT_FLAGS]
    assert len(set(keys)) == len(keys)
    assert all(f.definition for f in DEFAULT_FLAGS)
    with pytest.raises(ValueError, match=r"unknown flag 'nope': this rubric's flags are ambig"):
        MATCHING_RUBRIC.flag("nope")


def test_flag_names_resolve_to_builtins_and_unknown_names_are_bare() -> None:
    s = Scale([Level(0, "no"), Level(1, "yes")], flags=["dissonant", "too-dark"])
    assert s.flag("dissonant") == DEFAULT_FLAGS[1]
    assert s.flag("too-dark") == Flag("too-dark")
    # TREC_SCALE names three of them, as before
    assert TREC_SCALE.flags == ("ambiguous-query", "dissonant", "broken-media")
    assert [f["key"] for f in TREC_SCALE.to_dict()["flag_specs"]] == ["A", "D", "m"]


def test_rubric_adds_its_own_flag_to_the_defaults() -> None:
    dark = Flag("too-dark", "Too dark to judge.", key="T", applies_to="candidate")
    s = MATCHING_RUBRIC.revise(version="matching-dark", flags=[*DEFAULT_FLAGS, dark])
    assert s.flags[-1] == "too-dark" and s.flag("too-dark").key == "T"
    assert "too-dark" in s.flags_for("candidate") and "too-dark" not in s.flags_for("query")


# --- to_dict: the exact JSON shape the front end reads --------------------------------------


def test_to_dict_shape_for_the_browser() -> None:
    d = MATCHING_RUBRIC.to_dict()
    json.dumps(d)  # JSON-ready
    assert set(d) == {
        "name",
        "title",
        "description",
        "version",
        "levels",
        "flags",
        "flag_specs",
        "notes",
        "continuous",
        "minimum",
        "maximum",
        "step",
    }
    assert d["title"] == "Matching rules for cross-modal retrieval" and d["notes"] is True
    assert d["flags"] == list(MATCHING_RUBRIC.flags)  # names, as the judge messages carry them
    assert d["flag_specs"][2] == {
        "name": "broken-media",
        "key": "m",
        "definition": DEFAULT_FLAGS[2].definition,
        "applies_to": "candidate",
    }
    level = d["levels"][3]
    assert set(level) == {"value", "name", "definition", "rule", "key", "examples"}
    assert level["value"] == 3 and level["key"] == "3"
    assert level["examples"] == [
        {
            "kind": "text",
            "text": "image: a red double-decker bus driving over a river bridge",
            "caption": "bus, colour, type and bridge all match",
            "query": "a red double-decker bus crossing a bridge",
        }
    ]
    # a scale without a title shows its name
    assert Scale([Level(0, "no")], name="bin").to_dict()["title"] == "bin"


def test_grid_accepts_the_rubric_and_a_rubric_flag(built_bundle: pathlib.Path) -> None:
    import pandas as pd
    from test_grid import Browser, flag, grade

    queries = pd.DataFrame({"query_id": ["q1"], "text": ["a red bus on a bridge"]})
    items = pd.DataFrame({"item_id": ["i1", "i2"], "caption": ["a red bus", "ramen"]})
    candidates = pd.DataFrame({"query_id": ["q1", "q1"], "item_id": ["i1", "i2"]})
    grid = xm.RelevanceGrid(
        queries, items, candidates, scale=MATCHING_RUBRIC, store=":memory:", annotator="ana"
    )
    assert grid.scale == MATCHING_RUBRIC.to_dict()
    browser = Browser(grid)
    browser.judge(grade("q1", "i1", 3), flag("q1", "i1", name="suspected-false-negative"))
    row = grid.labels.iloc[0]
    assert (row["relevance"], row["flags"]) == (3, "suspected-false-negative")
    assert row["guideline_version"] == "matching@1"


# --- media examples ---------------------------------------------------------------------------


def test_pil_image_example_is_a_small_data_url_tile() -> None:
    photo = _photo()
    ex = Example.image(photo, "left half red")
    photo.paste((0, 255, 0), (0, 0, 640, 480))  # later edits to the image do not reach the rubric
    d = ex.to_dict()
    assert set(d) == {"kind", "src", "mime", "width", "height", "caption", "query"}
    assert d["kind"] == "image" and d["caption"] == "left half red"
    mime, data = _decode_data_url(d["src"])
    assert mime == d["mime"] == "image/jpeg"
    im = Image.open(io.BytesIO(data))
    assert im.size == (d["width"], d["height"]) == (MAX_EXAMPLE_PX, MAX_EXAMPLE_PX * 3 // 4)
    rgb = np.asarray(im.convert("RGB")).astype(int)
    assert rgb[60, 20, 0] > 150 and rgb[60, 20, 1] < 80  # still red: the copy was taken at once
    assert rgb[60, 140].max() < 60
    assert len(data) < 20_000


def test_image_example_from_a_path_inferred_and_in_a_level(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _photo(100, 50).save(tmp_path / "bus.png")
    monkeypatch.chdir(tmp_path)
    level = Level(3, "exact", examples="bus.png")  # one bare example, not iterated by character
    assert len(level.examples) == 1 and level.examples[0].kind == "image"
    d = level.to_dict()["examples"][0]
    assert d["kind"] == "image" and (d["width"], d["height"]) == (100, 50)  # never upscaled
    assert _decode_data_url(d["src"])[0] in ("image/png", "image/jpeg")


def test_missing_example_file_is_refused_naming_it(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match=r"image example file not found: '.*nope\.jpg'"):
        Example(str(tmp_path / "nope.jpg"))


def test_corrupt_image_example_becomes_an_error_tile(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff" + b"not really a jpeg" * 10)
    d = Example(bad, caption="c").to_dict()
    assert d["kind"] == "error" and d["media"] == "image" and d["caption"] == "c"
    assert "cannot decode image" in d["error"]


def test_urls_are_passed_to_the_browser_not_fetched() -> None:
    d = Example("https://example.org/clip.mp4", caption="a clip").to_dict()
    assert d == {
        "kind": "video",
        "src": "https://example.org/clip.mp4",
        "mime": None,
        "width": None,
        "height": None,
        "poster": None,
        "duration": None,
        "caption": "a clip",
        "query": "",
    }
    assert Example("https://example.org/a.wav").to_dict() == {
        "kind": "audio",
        "src": "https://example.org/a.wav",
        "mime": None,
        "duration": None,
        "caption": "",
        "query": "",
    }


def test_audio_example_embedded(tmp_path: pathlib.Path) -> None:
    sf = pytest.importorskip("soundfile")
    t = np.linspace(0, 0.5, 8000, endpoint=False)
    sf.write(tmp_path / "beep.wav", 0.5 * np.sin(2 * np.pi * 440 * t), 16000, subtype="PCM_16")
    d = Example.audio(tmp_path / "beep.wav", "a beep", query="a short beep").to_dict()
    assert d["kind"] == "audio" and d["query"] == "a short beep"
    mime, data = _decode_data_url(d["src"])
    assert mime == d["mime"] == "audio/wav" and data == (tmp_path / "beep.wav").read_bytes()
    assert d["duration"] == pytest.approx(0.5)
    assert set(d) == {"kind", "src", "mime", "duration", "caption", "query"}


def test_too_large_audio_example_is_an_error_tile_saying_what_to_do(
    tmp_path: pathlib.Path,
) -> None:
    sf = pytest.importorskip("soundfile")
    # 20 s of 16 kHz 16-bit PCM: 640 kB, over the 500 kB an example may embed
    sf.write(tmp_path / "long.wav", np.zeros(16000 * 20, np.float32), 16000, subtype="PCM_16")
    d = Example(tmp_path / "long.wav").to_dict()
    assert d["kind"] == "error" and d["media"] == "audio"
    assert "too large to embed" in d["error"] and "http(s) URL" in d["error"]
    assert "0.6 MB, limit 0.5 MB" in d["error"]


def test_video_example_has_poster_and_src(tmp_path: pathlib.Path) -> None:
    from test_media_av import _write_video

    path = _write_video(tmp_path / "v.webm", "libvpx")
    d = Example(path).to_dict()
    assert set(d) == {
        "kind",
        "src",
        "mime",
        "width",
        "height",
        "poster",
        "duration",
        "caption",
        "query",
    }
    assert d["kind"] == "video" and d["mime"] == "video/webm"
    assert d["duration"] == pytest.approx(1.0, abs=0.1)
    assert _decode_data_url(d["src"])[1] == path.read_bytes()
    poster_mime, poster = _decode_data_url(d["poster"])
    assert poster_mime == "image/jpeg"
    assert Image.open(io.BytesIO(poster)).size == (d["width"], d["height"]) == (160, 120)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"content": ""}, ValueError, "empty text example"),
        ({"content": "x", "kind": "smell"}, ValueError, "unknown example kind 'smell'"),
        ({"content": 3}, TypeError, "cannot use a int"),
        ({"content": b"\x00\x01\x02"}, ValueError, "cannot tell what these example bytes are"),
        ({"content": "x", "caption": 3}, TypeError, "caption must be a str"),
    ],
)
def test_bad_examples_get_clear_errors(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        Example(**kwargs)


# --- flag validation --------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(k for k in RESERVED_KEYS if len(k) == 1))
def test_flag_keys_may_not_be_reserved(key: str) -> None:
    with pytest.raises(ValueError, match=f"flag 'too-dark' key {re.escape(repr(key))} is reserved"):
        Flag("too-dark", key=key)


def test_only_broken_media_takes_its_command_key() -> None:
    assert Flag("broken-media", key="m").key == "m"
    with pytest.raises(ValueError, match="reserved"):
        Flag("near-duplicate", key="m")


@pytest.mark.parametrize(
    ("levels", "flags", "message"),
    [
        (
            [Level(0, "no", key="a"), Level(1, "yes", key="s")],
            [Flag("x", key="s")],
            r"flag 'x' key 's' is the key of level 1 \('yes'\)",
        ),
        (
            [Level(0, "no")],
            [Flag("x", key="Q"), Flag("y", key="Q")],
            r"flags 'x' and 'y' both use key 'Q'",
        ),
        ([Level(0, "no")], ["dissonant", "dissonant"], r"duplicate flag 'dissonant'"),
        # a built-in flag's default key colliding with a level key is named too
        (
            [Level(0, "no", key="D")],
            ["dissonant"],
            r"flag 'dissonant' key 'D' is the key of level 0",
        ),
    ],
)
def test_flag_collisions_name_the_value(
    levels: list[Level], flags: list[Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Scale(levels, flags=flags)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "a,b"}, r"bad flag name 'a,b'.*comma"),
        ({"name": "two words"}, r"bad flag name 'two words'"),
        ({"name": ""}, r"bad flag name ''"),
        ({"name": "x", "applies_to": "item"}, r"flag 'x' applies_to 'item' is not one of"),
        ({"name": "x", "key": "QQ"}, r"flag 'x' key must be a single character"),
    ],
)
def test_bad_flags(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Flag(**kwargs)


def test_flags_given_as_mappings() -> None:
    s = Scale([Level(0, "no")], flags=[{"name": "glare", "key": "G", "applies_to": "candidate"}])
    assert s.flag("glare").key == "G" and s.flags == ("glare",)


# --- versions ---------------------------------------------------------------------------------


def test_versions_of_existing_scales_do_not_change() -> None:
    # computed with the scale module before rules, media examples and flag specs existed: a
    # changed hash would make every stored judgement of such a scale count as unjudged
    a = Scale(
        levels=[Level(0, "no", "nothing"), Level(1, "yes", "match", examples=("a red bus", "b"))],
        name="bin",
        flags=("dissonant", "too-dark"),
    )
    assert a.version == "bin@c64adae9"
    assert (
        Scale(levels=[Level(0, "no"), Level(1, "yes")], name="binary").version == "binary@f39c7bd2"
    )
    assert Scale.continuous(0, 100).version == "magnitude@f4c4d7f2"


@pytest.mark.parametrize(
    "change",
    [
        {"levels": [Level(0, "no"), Level(1, "yes", rule="all of it")]},
        {"levels": [Level(0, "no"), Level(1, "yes", examples=[Example("x", caption="c")])]},
        {"flags": [Flag("too-dark", "dark")]},
        {"flags": [Flag("dissonant", "my own definition", key="D")]},
        {"description": "judge the images"},
        {"title": "Binary"},
        {"notes": False},
    ],
)
def test_every_part_of_the_rubric_changes_the_automatic_version(change: dict[str, Any]) -> None:
    base: dict[str, Any] = {"levels": [Level(0, "no"), Level(1, "yes")], "name": "binary"}
    assert Scale(**{**base, **change}).version != Scale(**base).version


# --- revise -----------------------------------------------------------------------------------


def test_revise_edits_a_level_and_keeps_the_rest() -> None:
    v2 = MATCHING_RUBRIC.revise(
        version="matching@2",
        levels={1: {"rule": "same topic, different subject", "examples": ["image: a tram"]}},
        description="v2: tighter rule for 1",
    )
    assert v2.version == "matching@2" and MATCHING_RUBRIC.version == "matching@1"
    assert v2.level(1).rule == "same topic, different subject"
    assert v2.level(1).examples == (Example("image: a tram"),)
    assert MATCHING_RUBRIC.level(1).rule.startswith("Shares the theme")  # the original is unchanged
    assert v2.level(3) == MATCHING_RUBRIC.level(3) and v2.flags == MATCHING_RUBRIC.flags
    assert v2.title == MATCHING_RUBRIC.title and v2.description == "v2: tighter rule for 1"


def test_revise_adds_removes_and_replaces_levels() -> None:
    v2 = MATCHING_RUBRIC.revise(
        version="v2", levels={1: None, 4: Level(4, "perfect", "the very item")}
    )
    assert v2.values == [0, 2, 3, 4]
    v3 = v2.revise(version="v3", levels=[Level(0, "no"), Level(1, "yes")])
    assert v3.values == [0, 1] and v3.flags == MATCHING_RUBRIC.flags


def test_revise_without_version_gives_a_new_automatic_one() -> None:
    s = Scale([Level(0, "no"), Level(1, "yes")], name="bin", version="v1")
    v2 = s.revise(levels={1: {"definition": "a match"}})
    assert v2.version.startswith("bin@") and v2.version != "v1"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"version": "matching@1", "notes": False}, ValueError, "is this rubric's version"),
        ({}, ValueError, r"revise\(\) changed nothing in rubric 'matching@1'"),
        ({"version": "v2", "colour": "red"}, TypeError, r"unknown argument\(s\) 'colour'"),
        ({"version": "v2", "levels": {9: None}}, ValueError, "unknown relevance level 9"),
        ({"version": "v2", "levels": {1: {"colour": 1}}}, TypeError, r"level 1: unknown field"),
        ({"version": "v2", "levels": {1: Level(2, "x")}}, ValueError, "the key must be"),
        ({"version": " "}, ValueError, "version must be a non-empty str"),
    ],
)
def test_revise_errors(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        MATCHING_RUBRIC.revise(**kwargs)


def test_revise_same_content_under_a_new_version_is_a_new_round() -> None:
    again = MATCHING_RUBRIC.revise(version="matching@1-round2")
    assert again.version == "matching@1-round2" and again.levels == MATCHING_RUBRIC.levels


# --- shown as text ----------------------------------------------------------------------------


def _hostile() -> Scale:
    return Scale(
        [
            Level(
                0,
                "<b>no</b>",
                "<script>alert(1)</script>",
                rule="<img src=x onerror=alert(1)>",
                examples=[Example("<i>txt</i>", caption="<u>c</u>", query="<q>")],
            ),
            Level(1, "yes"),
        ],
        name="n",
        title="<h1>t</h1>",
        description="[x](javascript:alert(1))",
        flags=[Flag("f", "<em>def</em>", key="F")],
    )


def test_markdown_repr_escapes_rules_examples_and_flags() -> None:
    text = _hostile()._repr_markdown_()
    for tag in ("<b>", "<script>", "<img", "<i>", "<u>", "<q>", "<h1>", "<em>"):
        assert tag not in text
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in text
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)" in text
    assert "&lt;em&gt;def&lt;/em&gt;" in text
    assert "| value | key | name | definition | rule | examples |" in text


def test_html_repr_escapes_and_shows_image_tiles() -> None:
    text = _hostile()._repr_html_()
    for tag in ("<b>no", "<script>", "<img src=x", "<i>txt", "<u>", "<q>", "<h1>", "<em>"):
        assert tag not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;h1&gt;t&lt;/h1&gt;" in text
    with_image = Scale([Level(0, "no", examples=[Example.image(_photo(), "red")])])
    html_text = with_image._repr_html_()
    assert "<img src='data:image/jpeg;base64," in html_text and "<i>red</i>" in html_text


def test_to_frame_lists_rules_and_examples_as_text() -> None:
    frame = MATCHING_RUBRIC.to_frame()
    assert list(frame.columns) == ["value", "name", "definition", "rule", "key", "examples"]
    assert frame.loc[3, "examples"] == [
        '"a red double-decker bus crossing a bridge" → image: a red double-decker bus driving '
        "over a river bridge (bus, colour, type and bridge all match)"
    ]


def test_the_note_and_rubric_panel_keys_are_reserved() -> None:
    """e / E open the note boxes and r the rubric panel (js/src/tasks/grade/flags.ts)."""
    source = (
        pathlib.Path(__file__).resolve().parents[1] / "js/src/tasks/grade/flags.ts"
    ).read_text()
    keys = dict(re.findall(r'export const (\w+_KEY) = "(.)";', source))
    assert keys == {"NOTE_KEY": "e", "QUERY_NOTE_KEY": "E", "RUBRIC_KEY": "r"}
    for key in keys.values():
        assert key in RESERVED_KEYS
        with pytest.raises(ValueError, match="reserved"):
            Level(1, "yes", key=key)
        with pytest.raises(ValueError, match="reserved"):
            Flag("too-dark", key=key)
