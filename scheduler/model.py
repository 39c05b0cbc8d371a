"""The CP-SAT model: one `post_<rule>` per rule in the catalogue, posted in order.

Formulation (see docs/model.md): the model chooses among *candidate sittings* (related.py): each
request alone, alone at its minimum length, or combined with related requests. A chosen
candidate has a start slot (a multiple of the grain, restricted by its items' half-days), one
room, and one day. Leaders are busy only during their own items (optional intervals with an
affine start), the chair throughout. Time is minutes from Monday 00:00.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .domain import Plan, Problem
from .related import Candidate
from .timegrid import item_starts

# The objective is lexicographic through weights: each level outweighs everything below it.
SCHEDULE_BASE, SCHEDULE_URGENT, SCHEDULE_ANNUAL = 10, 2, 1


@dataclass
class CandidateVars:
    candidate: Candidate
    present: cp_model.IntVar
    slot: cp_model.IntVar
    starts: tuple[int, ...]  # allowed start minutes
    rooms: dict[str, cp_model.IntVar] = field(default_factory=dict)
    days: dict[int, cp_model.IntVar] = field(default_factory=dict)
    grain: int = 15

    @property
    def start(self):
        return self.slot * self.grain

    def leader_spans(self, problem: Problem, leader_id: str) -> list[tuple[int, int]]:
        """(offset, length) spans in which the leader is needed: the chair throughout."""
        c = self.candidate
        index = problem.request_index
        chair = index[c.request_ids[0]].chair
        if leader_id == chair:
            return [(0, c.length)]
        spans: list[list[int]] = []
        for rid, offset, minutes in zip(c.request_ids, c.offsets, c.minutes):
            if leader_id in index[rid].leaders:
                if spans and spans[-1][0] + spans[-1][1] == offset:
                    spans[-1][1] += minutes
                else:
                    spans.append([offset, minutes])
        return [tuple(s) for s in spans]

    def leaders(self, problem: Problem) -> set[str]:
        index = problem.request_index
        return {x for rid in self.candidate.request_ids for x in index[rid].everyone}

    def value(self, solver: cp_model.CpSolver) -> tuple[int, str, int] | None:
        """(start minute, room id, day) of a chosen candidate, else None."""
        if not solver.boolean_value(self.present):
            return None
        room = next(r for r, lit in self.rooms.items() if solver.boolean_value(lit))
        start = solver.value(self.slot) * self.grain
        return start, room, start // 1440


@dataclass
class ModelContext:
    problem: Problem
    model: cp_model.CpModel
    vars: list[CandidateVars]
    by_request: dict[str, list[CandidateVars]]
    objective_terms: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    weights: dict[str, int] = field(default_factory=dict)
    previous: Plan | None = None  # the published plan a what-if stays close to
    kept: dict[str, tuple] = field(default_factory=dict)  # candidate key -> (keep literal, start, room)


def compatible_rooms(problem: Problem, request_ids) -> list[str]:
    index = problem.request_index
    size = max(index[r].attendees for r in request_ids)
    video = any(index[r].needs_video for r in request_ids)
    return [room.id for room in problem.rooms if room.capacity >= size and (room.video or not video)]


def candidate_starts(problem: Problem, c: Candidate) -> tuple[int, ...]:
    index = problem.request_index
    allowed = None
    for rid, offset, minutes in zip(c.request_ids, c.offsets, c.minutes):
        starts = {s - offset for s in item_starts(problem, index[rid], minutes)}
        allowed = starts if allowed is None else allowed & starts
    grain = problem.settings.grain_minutes
    return tuple(sorted(s for s in allowed if s % grain == 0))


def _variables(problem: Problem, candidates, previous: Plan | None = None) -> ModelContext:
    model = cp_model.CpModel()
    grain = problem.settings.grain_minutes
    out, by_request = [], defaultdict(list)
    for c in candidates:
        starts = candidate_starts(problem, c)
        rooms = compatible_rooms(problem, c.request_ids)
        if not starts or not rooms:
            continue  # never placeable; explain() says why
        v = CandidateVars(
            candidate=c, present=model.new_bool_var(f"present[{c.key}]"),
            slot=model.new_int_var_from_domain(cp_model.Domain.from_values([s // grain for s in starts]), f"slot[{c.key}]"),
            starts=starts, grain=grain,
        )
        v.rooms = {r: model.new_bool_var(f"room[{c.key},{r}]") for r in rooms}
        days = sorted({s // 1440 for s in starts})
        v.days = {d: model.new_bool_var(f"day[{c.key},{d}]") for d in days}
        out.append(v)
        for rid in c.request_ids:
            by_request[rid].append(v)
    return ModelContext(problem, model, out, dict(by_request), previous=previous)


# --- hard rules -----------------------------------------------------------------------------


def post_each_request_once(ctx: ModelContext) -> None:
    for vs in ctx.by_request.values():
        ctx.model.add_at_most_one(v.present for v in vs)


def post_one_room_and_day(ctx: ModelContext) -> None:
    """Structure: a chosen candidate has exactly one room and one day, and its start is on it."""
    grain = ctx.problem.settings.grain_minutes
    for v in ctx.vars:
        ctx.model.add(sum(v.rooms.values()) == v.present)
        ctx.model.add(sum(v.days.values()) == v.present)
        for day, lit in v.days.items():
            slots = [s // grain for s in v.starts if s // 1440 == day]
            ctx.model.add_linear_expression_in_domain(v.slot, cp_model.Domain.from_values(slots)).only_enforce_if(lit)


def _union(spans) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _fixed_interval(model, start: int, end: int, name: str):
    return model.new_fixed_size_interval_var(start, end - start, name)


def post_room_not_double_booked(ctx: ModelContext) -> None:
    problem, model = ctx.problem, ctx.model
    clock = problem.clock
    per_room = defaultdict(list)
    for v in ctx.vars:
        for room, lit in v.rooms.items():
            per_room[room].append(model.new_optional_fixed_size_interval_var(v.start, v.candidate.length, lit, f"in_room[{v.candidate.key},{room}]"))
    fixed = defaultdict(list)
    for r in problem.receptions:
        if r.room:
            fixed[r.room].append((clock.minute(r.start), clock.minute(r.end)))
    for room, spans in fixed.items():
        for n, (start, end) in enumerate(_union(spans)):
            per_room[room].append(_fixed_interval(model, start, end, f"reception[{room},{n}]"))
    for intervals in per_room.values():
        model.add_no_overlap(intervals)


def post_room_fits_attendees(ctx: ModelContext) -> None:
    """Posted by construction: a candidate only has literals for rooms that hold it (and have
    video when an item needs it: video_needs_video_room)."""


def _fixed_busy(problem: Problem):
    """Per leader: fixed (start, end, building or None) from receptions and commitments."""
    clock, rooms = problem.clock, problem.room_index
    out = defaultdict(list)
    for r in problem.receptions:
        for leader in r.leaders:
            out[leader].append((clock.minute(r.start), clock.minute(r.end), rooms[r.room].building if r.room in rooms else None))
    for c in problem.commitments:
        out[c.leader].append((max(clock.minute(c.start), -1440), min(clock.minute(c.end), 8 * 1440), None))
    return out


def post_leader_not_double_booked(ctx: ModelContext) -> None:
    problem, model = ctx.problem, ctx.model
    per_leader = defaultdict(list)
    for v in ctx.vars:
        for leader in sorted(v.leaders(problem)):
            for offset, length in v.leader_spans(problem, leader):
                per_leader[leader].append(model.new_optional_fixed_size_interval_var(v.start + offset, length, v.present, f"busy[{leader},{v.candidate.key}]"))
    for leader, spans in _fixed_busy(problem).items():
        # Fixed things may overlap each other (a reception during a commitment): join them first.
        for n, (start, end) in enumerate(_union((a, b) for a, b, _ in spans)):
            per_leader[leader].append(_fixed_interval(model, start, end, f"fixed[{leader},{n}]"))
    for intervals in per_leader.values():
        model.add_no_overlap(intervals)


def _building_literals(ctx: ModelContext, v: CandidateVars) -> dict[str, object]:
    rooms = ctx.problem.room_index
    by_building = defaultdict(list)
    for room, lit in v.rooms.items():
        by_building[rooms[room].building].append(lit)
    return by_building


def post_leader_travel_buffer(ctx: ModelContext) -> None:
    """A leader moving between buildings needs the travel buffer; within one building not.

    One cumulative per leader and building B, capacity K: each of the leader's spans in B,
    widened by the buffer on both sides, uses 1; each span elsewhere uses K. Widened spans in B
    may overlap each other (back to back in one building is fine, and fewer than K of them can
    meet at one moment), but none may reach a span in another building. Receptions with a known
    building take part as fixed spans. Linear in the number of spans, unlike posting pairs.
    """
    problem, model = ctx.problem, ctx.model
    buffer = problem.settings.travel_buffer_minutes
    buildings = sorted({room.building for room in problem.rooms})
    if buffer <= 0 or len(buildings) < 2:
        return
    capacity = 2 * (-(-2 * buffer // problem.settings.grain_minutes)) + 2
    per_leader = defaultdict(lambda: defaultdict(list))  # leader -> building -> [(interval, demand)]
    for v in ctx.vars:
        by_building = _building_literals(ctx, v)
        inside = {}
        for building in buildings:
            lits = by_building.get(building, [])
            inside[building] = model.new_bool_var(f"in_building[{v.candidate.key},{building}]")
            model.add(inside[building] == sum(lits))
        for leader in sorted(v.leaders(problem)):
            a_from, a_to = _leader_extent(v, problem, leader)
            for building in buildings:
                if by_building.get(building):
                    wide = model.new_optional_fixed_size_interval_var(
                        v.start + a_from - buffer, a_to - a_from + 2 * buffer, inside[building], f"wide[{leader},{v.candidate.key},{building}]"
                    )
                    per_leader[leader][building].append((wide, 1))
                elsewhere = model.new_bool_var(f"elsewhere[{leader},{v.candidate.key},{building}]")
                model.add(elsewhere == v.present - inside[building])
                span = model.new_optional_fixed_size_interval_var(v.start + a_from, a_to - a_from, elsewhere, f"span[{leader},{v.candidate.key},{building}]")
                per_leader[leader][building].append((span, capacity))
    for leader, spans in _fixed_busy(problem).items():
        if leader not in per_leader:
            continue
        for n, (start, end, where) in enumerate(spans):
            if where is None:
                continue
            for building in buildings:
                if building == where:
                    per_leader[leader][building].append((_fixed_interval(model, start - buffer, end + buffer, f"fixed_wide[{leader},{n}]"), 1))
                else:
                    per_leader[leader][building].append((_fixed_interval(model, start, end, f"fixed_span[{leader},{n},{building}]"), capacity))
    for leader in sorted(per_leader):
        for items in per_leader[leader].values():
            if any(d == 1 for _, d in items) and any(d == capacity for _, d in items):
                model.add_cumulative([i for i, _ in items], [d for _, d in items], capacity)


def _leader_extent(v: CandidateVars, problem: Problem, leader: str) -> tuple[int, int]:
    """From the leader's first arrival to last departure in a candidate, as offsets."""
    spans = v.leader_spans(problem, leader)
    return spans[0][0], spans[-1][0] + spans[-1][1]


