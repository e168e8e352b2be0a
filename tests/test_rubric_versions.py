"""One guideline version names one rubric: the store records it, and refuses a second one.

Judgements record their rubric's ``version`` as ``guideline_version``; a grid opened later (in any
process) with a *different* rubric under the same version used to add its judgements to the same
version, so that ``labels`` and ``compare_guidelines`` mixed two rubrics as one. The tests that
touch the store run on SQLite and on PostgreSQL (the ``location`` fixture).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from test_grid import Browser, grade

import xmwidgets as xm
from xmwidgets.store import StoreError, open_store
from xmwidgets.store._rubrics import content, fingerprint, next_version

if TYPE_CHECKING:
    from conftest import Location

ROOT = Path(__file__).resolve().parents[1]

QUERIES = pd.DataFrame({"query_id": ["q1", "q2"], "text": ["a red bus on a bridge", "a tram"]})
ITEMS = pd.DataFrame({"item_id": ["d1", "d2", "d3"], "text": ["a red bus", "a tram", "ramen"]})
CANDIDATES = pd.DataFrame({"query_id": ["q1", "q1", "q2"], "item_id": ["d1", "d2", "d3"]})


def rubric_a(**changes: Any) -> xm.Scale:
    """A four-level rubric under version "v1"; ``changes`` replace Scale arguments."""
    args: dict[str, Any] = {
        "levels": [
            xm.Level(0, "unrelated", "Nothing in common with the query."),
            xm.Level(1, "related", "Same topic, another thing.", rule="the topic matches"),
            xm.Level(2, "partial", "The main subject matches, a detail differs."),
            xm.Level(3, "exact", "Everything in the query is there.", examples=("a red bus",)),
        ],
        "name": "matching",
        "version": "v1",
        "flags": ["dissonant", "broken-media"],
        "description": "Judge how well the candidate matches the query.",
    }
    return xm.Scale(**{**args, **changes})


def rubric_b() -> xm.Scale:
    """Another rubric (two levels of other names) under the same version "v1"."""
    return xm.Scale([xm.Level(0, "no"), xm.Level(1, "yes")], name="matching", version="v1")


def grid(location: Location, scale: xm.Scale, **kwargs: Any) -> xm.RelevanceGrid:
    g = xm.RelevanceGrid(
        QUERIES,
        ITEMS,
        CANDIDATES,
        store=location.where,
        scale=scale,
        annotator=kwargs.pop("annotator", "ana"),
        campaign=kwargs.pop("campaign", "c"),
        **kwargs,
    )
    location.track(g.store)
    return g


# ----------------------------------------------------------------------------- the mix, refused
def test_a_second_rubric_under_the_same_version_is_refused(
    built_bundle: Path, location: Location
) -> None:
    first = grid(location, rubric_a())
    Browser(first).judge(grade("q1", "d1", 3), grade("q1", "d2", 2))
    first.close()
    with pytest.raises(StoreError) as caught:
        grid(location, rubric_b(), annotator="bob")  # another annotator, a later session
    message = str(caught.value)
    # names the version, the campaign, what was stored and what differs, and what to do
    assert "guideline version 'v1' of campaign 'c'" in message
    assert "levels 0 'unrelated', 1 'related', 2 'partial', 3 'exact'" in message
    assert "level 0 name is 'no', not 'unrelated'" in message
    assert "this rubric differs: it has no levels 2 'partial', 3 'exact'; level 0 name" in message
    assert "rubric.revise(version='v2')" in message and "store.rubrics(campaign='c')" in message
    store = location()
    # nothing of the refused grid was written, and the first rubric's labels are as they were
    assert store.labels()[["item_id", "relevance"]].values.tolist() == [["d1", 3], ["d2", 2]]
    assert len(store.events()) == 2
    # under a version of its own the second rubric opens, and its grades stay apart
    second = grid(location, rubric_b().revise(version="v2"), annotator="bob")
    assert second.labels.empty and second.progress["judged"] == 0
    Browser(second).judge(grade("q1", "d1", 1))
    labels = store.labels()
    assert sorted(zip(labels.guideline_version, labels.relevance, strict=True)) == [
        ("v1", 2),
        ("v1", 3),
        ("v2", 1),
    ]
    assert store.rubrics()[["campaign", "guideline_version"]].values.tolist() == [
        ["c", "v1"],
        ["c", "v2"],
    ]


def test_the_same_rubric_reopens_and_resumes(built_bundle: Path, location: Location) -> None:
    first = grid(location, rubric_a())
    Browser(first).judge(grade("q1", "d1", 3))
    first.close()
    again = grid(location, rubric_a())  # an equal rubric, built anew
    assert again.labels[["item_id", "relevance"]].values.tolist() == [["d1", 3]]
    assert len(location().rubrics()) == 1


_OTHER_PROCESS = """
import json, sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r})
import pandas as pd
import xmwidgets as xm
from test_rubric_versions import CANDIDATES, ITEMS, QUERIES, rubric_a, rubric_b
out = {{}}
for name, scale in (("a", rubric_a()), ("b", rubric_b())):
    try:
        g = xm.RelevanceGrid(QUERIES, ITEMS, CANDIDATES, store={where!r}, scale=scale,
                             annotator="ana", campaign="c")
    except xm.StoreError as exc:
        out[name] = "refused: " + str(exc)
    else:
        out[name] = g.labels[["item_id", "relevance"]].values.tolist()
        g.store.close()
