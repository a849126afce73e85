"""Rule-based parsing of a Chinese address (or a request text naming one) into its levels.

``parse(text)`` returns a :class:`ParsedAddress` with province, city, district (each with its
official code), street 街道 (code), community 社区, road, road number, estate or POI,
building, unit, floor and room, plus:

* ``level``: the deepest level reached, and ``confidence`` in [0, 1];
* ``flags``: what a reviewer must know, in Chinese as the console shows them:
  ``非本辖区`` (placed outside the jurisdiction), ``港澳台`` / ``香港`` / ``澳门`` / ``台湾``,
  ``提及香港`` (a place outside the mainland is mentioned, but not as the address),
  ``区县未识别`` (a 区 word that is no known district, e.g. the typo 深圳市南区),
  ``区县不确定`` (a duplicated name the text does not settle), ``区县与上级不符``,
  ``街道与区县不符``, ``市区由辖区推定`` (nothing administrative written; city and district
  taken from the jurisdiction), ``缺区县``, ``仅有POI`` (a place name and nothing to find a
  door by), ``非中文地址`` (no Chinese characters: English or pinyin, not guessed at), ``空地址``;
* ``needs_review``: confidence below 0.5.

The jurisdiction (default 南山区 440305) decides duplicated names and what is "ours". It
never overrides explicit higher-level evidence: ``黑龙江省鹤岗市南山区`` is 230404 and flagged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field

from civicgrid.addresses.admin import AdminChain, AdminElement, ChainFinder, unknown_district
from civicgrid.addresses.details import Details, parse_details
from civicgrid.addresses.gazetteer import (
    SPECIAL_REGIONS,
    Division,
    Gazetteer,
    default_gazetteer,
)
from civicgrid.addresses.normalise import normalise

log = logging.getLogger(__name__)

LEVEL_ORDER = (
    "province", "city", "district", "street", "community", "road", "road_number", "poi",
    "building", "unit", "floor", "room",
)
_CLAUSE_BREAK = re.compile(r"[，,。；;！!？?\s]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAS_PLACE = re.compile(r"路|街|道|号|栋|座|幢|单元|室|大厦|花园|小区|广场")
REVIEW_BELOW = 0.5


@dataclass(frozen=True)
class Jurisdiction:
    """The district a platform serves; its city and province follow from the code."""

    district_code: str = "440305"

    @property
    def city_code(self) -> str:
        return self.district_code[:4] + "00"

    @property
    def province_code(self) -> str:
        return self.district_code[:2] + "0000"


@dataclass
class ParsedAddress:
    """An address split into standard levels, with codes, flags and a confidence."""

    text: str
    normalised: str = ""
    province: str | None = None
    province_code: str | None = None
    city: str | None = None
    city_code: str | None = None
    district: str | None = None
    district_code: str | None = None
    street: str | None = None
    street_code: str | None = None
    community: str | None = None
    road: str | None = None
    road_number: str | None = None
    poi: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: str | None = None
    room: str | None = None
    remainder: str | None = None
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)
    level: str | None = None
    confidence: float = 0.0

    @property
    def needs_review(self) -> bool:
        return self.confidence < REVIEW_BELOW

    def as_dict(self) -> dict[str, object]:
        """Plain fields for JSON (with ``needs_review``)."""
        return asdict(self) | {"needs_review": self.needs_review}


@dataclass
class _Resolution:
    chosen: dict[str, Division | None]
    names: dict[str, str]
    flags: list[str]
    penalty: float


def _pick_chain(chains: list[AdminChain], home: Jurisdiction) -> AdminChain | None:
    def in_home(chain: AdminChain) -> bool:
        return any(
            d.is_within(home.city_code) for e in chain.elements for d in e.candidates
        )

    for chain in chains:
        if in_home(chain) and not any(_is_special(e) for e in chain.elements):
            return chain
    return chains[0] if chains else None


def _is_special(element: AdminElement) -> bool:
    return any(d.code in SPECIAL_REGIONS for d in element.candidates)


def _resolve(chain: AdminChain | None, home: Jurisdiction) -> _Resolution:
    chosen: dict[str, Division | None] = {}
    names: dict[str, str] = {}
    flags: list[str] = []
    penalty = 0.0
    anchor: Division | None = None
    for element in chain.elements if chain else []:
        names.setdefault(element.level, element.name)
        if element.short:
            penalty += 0.1
        if not element.candidates:
            continue
        fitting = [d for d in element.candidates if anchor is None or d.is_within(anchor.code)]
        if not fitting:
            flags.append("区县与上级不符" if element.level == "district" else "街道与区县不符")
            penalty += 0.4
            continue
        if len(fitting) > 1:
            fitting = _prefer_home(fitting, home)
        if len({d.code for d in fitting}) > 1:
            flags.append("区县不确定")
            penalty += 0.6
            continue
        for division in sorted(fitting, key=lambda d: LEVEL_ORDER.index(d.level)):
            chosen[division.level] = division
            anchor = division
    return _Resolution(chosen, names, flags, penalty)


def _prefer_home(divisions: list[Division], home: Jurisdiction) -> list[Division]:
    # a municipality name is both province and city: keep both levels
    levels = {d.level for d in divisions}
    if len({d.code[:2] for d in divisions}) == 1 and len(levels) == len(divisions):
        return divisions
    for scope in (home.district_code, home.city_code, home.province_code):
        inside = [d for d in divisions if d.is_within(scope)]
        if inside:
            return inside
    return divisions


def _fill_upwards(chosen: dict[str, Division | None], gaz: Gazetteer, inferred: list[str]) -> None:
    """Infer missing higher levels from a lower one (南山区 → 深圳市 → 广东省)."""
    for level, parent_level in (("street", "district"), ("district", "city"), ("city", "province")):
        child = chosen.get(level)
        if child is None or chosen.get(parent_level) is not None or child.parent is None:
            continue
        parent = gaz.find(child.parent)
        if parent is not None and parent.level == parent_level:
            chosen[parent_level] = parent
            inferred.append(parent_level)


def _fill_from_home(chosen: dict[str, Division | None], gaz: Gazetteer, home: Jurisdiction) -> None:
    chosen["province"] = gaz.get(home.province_code, "province")
    chosen["city"] = gaz.get(home.city_code, "city")
    chosen["district"] = gaz.get(home.district_code, "district")


def _address_span(text: str, chain: AdminChain | None, chains: list[AdminChain]) -> str:
    if chain is None:
        clauses = [c for c in _CLAUSE_BREAK.split(text) if c]
        return next((c for c in clauses if _HAS_PLACE.search(c)), clauses[0] if clauses else "")
    end = len(text)
    brk = _CLAUSE_BREAK.search(text, chain.end)
    if brk:
        end = brk.start()
    later = [c.start for c in chains if c.start >= chain.end]
    if later:
        end = min(end, later[0])
    return text[chain.start : end]


def parse(
    text: str,
    *,
    gazetteer: Gazetteer | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> ParsedAddress:
    """Parse one address or request text; never raises on odd input (see ``flags``)."""
    gaz = gazetteer or default_gazetteer()
    home = jurisdiction or Jurisdiction()
    clean = normalise(text or "")
    result = ParsedAddress(text=text, normalised=clean.text, notes=clean.notes)
    if not _HAN.search(clean.text):
        result.flags.append("非中文地址" if clean.text else "空地址")
        result.remainder = clean.text or None
        _finish(result, 0.8)
        return result

    chains = ChainFinder(gaz, home.city_code).chains(clean.text)
    chain = _pick_chain(chains, home)
    span = _address_span(clean.text, chain, chains)
    rest = span[chain.end - chain.start :] if chain else span
    resolution = _resolve(chain, home)
    penalty = resolution.penalty

    # a 区 word under our own city that is no district of it: a typo, sent to review
    typo = unknown_district(rest) if chain and chain.deepest in ("province", "city") else None
    if typo:
        resolution.flags.append("区县未识别")
        result.remainder = typo
        rest = rest[len(typo) :]
        penalty += 0.7
    _place_levels(result, resolution, gaz, home, has_typo=bool(typo))
    _mentions(result, chains, chain)

    details = parse_details(rest, gaz.estates)
    _copy_details(result, details)
    _finish(result, penalty)
    log.debug("parsed address to level %s (confidence %.2f)", result.level, result.confidence)
    return result


def _place_levels(
    result: ParsedAddress, resolution: _Resolution, gaz: Gazetteer, home: Jurisdiction,
    *, has_typo: bool,
) -> None:
    chosen = resolution.chosen
    _fill_upwards(chosen, gaz, result.inferred)
    if not resolution.names and not has_typo:
        _fill_from_home(chosen, gaz, home)
        result.inferred += ["province", "city", "district"]
        result.flags.append("市区由辖区推定")
    for level in ("province", "city", "district", "street"):
        division = chosen.get(level)
        if division is not None:
            setattr(result, level, division.name)
            setattr(result, f"{level}_code", division.code)
        elif level in resolution.names:
            setattr(result, level, resolution.names[level])
    result.community = resolution.names.get("community")
    result.flags += resolution.flags
    _jurisdiction_flags(result, home)


def _jurisdiction_flags(result: ParsedAddress, home: Jurisdiction) -> None:
    code = result.district_code or result.city_code or result.province_code
    if result.province_code in SPECIAL_REGIONS:
        result.flags += ["港澳台", SPECIAL_REGIONS[result.province_code]]
    if code is None:
        return
    prefix = code.rstrip("0")
    home_prefix = home.district_code.rstrip("0")
    if not (home_prefix.startswith(prefix) or prefix.startswith(home_prefix)):
        result.flags.append("非本辖区")
    elif result.district_code is None and "区县未识别" not in result.flags:
        result.flags.append("缺区县")


def _mentions(result: ParsedAddress, chains: list[AdminChain], chain: AdminChain | None) -> None:
    """Flag HK/Macau/Taiwan named elsewhere in the text (``提及香港``)."""
    for other in chains:
        if other is chain:
            continue
        for element in other.elements:
            for division in element.candidates:
                region = SPECIAL_REGIONS.get(division.code)
                if region and f"提及{region}" not in result.flags:
                    result.flags.append(f"提及{region}")


def _copy_details(result: ParsedAddress, details: Details) -> None:
    for name in ("road", "road_number", "poi", "building", "unit", "floor", "room"):
        setattr(result, name, getattr(details, name))
    result.community = result.community or details.community
    pieces = [p for p in (result.remainder, details.remainder) if p]
    result.remainder = "".join(pieces) or None


def _finish(result: ParsedAddress, penalty: float) -> None:
    reached = [lvl for lvl in LEVEL_ORDER if getattr(result, lvl)]
    result.level = reached[-1] if reached else None
    confidence = 1.0 - penalty
    if "市区由辖区推定" in result.flags:
        confidence = min(confidence, 0.6)
    if not any(getattr(result, lvl) for lvl in LEVEL_ORDER[5:]):
        confidence -= 0.1
    elif result.poi and not any(getattr(result, lvl) for lvl in ("road", "building", "room")):
        result.flags.append("仅有POI")
    result.confidence = round(max(0.0, min(1.0, confidence)), 2)
