"""Which rubric a guideline version names: recorded per campaign, a different one refused.

Every judgement records its rubric's ``version`` as ``guideline_version``, and everything downstream
(a widget resuming its labels, ``labels[labels.guideline_version == "v1"]``,
``compare_guidelines(labels, "v1", "v2")``) takes the judgements of one version to be made under
one rubric. So the store keeps, per ``(campaign, guideline_version)``, what that rubric says (its
*content*, below) and a fingerprint of it, from the first widget that opens with it (or the first
``import_labels(..., guideline_version=rubric)``). A widget that opens later, in any process, with
the same version and a different rubric is refused with the differences and a free version to use
instead; the same rubric opened again is accepted.

What the content is, i.e. what makes two rubrics "the same":

- compared: each level's value, name, definition, rule and examples; the range and step of a
  continuous scale; each flag's name, definition and where it applies (a built-in flag, such as
  ``"dissonant"``, by its name alone, as in the automatic version); the description.
- not compared (they change how the rubric looks or is used, not what a grade means): the scale's
  name and title, the keys of levels and flags, whether notes are allowed.
- whitespace: runs of spaces, tabs and newlines count as one space, leading and trailing ones as
  none, so re-indenting or re-wrapping a definition changes nothing. Any other edit of a text
  (a letter, its case, punctuation) is a different rubric.
- order: levels are compared by value, flags by name, and the examples of a level as a set, so
  listing them in another order changes nothing.
- a media example is compared by its path or URL (bytes and in-memory images by their digest).

A store from before this check (schema version 3 and older) knows no rubric for its versions: the
first widget to open with a version learns it, after checking that the judgements already stored
under it fit (their grades are levels of that rubric, or magnitudes in its range).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..rubric import Flag, as_flag, is_default_flag
from ..scale import Scale
from ._errors import StoreError
from ._validate import now_micros

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CONTENT_FORMAT",
    "JudgedValues",
    "RubricTable",
    "as_rubric",
    "check_import",
    "content",
    "fingerprint",
    "register",
    "rubrics_frame",
    "version_of",
]

# the layout of the stored content; a later layout must still read (and compare) this one
CONTENT_FORMAT = 1
# at most this many differences are listed in a message (then "and N more")
_SHOWN = 6


def _text(value: str) -> str:
    """A text as compared: whitespace runs as one space, none at the ends."""
    return " ".join(value.split())


def _example(identity: Any) -> dict[str, Any]:
    """An example's identity (``Example.identity``) as compared: always a dict, texts normalised."""
    if not isinstance(identity, dict):  # a plain text example
        identity = {"kind": "text", "content": identity, "caption": "", "query": ""}
    out = dict(identity)
    for field in ("caption", "query"):
        out[field] = _text(out.get(field) or "")
    if out.get("kind") == "text":
        out["content"] = _text(out["content"])
    elif isinstance(out.get("content"), str):
        # a path decoded from bytes that are not UTF-8 (os.listdir's surrogateescape) names its
        # file as those bytes (\xe9): the content must stay UTF-8 text (stored, hashed); any
        # other text is unchanged
        raw = out["content"].encode("utf-8", "surrogateescape")
        out["content"] = raw.decode("utf-8", "backslashreplace")
    return out


def _flag(flag: Flag) -> dict[str, Any]:
    """A flag as compared: a built-in one (or a bare name) by its name alone, as in the version
    hash, so that a release that rewords a built-in flag's definition changes no stored rubric."""
    if is_default_flag(flag):
        return {"name": flag.name}
    return {"name": flag.name, "definition": _text(flag.definition), "applies_to": flag.applies_to}


def content(scale: Scale) -> dict[str, Any]:
    """What a rubric says, as compared and stored (see the module doc): JSON-ready."""
    out: dict[str, Any] = {"format": CONTENT_FORMAT}
    if scale.is_continuous:
        out["range"] = {"minimum": scale.minimum, "maximum": scale.maximum, "step": scale.step}
    else:
        out["levels"] = [
            {
                "value": lv.value,
                "name": _text(lv.name),
                "definition": _text(lv.definition),
                "rule": _text(lv.rule),
                "examples": sorted(
                    (_example(ex.identity()) for ex in lv.examples),
                    key=lambda ex: json.dumps(ex, sort_keys=True),
                ),
            }
            for lv in scale.levels
        ]
    out["flags"] = sorted((_flag(f) for f in scale.flag_specs), key=lambda f: f["name"])
    out["description"] = _text(scale.description)
    return out


