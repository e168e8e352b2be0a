"""Agreement: published reference values entered as labels frames, the report, and the errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xmwidgets as xm
from xmwidgets.analysis._bootstrap import alpha_from_coincidences, unit_coincidences
from xmwidgets.analysis.agreement import _graded, _value_counts
from xmwidgets.scale import Level, Scale

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers × 12 units
KRIPPENDORFF_2011 = """\
1 2 3 3 2 1 4 1 2 . . .
1 2 3 3 2 2 4 1 2 5 . 3
. 3 3 3 2 3 4 2 2 5 1 .
1 2 3 3 2 4 4 1 2 5 1 ."""

# Fleiss (1971): 30 subjects × 6 ratings, categories 1..5
FLEISS_1971 = """\
444444 222555 233335 555555 222444 113333 333355 113334 114444 555555
144444 124444 222333 144444 224445 333335 111455 111112 224444 133555
555555 244444 224555 114444 144445 222224 111155 224444 133333 555555"""


def _krippendorff_labels() -> pd.DataFrame:
    rows = []
    for observer, line in enumerate(KRIPPENDORFF_2011.splitlines()):
        for unit, value in enumerate(line.split()):
            rows.append(
                {
                    "query_id": "q",
                    "item_id": f"u{unit}",
                    "annotator": f"observer{observer}",
                    "relevance": None if value == "." else int(value),
                }
            )
    labels = pd.DataFrame(rows)
    labels["relevance"] = labels["relevance"].astype("Int8")  # as the store gives it
    return labels


def _fleiss_labels() -> pd.DataFrame:
    rows = [
        {"query_id": f"s{s}", "item_id": "x", "annotator": f"r{r}", "relevance": int(v)}
        for s, ratings in enumerate(FLEISS_1971.split())
        for r, v in enumerate(ratings)
    ]
    return pd.DataFrame(rows)


def _cohen_labels() -> pd.DataFrame:
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]  # rows: rater A, columns: rater B
    rows, unit = [], 0
    for a, row in enumerate(table):
        for b, count in enumerate(row):
            for _ in range(count):
                rows.append(
                    {"query_id": "q", "item_id": f"u{unit}", "annotator": "A", "relevance": a}
                )
                rows.append(
                    {"query_id": "q", "item_id": f"u{unit}", "annotator": "B", "relevance": b}
                )
                unit += 1
    return pd.DataFrame(rows)


ONE_TO_FIVE = Scale([Level(v, f"level {v}", key=str(v)) for v in range(1, 6)], name="one-to-five")


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_reference_values(level: str, expected: float) -> None:
    labels = _krippendorff_labels()
    assert round(xm.krippendorff_alpha(labels, level, value_domain=range(1, 6)), 3) == expected
    assert round(xm.krippendorff_alpha(labels, level, scale=ONE_TO_FIVE), 3) == expected


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_vectorised_alpha_of_the_bootstrap_equals_the_package(level: str) -> None:
    labels = _krippendorff_labels()
    frame, domain = _graded(labels, None, range(1, 6))
    counts, _ = _value_counts(frame, domain)
    coinc = unit_coincidences(counts[counts.sum(axis=1) >= 2]).sum(axis=0)
    mine = alpha_from_coincidences(coinc, level, np.array(domain, dtype=float))
    assert mine == pytest.approx(xm.krippendorff_alpha(labels, level, value_domain=domain))


def test_values_outside_the_default_trec_scale_are_an_error_that_says_what_to_do() -> None:
    with pytest.raises(ValueError, match=r"relevance 4 is not on scale 'trec-0-3'.*value_domain"):
        xm.krippendorff_alpha(_krippendorff_labels())


def test_fleiss_1971_reference_value() -> None:
    assert round(xm.fleiss_kappa(_fleiss_labels(), value_domain=range(1, 6)), 3) == 0.430


def test_fleiss_with_unequal_numbers_of_ratings_points_to_alpha() -> None:
    labels = pd.DataFrame(
        {
            "query_id": ["q1"] * 9,
            "item_id": ["i1"] * 3 + ["i2"] * 3 + ["i3"] * 3,
            "annotator": ["a", "b", "c"] * 3,
            "relevance": [1, 1, 2, 0, 0, 0, 3, 3, None],
        }
    )
    message = (
        "unit q1/i3 has 2 judgements, others 3: Fleiss' kappa needs the same number per unit; "
        "use krippendorff_alpha, which allows missing judgements"
    )
    with pytest.raises(ValueError) as err:
        xm.fleiss_kappa(labels)
    assert str(err.value) == message


def test_cohen_reference_table() -> None:
    labels = _cohen_labels()
    assert round(xm.cohen_kappa(labels, "A", "B", value_domain=[0, 1, 2]), 4) == 0.4842
    assert round(xm.cohen_kappa(labels, "A", "B", "linear", value_domain=[0, 1, 2]), 4) == 0.4701
    # an unused top level of the TREC scale leaves the linear weights of 0..2 unchanged
    assert round(xm.cohen_kappa(labels, "A", "B", "linear"), 4) == 0.4701


def test_cohen_weights_follow_scale_positions_so_an_unused_middle_level_counts() -> None:
    labels = pd.DataFrame(
        {
            "query_id": "q",
            "item_id": [u for u in "abcdef" for _ in range(2)],
            "annotator": ["x", "y"] * 6,
            "relevance": [0, 0, 0, 1, 1, 3, 3, 3, 3, 1, 1, 1],
        }
    )
    full = xm.cohen_kappa(labels, "x", "y", "linear")  # domain 0..3: 1 and 3 are two steps apart
    squeezed = xm.cohen_kappa(labels, "x", "y", "linear", value_domain=[0, 1, 3])
    assert full == pytest.approx(0.347826, abs=1e-6)
    assert squeezed == pytest.approx(0.4)


def test_cohen_uses_only_units_both_judged_and_names_missing_annotators() -> None:
    labels = _cohen_labels()
    extra = pd.DataFrame([{"query_id": "q", "item_id": "only-a", "annotator": "A", "relevance": 2}])
    both = pd.concat([labels, extra], ignore_index=True)
    assert xm.cohen_kappa(both, "A", "B") == pytest.approx(xm.cohen_kappa(labels, "A", "B"))
    with pytest.raises(ValueError, match=r"annotator 'C' has no graded judgements.*'A', 'B'"):
        xm.cohen_kappa(labels, "A", "C")


def test_only_grade_rows_with_a_relevance_count() -> None:
    labels = _cohen_labels().assign(task="grade")
    noise = pd.DataFrame(
        [
            {"query_id": "q", "item_id": "u0", "annotator": "C", "relevance": 3, "task": "pick"},
            {
                "query_id": "q",
                "item_id": "u1",
                "annotator": "C",
                "relevance": None,
                "task": "grade",
            },
        ]
    )
    noisy = pd.concat([labels, noise], ignore_index=True)
    assert xm.krippendorff_alpha(noisy) == pytest.approx(xm.krippendorff_alpha(labels))


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match=r"labels is missing column\(s\) 'annotator'"):
        xm.krippendorff_alpha(pd.DataFrame({"query_id": [], "item_id": [], "relevance": []}))


def test_two_judgements_by_one_annotator_on_a_unit_is_an_error() -> None:
    labels = pd.DataFrame(
        {
            "campaign": ["c1", "c2", "c1"],
            "query_id": "q",
            "item_id": "a",
            "annotator": ["x", "x", "y"],
            "relevance": [1, 2, 1],
        }
    )
    with pytest.raises(ValueError, match=r"'x' judged q/a more than once \(campaigns 'c1', 'c2'\)"):
        xm.krippendorff_alpha(labels)


def test_no_overlap_is_an_error() -> None:
    labels = pd.DataFrame(
        {"query_id": "q", "item_id": ["a", "b"], "annotator": ["x", "y"], "relevance": [1, 2]}
    )
    with pytest.raises(ValueError, match="no unit"):
        xm.agreement(labels)


def test_agreement_report_on_krippendorff_data() -> None:
    labels = _krippendorff_labels()
    report = xm.agreement(labels, value_domain=range(1, 6), n_boot=500, seed=1)
    assert round(report.alpha_ordinal, 3) == 0.815
    assert round(report.alpha_nominal, 3) == 0.743
    assert report.n_units == 12
    assert report.n_pairable == 40  # unit 12 has a single judgement and is not pairable
    low, high = report.alpha_ci
    assert low < report.alpha_ordinal <= high <= 1.0
    # seeded: the same seed gives the same interval, another seed another one
    again = xm.agreement(labels, value_domain=range(1, 6), n_boot=500, seed=1)
    assert again.alpha_ci == report.alpha_ci
    assert (
        xm.agreement(labels, value_domain=range(1, 6), n_boot=500, seed=2).alpha_ci
        != report.alpha_ci
    )

    # pairwise κ agree with cohen_kappa (sklearn) on every pair
    assert len(report.pairwise) == 6
    for row in report.pairwise.itertuples():
        for weights, value in (("linear", row.kappa_linear), ("quadratic", row.kappa_quadratic)):
            expected = xm.cohen_kappa(
                labels, row.annotator_a, row.annotator_b, weights, value_domain=range(1, 6)
            )
            assert value == pytest.approx(expected)
    # the confusion matrix sums the pairs: its total is the sum of n, its diagonal the agreements
    assert report.confusion.to_numpy().sum() == report.pairwise["n"].sum()
    assert list(report.confusion.index) == [1, 2, 3, 4, 5]

    dis = report.disagreements
    assert list(dis.columns[:3]) == ["query_id", "item_id", "spread"]
    assert dis["item_id"].tolist() == ["u5", "u1", "u7"]
    assert dis["spread"].tolist() == [3, 1, 1]
    assert dis.loc[0, ["observer0", "observer1", "observer2", "observer3"]].tolist() == [1, 2, 3, 4]
    html = report._repr_html_()
    assert "0.815" in html and "u5" in html


def test_disagreements_feed_back_as_candidates() -> None:
    report = xm.agreement(_cohen_labels(), n_boot=50)
    candidates = report.disagreements[["query_id", "item_id"]]
    # 4 + 1 + 1 off-diagonal units in the Cohen table
    assert len(candidates) == 6
    assert candidates["query_id"].map(type).eq(str).all()


def test_bootstrap_interval_narrows_with_more_units() -> None:
    rng = np.random.default_rng(0)

    def noisy(units: int) -> pd.DataFrame:
        truth = rng.integers(0, 4, units)
        rows = [
            {
                "query_id": "q",
                "item_id": f"u{u}",
                "annotator": name,
                "relevance": int(np.clip(truth[u] + rng.integers(-1, 2), 0, 3)),
            }
            for u in range(units)
            for name in ("ana", "ben", "cy")
        ]
        return pd.DataFrame(rows)

    small = xm.agreement(noisy(30), n_boot=300)
    large = xm.agreement(noisy(600), n_boot=300)
    assert np.diff(large.alpha_ci)[0] < np.diff(small.alpha_ci)[0]


def test_report_repr_is_one_readable_line() -> None:
    report = xm.agreement(_cohen_labels(), n_boot=50)
    text = repr(report)
    assert text.startswith("AgreementReport(alpha_ordinal=") and "\n" not in text
    assert "2 annotators, 19 units, 38 pairable judgements, 6 disagreements" in text


def test_alpha_is_nan_without_variation() -> None:
    labels = pd.DataFrame(
        {
            "query_id": "q",
            "item_id": ["a", "a", "b", "b"],
            "annotator": ["x", "y"] * 2,
            "relevance": 0,
        }
    )
    # the NaN comes with the reason, not bare
    with pytest.warns(UserWarning, match=r"alpha is undefined \(NaN\): every judgement on the 2 "):
        assert np.isnan(xm.krippendorff_alpha(labels))
    with pytest.warns(UserWarning, match=r"is level 0, so there is no variation") as caught:
        report = xm.agreement(labels, n_boot=20)
    assert len(caught) == 1  # once, not per level of measurement
    assert np.isnan(report.alpha_ordinal) and report.disagreements.empty
    assert "α is undefined (NaN)" in report._repr_html_()
    # Fleiss' kappa: statsmodels' own 'invalid value encountered in scalar divide' leaked out
    import warnings

    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        assert np.isnan(xm.fleiss_kappa(labels))
    assert [str(w.message)[:60] for w in said] == [
        "Fleiss' kappa is undefined (NaN): every judgement on the 2 u"
    ]


def test_report_html_shows_annotator_and_item_names_as_text() -> None:
    evil = "<img src=x onerror=alert(1)>"
    labels = pd.DataFrame(
        {
            "query_id": ["q<1>"] * 4,
            "item_id": [evil, evil, "b", "b"],
            "annotator": [evil, "ben"] * 2,
            "relevance": [3, 1, 0, 1],
        }
    )
    page = xm.agreement(labels, n_boot=10)._repr_html_()
    assert "<img" not in page and "q<1>" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 3  # pairwise, header, item


@pytest.mark.parametrize(
    ("kwargs", "error", "expected"),
    [
        ({"ci_level": 95}, ValueError, r"ci_level must be a number between 0 and 1 \(e\.g\. 0\.95 "
         r"for a 95% interval\), got 95; did you mean 0\.95\?"),
        ({"ci_level": 1.0}, ValueError, r"ci_level must be a number between 0 and 1.*got 1\.0$"),
        ({"ci_level": "0.95"}, ValueError, r"ci_level must be a number between 0 and 1.*'0\.95'"),
        ({"n_boot": -1}, ValueError, r"n_boot must be at least 0, got -1"),
        ({"n_boot": 10.5}, TypeError, r"n_boot must be an integer, got float 10\.5"),
    ],
)  # fmt: skip
def test_bootstrap_options_are_checked_up_front(kwargs: dict, error: type, expected: str) -> None:
    # ci_level=95 used to fail in numpy ("Percentiles must be in the range [0, 100]"), and
    # n_boot=-1 gave a NaN interval without a word
    with pytest.raises(error, match=expected):
        xm.agreement(_cohen_labels(), **kwargs)
    skipped = xm.agreement(_cohen_labels(), n_boot=0)  # documented: no bootstrap
    assert np.isnan(skipped.alpha_ci[0]) and np.isnan(skipped.alpha_ci[1])


def test_krippendorff_alpha_of_a_plain_matrix_says_what_to_pass() -> None:
    with pytest.raises(TypeError) as err:
        xm.krippendorff_alpha([[1, 2], [1, 2]])  # type: ignore[arg-type]
    message = str(err.value)
    assert "labels must be a pandas DataFrame (query_id, item_id, annotator, relevance)" in message
    assert "got list" in message and "krippendorff.alpha(reliability_data=" in message
    with pytest.raises(
        TypeError, match=r"labels must be a pandas DataFrame, got dict: pass a frame"
    ):
        xm.agreement({"query_id": ["q"]})  # type: ignore[arg-type]
