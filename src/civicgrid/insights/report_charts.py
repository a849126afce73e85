"""Report charts drawn by matplotlib to PNG, with a Chinese (CJK) font when one is installed.

Without a CJK font matplotlib draws Chinese as empty boxes. :func:`cjk_font` looks for the
Noto CJK, WenQuanYi, Source Han or SimHei families (Debian: ``apt-get install fonts-noto-cjk``)
and the caller adds a note to the report when none is found.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from functools import lru_cache

log = logging.getLogger(__name__)

_CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Sans CJK JP", "Source Han Sans SC",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei",
)
NO_FONT_NOTE = "未找到中文字体，图表中的中文可能显示为方框（安装 fonts-noto-cjk 可解决）。"


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family, or None."""
    try:
        from matplotlib import font_manager
    except ImportError:
        return None

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in installed:
            return family
    log.warning("no CJK font found; chart labels in Chinese will not render")
    return None


def _figure(width: float = 6.0, height: float = 3.0):  # type: ignore[no-untyped-def]
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            "report charts need matplotlib: pip install 'civicgrid[insights]'"
        ) from exc

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    font = cjk_font()
    if font:
        plt.rcParams["font.family"] = [font]
    plt.rcParams["axes.unicode_minus"] = False
    return plt, plt.subplots(figsize=(width, height), dpi=120)


def _png(plt, fig) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def line_chart(labels: Sequence[str], values: Sequence[float], title: str) -> bytes:
    """A line chart (e.g. cases per day) as PNG bytes."""
    plt, (fig, ax) = _figure()
    ax.plot(list(labels), list(values), marker="o")
    ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=45)
    ax.grid(alpha=0.3)
    return _png(plt, fig)


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str) -> bytes:
    """A horizontal bar chart, largest on top, as PNG bytes."""
    plt, (fig, ax) = _figure(6.0, max(2.0, 0.35 * len(labels) + 1))
    ax.barh(list(reversed(labels)), list(reversed(values)))
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="x")
    return _png(plt, fig)
