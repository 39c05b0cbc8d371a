"""Solve a week: build the model, run CP-SAT, turn the answer into a Plan, and explain every
change made to what a department asked for (found by the solver, not guessed)."""

from __future__ import annotations

import logging
import time as wallclock
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from ortools.sat.python import cp_model

from .domain import (
    COMBINED, MOVED, NOT_PLACEABLE, REJECTED, RETURNED, SCHEDULED, SHORTENED, WEEKDAYS_ZH, Item,
    MeetingRequest, Outcome, Plan, Problem, Sitting, SolveStats,
)
from .errors import SchedulerError
from .baseline import baseline_plan
from .model import CandidateVars, build_model, compatible_rooms
from .related import candidates as make_candidates, minimum_minutes, planned_minutes, relations
from .rules import RULES, check
from .timegrid import diagnose, item_starts

logger = logging.getLogger(__name__)
EXPLAIN_SHARE = 0.25  # of the time limit, at most, for finding what blocks each request


@dataclass(frozen=True, slots=True)
class Progress:
    objective: float
    bound: float
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SolveOptions:
    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2
    deterministic: bool = True
    log_search: bool = False


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float, on_progress):
        super().__init__()
        self.started, self.on_progress = started, on_progress
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = wallclock.monotonic() - self.started
        if self.first is None:
            self.first = elapsed
        if self.on_progress:
            self.on_progress(Progress(self.objective_value, self.best_objective_bound, elapsed))


def options_for(problem: Problem, time_limit: float | None = None) -> SolveOptions:
    s = problem.settings
    return SolveOptions(time_limit=time_limit or s.time_limit_seconds, seed=s.seed, workers=s.workers, deterministic=s.deterministic)


def _parameters(solver: cp_model.CpSolver, options: SolveOptions) -> None:
    p = solver.parameters
    p.max_time_in_seconds = options.time_limit
    p.random_seed = options.seed
    p.num_workers = options.workers
    # Deterministic: the workers interleave in a fixed order, so the same inputs give the same
    # plan. Off, the workers race (CP-SAT's default portfolio): better plans on large weeks
    # within the same time, but ties and time-limited runs may differ from run to run.
    p.interleave_search = options.deterministic
    # Probing in presolve costs 30 s of wall time on a 400-request week for little gain.
    p.cp_model_probing_level = 0
    p.log_search_progress = options.log_search
    p.log_to_stdout = False
    if options.log_search:
        solver.log_callback = logger.debug


def solve(
    problem: Problem, options: SolveOptions | None = None, on_progress: Callable[[Progress], None] | None = None, *, previous: Plan | None = None,
) -> Plan:
    """The week's plan. Requests that cannot be placed are in the outcomes with the reason.
    With `previous` (a published plan) the plan changes as little as it can."""
    options = options or options_for(problem)
    pairs = relations(problem)
    cands = make_candidates(problem, pairs, keep=tuple(s.request_ids for s in previous.sittings) if previous else ())
    started = wallclock.monotonic()  # model building counts: it is part of the time to a plan
    ctx = build_model(problem, cands, previous)
    # Warm start: the first-come-first-served plan (baseline.py) breaks no rule, so the solver
    # holds a whole plan from its first second and improves on it.
    _hint(ctx, baseline_plan(problem))
    if previous is not None:
        _hint_previous(ctx)
    solver = cp_model.CpSolver()
    _parameters(solver, options)
    callback = _Callback(started, on_progress)
    status = solver.solve(ctx.model, callback)
    seconds = wallclock.monotonic() - started
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SchedulerError(f"the solver found no plan within {options.time_limit:g} s (status {name}); raise time_limit_seconds or --time-limit")
    objective, bound = solver.objective_value, solver.best_objective_bound
    gap = 0.0 if status == cp_model.OPTIMAL else abs(objective - bound) / max(abs(objective), 1e-9)
    sittings = _extract(problem, ctx.vars, solver)
    stats = SolveStats(
        status=name, objective=objective, bound=bound, gap=gap, seconds=seconds,
        first_solution_seconds=callback.first, candidates=len(cands), variables=len(ctx.model.proto.variables),
    )
    plan = Plan(week=problem.week, sittings=sittings, outcomes=(), stats=stats)
    violations = check(problem, plan)
    if violations:  # a bug in the model: never hand such a plan to staff
        raise AssertionError("plan breaks hard rules: " + "; ".join(f"{v.rule}: {v.message}" for v in violations[:5]))
    outcomes = explain(problem, plan, pairs, options, deadline=wallclock.monotonic() + max(EXPLAIN_SHARE * options.time_limit, 5.0))
    return Plan(week=problem.week, sittings=sittings, outcomes=outcomes, stats=stats)


