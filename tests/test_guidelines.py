"""compare_guidelines: two rubric versions on the same items, on data whose answer is known."""

from __future__ import annotations

import pathlib
import re

import numpy as np
import pandas as pd
import pytest

import xmwidgets as xm
from xmwidgets.analysis._guidelines import GuidelineComparison, compare_guidelines


def _row(q: str, i: str, a: str, v: str, r: float | None, **extra: object) -> dict[str, object]:
    return {
        "query_id": q,
        "item_id": i,
        "annotator": a,
        "guideline_version": v,
        "relevance": r,
        **extra,
    }


def _half_shifted(n: int = 12) -> pd.DataFrame:
    """ana and ben agree on every item under v1 (grades 0, 1, 2 in turn); under v2 ana grades
    the even items exactly one level higher, ben grades everything as before."""
    rows = []
    for k in range(n):
        item, grade = f"i{k:02d}", k % 3
        for annotator in ("ana", "ben"):
            rows.append(_row("q1", item, annotator, "v1", grade))
            up = annotator == "ana" and k % 2 == 0
            rows.append(_row("q1", item, annotator, "v2", grade + up))
    return pd.DataFrame(rows)


def test_one_annotator_shifting_one_level_on_half_the_items() -> None:
    result = compare_guidelines(_half_shifted(), "v1", "v2")
    assert isinstance(result, GuidelineComparison) and xm.compare_guidelines is compare_guidelines
    assert result.confusion_basis == "same-annotator"
    per = result.per_annotator.set_index("annotator")
    assert per.loc["ana", "n_both"] == 12 and per.loc["ana", "mean_shift"] == 0.5
    assert per.loc["ana", "changed"] == 0.5
    assert per.loc["ben", "mean_shift"] == 0.0 and per.loc["ben", "changed"] == 0.0
    # each shifted item's mean moves by half a level (one of two annotators moved by one)
    even = {f"i{k:02d}" for k in range(0, 12, 2)}
    assert set(result.moved["item_id"]) == even
    assert (result.moved["shift"] == 0.5).all()
    shift = result.shift.set_index("item_id")
    assert (shift.loc[sorted(even), "shift"] == 0.5).all()
    assert (shift.drop(index=sorted(even))["shift"] == 0).all()
    assert shift.loc["i00", ["mean_before", "mean_after", "n_before", "n_after"]].tolist() == [
        0.0,
        0.5,
        2,
        2,
    ]
    # the confusion: 24 same-annotator pairs; ana's six even items moved g -> g+1
    expected = np.zeros((4, 4), dtype=int)
    for k in range(12):
        g = k % 3
        expected[g, g] += 1  # ben
        expected[g, g + (k % 2 == 0)] += 1  # ana
    assert result.confusion.to_numpy().tolist() == expected.tolist()
    assert result.confusion.index.name == "level (v1)"
    assert result.confusion.columns.name == "level (v2)"
    assert list(result.confusion.index) == [0, 1, 2, 3]  # level 3, used only under v2, is there
    # agreement within each version: perfect under v1, worse under v2
    assert result.alpha("v1") == 1.0
    assert result.alpha("v2") < 0.9
    assert result.within["n_pairable"].tolist() == [24, 24]


def test_within_is_the_agreement_of_each_version_alone() -> None:
    labels = _half_shifted()
    result = compare_guidelines(labels, "v1", "v2", n_boot=200, seed=3)
    v2 = labels[labels.guideline_version == "v2"]
    report = xm.agreement(v2, n_boot=200, seed=3)
    row = result.within.set_index("version").loc["v2"]
    assert row["alpha"] == pytest.approx(report.alpha_ordinal)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(report.alpha_ci)
    assert result.agreement["v2"].alpha_ordinal == pytest.approx(report.alpha_ordinal)


def test_moved_is_a_candidates_frame_with_every_grade() -> None:
    result = compare_guidelines(_half_shifted(), "v1", "v2")
    moved = result.moved
    assert list(moved.columns) == [
        "query_id",
        "item_id",
        "mean_before",
        "mean_after",
        "shift",
        "v1:ana",
        "v1:ben",
        "v2:ana",
        "v2:ben",
    ]
    first = moved.iloc[0]
    assert (first["item_id"], first["v1:ana"], first["v2:ana"], first["v2:ben"]) == (
        "i00",
        0,
        1,
        0,
    )
    assert str(moved["v2:ana"].dtype) == "Int8"


