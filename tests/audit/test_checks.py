"""Each offline check fires on a crafted bad reply and stays silent on a good one."""

from __future__ import annotations

import pytest

from civicgrid.audit import audit
from tests.audit.conftest import GOOD_REPLY, REQUEST, REQUEST_TITLE


def codes(verdict, check: str | None = None) -> set[str]:
    return {f.code for f in verdict.findings if check is None or f.check == check}


def test_good_reply_passes_every_check(good_pair):
    verdict = audit(good_pair["request"], good_pair["reply"], title=good_pair["title"],
                    received_at="2026-12-01 09:00", replied_at="2026-12-04 10:00",
                    deadline="2026-12-08")
    assert (verdict.verdict, verdict.score, verdict.findings) == ("pass", 100, [])


# --- relevance -------------------------------------------------------------------------

def test_off_topic_reply_is_returned_as_main_ask_unanswered():
    reply = ("您好！经查，我区今年共新建公园5个，完成道路绿化改造12公里，依据《城市绿化条例》开展了"
             "园林养护工作。感谢您的支持！南山区城管局")
    verdict = audit(REQUEST, reply, title=REQUEST_TITLE)
    assert "main_ask_unanswered" in codes(verdict, "relevance")
    assert verdict.core_verdict == "return"


def test_main_ask_finding_points_at_the_title():
    reply = "您好！经查，我区今年共新建公园5个，依据《城市绿化条例》开展了园林养护工作。感谢您的支持！"
    finding = next(f for f in audit(REQUEST, reply, title=REQUEST_TITLE).findings
                   if f.code == "main_ask_unanswered")
    assert finding.target == "title"
    assert REQUEST_TITLE[slice(*finding.span)] == REQUEST_TITLE


def test_answering_one_of_four_numbered_asks_is_points_skipped():
    request = ("关于小区问题的咨询。1、小区门口路灯什么时候能修好？2、地下车库漏水能否安排维修？"
               "3、物业费收费标准是否合规？4、电梯经常停运能否督促物业检修？")
    reply = ("您好！经查，小区门口路灯因线路老化损坏，街道已安排施工队于12月3日更换线路，路灯已恢复"
             "照明。感谢您的来信！南山街道办事处")
    verdict = audit(request, reply, title="小区路灯车库物业费电梯问题")
    finding = next(f for f in verdict.findings if f.code == "points_skipped")
    assert (finding.severity, finding.target) == ("major", "request")
    assert request[slice(*finding.span)].startswith("2、地下车库漏水")


def test_good_reply_has_no_relevance_finding(good_pair):
    verdict = audit(good_pair["request"], good_pair["reply"], title=good_pair["title"])
    assert codes(verdict, "relevance") == set()


# --- completeness ----------------------------------------------------------------------

def test_receipt_and_forwarding_formulas_only_is_formula_only():
    reply = "您好！您反映的问题已收悉，已转相关部门调查处理。感谢您对我们工作的支持！"
    verdict = audit(REQUEST, reply, title=REQUEST_TITLE)
    assert "formula_only" in codes(verdict, "completeness")
    assert verdict.verdict == "return"


def test_vague_reply_without_any_outcome_is_no_result():
    reply = "您好！我们会认真研究您反映的烧烤店油烟噪音问题，努力改善居住环境。感谢您的来信！"
    assert "no_result" in codes(audit(REQUEST, reply, title=REQUEST_TITLE), "completeness")


def test_future_actions_without_any_fact_is_promise_only():
    reply = ("您好！针对您反映的桂庙路烧烤店油烟噪音问题，我们将组织执法队对该店进行检查，"
             "会责令其整改到位。感谢您的来信！南山街道办事处")
    assert "promise_only" in codes(audit(REQUEST, reply, title=REQUEST_TITLE), "completeness")


def test_referral_without_unit_or_contact_is_incomplete():
    reply = "您好！您反映的问题不属于我单位职责范围，建议您向有关部门反映。感谢您的来信！"
    assert "referral_incomplete" in codes(audit(REQUEST, reply, title=REQUEST_TITLE))


def test_referral_naming_unit_and_phone_is_an_explicit_decline():
    reply = ("您好！餐饮油烟噪音执法不属于本局职责范围，建议您向南山街道执法队反映，"
             "电话0755-26000000。感谢您的来信！")
    verdict = audit(REQUEST, reply, title=REQUEST_TITLE)
    assert verdict.core_verdict == "pass"


