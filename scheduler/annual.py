"""年度会议计划: each unit's plan of the meetings it means to hold in a year, read from its own
workbook, and each week's requests matched to it (计划内 / 计划外).

A request is 计划内 when an item of the year's plan has the same unit (主办单位 = 单位), a planned
period (全年, a quarter or a month) that meets the request's date window, and either the same
meeting type and a title similarity of at least `similarity_threshold`, or — when the request
says 列入年度计划 = 是, which is then verified — the same type or such a title. Everything
else is 计划外, and a 计划外 request without 紧急理由 is a finding (unless it is returned or
has a fixed time, which a higher level sets).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from .domain import RETURNED, MeetingRequest, Problem
from .errors import InputErrors
from .intake import Collector, RowReader, SheetSpec, _cols, read_sheet
from .related import text_similarity
from .rules import Finding
from .values import clean, parse_bool, parse_int

IN_PLAN, OUT_OF_PLAN = "计划内", "计划外"

ANNUAL_SHEET = SheetSpec("annual_plan", "年度会议计划", True, _cols(
    "编号 id", "单位 unit *", "会议名称 title *", "会议类型 kind *", "规模 attendees", "计划季度或月份 period *",
    "是否全市性会议 citywide", "计划次数 times", "备注 note"))

ANNUAL_EXAMPLE = ("P001", "市应急管理局", "全市安全生产工作会议", "部署会", "200", "第一季度", "是", "1", "")

_ZH_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}
_QUARTER = re.compile(r"^(?:第)?([1-4一二三四])季度?$|^q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(?:(\d{4})[-/.年])?(\d{1,2}|十[一二]?|[一二三四五六七八九])月?份?$")
_WHOLE_YEAR = {"", "全年", "年度", "本年", "全年度", "year"}


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnualItem:
    """One planned meeting of one unit's annual plan."""

    id: str
    row: int
    year: int
    unit: str
    title: str
    kind: str
    attendees: int | None = None
    quarter: int | None = None  # 1..4, or None
    month: int | None = None  # 1..12, or None (the whole year when both are None)
    citywide: bool = False
    times: int = 1
    note: str = ""

    def span(self) -> tuple[date, date]:
        """[start, end) of the planned period."""
        if self.month:
            start = date(self.year, self.month, 1)
            return start, (start + timedelta(days=32)).replace(day=1)
        if self.quarter:
            start = date(self.year, 3 * self.quarter - 2, 1)
            return start, (start + timedelta(days=95)).replace(day=1)
        return date(self.year, 1, 1), date(self.year + 1, 1, 1)

    @property
    def period_zh(self) -> str:
        if self.month:
            return f"{self.month}月"
        if self.quarter:
            return f"第{'一二三四'[self.quarter - 1]}季度"
        return "全年"

    def meets(self, first: date, last: date) -> bool:
        start, end = self.span()
        return first < end and last >= start

    def as_row(self) -> dict:
        row = asdict(self)
        row.pop("year")
        row["citywide"] = int(self.citywide)
        return row

    @classmethod
    def from_row(cls, year: int, row: dict) -> "AnnualItem":
        fields = {k: row[k] for k in ("id", "row", "unit", "title", "kind", "attendees", "quarter", "month", "times", "note")}
        return cls(year=year, citywide=bool(row["citywide"]), **fields)


def parse_period(text: str) -> tuple[int | None, int | None, int | None]:
    """'全年' -> (None, None, None); '第一季度', '1季度', 'Q1' -> (None, 1, None); '3月', '2027-03',
    '三月' -> (year or None, None, 3)."""
    s = re.sub(r"\s+", "", clean(text)).lower()
    if s in _WHOLE_YEAR:
        return None, None, None
    if m := _QUARTER.match(s):
        q = m.group(1) or m.group(2)
        return None, int(q) if q.isdigit() else _ZH_NUMBERS[q], None
    if m := _MONTH.match(s):
        year = int(m.group(1)) if m.group(1) else None
        month = int(m.group(2)) if m.group(2).isdigit() else _ZH_NUMBERS[m.group(2)]
        if 1 <= month <= 12:
            return year, None, month
    raise ValueError("不是年内的期间；应写全年、第一季度…第四季度、Q1…Q4、1月…12月或2027-03")


