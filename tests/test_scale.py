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
    assert s.validate(42) == 42.0
    with pytest.raises(ValueError, match=r"outside this scale's range 0\.\.100"):
        s.validate(101)
    # the step is part of the scale: 42.5 is between two of its steps
    with pytest.raises(ValueError) as off:
        s.validate(42.5)
    assert (
        str(off.value) == "magnitude 42.5 is not on this scale's steps of 1 from 0 (e.g. 42 or 43)"
    )
    tenths = Scale.continuous(0, 1, step=0.1)
    assert tenths.validate(0.1 + 0.2) == 0.1 + 0.2  # a float sum of steps is on a step
    assert Scale.continuous(0, 10, step=3).validate(10) == 10.0  # the maximum always is
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


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        # each used to be a bare error from inside: "'int' object is not iterable", "Level.__init__()
        # got an unexpected keyword argument", "dictionary update sequence element #0 ..."
        ({0: "no", 1: "yes"}, r"levels must be a list of Level .* got dict \{0: 'no', 1: 'yes'\}"),
        ("0123", "levels must be a list of Level"),
        (None, "levels must be a list of Level"),
        ([(0, "no"), (1, "yes")], r"level 0 is tuple \(0, 'no'\): give a Level or a mapping"),
        (
            [{"value": 0, "nam": "no"}],
            r"level 0 .*unknown field\(s\) 'nam'; no name; it takes value",
        ),
        ([{"name": "no"}], r"level 0 \{'name': 'no'\}: no value"),
        # names that look the same on the buttons
        ([Level(0, "Relevant"), Level(1, "relevant ")], "duplicate level name 'relevant'"),
    ],
)
def test_malformed_levels_get_clear_errors(levels: object, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        Scale(levels=levels)  # type: ignore[arg-type]


def test_numpy_integer_levels_are_ints() -> None:
    np = pytest.importorskip("numpy")
    scale = Scale(levels=[Level(np.int64(v), f"l{v}") for v in range(3)])
    assert scale.values == [0, 1, 2] and all(type(v) is int for v in scale.values)
    assert scale.to_dict()["levels"][2]["value"] == 2


@pytest.mark.parametrize("value", [2.5, "3", True, float("nan"), None])
def test_level_and_validate_do_not_round_or_convert(value: object) -> None:
    # int() made 2.5 level 2, "3" level 3 and True level 1
    with pytest.raises(ValueError, match=r"unknown relevance level .*: this scale has levels 0, 1"):
        TREC_SCALE.level(value)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown relevance level"):
        TREC_SCALE.validate(value)  # type: ignore[arg-type]
    assert TREC_SCALE.level(2.0).name == "partially relevant"  # a whole float is its level


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"maximum": float("inf")},
            r"finite numbers minimum < maximum, got minimum=0, maximum=inf",
        ),
        ({"minimum": float("nan")}, "finite numbers minimum < maximum"),
        ({"step": 0}, r"step must be a number above 0 and at most maximum - minimum \(100\)"),
        ({"step": -5}, "step must be a number above 0"),
        ({"step": float("nan")}, "step must be a number above 0"),
        ({"step": 500}, r"at most maximum - minimum \(100\), got .*step=500"),
        ({"step": "x"}, "step must be a number above 0"),  # was "could not convert string to float"
    ],
)
def test_bad_continuous_ranges_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Scale.continuous(**kwargs)


def test_a_step_on_a_scale_of_levels_is_refused() -> None:
    # it was stored and ignored
    with pytest.raises(ValueError, match=r"step=2 is for a continuous scale .*leave step out"):
        Scale(levels=[Level(0, "no"), Level(1, "yes")], step=2)


