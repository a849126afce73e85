"""Generated ground data for the demo: people, enterprises, visits, key-group tags, building
heads with points and monthly gas and power usage.

Everything is labelled ``generated`` and made by user ``demo-generator``. Households live in
the occupied homes of the generated address base (:func:`civicgrid.addresses.base.
generate_demo_base`, laid first) and take its house, building and grid codes; without a base
the codes are generated references (``NSDEMO-B0001-H0101``) under the pack's grid regions.
Monthly usage is written the way the companies write addresses (full-width digits, 座 for 栋,
no district or street, a stray 房) and imported through the address matcher like a real
file, with a few empty homes using gas and power and a few addresses outside the base. A few
records carry the faults the checks look for (a 15-digit ID number, a wrong check digit, one
person in two houses, a reused credit code) so the demo shows them.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.addresses.models import AddressBuilding, AddressHouse
from civicgrid.ground.checks import credit_check_character
from civicgrid.ground.config import load_config
from civicgrid.ground.heads import appoint, balance, claim, redeem, verify
from civicgrid.ground.models import Person, UtilityUsage
from civicgrid.ground.records import PersonIn, record_visit, save_enterprise, save_person
from civicgrid.ground.tags import evaluate
from civicgrid.ground.utility import import_rows
from civicgrid.ground.vault import Vault
from civicgrid.jurisdiction.models import Region
from civicgrid.privacy.masking import id_check_character

log = logging.getLogger(__name__)

ACTOR = "demo-generator"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
INDUSTRIES = ["批发和零售业", "住宿和餐饮业", "信息技术服务", "制造业", "租赁和商务服务业"]
RELATIONS = ["户主", "配偶", "子女", "父母", "其他"]
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _id_number(rng: random.Random, born: dt.date) -> str:
    first17 = f"440305{born:%Y%m%d}{rng.randint(100, 999)}"
    return first17 + id_check_character(first17)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _credit(rng: random.Random) -> str:
    first17 = "91440300" + "".join(rng.choice(CREDIT_CHARS) for _ in range(9))
    return first17 + credit_check_character(first17)


def _base_homes(session: Session, count: int) -> list[tuple[AddressHouse, AddressBuilding]]:
    """Homes (a room in a unit) of the generated base: ``count`` occupied ones, then a few
    empty ones."""
    rows = session.execute(
        select(AddressHouse, AddressBuilding)
        .join(AddressBuilding, AddressHouse.building_id == AddressBuilding.id)
        .where(
            AddressHouse.generated.is_(True),
            AddressHouse.room.is_not(None),
            AddressHouse.unit.is_not(None),
        )
        .order_by(AddressHouse.id)
    ).all()
    occupied = [r for r in rows if r[0].residents]
    return occupied[:count] + [r for r in rows if not r[0].residents][: max(3, count // 20)]


def _places(session: Session, grids: list[str], houses: int) -> list[tuple[str, str, str]]:
    """(house, building, grid) codes of the homes to fill: the base's, else generated."""
    homes = [
        (h.code, b.code, h.grid_code or grids[0])
        for h, b in _base_homes(session, houses)
        if h.residents
    ]
    if homes:
        return homes
    return [
        (
            f"NSDEMO-B{h // 12 + 1:04d}-H{(h % 12) // 4 + 1}{h % 4 + 1:02d}",
            f"NSDEMO-B{h // 12 + 1:04d}",
            grids[(h // 12) % len(grids)],
        )
        for h in range(houses)
    ]


def _households(
    session: Session,
    vault: Vault,
    rng: random.Random,
    places: list[tuple[str, str, str]],
    today: dt.date,
) -> list[str]:
    codes = []
    for house, building, grid in places:
        codes.append(house)
        size = rng.choice([1, 1, 2, 3, 3, 4])
        tenure = rng.choice(["owner", "owner", "tenant"])
        for member in range(size):
            age = rng.randint(80, 95) if size == 1 and rng.random() < 0.3 else rng.randint(1, 90)
            born = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
            data = PersonIn(
                house_code=house,
                building_code=building,
                grid_code=grid,
                name=_name(rng),
                id_number=_id_number(rng, born),
                phone=f"13{rng.randint(100000000, 999999999)}",
                relation=RELATIONS[min(member, 4)],
                tenure=tenure,
                arrived_on=today - dt.timedelta(days=rng.randint(3, 3000)),
            )
            save_person(session=session, vault=vault, data=data, actor=ACTOR, generated=True)
    return codes


def _faults(session: Session, vault: Vault, houses: list[str], grid: str) -> None:
    """Records that show the checks: old number, wrong digit, one person in two houses."""
    first17 = "44030519750315123"
    right = first17 + id_check_character(first17)
    wrong = first17 + ("0" if right[-1] != "0" else "1")
    for house, number in (
        (houses[0], "440305750315123"),
        (houses[1], wrong),
        (houses[2], right),
        (houses[3], right),
    ):
        save_person(
            session=session,
            vault=vault,
            actor=ACTOR,
            generated=True,
            data=PersonIn(house_code=house, grid_code=grid, name="演示人员", id_number=number),
        )


def _enterprises(
    session: Session, rng: random.Random, grids: list[str], houses: list[str], count: int
) -> None:
    codes = [_credit(rng) for _ in range(count)]
    codes[1] = codes[0]  # a reused code
    codes[2] = codes[2][:17] + ("0" if codes[2][17] != "0" else "1")  # a wrong check char
    for i, code in enumerate(codes):
        save_enterprise(
            session=session,
            actor=ACTOR,
            generated=True,
            values={
                "name": f"南山演示{rng.choice(['科技', '商贸', '餐饮', '物业'])}有限公司{i + 1}",
                "credit_code": code,
                "house_code": rng.choice(houses),
                "grid_code": rng.choice(grids),
                "legal_representative": _name(rng),
                "industry": rng.choice(INDUSTRIES),
                "staff": rng.randint(1, 200),
            },
        )


def _visits(
    session: Session, rng: random.Random, houses: list[str], today: dt.date, count: int
) -> None:
    findings = [
        "家中老人身体状况良好",
        "出租屋消防通道堆放杂物",
        "新入住租户已登记",
        "独居老人需定期探访",
        "电动车楼道充电",
    ]
    for _ in range(count):
        when = dt.datetime.combine(
            today - dt.timedelta(days=rng.randint(0, 60)), dt.time(10), tzinfo=dt.UTC
        )
        text = rng.choice(findings)
        record_visit(
            session=session,
            actor=ACTOR,
            generated=True,
            values={
                "visitor": "演示网格员",
                "visited_at": when,
                "house_code": rng.choice(houses),
                "findings": text,
                "follow_up": "已提醒整改" if "杂物" in text or "充电" in text else None,
            },
        )


def _street_of(session: Session, grid: str) -> str | None:
    code: str | None = grid
    for _ in range(3):
        region = session.get(Region, code) if code else None
        if region is None or region.level == "street":
            return region.code if region else None
        code = region.parent_code
    return None


def _heads(
    session: Session, vault: Vault, rng: random.Random, places: list[tuple[str, str, str]]
) -> None:
    """One head per building; some verified actions, some still claimed, one redemption."""
    rules = load_config()["head_points"]
    buildings = list(dict.fromkeys((building, grid) for _, building, grid in places))
    for b, (building, grid) in enumerate(buildings):
        head = appoint(
            session=session,
            vault=vault,
            actor=ACTOR,
            generated=True,
            values={
                "name": _name(rng),
                "building_code": building,
                "grid_code": grid,
                "street_code": _street_of(session, grid),
                "phone": f"139{rng.randint(0, 10**8):08d}",
                "duties": ["政策通知送达", "隐患信息报告", "楼栋议事"],
                "joined_on": dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 600)),
            },
        )
        for _ in range(rng.randint(1, 5)):
            action = claim(
                session=session,
                head_id=head.id,
                kind=rng.choice(sorted(rules)),
                occurred_on=dt.date.today() - dt.timedelta(days=rng.randint(1, 90)),
                rules=rules,
                note="演示数据",
            )
            if rng.random() < 0.7:
                verify(session=session, action_id=action.id, verifier="演示网格员", rules=rules)
        if b == 0 and balance(session=session, head_id=head.id) >= 3:
            redeem(session=session, head_id=head.id, points=3, item="生活用品", actor=ACTOR)


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _billed(house: AddressHouse, building: AddressBuilding, k: int) -> str:
    """A home's address the way a utility company writes it (four styles in turn)."""
    place = f"{building.estate}{building.building}{house.unit}"
    road = f"{building.road}{building.road_number}号"
    styles = (
        f"广东省深圳市南山区{road}{place}{house.room}",
        f"{place}{house.room}".translate(_FULL_WIDTH),
        f"{road}{place.replace('栋', '座')}{(house.room or '').lower()}",
        f"南山区{place}{house.room}房",
    )
    return styles[k % len(styles)]


