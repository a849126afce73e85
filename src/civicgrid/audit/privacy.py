"""Privacy: personal data of the reporter or third parties must not appear in a reply.

Replies are published. Findings (spans index the reply; values are never put in messages,
only their masks):

* ``id_number`` (major): any resident ID number;
* ``reporter_phone`` (major): the reporter's phone, or a mobile number that appears in the
  request;
* ``personal_mobile`` (major): a mobile number not introduced as a contact (电话/热线/手机);
* ``reporter_name`` (major): the reporter's name, given or declared in the request (我叫...);
* ``person_named`` (major): a person named after a role word (反映人王某某 style, unmasked);
* ``reporter_address`` (major): the reporter's address, or a house number (3栋2单元1501)
  that also appears in the request; ``house_number`` (minor) for another house number.

Officials' contact numbers (联系电话：0914-2312824) and masked values (138****0000, 王某)
are allowed.
"""

from __future__ import annotations

import re

from civicgrid.audit.context import AuditContext
from civicgrid.audit.verdict import MAJOR, MINOR, Finding
from civicgrid.privacy.masking import find_id_numbers, find_phones, mask_id_number, mask_phone

CHECK = "privacy"

_CONTACT_LABEL = re.compile(r"(?:电话|热线|手机|联系|拨打|咨询)[^。；;\n]{0,12}$")
# A name is two or three characters followed by punctuation or a word that ends it.
_NAME_END = r"(?=[，,。、；;：:（()）\s系是因于的之等与和及现家称]|\d|$)"
_SELF_NAME = re.compile(r"(?:我叫|名叫|姓名[:：]?|我是)\s*([\u4e00-\u9fff]{2,3}?)" + _NAME_END)
_ROLE_NAME = re.compile(
    r"(?:反映人|来信人|信访人|投诉人|举报人|当事人|求助人|申请人|村民|居民|业主|患者|户主)[:：]?\s*"
    r"([\u4e00-\u9fff]{2,3}?)" + _NAME_END
)
_NOT_NAME_TAIL = re.compile(r"某|先生|女士|同志|反映|表示|小组|代表|家中|要求|提出|认为|称|等|[市县区镇乡村省人]$")
_HOUSE = re.compile(
    r"\d{1,3}\s*(?:栋|幢|号楼|座)\s*\d{1,2}\s*单元\s*\d{3,4}(?:\s*[室号房](?![屋产源间]))?"
    r"|\d{1,3}\s*(?:栋|幢|号楼|座)\s*\d{3,4}\s*[室号房](?![屋产源间])"
    r"|\d{1,2}\s*单元\s*\d{3,4}(?:\s*[室号房](?![屋产源间]))?"
)
# Everyday words that start with a surname character and can follow 居民/业主/村民.
_NOT_NAMES = frozenset(
    "安全 安置 安排 申请 申报 房屋 房产 房子 房间 单位 秩序 车辆 全部 全体 方面 方式 高度 管理 "
    "解决 关于 常住 常年 时间 周边 周围 成员 明确 文化 应当 于是 石材 林地 林业 金额 施工 温度 "
    "路面 路段 向上 司法 商户 商铺 余款 余额 和车 和谐 和行 出行 贺电 钱款 费用 孔洞 毛坯 包括 "
    "万元 千元 左右 东侧 西侧 南侧 北侧 江边 河边 田地 田间 宁静 柏油 杨树 谷物 邱陵 苗木 "
    "代表 项目 任务 任何 计划 查询 查看 许可 华侨 易地 齐心 祝福 尚未 舒适 卫生 席位 庞大 "
    "翟家 段落 简单 严重 武警 戴口 燕子 姚家 巫山 景观 景区 景点 童年 邢台 岳父 岳母 龙头 "
    "凌晨 明显 华府 梁上 欧式 游玩 蒙受 骆驼 傅家 边缘 边界 卞家 闵行 党员 党委 宫殿 满意 "
    "商南 商议 商定 商洛 商州 商丹 商量 金陵 郭大".split()
)
# Characters that rarely stand second in a given name but often follow a surname-like word.
_NOT_NAME_SECOND = frozenset("的了是在部门业系号以知释物勘申查理员会局委办所站处科股街道路区")
MAX_NAME_FINDINGS = 3


