"""Relevance: is every point the citizen raised answered or explicitly declined?

The request is split into asks. The main ask is the title when there is one, else the
first sentence that asks or demands something; further asks are the other sentences that
carry a question or demand marker (吗, 是否, 何时, 请求, 希望, 要求...) or open a numbered
point (1、 二、 ①); rhetorical complaints (难道, 凭什么, 谁来) are not asks. Each ask is
reduced to its key terms: CJK character pairs that are not in the ``generic_bigrams`` list
and not made of function characters only, plus Latin/number tokens such as ``216`` or
``K1``.

An ask counts as answered when enough of its key terms come back in the reply's answer
text (the content sentences, with quotations and restatements of the request removed, so
that repeating the title does not count as answering it). A reply that refuses or refers
the matter on explicitly (不属于...职责, 建议您向...) declines the asks instead of skipping
them; whether such a refusal is complete is the completeness check's business.

The main ask also counts as answered when the answer shares many key terms with the whole
request (replies often answer without repeating the title's place names).

Findings: ``quote_only`` (major) when the reply's content is mostly the request's own
words; ``main_ask_unanswered`` (major, 答非所问) when the answer shares (almost) nothing
with the main ask or the request, ``main_ask_unclear`` (minor) when it shares a little;
``points_skipped`` (major, 避重就轻) when two thirds of three or more further asks are
left out; ``point_skipped`` (minor) for a single further ask left out. Spans index the
request or title (``target``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from civicgrid.audit.context import AuditContext
from civicgrid.audit.text import cjk_bigrams, cjk_count, sentence_spans, shingles
from civicgrid.audit.verdict import MAJOR, MINOR, Finding

CHECK = "relevance"

# Questions and demands; rhetorical complaints (难道...?) are filtered out below.
_ASK_MARKER = re.compile(
    r"吗[?？]?$|是否|能否|可否|何时|什么时候|几时|如何|怎么办|怎样|请问|多少钱|哪个部门|找谁|"
    r"能不能|可不可以|有没有|请求|恳请|要求|希望|建议|呼吁|请(?:领导|政府|有关|相关)"
)
_RHETORICAL = re.compile(r"难道|岂|凭什么|还有没有|谁来|何在")
_NUMBERED = re.compile(r"^\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2}|[①-⑩])\s*[、.．)）:：]")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*[A-Za-z0-9]")
_FUNCTION_CHARS = frozenset(
    "的了是在我你他她它们这那有和与及就都也还又很太等被把对为吗呢吧啊么着过个一不没人会要能说到去来上下中其此该"
)
_OUT_OF_SCOPE = re.compile(
    r"不属于.{0,14}(?:范围|职责|职能|管辖|业务)|没有管辖权|无权|不归.{0,8}管"
)

MAX_FURTHER_ASKS = 6
MIN_KEYS = 2
QUOTE_SHINGLE = 6
QUOTE_SHARE = 0.8
# An ask is answered when this many key terms, or this share of them, recur in the answer.
MAIN_MATCHES, MAIN_SHARE = 2, 0.25
FURTHER_MATCHES, FURTHER_SHARE = 2, 0.2
DECLINED_SHARE = 0.12
# The main ask also counts as answered when the answer shares this much with the whole
# request: replies often answer the matter without repeating the title's place names.
BODY_MATCHES, BODY_SHARE = 8, 0.2
# Below those, a main ask with any overlap is only a note (``main_ask_unclear``): matching
# characters cannot see synonyms (烧烤/烤肉, 读书/入学), so a lexical miss is not proof.
WEAK_BODY_MATCHES = 3
# Skipping further asks is a major fault (避重就轻) from this many asks and this share.
SKIPPED_MIN_ASKS, SKIPPED_SHARE = 3, 2 / 3


@dataclass(frozen=True)
class Ask:
    """One point the citizen raised: its text, cleaned span, where it is, and key terms."""

    text: str
    span: tuple[int, int]
    target: str
    main: bool
    keys: frozenset[str]


def check_relevance(ctx: AuditContext) -> list[Finding]:
    """Findings of the relevance check."""
    if not ctx.content_sentences:
        return []  # nothing to measure: completeness reports the empty or formula-only reply
    if _quotes_only(ctx):
        return [_quote_only_finding(ctx)]
    asks = extract_asks(ctx)
    if not asks:
        return []
    answer = _answer_terms(ctx.answer_text)
    declining = bool(_OUT_OF_SCOPE.search(ctx.reply.text))
    declines = (
        declining
        or bool(ctx.phrases.search("declines", ctx.answer_text))
        or bool(ctx.phrases.search("referrals", ctx.answer_text))
    )
    skipped = [a for a in asks if not _answered(a, answer, declining, declines)]
    weak = False
    if skipped and skipped[0].main:
        shared = _body_shared(ctx, answer)
        if shared[0] >= BODY_MATCHES or shared[0] >= BODY_SHARE * shared[1]:
            skipped = skipped[1:]
        elif len(skipped[0].keys & answer) > 0 or shared[0] >= WEAK_BODY_MATCHES:
            weak = True  # some overlap: the main ask may be answered in other words
    return _findings_for(ctx, asks, skipped, weak_main=weak)


def _body_shared(ctx: AuditContext, answer: frozenset[str]) -> tuple[int, int]:
    body = key_terms(ctx, ctx.request.text)
    return len(body & answer), max(len(body), 1)


def extract_asks(ctx: AuditContext) -> list[Ask]:
    """The main ask and up to :data:`MAX_FURTHER_ASKS` further asks of the request."""
    asks: list[Ask] = []
    if cjk_count(ctx.title.text) >= 2:
        title = ctx.title.text.strip()
        start = ctx.title.text.find(title)
        asks.append(_ask(ctx, title, (start, start + len(title)), "title", True))
    text = ctx.request.text
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if not (_ASK_MARKER.search(sentence) or _NUMBERED.match(sentence)):
            continue
        if _RHETORICAL.search(sentence):
            continue
        ask = _ask(ctx, sentence, (start, end), "request", not asks)
        if len(ask.keys) >= MIN_KEYS and not _duplicate(ask, asks):
            asks.append(ask)
        if len(asks) > MAX_FURTHER_ASKS:
            break
    if not asks:
        asks.extend(_first_substantive(ctx))
    return asks


def _ask(ctx: AuditContext, text: str, span: tuple[int, int], target: str, main: bool) -> Ask:
    return Ask(text=text, span=span, target=target, main=main, keys=key_terms(ctx, text))


def _first_substantive(ctx: AuditContext) -> list[Ask]:
    text = ctx.request.text
    for start, end in sentence_spans(text):
        ask = _ask(ctx, text[start:end], (start, end), "request", True)
        if len(ask.keys) >= MIN_KEYS:
            return [ask]
    return []


def _duplicate(ask: Ask, asks: list[Ask]) -> bool:
    return any(len(ask.keys & other.keys) >= 0.8 * len(ask.keys) for other in asks)


def key_terms(ctx: AuditContext, text: str) -> frozenset[str]:
    """The key terms of an ask (see the module docstring)."""
    generic = ctx.phrases.generic_bigrams
    grams = {
        g
        for g in cjk_bigrams(text)
        if g not in generic and not (g[0] in _FUNCTION_CHARS and g[1] in _FUNCTION_CHARS)
    }
    tokens = {t.lower() for t in _TOKEN.findall(text)}
    return frozenset(grams | tokens)


def _answer_terms(answer: str) -> frozenset[str]:
    return frozenset(cjk_bigrams(answer) | {t.lower() for t in _TOKEN.findall(answer)})


def _answered(ask: Ask, answer: frozenset[str], declining: bool, declines: bool) -> bool:
    if declining:
        return True
    matched = len(ask.keys & answer)
    share = matched / len(ask.keys) if ask.keys else 1.0
    need_matches, need_share = (
        (MAIN_MATCHES, MAIN_SHARE) if ask.main else (FURTHER_MATCHES, FURTHER_SHARE)
    )
    if matched >= min(need_matches, len(ask.keys)) or share >= need_share:
        return True
    return declines and share >= DECLINED_SHARE


def _quotes_only(ctx: AuditContext) -> bool:
    grams = shingles(ctx.content_text, QUOTE_SHINGLE)
    if len(grams) < 3:
        return False
    source = shingles(ctx.title.text + ctx.request.text, QUOTE_SHINGLE)
    return len(grams & source) / len(grams) >= QUOTE_SHARE


def _quote_only_finding(ctx: AuditContext) -> Finding:
    return Finding(
        check=CHECK,
        code="quote_only",
        severity=MAJOR,
        message="答复只是复述来信内容，没有作出回应",
        suggestion="删去对来信的复述，逐项写明调查核实的情况、处理结果和依据",
        target="reply",
        span=ctx.reply_span(0, len(ctx.reply.text)) if ctx.reply.text else None,
    )


def _findings_for(
    ctx: AuditContext, asks: list[Ask], skipped: list[Ask], *, weak_main: bool
) -> list[Finding]:
    findings = []
    main = next((a for a in skipped if a.main), None)
    if main is not None and weak_main:
        findings.append(_skipped_finding(ctx, main, "main_ask_unclear", MINOR))
    elif main is not None:
        findings.append(_skipped_finding(ctx, main, "main_ask_unanswered", MAJOR))
    further = [a for a in asks if not a.main]
    further_skipped = [a for a in skipped if not a.main]
    if len(further) >= SKIPPED_MIN_ASKS and len(further_skipped) >= SKIPPED_SHARE * len(further):
        findings.append(
            _skipped_finding(
                ctx,
                further_skipped[0],
                "points_skipped",
                MAJOR,
                count=len(further_skipped),
                total=len(further),
            )
        )
    else:
        findings.extend(_skipped_finding(ctx, a, "point_skipped", MINOR) for a in further_skipped)
    return findings


def _skipped_finding(
    ctx: AuditContext, ask: Ask, code: str, severity: str, count: int = 1, total: int = 1
) -> Finding:
    excerpt = ask.text if len(ask.text) <= 40 else ask.text[:40] + "…"
    messages = {
        "main_ask_unanswered": f"答非所问：来信的主要诉求“{excerpt}”在答复中没有回应",
        "main_ask_unclear": f"来信的主要诉求“{excerpt}”在答复中回应不明显，请核对",
        "points_skipped": f"避重就轻：{total}项具体诉求中有{count}项没有回应，如“{excerpt}”",
        "point_skipped": f"诉求“{excerpt}”没有回应",
    }
    source = ctx.title if ask.target == "title" else ctx.request
    span = source.to_original(*ask.span)
    return Finding(
        check=CHECK,
        code=code,
        severity=severity,
        message=messages[code],
        suggestion="针对该诉求写明办理结果；不能办理的，明确说明理由和依据",
        target=ask.target,
        span=span,
    )