def dumps(value: dict[str, Any]) -> str:
    """The canonical JSON of a content (what is stored, and what the fingerprint hashes)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def fingerprint(value: dict[str, Any]) -> str:
    """A short hash of a content: equal for equal contents."""
    return hashlib.sha256(dumps(value).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------- describing
def _short(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _level(level: dict[str, Any]) -> str:
    return f"{level['value']} {level['name']!r}"


def summary(value: dict[str, Any]) -> str:
    """One line for a message: ``levels 0 'no', 1 'yes'`` or ``the continuous range 0–100``."""
    if "range" in value:
        r = value["range"]
        step = f" (step {r['step']:g})" if r.get("step") is not None else ""
        return f"the continuous range {r['minimum']:g}–{r['maximum']:g}{step}"
    return "levels " + ", ".join(_level(lv) for lv in value["levels"])


def differences(stored: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """What ``given`` changes in ``stored``, one phrase per difference: the levels or the range
    first (levels gone, new, then changed), then the flags, then the description."""
    out: list[str] = []
    if ("range" in stored) != ("range" in given):
        out.append(f"it has {summary(given)} where the stored one has {summary(stored)}")
    elif "range" in stored:
        if stored["range"] != given["range"]:
            out.append(f"the range is {summary(given)}, not {summary(stored)}")
    else:
        before = {lv["value"]: lv for lv in stored["levels"]}
        after = {lv["value"]: lv for lv in given["levels"]}
        out.extend(_gone_and_new("level", before, after, _level))
        for value in sorted(before.keys() & after.keys()):
            out.extend(_changed(f"level {value}", before[value], after[value]))
    flags_before = {f["name"]: f for f in stored.get("flags", [])}
    flags_after = {f["name"]: f for f in given.get("flags", [])}
    out.extend(_gone_and_new("flag", flags_before, flags_after, lambda f: repr(f["name"])))
    for name in sorted(flags_before.keys() & flags_after.keys()):
        was, now = flags_before[name], flags_after[name]
        if "definition" in now and "definition" not in was:  # a built-in one is its name alone
            out.append(
                f"flag {name!r} has a definition of its own ({_short(now['definition'])}), where "
                "the stored rubric has the built-in one"
            )
        elif "definition" in was and "definition" not in now:
            out.append(
                f"flag {name!r} is the built-in one, where the stored rubric has its own "
                f"({_short(was['definition'])})"
            )
        else:
            out.extend(_changed(f"flag {name!r}", was, now))
    if stored.get("description", "") != given.get("description", ""):
        out.append(
            f"the description is {_short(given.get('description', ''))}, not "
            f"{_short(stored.get('description', ''))}"
        )
    return out


def _gone_and_new(
    what: str, before: dict[Any, Any], after: dict[Any, Any], shown: Any
) -> list[str]:
    out = []
    gone = [shown(before[k]) for k in sorted(before.keys() - after.keys())]
    new = [shown(after[k]) for k in sorted(after.keys() - before.keys())]
    if gone:
        out.append(f"it has no {what}{'s' * (len(gone) > 1)} {', '.join(gone)}")
    if new:
        out.append(
            f"{what}{'s' * (len(new) > 1)} {', '.join(new)} {'are' if len(new) > 1 else 'is'} new"
        )
    return out


def _changed(what: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    out = []
    for field in ("name", "definition", "rule", "applies_to"):
        if field in before and before[field] != after.get(field):
            out.append(
                f"{what} {field} is {_short(after.get(field, ''))}, not {_short(before[field])}"
            )
    if before.get("examples", []) != after.get("examples", []):
        out.append(
            f"{what} has other examples ({len(after.get('examples', []))} here, "
            f"{len(before.get('examples', []))} stored)"
        )
    return out


def next_version(version: str, taken: Iterable[str]) -> str:
    """A version for a revised rubric that nothing in the campaign uses yet: ``v1`` -> ``v2``,
    ``matching@1`` -> ``matching@2``, ``pilot`` -> ``pilot-2``."""
    used = set(taken) | {version}
    found = re.fullmatch(r"(.*?)(\d+)", version)
    head, number = (found.group(1), int(found.group(2))) if found else (f"{version}-", 1)
    number += 1
    while f"{head}{number}" in used:
        number += 1
    return f"{head}{number}"


def _listed(items: list[str]) -> str:
    shown = "; ".join(items[:_SHOWN])
    return shown + (f"; and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def mismatch(
    campaign: str, version: str, stored: dict[str, Any], given: dict[str, Any], taken: set[str]
) -> StoreError:
    """The error for a rubric that differs from the one stored under its version."""
    changes = differences(stored, given) or ["its content differs"]
    suggestion = next_version(version, taken)
    return StoreError(
        f"guideline version {version!r} of campaign {campaign!r} was stored with another rubric "
        f"({summary(stored)}); this rubric differs: {_listed(changes)}. Judgements under one "
        "version must come from one rubric, else they mix in labels and in compare_guidelines: "
        f"give this rubric another version, e.g. rubric.revise(version={suggestion!r}) or "
        f"Scale(..., version={suggestion!r}); or open the rubric stored under {version!r} "
        f"(store.rubrics(campaign={campaign!r}) shows what each version holds)"
    )


# ---------------------------------------------------------------------------- stored values
@dataclass(frozen=True)
class JudgedValues:
    """The values already stored under one (campaign, guideline_version), before its rubric was."""

    relevance: frozenset[int]
    magnitudes: int
    minimum: float | None
    maximum: float | None


def _misfits(value: dict[str, Any], judged: JudgedValues) -> list[str]:
    """What of ``judged`` the rubric ``value`` could not have given (empty: they fit)."""
    out = []
    if "range" in value:
        if judged.relevance:
            shown = ", ".join(map(str, sorted(judged.relevance)))
            out.append(f"grades on levels ({shown}), where this rubric is a continuous range")
        r = value["range"]
        low, high = judged.minimum, judged.maximum
        if low is not None and high is not None and (low < r["minimum"] or high > r["maximum"]):
            out.append(
                f"magnitudes from {low:g} to {high:g}, outside this rubric's range "
                f"{r['minimum']:g}–{r['maximum']:g}"
            )
    else:
        levels = {lv["value"] for lv in value["levels"]}
        bad = sorted(judged.relevance - levels)
        if bad:
            out.append(
                f"relevance {', '.join(map(str, bad))}, not a level of this rubric "
                f"({summary(value)})"
            )
        if judged.magnitudes:
            out.append("magnitudes (a continuous scale), where this rubric has levels")
    return out


def version_of(guideline_version: str | Scale | None) -> str | None:
    """The ``guideline_version`` an import stores: a rubric's version, else the value as text."""
    if guideline_version is None:
        return None
    if isinstance(guideline_version, Scale):
        return str(guideline_version.version)
    return str(guideline_version)


