"""Solve a week: build the model, seed it with the best warm start, minimise the soft levels one
after the other (lexicographic, SPEC §5), turn the answer into a Plan, and explain it.

Determinism: every CP-SAT call runs on a *deterministic* budget (`max_deterministic_time`, a
fixed seed, interleaved workers), never on wall-clock time, so the same inputs give the same
plan on an idle or a loaded machine. The budget is planned to fit in `time_limit_seconds` on
the reference machine (`dtime_rate`). The wall clock only bounds the run (`Deadline`: the time
limit x OVERRUN_FACTOR + OVERRUN_EXTRA): a level cut short by it is thrown away whole and the
levels after it are skipped, so the plan is still the deterministic result of the levels that
finished, and the plan says where it stopped (`SolveStats.stopped_at`).
"""

from __future__ import annotations

import logging
import math
import time as wallclock
from dataclasses import dataclass
from typing import Callable

from ortools.sat.python import cp_model

from .baseline import warm_starts
from .domain import REJECTED, Item, LevelResult, Plan, Problem, Sitting, SolveStats
from .errors import SchedulerError
from .model import SCHEDULE_BASE, CandidateVars, ModelContext, build_model
from .related import candidates as make_candidates, groups as related_groups, relations
from .rules import LEVELS, check

logger = logging.getLogger(__name__)

# time_limit_seconds is turned into CP-SAT deterministic seconds at this rate: measured on the
# reference machine (2 cores, scripts/benchmark.py), one deterministic second of a model of
# REFERENCE_VARIABLES variables (the example week) takes about four seconds of wall time, and
# larger models take more per deterministic second (see `dtime_rate`). The rate depends only on
# the model, so the plan never depends on the clock.
DTIME_PER_SECOND = 0.25
REFERENCE_VARIABLES = 2000
# The run stops at OVERRUN_FACTOR x the time limit + OVERRUN_EXTRA seconds of wall time: room for a
# machine a few times slower than the reference (or loaded), never an unbounded run.
OVERRUN_FACTOR, OVERRUN_EXTRA = 5.0, 60.0
# Shares of the deterministic budget: the first two levels decide the most, so they get more.
LEVEL_WEIGHTS = {"schedule_requests": 3, "stay_close_to_published": 3, "fewer_sittings": 6}
EXPLAIN_SHARE = 0.25  # of the budget, on top of it, for finding what blocks each request
# Neighbourhood search (`StagedSearch._neighbourhoods`): NEIGHBOURHOOD_SHARE of a level's share
# goes to it on the levels below. One call frees a few sittings (a request left out and what is in
# its way, or related groups with the sittings sharing their leaders: at most about
# NEIGHBOURHOOD_VARIABLES decision variables), fixes the rest of the week and re-solves; its cost
# is its deterministic time at `neighbourhood_rate` plus the presolve of the whole model, which
# grows with the model (PRESOLVE_SECONDS_PER_VARIABLE; measured on the reference machine).
NEIGHBOURHOOD_LEVELS = ("schedule_requests", "fewer_sittings", "stronger_merges", "fewer_attendance_trips")
NEIGHBOURHOOD_SHARE = 0.75
NEIGHBOURHOOD_VARIABLES = 400
NEIGHBOURHOOD_CALL_DTIME = 0.2
PRESOLVE_SECONDS_PER_VARIABLE = 3e-5
NARROW_STARTS = 8  # a request left out with at most this many (start, length) choices also frees the sittings in its rooms at its times
SNAPSHOTS = ("fewer_sittings", "stronger_merges", "avoid_shortening")  # kept for explain.py


@dataclass(frozen=True, slots=True)
class Progress:
    """After each level: its value and bound, and the plan in hand (for the progress bar)."""

    level: str
    value: int
    bound: int
    seconds: float
    dtime: float = 0.0  # deterministic time spent so far
    scheduled: int = 0  # requests placed
    combined: int = 0  # items in combined sittings
    sittings: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SolveOptions:
    time_limit: float = 30.0  # seconds on the reference machine: the budget is time_limit x dtime_rate(variables)
    seed: int = 0
    workers: int = 2
    deterministic: bool = True
    log_search: bool = False


def longest_run(time_limit: float) -> float:
    """The wall seconds after which a run with this time limit stops (Deadline)."""
    return OVERRUN_FACTOR * time_limit + OVERRUN_EXTRA