def test_moved_feeds_a_grid(built_bundle: pathlib.Path) -> None:
    result = compare_guidelines(_half_shifted(), "v1", "v2")
    queries = pd.DataFrame({"query_id": ["q1"], "text": ["a red bus"]})
    items = pd.DataFrame({"item_id": [f"i{k:02d}" for k in range(12)], "caption": "x"})
    grid = xm.RelevanceGrid(queries, items, result.moved, store=":memory:", annotator="rev")
    assert grid.progress["total"] == len(result.moved) == 6


def test_largest_moves_first_whatever_the_sign() -> None:
    labels = pd.DataFrame(
        [
            _row("q1", "a", "ana", "v1", 3),
            _row("q1", "a", "ana", "v2", 1),  # -2
            _row("q1", "b", "ana", "v1", 0),
            _row("q1", "b", "ana", "v2", 1),  # +1
            _row("q2", "c", "ana", "v1", 1),
            _row("q2", "c", "ana", "v2", 0),  # -1
            _row("q2", "d", "ana", "v1", 2),
            _row("q2", "d", "ana", "v2", 2),  # 0
        ]
    )
    result = compare_guidelines(labels, "v1", "v2")
    assert result.moved["item_id"].tolist() == ["a", "b", "c"]
    assert result.moved["shift"].tolist() == [-2.0, 1.0, -1.0]
    assert result.shift["item_id"].tolist() == ["a", "b", "c", "d"]


def test_other_annotators_under_v2_give_all_pairs_confusion() -> None:
    # v1 by ana and ben, v2 by cid alone: no one read both versions
    labels = pd.DataFrame(
        [
            _row("q1", "a", "ana", "v1", 1),
            _row("q1", "a", "ben", "v1", 2),
            _row("q1", "a", "cid", "v2", 3),
            _row("q1", "b", "ana", "v1", 0),
            _row("q1", "b", "ben", "v1", 0),
            _row("q1", "b", "cid", "v2", 0),
        ]
    )
    result = compare_guidelines(labels, "v1", "v2")
    assert result.confusion_basis == "all" and result.per_annotator.empty
    cm = result.confusion
    assert (cm.loc[1, 3], cm.loc[2, 3], cm.loc[0, 0]) == (1, 1, 2)
    assert cm.to_numpy().sum() == 4
    assert result.shift.set_index("item_id").loc["a", "shift"] == 1.5
    # α within v2 is undefined with one annotator: NaN and a note, not an error
    v2 = result.within.set_index("version").loc["v2"]
    assert np.isnan(v2["alpha"]) and v2["note"] == "one annotator: α needs two"
    assert result.agreement["v2"] is None
    # asked for same-annotator pairs, there are none
    strict = compare_guidelines(labels, "v1", "v2", pairs="same-annotator")
    assert strict.confusion_basis == "same-annotator" and strict.confusion.to_numpy().sum() == 0


def test_units_of_one_version_only_are_counted_not_compared() -> None:
    labels = pd.DataFrame(
        [
            _row("q1", "a", "ana", "v1", 1),
            _row("q1", "a", "ana", "v2", 2),
            _row("q1", "b", "ana", "v1", 1),  # v1 only
            _row("q1", "c", "ana", "v2", 0),  # v2 only
            _row("q1", "e", "ana", "v2", 3),  # v2 only
        ]
    )
    result = compare_guidelines(labels, "v1", "v2")
    assert result.shift["item_id"].tolist() == ["a"]
    assert (result.only_before, result.only_after) == (1, 2)


def test_rows_that_are_not_annotator_grades_are_left_out() -> None:
    labels = pd.DataFrame(
        [
            _row("q1", "a", "ana", "v1", 1, task="grade", role=None),
            _row("q1", "a", "ana", "v2", 2, task="grade", role="annotator"),
            # an adjudicated grade, a pick event, a broken-media row, and a third version
            _row("q1", "a", "boss", "v2", 0, task="grade", role="adjudicator"),
            _row("q1", "a", "ana", "v2", 0, task="pick", role=None),
            _row("q1", "b", "ana", "v2", None, task="grade", role=None),
            _row("q1", "a", "ana", "v3", 0, task="grade", role=None),
        ]
    )
    result = compare_guidelines(labels, "v1", "v2")
    assert result.shift[["item_id", "mean_before", "mean_after"]].values.tolist() == [
        ["a", 1.0, 2.0]
    ]
    assert result.moved.columns[-2:].tolist() == ["v1:ana", "v2:ana"]
    assert result.only_after == 0


