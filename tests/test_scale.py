from __future__ import annotations

import pytest

import xmwidgets as xm
from xmwidgets.scale import TREC_SCALE, Level, Scale


def test_trec_scale_levels_names_and_keys() -> None:
    assert TREC_SCALE.values == [0, 1, 2, 3]
    assert [lv.name for lv in TREC_SCALE.levels] == [
        "not relevant",
        "related",
        "partially relevant",
        "exact match",
    ]
    assert [lv.key for lv in TREC_SCALE.levels] == ["0", "1", "2", "3"]
    assert all(lv.definition for lv in TREC_SCALE.levels)


def test_levels_sorted_and_mappings_accepted() -> None:
    s = Scale(levels=[{"value": 2, "name": "high"}, {"value": 0, "name": "none"}, Level(1, "some")])
    assert s.values == [0, 1, 2]
    assert s.level(2).name == "high"


def test_unknown_level_error_names_value_and_levels() -> None:
    with pytest.raises(
        ValueError, match=r"unknown relevance level 4: this scale has levels 0, 1, 2, 3"
    ):
        TREC_SCALE.validate(4)


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ([Level(0, "a", key="q"), Level(1, "b", key="q")], "duplicate level key 'q'"),
        ([Level(0, "a"), Level(0, "b")], "duplicate level value 0"),
        ([Level(0, "a"), Level(1, "a")], "duplicate level name 'a'"),
        ([], "at least one level"),
    ],
)
def test_bad_scales_get_clear_errors(levels: list[Level], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Scale(levels=levels)


def test_reserved_and_bad_keys() -> None:
    with pytest.raises(ValueError, match="reserved"):
        Level(5, "x", key="n")
    with pytest.raises(ValueError, match="single character"):
        Level(5, "x", key="ab")
    with pytest.raises(TypeError, match="not an int"):
        Level(1.5, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Int8"):
        Level(300, "x")


def test_version_changes_with_definitions() -> None:
    a = Scale(levels=[Level(0, "no", "nothing"), Level(1, "yes", "match")], name="bin")
    b = Scale(levels=[Level(0, "no", "nothing at all"), Level(1, "yes", "match")], name="bin")
    assert a.version != b.version and a.version.startswith("bin@")
    assert Scale(levels=a.levels, name="bin", version="v2").version == "v2"


def test_continuous_scale() -> None:
    s = Scale.continuous(0, 100, step=1)
    assert s.is_continuous and s.to_dict()["continuous"] is True
    assert s.validate(42.5) == 42.5
    with pytest.raises(ValueError, match=r"outside this scale's range 0\.\.100"):
        s.validate(101)
    with pytest.raises(ValueError, match="minimum < maximum"):
        Scale(minimum=5, maximum=5)


def test_public_names_and_to_dict() -> None:
    assert xm.Scale is Scale and xm.TREC_SCALE is TREC_SCALE
    d = TREC_SCALE.to_dict()
    assert d["version"] == "trec-0-3@1" and d["levels"][3]["name"] == "exact match"
    assert "exact match" in TREC_SCALE._repr_markdown_()


@pytest.mark.parametrize("key", [" ", "[", "]", "m", "g"])
def test_new_widget_keys_are_reserved(key: str) -> None:
    # Space plays media, [ ] seek, m flags broken media, g goes to a query (BRIEF keys)
    with pytest.raises(ValueError, match="is reserved for navigation or commands"):
        Level(5, "five", key=key)


def test_markdown_repr_shows_names_as_text_not_html() -> None:
    scale = Scale(
        levels=[
            Level(0, "<img src=x onerror=alert(1)>", "**bold** & <b>tags</b>"),
            Level(1, "a | b", "[link](javascript:alert(1))"),
        ],
        name="<script>alert(1)</script>",
        version="v`1`",
    )
    text = scale._repr_markdown_()
    assert "<img" not in text and "<script>" not in text and "<b>" not in text
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in text
    assert "\\*\\*bold\\*\\* &amp; &lt;b&gt;tags&lt;/b&gt;" in text
    assert "a \\| b" in text  # a pipe in a name does not split the table row
    assert "\\[link\\]\\(javascript:alert\\(1\\)\\)" in text
    assert text.count("\n|") == 4  # header, rule and two rows: nothing broke the table
    continuous = Scale.continuous(0, 1, name="<i>mag</i>")._repr_markdown_()
    assert "<i>" not in continuous and "&lt;i&gt;mag&lt;/i&gt;" in continuous