class Deadline:
    """The wall-clock end of a run (time limit x OVERRUN_FACTOR + OVERRUN_EXTRA from its start).
    Read only to stop work, never to choose between plans."""

    def __init__(self, seconds: float) -> None:
        self.end = wallclock.monotonic() + seconds

    @classmethod
    def for_limit(cls, time_limit: float) -> "Deadline":
        return cls(longest_run(time_limit))

    def left(self) -> float:
        return self.end - wallclock.monotonic()

    def passed(self) -> bool:
        return self.left() <= 0


def dtime_rate(variables: int) -> float:
    """Deterministic seconds per second of time limit for a model of this many variables: the
    measured rate of the reference week, falling in proportion to size beyond it (one
    deterministic second of a 5,000-variable week took about 35 s of wall time on the reference
    machine, of the 2,000-variable example about 4 s: docs/benchmarks.md)."""
    return DTIME_PER_SECOND * min(1.0, REFERENCE_VARIABLES / max(variables, 1)) ** 2


def neighbourhood_rate(variables: int) -> float:
    """Deterministic seconds per second of time limit in a neighbourhood call: most of the
    model is fixed, so its deterministic time costs less wall time than a call on the whole
    model (measured: about 11 wall s per deterministic s on the 4,600-variable M week, 30 on the
    20,000-variable L week), falling in proportion to size, not with its square."""
    return DTIME_PER_SECOND * min(1.0, REFERENCE_VARIABLES / max(variables, 1))


def options_for(problem: Problem, time_limit: float | None = None) -> SolveOptions:
    s = problem.settings
    return SolveOptions(time_limit=time_limit or s.time_limit_seconds, seed=s.seed, workers=s.workers, deterministic=s.deterministic)


def parameters(solver: cp_model.CpSolver, options: SolveOptions, budget: float, deadline: Deadline | None = None) -> None:
    """CP-SAT parameters for one call with `budget` deterministic seconds, stopped at the
    run's `deadline` (wall clock) if it comes first."""
    p = solver.parameters
    p.max_deterministic_time = budget
    if deadline is not None:
        p.max_time_in_seconds = max(deadline.left(), 0.01)
    p.random_seed = options.seed
    p.num_workers = options.workers
    # Deterministic: the workers interleave in a fixed order, so the same inputs give the same
    # plan. Off, the workers race (CP-SAT's portfolio): sometimes better on large weeks, but
    # not reproducible from run to run.
    p.interleave_search = options.deterministic
    # Never cp_model_probing_level = 0: with ortools 9.15 it answers INFEASIBLE for a feasible
    # one-request week, and aborts the process when a hint is given (tests/test_solve.py).
    p.log_search_progress = options.log_search
    p.log_to_stdout = False
    if options.log_search:
        solver.log_callback = logger.debug


def solve(
    problem: Problem, options: SolveOptions | None = None, on_progress: Callable[[Progress], None] | None = None, *, previous: Plan | None = None,
    deadline: Deadline | None = None,
) -> Plan:
    """The week's plan. Requests that cannot be placed are in the outcomes with the reason.
    With `previous` (a published plan) the plan changes as little as it can. `deadline` (wall
    clock) defaults to the time limit's (Deadline.for_limit)."""
    from .explain import explain  # explain.py uses this module's parameters()

    options = options or options_for(problem)
    started = wallclock.monotonic()
    deadline = deadline or Deadline.for_limit(options.time_limit)
    pairs = relations(problem)
    cands = make_candidates(problem, pairs, keep=tuple(s.request_ids for s in previous.sittings) if previous else ())
    ctx = build_model(problem, cands, previous)
    rate = dtime_rate(len(ctx.model.proto.variables))
    search = StagedSearch(ctx, options, started, on_progress, rate=rate, deadline=deadline, pairs=pairs)
    search.run()
    sittings = extract(problem, ctx.vars, search.solution)
    stats = SolveStats(
        status=search.status, seconds=wallclock.monotonic() - started, deterministic_time=search.dtime,
        first_solution_seconds=search.first, candidates=len(cands), variables=len(ctx.model.proto.variables),
        levels=tuple(search.levels), warm_start=search.warm_name, stopped_at=search.stopped_at,
    )
    plan = Plan(week=problem.week, sittings=sittings, outcomes=(), stats=stats)
    violations = check(problem, plan)
    if violations:  # a bug in the model: never hand such a plan to staff
        raise AssertionError("plan breaks hard rules: " + "; ".join(f"{v.rule}: {v.message}" for v in violations[:5]))
    outcomes = explain(problem, plan, pairs, options, budget=EXPLAIN_SHARE * options.time_limit * rate, solution=search, deadline=deadline)
    return Plan(week=problem.week, sittings=sittings, outcomes=outcomes, stats=stats)


