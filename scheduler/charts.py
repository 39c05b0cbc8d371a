"""PNG charts of the statistics (matplotlib), titled and labelled in Chinese with a CJK font
found on the machine (Debian: fonts-noto-cjk). Every character drawn is checked against the
font's character map first, so no label can come out as boxes."""

from __future__ import annotations

import io

from fontTools.ttLib import TTCollection, TTFont
from matplotlib import font_manager
from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

from .errors import ConfigError
from .stats import PERIOD_ZH, Figures

PREFERRED = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback")


def cjk_font() -> tuple[str, set[int]]:
    """(font file, the code points it covers) of a Simplified Chinese font on this machine."""
    by_name = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for name in PREFERRED:
        if name in by_name:
            path = by_name[name]
            fonts = TTCollection(path).fonts if path.lower().endswith(".ttc") else [TTFont(path)]
            return path, set().union(*(set(f.getBestCmap()) for f in fonts))
    raise ConfigError("no Chinese (CJK) font is installed for the charts; install one, e.g. 'apt-get install fonts-noto-cjk'")


def _check(texts: list[str], covered: set[int], font: str) -> None:
    missing = sorted({ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in covered})
    if missing:
        raise ConfigError(f"the font {font} has no glyph for {''.join(missing)}; the chart would show boxes")


def charts(kind: str, f: Figures, before: Figures) -> dict[str, bytes]:
    """{file name: PNG bytes}: sittings by organiser, by type, and minutes requested/planned."""
    path, covered = cjk_font()
    prop = font_manager.FontProperties(fname=path)
    label = PERIOD_ZH[kind]
    out = {}
    specs = [
        ("by-organiser.png", f"{label}会议场次（按主办单位）", f.sittings_by_organiser, "会议场次"),
        ("by-kind.png", f"{label}会议场次（按会议类型）", f.sittings_by_kind, "会议场次"),
        ("minutes.png", f"{label}会议时长与去年同期", {"申请时长": f.minutes_requested, "安排时长": f.minutes_planned, "去年同期安排": before.minutes_planned}, "分钟"),
    ]
    for name, title, data, unit in specs:
        labels = list(data) or ["（无）"]
        values = list(data.values()) or [0]
        _check([title, unit, *labels], covered, path)
        fig = Figure(figsize=(10, max(3, 0.4 * len(labels) + 1.5)), dpi=100)
        ax = fig.subplots()
        ax.barh(labels[::-1], values[::-1], color="#c0504d")
        ax.set_title(title, fontproperties=prop, fontsize=14)
        ax.set_xlabel(unit, fontproperties=prop)
        for tick in ax.get_yticklabels():
            tick.set_fontproperties(prop)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        out[name] = buffer.getvalue()
    return out