def test_magnitude_is_compared_on_the_interval_level() -> None:
    krippendorff = pytest.importorskip("krippendorff")
    rows = []
    for k, (x, y) in enumerate([(10.0, 12.0), (50.0, 48.0), (90.0, 95.0), (30.0, 30.0)]):
        rows += [
            {**_row("q1", f"i{k}", "ana", "v1", None), "magnitude": x},
            {**_row("q1", f"i{k}", "ben", "v1", None), "magnitude": y},
            {**_row("q1", f"i{k}", "ana", "v2", None), "magnitude": x + 10},
            {**_row("q1", f"i{k}", "ben", "v2", None), "magnitude": y},
        ]
    result = compare_guidelines(pd.DataFrame(rows), "v1", "v2", value="magnitude")
    assert result.confusion is None and result.value == "magnitude"
    assert (result.shift["shift"] == 5.0).all() and len(result.moved) == 4
    expected = krippendorff.alpha(
        reliability_data=[[10, 50, 90, 30], [12, 48, 95, 30]], level_of_measurement="interval"
    )
    assert result.alpha("v1") == pytest.approx(expected)
    assert str(result.moved["v2:ana"].dtype) == "Float64"
    assert result.per_annotator.set_index("annotator").loc["ana", "mean_shift"] == 10.0
    fig = result.plot()
    assert len(fig.axes) == 1  # no confusion for a continuous value


