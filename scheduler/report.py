"""Figures, the terminal summary, plan.json and report.html: Plan -> str, no I/O."""

from __future__ import annotations

import dataclasses
import html
import json
from dataclasses import dataclass
from datetime import datetime

from . import fonts
from .domain import (
    LevelResult,
    ANY_PART, COMBINED, MOVED, NOT_PLACEABLE, PENDING, REJECTED, SCHEDULED, SHORTENED, WEEKDAYS_ZH, Item, Outcome, Plan, Problem, Sitting, SolveStats,
)
from .annual import IN_PLAN, OUT_OF_PLAN
from .errors import PlanError
from .ics import leader_feed, room_feed, uid_for, unit_feed
from .plan_burden import burden_lines, comparison
from .solve import level_lines

SCHEMA = "scheduler.plan/1"
OUTCOME_ZH = {"scheduled": "按申请安排", COMBINED: "套开", SHORTENED: "压缩时长", MOVED: "调整时间", REJECTED: "不予安排", NOT_PLACEABLE: "无法安排"}


@dataclass(frozen=True, slots=True)
class Figures:
    requests: int
    scheduled: int
    sittings: int
    combined_items: int
    unscheduled: int
    requested_minutes: int  # of the scheduled requests, as submitted
    planned_minutes: int  # the sittings' total length
    leader_hours: float
    person_hours_requested: float
    person_hours_planned: float

    @property
    def minutes_saved(self) -> int:
        return self.requested_minutes - self.planned_minutes