def test_reply_that_only_asks_for_details_is_returned():
    reply = "您好！由于您反映的信息不清，要素不全，尚无法办理，请您提供烧烤店的具体门牌号。感谢您的来信！"
    assert "asks_for_details" in codes(audit(REQUEST, reply, title=REQUEST_TITLE), "completeness")


def test_ongoing_matter_without_time_frame_is_noted():
    reply = GOOD_REPLY.replace("12月3日复查时已整改到位", "目前该店正在整改")
    verdict = audit(REQUEST, reply, title=REQUEST_TITLE)
    assert "no_time_frame" in codes(verdict, "completeness")
    assert verdict.verdict == "pass_with_notes"


# --- contradiction ---------------------------------------------------------------------

def test_resolved_claim_without_any_action_is_a_contradiction():
    reply = "您好！您反映的桂庙路烧烤店油烟噪音问题已解决。感谢您的来信！"
    finding = next(f for f in audit(REQUEST, reply, title=REQUEST_TITLE).findings
                   if f.code == "resolved_without_action")
    assert reply[slice(*finding.span)] == "已解决"


def test_reply_time_before_request_time_is_a_contradiction(good_pair):
    verdict = audit(good_pair["request"], good_pair["reply"],
                    received_at="2026-12-05 08:00", replied_at="2026-12-04 10:00")
    assert "reply_before_request" in codes(verdict, "contradiction")


def test_date_not_in_the_calendar_is_impossible():
    reply = "您好！经查属实，已责令该店整改，复查日期为2026年2月30日。感谢您的来信！南山街道办事处"
    verdict = audit(REQUEST, reply)
    finding = next(f for f in verdict.findings if f.code == "impossible_date")
    assert reply[slice(*finding.span)] == "2026年2月30日"


def test_action_already_done_after_the_reply_date_is_a_contradiction():
    reply = "您好！经查属实，执法队已于2026年12月20日责令该店整改。感谢您的来信！南山街道办事处"
    verdict = audit(REQUEST, reply, replied_at="2026-12-04")
    assert "date_after_reply" in codes(verdict, "contradiction")


def test_planned_date_after_the_reply_is_no_contradiction():
    reply = GOOD_REPLY.replace("12月3日复查时已整改到位", "执法队将于2026年12月20日复查")
    verdict = audit(REQUEST, reply, replied_at="2026-12-04")
    assert codes(verdict, "contradiction") == set()


# --- tone and form ---------------------------------------------------------------------

def test_rude_phrase_is_a_major_tone_finding():
    reply = GOOD_REPLY.replace("感谢您对我们工作的支持！", "爱找谁找谁。")
    verdict = audit(REQUEST, reply, title=REQUEST_TITLE)
    finding = next(f for f in verdict.findings if f.code == "rude_phrase")
    assert (finding.severity, reply[slice(*finding.span)]) == ("major", "爱找谁找谁")
    assert verdict.verdict == "return"


def test_missing_opening_and_closing_are_noted():
    reply = GOOD_REPLY.replace("您好！", "").replace("感谢您对我们工作的支持！", "")
    verdict = audit(REQUEST, reply, title=REQUEST_TITLE)
    assert codes(verdict, "tone") == {"no_opening", "no_closing"}
    assert verdict.verdict == "pass_with_notes"


def test_evasion_phrase_is_noted():
    reply = GOOD_REPLY.replace("感谢您对我们工作的支持！", "其他问题请按有关规定办理。感谢您对我们工作的支持！")
    assert "evasion" in codes(audit(REQUEST, reply, title=REQUEST_TITLE), "tone")


def test_district_closing_list_replaces_the_default():
    verdict = audit(REQUEST, GOOD_REPLY, title=REQUEST_TITLE, phrases={"closings": ["此复"]})
    assert "no_closing" in codes(verdict, "tone")


def test_district_can_extend_the_rude_list():
    reply = GOOD_REPLY.replace("感谢您对我们工作的支持！", "爱办不办。感谢您对我们工作的支持！")
    default = audit(REQUEST, reply, title=REQUEST_TITLE)
    district = audit(REQUEST, reply, title=REQUEST_TITLE, phrases={"extend": {"rude": ["爱办不办"]}})
    assert ("rude_phrase" in codes(default), "rude_phrase" in codes(district)) == (False, True)


def test_phrase_file_overrides_the_default(tmp_path):
    path = tmp_path / "district.json"
    path.write_text('{"openings": ["尊敬的市民"]}', encoding="utf-8")
    assert "no_opening" in codes(audit(REQUEST, GOOD_REPLY, title=REQUEST_TITLE, phrases=path))