@pytest.mark.parametrize(
    ("labels", "args", "message"),
    [
        (
            pd.DataFrame([_row("q", "a", "ana", "v1", 1)]),
            ("v1", "v2"),
            r"no graded judgement under guideline_version 'v2' in labels; versions present: 'v1'",
        ),
        (pd.DataFrame([_row("q", "a", "ana", "v1", 1)]), ("v1", "v1"), "both 'v1'"),
        (
            pd.DataFrame([_row("q", "a", "ana", "v1", 1), _row("q", "b", "ana", "v2", 1)]),
            ("v1", "v2"),
            r"no unit \(query_id, item_id\) is graded under both 'v1' \(1 units\) and 'v2'",
        ),
        (
            pd.DataFrame([{"query_id": "q", "item_id": "a", "annotator": "x", "relevance": 1}]),
            ("v1", "v2"),
            r"missing column\(s\) 'guideline_version'",
        ),
        (
            pd.DataFrame([_row("q", "a", "ana", "v1", 7), _row("q", "a", "ana", "v2", 1)]),
            ("v1", "v2"),
            r"relevance 7 is not a level of the scale \(0, 1, 2, 3\)",
        ),
        (
            pd.DataFrame(
                [
                    _row("q", "a", "ana", "v1", 1),
                    _row("q", "a", "ana", "v1", 2),
                    _row("q", "a", "ana", "v2", 1),
                ]
            ),
            ("v1", "v2"),
            "annotator 'ana' judged q/a more than once",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(
    labels: pd.DataFrame, args: tuple[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        compare_guidelines(labels, *args)


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="value must be 'relevance'"):
        compare_guidelines(_half_shifted(), "v1", "v2", value="score")
    with pytest.raises(ValueError, match="pairs must be"):
        compare_guidelines(_half_shifted(), "v1", "v2", pairs="some")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="version 'v9' is not compared here"):
        compare_guidelines(_half_shifted(), "v1", "v2").alpha("v9")


def test_scale_gives_the_levels() -> None:
    labels = pd.DataFrame([_row("q", "a", "ana", "v1", 1), _row("q", "a", "ana", "v2", 5)])
    five = xm.Scale([xm.Level(v, f"l{v}") for v in range(1, 6)])
    result = compare_guidelines(labels, "v1", "v2", scale=five)
    assert list(result.confusion.columns) == [1, 2, 3, 4, 5]
    assert result.confusion.loc[1, 5] == 1


def test_plot_draws_the_confusion_and_the_shifts() -> None:
    result = compare_guidelines(_half_shifted(), "v1", "v2")
    fig = result.plot()
    heat, bars = fig.axes[0], fig.axes[1]
    assert heat.images[0].get_array().tolist() == result.confusion.to_numpy().tolist()
    heights = {round(p.get_x() + p.get_width() / 2, 3): p.get_height() for p in bars.patches}
    assert heights == {0.0: 6, 0.5: 6}
    assert "v1 (α 1.000) → v2" in fig._suptitle.get_text()
    assert fig._repr_png_().startswith(b"\x89PNG")


def test_html_report_shows_names_as_text() -> None:
    labels = _half_shifted().replace({"ana": "<b>ana</b>", "v2": "<i>v2</i>", "i00": "<img>"})
    result = compare_guidelines(labels, "v1", "<i>v2</i>")
    text = result._repr_html_()
    assert "<b>ana" not in text and "<i>v2" not in text and "<img>" not in text
    assert "&lt;i&gt;v2&lt;/i&gt;" in text and "&lt;img&gt;" in text
    assert "Moved most" in text and "same-annotator pairs" in text
    assert "6 moved" in repr(result) and "α 1.000 -> " in repr(result)


def test_two_grids_under_two_rubric_versions_compared(built_bundle: pathlib.Path) -> None:
    from test_grid import Browser, grade

    queries = pd.DataFrame({"query_id": ["q1"], "text": ["a red bus on a bridge"]})
    items = pd.DataFrame({"item_id": ["i1", "i2", "i3"], "caption": ["bus", "tram", "ramen"]})
    candidates = pd.DataFrame({"query_id": "q1", "item_id": ["i1", "i2", "i3"]})
    v1 = xm.MATCHING_RUBRIC
    v2 = v1.revise(version="matching@2", levels={1: {"rule": "same scene counts as 1"}})
    frames = []
    for rubric, grades in ((v1, [3, 0, 0]), (v2, [3, 1, 0])):
        grid = xm.RelevanceGrid(
            queries, items, candidates, scale=rubric, store=":memory:", annotator="ana"
        )
        Browser(grid).judge(
            *[grade("q1", i, g) for i, g in zip(["i1", "i2", "i3"], grades, strict=True)]
        )
        frames.append(grid.labels)
    result = compare_guidelines(pd.concat(frames), "matching@1", "matching@2", scale=v1)
    assert result.moved[["item_id", "shift"]].values.tolist() == [["i2", 1.0]]
    assert result.confusion.loc[0, 1] == 1 and result.confusion.to_numpy().trace() == 2


def test_one_store_over_two_rubric_versions_needs_one_version_selected(
    built_bundle: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    # the store keeps both versions' grades of a pair; qrels and agreement must not mix them
    from test_grid import Browser, grade

    queries = pd.DataFrame({"query_id": ["q1"], "text": ["a red bus on a bridge"]})
    items = pd.DataFrame({"item_id": ["i1", "i2"], "caption": ["bus", "tram"]})
    candidates = pd.DataFrame({"query_id": "q1", "item_id": ["i1", "i2"]})
    store = tmp_path / "labels.sqlite"
    v2 = xm.MATCHING_RUBRIC.revise(version="v2")
    grades = {("matching@1", "ana"): [3, 0], ("matching@1", "bob"): [3, 0],
              ("v2", "ana"): [0, 0], ("v2", "bob"): [0, 2]}  # fmt: skip
    for rubric in (xm.MATCHING_RUBRIC, v2):
        for annotator in ("ana", "bob"):
            grid = xm.RelevanceGrid(
                queries, items, candidates, scale=rubric, store=str(store), annotator=annotator
            )
            mine = grades[(rubric.version, annotator)]
            Browser(grid).judge(grade("q1", "i1", mine[0]), grade("q1", "i2", mine[1]))
            grid.close()
    labels = xm.open_store(str(store)).labels()
    assert sorted(labels.guideline_version.unique()) == ["matching@1", "v2"]
    run = pd.DataFrame({"query_id": ["q1"], "item_id": ["i1"], "score": [1.0]})
    mixed = r"q1/i1 was graded under guideline_version 'matching@1', 'v2' \(annotators? "
    select = r"Select one version first, e.g. labels\[labels.guideline_version == 'v2'\]"
    for call in (
        lambda: xm.to_qrels(labels),
        lambda: xm.to_qrels(labels, aggregate="max"),
        lambda: xm.evaluate(labels, run, ["P@1"]),
        lambda: xm.evaluate(labels, run, ["P@1"], annotator="ana"),
        lambda: xm.agreement(labels),
    ):
        with pytest.raises(ValueError, match=mixed) as err:
            call()
        assert re.search(select, str(err.value)) and "compare_guidelines" in str(err.value)
        assert "campaign" not in str(err.value)
    with pytest.raises(ValueError, match=r"\(annotator 'ana'\): qrels need one guideline version"):
        xm.to_qrels(labels, annotator="ana")
    with pytest.raises(ValueError, match=r"'ana', 'bob'\): agreement needs one guideline version"):
        xm.agreement(labels)
    # one version selected: its grades alone (the mean of v1's 3 and v2's 0 was a 2, P@1 1.0)
    new = labels[labels.guideline_version == "v2"]
    assert xm.to_qrels(new).relevance.tolist() == [0, 1]
    assert xm.evaluate(new, run, ["P@1"]).value.tolist() == [0.0]
    assert xm.evaluate(new, run, ["P@1"], annotator="ana").value.tolist() == [0.0]
    assert xm.agreement(labels[labels.guideline_version == "matching@1"]).alpha_nominal == 1.0
    assert xm.agreement(new).disagreements.item_id.tolist() == ["i2"]
