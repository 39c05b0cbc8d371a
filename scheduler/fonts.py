"""Chinese fonts, defined once: the faces the documents name, the CSS stacks of the week page,
and the face installed on this machine that draws the charts.

Two different questions, two answers:

- **Documents** (plan.xlsx, the 会议通知, report.html) are opened on the office's machines,
  which have the faces of official documents: 宋体 for tables, 黑体 for headings, 仿宋_GB2312 for
  the body and 方正小标宋简体 for the title of a notice (GB/T 9704). Those names are written
  whatever this machine has, so the same plan gives byte-identical files on any machine.
  report.html names a fallback stack (`css_stack`); a .docx declares each face in its font
  table with its other name, the GB2312 character set and serif or sans, which is what Word and
  LibreOffice go by to substitute a face they lack; a workbook cell holds one name, and a machine
  without it substitutes its own CJK face (LibreOffice falls back glyph by glyph).
- **Charts** are drawn here, so they take the first face of the role that is installed
  (`installed`, from matplotlib's font list, which knows the faces inside .ttc collections),
  and every character is checked against that face's character map (fontTools) before
  drawing: a missing glyph is refused (`missing_glyphs`), never drawn as a box.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .errors import ConfigError


@dataclass(frozen=True, slots=True)
class Face:
    """A role of a Chinese face: the name documents write (the office's machines have it), the
    same face's other name (Windows' English one), then other faces of the role on other
    systems, best first; then a CSS generic family."""

    name: str
    alias: str
    fallbacks: tuple[str, ...]
    generic: str


SONG = Face("宋体", "SimSun", ("Songti SC", "STSong", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"), "serif")
HEI = Face(
    "黑体",
    "SimHei",
    ("Microsoft YaHei", "PingFang SC", "Heiti SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback"),
    "sans-serif",
)
FANGSONG = Face("仿宋_GB2312", "FangSong_GB2312", ("仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"), "serif")
XIAOBIAOSONG = Face("方正小标宋简体", "FZXiaoBiaoSong-B05S", ("方正小标宋_GBK", "华文中宋", "STZhongsong", "黑体", "SimHei", "Noto Serif CJK SC", "Source Han Serif SC"), "serif")

YAHEI = Face("微软雅黑", "Microsoft YaHei", ("PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "黑体", "SimHei", "Droid Sans Fallback"), "sans-serif")

BODY = SONG  # tables: plan.xlsx, the notices' tables
HEADING = HEI  # headings, the column titles, the title row of plan.xlsx
NOTICE_BODY = FANGSONG  # the text of a 会议通知
NOTICE_TITLE = XIAOBIAOSONG  # the title of a 会议通知
SCREEN = YAHEI  # the week page on a screen and the charts: a sans face made for screens reads best


OFFICE_FACES = (SONG, HEI, FANGSONG, XIAOBIAOSONG, YAHEI)


def fontconfig() -> str:
    """A fontconfig file for a Linux machine that lacks the office faces (docs/fontconfig/):
    each office name and its alias bound to the free faces of the same kind, so that LibreOffice
    prints 宋体 and 仿宋 with a Song (serif) face and 黑体 with a Hei (sans) face of Simplified
    Chinese, instead of whatever CJK face its glyph fallback finds first (often Japanese sans)."""
    office = {n for f in OFFICE_FACES for n in (f.name, f.alias)}
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<!-- Generated from scheduler/fonts.py (fonts.fontconfig()); tests/test_fonts.py keeps it in step. -->",
        "<fontconfig>",
    ]
    for face in OFFICE_FACES:
        prefer = "".join(f"<family>{name}</family>" for name in face.fallbacks if name not in office)
        for name in (face.name, face.alias):
            lines.append(f'  <alias binding="same"><family>{name}</family><prefer>{prefer}</prefer><default><family>{face.generic}</family></default></alias>')
    lines.append("</fontconfig>")
    return "\n".join(lines) + "\n"


def css_stack(face: Face) -> str:
    """A CSS font-family value: the office face, its other names, then the generic family."""
    return ", ".join([*(f'"{name}"' for name in dict.fromkeys((face.name, face.alias, *face.fallbacks))), face.generic])


@dataclass(frozen=True, slots=True)
class InstalledFont:
    """A face on this machine: its family name, file, index inside a .ttc, and the characters it covers."""

    family: str
    path: str
    index: int
    covered: frozenset[int]


@cache
def installed(face: Face = SCREEN) -> InstalledFont:
    """The first face of the role installed on this machine (the name itself, then the
    fallbacks; any Simplified Chinese face of the screen role after that)."""
    from fontTools.ttLib import TTCollection, TTFont
    from matplotlib import font_manager

    def weight(entry) -> int:
        return entry.weight if isinstance(entry.weight, int) else font_manager.weight_dict.get(entry.weight, 400)

    for name in dict.fromkeys((face.name, face.alias, *face.fallbacks, *SCREEN.fallbacks)):
        faces = [f for f in font_manager.fontManager.ttflist if f.name == name and f.style == "normal"]
        if not faces:
            continue
        entry = min(faces, key=lambda f: (abs(weight(f) - 400), f.fname, getattr(f, "index", 0) or 0))  # the regular face
        index = getattr(entry, "index", 0) or 0
        font = TTCollection(entry.fname).fonts[index] if entry.fname.lower().endswith((".ttc", ".otc")) else TTFont(entry.fname)
        return InstalledFont(family=name, path=entry.fname, index=index, covered=frozenset(font.getBestCmap()))
    raise ConfigError("本机没有安装中文字体，无法绘制统计图；请安装一种，例如 apt-get install fonts-noto-cjk")


def missing_glyphs(font: InstalledFont, texts: list[str]) -> str:
    """The characters of `texts` the font cannot draw (they would come out as boxes)."""
    return "".join(sorted({ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in font.covered}))


__all__ = [
    "BODY", "FANGSONG", "HEADING", "HEI", "NOTICE_BODY", "NOTICE_TITLE", "SCREEN", "SONG", "XIAOBIAOSONG", "YAHEI",
    "OFFICE_FACES", "Face", "InstalledFont", "css_stack", "fontconfig", "installed", "missing_glyphs",
]
