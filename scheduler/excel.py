"""The plan workbook written with openpyxl: the 一周会议安排表 (plan.xlsx); the blank template is template.py.

Bytes are deterministic: document properties carry the run time passed in, and the zip entries
get that time too (openpyxl would stamp the wall clock).

plan.xlsx is printed as a 两办 circulates it: the 一周会议安排表, one sheet per leader
(领导活动安排), and the internal 调整及未安排说明. A4 landscape, one page wide (fitToPage), the
header row repeated on every page, page numbers in the footer, 宋体 body and 黑体 headings, real
date cells merged per day, and row heights worked out from the text so that every character
shows. The circulated sheets never carry a leader's private commitment (only "已有安排"/"外出");
solver reasons, which may name them, live on the internal sheet alone. Every text is written as
text: a cell starting with = + - @ is never a formula."""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.properties import PageSetupProperties

from . import fonts
from .xlsx import workbook_bytes
from .annual import OUT_OF_PLAN
from .domain import PENDING, WEEKDAYS_ZH, Plan, Problem, Sitting


_finish = workbook_bytes  # scheduler/xlsx.py: the same bytes for the same content and now


# --- plan.xlsx ----------------------------------------------------------------------------------

BODY_FONT = fonts.BODY.name  # 宋体: the office's machines have it (see fonts.py for why the name is fixed)
HEADING_FONT = fonts.HEADING.name  # 黑体
BODY_SIZE = 10.5  # 五号
LINE_HEIGHT = 15.0  # points per wrapped line at BODY_SIZE (CJK fonts are taller than Latin ones)
PRINT_LINE = Side(style="thin", color="000000")
BOX = Border(left=PRINT_LINE, right=PRINT_LINE, top=PRINT_LINE, bottom=PRINT_LINE)
PRINT_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
PENDING_FILL = PatternFill("solid", fgColor="FFF2CC")
DATE_FORMAT = 'm"月"d"日"'

MAIN_SHEET = "一周会议安排表"
INTERNAL_SHEET = "调整及未安排说明"
MAIN_COLUMNS = (("日期", 9), ("星期", 6), ("时间", 13), ("会议名称", 34), ("地点", 19), ("主持", 8), ("出席领导", 19), ("参会单位", 28), ("承办单位（联系人）", 22))
LEADER_COLUMNS = (("日期", 9), ("星期", 6), ("时间", 13), ("活动", 46), ("地点", 20), ("出席方式", 12), ("承办单位（联系人）", 26))
INTERNAL_COLUMNS = (("编号", 7), ("会议名称", 28), ("主办单位", 18), ("处理结果", 14), ("原申请", 24), ("安排", 26), ("说明", 60))


