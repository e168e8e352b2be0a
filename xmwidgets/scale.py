"""Relevance scales and rubrics: the levels an annotator chooses from, as data.

A scale is either *discrete* (named levels such as TREC's 0–3, each with a definition, a one-line
matching rule, a key and worked examples) or *continuous* (a numeric range such as 0–100 magnitude
estimation). The same object is the rubric: it also lists the flags an annotator may set, whether
notes are allowed, a title and a description. Its ``version`` is recorded on every judgement as
``guideline_version`` so that judgements made under different rubrics stay apart;
:meth:`Scale.revise` makes the next version.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import html
import json
import math
import numbers
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .rubric import (
    DEFAULT_FLAGS,
    RESERVED_KEYS,
    Example,
    Flag,
    as_example,
    as_flag,
    fields_of,
    is_default_flag,
    reserved_keys_text,
)

__all__ = [
    "DEFAULT_FLAGS",
    "MATCHING_RUBRIC",
    "RESERVED_KEYS",
    "TREC_SCALE",
    "Example",
    "Flag",
    "Level",
    "Rubric",
    "Scale",
]


@dataclass(frozen=True)
class Level:
    """One level of a discrete relevance scale.

    Parameters
    ----------
    value : int
        The number stored as ``relevance`` (nullable Int8, so -128..127).
    name : str
        Short name shown on the level's button, e.g. ``"exact match"``. One line: a newline, tab
        or other control character is refused. A long name wraps between words and is cut to
        three lines on the button (the legend, the rubric panel and the tooltip show it whole).
    definition : str
        One-line definition shown in the key map and as the tick's tooltip.
    key : str, optional
        Keyboard key that sets this level; defaults to the value's digit when it is 0–9.
    examples : tuple of str
        Worked examples shown as small tiles with the rubric: :class:`~xmwidgets.rubric.Example`
        objects, or str (text, or a path/URL of an image, audio or video) or mappings of
        ``Example`` fields.
    rule : str
        The one-line matching rule that decides this level, e.g. ``"every object, attribute and
        relation in the query is in the candidate"``.
    """

    value: int
    name: str
    definition: str = ""
    key: str | None = None
    examples: tuple[Example, ...] = ()
    rule: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.value, numbers.Integral) and not isinstance(self.value, bool | int):
            # numpy's integers (levels read from a DataFrame) are ints to the user
            object.__setattr__(self, "value", int(self.value))
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise TypeError(
                f"level value {self.value!r} is not an int: relevance levels are integers "
                "(use Scale.continuous(...) for a numeric range)"
            )
        if not -128 <= self.value <= 127:
            raise ValueError(
                f"level value {self.value} does not fit relevance's Int8 range -128..127"
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"level {self.value} needs a non-empty name, got {self.name!r}")
        _check_one_line(self.value, self.name)
        key = self.key
        if key is None and 0 <= self.value <= 9:
            key = str(self.value)
        if key is not None:
            if not isinstance(key, str) or len(key) != 1:
                raise ValueError(f"level {self.value} key must be a single character, got {key!r}")
            if key in RESERVED_KEYS:
                raise ValueError(
                    f"level {self.value} key {key!r} is reserved for navigation or commands "
                    f"({reserved_keys_text()}); choose another"
                )
        for what in ("definition", "rule"):
            if not isinstance(getattr(self, what), str):
                raise TypeError(
                    f"level {self.value} {what} must be a str, got {getattr(self, what)!r}"
                )
        examples: Any = self.examples
        if isinstance(examples, (str, Example, Mapping)):
            examples = (examples,)  # one example given bare, not a str iterated char by char
        elif examples is None or not isinstance(examples, Iterable):
            raise TypeError(
                f"level {self.value} examples must be a list of examples (text, a media path or "
                f"URL, an Example), got {examples!r:.80}; leave it out for none"
            )
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "examples", tuple(as_example(ex) for ex in examples))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description: value, name, definition, rule, key, examples (see Example)."""
        return {
            "value": self.value,
            "name": self.name,
            "definition": self.definition,
            "rule": self.rule,
            "key": self.key,
            "examples": [ex.to_dict() for ex in self.examples],
        }

    def _identity(self) -> dict[str, Any]:
        # the fields a scale's version hash covers; "rule" only when set, so that scales written
        # before rules existed keep their version
        out: dict[str, Any] = {
            "value": self.value,
            "name": self.name,
            "definition": self.definition,
            "key": self.key,
            "examples": [ex.identity() for ex in self.examples],
        }
        if self.rule:
            out["rule"] = self.rule
        return out


