"""A generated, labelled stream of requests for the 南山 demo.

Nothing here is real: texts come from templates, reporters are invented (phones in the
reserved-looking 1380013xxxx range), estates are made-up names on real public road names,
and every case carries ``generated = True``, which the console shows. The stream covers
the last ``days`` days and leaves cases in every workflow state, including 吹哨报到,
extensions, supervision and one and two rounds of 不满意重办.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.accounts import service as accounts
from civicgrid.cases import service as cases
from civicgrid.cases import states
from civicgrid.cases.models import Case
from civicgrid.cases.schemas import ActionIn, CaseCreate
from civicgrid.cases.workflow import SYSTEM, Actor, perform
from civicgrid.errors import Conflict
from civicgrid.grids.placing import point_in_grid
from civicgrid.jurisdiction import service as jurisdiction
from civicgrid.jurisdiction.models import Category, Region, Unit

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-pass-2026"
ROADS = [
    "南海大道",
    "桂庙路",
    "科苑路",
    "深南大道",
    "工业一路",
    "后海大道",
    "沙河西路",
    "中山园路",
    "东滨路",
    "学府路",
    "南山大道",
    "创业路",
    "龙珠大道",
    "留仙大道",
]
ESTATES = ["桃源雅居", "海悦花园", "荔林苑", "松坪新村", "学府华庭", "蛇口渔村新苑", "西丽锦园"]

# (keyword in the category path, templates). {place} is filled with a generated address.
TEMPLATES: list[tuple[str, list[str]]] = [
    (
        "噪",
        [
            "{place}附近工地夜间施工噪音太大，晚上11点后还在打桩，影响休息，请尽快处理。",
            "{place}楼下商铺音响声音很大，每天开到凌晨，居民无法入睡。",
        ],
    ),
    ("油烟", ["{place}楼下烧烤店油烟太大，每天开到凌晨2点，油烟直冲住户窗户。"]),
    (
        "占道",
        [
            "{place}路口夜市占道经营严重，行人只能走机动车道，存在安全隐患。",
            "{place}人行道被水果摊长期占用，希望城管处理。",
        ],
    ),
    ("环境卫生", ["{place}垃圾桶满溢好几天没人清运，气味很大，蚊蝇多。"]),
    ("物业", ["{place}小区物业不作为，电梯坏了一周没人修，老人上下楼困难。"]),
    (
        "交通",
        [
            "{place}红绿灯时间太短，老人过马路来不及，建议延长行人绿灯。",
            "{place}路边违停严重，消防通道被堵。",
        ],
    ),
    ("劳动", ["公司拖欠工资三个月，地址在{place}，多次讨要无果，请求帮助。"]),
    (
        "安全",
        [
            "{place}燃气管道附近闻到煤气味，担心泄漏，请尽快派人检查。",
            "{place}老旧楼房外墙脱落，有砸伤行人的危险。",
        ],
    ),
    ("教育", ["孩子在{place}附近上学，学位紧张，想咨询插班入学政策。"]),
    ("医疗", ["{place}社康中心周末不开门，看病不方便，建议延长服务时间。"]),
]

NAMES = ["陈", "李", "黄", "张", "刘", "林", "王", "吴", "郑", "周"]

# Generated replies of varying quality, so the reply audit has something to say.
REPLIES = [
    "您好，感谢您的来信。经我单位工作人员现场核查，您反映的问题属实，依据相关规定已责令整改，"
    "目前已整改完毕。如有疑问请致电0755-26000000。",
    "您好，经现场核查，我单位已安排人员处理，问题已整改，感谢您的监督。",
    "已收悉，已转相关部门处理。",
]


@dataclass
class DemoReport:
    cases: int
    users: list[str]


def ensure_users(session: Session) -> list[str]:
    """Demo accounts for each role (password ``demo-pass-2026``, documented in the README)."""
    units = {u.kind: u for u in session.scalars(select(Unit).order_by(Unit.code))}
    departments = list(
        session.scalars(select(Unit).where(Unit.kind == "department").order_by(Unit.code))
    )
    street_office = units.get("street_office")
    grid = session.scalar(select(Region).where(Region.level == "grid").order_by(Region.code))
    wanted = [
        ("dispatcher", "派单员小王", "dispatcher", None, None),
        ("leader", "区领导", "leader", None, None),
        ("viewer", "查看员", "viewer", None, None),
    ]
    if departments:
        wanted.append(
            ("handler", f"{departments[0].name}承办人", "handler", departments[0].code, None)
        )
    for index, unit in enumerate(departments[1:6], start=2):
        wanted.append((f"handler{index}", f"{unit.name}承办人", "handler", unit.code, None))
    if street_office:
        wanted.append(
            (
                "street",
                f"{street_office.name}承办人",
                "handler",
                street_office.code,
                street_office.region_code,
            )
        )
    if grid:
        wanted.append(("gridworker", "网格员小李", "grid_worker", None, grid.code))
    created = []
    for username, name, role, unit, region in wanted:
        if accounts.get_by_username(session=session, username=username) is None:
            accounts.create(
                session=session,
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                role=role,
                unit_code=unit,
                region_code=region,
            )
            created.append(username)
    return [w[0] for w in wanted]


def _category_for(session: Session, keyword: str, rng: random.Random) -> Category | None:
    found = list(
        session.scalars(
            select(Category).where(Category.path.contains(keyword), Category.level == 3)
        )
    )
    if not found:
        found = list(session.scalars(select(Category).where(Category.level == 3)))
    return rng.choice(found) if found else None


def _handler_for(session: Session, unit_code: str | None) -> Actor:
    user = session.scalar(select_user(unit_code))
    if user is None:
        return Actor(id=None, name=f"{unit_code}承办人", role="handler", unit_code=unit_code)
    return Actor(id=user.id, name=user.display_name, role=user.role, unit_code=user.unit_code)


def select_user(unit_code: str | None):  # noqa: ANN201 (a Select)
    from civicgrid.accounts.models import User

    return select(User).where(User.unit_code == unit_code, User.role == "handler").limit(1)


def generate(
    session: Session,
    *,
    count: int = 400,
    days: int = 90,
    seed: int = 20261204,
    now: dt.datetime | None = None,
) -> DemoReport:
    """Create ``count`` generated cases spread over the last ``days`` days; from 30 cases on,
    six of them are a gas-smell cluster at one building in the last day and a half."""
    rng = random.Random(seed)
    now = now or dt.datetime.now(dt.UTC)
    users = ensure_users(session)
    grids = list(session.scalars(select(Region).where(Region.level == "grid")))
    dispatcher = Actor(id=None, name="派单员小王", role="dispatcher")
    leader = Actor(id=None, name="区领导", role="leader")
    made = 0
    cluster = CLUSTER_SIZE if count >= 5 * CLUSTER_SIZE else 0  # part of the count
    for index in range(count - cluster):
        received = now - dt.timedelta(days=rng.uniform(0, days), hours=rng.uniform(0, 1))
        keyword, texts = rng.choice(TEMPLATES)
        category = _category_for(session, keyword, rng)
        grid = rng.choice(grids) if grids else None
        place = f"南山区{rng.choice(ROADS)}{rng.randint(1, 400)}号{rng.choice(ESTATES)}"
        place += _house_part(random.Random(seed * 7 + index))
        # A point inside the grid's polygon, from its own stream so the case stream is kept.
        point = point_in_grid(session, grid.code, random.Random(seed + index)) if grid else None
        data = CaseCreate(
            text=rng.choice(texts).format(place=place),
            location_text=place,
            reporter_name=rng.choice(NAMES) + rng.choice(["先生", "女士"]),
            reporter_phone=f"1380013{rng.randint(0, 9999):04d}",
            category_code=category.code if category else None,
            region_code=grid.code if grid else None,
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            priority="urgent" if keyword == "安全" else "normal",
            received_at=received,
        )
        channel = rng.choice(["hotline", "hotline", "web", "grid", "qr"])
        case = cases.create(
            session=session,
            data=data,
            channel=channel,
            actor=SYSTEM,
            now=received,
            live=False,
            extra={"generated": True},
        )
        _walk(session, case, rng, received, now, dispatcher, leader)
        made += 1
        if index % 100 == 99:
            session.flush()
    if cluster:
        made += _gas_smell_cluster(session, rng, now, grids, dispatcher, leader)
    cases.mark_overdue(session=session, now=now)
    log.info("demo: %s generated cases", made)
    return DemoReport(cases=made, users=users)


def _house_part(rng: random.Random) -> str:
    """Building, unit and room for about two residents in three, as people write them.

    Drawn for every kind of request, so that 栋/单元 in an address says nothing about the
    category to the demo's models (the gas-smell cluster below names its building too).
    """
    if rng.random() < 0.35:
        return ""
    building = f"{rng.randint(1, 12)}栋"
    if rng.random() < 0.3:
        return building
    return f"{building}{rng.randint(1, 3)}单元{rng.randint(1, 30)}{rng.randint(1, 4):02d}"


CLUSTER_PLACE = "南山区桂庙路88号海悦花园3栋"
CLUSTER_SIZE = 6
CLUSTER_TEXTS = [
    "{place}楼道里闻到很浓的煤气味，担心燃气泄漏，请尽快派人检查。",
    "{place}一楼到三楼都有燃气味，已经持续一天了，邻居们都很担心。",
    "{place}附近闻到煤气味，晚上味道更重，怕出事故，请燃气公司来看看。",
    "{place}楼下燃气管道好像漏气，有刺鼻气味，请尽快处理。",
]


def _gas_smell_cluster(
    session: Session,
    rng: random.Random,
    now: dt.datetime,
    grids: list[Region],
    dispatcher: Actor,
    leader: Actor,
) -> int:
    """Six generated residents report gas smell at one building within about a day, so the
    risk detectors have a concentration (群体诉求) and a hazard (燃气) to explain."""
    category = session.scalar(
        select(Category).where(Category.path.contains("燃气"), Category.level == 3)
    ) or _category_for(session, "安全", rng)
    grid = grids[0] if grids else None
    for index in range(CLUSTER_SIZE):
        received = now - dt.timedelta(hours=30 - 5 * index, minutes=rng.uniform(0, 40))
        data = CaseCreate(
            text=CLUSTER_TEXTS[index % len(CLUSTER_TEXTS)].format(place=CLUSTER_PLACE),
            location_text=CLUSTER_PLACE,
            reporter_name=rng.choice(NAMES) + "女士",
            reporter_phone=f"1380013{9000 + index:04d}",
            category_code=category.code if category else None,
            region_code=grid.code if grid else None,
            priority="urgent",
            received_at=received,
        )
        case = cases.create(
            session=session,
            data=data,
            channel="hotline",
            actor=SYSTEM,
            now=received,
            live=False,
            extra={"generated": True},
        )
        _walk(session, case, rng, received, now, dispatcher, leader)
    return CLUSTER_SIZE


def _walk(
    session: Session,
    case: Case,
    rng: random.Random,
    received: dt.datetime,
    now: dt.datetime,
    dispatcher: Actor,
    leader: Actor,
) -> None:
    """Move a case along the workflow to a random, plausible point, with past timestamps."""
    clock = received
    age_days = (now - received).total_seconds() / 86400

    def act(action: str, actor: Actor, after: float, **fields: object) -> bool:
        nonlocal clock
        step_at = clock + dt.timedelta(hours=after)
        if step_at >= now:
            return False
        try:
            perform(
                session=session,
                case=case,
                action=action,
                actor=actor,
                data=ActionIn(version=case.version, **fields),
                now=step_at,
                live=False,
            )
        except Conflict:  # e.g. a reply while a called unit has not reported in yet
            return False
        clock = step_at
        return True

    roll = rng.random()
    if roll < 0.04 or age_days < 0.05:
        return  # still waiting for dispatch
    unit = jurisdiction.route(
        session=session, category_code=case.category_code, region_code=case.grid_code
    )
    unit = unit or session.scalar(select(Unit.code).where(Unit.kind == "department").limit(1))
    if not act("dispatch", dispatcher, rng.uniform(0.2, 3), unit_code=unit):
        return
    handler = _handler_for(session, unit)
    if roll < 0.07:
        act("return", handler, rng.uniform(1, 10), reason="不属于本单位职责，请改派")
        return
    if roll < 0.10 or not act("accept", handler, rng.uniform(0.5, 30)):
        return
    act("start", handler, rng.uniform(1, 24))
    if roll < 0.16 and case.status == states.IN_PROGRESS:
        _whistle(session, case, rng, act, handler)
    if 0.16 <= roll < 0.19:
        act("request_extension", handler, rng.uniform(1, 48), days=5, reason="需协调多部门现场处置")
        if rng.random() < 0.6:
            act("decide_extension", dispatcher, rng.uniform(1, 24), approve=True, reason="同意")
    if 0.19 <= roll < 0.22:
        act("supervise", leader, rng.uniform(1, 48), text="请加快办理并每日报告进展", days=3)
    if roll < 0.25 and rng.random() < 0.5:
        return  # still being handled
    if not act("reply", handler, rng.uniform(10, 120), text=rng.choice(REPLIES)):
        return
    _audit_history(case)
    if not act("review", dispatcher, rng.uniform(1, 20), passed=True):
        return
    dissatisfied = rng.random() < 0.12
    rating = "dissatisfied" if dissatisfied else rng.choice(["satisfied", "satisfied", "basic"])
    act("return_visit", dispatcher, rng.uniform(2, 48), satisfaction=rating)
    if dissatisfied and case.status == states.DISPATCHED:
        _second_round(case, rng, act, handler, dispatcher)


def _audit_history(case: Case) -> None:
    """History is audited for the console's findings but never returned to its unit."""
    from civicgrid.audit import audit

    case.reply_audit = audit(case.text, case.reply, title=case.title).to_dict()