def check_privacy(ctx: AuditContext) -> list[Finding]:
    """Findings of the privacy check."""
    reply = ctx.reply.text
    findings = [
        _finding(ctx, "id_number", MAJOR, f"答复含有身份证号（{mask_id_number(f.value)}）",
                 "删去身份证号", (f.start, f.end))
        for f in find_id_numbers(reply)
    ]
    findings.extend(_phone_findings(ctx))
    findings.extend(_name_findings(ctx))
    findings.extend(_address_findings(ctx))
    return findings


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _phone_findings(ctx: AuditContext) -> list[Finding]:
    reply = ctx.reply.text
    # Landlines in a request are mostly units' numbers the citizen quotes; mobiles are people's.
    request_digits = {
        _digits(f.value)
        for f in find_phones(ctx.title.text + ctx.request.text)
        if f.kind == "mobile"
    }
    if ctx.reporter and ctx.reporter.phone:
        request_digits.add(_digits(ctx.reporter.phone))
    findings = []
    for phone in find_phones(reply):
        digits = _digits(phone.value)
        if set(digits) <= {"0"} or "*" in phone.value:
            continue  # placeholder or masked number
        masked = mask_phone(phone.value)
        if digits in request_digits:
            findings.append(_finding(ctx, "reporter_phone", MAJOR, f"答复泄露了来信人的电话（{masked}）",
                                     "删去来信人的电话号码", (phone.start, phone.end)))
        elif phone.kind == "mobile" and not _CONTACT_LABEL.search(reply[: phone.start]):
            findings.append(_finding(ctx, "personal_mobile", MAJOR, f"答复含有个人手机号（{masked}）",
                                     "删去个人手机号；需要留联系方式的，留单位电话", (phone.start, phone.end)))
    return findings


def _name_findings(ctx: AuditContext) -> list[Finding]:
    reply = ctx.reply.text
    names = _reporter_names(ctx)
    findings: list[Finding] = []
    for name in sorted(names):
        position = reply.find(name)
        if position >= 0:
            findings.append(_finding(ctx, "reporter_name", MAJOR, f"答复含有来信人姓名（{name[0]}**）",
                                     "以“来信人”或“王某”代替姓名", (position, position + len(name))))
    for match in _ROLE_NAME.finditer(reply):
        name = _plausible_name(ctx, match.group(1), reply[match.end(1) : match.end(1) + 2])
        if name and name not in names:
            start = match.start(1)
            findings.append(_finding(ctx, "person_named", MAJOR, f"答复写出了当事人姓名（{name[0]}**）",
                                     "以“王某”等方式隐去姓名", (start, start + len(name))))
        if len(findings) >= MAX_NAME_FINDINGS:
            break
    return findings


def _reporter_names(ctx: AuditContext) -> set[str]:
    names = set()
    if ctx.reporter and ctx.reporter.name and len(ctx.reporter.name.strip()) >= 2:
        names.add(ctx.reporter.name.strip())
    for match in _SELF_NAME.finditer(ctx.request.text):
        name = _plausible_name(ctx, match.group(1), "")
        if name:
            names.add(name)
    return names


def _plausible_name(ctx: AuditContext, candidate: str, following: str) -> str | None:
    if candidate[0] not in ctx.phrases.surnames:
        return None
    cut = _NOT_NAME_TAIL.search(candidate)
    name = candidate[: cut.start()] if cut else candidate
    if len(name) < 2 or following.startswith("某") or name[:2] in _NOT_NAMES:
        return None
    if name[1] in _NOT_NAME_SECOND:
        return None
    return name


def _address_findings(ctx: AuditContext) -> list[Finding]:
    reply = ctx.reply.text
    findings = []
    if ctx.reporter and ctx.reporter.address and ctx.reporter.address.strip() in reply:
        address = ctx.reporter.address.strip()
        start = reply.find(address)
        findings.append(_finding(ctx, "reporter_address", MAJOR, "答复含有来信人的住址",
                                 "删去住址中的门牌号", (start, start + len(address))))
    request = re.sub(r"\s+", "", ctx.request.text)
    for match in _HOUSE.finditer(reply):
        if re.sub(r"\s+", "", match.group(0)) in request:
            findings.append(_finding(ctx, "reporter_address", MAJOR, "答复含有来信人的门牌号",
                                     "删去门牌号，只写到小区或楼栋", match.span()))
        else:
            findings.append(_finding(ctx, "house_number", MINOR, "答复含有具体门牌号",
                                     "确认是否必须公开；不必要的删去门牌号", match.span()))
    return findings


def _finding(
    ctx: AuditContext, code: str, severity: str, message: str, suggestion: str,
    span: tuple[int, int],
) -> Finding:
    return Finding(check=CHECK, code=code, severity=severity, message=message,
                   suggestion=suggestion, target="reply", span=ctx.reply_span(*span))