@dataclass(frozen=True)
class Scale:
    """A relevance scale and the rubric around it: levels (or a continuous range), flags, notes.

    Parameters
    ----------
    levels : sequence of Level or mapping
        The levels, in any order (they are sorted by value). Mappings are passed to :class:`Level`.
    name : str
        Name of the scale, shown in the key map.
    version : str, optional
        The guideline version recorded on every judgement. Defaults to ``"<name>@<hash>"`` where the
        hash covers the levels, flags and texts, so editing a definition gives a new version. A
        version names one rubric: the store records the rubric of each version per campaign
        (``store.rubrics()``) and refuses a widget that opens with another rubric under a version
        already used there (see :meth:`~xmwidgets.Store.register_rubric`): give an edited rubric
        a new version (:meth:`revise`).
    flags : sequence of Flag, str or mapping
        Flags an annotator may set (stored comma-separated in ``flags``). A built-in name
        (``"ambiguous-query"``, ``"dissonant"``, ``"broken-media"``, ``"near-duplicate"``,
        ``"suspected-false-negative"``) gives the built-in :class:`~xmwidgets.rubric.Flag` with its
        key and definition; ``flags=[*xm.DEFAULT_FLAGS, xm.Flag("too-dark", ...)]`` adds one to them.
    minimum, maximum, step : float, optional
        A continuous scale (e.g. 0–100 magnitude estimation) instead of levels.
    title : str
        Heading of the rubric panel; defaults to ``name``.
    description : str
        A paragraph for the top of the rubric: the task, what a query and a candidate are.
    notes : bool
        Whether annotators may attach a free-text note to a candidate or a query.

    Examples
    --------
    >>> s = Scale(levels=[Level(0, "no"), Level(1, "yes")], name="binary")
    >>> s.values
    [0, 1]
    >>> s.level(1).name
    'yes'
    >>> s.revise(version="binary-v2", flags=["dissonant"]).flags
    ('dissonant',)
    """

    levels: tuple[Level, ...] = ()
    name: str = "scale"
    version: str = ""
    flags: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    flag_specs: tuple[Flag, ...] = ()
    title: str = ""
    description: str = ""
    notes: bool = True
    _by_value: dict[int, Level] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __init__(
        self,
        levels: Iterable[Level | Mapping[str, Any]] = (),
        *,
        name: str = "scale",
        version: str | None = None,
        flags: Iterable[Flag | str | Mapping[str, Any]] = (),
        minimum: float | None = None,
        maximum: float | None = None,
        step: float | None = None,
        title: str = "",
        description: str = "",
        notes: bool = True,
    ) -> None:
        parsed = _parse_levels(levels)
        continuous = minimum is not None or maximum is not None
        if continuous:
            if parsed:
                raise ValueError(
                    "a scale is either discrete (levels) or continuous (minimum/maximum), not both"
                )
            _check_range(minimum, maximum, step)
        elif not parsed:
            raise ValueError(
                "a scale needs at least one level, e.g. Scale(levels=[Level(0, 'no'), Level(1, 'yes')])"
            )
        elif step is not None:
            raise ValueError(
                f"step={step!r} is for a continuous scale (minimum/maximum); a scale of levels "
                "takes only the level values: leave step out"
            )
        parsed = tuple(sorted(parsed, key=lambda lv: lv.value))
        _check_unique("value", [lv.value for lv in parsed])
        # names that differ only in case or spaces look the same on the buttons
        _check_unique("name", [" ".join(lv.name.split()).casefold() for lv in parsed])
        _check_unique("key", [lv.key for lv in parsed if lv.key is not None])
        if isinstance(flags, (str, Flag, Mapping)):
            flags = (flags,)  # one flag given bare
        specs = tuple(as_flag(f) for f in flags)
        _check_flags(specs, parsed)
        _warn_near_default_flags(specs)
        for what, text in (("name", name), ("title", title), ("description", description)):
            if not isinstance(text, str):
                raise TypeError(f"scale {what} must be a str, got {type(text).__name__} {text!r}")
        if not name.strip():
            raise ValueError(
                f"scale name {name!r} is empty: it names the scale in the key map and in its "
                "version; give one, e.g. name='relevance'"
            )
        if not isinstance(notes, bool):
            raise TypeError(f"notes must be True or False, got {notes!r}")
        if version is not None and (not isinstance(version, str) or not version.strip()):
            raise ValueError(
                f"version must be a non-empty str such as 'v2', got {version!r} "
                "(or leave it out for an automatic one)"
            )
        _refuse_surrogates(
            {
                "name": name,
                "title": title,
                "description": description,
                "version": version or "",
                "levels": [lv.to_dict() for lv in parsed],
                "flags": [f.to_dict() for f in specs],
            },
            "",
        )
        object.__setattr__(self, "levels", parsed)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "flags", tuple(f.name for f in specs))
        object.__setattr__(self, "flag_specs", specs)
        object.__setattr__(self, "minimum", None if minimum is None else float(minimum))
        object.__setattr__(self, "maximum", None if maximum is None else float(maximum))
        object.__setattr__(self, "step", None if step is None else float(step))
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "notes", notes)
        object.__setattr__(self, "_by_value", {lv.value: lv for lv in parsed})
        object.__setattr__(self, "version", version or f"{name}@{self._fingerprint()}")
        _warn_keyless(parsed)

    @classmethod
    def continuous(
        cls,
        minimum: float = 0,
        maximum: float = 100,
        *,
        step: float = 1,
        name: str = "magnitude",
        version: str | None = None,
        **rubric: Any,
    ) -> Scale:
        """A continuous scale, e.g. 0–100 magnitude estimation (stored as ``magnitude``).

        ``rubric`` takes the other keyword arguments of :class:`Scale` (flags, title, ...).
        """
        return cls(
            name=name, minimum=minimum, maximum=maximum, step=step, version=version, **rubric
        )

    @property
    def is_continuous(self) -> bool:
        return self.minimum is not None

    def __str__(self) -> str:
        """The scale's ``version``: where a guideline version is asked for as text, a Scale
        stands for its own (``store.labels(guideline_version=scale)`` reads the judgements made
        under it, as ``import_labels(..., guideline_version=scale)`` stores them)."""
        return self.version

    @property
    def values(self) -> list[int]:
        """The level values in ascending order (the value domain for agreement measures)."""
        return [lv.value for lv in self.levels]

    def level(self, value: int) -> Level:
        """The level with this value; a clear error for an unknown one."""
        whole = isinstance(value, numbers.Integral) or (
            isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer()
        )
        try:
            # 2.5, "3" and True are not levels: int() would make them 2, 3 and 1
            if isinstance(value, bool) or not whole:
                raise TypeError
            return self._by_value[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                f"unknown relevance level {value!r}: this scale has levels "
                f"{', '.join(str(v) for v in self.values)}"
            ) from None

    def flag(self, name: str) -> Flag:
        """The flag with this name; a clear error for one the rubric does not list."""
        for spec in self.flag_specs:
            if spec.name == name:
                return spec
        raise ValueError(
            f"unknown flag {name!r}: this rubric's flags are {', '.join(self.flags) or '(none)'}"
        )

    def flags_for(self, target: str) -> tuple[str, ...]:
        """Names of the flags that can be set on a ``"candidate"`` or on a ``"query"``."""
        if target not in ("candidate", "query"):
            raise ValueError(f"target must be 'candidate' or 'query', got {target!r}")
        return tuple(f.name for f in self.flag_specs if f.applies_to in (target, "both"))

    def on_step(self, value: float) -> bool:
        """Whether the magnitude ``value`` is one this continuous scale takes: ``minimum`` plus a
        whole number of steps, or ``maximum`` itself (the slider's end, where the range is not
        a whole number of steps). Always True without a step; the range is not checked here.

        >>> Scale.continuous(0, 100).on_step(50.5)
        False
        >>> Scale.continuous(0, 1, step=0.1).on_step(0.3)
        True
        """
        if self.step is None or self.minimum is None:
            return True
        if value == self.maximum:
            return True
        steps = (float(value) - self.minimum) / self.step
        # a browser's float sum (0.1 + 0.2) is on the step
        return abs(steps - round(steps)) <= 1e-9 * max(1.0, abs(steps))

    def steps_around(self, value: float) -> tuple[float, float]:
        """The magnitudes on the step next below and above ``value`` (for a message)."""
        assert self.minimum is not None and self.maximum is not None and self.step is not None
        k = math.floor((float(value) - self.minimum) / self.step)
        below = self.minimum + k * self.step
        above = min(self.maximum, below + self.step)
        return round(below, 12), round(above, 12)

    def validate(self, value: float | int) -> float | int:
        """Return ``value`` if it is allowed on this scale, else raise a clear ``ValueError``."""
        if self.is_continuous:
            assert self.minimum is not None and self.maximum is not None
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (self.minimum <= float(value) <= self.maximum)
            ):
                raise ValueError(
                    f"magnitude {value!r} is outside this scale's range {self.minimum:g}..{self.maximum:g}"
                )
            if not self.on_step(value):
                below, above = self.steps_around(value)
                raise ValueError(
                    f"magnitude {value!r} is not on this scale's steps of {self.step:g} from "
                    f"{self.minimum:g} (e.g. {below:g} or {above:g})"
                )
            return float(value)
        return self.level(value).value  # type: ignore[arg-type]

    def revise(
        self,
        *,
        version: str | None = None,
        levels: Iterable[Level | Mapping[str, Any]]
        | Mapping[int, Level | Mapping[str, Any] | None]
        | None = None,
        **changes: Any,
    ) -> Scale:
        """The next version of this rubric: a new scale with some parts changed.

        Parameters
        ----------
        version : str, optional
            The new guideline version, e.g. ``"v2"``. Defaults to ``"<name>@<hash>"`` of the new
            content. It must differ from this rubric's version, so that grades made under the two
            never mix.
        levels : sequence of Level, or mapping of value to changes, optional
            A sequence replaces all levels. A mapping edits some: ``{2: {"definition": "..."}}``
            changes fields of level 2, ``{4: Level(4, "perfect")}`` adds or replaces level 4, and
            ``{1: None}`` removes level 1.
        **changes
            Any other argument of :class:`Scale`: ``name``, ``flags``, ``title``, ``description``,
            ``notes``, ``minimum``, ``maximum``, ``step``.

        Examples
        --------
        >>> from xmwidgets.scale import MATCHING_RUBRIC
        >>> v2 = MATCHING_RUBRIC.revise(version="matching@2", levels={1: {"rule": "same topic"}})
        >>> v2.level(1).rule, v2.version
        ('same topic', 'matching@2')
        """
        allowed = {"name", "flags", "minimum", "maximum", "step", "title", "description", "notes"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise TypeError(
                f"revise() got unknown argument(s) {', '.join(map(repr, unknown))}: it takes "
                f"version, levels, {', '.join(sorted(allowed))}"
            )
        args: dict[str, Any] = {
            "name": self.name,
            "flags": self.flag_specs,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
            "title": self.title,
            "description": self.description,
            "notes": self.notes,
            **changes,
        }
        args["levels"] = self._revised_levels(levels)
        revised = type(self)(version=version, **args)
        if version is None and revised._fingerprint() == self._fingerprint():
            raise ValueError(
                f"revise() changed nothing in rubric {self.version!r}: pass the changes, "
                "or a new version=... to re-run the same rubric as a new round"
            )
        if revised.version == self.version:
            raise ValueError(
                f"version {version!r} is this rubric's version: a revised rubric needs a new one "
                "(e.g. 'v2'), else grades made under the two versions mix"
            )
        return revised

    def _revised_levels(
        self,
        levels: Iterable[Level | Mapping[str, Any]]
        | Mapping[int, Level | Mapping[str, Any] | None]
        | None,
    ) -> tuple[Level | Mapping[str, Any], ...]:
        if levels is None:
            return self.levels
        if not isinstance(levels, Mapping):
            return tuple(levels)
        by_value: dict[int, Level] = dict(self._by_value)
        for key, change in levels.items():
            if isinstance(key, bool) or not isinstance(key, numbers.Integral):
                raise TypeError(
                    f"levels={{{key!r}: ...}}: the keys of a mapping of changes are level values "
                    f"(ints such as {self.values[0] if self.values else 0}), got "
                    f"{type(key).__name__} {key!r}"
                )
            value = int(key)
            if change is None:
                if value not in by_value:
                    self.level(value)  # raises, naming the levels there are
                del by_value[value]
            elif isinstance(change, Level):
                if change.value != value:
                    raise ValueError(
                        f"levels={{{value!r}: Level({change.value}, ...)}}: the key must be the "
                        "level's value"
                    )
                by_value[value] = change
            elif isinstance(change, Mapping):
                if value in by_value:
                    by_value[value] = _replace_level(by_value[value], change)
                else:
                    by_value[value] = Level(**{"value": value, **dict(change)})
            else:
                raise TypeError(
                    f"levels[{value!r}] must be a Level, a mapping of changes or None, "
                    f"got {type(change).__name__}"
                )
        return tuple(by_value.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description, as synced to the browser (``js/src/protocol.ts``, ScaleSpec).

        ``flags`` stays a list of names (what the judge messages carry); ``flag_specs`` describes
        each flag (name, key, definition, applies_to) in the same order. Levels carry their
        ``rule`` and their ``examples`` (see :meth:`xmwidgets.rubric.Example.to_dict`).
        """
        return {
            "name": self.name,
            "title": self.title or self.name,
            "description": self.description,
            "version": self.version,
            "levels": [lv.to_dict() for lv in self.levels],
            "flags": list(self.flags),
            "flag_specs": [f.to_dict() for f in self.flag_specs],
            "notes": self.notes,
            "continuous": self.is_continuous,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
        }

    def to_frame(self) -> Any:
        """The rubric as a DataFrame (value, name, definition, rule, key, examples as text)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "value": lv.value,
                    "name": lv.name,
                    "definition": lv.definition,
                    "rule": lv.rule,
                    "key": lv.key,
                    "examples": [ex.describe() for ex in lv.examples],
                }
                for lv in self.levels
            ],
            columns=["value", "name", "definition", "rule", "key", "examples"],
        )

    def _repr_markdown_(self) -> str:
        # JupyterLab renders trusted Markdown as HTML: names and definitions are shown as text
        name = _markdown_text(self.title or self.name)
        version = _markdown_text(self.version)
        head = f"**{name}** ({version})"
        if self.description:
            head += f"\n\n{_markdown_text(self.description)}"
        flags = "".join(
            f"\n- {_markdown_text(f.name)}"
            + (f" (key {_markdown_text(f.key)})" if f.key else "")
            + f", on the {f.applies_to if f.applies_to != 'both' else 'candidate or query'}"
            + (f": {_markdown_text(f.definition)}" if f.definition else "")
            for f in self.flag_specs
        )
        tail = f"\n\nFlags:{flags}" if flags else ""
        if self.is_continuous:
            return f"{head}: continuous {self.minimum:g}–{self.maximum:g}{tail}"
        rules = any(lv.rule for lv in self.levels)
        examples = any(lv.examples for lv in self.levels)
        columns = ["value", "key", "name", "definition"]
        columns += ["rule"] * rules + ["examples"] * examples
        rows = []
        for lv in self.levels:
            cells = [str(lv.value), lv.key or "", lv.name, lv.definition]
            cells += [lv.rule] * rules + ["; ".join(ex.describe() for ex in lv.examples)] * examples
            rows.append("| " + " | ".join(_markdown_text(c) for c in cells) + " |")
        table = f"| {' | '.join(columns)} |\n|{'---|' * len(columns)}\n" + "\n".join(rows)
        return f"{head}\n\n{table}{tail}"

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = [
            f"<div class='xmw-rubric'><b>{esc(self.title or self.name)}</b> "
            f"<code>{esc(self.version)}</code>"
        ]
        if self.description:
            parts.append(f"<p>{esc(self.description)}</p>")
        if self.is_continuous:
            parts.append(f"<p>continuous {self.minimum:g}–{self.maximum:g}</p>")
        else:
            parts.append(
                "<table><tr><th>value</th><th>key</th><th>name</th><th>definition</th>"
                "<th>rule</th><th>examples</th></tr>"
            )
            for lv in self.levels:
                examples = "<br>".join(_example_html(ex) for ex in lv.examples)
                parts.append(
                    f"<tr><td>{lv.value}</td><td><kbd>{esc(lv.key or '')}</kbd></td>"
                    f"<td>{esc(lv.name)}</td><td>{esc(lv.definition)}</td>"
                    f"<td>{esc(lv.rule)}</td><td>{examples}</td></tr>"
                )
            parts.append("</table>")
        if self.flag_specs:
            parts.append("<p>Flags:</p><ul>")
            for f in self.flag_specs:
                key = f" <kbd>{esc(f.key)}</kbd>" if f.key else ""
                parts.append(
                    f"<li><code>{esc(f.name)}</code>{key} ({esc(f.applies_to)}): "
                    f"{esc(f.definition)}</li>"
                )
            parts.append("</ul>")
        parts.append(f"<p>notes {'allowed' if self.notes else 'off'}</p></div>")
        return "".join(parts)

    def _fingerprint(self) -> str:
        payload: list[Any] = [
            [lv._identity() for lv in self.levels],
            self.minimum,
            self.maximum,
            self.step,
            list(self.flags),
        ]
        # the rubric's newer parts join the hash only when set, so that a scale written before
        # they existed keeps its version (and its stored judgements still count as judged)
        extra: dict[str, Any] = {
            "flag_specs": [f.to_dict() for f in self.flag_specs if not is_default_flag(f)],
            "title": self.title,
            "description": self.description,
            "notes": "" if self.notes else "off",
        }
        extra = {k: v for k, v in extra.items() if v}
        if extra:
            payload.append(extra)
        return hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:8]