print(json.dumps(out))
"""


def test_another_process_accepts_the_same_rubric_and_refuses_another(
    built_bundle: Path, location: Location
) -> None:
    first = grid(location, rubric_a())
    Browser(first).judge(grade("q1", "d1", 3))
    first.store.close()
    script = _OTHER_PROCESS.format(root=str(ROOT), tests=str(ROOT / "tests"), where=location.where)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["a"] == [["d1", 3]]
    assert out["b"].startswith("refused: guideline version 'v1' of campaign 'c'")


def test_another_campaign_may_use_the_version_for_another_rubric(
    built_bundle: Path, location: Location
) -> None:
    Browser(grid(location, rubric_a())).judge(grade("q1", "d1", 3))
    other = grid(location, rubric_b(), campaign="pilot")
    Browser(other).judge(grade("q1", "d1", 1))
    rubrics = location().rubrics()
    assert rubrics[["campaign", "guideline_version", "summary"]].values.tolist() == [
        ["c", "v1", "levels 0 'unrelated', 1 'related', 2 'partial', 3 'exact'"],
        ["pilot", "v1", "levels 0 'no', 1 'yes'"],
    ]
    assert rubrics.fingerprint.tolist() == [
        fingerprint(content(rubric_a())),
        fingerprint(content(rubric_b())),
    ]


def test_every_task_widget_checks_its_rubric(built_bundle: Path, location: Location) -> None:
    Browser(grid(location, rubric_a())).judge(grade("q1", "d1", 3))
    with pytest.raises(StoreError, match="guideline version 'v1' of campaign 'c'"):
        xm.BestMatchPicker(
            QUERIES, ITEMS, CANDIDATES, store=location.where, scale=rubric_b(), campaign="c"
        )
    picker = xm.BestMatchPicker(
        QUERIES, ITEMS, CANDIDATES, store=location.where, scale=rubric_a(), campaign="c"
    )
    location.track(picker.store)


def test_two_writers_recording_two_rubrics_at_once_one_wins(location: Location) -> None:
    stores = [location(), location()]
    barrier = threading.Barrier(2)
    outcome: dict[int, str] = {}

    def register(i: int, scale: xm.Scale) -> None:
        barrier.wait()
        try:
            stores[i].register_rubric(scale, campaign="c")
            outcome[i] = "recorded"
        except StoreError as exc:
            outcome[i] = str(exc)

    threads = [
        threading.Thread(target=register, args=(i, s))
        for i, s in enumerate((rubric_a(), rubric_b()))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(v == "recorded" for v in outcome.values()) == [False, True]
    refused = next(v for v in outcome.values() if v != "recorded")
    assert refused.startswith("guideline version 'v1' of campaign 'c' was stored with")
    assert len(location().rubrics()) == 1


# ----------------------------------------------------------------------------- what "same" means
@pytest.mark.parametrize(
    "change",
    [
        # whitespace runs: re-wrapping or re-indenting a text
        {"description": "  Judge how well the candidate\n    matches   the query.\n"},
        {
            "levels": [
                xm.Level(0, "unrelated", "Nothing in common\twith the query. "),
                xm.Level(1, " related", "Same topic, another thing.", rule="the  topic matches"),
                xm.Level(2, "partial", "The main subject matches, a detail differs."),
                xm.Level(3, "exact", "Everything in the query is there.", examples=(" a red bus",)),
            ]
        },
        # order: levels are by value, flags by name
        {
            "levels": [
                xm.Level(3, "exact", "Everything in the query is there.", examples=("a red bus",)),
                xm.Level(2, "partial", "The main subject matches, a detail differs."),
                xm.Level(1, "related", "Same topic, another thing.", rule="the topic matches"),
                xm.Level(0, "unrelated", "Nothing in common with the query."),
            ]
        },
        {"flags": ["broken-media", "dissonant"]},
        # how the rubric is shown or used, not what a grade means
        {"title": "Matching, round 1", "name": "matching-copy", "notes": False},
        {
            "levels": [
                xm.Level(0, "unrelated", "Nothing in common with the query.", key="q"),
                xm.Level(1, "related", "Same topic, another thing.", rule="the topic matches"),
                xm.Level(2, "partial", "The main subject matches, a detail differs."),
                xm.Level(3, "exact", "Everything in the query is there.", examples=("a red bus",)),
            ]
        },
    ],
    ids=["description-wrapped", "level-whitespace", "level-order", "flag-order", "title", "key"],
)
def test_the_same_rubric_written_differently_is_accepted(change: dict[str, Any]) -> None:
    store = open_store(":memory:")
    store.register_rubric(rubric_a(), campaign="c")
    store.register_rubric(rubric_a(**change), campaign="c")
    assert len(store.rubrics()) == 1


@pytest.mark.parametrize(
    ("change", "difference"),
    [
        (
            {"description": "Judge how well the candidate matches the caption."},
            "the description is 'Judge how well the candidate matches the caption.', not "
            "'Judge how well the candidate matches the query.'",
        ),
        (
            {
                "levels": [
                    xm.Level(0, "Unrelated", "Nothing in common with the query."),
                    xm.Level(1, "related", "Same topic, another thing.", rule="the topic"),
                    xm.Level(2, "partial", "The main subject matches, a detail differs."),
                    xm.Level(3, "exact", "Everything in the query is there.", examples=("x",)),
                ]
            },
            "level 0 name is 'Unrelated', not 'unrelated'; level 1 rule is 'the topic', not "
            "'the topic matches'; level 3 has other examples (1 here, 1 stored)",
        ),
        (
            {"flags": ["dissonant", "broken-media", "near-duplicate"]},
            "flag 'near-duplicate' is new",
        ),
        ({"flags": ["dissonant"]}, "it has no flag 'broken-media'"),
        (
            {"flags": [xm.Flag("dissonant", "The caption is sarcastic."), "broken-media"]},
            "flag 'dissonant' has a definition of its own ('The caption is sarcastic.'), where "
            "the stored rubric has the built-in one",
        ),
        (
            {
                "levels": (),
                "minimum": 0,
                "maximum": 100,
                "step": 1,
            },
            "it has the continuous range 0–100 (step 1) where the stored one has levels 0 "
            "'unrelated', 1 'related', 2 'partial', 3 'exact'",
        ),
    ],
    ids=["description", "level-texts", "flag-added", "flag-removed", "flag-own", "continuous"],
)
def test_a_changed_rubric_is_refused_with_its_differences(
    change: dict[str, Any], difference: str
) -> None:
    store = open_store(":memory:")
    store.register_rubric(rubric_a(), campaign="c")
    with pytest.raises(StoreError) as caught:
        store.register_rubric(rubric_a(**change), campaign="c")
    assert f"this rubric differs: {difference}. " in str(caught.value)


def test_an_own_flag_is_compared_by_its_definition_and_target() -> None:
    dark = xm.Flag("too-dark", "The image is too dark to judge.", key="T", applies_to="candidate")
    store = open_store(":memory:")
    store.register_rubric(rubric_a(flags=[dark]), campaign="c")
    rekeyed = xm.Flag(
        "too-dark", "The image is  too dark to judge.", key="K", applies_to="candidate"
    )
    store.register_rubric(rubric_a(flags=[rekeyed]), campaign="c")  # key and whitespace only
    moved = xm.Flag("too-dark", "The image is too dark to judge.", applies_to="both")
    with pytest.raises(StoreError, match="flag 'too-dark' applies_to is 'both', not 'candidate'"):
        store.register_rubric(rubric_a(flags=[moved]), campaign="c")


def test_the_version_suggested_is_free() -> None:
    assert next_version("v1", []) == "v2"
    assert next_version("matching@1", {"matching@2"}) == "matching@3"
    assert next_version("pilot", []) == "pilot-2"
    store = open_store(":memory:")
    store.register_rubric(rubric_a(), campaign="c")
    store.register_rubric(rubric_a(version="v2", description="another"), campaign="c")
    with pytest.raises(StoreError, match=r"rubric\.revise\(version='v3'\)"):
        store.register_rubric(rubric_b(), campaign="c")


# ----------------------------------------------------------------------------- imports
def _qrels(*relevance: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "query_id": ["q1"] * len(relevance),
            "item_id": [f"d{i + 1}" for i in range(len(relevance))],
            "relevance": list(relevance),
        }
    )


def test_import_under_a_version_takes_only_levels_of_its_rubric(location: Location) -> None:
    store = location()
    store.register_rubric(rubric_b(), campaign="c")  # levels 0 and 1
    with pytest.raises(StoreError) as caught:
        store.import_labels(_qrels(1, 3, 2), annotator="trec", campaign="c", guideline_version="v1")
    message = str(caught.value)
    assert message.startswith("relevance 2, 3 (2 row(s), e.g. query 'q1' item 'd2') is not a level")
    assert "of the rubric stored for guideline version 'v1' of campaign 'c'" in message
    assert "(levels 0 'no', 1 'yes')" in message and "nothing was imported" in message
    assert store.events().empty
    assert store.import_labels(_qrels(1, 0), annotator="trec", campaign="c", guideline_version="v1")
    # a version no rubric is stored for yet: nothing to check against
    assert store.import_labels(_qrels(7), annotator="trec", campaign="c", guideline_version="old")
    assert len(store.events()) == 3


def test_import_with_a_rubric_records_it(built_bundle: Path, location: Location) -> None:
    store = location()
    assert (
        store.import_labels(
            _qrels(3, 0), annotator="trec", campaign="c", guideline_version=rubric_a()
        )
        == 2
    )
    assert store.labels().guideline_version.tolist() == ["v1", "v1"]
    assert store.rubrics().summary.tolist() == [
        "levels 0 'unrelated', 1 'related', 2 'partial', 3 'exact'"
    ]
    with pytest.raises(StoreError, match="guideline version 'v1' of campaign 'c' was stored with"):
        store.import_labels(_qrels(1), annotator="ben", campaign="c", guideline_version=rubric_b())
    with pytest.raises(StoreError, match=r"relevance 4 .* is not a level of rubric 'v1'"):
        store.import_labels(_qrels(4), annotator="ben", campaign="d", guideline_version=rubric_a())
    assert len(store.events()) == 2 and len(store.rubrics()) == 1
    with pytest.raises(StoreError, match="guideline version 'v1' of campaign 'c'"):
        grid(location, rubric_b())
    resumed = grid(location, rubric_a(), annotator="trec")
    assert resumed.progress["judged"] == 2


def test_judgements_stored_before_the_rubric_must_fit_it(
    built_bundle: Path, location: Location
) -> None:
    # grades imported under a bare version (or by an xmwidgets that recorded no rubric)
    store = location()
    store.import_labels(_qrels(3, 2), annotator="ana", campaign="c", guideline_version="v1")
    with pytest.raises(StoreError) as caught:
        grid(location, rubric_b())
    message = str(caught.value)
    assert "already holds judgements under guideline version 'v1' of campaign 'c'" in message
    assert "relevance 2, 3, not a level of this rubric (levels 0 'no', 1 'yes')" in message
    assert "rubric.revise(version='v2')" in message
    assert store.rubrics().empty
    # the rubric they fit is recorded, and resumes them
    assert grid(location, rubric_a()).progress["judged"] == 2
    assert store.rubrics().guideline_version.tolist() == ["v1"]


def test_a_read_only_store_is_checked_but_not_written(
    built_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xmwidgets.store._sqlite as sqlite_module

    path = tmp_path / "labels.sqlite"
    with open_store(path) as store:
        store.register_rubric(rubric_a(), campaign="c")
    monkeypatch.setattr(sqlite_module, "read_only_reason", lambda p: "simulated")
    with open_store(path) as store:
        assert store.read_only
        store.register_rubric(rubric_a(), campaign="c")
        store.register_rubric(rubric_b(), campaign="other")  # nothing stored there; not written
        with pytest.raises(StoreError, match="guideline version 'v1' of campaign 'c'"):
            store.register_rubric(rubric_b(), campaign="c")
    monkeypatch.undo()
    with open_store(path) as store:
        assert store.rubrics().campaign.tolist() == ["c"]


def test_a_media_example_whose_file_name_is_not_utf8_is_recorded(tmp_path: Path) -> None:
    # a file name of bytes that are not UTF-8 (os.listdir / glob decode it with surrogateescape):
    # the example shows (the kernel reads the file), and the widget opening with it failed with a
    # bare UnicodeEncodeError when its rubric was fingerprinted
    import os

    from PIL import Image

    names = [tmp_path / os.fsdecode(name) for name in (b"caf\xe9.png", b"caf\xe8.png")]
    for name in names:
        Image.new("RGB", (8, 8)).save(name)

    def with_example(name: Path) -> xm.Scale:
        return rubric_a(
            levels=[
                xm.Level(0, "unrelated", "Nothing in common with the query."),
                xm.Level(1, "exact", "Everything.", examples=(xm.Example.image(str(name)),)),
            ]
        )

    with open_store(tmp_path / "labels.sqlite") as store:
        store.register_rubric(with_example(names[0]), campaign="c")
        store.register_rubric(with_example(names[0]), campaign="c")  # the same rubric again
        # another file is another example: another rubric
        with pytest.raises(StoreError, match="level 1 has other examples"):
            store.register_rubric(with_example(names[1]), campaign="c")
        assert store.rubrics().guideline_version.tolist() == ["v1"]
