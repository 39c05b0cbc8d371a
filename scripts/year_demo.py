"""The README's walk through a year, made real: generated week folders (one a year before and
three this December) with a few citywide and large meetings planted, an annual plan for them,
and — after the weeks are planned and published — a units' 会议台账 with planted discrepancies.

    python scripts/year_demo.py weeks DIR          # DIR/2025-12-08, DIR/2026-12-07, -14, -21, DIR/年度会议计划-2026.csv
    python scripts/year_demo.py record DIR LEDGER  # DIR/会议台账.csv from what LEDGER shows held, with 4 discrepancies
"""

from __future__ import annotations

import csv
import sys
from datetime import date, timedelta
from pathlib import Path

from scheduler.domain import MeetingRequest
from scheduler.generate import generate
from scheduler.intake import SHEET_BY_KEY
from scheduler.ledger import Ledger

WEEKS = (date(2025, 12, 8), date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 21))
WEEK_TOML = """week = {week}
no_meeting_days = ["周三"]
time_limit_seconds = 5

[quota]
reduce_percent = 20
"""


def _write(path: Path, key: str, rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow([c.zh for c in SHEET_BY_KEY[key].columns])
        out.writerows(rows)


def _planted(week: date, chair: str, n: int) -> list[MeetingRequest]:
    """Citywide, large meetings reaching the counties: what the quotas and the negative list look at."""
    day = week + timedelta(days=1)
    return [
        MeetingRequest(id=f"Z{n}1", title="全市安全生产工作部署会", kind="部署会", organiser="市应急管理局", agenda="部署冬春安全生产工作，主要领导讲话70分钟",
                       chair=chair, units=("市应急管理局", "各县（市、区）政府"), attendees=150, minutes=120, earliest=day, latest=day + timedelta(days=3)),
        MeetingRequest(id=f"Z{n}2", title="全市森林防灭火工作推进会", kind="推进会", organiser="市应急管理局", agenda="推进冬季森林防灭火",
                       chair=chair, units=("市应急管理局", "市林业局"), attendees=60, minutes=90, earliest=day, latest=day + timedelta(days=3)),
    ]


def weeks(folder: Path) -> None:
    plan_rows = []
    for n, week in enumerate(WEEKS):
        problem = generate("S", seed=n, week=week, time_limit=5)
        names = {leader.id: leader.name for leader in problem.leaders}
        requests = list(problem.requests) + _planted(week, problem.leaders[1].id, n)
        target = folder / week.isoformat()
        target.mkdir(parents=True, exist_ok=True)
        (target / "week.toml").write_text(WEEK_TOML.format(week=week), encoding="utf-8")
        _write(target / "领导.csv", "leaders", [(x.id, x.name, x.title, x.rank, "", x.max_per_day or "", "") for x in problem.leaders])
        rooms = [(x.id, x.name, x.capacity, "是" if x.video else "否", x.building) for x in problem.rooms] + [("R99", "市民中心报告厅", 300, "是", "市民中心")]
        _write(target / "会议室.csv", "rooms", rooms)
        _write(target / "公务接待.csv", "receptions", [
            (x.id, x.title, x.visitor, "", f"{x.start:%Y-%m-%d}", f"{x.start:%H:%M}", f"{x.end:%H:%M}", "、".join(names[i] for i in x.leaders), x.place, 8)
            for x in problem.receptions])
        _write(target / "已有日程.csv", "commitments", [
            (names[x.leader], f"{x.start:%Y-%m-%d %H:%M}", f"{x.end:%Y-%m-%d %H:%M}", x.title, "是" if x.away else "否") for x in problem.commitments])
        _write(target / "会议申请.csv", "requests", [
            (r.id, r.title, r.kind, r.organiser, r.agenda, "、".join(r.tags), names[r.chair], "、".join(names[i] for i in r.leaders), "、".join(r.units),
             r.attendees, r.minutes, "", r.earliest or "", r.latest or "", r.part_of_day, f"{r.fixed_start:%Y-%m-%d %H:%M}" if r.fixed_start else "",
             r.format, "是" if r.mergeable else "否", "", "是" if r.in_annual_plan else "否", "是" if r.urgent else "否", r.urgent_reason if r.urgent else "",
             "", "同意", "", "")
            for r in requests])
        if week.year == 2026:  # the annual plan lists every fifth request, and the first citywide meeting only
            plan_rows += [(r.organiser, r.title.split("（")[0], r.kind, r.attendees, "12月", "否", 1, "") for r in requests[::5] if not r.id.startswith("Z")]
    plan_rows.append(("市应急管理局", "全市安全生产工作部署会", "部署会", 150, "第四季度", "是", 1, ""))
    with (folder / "年度会议计划-2026.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["编号", "单位", "会议名称", "会议类型", "规模（参会人数）", "计划季度或月份", "是否全市性会议", "计划次数", "备注"])
        seen = set()
        for row in plan_rows:
            if row[:3] not in seen:
                seen.add(row[:3])
                out.writerow([f"P{len(seen):03d}", *row])
    print(f"wrote {len(WEEKS)} week folders and 年度会议计划-2026.csv to {folder}/")


def record(folder: Path, ledger: Path) -> None:
    """What the units say they held in December 2026: the ledger's held meetings of three units,
    with one left out, one never planned, one held 30 minutes longer, one with 10 more people."""
    with Ledger(ledger) as book:
        held = book.held_rows(date(2026, 12, 1), date(2027, 1, 1))
    rows = sorted((r["organiser"], r["title"], r["day"], r["minutes_planned"], r["attendees"]) for r in held)
    units = sorted({r[0] for r in rows}, key=lambda u: -sum(1 for x in rows if x[0] == u))[:3]
    mine = [list(r) for r in rows if r[0] in units]
    out = []
    for n, (unit, title, day, minutes, attendees) in enumerate(mine):
        if n == 0:
            continue  # planned but not held
        extra_minutes = 30 if n == 1 else 0
        extra_people = 10 if n == 2 else 0
        end = 9 * 60 + minutes + extra_minutes
        out.append((unit, title, day, "9:00", f"{end // 60}:{end % 60:02d}", (attendees or 0) + extra_people, ""))
    out.append((units[0], "临时加开的工作碰头会", "2026-12-16", "15:00", "16:00", 12, "未报计划"))
    with (folder / "会议台账.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["单位", "会议名称", "日期", "开始时间", "结束时间", "参会人数", "备注"])
        w.writerows(out)
    print(f"wrote {folder / '会议台账.csv'}: {len(out)} meetings of {'、'.join(units)}")


if __name__ == "__main__":
    command, target, *rest = sys.argv[1:]
    if command == "weeks":
        weeks(Path(target))
    else:
        record(Path(target), Path(rest[0]))
