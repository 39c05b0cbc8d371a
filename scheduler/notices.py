"""会议通知: one .docx per sitting for the units (python-docx, the only user of it).

Official style: 标题, 主送 (the units), 时间和地点, 议程 with each item's own start time, for each
unit the time it should arrive and may leave (its own items only — the payoff of 套开 for the
units), 参会要求, 联系人, the issuing office and 印发日期. Bytes are deterministic: the document
properties carry the time passed in and the zip entries get it too."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from . import fonts
from .domain import PENDING, WEEKDAYS_ZH, Plan, Problem, Sitting
from .files import safe_name

TITLE_FONT = fonts.NOTICE_TITLE.name  # 方正小标宋简体, the title face of official documents
BODY_FONT = fonts.NOTICE_BODY.name  # 仿宋_GB2312
HEADING_FONT = fonts.HEADING.name  # 黑体
ARRIVE_BEFORE = timedelta(minutes=10)  # units sign in this long before their first item
NUMBERS = "一二三四五六七八九十"


def clock(moment: datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def day_zh(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日（{WEEKDAYS_ZH[moment.weekday()]}）"


def file_name(sitting: Sitting) -> str:
    """notices/会议通知-<id>.docx, the id through files.safe_name (two ids never share a file)."""
    return f"notices/会议通知-{safe_name(sitting.id)}.docx"


def notice_title(problem: Problem, s: Sitting) -> str:
    titles = [problem.request_index[i.request_id].title for i in s.items]
    if len(titles) == 1:
        return f"关于召开{titles[0]}的通知"
    return f"关于召开{titles[0]}等{len(titles)}项议题套开会议的通知"


def unit_times(s: Sitting) -> list[tuple[str, list[int], datetime, datetime]]:
    """(unit, its item numbers, arrival, leaving) for every unit of a sitting, in order of arrival."""
    out = []
    for unit in s.units:
        mine = [n for n, item in enumerate(s.items, 1) if unit in item.units]
        spans = s.unit_segments(unit)
        out.append((unit, mine, spans[0][0] - ARRIVE_BEFORE, spans[-1][1]))
    return sorted(out, key=lambda u: (u[2], u[0]))


def _font(run, name: str, size: float, *, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _para(doc, text: str = "", *, font: str = BODY_FONT, size: float = 16, bold: bool = False, align=None, indent: bool = True, color=None):
    p = doc.add_paragraph()
    p.paragraph_format.line_spacing = Pt(28)
    p.paragraph_format.space_after = Pt(0)
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    if text:
        _font(p.add_run(text), font, size, bold=bold, color=color)
    return p


def _cell(cell, text: str, *, bold: bool = False) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), HEADING_FONT if bold else BODY_FONT, 12)


def notice_document(problem: Problem, plan: Plan, s: Sitting, *, now: datetime) -> bytes:
    index, leaders = problem.request_index, problem.leader_index
    settings = problem.settings
    office = getattr(settings, "office", "") or ""
    requests = [index[i.request_id] for i in s.items]
    room = problem.room_index[s.room]
    formats = sorted({r.format for r in requests} - {"现场"})

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    if any(r.approval == PENDING for r in requests):
        _para(doc, "（待审稿，以正式印发为准）", font=HEADING_FONT, size=14, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, color=RGBColor(0xC0, 0, 0))
    _para(doc, notice_title(problem, s), font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc)
    _para(doc, "、".join(s.units) + "：" if s.units else "各有关单位：", indent=False)
    how = f"以{'、'.join(formats)}形式" if formats else ""
    _para(doc, (
        f"经研究，定于{day_zh(s.start)}{clock(s.start)}—{clock(s.end)}在{room.name}{how}召开会议，"
        f"由{leaders[s.chair].name}同志主持。" + ("本次会议套开议题，各单位只参加本单位议题，请按下列时间到会。" if len(s.items) > 1 else "")
        + "现将有关事项通知如下："
    ))

    n = 0

    def heading(text: str) -> None:
        nonlocal n
        _para(doc, f"{NUMBERS[n]}、{text}", font=HEADING_FONT)
        n += 1

    heading("会议时间和地点")
    _para(doc, f"时间：{day_zh(s.start)}{clock(s.start)}—{clock(s.end)}")
    _para(doc, f"地点：{room.name}" + (f"（{room.building}）" if room.building else "") + (f"，{'、'.join(formats)}会议" if formats else ""))

    heading("会议议程")
    for k, (item, r) in enumerate(zip(s.items, requests), 1):
        others = [leaders[x].name for x in problem.by_rank(item.leaders) if x != s.chair]
        line = f"（{NUMBERS[k - 1] if k <= 10 else k}）{clock(item.start)}—{clock(item.end)}　{r.title}（{r.organiser}）"
        if r.agenda:
            line += f"：{r.agenda.rstrip('。；; ')}"
        if others:
            line += f"。出席领导：{'、'.join(others)}"
        _para(doc, line + ("" if line.endswith("。") else "。"))

    heading("参会单位及到会、离会时间")
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("参会单位", "参加议题", "到会时间", "可离会时间")):
        _cell(cell, text, bold=True)
    for unit, mine, arrive, leave in unit_times(s):
        row = table.add_row().cells
        _cell(row[0], unit)
        _cell(row[1], "、".join(f"第{NUMBERS[m - 1] if m <= 10 else m}项" for m in mine) if len(s.items) > 1 else "全程")
        _cell(row[2], clock(arrive))
        _cell(row[3], clock(leave))
    _para(doc, f"到会时间为本单位议题开始前{int(ARRIVE_BEFORE.total_seconds() // 60)}分钟（签到）；本单位议题结束后即可离会。")

    heading("参会要求")
    requirements = [
        "请各单位主要负责同志参会，确有特殊情况不能参会的，须提前向会议承办单位请假并报分管领导同意。",
        "请按本单位的到会时间提前签到，会议期间将手机调至静音或关闭。",
        "需汇报的单位请于会前一个工作日将书面材料报送承办单位，发言严格控制在规定时间内。",
    ]
    if formats:
        requirements.append("视频会议请各分会场提前30分钟完成设备调试。")
    for k, text in enumerate(requirements, 1):
        _para(doc, f"{k}．{text}")

    heading("联系人")
    contacts = dict.fromkeys(f"{r.organiser}：{r.contact}" if r.contact else r.organiser for r in requests)
    for text in contacts:
        _para(doc, text)

    _para(doc)
    _para(doc, office or "（印发单位）", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(doc, f"{now.year}年{now.month}月{now.day}日", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)

    _declare_fonts(doc, (fonts.NOTICE_TITLE, fonts.NOTICE_BODY, fonts.HEADING))
    props = doc.core_properties
    stamp = now.replace(tzinfo=None) - (now.utcoffset() or timedelta(0))
    props.author = props.last_modified_by = "scheduler"
    props.title = notice_title(problem, s)
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1
    raw = io.BytesIO()
    doc.save(raw)
    return _repack(raw.getvalue(), now)


def _declare_fonts(doc, faces) -> None:
    """Each face in the document's font table with its other name (w:altName), the GB2312
    character set and serif or sans: what a word processor without the face goes by to pick
    its own Chinese face of the same kind."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    table = etree.fromstring(part.blob)
    for face in faces:
        font = etree.SubElement(table, qn("w:font"))
        font.set(qn("w:name"), face.name)
        for tag, value in (("w:altName", face.alias), ("w:charset", "86"), ("w:family", "roman" if face.generic == "serif" else "swiss"), ("w:pitch", "variable")):
            etree.SubElement(font, qn(tag)).set(qn("w:val"), value)
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)  # a plain part: python-docx keeps its bytes


def _repack(data: bytes, now: datetime) -> bytes:
    """The same zip with every entry stamped `now` (python-docx stamps the wall clock)."""
    out = io.BytesIO()
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def notices(problem: Problem, plan: Plan, *, now: datetime, sitting: str | None = None) -> dict[str, bytes]:
    """{notices/<name>.docx: bytes} for every sitting, or for the one whose id (or any of whose
    request ids) is `sitting`."""
    from .errors import PlanError

    chosen = [s for s in plan.sittings if sitting is None or sitting == s.id or sitting in s.request_ids]
    if sitting is not None and not chosen:
        known = "、".join(s.id for s in plan.sittings)
        raise PlanError(f"安排中没有会议 {sitting}（可选：{known}）")
    return {file_name(s): notice_document(problem, plan, s, now=now) for s in chosen}
