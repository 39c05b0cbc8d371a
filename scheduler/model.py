"""The CP-SAT model: one `post_<rule>` per rule in the catalogue (rules.py), looked up by name.
Hard rules post constraints; soft rules add terms to their level of the staged objective
(solve.py minimises the levels one after the other).

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

from .busy import fixed_busy
from .domain import Plan, Problem
from .related import Candidate
from .timegrid import sitting_starts

# Scheduling value of a request: small integers (the levels are solved one after the other, so
# no level needs weights that outweigh another). Every request is worth at least SCHEDULE_BASE,
# so the count of requests placed is at most the level's value / SCHEDULE_BASE.
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
    """The rooms a sitting of these requests may use: they hold everyone (room_fits_attendees),
    have video if an item needs it (video_needs_video_room), and are of one of the
    `room_size_choices` smallest sizes that do (room_not_oversized)."""
    index = problem.request_index
    size = max(index[r].attendees for r in request_ids)
    video = any(index[r].needs_video for r in request_ids)
    fitting = [room for room in problem.rooms if room.capacity >= size and (room.video or not video)]
    sizes = sorted({room.capacity for room in fitting})[: problem.settings.room_size_choices]
    return [room.id for room in fitting if room.capacity in sizes]


def candidate_starts(problem: Problem, c: Candidate) -> tuple[int, ...]:
    index = problem.request_index
    return sitting_starts(problem, [(index[rid], offset, minutes) for rid, offset, minutes in zip(c.request_ids, c.offsets, c.minutes)])


def attendance(problem: Problem, c: Candidate) -> int:
    """Attendance trips (参会人次) of a candidate: each leader and unit counts once per sitting."""
    index = problem.request_index
    return len({("leader", x) for rid in c.request_ids for x in index[rid].everyone} | {("unit", u) for rid in c.request_ids for u in index[rid].units})


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
        # A chosen candidate has exactly one room and one day, and its start is on that day.
        model.add(sum(v.rooms.values()) == v.present)
        model.add(sum(v.days.values()) == v.present)
        for day, lit in v.days.items():
            model.add_linear_expression_in_domain(v.slot, cp_model.Domain.from_values([s // grain for s in starts if s // 1440 == day])).only_enforce_if(lit)
        out.append(v)
        for rid in c.request_ids:
            by_request[rid].append(v)
    return ModelContext(problem, model, out, dict(by_request), previous=previous)


# --- hard rules -----------------------------------------------------------------------------


def post_each_request_once(ctx: ModelContext) -> None:
    for vs in ctx.by_request.values():
        ctx.model.add_at_most_one(v.present for v in vs)


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
    """Per leader: fixed (start, end, building or None) in week minutes (busy.py's spans)."""
    clock = problem.clock
    return {
        leader: [(max(clock.minute(b.start), -1440), min(clock.minute(b.end), 8 * 1440), b.building) for b in spans]
        for leader, spans in fixed_busy(problem).items()
    }


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

    Only where two buildings can meet (_contested_days): a span takes part only if, widened by
    the buffer, it can touch a day on which the leader could be in two buildings; a building has
    a cumulative only if the leader could be in it on such a day and a sitting of theirs takes
    part. Exact: two spans in different buildings closer than the buffer both touch the day of
    the minute where they come too close, so that day is contested and both take part. Fixed
    spans against each other are given, not checked (rules.py asks the buffer next to a
    sitting), so they never clash among themselves (_fixed_travel).
    """
    problem, model = ctx.problem, ctx.model
    buffer = problem.settings.travel_buffer_minutes
    if buffer <= 0 or len({room.building for room in problem.rooms}) < 2:
        return
    capacity = 2 * (-(-2 * buffer // problem.settings.grain_minutes)) + 2
    fixed = _fixed_busy(problem)
    contested = _contested_days(ctx, buffer, fixed)
    buildings = {leader: sorted(set().union(*days.values())) for leader, days in contested.items()}
    per_leader = defaultdict(lambda: defaultdict(list))  # leader -> building -> [(interval, demand)]
    for v in ctx.vars:
        leaders = [x for x in sorted(v.leaders(problem)) if x in contested and _candidate_reach(v, problem, x, buffer) & contested[x].keys()]
        if not leaders:
            continue
        inside, elsewhere = _building_presence(ctx, v, sorted(set().union(*(buildings[x] for x in leaders))))
        for leader in leaders:
            a_from, a_to = _leader_extent(v, problem, leader)
            for building in buildings[leader]:
                if building in inside:
                    wide = model.new_optional_fixed_size_interval_var(
                        v.start + a_from - buffer, a_to - a_from + 2 * buffer, inside[building], f"wide[{leader},{v.candidate.key},{building}]"
                    )
                    per_leader[leader][building].append((wide, 1))
                span = model.new_optional_fixed_size_interval_var(v.start + a_from, a_to - a_from, elsewhere[building], f"span[{leader},{v.candidate.key},{building}]")
                per_leader[leader][building].append((span, capacity))
    for leader in sorted(per_leader):
        spans = [(a, b, where) for a, b, where in fixed.get(leader, ()) if where is not None and _reach(a - buffer, b + buffer) & contested[leader].keys()]
        for building in buildings[leader]:
            items = per_leader[leader][building]
            if not items:
                continue
            for n, (start, end) in enumerate(_fixed_travel(spans, building, buffer)):
                items.append((_fixed_interval(model, start, end, f"fixed_travel[{leader},{building},{n}]"), 1))
            for n, (start, end) in enumerate(_union((a, b) for a, b, where in spans if where != building)):
                items.append((_fixed_interval(model, start, end, f"fixed_span[{leader},{building},{n}]"), capacity))
            if any(d == 1 for _, d in items) and any(d == capacity for _, d in items):
                model.add_cumulative([i for i, _ in items], [d for _, d in items], capacity)


def _reach(lo: int, hi: int) -> set[int]:
    """The week days (minute // 1440) that the minutes [lo, hi) touch."""
    return set(range(lo // 1440, (hi - 1) // 1440 + 1))


def _candidate_reach(v: CandidateVars, problem: Problem, leader: str, buffer: int) -> set[int]:
    """The days the leader's span in the candidate, widened by the buffer, can touch: its start
    days, and a neighbouring day only if a start near midnight (with the buffer) gets there."""
    a_from, a_to = _leader_extent(v, problem, leader)
    first, last = {}, {}  # per start day: the earliest and the latest start
    for s in v.starts:
        first[s // 1440] = min(first.get(s // 1440, s), s)
        last[s // 1440] = max(last.get(s // 1440, s), s)
    return set().union(*(_reach(first[d] + a_from - buffer, last[d] + a_to + buffer) for d in first))


def _contested_days(ctx: ModelContext, buffer: int, fixed) -> dict[str, dict[int, set[str]]]:
    """Per leader with any candidate: the days on which they could be in two buildings (the
    buildings of every candidate and reception with a building whose span, widened by the
    buffer, can touch the day), with those buildings. Other days need no travel buffer."""
    problem, rooms = ctx.problem, ctx.problem.room_index
    possible = defaultdict(lambda: defaultdict(set))  # leader -> day -> buildings
    for v in ctx.vars:
        where = {rooms[room].building for room in v.rooms}
        for leader in v.leaders(problem):
            for day in _candidate_reach(v, problem, leader, buffer):
                possible[leader][day] |= where
    for leader in list(possible):
        for start, end, where in fixed.get(leader, ()):
            if where is not None:  # commitments: their place is unknown, so no buffer (busy.py)
                for day in _reach(start - buffer, end + buffer):
                    possible[leader][day].add(where)
    contested = {leader: {d: b for d, b in days.items() if len(b) > 1} for leader, days in possible.items()}
    return {leader: days for leader, days in contested.items() if days}


def _fixed_travel(spans, building: str, buffer: int) -> list[tuple[int, int]]:
    """The leader's fixed spans in the building widened by the buffer, less the fixed spans
    elsewhere: two receptions close together in two buildings are given (the check asks the
    buffer only next to a sitting), so they must not overload the cumulative by themselves."""
    holes = _union((a, b) for a, b, where in spans if where != building)
    out = []
    for a, b in _union((a - buffer, b + buffer) for a, b, where in spans if where == building):
        for h0, h1 in holes:
            if h0 < b and a < h1:
                if a < h0:
                    out.append((a, h0))
                a = max(a, h1)
        if a < b:
            out.append((a, b))
    return out


def _building_presence(ctx: ModelContext, v: CandidateVars, buildings) -> tuple[dict, dict]:
    """Literals for "the candidate sits in building B" (only buildings where it has a room) and
    "it sits, but not in B" (every building given; they include all of the candidate's). New
    variables only where no existing literal says it: a candidate with rooms in one building is
    there exactly when present; with rooms in two, being elsewhere than one is being in the other."""
    model = ctx.model
    by_building = _building_literals(ctx, v)
    inside = {}
    for building in buildings:
        lits = by_building.get(building)
        if not lits:
            continue
        if len(by_building) == 1:
            inside[building] = v.present
        elif len(lits) == 1:
            inside[building] = lits[0]
        else:
            inside[building] = model.new_bool_var(f"in_building[{v.candidate.key},{building}]")
            model.add(inside[building] == sum(lits))
    elsewhere = {}
    for building in buildings:
        others = [b for b in inside if b != building]
        if building not in inside:
            elsewhere[building] = v.present
        elif len(others) == 1:
            elsewhere[building] = inside[others[0]]
        else:
            elsewhere[building] = model.new_bool_var(f"elsewhere[{v.candidate.key},{building}]")
            model.add(elsewhere[building] == v.present - inside[building])
    return inside, elsewhere


def _leader_extent(v: CandidateVars, problem: Problem, leader: str) -> tuple[int, int]:
    """From the leader's first arrival to last departure in a candidate, as offsets."""
    spans = v.leader_spans(problem, leader)
    return spans[0][0], spans[-1][0] + spans[-1][1]


def post_leader_daily_cap(ctx: ModelContext) -> None:
    problem, model = ctx.problem, ctx.model
    fixed = defaultdict(int)
    for leader, spans in fixed_busy(problem).items():
        for b in spans:
            if b.source == "reception":
                fixed[(leader, (b.start.date() - problem.week).days)] += 1
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
post_room_not_oversized = post_room_fits_attendees  # compatible_rooms


def post_sitting_is_well_formed(ctx: ModelContext) -> None:
    """Candidates (related.py) are connected sets of related requests of one chair, within the
    length and item limits; their items run back to back by construction."""


def post_approval_returned(ctx: ModelContext) -> None:
    """Returned requests (退回) get no candidate at all (related.candidates)."""


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


def post_stronger_merges(ctx: ModelContext) -> None:
    """Among plans with as many sittings, prefer combinations whose matter is more related."""
    for v in ctx.vars:
        if v.candidate.strength:
            ctx.objective_terms["stronger_merges"].append((-v.candidate.strength, v.present))


def post_fewer_attendance_trips(ctx: ModelContext) -> None:
    """A leader or unit attending k items of one sitting comes once, not k times."""
    for v in ctx.vars:
        ctx.objective_terms["fewer_attendance_trips"].append((attendance(ctx.problem, v.candidate), v.present))


def post_avoid_shortening(ctx: ModelContext) -> None:
    for v in ctx.vars:
        if v.candidate.shortened:
            ctx.objective_terms["avoid_shortening"].append((len(v.candidate.request_ids), v.present))


def person_minutes(problem: Problem, c: Candidate) -> int:
    """Attendees x minutes, leaders included: the chair throughout, others for their items."""
    index = problem.request_index
    total = c.length
    for rid, minutes in zip(c.request_ids, c.minutes):
        total += minutes * (max(index[rid].attendees - 1, 0))
    return total


def post_fewer_person_minutes(ctx: ModelContext) -> None:
    for v in ctx.vars:
        ctx.objective_terms["fewer_person_minutes"].append((person_minutes(ctx.problem, v.candidate), v.present))


def post_smallest_room(ctx: ModelContext) -> None:
    """The smallest room that holds the sitting: each larger size of room that would also do
    costs 1 (rooms of one size cost the same)."""
    rooms = ctx.problem.room_index
    for v in ctx.vars:
        sizes = sorted({rooms[r].capacity for r in v.rooms})
        for room, lit in v.rooms.items():
            rank = sizes.index(rooms[room].capacity)
            if rank:
                ctx.objective_terms["smallest_room"].append((rank, lit))


def post_chair_keeps_room(ctx: ModelContext) -> None:
    """A chair's sittings of one day in one room where possible: each room beyond the first
    that a chair uses on a day costs 1 (a day with no sitting costs nothing)."""
    problem, model = ctx.problem, ctx.model
    index = problem.request_index
    per_chair = defaultdict(list)
    for v in ctx.vars:
        per_chair[index[v.candidate.request_ids[0]].chair].append(v)
    for chair, vs in sorted(per_chair.items()):
        if len({rid for v in vs for rid in v.candidate.request_ids}) < 2:
            continue
        used, day_lits = {}, defaultdict(list)
        for v in vs:
            for day, day_lit in v.days.items():
                day_lits[day].append(day_lit)
                for room, room_lit in v.rooms.items():
                    if (day, room) not in used:
                        used[(day, room)] = model.new_bool_var(f"chair_room[{chair},{day},{room}]")
                        ctx.objective_terms["chair_keeps_room"].append((1, used[(day, room)]))
                    model.add_bool_or([day_lit.negated(), room_lit.negated(), used[(day, room)]])
        for day, lits in sorted(day_lits.items()):
            any_sitting = model.new_bool_var(f"chair_day[{chair},{day}]")
            model.add(any_sitting <= sum(lits))
            ctx.objective_terms["chair_keeps_room"].append((-1, any_sitting))


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
    """Per leader, the busiest day's number of sittings, summed over leaders. The peak's upper
    bound is what the candidates could ever put on one day: no hidden cap."""
    problem, model = ctx.problem, ctx.model
    per_leader = defaultdict(lambda: defaultdict(list))
    for v in ctx.vars:
        for leader in v.leaders(problem):
            for day, lit in v.days.items():
                per_leader[leader][day].append(lit)
    for leader, days in sorted(per_leader.items()):
        if len({id(lit) for lits in days.values() for lit in lits}) < 3:
            continue
        peak = model.new_int_var(0, max(len(lits) for lits in days.values()), f"peak[{leader}]")
        for lits in days.values():
            model.add(sum(lits) <= peak)
        ctx.objective_terms["even_leader_load"].append((1, peak))


BUILDERS = {name[len("post_"):]: fn for name, fn in sorted(globals().items()) if name.startswith("post_") and callable(fn)}


def build_model(problem: Problem, candidates, previous: Plan | None = None) -> ModelContext:
    """Variables for the candidates, then every rule of the catalogue posted by its builder."""
    from .rules import CATALOGUE  # rules.py imports this module's helpers for its checks

    ctx = _variables(problem, candidates, previous)
    for rule in CATALOGUE:
        BUILDERS[rule.name](ctx)
    return ctx
