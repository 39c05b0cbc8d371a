"""Weekly, monthly, quarterly and yearly figures from the ledger's rows, with the same period
a year before for the "only decrease" quota (只减不增). Pure: rows in, figures out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

PERIODS = ("week", "month", "quarter", "year")
PERIOD_ZH = {"week": "周", "month": "月", "quarter": "季度", "year": "年度"}


def period_of(kind: str, day: date) -> tuple[date, date]:
    """[start, end) of the period holding `day`; weeks start on Monday."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if kind == "month":
        start = day.replace(day=1)
        return start, (start + timedelta(days=32)).replace(day=1)
    if kind == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return start, (start + timedelta(days=95)).replace(day=1)
    if kind == "year":
        return date(day.year, 1, 1), date(day.year + 1, 1, 1)
    raise ValueError(kind)


def year_before(kind: str, start: date) -> tuple[date, date]:
    if kind == "week":
        return period_of("week", start - timedelta(days=364))
    return period_of(kind, start.replace(year=start.year - 1))


@dataclass(frozen=True, slots=True)
class Figures:
    start: date
    end: date
    weeks: int
    requests: int
    scheduled: int
    sittings: int
    combined_items: int
    minutes_requested: int
    minutes_planned: int
    person_hours_saved: float
    urgent: int
    late: int
    no_meeting_day_exceptions: int
    requests_by_organiser: dict[str, int] = field(default_factory=dict)
    sittings_by_organiser: dict[str, int] = field(default_factory=dict)
    requests_by_kind: dict[str, int] = field(default_factory=dict)
    sittings_by_kind: dict[str, int] = field(default_factory=dict)


def figures(requests: list[dict], sittings: list[dict], start: date, end: date) -> Figures:
    held = [r for r in requests if r["scheduled"]]
    by_organiser, by_kind = Counter(), Counter()
    for s in sittings:
        for organiser in s["organisers"].split("、"):
            by_organiser[organiser] += 1
        for kind in s["kinds"].split("、"):
            by_kind[kind] += 1
    return Figures(
        start=start, end=end, weeks=len({r["week"] for r in requests}), requests=len(requests), scheduled=len(held),
        sittings=len(sittings), combined_items=sum(r["combined"] for r in held),
        minutes_requested=sum(r["minutes_requested"] for r in held), minutes_planned=sum(r["minutes_planned"] for r in held),
        person_hours_saved=round(sum(r["person_minutes_requested"] - r["person_minutes_planned"] for r in held) / 60, 1),
        urgent=sum(r["urgent"] for r in requests), late=sum(r["late"] for r in requests),
        no_meeting_day_exceptions=sum(r["no_meeting_day"] for r in held),
        requests_by_organiser=dict(sorted(Counter(r["organiser"] for r in requests).items(), key=lambda x: (-x[1], x[0]))),
        sittings_by_organiser=dict(sorted(by_organiser.items(), key=lambda x: (-x[1], x[0]))),
        requests_by_kind=dict(sorted(Counter(r["kind"] for r in requests).items(), key=lambda x: (-x[1], x[0]))),
        sittings_by_kind=dict(sorted(by_kind.items(), key=lambda x: (-x[1], x[0]))),
    )


def weekly_sittings(requests: list[dict], sittings: list[dict], start: date, end: date) -> list[int | None]:
    """Sittings held in each week (Mondays from `start`'s week) up to `end`, None for a week
    never published (no record is not zero meetings): the 只减不增 line."""
    first = start - timedelta(days=start.weekday())
    published = {r["week"] for r in requests} | {r["week"] for r in sittings}
    counts = Counter(r["week"] for r in sittings)
    out, monday = [], first
    while monday < end:
        key = monday.isoformat()
        out.append(counts.get(key, 0) if key in published else None)
        monday += timedelta(days=7)
    return out


def quota(now: Figures, before: Figures) -> dict:
    """只减不增: this period's sittings against the same period a year before."""
    change = now.sittings - before.sittings
    return {
        "sittings": now.sittings, "sittings_year_before": before.sittings, "change": change,
        "change_percent": None if before.sittings == 0 else round(100 * change / before.sittings, 1),
        "met": before.weeks == 0 or change <= 0,
    }


def as_dict(f: Figures) -> dict:
    return {
        "start": f.start.isoformat(), "end": f.end.isoformat(), "weeks": f.weeks, "requests": f.requests, "scheduled": f.scheduled,
        "sittings": f.sittings, "combined_items": f.combined_items, "minutes_requested": f.minutes_requested,
        "minutes_planned": f.minutes_planned, "person_hours_saved": f.person_hours_saved, "urgent": f.urgent, "late": f.late,
        "no_meeting_day_exceptions": f.no_meeting_day_exceptions, "requests_by_organiser": f.requests_by_organiser,
        "sittings_by_organiser": f.sittings_by_organiser, "requests_by_kind": f.requests_by_kind, "sittings_by_kind": f.sittings_by_kind,
    }


def period_zh(f: Figures) -> str:
    """2026年12月1日—12月31日 (no leading zeros)."""
    last = f.end - timedelta(days=1)
    tail = f"{last.month}月{last.day}日" if last.year == f.start.year else f"{last.year}年{last.month}月{last.day}日"
    return f"{f.start.year}年{f.start.month}月{f.start.day}日—{tail}"


def table(kind: str, f: Figures, before: Figures, q: dict) -> str:
    from .terminal import number, table as grid

    pct = "—" if q["change_percent"] is None else f"{q['change_percent']:+.1f}%"
    lines = [
        f"{PERIOD_ZH[kind]}统计 {period_zh(f)}（已发布 {f.weeks} 周）",
        f"  会议申请 {f.requests} 项，安排 {f.scheduled} 项，会议 {f.sittings} 场，套开 {f.combined_items} 项",
        f"  时长：申请 {number(f.minutes_requested)} 分钟 → 安排 {number(f.minutes_planned)} 分钟；节省 {number(f.person_hours_saved)} 人·小时",
        f"  紧急 {f.urgent} 项，逾期报送 {f.late} 项，无会日例外 {f.no_meeting_day_exceptions} 项",
        (
            f"  只减不增：会议 {q['sittings']} 场，去年同期 {q['sittings_year_before']} 场，变化 {q['change']:+d}（{pct}），{'达标' if q['met'] else '未达标'}"
            if before.weeks else f"  只减不增：会议 {q['sittings']} 场，无去年同期记录，无法比较"
        ),
        "",
    ]
    organisers = [(o, n, f.sittings_by_organiser.get(o, 0)) for o, n in f.requests_by_organiser.items()]
    kinds = [(k, n, f.sittings_by_kind.get(k, 0)) for k, n in f.requests_by_kind.items()]
    return "\n".join(lines) + grid(("主办单位", "申请（项）", "会议（场）"), organisers) + "\n" + grid(("会议类型", "申请（项）", "会议（场）"), kinds)