def read_annual_plan(path: Path, year: int) -> list[AnnualItem]:
    """The items of a 年度会议计划 workbook (or CSV), or InputErrors listing every bad cell."""
    out = Collector()
    table = read_sheet(Path(path), ANNUAL_SHEET, out)
    if out.problems:  # a required column is missing: its empty cells would only repeat that
        raise InputErrors(out.problems, Path(path).name)
    items: list[AnnualItem] = []
    seen: dict[str, int] = {}
    for row, values in table.rows:
        r = RowReader(table, row, values, out, date(year, 1, 1))
        item_id = r.text("id") or f"P{row - 1:03d}"
        if item_id in seen:
            r.fail("id", f"与第{seen[item_id]}行重复；编号须唯一")
        seen.setdefault(item_id, row)
        unit, title, kind = r.text("unit"), r.text("title"), r.text("kind")
        attendees = r.get("attendees", lambda s: parse_int(s, unit="人"))
        if attendees is not None and attendees <= 0:
            r.fail("attendees", "应至少为1")
        period = r.get("period", parse_period, (None, None, None))
        if period[0] is not None and period[0] != year:
            r.fail("period", f"不在导入的{year}年度内")
        citywide = r.get("citywide", lambda s: parse_bool(s, False), False)
        times = r.get("times", lambda s: parse_int(s, unit="次"), 1)
        if times is not None and times <= 0:
            r.fail("times", "应至少为1")
        item = AnnualItem(
            id=item_id, row=row, year=year, unit=unit, title=title, kind=kind, attendees=attendees, quarter=period[1],
            month=period[2], citywide=citywide, times=times or 1, note=r.text("note"),
        )
        if r.ok:
            items.append(item)
    if not table.rows and not out.problems:
        out.add(table, None, None, None, "没有数据行；每行填写一项计划会议")
    if out.problems:
        raise InputErrors(out.problems, Path(path).name)
    return items


# --- matching a week's requests ---------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    request_id: str
    status: str  # 计划内 / 计划外
    item: AnnualItem | None = None
    claimed: bool = False  # the request said 列入年度计划 = 是


def request_window(problem: Problem, request: MeetingRequest) -> tuple[date, date]:
    """The first and last day the request may be held."""
    if request.fixed_start is not None:
        return request.fixed_start.date(), request.fixed_start.date()
    return request.earliest or problem.week, request.latest or problem.week + timedelta(days=6)


def request_day(problem: Problem, request: MeetingRequest) -> date:
    """The day a request counts on before it is planned (fixed time, else 最早日期, else Monday)."""
    return request_window(problem, request)[0]


def match(problem: Problem, items: list[AnnualItem]) -> dict[str, Match]:
    """计划内 / 计划外 for every request of the week."""
    threshold = problem.settings.similarity_threshold
    out: dict[str, Match] = {}
    for r in problem.requests:
        first, last = request_window(problem, r)
        best, best_key = None, None
        for item in items:
            if item.unit != r.organiser or not item.meets(first, last):
                continue
            similarity = text_similarity(r.title, item.title)
            same_kind = item.kind == r.kind
            if (same_kind and similarity >= threshold) or (r.in_annual_plan and (same_kind or similarity >= threshold)):
                key = (same_kind, similarity, -item.row)
                if best_key is None or key > best_key:
                    best, best_key = item, key
        out[r.id] = Match(request_id=r.id, status=IN_PLAN if best else OUT_OF_PLAN, item=best, claimed=r.in_annual_plan)
    return out


def findings(problem: Problem, items: list[AnnualItem], matches: dict[str, Match]) -> list[Finding]:
    """计划外 requests without 紧急理由, and 列入年度计划 = 是 that the plan does not bear out."""
    if not items:
        return []
    out: list[Finding] = []
    for r in problem.requests:
        m = matches[r.id]
        if m.status == IN_PLAN or r.approval == RETURNED or r.fixed_start is not None:
            continue  # returned requests are not held; a fixed time is set by a higher level
        if m.claimed:
            out.append(Finding(
                "annual_plan_claim_unverified", r.id,
                f"{r.id}「{r.title}」填报列入年度计划，但{r.organiser}的年度会议计划中没有相符的会议（同单位、同类型或相近名称、计划期间含会期）",
            ))
        if not r.urgent_reason:
            out.append(Finding("out_of_annual_plan", r.id, f"{r.id}「{r.title}」为年度计划外会议，未填紧急理由"))
    return out


def summary_line(matches: dict[str, Match], found: list[Finding]) -> str:
    inside = sum(m.status == IN_PLAN for m in matches.values())
    unexplained = sum(f.rule == "out_of_annual_plan" for f in found)
    return f"年度计划：计划内 {inside} 项，计划外 {len(matches) - inside} 项（其中未填紧急理由 {unexplained} 项）"
