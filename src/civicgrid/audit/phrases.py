"""Phrase lists of the reply audit, with per-district overrides.

The default set ships in ``phrases.json`` beside this module. Each key holds a list of plain
strings; an entry starting with ``re:`` is a regular expression. A district changes the set
with a dict (or a JSON file holding one):

* ``{"closings": ["此致", "感谢"]}`` replaces the whole ``closings`` list;
* ``{"extend": {"rude": ["爱办不办"]}}`` appends to a list and keeps the defaults.

Keys (what the checks use them for):

============== ================================================================
openings        prescribed opening, looked for at the start of a reply
closings        prescribed closing, looked for at the end
acknowledgements receipt formulas (已收悉, 现回复如下) that carry no content
forwarding      "passed on to another unit" formulas (已转...阅处)
boilerplate     empty courtesy (高度重视, 感谢您对我们工作的支持)
evasions        bureaucratic evasions (尚无法办理, 会把您的意见反馈给相关部门)
rude            rude phrases, never allowed
resolved_claims claims that the matter is solved (已解决, 已办结)
actions         verbs of handling (现场, 责令, 拆除, 约谈...) that show what was done
basis           law, policy or on-site finding markers (《...》, 第N条, 经查)
pending         the matter continues (正在, 尚未, 下一步): a time frame is then needed
time_frames     a time frame (10月底前, 预计, 三个工作日内)
declines        an explicit refusal or negative answer (不属于, 无法, 不予)
referrals       the citizen is sent to another unit (建议您向, 请拨打)
generic_bigrams character pairs too common to show that a reply is on topic
surnames        one string of common surnames, for finding names in replies
============== ================================================================
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

LIST_KEYS = (
    "openings",
    "closings",
    "acknowledgements",
    "forwarding",
    "boilerplate",
    "evasions",
    "rude",
    "resolved_claims",
    "actions",
    "basis",
    "pending",
    "time_frames",
    "declines",
    "referrals",
    "generic_bigrams",
)

# Lists whose phrases carry no content (see civicgrid.audit.context).
FORMULA_KEYS = ("acknowledgements", "forwarding", "boilerplate", "evasions", "openings", "closings")

PhraseOverride = dict[str, Any] | str | Path | None


class PhraseError(ValueError):
    """A phrase override that cannot be used; the message names the key and the fix."""


@dataclass(frozen=True)
class PhraseSet:
    """The compiled phrase lists: one regular expression per key."""

    lists: dict[str, tuple[str, ...]]
    patterns: dict[str, re.Pattern[str]]
    generic_bigrams: frozenset[str]
    surnames: frozenset[str]

    def find(self, key: str, text: str) -> list[re.Match[str]]:
        """All matches of one phrase list in ``text``."""
        return list(self.patterns[key].finditer(text))

    def search(self, key: str, text: str) -> re.Match[str] | None:
        """The first match of one phrase list in ``text``, or None."""
        return self.patterns[key].search(text)


def load_phrases(override: PhraseOverride = None) -> PhraseSet:
    """The default phrase set, changed by a district's dict or JSON file when given."""
    if override is None:
        return _default_set()
    data = _read_override(override)
    lists = dict(_default_lists())
    surnames = _default_surnames()
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if key == "extend":
            _extend(lists, value)
        elif key == "surnames":
            surnames = _as_surnames(value)
        elif key in LIST_KEYS:
            lists[key] = _as_list(key, value)
        else:
            raise PhraseError(
                f"phrase key {key!r} is unknown; use one of {', '.join(LIST_KEYS)}, 'surnames' "
                "or 'extend'"
            )
    return _compile(lists, surnames)


def _read_override(override: dict[str, Any] | str | Path) -> dict[str, Any]:
    if isinstance(override, dict):
        return override
    path = Path(override)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PhraseError(f"phrase file {str(path)!r} does not exist; check the path") from None
    except ValueError as exc:
        raise PhraseError(f"phrase file {str(path)!r} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PhraseError(f"phrase file {str(path)!r} must hold one JSON object of lists")
    return data


def _extend(lists: dict[str, tuple[str, ...]], value: Any) -> None:
    if not isinstance(value, dict):
        raise PhraseError("phrase key 'extend' must map list names to lists of phrases")
    for key, extra in value.items():
        if key not in LIST_KEYS:
            raise PhraseError(
                f"phrase key {key!r} under 'extend' is unknown; use one of {LIST_KEYS}"
            )
        lists[key] = lists[key] + _as_list(key, extra)


def _as_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PhraseError(f"phrase key {key!r} must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _as_surnames(value: Any) -> frozenset[str]:
    if not isinstance(value, str) or not value:
        raise PhraseError("phrase key 'surnames' must be one string of surname characters")
    return frozenset(value)


def _compile(lists: dict[str, tuple[str, ...]], surnames: frozenset[str]) -> PhraseSet:
    patterns = {}
    for key in LIST_KEYS:
        if key == "generic_bigrams":
            continue
        patterns[key] = _alternation(key, lists[key])
    # All formula lists in one pattern: the content test strips them in a single pass.
    formulas = tuple(p for key in FORMULA_KEYS for p in lists[key])
    patterns["formulas"] = _alternation("formulas", formulas)
    return PhraseSet(
        lists=lists,
        patterns=patterns,
        generic_bigrams=frozenset(lists["generic_bigrams"]),
        surnames=surnames,
    )


def _alternation(key: str, phrases: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    # Longest plain phrase first, so that 已处理完毕 wins over 处理完毕.
    for phrase in sorted(phrases, key=len, reverse=True):
        if phrase.startswith("re:"):
            try:
                re.compile(phrase[3:])
            except re.error as exc:
                raise PhraseError(
                    f"phrase {phrase!r} in {key!r} is not a valid regex: {exc}"
                ) from None
            parts.append(f"(?:{phrase[3:]})")
        else:
            parts.append(re.escape(phrase))
    if not parts:
        return re.compile(r"(?!x)x")  # matches nothing: the district emptied the list
    return re.compile("|".join(parts))


@lru_cache(maxsize=1)
def _raw_default() -> dict[str, Any]:
    text = resources.files("civicgrid.audit").joinpath("phrases.json").read_text(encoding="utf-8")
    return json.loads(text)


def _default_lists() -> dict[str, tuple[str, ...]]:
    raw = _raw_default()
    return {key: tuple(raw[key]) for key in LIST_KEYS}


def _default_surnames() -> frozenset[str]:
    return frozenset(_raw_default()["surnames"])


@lru_cache(maxsize=1)
def _default_set() -> PhraseSet:
    return _compile(_default_lists(), _default_surnames())