def test_levels_no_key_reaches_are_named() -> None:
    """Levels below 0 or above 9 get no digit key: the keyboard cannot reach them."""
    with pytest.warns(
        UserWarning,
        match=r"levels -1 \('spam'\), 10 \('l10'\) have no key .*mouse only.*key='q'",
    ):
        scale = Scale(levels=[Level(-1, "spam"), *(Level(v, f"l{v}") for v in range(11))])
    assert [lv.key for lv in scale.levels][:2] == [None, "0"]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keyed = Scale(levels=[Level(-1, "spam", key="q"), Level(0, "no")])
    assert keyed.level(-1).key == "q"


def test_a_flag_named_like_a_level_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"flag 'dissonant' has the name of level 1 \('Dissonant'\)"
    ):
        Scale(levels=[Level(0, "fine"), Level(1, "Dissonant")], flags=["dissonant"])


def test_an_empty_scale_name_is_refused() -> None:
    # the version was '@85c9df1a'
    with pytest.raises(ValueError, match=r"scale name ' ' is empty"):
        Scale(levels=[Level(0, "no")], name=" ")


def test_revise_with_level_keys_that_are_not_ints() -> None:
    # levels={"2": None} was a bare KeyError: '2' from inside revise()
    with pytest.raises(TypeError, match=r"levels=\{'2': \.\.\.\}: the keys .* are level values"):
        TREC_SCALE.revise(levels={"2": None})  # type: ignore[dict-item]
    assert TREC_SCALE.values == [0, 1, 2, 3]
    assert TREC_SCALE.revise(levels={2: None}).values == [0, 1, 3]


@pytest.mark.parametrize(
    ("flags", "examples", "message"),
    [
        (
            [{"nme": "x"}],
            (),
            r"flag \{'nme': 'x'\}: unknown field\(s\) 'nme'; no name; it takes name",
        ),
        ((), [{"text": "a bus"}], r"example \{'text': 'a bus'\}: unknown field\(s\) 'text'"),
        ((), None, "level 0 examples must be a list of examples"),  # was 'NoneType' not iterable
    ],
)
def test_malformed_flags_and_examples_get_clear_errors(
    flags: object, examples: object, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        Scale(levels=[Level(0, "no", examples=examples)], flags=flags)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "what", "fixed"),
    [
        ("partially\nrelevant", r"a newline \(U\+000A\) at position 9", "'partially relevant'"),
        ("highly relevant\n", r"a newline \(U\+000A\) at position 15", "'highly relevant'"),
        ("not\trelevant", r"a tab \(U\+0009\) at position 3", "'not relevant'"),
        ("exact\r\nmatch", r"a carriage return \(U\+000D\) at position 5", "'exact match'"),
        ("re\x07lated", r"a control character \(U\+0007\) at position 2", "'re lated'"),
        (
            "on topic\u2028mostly",
            r"a line separator \(U\+2028\) at position 8",
            "'on topic mostly'",
        ),
        ("on topic\u2029", r"a paragraph separator \(U\+2029\)", "'on topic'"),
    ],
)
def test_a_level_name_on_several_lines_or_with_control_characters_is_refused(
    name: str, what: str, fixed: str
) -> None:
    # a level's name is one line on its button, in the legend and in the rubric: a newline there
    # read as a space on the button and broke the legend's line; a tab or a bell showed as a gap
    # or as nothing, so that two names could look the same
    with pytest.raises(ValueError, match=rf"level 2 name .* holds {what}") as refused:
        Level(2, name)
    message = str(refused.value)
    assert repr(name) in message  # the offending name, escapes visible
    assert f"e.g. Level(2, {fixed}, ...)" in message  # what to write instead
    assert "definition=" in message
    # the same through a Scale of mappings, and as a level given to revise()
    with pytest.raises(ValueError, match=rf"level 2 name .* holds {what}"):
        Scale(levels=[{"value": 0, "name": "no"}, {"value": 2, "name": name}])
    with pytest.raises(ValueError, match=rf"level 2 name .* holds {what}"):
        TREC_SCALE.revise(version="v2", levels={2: {"name": name}})


def test_a_level_name_of_control_characters_only_says_to_use_visible_ones() -> None:
    with pytest.raises(ValueError, match=r"holds a control character \(U\+0000\).*visible"):
        Level(1, "\x00")