def _usage(session: Session, rng: random.Random, houses: list[str], today: dt.date) -> None:
    """Six months of gas and power per home, billed by address and linked through the
    address matcher; a few empty homes with usage, a few zeros, a few addresses outside."""
    months = [f"{(today.replace(day=1) - dt.timedelta(days=31 * k)):%Y-%m}" for k in range(6)]
    homes = _base_homes(session, len(houses))
    if not homes:
        _usage_by_code(session, rng, houses, months)
        return
    zero = {h.code for h, _ in homes[5:8]}
    addresses = [(h.code, _billed(h, b, k)) for k, (h, b) in enumerate(homes)]
    addresses += [(None, f"南山区生成演示大厦{n + 1}栋9901") for n in range(2)]
    for utility, scale in (("gas", 20), ("power", 200)):
        rows = [
            {
                "account": f"{utility[0].upper()}{n:06d}",
                "month": month,
                "amount": 0.0 if code in zero else round(rng.uniform(0.5, 1.5) * scale, 1),
                "address": text,
            }
            for n, (code, text) in enumerate(addresses)
            for month in months
        ]
        report = import_rows(
            session=session,
            rows=rows,
            utility=utility,
            source="生成的用量数据（非真实数据）",
            generated=True,
        )
        log.info(
            "demo %s usage: %d rows, %d not linked",
            utility,
            report["loaded"],
            len(report["unmatched"]),
        )


