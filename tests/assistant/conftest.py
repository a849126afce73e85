"""Shared fixtures of the assistant tests: the RAG-01 handbook and a small saved index."""

from __future__ import annotations

import pytest

from civicgrid.assistant.index import KnowledgeIndex
from civicgrid.assistant.ingest import document_from_text

D1 = (
    "占道经营处理流程。网格员巡查中发现商户或流动摊贩占用人行道、车行道、绿地等公共场所"
    "经营的，应当先行劝导，告知其占道经营违反《深圳经济特区市容和环境卫生管理条例》，"
    "要求其在规定时间内自行清理。劝导无效的，网格员应当拍照取证，记录地点、时间和经营内容，"
    "通过网格平台上报街道综合行政执法队。执法队员接报后三十分钟内到场处置，"
    "依法责令改正，拒不改正的依法处以罚款并暂扣经营工具。处置完毕后，网格员应当在二十四小时内"
    "回访现场，确认没有回潮，并在平台上办结事件。对反复占道经营的重点路段，"
    "街道应当纳入常态化巡查清单。"
)
D2 = (
    "噪声扰民处理流程。居民反映夜间施工、商铺音响或广场舞噪声扰民的，网格员应当核实噪声来源"
    "和持续时间。夜间施工噪声，查验是否取得夜间施工许可，未取得的上报生态环境部门；"
    "社会生活噪声，先行劝导，劝导无效的上报派出所或街道执法队处理。"
)
_D3_SENTENCES = (
    "社区应当定期组织居民开展垃圾分类宣传活动。",
    "楼栋长负责督促居民按时投放生活垃圾！",
    "是否每个小区都要设置再生资源回收点？",
    "物业服务企业应当配合街道做好桶边督导工作。",
    "厨余垃圾应当沥干水分后投放至绿色收集容器。",
    "有害垃圾包括废电池、废灯管和过期药品等！",
)


def d3_text(length: int = 3000) -> str:
    """One paragraph of about ``length`` characters: only 。！？, no spaces, no newlines."""
    parts: list[str] = []
    size = 0
    i = 0
    while size < length:
        sentence = _D3_SENTENCES[i % len(_D3_SENTENCES)]
        parts.append(sentence)
        size += len(sentence)
        i += 1
    return "".join(parts)


@pytest.fixture
def handbook() -> KnowledgeIndex:
    """The three-document handbook of trap RAG-01, split at 500 characters."""
    index = KnowledgeIndex()
    for doc_id, text, unit in (
        ("D1", D1, "街道综合行政执法队"),
        ("D2", D2, "生态环境部门"),
        ("D3", d3_text(), "街道城市管理办"),
    ):
        document, passages = document_from_text(doc_id, text, unit=unit, max_chars=500)
        index.add(document, passages)
    return index