Rubric = Scale
"""A rubric is a :class:`Scale`: levels with rules and examples, flags, notes and a version."""


def _replace_level(level: Level, change: Mapping[str, Any]) -> Level:
    fields = {f.name for f in dataclasses.fields(Level)}
    unknown = sorted(set(change) - fields)
    if unknown:
        raise TypeError(
            f"level {level.value}: unknown field(s) {', '.join(map(repr, unknown))}; "
            f"a Level has {', '.join(sorted(fields))}"
        )
    return dataclasses.replace(level, **dict(change))


def _example_html(example: Example) -> str:
    esc = html.escape
    query = f"“{esc(example.query)}” → " if example.query else ""
    caption = f" <i>{esc(example.caption)}</i>" if example.caption else ""
    if example.kind == "text":
        return f"{query}{esc(example.content)}{caption}"
    shown = example.to_dict()
    src = shown.get("src") or ""
    # only our own data: URLs of images are put in markup; anything else is shown as text
    if shown["kind"] == "image" and src.startswith("data:image/"):
        return f"{query}<img src='{esc(src)}' style='max-height:48px'>{caption}"
    if shown["kind"] == "error":
        return f"{query}[{esc(example.kind or '')}: {esc(shown['error'])}]{caption}"
    return f"{query}[{esc(example.kind or '')}] {esc(src[:80] if not src.startswith('data:') else '')}{caption}"


