"""Case statuses, priorities, channels and their Chinese labels."""

from __future__ import annotations

RECEIVED = "received"
DISPATCHED = "dispatched"
ACCEPTED = "accepted"
IN_PROGRESS = "in_progress"
REPLIED = "replied"
REVIEWED = "reviewed"
CLOSED = "closed"
RETURNED = "returned"
MERGED = "merged"

STATUS_LABELS: dict[str, str] = {
    RECEIVED: "已受理",
    DISPATCHED: "已分拨",
    ACCEPTED: "已签收",
    IN_PROGRESS: "办理中",
    REPLIED: "已答复待审核",
    REVIEWED: "已审核待回访",
    CLOSED: "已办结",
    RETURNED: "已退单",
    MERGED: "已合并",
}

OPEN_STATUSES = frozenset(STATUS_LABELS) - {CLOSED, MERGED}

# How a closed case ended. "closed_unconfirmed" is 办结（未注明解决）: it counts as closed
# but never as resolved (an outside system said "closed" without saying it was fixed).
RESOLUTIONS: dict[str, str] = {
    "resolved": "已解决",
    "explained": "已解释说明",
    "closed_unconfirmed": "办结（未注明解决）",
    "unresolvable": "无法解决",
}

PRIORITIES: dict[str, str] = {"normal": "一般", "urgent": "紧急", "critical": "特急"}

CHANNELS: dict[str, str] = {
    "hotline": "12345热线",
    "web": "居民网页",
    "grid": "网格员上报",
    "qr": "二维码门牌",
    "open311": "Open311接口",
    "city": "市12345平台",
    "import": "历史导入",
    "api": "接口",
}

SATISFACTION: dict[str, str] = {"satisfied": "满意", "basic": "基本满意", "dissatisfied": "不满意"}