def _usage_by_code(
    session: Session, rng: random.Random, houses: list[str], months: list[str]
) -> None:
    """Without an address base: usage keyed by the generated house codes."""
    empty = [f"NSDEMO-B9{i:03d}-H101" for i in range(3)]
    zero = set(houses[5:8])
    for utility, scale in (("gas", 20), ("power", 200)):
        for n, house in enumerate(houses + empty):
            for month in months:
                amount = 0.0 if house in zero else round(rng.uniform(0.5, 1.5) * scale, 1)
                session.add(
                    UtilityUsage(
                        utility=utility,
                        account=f"{utility[0].upper()}{n:06d}",
                        month=month,
                        amount=amount,
                        house_code=house,
                        source="generated",
                        generated=True,
                        match_decision="house_code",
                    )
                )
    session.flush()


def prepare_demo_ground(
    factory: Callable[[], Session], *, secret: str, houses: int = 240, seed: int = 12
) -> dict[str, Any]:
    """Generate the demo's ground data unless generated people exist; returns counts."""
    with factory() as session:
        return _generate(session, secret=secret, houses=houses, seed=seed)


def _generate(session: Session, *, secret: str, houses: int, seed: int) -> dict[str, Any]:
    existing = session.scalar(select(func.count()).select_from(Person).where(Person.generated))
    if existing:
        return {"generated_people": existing, "created": 0}
    rng, vault, today = random.Random(seed), Vault(secret), dt.date.today()
    grids = list(
        session.scalars(
            select(Region.code).where(Region.level == "grid").order_by(Region.code).limit(40)
        )
    ) or ["NSDEMO-GRID"]
    places = _places(session, grids, houses)
    codes = _households(session, vault, rng, places, today)
    _faults(session, vault, codes, grids[0])
    _enterprises(session, rng, grids, codes, 80)
    _visits(session, rng, codes, today, 150)
    _heads(session, vault, rng, places)
    _usage(session, rng, codes, today)
    tags = evaluate(session=session, rules=load_config()["tag_rules"], today=today)
    session.commit()
    people = session.scalar(select(func.count()).select_from(Person).where(Person.generated))
    log.warning("demo ground data generated: %d people (labelled generated)", people)
    return {"generated_people": people, "created": people, "tags": tags}