# characters that Markdown or HTML would read as markup
_MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|~"


def _markdown_text(text: str) -> str:
    """``text`` as literal Markdown text: HTML escaped, Markdown punctuation backslash-escaped."""
    escaped = html.escape(text, quote=True).replace("\n", " ")
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in escaped)


def _check_unique(what: str, values: list[Any]) -> None:
    seen: set[Any] = set()
    for v in values:
        if v in seen:
            raise ValueError(
                f"duplicate level {what} {v!r} in scale: each level needs its own {what}"
            )
        seen.add(v)


def _check_flags(flags: tuple[Flag, ...], levels: tuple[Level, ...]) -> None:
    """Flag names unique; flag keys unique and apart from the level keys."""
    names: set[str] = set()
    for f in flags:
        if f.name in names:
            raise ValueError(f"duplicate flag {f.name!r} in scale: list each flag once")
        names.add(f.name)
    level_names = {lv.name.casefold(): lv for lv in levels}
    for f in flags:
        if f.name.casefold() in level_names:
            lv = level_names[f.name.casefold()]
            raise ValueError(
                f"flag {f.name!r} has the name of level {lv.value} ({lv.name!r}): the key map and "
                "the notices would read the same for both; rename the flag or the level"
            )
    level_keys = {lv.key: lv for lv in levels if lv.key is not None}
    keys: dict[str, str] = {}
    for f in flags:
        if f.key is None:
            continue
        if f.key in level_keys:
            lv = level_keys[f.key]
            raise ValueError(
                f"flag {f.name!r} key {f.key!r} is the key of level {lv.value} ({lv.name!r}): "
                "give the flag another key (e.g. an upper-case letter) or key=None"
            )
        if f.key in keys:
            raise ValueError(
                f"flags {keys[f.key]!r} and {f.name!r} both use key {f.key!r}: give each its own"
            )
        keys[f.key] = f.name


