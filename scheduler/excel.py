"""Workbooks written with openpyxl: the 一周会议安排表 (plan.xlsx) and the blank template.

Bytes are deterministic: document properties carry the run time passed in, and the zip entries
get that time too (openpyxl would stamp the wall clock)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timezone

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .domain import WEEKDAYS_ZH, Plan, Problem
from .report import OUTCOME_ZH, part_of_day, sitting_title

PLAN_COLUMNS = ("序号", "日期", "星期", "时段", "起止时间", "会议名称", "会议类型", "主办单位", "地点", "会议形式", "出席领导", "主持", "参会范围", "参会人数", "套开说明", "备注")
WIDTHS = {"会议名称": 40, "出席领导": 26, "参会范围": 40, "套开说明": 40, "备注": 30, "主办单位": 22, "地点": 18, "起止时间": 13}
THIN = Side(style="thin", color="999999")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _finish(wb: Workbook, now: datetime) -> bytes:
    utc = now.astimezone(timezone.utc).replace(tzinfo=None)
    wb.properties.creator = "scheduler"
    wb.properties.created = utc
    raw = io.BytesIO()
    wb.save(raw)
    # Re-pack with a fixed timestamp so that the same plan gives the same bytes.
    out = io.BytesIO()
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' with the wall clock
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + f"{utc:%Y-%m-%dT%H:%M:%SZ}".encode(), data)
            dst.writestr(entry, data)
    return out.getvalue()


def _sheet(wb: Workbook, title: str, headers, rows, *, first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    for n, header in enumerate(headers, 1):
        cell = ws.cell(row=1, column=n)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(n)].width = WIDTHS.get(header, 12)
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    return ws


def plan_workbook(problem: Problem, plan: Plan, *, now: datetime) -> bytes:
    index, leaders, rooms = problem.request_index, problem.leader_index, problem.room_index
    outcomes = plan.outcome_index
    rows = []
    for n, s in enumerate(plan.sittings, 1):
        requests = [index[i.request_id] for i in s.items]
        names = "、".join(leaders[x].name for x in problem.by_rank(s.leaders))
        units = "、".join(s.units)
        if len(s.items) > 1:
            merge = "；".join(f"{i.start:%H:%M}-{i.end:%H:%M} {index[i.request_id].title}" for i in s.items)
            merge = f"套开{len(s.items)}项：{merge}"
        else:
            merge = ""
        notes = "；".join(r for i in s.items for r in outcomes[i.request_id].reasons if "压缩" in r or "原申请" in r)
        rows.append((
            n, f"{s.start:%Y-%m-%d}", WEEKDAYS_ZH[s.start.weekday()], part_of_day(s.start), f"{s.start:%H:%M}-{s.end:%H:%M}",
            sitting_title(problem, s), "、".join(dict.fromkeys(r.kind for r in requests)), "、".join(dict.fromkeys(r.organiser for r in requests)),
            rooms[s.room].name, "、".join(dict.fromkeys(r.format for r in requests)), names, leaders[s.chair].name, units,
            s.attendees, merge, notes,
        ))
    wb = Workbook()
    _sheet(wb, "一周会议安排表", PLAN_COLUMNS, rows, first=True)
    for leader in problem.leaders:
        entries = []
        for s in plan.sittings:
            for a, b in s.segments_of(leader.id):
                items = [i for i in s.items if leader.id in i.leaders or leader.id == s.chair]
                entries.append((a, b, "；".join(index[i.request_id].title for i in items), rooms[s.room].name, "主持" if s.chair == leader.id else "出席"))
        for r in problem.receptions:
            if leader.id in r.leaders:
                entries.append((r.start, r.end, f"公务接待：{r.title}", r.place, "陪同"))
        for c in problem.commitments:
            if c.leader == leader.id:
                entries.append((c.start, c.end, f"已有日程：{c.title}", "外出" if c.away else "", ""))
        entries.sort(key=lambda e: (e[0], e[1]))
        _sheet(wb, f"{leader.name}", ("日期", "星期", "起止时间", "活动", "地点", "角色"), [
            (f"{a:%Y-%m-%d}", WEEKDAYS_ZH[a.weekday()], f"{a:%H:%M}-{b:%H:%M}" if a.date() == b.date() else f"{a:%m-%d %H:%M}至{b:%m-%d %H:%M}", what, where, role)
            for a, b, what, where, role in entries
        ])
    changed = [o for o in plan.outcomes if o.codes != ("scheduled",)]
    _sheet(wb, "未安排及调整说明", ("编号", "会议名称", "主办单位", "处理结果", "说明"), [
        (o.request_id, index[o.request_id].title, index[o.request_id].organiser, "、".join(OUTCOME_ZH[c] for c in o.codes), "\n".join(o.reasons))
        for o in changed
    ])
    return _finish(wb, now)


# --- the blank template -------------------------------------------------------------------------

EXAMPLES = {
    "会议申请": ("H01", "全市重点项目建设推进会", "推进会", "市发展改革委", "通报重点项目建设进度", "重点项目", "王志刚", "", "市发展改革委、市财政局", "35", "90", "60", "2026-12-07", "2026-12-11", "上午", "", "现场", "是", "", "是", "否", "", "2026-12-02 10:15", "同意", "李明 0571-8800101", ""),
    "公务接待": ("J01", "省发展改革委调研组来我市调研", "省发展改革委", "省发改函〔2026〕318号", "2026-12-08", "14:30", "17:00", "王志刚", "市政府第一会议室", "8"),
    "领导": ("L01", "王志刚", "常务副市长", "1", "wangzhigang@example.cn", "4", ""),
    "会议室": ("R01", "市政府第一会议室", "80", "是", "市政府大楼"),
    "已有日程": ("王志刚", "2026-12-09 08:30", "2026-12-09 12:00", "全省财政工作会议", "是"),
    "年度会议计划": ("P001", "市应急管理局", "全市安全生产工作会议", "部署会", "200", "第一季度", "是", "1", ""),
}


def template_workbook(sheets, kinds: list[str], *, now: datetime) -> bytes:
    """A workbook with every sheet and column (Chinese headers), one example row each, and
    dropdowns for the 是/否, 时段, 会议形式, 会议类型 and 审批状态 columns."""
    wb = Workbook()
    for n, spec in enumerate(sheets):
        headers = [c.zh for c in spec.columns]
        ws = _sheet(wb, spec.zh, headers, [EXAMPLES[spec.zh]], first=n == 0)
        choices = {
            "可否套开": "是,否", "列入年度计划": "是,否", "是否全市性会议": "是,否", "紧急": "是,否", "视频会议": "是,否", "外出": "是,否",
            "时段": "上午,下午,不限", "会议形式": "现场,视频,电视电话", "审批状态": "待审,同意,退回",
            "会议类型": ",".join(kinds),
        }
        for col, header in enumerate(headers, 1):
            if header in choices:
                dv = DataValidation(type="list", formula1=f'"{choices[header]}"', allow_blank=True)
                dv.error = f"请从下拉列表中选择：{choices[header]}"
                dv.errorTitle = header
                ws.add_data_validation(dv)
                letter = get_column_letter(col)
                dv.add(f"{letter}2:{letter}500")
    return _finish(wb, now)