def check_import(
    table: RubricTable,
    guideline_version: str | Scale | None,
    campaign: str,
    values: dict[str, np.ndarray],
    where: str,
) -> None:
    """Before ``import_labels`` writes: its grades must be levels of the rubric of its version.

    A rubric given as ``guideline_version`` is checked against the one stored for its version
    (and recorded when none is); a version given as a str is checked against the rubric stored
    for it, when there is one (else nothing is known to check against).
    """
    version = version_of(guideline_version)
    if version is None:
        return
    if isinstance(guideline_version, Scale):
        whose = f"rubric {version!r}"
        value = content(guideline_version)
        register(table, guideline_version, campaign, where, record=True)
    else:
        found = table.find(str(campaign), version)
        if found is None:
            return
        whose = f"the rubric stored for guideline version {version!r} of campaign {campaign!r}"
        value = json.loads(found[1])
    if "range" in value:
        raise StoreError(
            f"{whose} is a continuous scale ({summary(value)}): import_labels imports grades on "
            "levels (relevance); import them under another guideline_version"
        )
    import numpy as np

    relevance = values["relevance"]
    bad = ~np.isin(relevance, np.array([lv["value"] for lv in value["levels"]], dtype=np.int64))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        shown = ", ".join(map(str, np.unique(relevance[bad]).tolist()[:8]))
        raise StoreError(
            f"relevance {shown} ({int(bad.sum())} row(s), e.g. query "
            f"{values['query_id'][first]!r} item {values['item_id'][first]!r}) is not a level of "
            f"{whose} ({summary(value)}): fix or drop those rows, or import them under another "
            "guideline_version; nothing was imported"
        )
    if "flags" in values:
        _check_flags(values, value, whose)