def _parse_levels(levels: Any) -> tuple[Level, ...]:
    """Levels from what a user passes: Level objects or mappings of Level fields."""
    if (
        levels is None
        or isinstance(levels, str | bytes | Mapping)
        or not isinstance(levels, Iterable)
    ):
        raise TypeError(
            f"levels must be a list of Level (or mappings of Level fields), got "
            f"{type(levels).__name__} {levels!r:.80}; e.g. levels=[Level(0, 'no'), Level(1, 'yes')]"
        )
    parsed = []
    for position, level in enumerate(levels):
        if isinstance(level, Level):
            parsed.append(level)
            continue
        if not isinstance(level, Mapping):
            raise TypeError(
                f"level {position} is {type(level).__name__} {level!r:.80}: give a Level or a "
                "mapping such as {'value': 0, 'name': 'no'}"
            )
        parsed.append(Level(**fields_of(level, Level, f"level {position}", ("value", "name"))))
    return tuple(parsed)


def _check_range(minimum: Any, maximum: Any, step: Any) -> None:
    """A continuous scale's minimum < maximum, both finite; step finite, > 0, within the range."""
    shown = f"minimum={minimum!r}, maximum={maximum!r}, step={step!r}"

    def number(x: Any) -> float | None:
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
            return None
        return float(x)

    low, high = number(minimum), number(maximum)
    if low is None or high is None or not low < high:
        raise ValueError(
            f"a continuous scale needs finite numbers minimum < maximum, got {shown}; "
            "e.g. Scale.continuous(0, 100)"
        )
    if step is not None:
        size = number(step)
        if size is None or not 0 < size <= high - low:
            raise ValueError(
                f"step must be a number above 0 and at most maximum - minimum ({high - low:g}), "
                f"got {shown}; e.g. step=1"
            )