def post_leader_daily_cap(ctx: ModelContext) -> None:
    problem, model = ctx.problem, ctx.model
    fixed = defaultdict(int)
    for r in problem.receptions:
        for leader in r.leaders:
            fixed[(leader, (r.start.date() - problem.week).days)] += 1
    for leader in problem.leaders:
        if leader.max_per_day is None:
            continue
        per_day = defaultdict(list)
        for v in ctx.vars:
            if leader.id in v.leaders(problem):
                for day, lit in v.days.items():
                    per_day[day].append(lit)
        for day, lits in per_day.items():
            model.add(sum(lits) <= max(leader.max_per_day - fixed[(leader.id, day)], 0))


# Rules that hold by construction of the candidates and their start domains.
def post_within_office_hours(ctx: ModelContext) -> None:
    """Start domains only hold starts whose items fit inside a half-day of a working day."""


post_fixed_events_kept = post_within_request_window = post_within_part_of_day = post_within_office_hours
post_no_meeting_day = post_within_kind_max_length = post_video_needs_video_room = post_within_office_hours
post_sitting_is_well_formed = post_within_office_hours


# --- soft rules -----------------------------------------------------------------------------


def post_schedule_requests(ctx: ModelContext) -> None:
    index = ctx.problem.request_index
    for v in ctx.vars:
        value = 0
        for rid in v.candidate.request_ids:
            r = index[rid]
            value += SCHEDULE_BASE + SCHEDULE_URGENT * r.urgent + SCHEDULE_ANNUAL * r.in_annual_plan
        ctx.objective_terms["schedule_requests"].append((-value, v.present))


