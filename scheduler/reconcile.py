"""双台账: the units' own record of the meetings they held, checked against the published ledger.

Each record row is matched to a request the ledger shows held (the latest publication of its
week): the same unit (单位 = 主办单位), the same day and a similar name. What is left over on
either side, and matched meetings held longer or with more people than planned, are the
discrepancies; every one names the record's row and the publication and request it concerns,
and the request's own input row (file, sheet, row) where the ledger keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from .errors import InputErrors
from .intake import Collector, RowReader, SheetSpec, _cols, read_sheet, where_from
from .related import text_similarity
from .values import parse_date, parse_int, parse_time

RECORD_SHEET = SheetSpec("held", "会议台账", True, _cols(
    "单位 unit *", "会议名称 title *", "日期 date *", "开始时间 start", "结束时间 end", "参会人数 attendees", "备注 note"))
THRESHOLD = 0.3  # title similarity that makes a record the planned meeting

HELD_UNPLANNED, PLANNED_NOT_HELD, LONGER, MORE_ATTENDEES = "未列入计划而召开", "计划召开但未召开", "超出计划时长", "超出计划规模"
KINDS = (HELD_UNPLANNED, PLANNED_NOT_HELD, LONGER, MORE_ATTENDEES)


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    row: int
    unit: str
    title: str
    day: date
    start: time | None = None
    end: time | None = None
    attendees: int | None = None

    @property
    def minutes(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return (datetime.combine(self.day, self.end) - datetime.combine(self.day, self.start)).seconds // 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Discrepancy:
    kind: str
    unit: str
    title: str
    day: date
    row: int | None  # the record's row, None when nothing was recorded
    publication: int | None  # the publication and request the ledger has, None when none
    request: str | None
    detail: str  # Chinese
    source: dict | None = None  # the request's input row as the ledger keeps it (source, sheet, row); None when unknown


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconciliation:
    source: str
    start: date
    end: date  # inclusive
    records: int
    planned: int
    matched: int
    discrepancies: tuple[Discrepancy, ...]


def read_records(path: Path, *, near: date) -> list[Record]:
    """The rows of a units' 会议台账 (workbook or CSV), or InputErrors listing every bad cell.
    `near`: the year of dates written without one (12月8日) is the one nearest this day."""
    out = Collector()
    table = read_sheet(Path(path), RECORD_SHEET, out)
    if out.problems:
        raise InputErrors(out.problems, Path(path).name)
    records = []
    for row, values in table.rows:
        r = RowReader(table, row, values, out, near)
        unit, title = r.text("unit"), r.text("title")
        day = r.get("date", lambda s: parse_date(s, near))
        start, end = r.get("start", parse_time), r.get("end", parse_time)
        if start and end and end <= start:
            r.fail("end", f"不晚于开始时间（{start:%H:%M}）")
        attendees = r.get("attendees", lambda s: parse_int(s, unit="人"))
        if r.ok:
            records.append(Record(row=row, unit=unit, title=title, day=day, start=start, end=end, attendees=attendees))
    if not table.rows and not out.problems:
        out.add(table, None, None, None, "没有数据行；每行填写一次实际召开的会议")
    if out.problems:
        raise InputErrors(out.problems, Path(path).name)
    return records


def reconcile(
    records: list[Record], held: list[dict], *, source: str, start: date, end: date, sources: dict[tuple[int, str], dict] | None = None,
) -> Reconciliation:
    """Records against the ledger's held requests (rows with organiser, title, day, minutes_planned,
    attendees, publication_id, id), for the units in the records and the days start..end;
    `sources`: (publication, request id) -> the request's input row (Ledger.request_sources)."""
    sources = sources or {}
    units = {r.unit for r in records}
    inside = [r for r in records if start <= r.day <= end]
    planned = sorted(
        (h for h in held if h["organiser"] in units and h["day"] and start <= date.fromisoformat(h["day"]) <= end),
        key=lambda h: (h["day"], h["organiser"], h["id"]),
    )
    taken: set[tuple[int, str]] = set()
    out: list[Discrepancy] = []
    matched = 0
    for record in sorted(inside, key=lambda r: r.row):
        best, score = None, 0.0
        for h in planned:
            key = (h["publication_id"], h["id"])
            if key in taken or h["organiser"] != record.unit or h["day"] != record.day.isoformat():
                continue
            similarity = text_similarity(record.title, h["title"])
            if similarity > score:
                best, score = h, similarity
        if best is None or score < THRESHOLD:
            out.append(Discrepancy(kind=HELD_UNPLANNED, unit=record.unit, title=record.title, day=record.day, row=record.row,
                                   publication=None, request=None, detail="已发布的周计划中没有这次会议"))
            continue
        matched += 1
        taken.add((best["publication_id"], best["id"]))
        where = dict(row=record.row, publication=best["publication_id"], request=best["id"], unit=record.unit, title=record.title, day=record.day,
                     source=sources.get((best["publication_id"], best["id"])))
        if record.minutes is not None and record.minutes > best["minutes_planned"]:
            out.append(Discrepancy(kind=LONGER, detail=f"计划{best['minutes_planned']}分钟，实际{record.minutes}分钟", **where))
        if record.attendees is not None and best.get("attendees") is not None and record.attendees > best["attendees"]:
            out.append(Discrepancy(kind=MORE_ATTENDEES, detail=f"计划{best['attendees']}人，实际{record.attendees}人", **where))
    for h in planned:
        if (h["publication_id"], h["id"]) not in taken:
            out.append(Discrepancy(kind=PLANNED_NOT_HELD, unit=h["organiser"], title=h["title"], day=date.fromisoformat(h["day"]), row=None,
                                   publication=h["publication_id"], request=h["id"], detail="单位台账中没有这次会议",
                                   source=sources.get((h["publication_id"], h["id"]))))
    out.sort(key=lambda d: (KINDS.index(d.kind), d.day, d.unit, d.row or 0, d.request or ""))
    return Reconciliation(source=source, start=start, end=end, records=len(inside), planned=len(planned), matched=matched, discrepancies=tuple(out))