# characters a level name may not hold, by what they are called in the error
_LINE_BREAKING = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab"}
_SEPARATORS = {"Zl": "a line separator", "Zp": "a paragraph separator"}


def _unprintable(char: str) -> str | None:
    """What `char` is called when a level name may not hold it (a control character or a line
    or paragraph separator), else None."""
    if char in _LINE_BREAKING:
        return _LINE_BREAKING[char]
    category = unicodedata.category(char)
    if category == "Cc":
        return "a control character"
    return _SEPARATORS.get(category)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_surrogates(value: Any, path: str) -> None:
    """Refuse a lone surrogate anywhere in a scale's text (``value``: its parts as JSON-ready
    data, ``path`` where they are). Such a str is not text: the store (UTF-8) and the browser's
    messages cannot hold it, and it failed with a bare UnicodeEncodeError when a widget opened."""
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        if found is not None:
            at = found.start()
            raise ValueError(
                f"the scale's {path} {value!r} holds a lone surrogate (U+{ord(value[at]):04X}) at "
                "position "
                f"{at}, which is not text: neither the store nor the browser can hold it (it comes "
                "from bytes decoded with errors='surrogateescape' or from a cut string); fix the "
                "text, e.g. text.encode('utf-8', 'replace').decode('utf-8')"
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_surrogates(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for k, item in enumerate(value):
            _refuse_surrogates(item, f"{path}[{k}]")


def _check_one_line(value: int, name: str) -> None:
    """Refuse a level name with a newline, tab or other control character.

    A level's name is one line of text on its button, in the legend, the help and the rubric: a
    newline there shows as a space in some places and breaks the line in others, a tab as a gap,
    other control characters as nothing at all (and two names that differ only by one look the
    same). Refused rather than changed quietly, as the name is part of the scale's version.
    """
    bad = [(i, c) for i, c in enumerate(name) if _unprintable(c) is not None]
    if not bad:
        return
    at, char = bad[0]
    fixed = " ".join("".join(" " if _unprintable(c) else c for c in name).split())
    instead = f"e.g. Level({value}, {fixed!r}, ...)" if fixed else "with visible characters"
    raise ValueError(
        f"level {value} name {name!r} holds {_unprintable(char)} (U+{ord(char):04X}) at "
        f"position {at}: a level's name is one line of text on its button, in the legend and in "
        f"the rubric; write it without, {instead} (longer text goes in definition=)"
    )


def _warn_near_default_flags(flags: tuple[Flag, ...]) -> None:
    """Warn of a bare flag (no key, no definition) named like a built-in one: a typo.

    ``flags=["near-dupicate"]`` makes a flag of its own, which no key sets and the rubric panel
    cannot explain, where the built-in ``near-duplicate`` (key U) was meant.
    """
    builtin = [f.name for f in DEFAULT_FLAGS]
    for spec in flags:
        if spec.name in builtin or spec.key is not None or spec.definition:
            continue
        close = difflib.get_close_matches(spec.name, builtin, n=1, cutoff=0.6)
        if close and _edit_distance(spec.name.casefold(), close[0], 2) <= 2:
            warnings.warn(
                f"flag {spec.name!r} is not a built-in flag, so it has no key and no "
                f"definition: did you mean {close[0]!r}? (the built-in flags are "
                f"{', '.join(builtin)}; to keep a flag of your own, give it a definition, e.g. "
                f"Flag({spec.name!r}, 'what it means', key='Q'))",
                UserWarning,
                stacklevel=3,
            )


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it is above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _warn_keyless(levels: tuple[Level, ...]) -> None:
    """Say which levels no key reaches: only 0-9 get their digit, others need key=..."""
    keyless = [lv for lv in levels if lv.key is None]
    if keyless:
        shown = ", ".join(f"{lv.value} ({lv.name!r})" for lv in keyless[:5])
        warnings.warn(
            f"level{'s' if len(keyless) > 1 else ''} {shown} {'have' if len(keyless) > 1 else 'has'} "
            "no key (only levels 0-9 get their digit): annotators can set "
            f"{'them' if len(keyless) > 1 else 'it'} by mouse only; give each a key, e.g. "
            f"Level({keyless[0].value}, {keyless[0].name!r}, key='q') (not {reserved_keys_text()})",
            UserWarning,
            stacklevel=3,
        )


TREC_SCALE = Scale(
    levels=[
        Level(0, "not relevant", "Nothing in the candidate matches the query."),
        Level(1, "related", "On the topic of the query, but does not answer it."),
        Level(
            2,
            "partially relevant",
            "Matches the query in part: some attributes agree, some differ.",
        ),
        Level(3, "exact match", "Matches every part of the query."),
    ],
    name="trec-0-3",
    version="trec-0-3@1",
    flags=("ambiguous-query", "dissonant", "broken-media"),
)


_BUS = "a red double-decker bus crossing a bridge"

MATCHING_RUBRIC = Scale(
    levels=[
        Level(
            3,
            "exact match",
            "The candidate shows or says everything the query asks for.",
            rule="Every object, attribute, count, action and relation in the query is in the "
            "candidate, and nothing in it contradicts the query.",
            examples=(
                Example(
                    "image: a red double-decker bus driving over a river bridge",
                    query=_BUS,
                    caption="bus, colour, type and bridge all match",
                ),
            ),
        ),
        Level(
            2,
            "partial relevance",
            "The main subject matches, but some part of the query is missing or different.",
            rule="The main subject matches; at least one attribute, count, action or setting "
            "is missing or differs.",
            examples=(
                Example(
                    "image: a red double-decker bus parked at a depot",
                    query=_BUS,
                    caption="the bus matches, the bridge is missing",
                ),
            ),
        ),
        Level(
            1,
            "semantic similarity",
            "Related in topic or meaning, but not the thing the query asks for.",
            rule="Shares the theme or a closely related concept, but the main subject is a "
            "different thing.",
            examples=(
                Example(
                    "image: a red tram crossing a bridge",
                    query=_BUS,
                    caption="same scene and colour, but a tram, not a bus",
                ),
            ),
        ),
        Level(
            0,
            "unrelated",
            "Nothing in the candidate corresponds to the query.",
            rule="No subject, attribute or topic in common (media that cannot be judged is "
            "flagged broken-media, not graded 0).",
            examples=(
                Example(
                    "image: a bowl of ramen on a wooden table",
                    query=_BUS,
                    caption="nothing in common",
                ),
            ),
        ),
    ],
    name="matching",
    version="matching@1",
    title="Matching rules for cross-modal retrieval",
    description="Judge how well each candidate (an image, a clip or a text) matches the query "
    "(a caption or a media item). Pick the highest level whose rule holds; flag what a grade "
    "cannot say.",
    flags=DEFAULT_FLAGS,
)
"""The seed matching practice: exact match 3, partial relevance 2, semantic similarity 1,
unrelated 0, each with a one-line rule and an example; the built-in flags; notes allowed."""