def post_stay_close_to_published(ctx: ModelContext) -> None:
    """Re-planning a published week (what-if): every item that keeps its sitting, start and
    room earns its keep; ranked just below scheduling every request, above everything else."""
    if ctx.previous is None:
        return
    grain = ctx.problem.settings.grain_minutes
    clock = ctx.problem.clock
    by_key = {(v.candidate.request_ids, v.candidate.minutes): v for v in ctx.vars}
    for sitting in ctx.previous.sittings:
        key = (sitting.request_ids, tuple(i.minutes for i in sitting.items))
        v = by_key.get(key)
        start = clock.minute(sitting.start)
        if v is None or start not in v.starts:
            continue
        keep = ctx.model.new_bool_var(f"keep[{v.candidate.key}]")
        ctx.model.add_implication(keep, v.present)
        ctx.model.add(v.slot == start // grain).only_enforce_if(keep)
        if sitting.room in v.rooms:  # the same room too: a new LOCATION is a change as well
            ctx.model.add_implication(keep, v.rooms[sitting.room])
        ctx.kept[v.candidate.key] = (keep, start, sitting.room)
        ctx.objective_terms["stay_close_to_published"].append((-len(sitting.items), keep))


def post_fewer_sittings(ctx: ModelContext) -> None:
    for v in ctx.vars:
        ctx.objective_terms["fewer_sittings"].append((1, v.present))


def post_avoid_shortening(ctx: ModelContext) -> None:
    for v in ctx.vars:
        if v.candidate.shortened:
            ctx.objective_terms["avoid_shortening"].append((len(v.candidate.request_ids), v.present))


def person_minutes(problem: Problem, c: Candidate) -> int:
    """Attendees x minutes, leaders included: the chair throughout, others for their items."""
    index = problem.request_index
    chair_minutes = c.length
    total = chair_minutes
    for rid, minutes in zip(c.request_ids, c.minutes):
        r = index[rid]
        total += minutes * (max(r.attendees - 1, 0))
    return total


def post_fewer_person_minutes(ctx: ModelContext) -> None:
    for v in ctx.vars:
        ctx.objective_terms["fewer_person_minutes"].append((person_minutes(ctx.problem, v.candidate), v.present))


def post_prefer_urgent_early(ctx: ModelContext) -> None:
    index = ctx.problem.request_index
    for v in ctx.vars:
        urgent = sum(index[rid].urgent for rid in v.candidate.request_ids)
        if urgent:
            for day, lit in v.days.items():
                if day:
                    ctx.objective_terms["prefer_urgent_early"].append((2 * urgent * day, lit))


def post_prefer_asked_day(ctx: ModelContext) -> None:
    index, week = ctx.problem.request_index, ctx.problem.week
    for v in ctx.vars:
        for day, lit in v.days.items():
            late = sum(max(day - (index[rid].earliest - week).days, 0) for rid in v.candidate.request_ids if index[rid].earliest)
            if late:
                ctx.objective_terms["prefer_asked_day"].append((late, lit))


def post_even_leader_load(ctx: ModelContext) -> None:
    """Per leader, the busiest day's number of sittings, summed over leaders."""
    problem, model = ctx.problem, ctx.model
    per_leader = defaultdict(lambda: defaultdict(list))
    for v in ctx.vars:
        for leader in v.leaders(problem):
            for day, lit in v.days.items():
                per_leader[leader][day].append(lit)
    for leader, days in sorted(per_leader.items()):
        if len({id(lit) for lits in days.values() for lit in lits}) < 3:
            continue
        peak = model.new_int_var(0, 10, f"peak[{leader}]")
        for lits in days.values():
            model.add(sum(lits) <= peak)
        ctx.objective_terms["even_leader_load"].append((3, peak))


BUILDERS = {
    "each_request_once": post_each_request_once,
    "one_room_and_day": post_one_room_and_day,
    "leader_not_double_booked": post_leader_not_double_booked,
    "leader_travel_buffer": post_leader_travel_buffer,
    "room_not_double_booked": post_room_not_double_booked,
    "room_fits_attendees": post_room_fits_attendees,
    "video_needs_video_room": post_video_needs_video_room,
    "within_office_hours": post_within_office_hours,
    "fixed_events_kept": post_fixed_events_kept,
    "within_request_window": post_within_request_window,
    "within_part_of_day": post_within_part_of_day,
    "within_kind_max_length": post_within_kind_max_length,
    "no_meeting_day": post_no_meeting_day,
    "leader_daily_cap": post_leader_daily_cap,
    "sitting_is_well_formed": post_sitting_is_well_formed,
    "schedule_requests": post_schedule_requests,
    "stay_close_to_published": post_stay_close_to_published,
    "fewer_sittings": post_fewer_sittings,
    "avoid_shortening": post_avoid_shortening,
    "fewer_person_minutes": post_fewer_person_minutes,
    "prefer_urgent_early": post_prefer_urgent_early,
    "prefer_asked_day": post_prefer_asked_day,
    "even_leader_load": post_even_leader_load,
}
# Soft levels from the most to the least important (SPEC §5); each outweighs all below it.
LEVELS = ("schedule_requests", "stay_close_to_published", "fewer_sittings", "avoid_shortening", "fewer_person_minutes", "preferences")
PREFERENCES = ("prefer_urgent_early", "prefer_asked_day", "even_leader_load")


def _level_range(terms, upper_bound_for_var) -> int:
    return sum(abs(coef) * upper_bound_for_var(var) for coef, var in terms)


def set_objective(ctx: ModelContext, scale_person_minutes: int = 1) -> None:
    """Weighted sum in strict priority: weight(level) > sum of the ranges of all lower levels."""
    def ub(var):
        return 10 if var.name.startswith("peak") else 1

    terms = {level: list(ctx.objective_terms.get(level, [])) for level in LEVELS[:-1]}
    terms["preferences"] = [t for p in PREFERENCES for t in ctx.objective_terms.get(p, [])]
    terms["fewer_person_minutes"] = [(-(-coef // scale_person_minutes), var) for coef, var in terms["fewer_person_minutes"]]
    weight = 1
    variables, coefficients = [], []
    for level in reversed(LEVELS):
        ctx.weights[level] = weight
        for coef, var in terms[level]:
            variables.append(var)
            coefficients.append(weight * coef)
        weight *= _level_range(terms[level], ub) + 1
    ctx.model.minimize(cp_model.LinearExpr.weighted_sum(variables, coefficients))


def build_model(problem: Problem, candidates, previous: Plan | None = None) -> ModelContext:
    ctx = _variables(problem, candidates, previous)
    for builder in BUILDERS.values():
        builder(ctx)
    # Keep the weights far from int64 limits on very large weeks by coarsening person-minutes.
    scale = 1
    while True:
        set_objective(ctx, scale)
        top = ctx.weights["schedule_requests"] * sum(abs(c) for c, _ in ctx.objective_terms["schedule_requests"])
        if top < 2**52 or scale > 10**6:
            break
        scale *= 10
    return ctx