def test_long_level_names_and_other_scripts_are_kept_as_given() -> None:
    # long names are the front end's to wrap and cut (with the whole name in the tooltip); spaces,
    # punctuation, emoji and non-Latin scripts are names like any other
    names = [
        "not relevant to the query in any way at all",
        "partially relevant but from the wrong domain entirely",
        "relevant_but_misses_one_detail_of_the_query_such_as_a_colour",
        "完全一致 👍🏽",
    ]
    scale = Scale(levels=[Level(i, name) for i, name in enumerate(names)], name="long")
    assert [lv.name for lv in scale.levels] == names
    assert [lv["name"] for lv in scale.to_dict()["levels"]] == names


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"levels": [Level(0, "no\ud800"), Level(1, "yes")]}, "levels[0].name 'no\\ud800'"),
        ({"levels": [Level(0, "no"), Level(1, "yes", "a \udfff")]}, "levels[1].definition"),
        ({"levels": [Level(0, "no", rule="r\udc80")]}, "levels[0].rule"),
        ({"levels": [Level(0, "no")], "description": "x\udc80y"}, "description 'x\\udc80y'"),
        ({"levels": [Level(0, "no")], "version": "v\ud800"}, "version"),
        ({"levels": [Level(0, "no")], "title": "t\ud83d"}, "title"),
    ],
)
def test_a_lone_surrogate_in_the_scale_text_is_refused(kwargs: dict, where: str) -> None:
    # it failed later, with a bare UnicodeEncodeError, when a widget opened on a store
    with pytest.raises(ValueError, match="lone surrogate") as caught:
        Scale(**kwargs)
    message = str(caught.value)
    assert f"the scale's {where}" in message
    assert "text.encode('utf-8', 'replace').decode('utf-8')" in message


def test_text_outside_the_basic_plane_is_text() -> None:
    scale = Scale([Level(0, "no é ✓ 😀", "a 🐈 on a mat")], description="🚌")
    assert scale.level(0).name == "no é ✓ 😀"


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("near-dupicate", "near-duplicate"),
        ("Dissonant", "dissonant"),
        ("brokenmedia", "broken-media"),
    ],
)
def test_a_flag_named_like_a_builtin_one_warns_of_the_typo(given: str, meant: str) -> None:
    with pytest.warns(UserWarning) as caught:
        s = Scale([Level(0, "no"), Level(1, "yes")], flags=[given])
    assert str(caught[0].message).startswith(
        f"flag {given!r} is not a built-in flag, so it has no key and no definition: "
        f"did you mean {meant!r}?"
    )
    assert s.flags == (given,) and s.flag(given).key is None  # kept as given: only a warning


def test_flags_of_their_own_and_builtin_names_do_not_warn() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Scale([Level(0, "no")], flags=["near-duplicate", "too-dark", "duplicate"])
        # a flag with a definition is meant as one of its own
        Scale([Level(0, "no")], flags=[xm.Flag("dissonance", "The sound does not fit.")])


def test_a_scale_reads_as_its_version_in_the_store_filters() -> None:
    import pandas as pd

    from xmwidgets.store import open_store

    store = open_store(":memory:")
    labels = pd.DataFrame({"query_id": ["q1", "q1"], "item_id": ["d1", "d2"], "relevance": [3, 0]})
    store.import_labels(labels, annotator="ana", guideline_version=TREC_SCALE)
    assert str(TREC_SCALE) == "trec-0-3@1"
    read = store.labels(guideline_version=TREC_SCALE)
    assert read["item_id"].tolist() == ["d1", "d2"]
    assert read["guideline_version"].tolist() == ["trec-0-3@1"] * 2
    assert len(store.labels(guideline_version=[TREC_SCALE, "v9"], columns=["item_id"])) == 2
    assert len(store.events(guideline_version=TREC_SCALE)) == 2
    assert store.labels(guideline_version=xm.MATCHING_RUBRIC).empty