def _whistle(session: Session, case: Case, rng: random.Random, act, handler: Actor) -> None:
    others = list(
        session.scalars(
            select(Unit.code).where(Unit.kind == "department", Unit.code != case.lead_unit).limit(6)
        )
    )
    called = rng.sample(others, k=min(2, len(others)))
    if not called or not act(
        "whistle",
        handler,
        rng.uniform(1, 8),
        unit_codes=called,
        hours=24,
        reason="涉及多部门职责，吹哨召集",
    ):
        return
    for code in called:
        if rng.random() < 0.85:
            act(
                "report_in",
                _handler_for(session, code),
                rng.uniform(1, 20),
                text="已到场核查，按职责配合处置",
            )


def _second_round(case: Case, rng: random.Random, act, handler: Actor, dispatcher: Actor) -> None:
    if not act("accept", handler, rng.uniform(1, 12)):
        return
    if not act(
        "reply",
        handler,
        rng.uniform(10, 72),
        text="您好，针对您反映的问题我单位再次核查并完成整改，已电话告知处理结果。",
    ):
        return
    _audit_history(case)
    if not act("review", dispatcher, rng.uniform(1, 10), passed=True):
        return
    second = "dissatisfied" if rng.random() < 0.3 else "satisfied"
    act("return_visit", dispatcher, rng.uniform(2, 24), satisfaction=second)
