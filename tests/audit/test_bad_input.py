"""Bad input is judged and explained, never a crash: empty, quote-only, overlong, markup."""

from __future__ import annotations

from civicgrid.audit import audit
from civicgrid.audit.text import clean_text
from tests.audit.conftest import GOOD_REPLY, REQUEST, REQUEST_TITLE


def codes(verdict) -> set[str]:
    return {f.code for f in verdict.findings}


def test_empty_reply_is_returned_with_a_reason():
    verdict = audit(REQUEST, "   \n ", title=REQUEST_TITLE)
    assert (verdict.verdict, verdict.score) == ("return", 70)
    assert verdict.reasons[0] == "[completeness] 答复为空"


def test_none_texts_are_treated_as_empty():
    verdict = audit(None, None)
    assert codes(verdict) == {"empty_reply"}


def test_spreadsheet_nan_cell_is_treated_as_empty():
    assert codes(audit(REQUEST, float("nan"))) == {"empty_reply"}


def test_reply_that_only_quotes_the_request_is_quote_only():
    reply = "楼下烧烤店每天营业到凌晨两点，油烟很大，噪音吵得老人孩子睡不着。"
    verdict = audit(REQUEST, reply, title=REQUEST_TITLE)
    assert "quote_only" in codes(verdict)
    assert verdict.core_verdict == "return"


def test_reply_far_longer_than_request_is_noted_as_overlong():
    padding = "依据《深圳市环境噪声污染防治条例》的规定，执法队对辖区餐饮店开展了巡查。" * 120
    verdict = audit("烧烤店太吵，请处理。", GOOD_REPLY.replace("如再有扰民", padding + "如再有扰民"))
    finding = next(f for f in verdict.findings if f.code == "overlong")
    assert finding.severity == "minor"


def test_html_and_word_leftovers_are_stripped_before_judging():
    reply = (
        '<p class="MsoNormal" style="mso-line-height-rule:exactly">您好！&nbsp;经查，'
        "桂庙路烧烤店油烟和噪音扰民情况属实。</p><br/>12月2日，街道城管执法队依据《深圳市环境噪声"
        "污染防治条例》向该店下达《责令整改通知书》，12月3日复查时已整改到位。_x000D_"
        "如再有扰民，请拨打电话0755-26000000。感谢您对我们工作的支持！南山街道办事处"
    )
    verdict = audit(REQUEST, reply, title=REQUEST_TITLE)
    assert codes(verdict) == {"markup_leftovers"}
    assert verdict.verdict == "pass_with_notes"


def test_markup_leftover_span_points_at_the_original_tag():
    reply = '<p class="MsoNormal">您好！</p>' + GOOD_REPLY
    finding = next(f for f in audit(REQUEST, reply).findings if f.code == "markup_leftovers")
    assert reply[slice(*finding.span)] == '<p class="MsoNormal">'


def test_spans_after_stripped_markup_index_the_original_reply():
    reply = "<b>您好！</b>&nbsp;&nbsp;您反映的问题已解决。感谢您的来信！"
    finding = next(f for f in audit(REQUEST, reply).findings if f.code == "resolved_without_action")
    assert reply[slice(*finding.span)] == "已解决"


def test_word_style_sheet_is_removed_from_the_text():
    raw = "/* Style Definitions */ table.MsoNormalTable {mso-style-name:普通表格;} 您好！经查属实。"
    assert clean_text(raw).text.strip() == "您好！经查属实。"


def test_book_title_angle_brackets_are_not_taken_for_tags():
    raw = "关于印发<A市环城绿带生态圈建设工作实施方案>的通知"
    cleaned = clean_text(raw)
    assert (cleaned.text, cleaned.leftovers) == (raw, [])


def test_entities_and_invisible_characters_map_back_to_the_original():
    raw = "地址：南山区\u200b桂庙路&amp;后海"
    cleaned = clean_text(raw)
    start = cleaned.text.index("桂庙路")
    assert cleaned.text == "地址：南山区桂庙路&后海"
    assert raw[slice(*cleaned.to_original(start, start + 3))] == "桂庙路"