def _where(d: Discrepancy, source: str) -> str:
    parts = []
    if d.row is not None:
        parts.append(f"{source}第{d.row}行")
    if d.publication is not None:
        parts.append(f"第{d.publication}次发布 {d.request}")
    if d.source is not None:
        parts.append(f"申请来源：{where_from(d.source)}")
    return "；".join(parts)


def text(result: Reconciliation) -> str:
    lines = [
        f"双台账核对 {result.start}..{result.end}：单位台账 {result.records} 条，已发布计划中已安排 {result.planned} 项，相符 {result.matched} 项，差异 {len(result.discrepancies)} 条",
    ]
    for kind in KINDS:
        rows = [d for d in result.discrepancies if d.kind == kind]
        if rows:
            lines.append(f"  {kind}（{len(rows)}）：")
            lines += [f"    {d.day} {d.unit}「{d.title}」{d.detail}（{_where(d, result.source)}）" for d in rows]
    return "\n".join(lines) + "\n"


HEADERS = ["差异类型", "单位", "会议名称", "日期", "说明", "台账行", "发布序号", "会议编号", "申请来源"]


def table_rows(result: Reconciliation) -> list[tuple]:
    return [
        (d.kind, d.unit, d.title, d.day.isoformat(), d.detail, d.row or "", d.publication or "", d.request or "", where_from(d.source) if d.source else "")
        for d in result.discrepancies
    ]


def as_dict(result: Reconciliation) -> dict:
    return {
        "start": result.start.isoformat(), "end": result.end.isoformat(), "records": result.records, "planned": result.planned,
        "matched": result.matched,
        "discrepancies": [
            {"kind": d.kind, "unit": d.unit, "title": d.title, "day": d.day.isoformat(), "row": d.row, "publication": d.publication,
             "request": d.request, "detail": d.detail,
             "request_source": {k: d.source[k] for k in ("source", "sheet", "row")} if d.source else None}
            for d in result.discrepancies
        ],
    }
