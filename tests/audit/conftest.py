"""Crafted request-reply pairs shared by the audit tests."""

from __future__ import annotations

import pytest

REQUEST_TITLE = "投诉桂庙路烧烤店油烟噪音扰民"
REQUEST = (
    "我家住南山区桂庙路，楼下烧烤店每天营业到凌晨两点，油烟很大，噪音吵得老人孩子睡不着。"
    "请求有关部门尽快处理烧烤店油烟和噪音问题。"
)
GOOD_REPLY = (
    "您好！您反映的问题已收悉。经查，桂庙路烧烤店露天经营至凌晨，油烟和噪音扰民情况属实。"
    "12月2日，街道城管执法队依据《深圳市环境噪声污染防治条例》向该店下达《责令整改通知书》，"
    "要求其晚上10点前停止店外营业并加装油烟净化器，12月3日复查时已整改到位。"
    "如再有扰民，请拨打街道执法队电话0755-26000000。感谢您对我们工作的支持！"
    "南山街道办事处 2026年12月4日"
)


@pytest.fixture
def good_pair() -> dict[str, str]:
    """A request and a reply that passes every check."""
    return {"title": REQUEST_TITLE, "request": REQUEST, "reply": GOOD_REPLY}
