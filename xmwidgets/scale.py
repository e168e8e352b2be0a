"""Relevance scales: the levels an annotator chooses from, as data.

A scale is either *discrete* (named levels such as TREC's 0–3, each with a definition and a key) or
*continuous* (a numeric range such as 0–100 magnitude estimation). Its ``version`` is recorded on every
judgement as ``guideline_version`` so that judgements made under different rubrics stay apart.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TREC_SCALE", "Level", "Scale"]

# keys the widgets use for navigation and commands; a level may not take one of them
# (space plays media, [ ] seek, m flags broken media, g goes to a query)
RESERVED_KEYS = frozenset("hjklbxnpz?mg[] ") | {
    "Enter",
    "ArrowLeft",
    "ArrowRight",
    "ArrowUp",
    "ArrowDown",
}


@dataclass(frozen=True)
class Level:
    """One level of a discrete relevance scale.

    Parameters
    ----------
    value : int
        The number stored as ``relevance`` (nullable Int8, so -128..127).
    name : str
        Short name shown on the slider tick, e.g. ``"exact match"``.
    definition : str
        One-line definition shown in the key map and as the tick's tooltip.
    key : str, optional
        Keyboard key that sets this level; defaults to the value's digit when it is 0–9.
    examples : tuple of str
        Optional worked examples, shown with the rubric.
    """

    value: int
    name: str
    definition: str = ""
    key: str | None = None
    examples: tuple[str, ...] = ()

    def __post_init__(self) -> None:
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
        key = self.key
        if key is None and 0 <= self.value <= 9:
            key = str(self.value)
        if key is not None:
            if not isinstance(key, str) or len(key) != 1:
                raise ValueError(f"level {self.value} key must be a single character, got {key!r}")
            if key in RESERVED_KEYS:
                raise ValueError(
                    f"level {self.value} key {key!r} is reserved for navigation or commands "
                    f"({', '.join(sorted('Space' if k == ' ' else k for k in RESERVED_KEYS if len(k) == 1))}); "
                    "choose another"
                )
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "examples", tuple(self.examples))

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "name": self.name,
            "definition": self.definition,
            "key": self.key,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class Scale:
    """A relevance scale: discrete named levels, or a continuous range.

    Parameters
    ----------
    levels : sequence of Level or mapping
        The levels, in any order (they are sorted by value). Mappings are passed to :class:`Level`.
    name : str
        Name of the scale, shown in the key map.
    version : str, optional
        The guideline version recorded on every judgement. Defaults to ``"<name>@<hash>"`` where the
        hash covers the levels, so editing a definition gives a new version automatically.
    flags : sequence of str
        Flags an annotator may attach (e.g. ``"ambiguous-query"``); stored comma-separated.

    Examples
    --------
    >>> s = Scale(levels=[Level(0, "no"), Level(1, "yes")], name="binary")
    >>> s.values
    [0, 1]
    >>> s.level(1).name
    'yes'
    """

    levels: tuple[Level, ...] = ()
    name: str = "scale"
    version: str = ""
    flags: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    _by_value: dict[int, Level] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __init__(
        self,
        levels: Iterable[Level | Mapping[str, Any]] = (),
        *,
        name: str = "scale",
        version: str | None = None,
        flags: Sequence[str] = (),
        minimum: float | None = None,
        maximum: float | None = None,
        step: float | None = None,
    ) -> None:
        parsed = tuple(lv if isinstance(lv, Level) else Level(**dict(lv)) for lv in levels)
        continuous = minimum is not None or maximum is not None
        if continuous:
            if parsed:
                raise ValueError(
                    "a scale is either discrete (levels) or continuous (minimum/maximum), not both"
                )
            if minimum is None or maximum is None or not float(minimum) < float(maximum):
                raise ValueError(
                    f"a continuous scale needs minimum < maximum, got minimum={minimum!r}, maximum={maximum!r}"
                )
        elif not parsed:
            raise ValueError(
                "a scale needs at least one level, e.g. Scale(levels=[Level(0, 'no'), Level(1, 'yes')])"
            )
        parsed = tuple(sorted(parsed, key=lambda lv: lv.value))
        _check_unique("value", [lv.value for lv in parsed])
        _check_unique("name", [lv.name for lv in parsed])
        _check_unique("key", [lv.key for lv in parsed if lv.key is not None])
        object.__setattr__(self, "levels", parsed)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "flags", tuple(flags))
        object.__setattr__(self, "minimum", None if minimum is None else float(minimum))
        object.__setattr__(self, "maximum", None if maximum is None else float(maximum))
        object.__setattr__(self, "step", None if step is None else float(step))
        object.__setattr__(self, "_by_value", {lv.value: lv for lv in parsed})
        object.__setattr__(self, "version", version or f"{name}@{self._fingerprint()}")

    @classmethod
    def continuous(
        cls,
        minimum: float = 0,
        maximum: float = 100,
        *,
        step: float = 1,
        name: str = "magnitude",
        version: str | None = None,
    ) -> Scale:
        """A continuous scale, e.g. 0–100 magnitude estimation (stored as ``magnitude``)."""
        return cls(name=name, minimum=minimum, maximum=maximum, step=step, version=version)

    @property
    def is_continuous(self) -> bool:
        return self.minimum is not None

    @property
    def values(self) -> list[int]:
        """The level values in ascending order (the value domain for agreement measures)."""
        return [lv.value for lv in self.levels]

    def level(self, value: int) -> Level:
        """The level with this value; a clear error for an unknown one."""
        try:
            return self._by_value[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                f"unknown relevance level {value!r}: this scale has levels "
                f"{', '.join(str(v) for v in self.values)}"
            ) from None

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
            return float(value)
        return self.level(value).value  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description, as synced to the browser."""
        return {
            "name": self.name,
            "version": self.version,
            "levels": [lv.to_dict() for lv in self.levels],
            "flags": list(self.flags),
            "continuous": self.is_continuous,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
        }

    def to_frame(self) -> Any:
        """The rubric as a DataFrame (value, name, definition, key)."""
        import pandas as pd

        return pd.DataFrame(
            [lv.to_dict() for lv in self.levels],
            columns=["value", "name", "definition", "key", "examples"],
        )

    def _repr_markdown_(self) -> str:
        # JupyterLab renders trusted Markdown as HTML: names and definitions are shown as text
        name, version = _markdown_text(self.name), _markdown_text(self.version)
        if self.is_continuous:
            return f"**{name}** ({version}): continuous {self.minimum:g}–{self.maximum:g}"
        rows = "\n".join(
            f"| {lv.value} | {_markdown_text(lv.key or '')} | {_markdown_text(lv.name)} | "
            f"{_markdown_text(lv.definition)} |"
            for lv in self.levels
        )
        return (
            f"**{name}** ({version})\n\n| value | key | name | definition |\n"
            f"|---|---|---|---|\n{rows}"
        )

    def _fingerprint(self) -> str:
        payload = json.dumps(
            [
                [lv.to_dict() for lv in self.levels],
                self.minimum,
                self.maximum,
                self.step,
                list(self.flags),
            ],
            sort_keys=True,
        )
        return hashlib.sha1(payload.encode()).hexdigest()[:8]


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