def display_width(text: str) -> int:
    """Width in Excel column units: a CJK (full-width) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_needed(text: str, width: float) -> int:
    """Wrapped lines a text takes in a column of `width` units (a margin kept for the padding)."""
    usable = max(width - 1.5, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in str(text).split("\n"))


def clock(moment: datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def span(a: datetime, b: datetime) -> str:
    return f"{clock(a)}—{clock(b)}"


def date_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def week_title(problem: Problem) -> str:
    days = [d.date for d in problem.days] or [problem.week]
    first, last = days[0], days[-1]
    return f"{date_zh(first)}—{last.month}月{last.day}日" if first.year == last.year else f"{date_zh(first)}—{date_zh(last)}"


class SheetWriter:
    """Rows onto one sheet with the house style; remembers what each row needs in height."""

    def __init__(self, ws, columns):
        self.ws, self.columns = ws, columns
        self.widths = [w for _, w in columns]
        self.heights: dict[int, float] = {}
        for n, width in enumerate(self.widths, 1):
            ws.column_dimensions[get_column_letter(n)].width = width

    @property
    def last_column(self) -> str:
        return get_column_letter(len(self.columns))

    def put(self, row: int, column: int, value, *, font: Font | None = None, align: str = "left", fill=None, border=True, number_format=None):
        cell = self.ws.cell(row=row, column=column)
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text: "=1+1" is not a formula
        cell.font = font or Font(name=BODY_FONT, size=BODY_SIZE)
        cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        if border:
            cell.border = BOX
        if fill is not None:
            cell.fill = fill
        if number_format:
            cell.number_format = number_format
        return cell

    def need(self, row: int, column: int, text: str, *, size: float = BODY_SIZE, rows: int = 1, width: float | None = None) -> None:
        width = width if width is not None else self.widths[column - 1]
        height = lines_needed(text, width * BODY_SIZE / size) * LINE_HEIGHT * size / BODY_SIZE + 6
        per_row = height / rows
        for r in range(row, row + rows):
            self.heights[r] = max(self.heights.get(r, LINE_HEIGHT + 6), per_row)

    def title(self, row: int, text: str, *, size: float = 18) -> None:
        self.ws.merge_cells(f"A{row}:{self.last_column}{row}")
        self.put(row, 1, text, font=Font(name=HEADING_FONT, size=size), align="center", border=False)
        self.need(row, 1, text, size=size, width=sum(self.widths))

    def header(self, row: int) -> None:
        for n, (name, _) in enumerate(self.columns, 1):
            self.put(row, n, name, font=Font(name=HEADING_FONT, size=BODY_SIZE), align="center", fill=PRINT_HEADER_FILL)
            self.need(row, n, name)

    def cells(self, row: int, values, *, fill=None, skip=()) -> None:
        for n, value in enumerate(values, 1):
            if n in skip:
                continue
            self.put(row, n, value, fill=fill, align="center" if n <= 3 else "left")
            self.need(row, n, "" if value is None else str(value))

    def merged(self, first: int, last: int, column: int, value, *, number_format=None, fill=None, top: bool = False) -> None:
        """One value over rows first..last of a column (borders on every cell of the block);
        `top` keeps it at the top, so that a block running over a page break shows it on the first."""
        for r in range(first, last + 1):
            cell = self.put(r, column, value if r == first else None, align="center", number_format=number_format, fill=fill)
            if top:
                cell.alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
        if last > first:
            letter = get_column_letter(column)
            self.ws.merge_cells(f"{letter}{first}:{letter}{last}")
        self.need(first, column, value if isinstance(value, str) else "00月00日", rows=last - first + 1)

    def finish(self, *, header_row: int, footer: str = "", internal: bool = False) -> None:
        ws = self.ws
        for row, height in self.heights.items():
            ws.row_dimensions[row].height = round(height, 1)
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as it takes
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.6
        ws.page_margins.header = ws.page_margins.footer = 0.3
        ws.print_options.horizontalCentered = True
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.freeze_panes = f"A{header_row + 1}"
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        ws.oddFooter.center.font = BODY_FONT
        if footer:
            ws.oddFooter.left.text = footer
            ws.oddFooter.left.font = BODY_FONT
        if internal:
            ws.oddHeader.right.text = "内部资料　注意保存"
            ws.oddHeader.right.font = f"{HEADING_FONT},Bold"
            ws.sheet_properties.tabColor = "C00000"


def _sheet_name(name: str, taken: set[str]) -> str:
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in name).strip("'")[:31] or "领导"
    out, n = clean, 2
    while out in taken:
        out = f"{clean[:28]}({n})"
        n += 1
    taken.add(out)
    return out


def _organiser(request) -> str:
    return f"{request.organiser}（{request.contact}）" if request.contact else request.organiser


def _place(problem: Problem, s: Sitting) -> str:
    room = problem.room_index[s.room].name
    formats = {problem.request_index[i.request_id].format for i in s.items} - {"现场"}
    return f"{room}（{'、'.join(sorted(formats))}）" if formats else room


def main_sheet(ws, problem: Problem, plan: Plan, *, now: datetime) -> None:
    index, leaders = problem.request_index, problem.leader_index
    settings = problem.settings
    w = SheetWriter(ws, MAIN_COLUMNS)
    ws.title = MAIN_SHEET
    w.title(1, f"{getattr(settings, 'city', '') or ''}一周会议安排表（{week_title(problem)}）")
    office = getattr(settings, "office", "") or ""
    ws.merge_cells("A2:E2")
    w.put(2, 1, f"制表单位：{office}", border=False)
    ws.merge_cells(f"F2:{w.last_column}2")
    w.put(2, 6, f"制表日期：{date_zh(now.date())}", align="right", border=False)
    w.header(3)
    row = 4
    days = sorted({d.date for d in problem.days} | {s.start.date() for s in plan.sittings})
    no_meeting = {d.date for d in problem.days if d.no_meeting}
    pending_seen = outside_seen = False
    annual = plan.annual_plan  # None: no annual plan loaded, nothing said either way
    for day in days:
        first = row
        sittings = sorted((s for s in plan.sittings if s.start.date() == day), key=lambda s: (s.start, s.id))
        if not sittings:
            w.cells(row, [None, None, "", "无会日" if day in no_meeting else "无会议安排", "", "", "", "", ""], skip=(1, 2))
            row += 1
        for s in sittings:
            top = row
            for n, item in enumerate(s.items, 1):
                r = index[item.request_id]
                name = r.title if len(s.items) == 1 else f"【套开{n}/{len(s.items)}】{r.title}"
                pending = r.approval == PENDING
                if pending:
                    name += "（待审）"
                    pending_seen = True
                if day in no_meeting:
                    name += "（无会日例外）"
                if annual is not None and annual.get(r.id) == OUT_OF_PLAN:
                    name += "（计划外）"
                    outside_seen = True
                others = "、".join(leaders[x].name for x in problem.by_rank(item.leaders) if x != s.chair)
                w.cells(row, [None, None, span(item.start, item.end), name, None, None, others, "、".join(item.units), _organiser(r)],
                        fill=PENDING_FILL if pending else None, skip=(1, 2, 5, 6))
                row += 1
            w.merged(top, row - 1, 5, _place(problem, s))
            w.merged(top, row - 1, 6, leaders[s.chair].name)
        w.merged(first, row - 1, 1, day, number_format=DATE_FORMAT, top=True)
        w.merged(first, row - 1, 2, WEEKDAYS_ZH[day.weekday()], top=True)
    notes = ["注：“【套开】”为同一场次连续召开的议题，各议题出席领导和参会单位按所列时间参加。"]
    if pending_seen:
        notes.append("标“（待审）”的会议尚待审批，时间以正式通知为准。")
    if annual is not None:
        notes.append("各会议已对照年度会议计划，标“（计划外）”的为年度计划外会议，其余为计划内。" if outside_seen else "各会议已对照年度会议计划，均为计划内。")
    ws.merge_cells(f"A{row}:{w.last_column}{row}")
    w.put(row, 1, "".join(notes), border=False)
    w.need(row, 1, "".join(notes), width=sum(w.widths))
    w.finish(header_row=3, footer=MAIN_SHEET)


def leader_entries(problem: Problem, plan: Plan, leader_id: str) -> list[tuple]:
    """(start, end, 活动, 地点, 出席方式, 承办单位) of one leader's week; commitments without
    their text (they may be private)."""
    index = problem.request_index
    out = []
    for s in plan.sittings:
        for a, b in s.segments_of(leader_id):
            items = [i for i in s.items if a <= i.start and i.end <= b]
            titles = "；".join(index[i.request_id].title + ("（待审）" if index[i.request_id].approval == PENDING else "") for i in items)
            if len(s.items) > 1:
                titles = f"【套开】{titles}" if leader_id == s.chair else f"{titles}（套开会议中的本人议题）"
            role = "主持" if s.chair == leader_id else "出席"
            organisers = "；".join(dict.fromkeys(_organiser(index[i.request_id]) for i in items))
            out.append((a, b, titles, _place(problem, s), role, organisers))
    for r in problem.receptions:
        if leader_id in r.leaders:
            out.append((r.start, r.end, f"公务接待：{r.title}", r.place, "陪同", r.visitor))
    for c in problem.commitments:
        if c.leader == leader_id:
            out.append((c.start, c.end, "外出" if c.away else "已有安排", "", "", ""))
    return sorted(out, key=lambda e: (e[0], e[1]))


def leader_sheet(ws, problem: Problem, plan: Plan, leader, name: str) -> None:
    w = SheetWriter(ws, LEADER_COLUMNS)
    ws.title = name
    heading = f"{leader.name}（{leader.title}）" if leader.title else leader.name
    w.title(1, f"{heading}活动安排（{week_title(problem)}）", size=16)
    w.header(2)
    row = 3
    entries = leader_entries(problem, plan, leader.id)
    days = sorted({d.date for d in problem.days} | {e[0].date() for e in entries if e[0].date() >= problem.week})
    for day in days:
        first = row
        todays = [e for e in entries if e[0].date() <= day <= e[1].date()]
        if not todays:
            w.cells(row, [None, None, "", "无安排", "", "", ""], skip=(1, 2))
            row += 1
        for a, b, what, where, role, organiser in todays:
            when = span(a, b) if a.date() == b.date() else f"{a.month}月{a.day}日{clock(a)}—{b.month}月{b.day}日{clock(b)}"
            w.cells(row, [None, None, when, what, where, role, organiser], skip=(1, 2))
            row += 1
        w.merged(first, row - 1, 1, day, number_format=DATE_FORMAT, top=True)
        w.merged(first, row - 1, 2, WEEKDAYS_ZH[day.weekday()], top=True)
    w.finish(header_row=2, footer=heading)


def _asked(problem: Problem, r) -> str:
    window = ""
    if r.fixed_start:
        window = f"固定 {r.fixed_start.month}月{r.fixed_start.day}日 {clock(r.fixed_start)}"
    elif r.earliest or r.latest:
        a, b = r.earliest or problem.week, r.latest
        window = f"{a.month}月{a.day}日" + (f"—{b.month}月{b.day}日" if b and b != a else "")
    part = "" if r.part_of_day == "不限" else r.part_of_day
    return "，".join(x for x in (window + part, f"{r.minutes}分钟") if x)


def internal_sheet(ws, problem: Problem, plan: Plan) -> None:
    from .report import OUTCOME_ZH

    index = problem.request_index
    w = SheetWriter(ws, INTERNAL_COLUMNS)
    ws.title = INTERNAL_SHEET
    w.title(1, f"调整及未安排说明（内部，不对外印发）（{week_title(problem)}）", size=16)
    w.header(2)
    row = 3
    changed = [o for o in plan.outcomes if o.codes != ("scheduled",)]
    changed.sort(key=lambda o: (o.scheduled, o.request_id))  # what was not scheduled first
    placed = {i.request_id: (s, i) for s in plan.sittings for i in s.items}
    for o in changed:
        r = index[o.request_id]
        if o.request_id in placed:
            s, item = placed[o.request_id]
            where = f"{item.start.month}月{item.start.day}日{WEEKDAYS_ZH[item.start.weekday()]} {span(item.start, item.end)}，{problem.room_index[s.room].name}"
        else:
            where = "未安排"
        values = [o.request_id, r.title, r.organiser, "、".join(OUTCOME_ZH.get(c, c) for c in o.codes), _asked(problem, r), where, "\n".join(o.reasons)]
        w.cells(row, values, fill=None if o.scheduled else PENDING_FILL)
        row += 1
    if not changed:
        w.cells(row, ["", "全部按申请安排", "", "", "", "", ""])
    w.finish(header_row=2, footer="内部资料　注意保存", internal=True)


def plan_workbook(problem: Problem, plan: Plan, *, now: datetime) -> bytes:
    wb = Workbook()
    main_sheet(wb.active, problem, plan, now=now)
    taken = {MAIN_SHEET, INTERNAL_SHEET}
    for leader in problem.leaders:
        leader_sheet(wb.create_sheet(), problem, plan, leader, _sheet_name(leader.name, taken))
    internal_sheet(wb.create_sheet(), problem, plan)
    return _finish(wb, now)