class StagedSearch:
    """Minimise the levels of the objective one after the other. Each level's value is then
    held (`expr <= value`) while the next is minimised, and the last solution is the hint of
    the next call, so a later level can never make an earlier one worse. Unused budget of a
    level that finishes early passes on to the next.

    A level that the run's `deadline` cuts short is thrown away whole (its partial answer
    depends on the machine's speed) and the levels after it are skipped: the plan stays the
    deterministic result of the levels that finished (`stopped_at` names the level cut)."""

    def __init__(
        self, ctx: ModelContext, options: SolveOptions, started: float, on_progress=None, *, rate: float = DTIME_PER_SECOND, deadline: Deadline | None = None,
        pairs: dict | None = None,
    ) -> None:
        self.ctx, self.options, self.started, self.on_progress = ctx, options, started, on_progress
        self.rate = rate
        self.deadline = deadline or Deadline.for_limit(options.time_limit)
        self.stopped_at = ""  # the level the deadline cut short ("" when every level finished)
        self.solution: list[int] | None = None  # a complete assignment of the model's variables
        self.levels: list[LevelResult] = []
        self.dtime = 0.0  # CP-SAT's deterministic time
        self.spent = 0.0  # of the budget (time limit x rate)
        self.groups = _neighbourhood_groups(ctx.problem, pairs, ctx.vars) if pairs is not None else []
        self.decisions = [i for v in ctx.vars for i in _decisions(v)]
        self.leaders_of = {id(v): frozenset(v.leaders(ctx.problem)) for v in ctx.vars}
        self.first: float | None = None
        self.warm_name = ""
        self.status = "OPTIMAL"
        self.before: dict[str, cp_model.CpModel] = {}
        self.terms: dict[str, list] = {}

    def run(self) -> None:
        ctx, model = self.ctx, self.ctx.model
        self._warm_start()
        budget = self.options.time_limit * self.rate
        remaining_weight = sum(LEVEL_WEIGHTS.get(name, 1) for name, _ in LEVELS)
        for name, rules in LEVELS:
            if name in SNAPSHOTS:
                self.before[name] = model.clone()  # the levels above held: for honest explanations
            terms = [t for rule in rules for t in ctx.objective_terms.get(rule, [])]
            weight = LEVEL_WEIGHTS.get(name, 1)
            share = max(budget - self.spent, 0.0) * weight / remaining_weight
            remaining_weight -= weight
            if not terms:
                continue
            if self.stopped_at:
                continue
            expr = cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms])
            floor = sum(min(c * lo, c * hi) for c, v in terms for lo, hi in [_bounds(v)])
            if self.solution is not None and self._value(terms) == floor:  # nothing to gain: proven as it is
                self.levels.append(LevelResult(name=name, value=floor, bound=floor, proven=True))
                self.terms[name] = terms
                model.add(expr <= floor)
                continue
            if self.deadline.passed():  # out of time before this level: keep what is in hand
                self._stop(name, terms, floor)
                continue
            neighbourhoods = self._left_out if name == "schedule_requests" else self._split_groups
            searched = name in NEIGHBOURHOOD_LEVELS and self.solution is not None and next(neighbourhoods(), None) is not None
            before = self.solution
            model.minimize(expr)
            self._hint()
            solver = cp_model.CpSolver()
            # The scheduling level keeps its whole share for CP-SAT, which places what needs several
            # sittings to move at once (a what-if's fixed meeting), and its neighbourhoods borrow
            # from the levels below; the merge levels split their share.
            split = searched and name != "schedule_requests"
            parameters(solver, self.options, max(share * (1 - NEIGHBOURHOOD_SHARE if split else 1), 0.01), self.deadline)
            status = solver.solve(model)
            self._spend(solver.response_proto.deterministic_time)
            logger.debug("level %s: %.3f dtime, %.2f wall s", name, solver.response_proto.deterministic_time, solver.wall_time)
            current = self._value(terms)
            if status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE) and self.deadline.passed() and self.solution is not None:
                self._stop(name, terms, floor)  # cut short by the clock: its partial answer is the machine's, not the inputs'
                continue
            found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            # Only a strict improvement replaces the hint: at equal value the solution in hand
            # stays, so a re-plan keeps what it can of the published plan.
            if found and (self.solution is None or solver.objective_value < current):
                self.solution = list(solver.response_proto.solution)
                current = self._value(terms)
            if self.solution is None:
                raise SchedulerError(f"在求解预算内未找到任何可行方案（状态{solver.status_name(status)}），请增大 time_limit_seconds 或 --time-limit")
            proven, bound = level_bound(status, solver.objective_value, solver.best_objective_bound, current, floor)
            if searched and not proven:
                current = self._neighbourhoods(expr, terms, current, share * NEIGHBOURHOOD_SHARE, neighbourhoods)
                if current is None:  # the deadline came in the middle: the level is thrown away whole
                    self.solution = before
                    self._stop(name, terms, floor)
                    continue
                proven = current <= bound
                bound = min(bound, current)
            if not proven:
                self.status = "FEASIBLE"
            self.levels.append(LevelResult(name=name, value=current, bound=bound, proven=proven))
            self._report(name, current, bound)
            model.add(expr <= current)  # hold this level while the next is minimised
            self.terms[name] = terms
        model.clear_objective()
        # A later level may improve an earlier one as a side effect: report the final values.
        self.levels = [
            LevelResult(name=lv.name, value=(v := self._value(self.terms[lv.name])), bound=min(lv.bound, v), proven=lv.proven or lv.bound >= v)
            for lv in self.levels
        ]

    def _spend(self, dtime: float, cost: float | None = None) -> None:
        """Count a call's deterministic time, and its cost against the budget (the same unless
        said otherwise: a neighbourhood call costs what its wall time would be worth)."""
        self.dtime += dtime
        self.spent += dtime if cost is None else cost

    def _neighbourhoods(self, expr, terms, current: int, units: float, neighbourhoods) -> int | None:
        """Large-neighbourhood search on one level, deterministic: each call frees the decision
        variables of one neighbourhood (`neighbourhoods()` yields them in a fixed order: a
        request left out and the sittings in its way, `_left_out`; related groups and the
        sittings sharing their leaders, `_split_groups`), fixes every other sitting as it is and
        re-solves the level. A better answer replaces the solution in hand. Passes repeat while
        one improves and the budget (`units`) lasts. This is what places the last requests and
        combines related ones on large weeks: CP-SAT's own neighbourhoods rarely free a request
        together with the sittings in its way (docs/model.md). None when the deadline came."""
        model, variables = self.ctx.model, len(self.ctx.model.proto.variables)
        lns_rate = neighbourhood_rate(variables)
        # a call's cost in budget units: its deterministic time at the neighbourhood rate, plus the presolve of the whole model
        to_units = self.rate / lns_rate
        overhead = PRESOLVE_SECONDS_PER_VARIABLE * variables * lns_rate
        spent, improved = 0.0, True
        model.minimize(expr)
        while improved and spent < units:
            improved = False
            for free in neighbourhoods():
                if spent + overhead * to_units >= units:
                    break
                if self.deadline.passed():
                    return None
                model.clear_hints()
                hint = model.proto.solution_hint
                fixed = [i for i in self.decisions if i not in free]
                hint.vars.extend(fixed)
                hint.values.extend(self.solution[i] for i in fixed)
                solver = cp_model.CpSolver()
                parameters(solver, self.options, min(NEIGHBOURHOOD_CALL_DTIME, max((units - spent) / to_units - overhead, 0.01)), self.deadline)
                solver.parameters.fix_variables_to_their_hinted_value = True
                status = solver.solve(model)
                dtime = solver.response_proto.deterministic_time
                cost = (dtime + overhead) * to_units
                logger.debug("neighbourhood: %d free, status %s, %.3f dtime, %.2f wall s, value %s -> %s", len(free), solver.status_name(status), dtime, solver.wall_time, current, solver.objective_value)
                spent += cost
                self._spend(dtime, cost)
                if status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE) and self.deadline.passed():
                    return None
                if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value < current:
                    self.solution = list(solver.response_proto.solution)
                    current = self._value(terms)
                    improved = True
        model.clear_hints()
        return current

    def _left_out(self):
        """Per request the solution in hand leaves out (in id order): its candidates and those of
        the requests it could sit with (so that their sittings can make way for a combined one),
        the chosen sittings that share a leader with it on a day it could sit, and, for a request with few
        possible starts (a fixed time, a narrow window: at most NARROW_STARTS), the chosen
        sittings holding one of its rooms at one of its times."""
        variables = self.ctx.vars
        held = {rid for v in variables if self.solution[v.present.index] for rid in v.candidate.request_ids}
        for rid in sorted(set(self.ctx.by_request) - held):
            solution = self.solution  # the one in hand: an earlier call of this pass may have replaced it
            own = self.ctx.by_request[rid]
            if any(solution[v.present.index] for v in own):
                continue  # placed by an earlier call of this pass
            leaders = {x for v in own for x in self.leaders_of[id(v)]}
            days = {day for v in own for day in v.days}
            partners = {x for v in own for x in v.candidate.request_ids}
            free = {i for x in sorted(partners) for v in self.ctx.by_request[x] for i in _decisions(v)} | self._sharing(leaders, days)
            spans = {(start, start + v.candidate.length) for v in own for start in v.starts}
            if len(spans) <= NARROW_STARTS:
                rooms = {room for v in own for room in v.rooms}
                for v in variables:
                    if solution[v.present.index] and any(solution[lit.index] for room, lit in v.rooms.items() if room in rooms):
                        start = solution[v.slot.index] * v.grain
                        if any(a < start + v.candidate.length and start < b for a, b in spans):
                            free.update(_decisions(v))
            yield free

    def _split_groups(self):
        """The free decision variables of each neighbourhood call. Related groups whose held
        requests sit in two or more sittings, those split the most first (then in the groups'
        order), joined until about NEIGHBOURHOOD_VARIABLES; each batch frees its groups'
        candidates and the sittings in hand that share a leader with them (recomputed per batch,
        as the solution changes)."""
        split = sorted(
            (-sittings, n) for n, group in enumerate(self.groups) if (sittings := sum(self.solution[v.present.index] for v in group)) > 1
        )
        batch: set[int] = set()
        leaders: set[str] = set()
        for _, n in split:
            group = self.groups[n]
            leaders |= {x for v in group for x in self.leaders_of[id(v)]}
            batch |= {i for v in group for i in _decisions(v)}
            if len(free := batch | self._sharing(leaders)) >= NEIGHBOURHOOD_VARIABLES:
                yield free
                batch, leaders = set(), set()
        if batch:
            yield batch | self._sharing(leaders)

    def _sharing(self, leaders: set[str], days: set[int] | None = None) -> set[int]:
        """The decision variables of the sittings in hand that one of `leaders` attends (on one of
        `days`, when given)."""
        solution = self.solution
        return {
            i for v in self.ctx.vars
            if solution[v.present.index] and self.leaders_of[id(v)] & leaders and (days is None or solution[v.slot.index] * v.grain // 1440 in days)
            for i in _decisions(v)
        }

    def _report(self, name: str, value: int, bound: int) -> None:
        """A plan is in hand (the warm start, or a level's): note the first, tell the progress bar."""
        if self.first is None:
            self.first = wallclock.monotonic() - self.started
        if self.on_progress:
            chosen = [v.candidate for v in self.ctx.vars if self.solution[v.present.index]]
            self.on_progress(Progress(
                name, value, bound, wallclock.monotonic() - self.started, dtime=self.dtime, scheduled=sum(len(c.request_ids) for c in chosen),
                combined=sum(len(c.request_ids) for c in chosen if len(c.request_ids) > 1), sittings=len(chosen),
            ))

    def _stop(self, name: str, terms, floor: int) -> None:
        """The deadline stopped the search at level `name`: the solution in hand stays, this
        level is reported unproven, and every later level is skipped."""
        self.stopped_at = name
        self.status = "FEASIBLE"
        self.levels.append(LevelResult(name=name, value=self._value(terms), bound=min(self._value(terms), floor), proven=False))
        self.terms[name] = terms

    def _value(self, terms) -> int:
        if self.solution is None:
            return 0
        return sum(c * self.solution[v.index] for c, v in terms)

    def _hint(self) -> None:
        model = self.ctx.model
        model.clear_hints()
        if self.solution is not None:
            for index, value in enumerate(self.solution):
                model.add_hint(model.get_int_var_from_proto_index(index), value)
        elif self.ctx.previous is not None:
            _hint_previous(self.ctx)

    def _warm_start(self) -> None:
        """The best construction heuristic's plan (baseline.py), made a complete assignment by
        fixing its choices and letting CP-SAT fill in the rest. A week whose warm start is a
        valid plan always gets a plan: a later level only ever improves on it. This one solve
        is not stopped by the deadline: it is the floor every run returns."""
        ctx = self.ctx
        for name, plan in warm_starts(ctx.problem, [v.candidate for v in ctx.vars], ctx.previous):
            choices = _choices(ctx, plan)
            if choices is None:
                continue
            if ctx.previous is not None:
                choices.update(_kept(ctx, choices))
            model = ctx.model.clone()
            for index, value in choices.items():
                var = model.get_int_var_from_proto_index(index)
                model.add(var == value)
            solver = cp_model.CpSolver()
            parameters(solver, SolveOptions(seed=self.options.seed, workers=1, deterministic=True), max(0.05 * self.options.time_limit * self.rate, 0.5))
            status = solver.solve(model)
            self._spend(solver.response_proto.deterministic_time)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                self.solution = list(solver.response_proto.solution)
                self.warm_name = name
                self._report("warm_start", 0, 0)
                return


def level_bound(status: int, objective: float, best_bound: float, current: int, floor: int) -> tuple[bool, int]:
    """(proven, lower bound) of a level whose solution in hand has value `current`, after a
    CP-SAT call that ended with `status`. Only an OPTIMAL or FEASIBLE answer carries a bound:
    a call stopped before its first answer (UNKNOWN) reports 0, which is no proof of anything
    (for the scheduling level, whose values are negative, it would read as "proven"); then the
    bound is the level's `floor`, the least its terms could ever sum to."""
    if status == cp_model.OPTIMAL and current == round(objective):
        return True, current
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False, min(current, math.ceil(best_bound - 1e-6))
    return False, min(current, floor)


def _decisions(v: CandidateVars) -> list[int]:
    """The indices of a candidate's decision variables: chosen, start, room and day."""
    return [v.present.index, v.slot.index, *(lit.index for lit in v.rooms.values()), *(lit.index for lit in v.days.values())]


def _neighbourhood_groups(problem: Problem, pairs: dict, variables: list[CandidateVars]) -> list[list[CandidateVars]]:
    """The candidates of each related group (related.groups) that has a combined candidate in
    the model, in the groups' order."""
    by_request: dict[str, list[CandidateVars]] = {}
    for v in variables:
        by_request.setdefault(v.candidate.request_ids[0], []).append(v)
    out = []
    for ids in related_groups(problem, pairs):
        vs = [v for rid in ids for v in by_request.get(rid, ())]
        if any(len(v.candidate.request_ids) > 1 for v in vs):
            out.append(vs)
    return out


def _bounds(var) -> tuple[int, int]:
    """A variable's lowest and highest value (its proto's repeated field has no [-1] that works)."""
    domain = list(var.proto.domain)
    return domain[0], domain[len(domain) - 1]


def _choices(ctx: ModelContext, plan: Plan) -> dict[int, int] | None:
    """The decision variables' values that give `plan`, or None when the plan uses a sitting
    the model has no candidate for."""
    problem = ctx.problem
    grain = problem.settings.grain_minutes
    by_ids = {(v.candidate.request_ids, v.candidate.minutes): v for v in ctx.vars}
    out: dict[int, int] = {}
    chosen = set()
    for s in plan.sittings:
        v = by_ids.get((s.request_ids, tuple(i.minutes for i in s.items)))
        start = problem.clock.minute(s.start)
        if v is None or start not in v.starts or s.room not in v.rooms:
            return None
        chosen.add(id(v))
        out[v.present.index] = 1
        out[v.slot.index] = start // grain
        for room, lit in v.rooms.items():
            out[lit.index] = int(room == s.room)
        for day, lit in v.days.items():
            out[lit.index] = int(day == start // 1440)
    for v in ctx.vars:
        if id(v) not in chosen:
            out[v.present.index] = 0
    return out


def _kept(ctx: ModelContext, choices: dict[int, int]) -> dict[int, int]:
    """The keep literals (stay_close_to_published) that the chosen plan earns."""
    grain = ctx.problem.settings.grain_minutes
    out = {}
    by_key = {v.candidate.key: v for v in ctx.vars}
    for key, (keep, start, room) in ctx.kept.items():
        v = by_key[key]
        on = choices.get(v.present.index) == 1 and choices.get(v.slot.index) == start // grain and choices.get(v.rooms[room].index if room in v.rooms else -1) == 1
        out[keep.index] = int(on)
    return out


def _hint_previous(ctx: ModelContext) -> None:
    """Hint the published plan's sittings where they can stay (re-planning)."""
    grain = ctx.problem.settings.grain_minutes
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


def extract(problem: Problem, variables: list[CandidateVars], solution: list[int]) -> tuple[Sitting, ...]:
    clock, index = problem.clock, problem.request_index
    out = []
    for v in variables:
        if not solution[v.present.index]:
            continue
        start = solution[v.slot.index] * v.grain
        room = next(r for r, lit in v.rooms.items() if solution[lit.index])
        c = v.candidate
        items = tuple(
            Item(
                request_id=rid, start=clock.at(start + off), end=clock.at(start + off + minutes),
                requested_minutes=index[rid].minutes, leaders=problem.by_rank(index[rid].everyone),
                units=index[rid].units, attendees=index[rid].attendees,
            )
            for rid, off, minutes in zip(c.request_ids, c.offsets, c.minutes)
        )
        out.append(Sitting(id=c.request_ids[0], room=room, chair=index[c.request_ids[0]].chair, start=items[0].start, end=items[-1].end, items=items))
    return tuple(sorted(out, key=lambda s: (s.start, s.room, s.id)))


# --- the levels, for staff ------------------------------------------------------------------

LEVEL_TITLES = {
    "schedule_requests": "排入申请", "stay_close_to_published": "少改动已发布安排", "fewer_sittings": "减少会议场次", "stronger_merges": "套开关联度",
    "fewer_attendance_trips": "减少参会人次", "avoid_shortening": "少压缩时长", "fewer_person_minutes": "减少人·小时", "rooms": "会议室选用",
    "preferences": "时间偏好与均衡",
}


def level_lines(plan: Plan) -> list[str]:
    """Each level of the staged solve in plain Chinese, claiming no more than was proven:
    "已排 44 项（已证明无法多排）", "会议 30 场（下界 28）"."""
    out = []
    for level in plan.stats.levels:
        proven = level.proven or level.bound >= level.value
        if level.name == "schedule_requests":
            placed = sum(len(s.items) for s in plan.sittings)
            most = -level.bound // SCHEDULE_BASE  # every placed request is worth at least SCHEDULE_BASE
            if plan.outcomes:  # and never more than the requests not returned
                most = min(most, sum(REJECTED not in o.codes for o in plan.outcomes))
            most = placed if proven else max(placed, most)
            out.append(f"已排{placed}项" + ("（已证明无法多排）" if proven or most == placed else f"（至多可排{most}项，未证明）"))
        elif level.name == "fewer_sittings":
            out.append(f"会议{level.value}场" + ("（已证明最少）" if proven else f"（下界{max(level.bound, 0)}场）"))
        elif level.name == "fewer_attendance_trips":
            out.append(f"参会{level.value}人次" + ("（已证明最少）" if proven else f"（下界{max(level.bound, 0)}人次）"))
        elif level.name == "avoid_shortening":
            out.append(f"压缩{level.value}项" + ("（已证明最少）" if proven else f"（下界{max(level.bound, 0)}项）"))
        elif level.name == "fewer_person_minutes":
            out.append(f"{level.value / 60:.0f}人·小时" + ("（已证明最少）" if proven else f"（下界{max(level.bound, 0) / 60:.0f}人·小时）"))
        else:
            title = LEVEL_TITLES.get(level.name, level.name)
            out.append(f"{title}{'已证明最优' if proven else '未证明最优'}")
    if plan.stats.stopped_at:
        title = LEVEL_TITLES.get(plan.stats.stopped_at, plan.stats.stopped_at)
        out.append(f"注意：运行超过时限，在「{title}」一级停止，此后各级未再优化（方案仍满足全部硬性规则）；可增大 time_limit_seconds 或 --time-limit")
    return out