def _hint(ctx, plan: Plan) -> None:
    """Hint a plan made of single-request sittings (the baseline) to the candidates; a sitting
    longer than its type allows has no candidate and is left out of the hint."""
    problem, model = ctx.problem, ctx.model
    grain = problem.settings.grain_minutes
    chosen = {s.id: s for s in plan.sittings}
    for v in ctx.vars:
        c = v.candidate
        sitting = chosen.get(c.request_ids[0]) if len(c.request_ids) == 1 and not c.shortened else None
        start = problem.clock.minute(sitting.start) if sitting else None
        on = sitting is not None and start in v.starts and sitting.room in v.rooms
        model.add_hint(v.present, on)
        if on:
            model.add_hint(v.slot, start // grain)
            for room, lit in v.rooms.items():
                model.add_hint(lit, room == sitting.room)
            for day, lit in v.days.items():
                model.add_hint(lit, day == start // 1440)


def _hint_previous(ctx) -> None:
    """Hint the published plan's sittings where they can stay (what-if)."""
    grain = ctx.problem.settings.grain_minutes
    ctx.model.clear_hints()
    for v in ctx.vars:
        entry = ctx.kept.get(v.candidate.key)
        ctx.model.add_hint(v.present, entry is not None)
        if entry is not None:
            keep, start, room = entry
            ctx.model.add_hint(keep, True)
            ctx.model.add_hint(v.slot, start // grain)
            for r, lit in v.rooms.items():
                ctx.model.add_hint(lit, r == room)
            for day, lit in v.days.items():
                ctx.model.add_hint(lit, day == start // 1440)


def _extract(problem: Problem, variables: list[CandidateVars], solver: cp_model.CpSolver) -> tuple[Sitting, ...]:
    clock, index = problem.clock, problem.request_index
    out = []
    for v in variables:
        value = v.value(solver)
        if value is None:
            continue
        start, room, _ = value
        c = v.candidate
        chair = index[c.request_ids[0]].chair
        items = tuple(
            Item(
                request_id=rid, start=clock.at(start + off), end=clock.at(start + off + minutes),
                requested_minutes=index[rid].minutes, leaders=problem.by_rank(index[rid].everyone),
                units=index[rid].units, attendees=index[rid].attendees,
            )
            for rid, off, minutes in zip(c.request_ids, c.offsets, c.minutes)
        )
        out.append(Sitting(id=c.request_ids[0], room=room, chair=chair, start=items[0].start, end=items[-1].end, items=items))
    return tuple(sorted(out, key=lambda s: (s.start, s.room, s.id)))


# --- explanations ---------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日（{WEEKDAYS_ZH[moment.weekday()]}）{moment:%H:%M}"


def _name(problem: Problem, leader_id: str) -> str:
    leader = problem.leader_index.get(leader_id)
    return leader.name if leader else leader_id


RULE_REASONS = {
    "within_request_window": "申请的日期范围内没有可用的工作日",
    "within_part_of_day": "申请的时段内没有可用的办公时间",
    "no_meeting_day": "申请的日期均为无会日，且该会议不是上级固定或紧急会议",
    "within_office_hours": "不在工作日办公时间内（或时长超过半天办公时间）",
    "room_fits_attendees": "没有容纳得下的会议室",
    "video_needs_video_room": "没有容纳得下的视频会议室",
}


def explain(problem: Problem, plan: Plan, pairs, options: SolveOptions, deadline: float = float("inf")) -> tuple[Outcome, ...]:
    """Every request's outcome with its reasons. The solver-backed searches for what blocks a
    request stop at `deadline` (on weeks of hundreds of requests they could take minutes);
    later requests then get the reason without the blocking set, and say so."""
    index = problem.request_index
    placed = {item.request_id: (s, item) for s in plan.sittings for item in s.items}
    out = []
    for request in problem.requests:
        if request.approval == RETURNED:
            out.append(Outcome(request_id=request.id, codes=(REJECTED,), rules=("approval_returned",), reasons=("审批状态为“退回”，按规定不予安排。",)))
            continue
        if request.id not in placed:
            out.append(_not_placed(problem, plan, request, options, deadline))
            continue
        sitting, item = placed[request.id]
        codes, reasons = [], []
        if len(sitting.items) > 1:
            codes.append(COMBINED)
            others = [i.request_id for i in sitting.items if i.request_id != request.id]
            why = []
            for other in others:
                key = tuple(sorted((request.id, other)))
                if key in pairs:
                    why.append(f"与{other}：{'；'.join(pairs[key])}")
            reasons.append(
                f"与{'、'.join(f'{o}「{index[o].title}」' for o in others)}套开，本项为第{sitting.items.index(item) + 1}项议程"
                f"（{item.start:%H:%M}-{item.end:%H:%M}）。" + (f"相关依据：{' '.join(why)}。" if why else "")
            )
        if item.minutes < request.minutes:
            codes.append(SHORTENED)
            reasons.append(_shortening_reason(problem, request, item, sitting))
        moved = _moved_reason(problem, plan, request, sitting, options, deadline)
        if moved:
            codes.append(MOVED)
            reasons.append(moved)
        out.append(Outcome(request_id=request.id, codes=tuple(codes) or (SCHEDULED,), sitting=sitting.id, reasons=tuple(reasons)))
    return tuple(out)


def _shortening_reason(problem: Problem, request: MeetingRequest, item: Item, sitting: Sitting) -> str:
    parts = []
    cap = problem.settings.caps(request.kind).max_minutes
    if cap and request.minutes > cap:
        parts.append(f"{request.kind}时长上限为{cap}分钟")
    if sitting.items[0] is not item and problem.settings.opening_overhead_minutes:
        parts.append(f"套开后省去开场环节{problem.settings.opening_overhead_minutes}分钟")
    if item.minutes <= minimum_minutes(problem, request) < planned_minutes(problem, request) - (0 if sitting.items[0] is item else problem.settings.opening_overhead_minutes):
        parts.append(f"压缩至最短时长{minimum_minutes(problem, request)}分钟才能排入本周（开短会）")
    return f"时长由{request.minutes}分钟压缩为{item.minutes}分钟：{'；'.join(parts) or '开短会'}。"


def _moved_reason(problem: Problem, plan: Plan, request: MeetingRequest, sitting: Sitting, options: SolveOptions, deadline: float) -> str | None:
    """When the request did not get the day it asked first (最早日期), say what stood in the way."""
    if request.earliest is None or sitting.start.date() == request.earliest or request.fixed_start:
        return None
    asked = request.earliest
    day = (asked - problem.week).days
    rule = diagnose(problem, request, planned_minutes(problem, request))
    placed = f"{sitting.start.month}月{sitting.start.day}日（{WEEKDAYS_ZH[sitting.start.weekday()]}）"
    if wallclock.monotonic() > deadline:
        return None if request.latest is not None else f"原申请{asked.month}月{asked.day}日，安排在{placed}（本周申请较多，未逐项分析调整原因）。"
    blockers = _blockers(problem, plan, request, options, only_day=day)
    if blockers is None:
        # It would fit on the asked day: the solver chose another day inside the window for a
        # better plan (combining, balance), which is no change to what was asked unless the
        # department gave a first day only.
        return None if request.latest is not None else f"原申请{asked.month}月{asked.day}日，为套开或均衡领导日程，安排在{placed}。"
    if not blockers:
        why = "该日不是工作日、为无会日或不在申请时段内" if rule is None else RULE_REASONS.get(rule, rule)
        return f"原申请{asked.month}月{asked.day}日，因{why}，安排在{placed}。"
    return f"原申请{asked.month}月{asked.day}日，因{'；'.join(text for text, _ in blockers)}，改在{placed}。"


def _not_placed(problem: Problem, plan: Plan, request: MeetingRequest, options: SolveOptions, deadline: float) -> Outcome:
    minutes = minimum_minutes(problem, request)
    rule = diagnose(problem, request, minutes)
    if rule is None and not compatible_rooms(problem, [request.id]):
        rule = "video_needs_video_room" if request.needs_video and any(r.capacity >= request.attendees for r in problem.rooms) else "room_fits_attendees"
    if rule is not None:
        return Outcome(request_id=request.id, codes=(NOT_PLACEABLE,), rules=(rule,), reasons=(f"无法安排：{RULE_REASONS.get(rule, RULES[rule].title)}。",))
    blockers = _blockers(problem, plan, request, options) if wallclock.monotonic() <= deadline else None
    if blockers:
        texts = tuple(text for text, _ in blockers)
        return Outcome(
            request_id=request.id, codes=(NOT_PLACEABLE,), rules=tuple(sorted({rule for _, rule in blockers})), blockers=texts,
            reasons=(f"无法安排：在申请的时间范围内，{'；'.join(texts)}。",),
        )
    return Outcome(
        request_id=request.id, codes=(NOT_PLACEABLE,), rules=("schedule_requests",),
        reasons=("在求解时限内未能排入，请延长求解时间（--time-limit）或放宽日期范围。",),
    )


def _blockers(problem: Problem, plan: Plan, request: MeetingRequest, options: SolveOptions, only_day: int | None = None) -> list[tuple[str, str]] | None:
    """The smallest set of fixed things (commitments, receptions, planned sittings, daily caps)
    that leaves `request`, alone at its minimum length, no place; [] when time and rules alone
    rule it out, None when it would fit.

    Each blocker's interval is optional with its own literal, passed as an assumption; CP-SAT's
    sufficient_assumptions_for_infeasibility gives a core, which a deletion pass makes minimal.
    """
    clock, rooms_index = problem.clock, problem.room_index
    minutes = minimum_minutes(problem, request)
    starts = [s for s in item_starts(problem, request, minutes) if only_day is None or s // 1440 == only_day]
    rooms = compatible_rooms(problem, [request.id])
    if not starts or not rooms:
        return []
    model = cp_model.CpModel()
    grain = problem.settings.grain_minutes
    if request.fixed_start is None:
        slot = model.new_int_var_from_domain(cp_model.Domain.from_values(sorted({s // grain for s in starts if s % grain == 0})), "slot")
        start = slot * grain
    else:
        start = starts[0]
    day_of = {}
    for s in starts:
        day_of.setdefault(s // 1440, []).append(s)
    lo, hi = min(starts), max(starts) + minutes  # nothing outside [lo, hi) can stand in the way

    def near(a: datetime, b: datetime) -> bool:
        return clock.minute(b) > lo and clock.minute(a) < hi

    room_lits = {r: model.new_bool_var(r) for r in rooms}
    model.add_exactly_one(room_lits.values())
    mine = set(request.everyone)
    labels: dict[int, str] = {}
    leader_intervals = defaultdict(list)
    room_intervals = defaultdict(list)
    own = model.new_fixed_size_interval_var(start, minutes, "own")
    for leader in mine:
        leader_intervals[leader].append(own)
    for room, lit in room_lits.items():
        room_intervals[room].append(model.new_optional_fixed_size_interval_var(start, minutes, lit, f"own@{room}"))

    def guard(label: str, rule: str = "leader_not_double_booked"):
        lit = model.new_bool_var(label)
        labels[lit.index] = (label, rule)
        return lit

    for c in problem.commitments:
        if c.leader in mine and near(c.start, c.end):
            lit = guard(f"{_name(problem, c.leader)}已有日程「{c.title}」（{_when(c.start)}-{c.end:%H:%M}{'，外出' if c.away else ''}）")
            a, b = max(clock.minute(c.start), -1440), min(clock.minute(c.end), 8 * 1440)
            leader_intervals[c.leader].append(model.new_optional_fixed_size_interval_var(a, b - a, lit, "c"))
    for r in problem.receptions:
        involved = mine & set(r.leaders)
        if (involved or r.room in rooms) and near(r.start, r.end):
            who = "、".join(_name(problem, x) for x in problem.by_rank(involved)) or rooms_index[r.room].name
            lit = guard(f"{who}陪同公务接待「{r.title}」（{_when(r.start)}-{r.end:%H:%M}）", "leader_not_double_booked" if involved else "room_not_double_booked")
            a, b = clock.minute(r.start), clock.minute(r.end)
            for leader in involved:
                leader_intervals[leader].append(model.new_optional_fixed_size_interval_var(a, b - a, lit, "r"))
            if r.room in rooms:
                room_intervals[r.room].append(model.new_optional_fixed_size_interval_var(a, b - a, lit, "rr"))
    for s in plan.sittings:
        if request.id in s.request_ids or not near(s.start, s.end):
            continue
        involved = [x for x in s.leaders if x in mine]
        if not involved and s.room not in rooms:
            continue
        titles = "；".join(problem.request_index[i.request_id].title for i in s.items)
        lit = guard(
            f"已安排的会议「{titles}」（{_when(s.start)}-{s.end:%H:%M}，{'、'.join(_name(problem, x) for x in involved) or rooms_index[s.room].name}）",
            "leader_not_double_booked" if involved else "room_not_double_booked",
        )
        for leader in involved:
            for a, b in s.segments_of(leader):
                ma, mb = clock.minute(a), clock.minute(b)
                leader_intervals[leader].append(model.new_optional_fixed_size_interval_var(ma, mb - ma, lit, "s"))
        if s.room in rooms:
            ma, mb = clock.minute(s.start), clock.minute(s.end)
            room_intervals[s.room].append(model.new_optional_fixed_size_interval_var(ma, mb - ma, lit, "sr"))
    for intervals in [*leader_intervals.values(), *room_intervals.values()]:
        model.add_no_overlap(intervals)
    # Daily caps: a full day is one more blocker.
    if request.fixed_start is None:
        for leader_id in mine:
            cap = problem.leader_index[leader_id].max_per_day
            if cap is None:
                continue
            for day in day_of:
                used = sum(leader_id in s.leaders for s in plan.sittings if s.start.date() == clock.at(day * 1440).date() and request.id not in s.request_ids)
                used += sum(leader_id in r.leaders for r in problem.receptions if r.start.date() == clock.at(day * 1440).date())
                if used >= cap:
                    lit = guard(f"{_name(problem, leader_id)}{clock.at(day * 1440).month}月{clock.at(day * 1440).day}日会议已达每日上限{cap}场", "leader_daily_cap")
                    slots = [s // grain for s in day_of[day]]
                    model.add_linear_expression_in_domain(slot, cp_model.Domain.from_values(slots).complement()).only_enforce_if(lit)
    assumptions = [model.get_bool_var_from_proto_index(i) for i in sorted(labels)]
    solver = cp_model.CpSolver()
    _parameters(solver, SolveOptions(time_limit=5.0, seed=options.seed, workers=1))
    model.add_assumptions(assumptions)
    if solver.solve(model) != cp_model.INFEASIBLE:
        return None
    core = [i for i in solver.sufficient_assumptions_for_infeasibility() if i in labels]
    for i in list(core):  # deletion filter: keep only what is needed
        trial = [x for x in core if x != i]
        model.clear_assumptions()
        model.add_assumptions([model.get_bool_var_from_proto_index(x) for x in trial])
        if solver.solve(model) == cp_model.INFEASIBLE:
            core = trial
    return [labels[i] for i in core]  # (what, rule)