def _check_flags(values: dict[str, np.ndarray], value: dict[str, Any], whose: str) -> None:
    """The flags of an import (candidate judgements) must be the rubric's candidate flags."""
    import numpy as np
    import pandas as pd

    flags = values["flags"]
    candidate: set[str] = set()
    query_only: set[str] = set()
    for flag in value["flags"]:
        # a built-in flag is stored by its name alone: where it applies is the built-in's
        applies_to = flag.get("applies_to") or as_flag(flag["name"]).applies_to
        (query_only if applies_to == "query" else candidate).add(flag["name"])
    texts = [str(text) for text in pd.unique(flags) if text is not None]  # a few combinations
    unknown = [name for text in texts for name in text.split(",") if name not in candidate]
    if unknown:
        name = unknown[0]
        with_it = pd.Series(flags, copy=False).isin([t for t in texts if name in t.split(",")])
        rows = np.flatnonzero(with_it.to_numpy(dtype=bool))
        first = int(rows[0])
        why = (
            f"a query flag of {whose}, and import_labels imports the judgements of candidates"
            if name in query_only
            else f"not a flag of {whose}"
        )
        raise StoreError(
            f"flag {name!r} ({len(rows)} row(s), e.g. query {values['query_id'][first]!r} item "
            f"{values['item_id'][first]!r}) is {why} (its candidate flags: "
            # broken-media is refused on a graded row before this: not one to import
            f"{', '.join(sorted(candidate - {'broken-media'})) or 'none'}): fix or drop that "
            "flag, or import under "
            "the rubric that has it; nothing was imported"
        )


# ---------------------------------------------------------------------------- the table
class RubricTable(Protocol):
    """The rubrics table of one backend, on a connection inside one transaction."""

    def find(self, campaign: str, version: str) -> tuple[str, str] | None:
        """(fingerprint, content JSON) stored for the version, or None."""

    def taken(self, campaign: str) -> set[str]:
        """The guideline versions the campaign uses (stored rubrics and judgements)."""

    def judged(self, campaign: str, version: str) -> JudgedValues | None:
        """The values stored under the version (None: no judgement was ever made under it)."""

    def insert(self, row: dict[str, Any]) -> None:
        """Record a rubric; a row a concurrent writer recorded first is left as it is."""


def as_rubric(scale: Any) -> Scale:
    """``scale`` when it is a rubric (an xmwidgets.Scale), else a TypeError naming it."""
    if not isinstance(scale, Scale):
        raise TypeError(
            f"a rubric is an xmwidgets.Scale (or xm.Rubric), got {type(scale).__name__} {scale!r:.80}"
        )
    return scale


def register(table: RubricTable, scale: Scale, campaign: str, where: str, *, record: bool) -> None:
    """Check ``scale`` against the rubric stored for its version in ``campaign``; when none is,
    check the judgements stored under the version fit it and (``record``) store it.

    Raises
    ------
    StoreError
        Another rubric is stored under the version, or the stored judgements do not fit.
    """
    given = content(as_rubric(scale))
    mine = fingerprint(given)
    version, campaign = str(scale.version), str(campaign)
    for attempt in range(2):
        found = table.find(campaign, version)
        if found is not None:
            if found[0] != mine:
                stored = json.loads(found[1])
                raise mismatch(campaign, version, stored, given, table.taken(campaign))
            return
        if attempt or not record:
            return
        judged = table.judged(campaign, version)
        problems = _misfits(given, judged) if judged is not None else []
        if problems:
            suggestion = next_version(version, table.taken(campaign))
            raise StoreError(
                f"store {where!r} already holds judgements under guideline version {version!r} "
                f"of campaign {campaign!r} that this rubric could not have given: "
                f"{_listed(problems)}. They were made under another rubric with the same version "
                "(before xmwidgets recorded each version's rubric): give this rubric another "
                f"version, e.g. rubric.revise(version={suggestion!r}), or open the rubric they "
                "were made under"
            )
        table.insert(
            {
                "campaign": campaign,
                "guideline_version": version,
                "name": scale.name,
                "fingerprint": mine,
                "content": dumps(given),
                "created_at": now_micros(),
            }
        )
        # a concurrent writer may have recorded another rubric first: read what is stored


def rubrics_frame(rows: Iterable[tuple[Any, ...]]) -> Any:
    """``store.rubrics()``: one row per (campaign, guideline_version) with its stored rubric."""
    import pandas as pd

    rows = list(rows)
    contents = [json.loads(r[4]) for r in rows]
    return pd.DataFrame(
        {
            "campaign": pd.array([r[0] for r in rows], dtype="string"),
            "guideline_version": pd.array([r[1] for r in rows], dtype="string"),
            "name": pd.array([r[2] for r in rows], dtype="string"),
            "fingerprint": pd.array([r[3] for r in rows], dtype="string"),
            "summary": pd.array([summary(c) for c in contents], dtype="string"),
            "content": pd.Series(contents, dtype=object),
            "created_at": pd.to_datetime(
                pd.Series([r[5] for r in rows], dtype="int64"), unit="us", utc=True
            ),
        }
    )
