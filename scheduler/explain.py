"""Explanations: every change to what a department asked for, with a reason a staff member can
read out, and no claim that a check did not prove (SPEC §8).

- Combined (套开): with which requests, the item's own time, and the strongest link with its
  relatedness score.
- Shortened: to a type's maximum (a hard rule), by the opening overhead saved in a combined
  sitting, or cut to the minimum length — "才能排入本周" only when a solve proves the week
  places fewer requests without the cut, "才能少开一场" only when it proves more sittings.
- Moved off the first asked day: for each nearer day, the one cause (not a working day, 无会日,
  outside the asked part of day) or the smallest set of commitments, receptions and sittings
  that blocks it.
- Not placed: the rule that leaves no time, no room that holds it, or the smallest blocking set.

Blocking sets come from a small model per request: the request alone at its minimum length,
each fixed thing it could collide with behind its own assumption literal (leaders' spans with
the travel buffer when the buildings differ, room uses, full days under a daily cap). CP-SAT's
sufficient_assumptions_for_infeasibility gives a core, a deletion pass makes it minimal. All
solves run on a deterministic budget; when it is spent, later reasons omit the blocking set and
say so.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from ortools.sat.python import cp_model

from .busy import COMMITMENT, RECEPTION, fixed_busy, leader_name, planned_busy, span_text
from .domain import (
    COMBINED, MOVED, NOT_PLACEABLE, REJECTED, RETURNED, SCHEDULED, SHORTENED, WEEKDAYS_ZH, Item,
    MeetingRequest, Outcome, Plan, Problem, Sitting,
)
from .model import compatible_rooms
from .related import Relation, minimum_minutes, planned_minutes
from .rules import RULES
from .timegrid import day_cause, diagnose, item_starts

CHECK_BUDGET = 1.0  # deterministic seconds for one check, at most


def _day(d) -> str:
    return f"{d.month}月{d.day}日（{WEEKDAYS_ZH[d.weekday()]}）"


class Budget:
    """The deterministic time left for explanation solves, and the run's wall-clock deadline
    (solve.Deadline): past it, no more solves (the reasons then omit what a solve would prove)."""

    def __init__(self, total: float, deadline=None) -> None:
        self.left = total
        self.deadline = deadline

    def solve(self, model: cp_model.CpModel, options, seconds: float = CHECK_BUDGET) -> tuple[int, cp_model.CpSolver] | None:
        if self.left <= 0 or (self.deadline is not None and self.deadline.passed()):
            return None
        from .solve import SolveOptions, parameters

        solver = cp_model.CpSolver()
        parameters(solver, SolveOptions(seed=options.seed, workers=1, deterministic=True), min(seconds, max(self.left, 0.05)), self.deadline)
        status = solver.solve(model)
        self.left -= solver.response_proto.deterministic_time
        return status, solver


def explain(problem: Problem, plan: Plan, pairs: dict[tuple[str, str], Relation], options, budget: float, solution=None, deadline=None) -> tuple[Outcome, ...]:
    """Every request's outcome with its reasons. `solution` is the staged search (solve.py),
    whose snapshots let a shortening be checked against the levels above it."""
    time_left = Budget(budget, deadline)
    placed = {item.request_id: (s, item) for s in plan.sittings for item in s.items}
    out = []
    for request in problem.requests:
        if request.approval == RETURNED:
            out.append(Outcome(request_id=request.id, codes=(REJECTED,), rules=("approval_returned",), reasons=(RULES["approval_returned"].reason + "。",)))
            continue
        if request.id not in placed:
            out.append(_not_placed(problem, plan, request, options, time_left, solution))
            continue
        sitting, item = placed[request.id]
        codes, reasons = [], []
        if len(sitting.items) > 1:
            codes.append(COMBINED)
            reasons.append(combined_reason(problem, pairs, request, sitting, item))
        if item.minutes < request.minutes:
            codes.append(SHORTENED)
            reasons.append(_shortening_reason(problem, request, item, sitting, options, time_left, solution))
        moved = _moved_reason(problem, plan, request, sitting, options, time_left)
        if moved:
            codes.append(MOVED)
            reasons.append(moved)
        missed = _missed_merge(problem, pairs, request, sitting, options, time_left, solution)
        if missed:
            reasons.append(missed)
        out.append(Outcome(request_id=request.id, codes=tuple(codes) or (SCHEDULED,), sitting=sitting.id, reasons=tuple(reasons)))
    return tuple(out)


def combined_reason(problem: Problem, pairs, request: MeetingRequest, sitting: Sitting, item: Item) -> str:
    index = problem.request_index
    others = [i.request_id for i in sitting.items if i.request_id != request.id]
    links = sorted(
        ((pairs[key], other) for other in others if (key := tuple(sorted((request.id, other)))) in pairs),
        key=lambda x: (-x[0].score, x[1]),
    )
    why = f"相关依据：与{links[0][1]}{links[0][0].reasons[0]}（关联度{links[0][0].score:.2f}）。" if links else ""
    return (
        f"与{'、'.join(f'{o}「{index[o].title}」' for o in others)}套开，本项为第{sitting.items.index(item) + 1}项议程"
        f"（{item.start:%H:%M}-{item.end:%H:%M}）。" + why
    )


def _missed_merge(problem: Problem, pairs, request: MeetingRequest, sitting: Sitting, options, time_left: Budget, solution) -> str | None:
    """拟与何会套开 not honoured: say why (SPEC §6: honoured whenever feasible), and claim only
    what a solve proves: with the levels above `stronger_merges` held, can the two share?"""
    from .related import may_share

    index = problem.request_index
    missed = [x for x in request.merge_with if x in index and x not in sitting.request_ids]
    out = []
    for other in missed:
        why = may_share(problem, request, index[other])
        if why is None and tuple(sorted((request.id, other))) not in pairs:
            why = "议题不相关"
        if why is None:
            why = _merge_check(request.id, other, options, time_left, solution)
        out.append(f"申请与{other}「{index[other].title}」套开未采纳：{why}。")
    return "".join(out) or None


def _merge_check(a: str, b: str, options, time_left: Budget, solution) -> str:
    together = [v.present for v in solution.ctx.vars if a in v.candidate.request_ids and b in v.candidate.request_ids] if solution else []
    if not together:
        return "二者合开超过单场时长或议题数上限，或没有共同可用的时间和会议室"
    snapshot = solution.before.get("stronger_merges")
    if snapshot is None:
        return "本方案未将二者合开"
    model = snapshot.clone()
    model.add(sum(model.get_bool_var_from_proto_index(lit.index) for lit in together) >= 1)
    result = time_left.solve(model, options)
    if result is not None and result[0] == cp_model.INFEASIBLE:
        return "合开则本周排入的申请更少或会议更多（已验证）"
    if result is not None and result[0] in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "合开可行；本方案按套开关联度、参会人次等后续目标选择了其他安排"
    return "未能在求解预算内确认能否合开"


def _shortening_reason(problem: Problem, request: MeetingRequest, item: Item, sitting: Sitting, options, time_left: Budget, solution) -> str:
    parts = []
    cap = problem.settings.caps(request.kind).max_minutes
    planned = planned_minutes(problem, request)
    if planned < request.minutes:
        parts.append(f"{request.kind}时长上限为{cap}分钟")
    first = sitting.items[0] is item
    overhead = 0 if first else problem.settings.opening_overhead_minutes
    if overhead and item.minutes < planned:
        parts.append(f"套开后省去开场环节{overhead}分钟")
    if item.minutes < max(planned - overhead, problem.settings.grain_minutes):  # cut to the minimum (开短会)
        parts.append(_cut_reason(problem, request, options, time_left, solution))
    return f"时长由{request.minutes}分钟压缩为{item.minutes}分钟：{'；'.join(parts)}。"


def _cut_reason(problem: Problem, request: MeetingRequest, options, time_left: Budget, solution) -> str:
    """What cutting this request to its minimum bought, as far as a solve proves it."""
    minimum = minimum_minutes(problem, request)
    head = f"压缩至最短时长{minimum}分钟（开短会）"
    if solution is None:
        return head
    cut = [v.present for v in solution.ctx.vars if v.candidate.shortened and request.id in v.candidate.request_ids]
    for level, claim in (
        ("fewer_sittings", "不压缩则本周排入的申请更少，压缩后才能排入本周"),
        ("stronger_merges", "不压缩则须多开会议，压缩后才能少开会议"),
        ("avoid_shortening", "不压缩则套开关联度或参会人次更差"),
    ):
        snapshot = solution.before.get(level)
        if snapshot is None:
            continue
        model = snapshot.clone()
        for lit in cut:
            model.add(model.get_bool_var_from_proto_index(lit.index) == 0)
        result = time_left.solve(model, options)
        if result is None or result[0] not in (cp_model.INFEASIBLE, cp_model.OPTIMAL, cp_model.FEASIBLE):
            return head  # not proven either way
        if result[0] == cp_model.INFEASIBLE:
            return f"{head}，{claim}（已验证）"
    return f"{head}，所得安排与不压缩同样好"


def _moved_reason(problem: Problem, plan: Plan, request: MeetingRequest, sitting: Sitting, options, time_left: Budget) -> str | None:
    """When the request did not get the first day it asked (最早日期): for each nearer day, what
    stood in the way."""
    if request.earliest is None or sitting.start.date() <= request.earliest or request.fixed_start:
        return None
    asked = (request.earliest - problem.week).days
    placed_day = (sitting.start.date() - problem.week).days
    causes = []
    for day in range(asked, placed_day):
        date = problem.week + timedelta(days=day)
        rule = day_cause(problem, request, day)
        if rule == "within_office_hours":
            causes.append(f"{_day(date)}不是工作日")
            continue
        if rule == "no_meeting_day":
            causes.append(f"{_day(date)}为无会日")
            continue
        if rule == "within_part_of_day":
            causes.append(f"{_day(date)}没有申请时段（{request.part_of_day}）的办公时间")
            continue
        if rule is not None:
            causes.append(f"{_day(date)}不在申请的日期范围内")
            continue
        blockers = _blockers(problem, plan, request, options, time_left, only_day=day)
        if blockers is None:
            if request.latest is None:
                causes.append(f"{_day(date)}尚有空档，为整体安排更优（套开、少开会）未用")
            else:
                return None  # inside the asked window: the plan's choice, no change to what was asked
        elif blockers == "unknown":
            causes.append(f"{_day(date)}（本周申请较多，未逐项分析）")
        else:
            causes.append(f"{_day(date)}：{'；'.join(text for text, _ in blockers)}")
    return f"原申请{_day(request.earliest)}，因{'；'.join(causes)}，改在{_day(sitting.start.date())}。"


def _not_placed(problem: Problem, plan: Plan, request: MeetingRequest, options, time_left: Budget, solution) -> Outcome:
    minutes = minimum_minutes(problem, request)
    rule = diagnose(problem, request, minutes)
    if rule is None and not compatible_rooms(problem, [request.id]):
        rule = "video_needs_video_room" if request.needs_video and any(r.capacity >= request.attendees for r in problem.rooms) else "room_fits_attendees"
    if rule is not None:
        return Outcome(request_id=request.id, codes=(NOT_PLACEABLE,), rules=(rule,), reasons=(f"无法安排：{RULES[rule].reason}。",))
    blockers = _blockers(problem, plan, request, options, time_left)
    if blockers and blockers != "unknown":
        texts = tuple(text for text, _ in blockers)
        return Outcome(
            request_id=request.id, codes=(NOT_PLACEABLE,), rules=tuple(sorted({r for _, r in blockers})), blockers=texts,
            reasons=(f"无法安排：在申请的时间范围内，{'；'.join(texts)}。",),
        )
    first = next((lv for lv in plan.stats.levels if lv.name == "schedule_requests"), None)
    if blockers is None and first is not None and first.proven:
        reason = "无法安排：本项与其他申请争用同一时间、领导或会议室，排入本项须挤掉优先级不低于本项的其他申请（求解已证明本周无法多排）。"
    else:
        reason = "在求解预算内未能排入，请增大 time_limit_seconds（--time-limit）或放宽日期范围。"
    return Outcome(request_id=request.id, codes=(NOT_PLACEABLE,), rules=("schedule_requests",), reasons=(reason,))


def _blockers(problem: Problem, plan: Plan, request: MeetingRequest, options, time_left: Budget, only_day: int | None = None):
    """The smallest set of fixed things (commitments, receptions, planned sittings, full days)
    that leaves `request`, alone at its minimum length, no place: a list of (text, rule); []
    when time and rules alone rule it out; None when it would fit; "unknown" when the budget
    is spent.

    Each blocker forbids a set of start slots, behind its own assumption literal (and, for the
    travel buffer, only when the request's room is in another building)."""
    clock, rooms_index = problem.clock, problem.room_index
    minutes = minimum_minutes(problem, request)
    starts = [s for s in item_starts(problem, request, minutes) if only_day is None or s // 1440 == only_day]
    rooms = compatible_rooms(problem, [request.id])
    if not starts or not rooms:
        return []
    buffer = problem.settings.travel_buffer_minutes
    model = cp_model.CpModel()
    pick = {s: model.new_bool_var(f"start{s}") for s in starts}
    model.add_exactly_one(pick.values())
    room_lits = {r: model.new_bool_var(r) for r in rooms}
    model.add_exactly_one(room_lits.values())
    mine = set(request.everyone)
    labels: dict[int, tuple[str, str]] = {}

    def guard(label: str, rule: str):
        lit = model.new_bool_var(label)
        labels[lit.index] = (label, rule)
        return lit

    def clashing(a: int, b: int, gap: int = 0) -> list[int]:
        return [s for s in starts if s < b + gap and a - gap < s + minutes]

    def forbid(lit, a: int, b: int, building: str | None) -> None:
        for s in clashing(a, b):
            model.add_implication(lit, pick[s].negated())
        if building and buffer:
            far = [room_lits[r] for r in rooms if rooms_index[r].building != building]
            for s in set(clashing(a, b, buffer)) - set(clashing(a, b)):
                for r in far:  # travel buffer: only from a room in another building
                    model.add_bool_or([lit.negated(), pick[s].negated(), r.negated()])

    lo, hi = min(starts) - buffer, max(starts) + minutes + buffer
    spans = defaultdict(list)  # (what, rule) -> [(leader, a, b, building)]
    for source in (fixed_busy(problem), planned_busy(problem, plan)):
        for leader in sorted(mine):
            for b in source.get(leader, []):
                if b.source not in (COMMITMENT, RECEPTION) and b.ref in (s.id for s in plan.sittings if request.id in s.request_ids):
                    continue
                a_, b_ = clock.minute(b.start), clock.minute(b.end)
                if b_ > lo and a_ < hi:
                    spans[(b.text, b.source)].append((leader, a_, b_, b.building))
    for (text, source), uses in sorted(spans.items()):
        who = "、".join(leader_name(problem, x) for x in problem.by_rank({u[0] for u in uses}))
        label = {RECEPTION: f"{who}陪同{text}", COMMITMENT: f"{who}{text}"}.get(source, f"{text[:-1]}，{who}）")
        lit = guard(label, "leader_not_double_booked")
        for _, a_, b_, building in uses:
            forbid(lit, a_, b_, building)
    room_uses = [(r.room, clock.minute(r.start), clock.minute(r.end), f"会议室「{rooms_index[r.room].name}」已用于公务接待「{r.title}」（{span_text(r.start, r.end)}）") for r in problem.receptions if r.room in room_lits]
    room_uses += [
        (s.room, clock.minute(s.start), clock.minute(s.end), f"会议室「{rooms_index[s.room].name}」已安排会议「{'；'.join(problem.request_index[i.request_id].title for i in s.items)}」（{span_text(s.start, s.end)}）")
        for s in plan.sittings if s.room in room_lits and request.id not in s.request_ids
    ]
    for room, a_, b_, text in room_uses:
        if b_ > lo and a_ < hi:
            lit = guard(text, "room_not_double_booked")
            for s in clashing(a_, b_):
                model.add_bool_or([lit.negated(), pick[s].negated(), room_lits[room].negated()])
    if request.fixed_start is None:
        for leader_id in sorted(mine):
            cap = problem.leader_index[leader_id].max_per_day
            if cap is None:
                continue
            for day in sorted({s // 1440 for s in starts}):
                date = problem.week + timedelta(days=day)
                used = sum(leader_id in s.leaders for s in plan.sittings if s.start.date() == date and request.id not in s.request_ids)
                used += sum(leader_id in r.leaders for r in problem.receptions if r.start.date() == date)
                if used >= cap:
                    lit = guard(f"{leader_name(problem, leader_id)}{date.month}月{date.day}日会议已达每日上限{cap}场", "leader_daily_cap")
                    for s in starts:
                        if s // 1440 == day:
                            model.add_implication(lit, pick[s].negated())
    assumptions = sorted(labels)
    model.add_assumptions([model.get_bool_var_from_proto_index(i) for i in assumptions])
    result = time_left.solve(model, options)
    if result is None:
        return "unknown"
    status, solver = result
    if status != cp_model.INFEASIBLE:
        return None if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else "unknown"
    core = [i for i in solver.sufficient_assumptions_for_infeasibility() if i in labels]
    for i in list(core):  # deletion filter: keep only what is needed
        trial = [x for x in core if x != i]
        model.clear_assumptions()
        model.add_assumptions([model.get_bool_var_from_proto_index(x) for x in trial])
        result = time_left.solve(model, options)
        if result is None:
            break
        if result[0] == cp_model.INFEASIBLE:
            core = trial
    return [labels[i] for i in core]
