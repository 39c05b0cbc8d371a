"""PNG charts of the statistics (matplotlib), titled and labelled in Chinese with the CJK face
fonts.installed() finds on the machine (Debian: fonts-noto-cjk gives Noto Sans CJK SC). Every
character drawn is checked against that face's character map first, so no label can come out as
boxes."""

from __future__ import annotations

import io
from datetime import timedelta

from matplotlib import font_manager
from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend
from matplotlib.ticker import MaxNLocator

from .errors import ConfigError
from .fonts import SCREEN, InstalledFont, installed, missing_glyphs
from .stats import PERIOD_ZH, Figures


def _check(texts: list[str], font: InstalledFont) -> None:
    missing = missing_glyphs(font, texts)
    if missing:
        raise ConfigError(f"字体 {font.family}（{font.path}）没有“{missing}”的字形，统计图会显示方框；请安装完整的中文字体，例如 fonts-noto-cjk")


def font_properties(font: InstalledFont) -> font_manager.FontProperties:
    """matplotlib's handle on the installed face (by family and weight, so that the right face
    of a .ttc collection is drawn, not its first one)."""
    return font_manager.FontProperties(family=font.family, weight="normal", style="normal")


def period_title(kind: str, f: Figures) -> str:
    """The period in a chart title: 2026年12月, 2026年第四季度, 2026年, or a week's dates."""
    if kind == "month":
        return f"{f.start.year}年{f.start.month}月"
    if kind == "quarter":
        return f"{f.start.year}年第{'一二三四'[(f.start.month - 1) // 3]}季度"
    if kind == "year":
        return f"{f.start.year}年"
    last = f.end - timedelta(days=1)
    return f"{f.start.year}年{f.start.month}月{f.start.day}日—{last.month}月{last.day}日当周"


NO_RECORD = "无去年同期记录"


def _bars(prop, title: str, labels: list[str], series: list[tuple[str, list[int], str]], unit: str, note: str = "") -> Figure:
    """Horizontal grouped bars, whole-number ticks, a legend, and each bar's value written on it."""
    labels = labels or ["（无）"]
    fig = Figure(figsize=(10, max(3.2, 0.55 * len(labels) * max(1, len(series)) / 1.6 + 1.8)), dpi=100)
    ax = fig.subplots()
    height = 0.8 / max(1, len(series))
    positions = list(range(len(labels)))[::-1]
    for n, (name, values, color) in enumerate(series):
        ys = [p + (len(series) / 2 - n - 0.5) * height for p in positions]
        bars = ax.barh(ys, values or [0] * len(labels), height=height, color=color, label=name)
        ax.bar_label(bars, labels=[f"{v:,}" for v in (values or [0] * len(labels))], padding=2, fontsize=9)
    ax.set_yticks(positions, labels)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(left=0, right=max([1] + [v for _, values, _ in series for v in values]) * 1.15)
    ax.set_title(title, fontproperties=prop, fontsize=14)
    ax.set_xlabel(unit, fontproperties=prop)
    ax.tick_params(labelfontfamily=prop.get_family()[0])  # every tick label, also those made when drawn
    if len(series) > 1:
        ax.legend(prop=prop, loc="lower right")
    if note:
        ax.text(0.99, 0.02 if len(series) <= 1 else 0.2, note, transform=ax.transAxes, ha="right", va="bottom", fontproperties=prop, color="#a33")
    fig.tight_layout()
    return fig


def _quota_line(prop, title: str, weeks: list[int], now: list, before: list | None) -> Figure:
    """Sittings per week this year against the same weeks a year before; a week without a
    publication is a gap in the line, not a zero."""
    fig = Figure(figsize=(10, 4), dpi=100)
    ax = fig.subplots()
    nan = float("nan")
    ax.plot(weeks, [nan if v is None else v for v in now], marker="o", color="#c0504d", label="本年")
    if before is not None:
        ax.plot(weeks, [nan if v is None else v for v in before], marker="s", linestyle="--", color="#7f7f7f", label="去年同期")
    else:
        ax.text(0.5, 0.9, NO_RECORD, transform=ax.transAxes, ha="center", fontproperties=prop, color="#a33", fontsize=12)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0.5, max(weeks or [1]) + 0.5)
    ax.set_ylim(bottom=0, top=max([1] + [v for v in now + (before or []) if v is not None]) * 1.2)
    ax.set_title(title, fontproperties=prop, fontsize=14)
    ax.tick_params(labelfontfamily=prop.get_family()[0])
    ax.set_xlabel("周次", fontproperties=prop)
    ax.set_ylabel("会议场次", fontproperties=prop)
    ax.legend(prop=prop, loc="lower right")
    fig.tight_layout()
    return fig


def charts(kind: str, f: Figures, before: Figures, weekly: list | None = None, weekly_before: list | None = None) -> dict[str, bytes]:
    """{file name: PNG bytes} of `chart_figures`."""
    out = {}
    for name, fig in chart_figures(kind, f, before, weekly, weekly_before).items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        out[name] = buffer.getvalue()
    return out


def chart_figures(kind: str, f: Figures, before: Figures, weekly: list | None = None, weekly_before: list | None = None) -> dict[str, Figure]:
    """Requests against sittings held by organiser and by type, minutes requested/planned
    against the year before, and (given the weekly sittings of the year so far and of the same
    weeks a year before) the 只减不增 line. Counts on whole-number axes, the period in every title."""
    font = installed(SCREEN)
    prop = font_properties(font)
    period = period_title(kind, f)
    had_before = before.weeks > 0
    figures: dict[str, Figure] = {}
    texts: list[str] = []

    def grouped(requests: dict[str, int], sittings: dict[str, int]) -> tuple[list[str], list]:
        labels = list(dict.fromkeys([*requests, *sittings]))
        return labels, [("申请（项）", [requests.get(x, 0) for x in labels], "#4f81bd"), ("召开（场）", [sittings.get(x, 0) for x in labels], "#c0504d")]

    for name, what, requests, sittings in (
        ("by-organiser.png", "按主办单位", f.requests_by_organiser, f.sittings_by_organiser),
        ("by-kind.png", "按会议类型", f.requests_by_kind, f.sittings_by_kind),
    ):
        title = f"{period}会议申请与召开场次（{what}）"
        labels, series = grouped(requests, sittings)
        texts += [title, *labels, *(s[0] for s in series), "项场次"]
        _check(texts, font)
        figures[name] = _bars(prop, title, labels, series, "数量（项/场）")

    title = f"{period}会议时长：申请、安排与去年同期"
    labels = ["申请时长", "安排时长", "去年同期安排"]
    values = [f.minutes_requested, f.minutes_planned, before.minutes_planned if had_before else 0]
    texts += [title, *labels, "分钟", NO_RECORD]
    _check(texts, font)
    if not had_before:
        labels, values = labels[:2], values[:2]
    figures["minutes.png"] = _bars(prop, title, labels, [("分钟", values, "#c0504d")], "分钟", "" if had_before else f"去年同期：{NO_RECORD}")

    if weekly is not None:
        title = f"{f.start.year}年只减不增：每周会议场次与去年同期"
        texts += [title, "本年", "去年同期", "周次", "会议场次"]
        _check(texts, font)
        has_record = weekly_before is not None and any(v is not None for v in weekly_before)
        figures["quota.png"] = _quota_line(prop, title, list(range(1, len(weekly) + 1)), weekly, weekly_before if has_record else None)

    return figures