def test_unknown_phrase_key_is_refused_with_the_allowed_keys():
    from civicgrid.audit import PhraseError

    with pytest.raises(PhraseError, match="'closing' is unknown; use one of openings"):
        audit(REQUEST, GOOD_REPLY, phrases={"closing": ["此复"]})


# --- privacy ---------------------------------------------------------------------------

def test_id_number_in_reply_is_a_privacy_finding_with_masked_message():
    reply = GOOD_REPLY.replace("经查，", "经查，来信人（身份证11010519491231002X）反映的")
    finding = next(f for f in audit(REQUEST, reply).findings if f.code == "id_number")
    assert reply[slice(*finding.span)] == "11010519491231002X"
    assert "11010519491231002X" not in finding.message


def test_reporter_phone_name_and_house_number_are_flagged():
    request = REQUEST + "我叫王小明，电话13800000000，住3栋2单元1501。"
    reply = GOOD_REPLY.replace("经查，", "经查，王小明（13800000000）家住3栋2单元1501，")
    assert {"reporter_phone", "reporter_name", "reporter_address"} <= codes(audit(request, reply))


def test_reporter_given_by_the_caller_is_protected():
    reply = GOOD_REPLY.replace("经查，", "经查，张三丰反映的情况属实，")
    verdict = audit(REQUEST, reply, reporter={"name": "张三丰", "phone": "13900000001"})
    assert "reporter_name" in codes(verdict, "privacy")


def test_unlabelled_mobile_number_is_personal():
    reply = GOOD_REPLY.replace("如再有扰民", "已与店主13912345678沟通，如再有扰民")
    assert "personal_mobile" in codes(audit(REQUEST, reply), "privacy")


def test_person_named_after_role_word_is_flagged_but_masked_name_is_not():
    named = audit(REQUEST, GOOD_REPLY.replace("经查，", "经查，反映人李大海，"))
    masked = audit(REQUEST, GOOD_REPLY.replace("经查，", "经查，反映人李某，"))
    assert ("person_named" in codes(named), codes(masked, "privacy")) == (True, set())


def test_official_contact_number_is_not_a_privacy_finding(good_pair):
    assert codes(audit(good_pair["request"], good_pair["reply"]), "privacy") == set()


# --- timeliness ------------------------------------------------------------------------

def test_reply_after_deadline_is_late(good_pair):
    verdict = audit(good_pair["request"], good_pair["reply"], replied_at="2026-12-09 10:00",
                    deadline="2026-12-08")
    finding = next(f for f in verdict.findings if f.check == "timeliness")
    assert (finding.code, finding.message) == ("late", "超过办理时限10小时答复")


def test_reply_on_the_deadline_day_is_on_time(good_pair):
    verdict = audit(good_pair["request"], good_pair["reply"], replied_at="2026-12-08 23:00",
                    deadline="2026-12-08")
    assert codes(verdict, "timeliness") == set()


def test_deadline_without_reply_time_is_noted(good_pair):
    verdict = audit(good_pair["request"], good_pair["reply"], deadline="2026-12-08")
    assert codes(verdict, "timeliness") == {"reply_time_unknown"}


def test_unreadable_time_names_the_argument():
    from civicgrid.audit.when import WhenError

    with pytest.raises(WhenError, match="deadline='next week' is not a time"):
        audit(REQUEST, GOOD_REPLY, deadline="next week")


def test_main_ask_answered_in_other_words_is_only_a_note():
    # The title says 烤肉摊子, the reply 烧烤店: characters cannot see synonyms.
    reply = ("您好！经查，啊Q烧烤店露天经营至凌晨，噪音扰民属实。7月20日城管执法部门向该店送达"
             "《责令整改通知》，要求晚22点前停止店外营业，7月21日复查已整改到位。感谢您的来信！"
             "商州区人民政府办公室")
    verdict = audit("林涧村的啊Q烤肉摊子每天扰民到十二点后，多次打电话投诉没人管。", reply,
                    title="啊Q烤肉摊子扰民打投诉电话一直不给予处理")
    relevance = {f.code: f.severity for f in verdict.findings if f.check == "relevance"}
    assert relevance.get("main_ask_unanswered") is None
    assert verdict.core_verdict != "return"


def test_everyday_words_after_role_words_are_not_names():
    reply = GOOD_REPLY.replace("经查，", "经查，该店影响居民安全，业主单位已配合，")
    assert codes(audit(REQUEST, reply), "privacy") == set()