def figures(problem: Problem, plan: Plan) -> Figures:
    index = problem.request_index
    items = [i for s in plan.sittings for i in s.items]
    leader_minutes = sum(
        (b - a).total_seconds() / 60 for s in plan.sittings for leader in s.leaders for a, b in s.segments_of(leader)
    )
    return Figures(
        requests=len(problem.requests),
        scheduled=len(items),
        sittings=len(plan.sittings),
        combined_items=sum(len(s.items) for s in plan.sittings if len(s.items) > 1),
        unscheduled=sum(1 for o in plan.outcomes if not o.scheduled),
        requested_minutes=sum(index[i.request_id].minutes for i in items),
        planned_minutes=sum(s.minutes for s in plan.sittings),
        leader_hours=round(leader_minutes / 60, 2),
        person_hours_requested=round(sum(index[i.request_id].minutes * index[i.request_id].attendees for i in items) / 60, 2),
        person_hours_planned=round(sum(i.minutes * i.attendees for i in items) / 60, 2),
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _leader_ref(problem: Problem, leader_id: str) -> dict:
    leader = problem.leader_index[leader_id]
    return {"id": leader.id, "name": leader.name, "title": leader.title, "rank": leader.rank}


def sitting_json(problem: Problem, plan: Plan, s: Sitting) -> dict:
    index, room = problem.request_index, problem.room_index[s.room]
    return {
        "id": s.id,
        "uid": uid_for(s.id, plan.week),
        "date": s.start.date().isoformat(),
        "start": _iso(s.start),
        "end": _iso(s.end),
        "minutes": s.minutes,
        "room": {"id": room.id, "name": room.name, "building": room.building, "capacity": room.capacity},
        "chair": _leader_ref(problem, s.chair),
        "combined": len(s.items) > 1,
        "request_ids": list(s.request_ids),
        "leaders": [
            _leader_ref(problem, x) | {"role": "chair" if x == s.chair else "attendee", "segments": [{"start": _iso(a), "end": _iso(b)} for a, b in s.segments_of(x)]}
            for x in problem.by_rank(s.leaders)
        ],
        "units": [{"name": u, "segments": [{"start": _iso(a), "end": _iso(b)} for a, b in s.unit_segments(u)]} for u in s.units],
        "items": [
            {
                "request_id": i.request_id, "title": index[i.request_id].title, "kind": index[i.request_id].kind,
                "organiser": index[i.request_id].organiser, "format": index[i.request_id].format,
                "start": _iso(i.start), "end": _iso(i.end), "minutes": i.minutes, "requested_minutes": i.requested_minutes,
                "leaders": list(problem.by_rank(i.leaders)), "units": list(i.units), "attendees": i.attendees,
            }
            for i in s.items
        ],
    }


def late(problem: Problem, request) -> bool:
    deadline = problem.settings.effective_deadline(problem.week)
    return request.submitted_at is not None and request.submitted_at > deadline


ANNUAL_KEYS = {IN_PLAN: "in", OUT_OF_PLAN: "out"}


def annual_key(plan: Plan, request_id: str) -> str | None:
    """plan.json's "annual_plan" of a request: "in", "out", or None without an annual plan."""
    if plan.annual_plan is None or request_id not in plan.annual_plan:
        return None
    return ANNUAL_KEYS[plan.annual_plan[request_id]]


def plan_json(problem: Problem, plan: Plan, *, now: datetime, feed_paths: list[str], input: str = "") -> str:
    f = figures(problem, plan)
    outcomes = plan.outcome_index
    data = {
        "schema": SCHEMA,
        "week": plan.week.isoformat(),
        "timezone": problem.tz.key,
        "generated_at": _iso(now),
        "input": input,
        "no_meeting_days": sorted(d.date.isoformat() for d in problem.days if d.no_meeting),
        "solver": {
            "status": plan.stats.status, "candidates": plan.stats.candidates, "warm_start": plan.stats.warm_start,
            "deterministic_time": round(plan.stats.deterministic_time, 3), "stopped_at": plan.stats.stopped_at,
            "levels": [{"name": lv.name, "value": lv.value, "bound": lv.bound, "proven": lv.proven} for lv in plan.stats.levels],
        },
        "burden": comparison(problem, plan),
        "summary": {
            "requests": f.requests, "scheduled": f.scheduled, "sittings": f.sittings, "combined_items": f.combined_items,
            "unscheduled": f.unscheduled, "requested_minutes": f.requested_minutes, "planned_minutes": f.planned_minutes,
            "minutes_saved": f.minutes_saved, "leader_hours": f.leader_hours,
            "person_hours_requested": f.person_hours_requested, "person_hours_planned": f.person_hours_planned,
        },
        "leaders": [_leader_ref(problem, x.id) | {"feed": leader_feed(x.id)} for x in problem.leaders],
        "rooms": [{"id": r.id, "name": r.name, "building": r.building, "capacity": r.capacity, "feed": room_feed(r.id)} for r in problem.rooms],
        "units": [{"name": u, "feed": unit_feed(u)} for u in sorted({u for s in plan.sittings for u in s.units})],
        "sittings": [sitting_json(problem, plan, s) for s in plan.sittings],
        "receptions": [
            {"id": r.id, "title": r.title, "visitor": r.visitor, "start": _iso(r.start), "end": _iso(r.end),
             "leaders": list(problem.by_rank(r.leaders)), "place": r.place, "room": r.room}
            for r in problem.receptions
        ],
        "requests": [
            {
                "id": r.id, "title": r.title, "organiser": r.organiser, "kind": r.kind, "urgent": r.urgent,
                "in_annual_plan": r.in_annual_plan, "annual_plan": annual_key(plan, r.id), "late": late(problem, r), "approval": r.approval,
                "outcome": {
                    "codes": list(outcomes[r.id].codes), "sitting": outcomes[r.id].sitting, "reasons": list(outcomes[r.id].reasons),
                    "rules": list(outcomes[r.id].rules), "blockers": list(outcomes[r.id].blockers),
                },
            }
            for r in problem.requests
        ],
        "feeds": sorted(feed_paths),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


STATUS_ZH = {
    "OPTIMAL": "已证明最优",
    "FEASIBLE": "求解预算内找到的可行方案，未证明最优",
    "TRIVIAL": "无需求解",
    "INFEASIBLE": "无可行方案",
    "UNKNOWN": "求解预算内未找到方案",
    "NOT_SOLVED": "未求解",
}


def date_zh(day) -> str:
    """2026年12月7日 — no leading zeros, as 两办 write dates."""
    return f"{day.year}年{day.month}月{day.day}日"


def week_span_zh(problem: Problem) -> str:
    """2026年12月7日—12月11日: the first and last working day of the week."""
    days = [d.date for d in problem.days] or [problem.week]
    first, last = days[0], days[-1]
    tail = f"{last.month}月{last.day}日" if last.year == first.year else date_zh(last)
    return f"{date_zh(first)}—{tail}"


def codes_zh(codes) -> str:
    return "、".join(OUTCOME_ZH.get(c, c) for c in codes)


def summary_text(problem: Problem, plan: Plan) -> str:
    """The short terminal summary, in Chinese."""
    from .terminal import number

    f = figures(problem, plan)
    s = plan.stats
    combined_sittings = sum(1 for x in plan.sittings if len(x.items) > 1)
    lines = [
        f"{week_span_zh(problem)}：会议申请 {f.requests} 项，安排 {f.scheduled} 项，会议 {f.sittings} 场"
        f"（求解：{STATUS_ZH.get(s.status, s.status)}，用时 {number(s.seconds)} 秒）",
    ]
    lines += ["  " + "；".join(level_lines(plan))]
    lines += [f"  {line}" for line in burden_lines(problem, plan)]
    lines += [
        f"  套开：{f.combined_items} 项并为 {combined_sittings} 场，少开 {f.scheduled - f.sittings} 场",
        f"  会议时长：申请 {number(f.requested_minutes)} 分钟 → 安排 {number(f.planned_minutes)} 分钟（节省 {number(f.minutes_saved)} 分钟）",
        f"  人·小时：申请 {number(f.person_hours_requested)} → 安排 {number(f.person_hours_planned)}；领导出席 {number(f.leader_hours)} 小时",
    ]
    late_ids = [r.id for r in problem.requests if late(problem, r)]
    urgent_ids = [r.id for r in problem.requests if r.urgent]
    pending = [r.id for r in problem.requests if r.approval == PENDING and plan.outcome_index.get(r.id) and plan.outcome_index[r.id].scheduled]
    if late_ids:
        lines.append(f"  逾期报送：{'、'.join(late_ids)}")
    if urgent_ids:
        lines.append(f"  紧急：{'、'.join(urgent_ids)}")
    if pending:
        lines.append(f"  待审（已排入，审批后生效）：{'、'.join(pending)}")
    index = problem.request_index
    changed = [o for o in plan.outcomes if o.scheduled and o.codes != ("scheduled",)]
    lines.append(f"  调整 {len(changed)} 项" + ("：" if changed else ""))
    for o in changed:
        lines.append(f"    {o.request_id} {index[o.request_id].title}〔{codes_zh(o.codes)}〕{''.join(o.reasons)}")
    missing = [o for o in plan.outcomes if not o.scheduled]
    lines.append(f"  未安排 {len(missing)} 项" + ("：" if missing else ""))
    for o in missing:
        lines.append(f"    {o.request_id} {index[o.request_id].title}：{''.join(o.reasons)}")
    return "\n".join(lines) + "\n"


def check_text(folder, problem: Problem, findings, extra=()) -> str:
    """What `scheduler check` prints: the week's counts, any extra lines (the annual plan's),
    and one line per finding."""
    lines = [
        f"{folder}：{week_span_zh(problem)}，会议申请 {len(problem.requests)} 项，公务接待 {len(problem.receptions)} 项，"
        f"领导 {len(problem.leaders)} 位，会议室 {len(problem.rooms)} 间，已有日程 {len(problem.commitments)} 项，工作日 {len(problem.days)} 天",
        *extra,
        f"需要注意 {len(findings)} 项：" if findings else "未发现需要注意的问题",
    ]
    lines += [f"  {n}. {f.message}" for n, f in enumerate(findings, 1)]
    return "\n".join(lines) + "\n"


def written_text(out_dir, paths: list[str], seconds: float) -> str:
    """The line after a plan is written: what went where."""
    from .terminal import number

    feeds = sum(1 for p in paths if p.endswith(".ics"))
    notices = sum(1 for p in paths if p.startswith("notices/"))
    parts = [name for name in ("plan.xlsx", "report.html", "plan.json") if name in paths]
    if notices:
        parts.append(f"会议通知 {notices} 份")
    parts.append(f"日历订阅 {feeds} 个")
    return f"已写入 {out_dir}/ 共 {len(paths)} 个文件：{'、'.join(parts)}（用时 {number(seconds)} 秒）"


def published_text(done) -> str:
    """The line after a publication (publish.Published), counting events — a sitting in five
    feeds is one event."""
    week = f"{done.week.year}年{done.week.month}月{done.week.day}日"
    return (
        f"已发布{week}起的一周（第 {done.number} 次发布）：日程 {done.events} 项，"
        f"新增 {done.new} 项、变更 {done.changed} 项、取消 {done.cancelled} 项，订阅文件 {done.feeds} 个 → {done.link}/"
    )


def sitting_title(problem: Problem, s: Sitting) -> str:
    index = problem.request_index
    titles = [index[i.request_id].title for i in s.items]
    return titles[0] if len(titles) == 1 else "【套开】" + "；".join(titles)


def part_of_day(moment: datetime) -> str:
    return "上午" if moment.hour < 13 else "下午"


# --- report.html ------------------------------------------------------------------------------

CSS = """
* { box-sizing: border-box; }
body { font-family: SCREEN_FONTS; margin: 16px; color: #222; line-height: 1.4; }
h1 { font-size: 20px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 16px 0 6px; }
a { color: #1a56a0; }
.box { border: 1px solid #c33; border-radius: 6px; background: #fff5f5; padding: 8px 12px; margin: 8px 0; }
.box h2 { margin: 0 0 4px; color: #b00; }
.box ul { margin: 0; padding-left: 20px; }
.savings { display: flex; gap: 8px; margin: 8px 0; flex-wrap: wrap; }
.savings div { border: 1px solid #bbb; border-radius: 6px; padding: 4px 10px; background: #fafafa; }
.savings b { font-size: 17px; color: #b00; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 12px; margin: 6px 0 10px; align-items: center; }
.legend span.swatch { display: inline-block; width: 14px; height: 12px; vertical-align: middle; margin-right: 3px; border-left: 4px solid; }
table.week { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 12px; }
table.week th, table.week td { border: 1px solid #999; vertical-align: top; padding: 3px; overflow-wrap: anywhere; }
table.week thead th { background: #f0f0f0; }
th.leader { width: 7.5em; text-align: left; font-weight: normal; }
th.leader a { font-weight: bold; text-decoration: none; color: inherit; }
.entry { border-left: 4px solid #4a7; background: #f3fbf6; margin: 2px 0; padding: 2px 4px; break-inside: avoid; }
.entry.combined { border-left-color: #c60; background: #fff6ea; }
.entry.segment { border-left-style: dashed; }
.entry.reception { border-left-color: #36c; background: #eef3ff; }
.time { font-weight: bold; }
.tag { display: inline-block; background: #c60; color: #fff; border-radius: 3px; padding: 0 4px; font-size: 11px; }
.badge { display: inline-block; border-radius: 3px; padding: 0 3px; font-size: 11px; margin-left: 2px; border: 1px solid; white-space: nowrap; }
.badge.pending { color: #8a6d00; border-color: #c9a400; background: #fff8d6; }
.badge.urgent { color: #fff; border-color: #c00; background: #c00; }
.badge.late { color: #a33; border-color: #a33; background: #fff; }
.badge.exception { color: #fff; border-color: #6a3d9a; background: #6a3d9a; }
.badge.outside { color: #b45f06; border-color: #b45f06; background: #fff; }
ol.items { margin: 2px 0 0 18px; padding: 0; }
.role { color: #555; }
table.changes { border-collapse: collapse; width: 100%; font-size: 12px; }
table.changes th, table.changes td { border: 1px solid #bbb; padding: 3px 5px; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
table.changes th { background: #f0f0f0; }
table.changes td:first-child { white-space: nowrap; overflow-wrap: normal; }
#changes th:nth-child(1) { width: 4em; } #changes th:nth-child(2) { width: 16em; } #changes th:nth-child(3), #changes th:nth-child(4) { width: 12em; }
.days { display: none; }
.day h3 { font-size: 15px; margin: 12px 0 4px; border-bottom: 2px solid #c33; }
.card { border: 1px solid #ccc; border-left: 5px solid #4a7; border-radius: 6px; padding: 6px 8px; margin: 6px 0; background: #fff; }
.card.combined { border-left-color: #c60; }
.card .who { color: #444; font-size: 13px; }
.leader-sheet { display: none; }
.leader-sheet:target { display: block; }
body:has(.leader-sheet:target) > :not(.leader-sheet:target) { display: none; }
footer { margin-top: 14px; color: #666; font-size: 12px; }
@media (max-width: 760px) {
  body { margin: 8px; }
  h1 { font-size: 18px; }
  table.week { display: none; }
  .days { display: block; }
  table.changes thead { display: none; }
  table.changes, table.changes tbody, table.changes tr, table.changes td { display: block; width: 100%; }
  table.changes tr { border: 1px solid #bbb; margin: 6px 0; }
  table.changes td { border: none; }
  table.changes td::before { content: attr(data-label) "："; font-weight: bold; }
}
@page { size: A4 landscape; margin: 8mm; }
@media print {
  body { margin: 0; font-size: 9px; line-height: 1.2; }
  h1 { font-size: 14px; margin: 0 0 3px; }
  .savings { margin: 2px 0; gap: 4px; } .savings div { padding: 1px 6px; } .savings b { font-size: 11px; }
  .legend { font-size: 8px; margin: 2px 0 4px; }
  .box, .days, #changes-section, footer { display: none; }
  table.week { display: table; font-size: 7px; }
  table.week th, table.week td { padding: 0 2px; }
  th.leader { width: 6.5em; }
  .entry { margin: 1px 0; padding: 0 2px; }
  .badge, .tag { font-size: 7px; padding: 0 1px; }
  ol.items { margin: 0 0 0 11px; }
  .leader-sheet:target { font-size: 12px; }
}
""".replace("SCREEN_FONTS", fonts.css_stack(fonts.SCREEN))


def _hm(moment: datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def _span(a: datetime, b: datetime) -> str:
    return f"{_hm(a)}—{_hm(b)}"


def _md(day) -> str:
    return f"{day.month}月{day.day}日"


def badges(problem: Problem, request, moment: datetime | None = None, annual: dict[str, str] | None = None) -> str:
    """The 待审/紧急/逾期/无会日例外/计划外 marks of a request (as placed at `moment`; `annual`:
    the plan's 计划内/计划外, None without an annual plan)."""
    out = []
    if request.approval == PENDING:
        out.append('<span class="badge pending">待审</span>')
    if request.urgent:
        out.append('<span class="badge urgent">紧急</span>')
    if late(problem, request):
        out.append('<span class="badge late">逾期</span>')
    if moment is not None and any(d.date == moment.date() and d.no_meeting for d in problem.days):
        out.append('<span class="badge exception">无会日例外</span>')
    if annual is not None and annual.get(request.id) == OUT_OF_PLAN:
        out.append('<span class="badge outside">计划外</span>')
    return "".join(out)


LEGEND = (
    '<div class="legend" id="legend"><b>图例</b>'
    '<span><span class="swatch" style="border-color:#4a7;background:#f3fbf6"></span>单项会议</span>'
    '<span><span class="swatch" style="border-color:#c60;background:#fff6ea"></span>套开会议（同一场次连续召开多项议题）</span>'
    '<span><span class="swatch" style="border-color:#4a7;border-left-style:dashed;background:#f3fbf6"></span>虚线：只参加套开会议中的本人议题</span>'
    '<span><span class="swatch" style="border-color:#36c;background:#eef3ff"></span>公务接待</span>'
    '<span><span class="badge pending">待审</span>尚待审批</span>'
    '<span><span class="badge urgent">紧急</span>紧急会议</span>'
    '<span><span class="badge late">逾期</span>逾期报送</span>'
    '<span><span class="badge exception">无会日例外</span>无会日经批准召开</span>'
    "</div>"
)
LEGEND_ANNUAL = '<span><span class="badge outside">计划外</span>年度会议计划外（未标者为计划内）</span>'


def legend(plan: Plan) -> str:
    """The legend; the 计划外 mark only when an annual plan was loaded."""
    return LEGEND if plan.annual_plan is None else LEGEND.removesuffix("</div>") + LEGEND_ANNUAL + "</div>"


def _asked(problem: Problem, r) -> str:
    if r.fixed_start:
        return f"固定 {_md(r.fixed_start)} {_hm(r.fixed_start)}，{r.minutes}分钟"
    first, last = r.earliest or problem.week, r.latest
    window = _md(first) + (f"—{_md(last)}" if last and last != first else "")
    part = "" if r.part_of_day == ANY_PART else r.part_of_day
    return f"{window}{part}，{r.minutes}分钟"


def _leader_entries(problem: Problem, plan: Plan, leader_id: str, day) -> list[tuple]:
    entries = []
    for s in plan.sittings:
        if s.start.date() != day or leader_id not in s.leaders:
            continue
        for a, b in s.segments_of(leader_id):
            entries.append((a, "s", s, (a, b)))
    for r in problem.receptions:
        if r.start.date() == day and leader_id in r.leaders:
            entries.append((r.start, "r", r, None))
    return sorted(entries, key=lambda e: (e[0], e[1]))


def _entry_html(problem: Problem, leader_id: str, what: str, thing, span, annual: dict[str, str] | None = None) -> str:
    esc, index = html.escape, problem.request_index
    if what == "r":
        return f'<div class="entry reception"><span class="time">{_span(thing.start, thing.end)}</span> 公务接待：{esc(thing.title)}</div>'
    s = thing
    whole = span == (s.start, s.end)
    classes = "entry" + (" combined" if len(s.items) > 1 else "") + ("" if whole else " segment")
    body = [f'<span class="time">{_span(*span)}</span>']
    if len(s.items) > 1:
        body.append(f' <span class="tag">套开{len(s.items)}项</span>')
    body.append(f" {esc(problem.room_index[s.room].name)}{'<span class=role>（主持）</span>' if s.chair == leader_id else ''}")
    items = [i for i in s.items if s.chair == leader_id or leader_id in i.leaders]
    body.append('<ol class="items">')
    for i in items:
        r = index[i.request_id]
        body.append(f"<li>{_hm(i.start) + ' ' if len(s.items) > 1 else ''}{esc(r.title)}{badges(problem, r, i.start, annual)}</li>")
    body.append("</ol>")
    return f'<div class="{classes}" data-sitting="{esc(s.id)}">{"".join(body)}</div>'


def report_html(problem: Problem, plan: Plan, *, now: datetime) -> str:
    from .terminal import number

    f = figures(problem, plan)
    esc = html.escape
    index, leaders = problem.request_index, problem.leader_index
    city = getattr(problem.settings, "city", "") or ""
    days = sorted({d.date for d in problem.days} | {s.start.date() for s in plan.sittings})
    no_meeting = {d.date for d in problem.days if d.no_meeting}
    span_text = week_span_zh(problem)
    out = [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(city)}一周会议安排（{span_text}）</title>", f"<style>{CSS}</style></head><body>",
        f"<h1>{esc(city)}一周会议安排（{span_text}）</h1>",
    ]
    missing = [o for o in plan.outcomes if not o.scheduled]
    if missing:
        out.append(f'<section class="box" id="unscheduled"><h2>未安排 {len(missing)} 项</h2><ul>')
        for o in missing:
            r = index[o.request_id]
            out.append(f"<li><b>{esc(r.id)} {esc(r.title)}</b>（{esc(r.organiser)}）{badges(problem, r, annual=plan.annual_plan)}：{esc(''.join(o.reasons))}</li>")
        out.append("</ul></section>")
    saved_hours = f.person_hours_requested - f.person_hours_planned
    out += [
        '<div class="savings" id="savings">',
        f"<div>申请 <b>{f.requests}</b> 项，安排 <b>{f.scheduled}</b> 项</div>",
        f"<div>会议场次 <b>{f.sittings}</b>（按申请需 {f.scheduled} 场，减少 <b>{f.scheduled - f.sittings}</b> 场）</div>",
        f"<div>套开 <b>{f.combined_items}</b> 项</div>",
        f"<div>会议时长 {number(f.requested_minutes)} → <b>{number(f.planned_minutes)}</b> 分钟（节省 <b>{number(f.minutes_saved)}</b> 分钟）</div>",
        f"<div>人·小时 {number(f.person_hours_requested)} → <b>{number(f.person_hours_planned)}</b>（节省 <b>{number(saved_hours)}</b>）</div>",
        "</div>",
        legend(plan),
        '<table class="week" id="week"><thead><tr><th class="leader">领导</th>',
    ]
    for d in days:
        out.append(f"<th>{_md(d)} {WEEKDAYS_ZH[d.weekday()]}{'（无会日）' if d in no_meeting else ''}</th>")
    out.append("</tr></thead><tbody>")
    for leader in problem.leaders:
        out.append(
            f'<tr data-leader="{esc(leader.id)}"><th class="leader"><a href="#leader-{esc(leader.id)}" title="打印本人一周安排">{esc(leader.name)}</a>'
            f"<br><small>{esc(leader.title)}</small></th>"
        )
        for d in days:
            cells = [_entry_html(problem, leader.id, what, thing, span, plan.annual_plan) for _, what, thing, span in _leader_entries(problem, plan, leader.id, d)]
            out.append(f"<td>{''.join(cells)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")

    # the phone layout: days as a list, one card per sitting
    out.append('<div class="days" id="days">')
    for d in days:
        out.append(f'<section class="day"><h3>{_md(d)} {WEEKDAYS_ZH[d.weekday()]}{"（无会日）" if d in no_meeting else ""}</h3>')
        todays = [s for s in plan.sittings if s.start.date() == d]
        if not todays:
            out.append('<p class="who">无会议安排</p>')
        for s in todays:
            classes = "card" + (" combined" if len(s.items) > 1 else "")
            card = [f'<div class="{classes}" data-card="{esc(s.id)}"><span class="time">{_span(s.start, s.end)}</span> {esc(problem.room_index[s.room].name)}']
            if len(s.items) > 1:
                card.append(f' <span class="tag">套开{len(s.items)}项</span>')
            card.append(f'<div class="who">主持：{esc(leaders[s.chair].name)}</div><ol class="items">')
            for i in s.items:
                r = index[i.request_id]
                others = "、".join(leaders[x].name for x in problem.by_rank(i.leaders) if x != s.chair)
                card.append(f"<li>{_hm(i.start)} {esc(r.title)}{badges(problem, r, i.start, plan.annual_plan)}{f'<div class=who>出席：{esc(others)}</div>' if others else ''}</li>")
            card.append("</ol></div>")
            out.append("".join(card))
        for r in problem.receptions:
            if r.start.date() == d:
                names = "、".join(leaders[x].name for x in problem.by_rank(r.leaders) if x in leaders)
                out.append(f'<div class="card" style="border-left-color:#36c"><span class="time">{_span(r.start, r.end)}</span> 公务接待：{esc(r.title)}<div class="who">陪同：{esc(names)}</div></div>')
        out.append("</section>")
    out.append("</div>")

    changed = [o for o in plan.outcomes if o.scheduled and o.codes != (SCHEDULED,)]
    if changed:
        placed = {i.request_id: (s, i) for s in plan.sittings for i in s.items}
        out.append(f'<section id="changes-section"><h2>调整说明（{len(changed)} 项）</h2><table class="changes" id="changes"><thead><tr>'
                   "<th>编号</th><th>会议名称</th><th>原申请</th><th>安排</th><th>原因</th></tr></thead><tbody>")
        for o in changed:
            r = index[o.request_id]
            s, i = placed[o.request_id]
            planned = f"{_md(i.start)} {WEEKDAYS_ZH[i.start.weekday()]} {_span(i.start, i.end)}，{problem.room_index[s.room].name}"
            out.append(
                f'<tr><td data-label="编号">{esc(r.id)}</td><td data-label="会议名称">{esc(r.title)}{badges(problem, r, i.start, plan.annual_plan)}</td>'
                f'<td data-label="原申请">{esc(_asked(problem, r))}</td><td data-label="安排">{esc(planned)}</td>'
                f'<td data-label="原因">{esc("".join(o.reasons))}</td></tr>'
            )
        out.append("</tbody></table></section>")

    # one print view per leader: report.html#leader-<id>
    for leader in problem.leaders:
        out.append(f'<section class="leader-sheet" id="leader-{esc(leader.id)}"><h1>{esc(leader.name)}（{esc(leader.title)}）一周安排（{span_text}）</h1>'
                   '<p><a href="#">返回全周安排</a></p><table class="changes"><thead><tr><th>日期</th><th>时间</th><th>事项</th><th>地点</th></tr></thead><tbody>')
        for d in days:
            entries = _leader_entries(problem, plan, leader.id, d)
            if not entries:
                out.append(f'<tr><td data-label="日期">{_md(d)} {WEEKDAYS_ZH[d.weekday()]}</td><td data-label="时间"></td><td data-label="事项">无安排</td><td data-label="地点"></td></tr>')
            for _, what, thing, span in entries:
                if what == "r":
                    text, when, where = f"公务接待：{esc(thing.title)}", _span(thing.start, thing.end), esc(thing.place)
                else:
                    items = [i for i in thing.items if thing.chair == leader.id or leader.id in i.leaders]
                    text = "；".join(f"{_hm(i.start)} {esc(index[i.request_id].title)}" if len(thing.items) > 1 else esc(index[i.request_id].title) for i in items)
                    text += "（主持）" if thing.chair == leader.id else ""
                    when, where = _span(*span), esc(problem.room_index[thing.room].name)
                out.append(f'<tr><td data-label="日期">{_md(d)} {WEEKDAYS_ZH[d.weekday()]}</td><td data-label="时间">{when}</td><td data-label="事项">{text}</td><td data-label="地点">{where}</td></tr>')
        out.append("</tbody></table></section>")
    out.append(f"<footer>生成时间：{now.year}年{now.month}月{now.day}日 {_hm(now)}</footer></body></html>")
    return "\n".join(out) + "\n"


def plan_from_json(problem: Problem, data: dict, *, lenient: bool = False) -> Plan:
    """A plan.json back into a Plan over the same week's problem (for publish, whatif, diff).
    lenient: leave out the items of requests the input no longer holds (the reference of a
    re-plan after the workbook was edited)."""
    index = problem.request_index
    if data.get("schema") != SCHEMA:
        raise PlanError(f"不是 scheduler plan 生成的 plan.json（应为 schema {SCHEMA}，实为 {data.get('schema')!r}）")
    if data["week"] != problem.week.isoformat():
        raise PlanError(f"方案是 {data['week']} 起的一周，输入却是 {problem.week} 起的一周；请用同一周的输入（--input）")
    sittings = []
    for s in data["sittings"]:
        items = []
        for i in s["items"]:
            if lenient and i["request_id"] not in index:
                continue
            if i["request_id"] not in index:
                raise PlanError(f"方案中有会议申请 {i['request_id']}，当前输入中却没有（已从会议申请表删去？）；请重新运行 scheduler plan 后再发布")
            r = index[i["request_id"]]
            items.append(Item(
                request_id=r.id, start=datetime.fromisoformat(i["start"]).astimezone(problem.tz),
                end=datetime.fromisoformat(i["end"]).astimezone(problem.tz),
                requested_minutes=r.minutes, leaders=problem.by_rank(r.everyone), units=r.units, attendees=r.attendees,
            ))
        if not items:
            continue
        sittings.append(Sitting(id=items[0].request_id if lenient else s["id"], room=s["room"]["id"], chair=s["chair"]["id"], start=items[0].start, end=items[-1].end, items=tuple(items)))
    outcomes = tuple(
        Outcome(request_id=r["id"], codes=tuple(r["outcome"]["codes"]), sitting=r["outcome"]["sitting"], reasons=tuple(r["outcome"]["reasons"]),
                rules=tuple(r["outcome"]["rules"]), blockers=tuple(r["outcome"]["blockers"]))
        for r in data["requests"] if r["id"] in index
    )
    solver = data["solver"]
    stats = SolveStats(
        status=solver["status"], candidates=solver["candidates"],
        levels=tuple(LevelResult(name=lv["name"], value=lv["value"], bound=lv["bound"], proven=lv["proven"]) for lv in solver.get("levels", [])),
    )
    back = {"in": IN_PLAN, "out": OUT_OF_PLAN}
    marks = {r["id"]: back[r["annual_plan"]] for r in data["requests"] if r["id"] in index and r.get("annual_plan") in back}
    return Plan(week=problem.week, sittings=tuple(sittings), outcomes=outcomes, stats=stats, annual_plan=marks or None)
