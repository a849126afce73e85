"""Which unit should handle a request: routing rules first, then a model of past assignments.

Two sources, in order:

1. **Routing rules** (:class:`RoutingRules`): the district's table ``category x region ->
   unit`` (supplied by the jurisdiction pack). The most specific rule wins:
   (category, region), then (category, any region), then (any category, region).
2. **A learned router** (:class:`UnitRouter`): the same calibrated linear text model as the
   categories (:mod:`civicgrid.nlp.textmodel`) trained on past cases and the unit that
   handled them (``civicgrid route train``). It always offers its top three units, so a
   dispatcher sees alternatives even when a rule decided.

A :class:`UnitSuggestion` says which source decided (``rule``, ``model`` or ``none``) and
why, in words the console can show.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from civicgrid.nlp.classifier import CategoryModel
from civicgrid.nlp.textmodel import FeatureSpec, TextClassifier, fit_text_classifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoutingRule:
    """One rule: requests of ``category`` in ``region`` go to ``unit`` (None = any)."""

    unit: str
    category: str | None = None
    region: str | None = None


@dataclass
class RoutingRules:
    """The district's routing table, looked up from most to least specific."""

    rules: list[RoutingRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._table = {(r.category, r.region): r for r in self.rules}

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, str | None]]) -> RoutingRules:
        """Rules from dicts with keys ``unit``, ``category`` and ``region`` (blank = any)."""
        rules = []
        for row in rows:
            if not row.get("unit"):
                raise ValueError(f"routing rule {row!r} has no 'unit'; every rule names one")
            rules.append(RoutingRule(str(row["unit"]), row.get("category") or None,
                                     row.get("region") or None))
        return cls(rules)

    def lookup(self, category: str | None, region: str | None) -> RoutingRule | None:
        """The most specific rule for a category and region, or None."""
        keys: list[tuple[str | None, str | None]] = []
        if category and region:
            keys.append((category, region))
        if category:
            keys.append((category, None))
        if region:
            keys.append((None, region))
        for key in keys:
            if key in self._table:
                return self._table[key]
        return None


@dataclass(frozen=True)
class UnitSuggestion:
    """The suggested unit, how sure, which source decided, and alternatives."""

    unit: str | None
    confidence: float
    source: str  # "rule", "model" or "none"
    top3: list[tuple[str, float]]
    model_version: str | None
    evidence: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["top3"] = [{"unit": unit, "confidence": conf} for unit, conf in self.top3]
        return data


@dataclass
class UnitRouter(CategoryModel):
    """A router learned from past assignments (same engine as the category model)."""

    kind: str = "routing"

    def suggest(
        self,
        texts: Sequence[str | None],
        *,
        categories: Sequence[str | None] | None = None,
        regions: Sequence[str | None] | None = None,
        rules: RoutingRules | None = None,
    ) -> list[UnitSuggestion]:
        """A unit suggestion per text: a matching rule wins, else the model's first unit."""
        predictions = self.predict(texts)
        out = []
        for i, prediction in enumerate(predictions):
            category = categories[i] if categories else None
            region = regions[i] if regions else None
            rule = rules.lookup(category, region) if rules else None
            out.append(_decide(prediction.top3, self.version, rule, category, region))
        return out


def suggest_unit(
    text: str | None,
    *,
    category: str | None = None,
    region: str | None = None,
    rules: RoutingRules | None = None,
    router: UnitRouter | None = None,
) -> UnitSuggestion:
    """One unit suggestion from the rules and, when given, the learned router."""
    if router is not None:
        return router.suggest([text], categories=[category], regions=[region], rules=rules)[0]
    rule = rules.lookup(category, region) if rules else None
    return _decide([], None, rule, category, region)


def _decide(
    top3: list[tuple[str, float]], version: str | None, rule: RoutingRule | None,
    category: str | None, region: str | None,
) -> UnitSuggestion:
    if rule is not None:
        scope = f"{rule.category or '任意类别'} × {rule.region or '任意区域'}"
        return UnitSuggestion(rule.unit, 1.0, "rule", top3, version,
                              f"分派规则 {scope} → {rule.unit}")
    if top3:
        unit, confidence = top3[0]
        return UnitSuggestion(unit, confidence, "model", top3, version,
                              f"历史分派模型 {version}: {unit} ({confidence:.0%})")
    why = "没有匹配的分派规则" + ("，也没有历史分派模型" if version is None else "，文本内容不足")
    return UnitSuggestion(None, 0.0, "none", [], version, why)


def train_unit_router(
    texts: Sequence[str | None], units: Sequence[str], *, threshold: float = 0.3,
    seed: int = 42, calibrate: bool = True, algorithm: str = "nbsvm",
) -> UnitRouter:
    """Train a unit router from past request texts and the units that handled them."""
    # Units are many (a district has 50-200) and each NBSVM class stores a dense weight row,
    # so the router reads fewer features than the category model: character 1-2-grams and
    # words, at most 60,000 of each.
    spec = FeatureSpec(char_ngrams=(1, 2), min_df=2 if len(texts) >= 200 else 1,
                       max_features=60_000)
    engine: TextClassifier = fit_text_classifier(
        texts, units, prefix="route", spec=spec, seed=seed, algorithm=algorithm,
        calibration_folds=3 if calibrate else 0,
    )
    return UnitRouter(engine=engine, threshold=threshold)


__all__ = [
    "RoutingRule", "RoutingRules", "UnitRouter", "UnitSuggestion", "suggest_unit",
    "train_unit_router",
]
