"""Construction heuristics: plans built one request at a time, each request on its own sitting
at the first free time and the smallest room that fits.

- `baseline_plan` is what staff do by hand, the benchmark's yardstick: first come, first served
  in priority order (urgent, annual plan, then submission time), at the length asked for. Like
  staff working by hand it does not cut a meeting to its type's maximum
  (`within_kind_max_length`), so it may break that one rule.
- `warm_starts` are the solver's seeds: the same greedy at each request's planned length (every
  hard rule kept), in several orders — priority, most constrained first (fewest possible starts,
  then longest), longest first — then a repair pass (a request left out may take the place of
  one sitting in its way when that sitting fits elsewhere), best first by the scheduling level's
  value.
"""

from __future__ import annotations

from collections import defaultdict

from .busy import RECEPTION, fixed_busy
from .domain import Item, Plan, Problem, RETURNED, MeetingRequest, Sitting, SolveStats
from .model import compatible_rooms
from .related import Candidate, planned_minutes
from .timegrid import item_starts, sitting_starts


def _priority(r: MeetingRequest):
    return (not r.urgent, not r.in_annual_plan, r.submitted_at.isoformat() if r.submitted_at else "", r.id)


class Occupancy:
    """Who and what is taken when: leaders (with the building, for the travel buffer), rooms,
    and each leader's sittings per day (for the daily cap). Fixed things are loaded first."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.buffer = problem.settings.travel_buffer_minutes
        self.busy = defaultdict(list)  # leader -> [(start, end, building or None, owner)]
        self.rooms = defaultdict(list)  # room -> [(start, end, owner)]
        self.per_day = defaultdict(int)
        clock = problem.clock
        for leader, spans in fixed_busy(problem).items():
            for b in spans:
                a, e = clock.minute(b.start), clock.minute(b.end)
                self.busy[leader].append((a, e, b.building, None))
                if b.source == RECEPTION:
                    self.per_day[(leader, a // 1440)] += 1
        for r in problem.receptions:
            if r.room:
                self.rooms[r.room].append((clock.minute(r.start), clock.minute(r.end), None))

    def needs(self, block) -> dict[str, list[tuple[int, int]]]:
        """Leader -> spans (offsets) of a block: the chair throughout, others their items."""
        index = self.problem.request_index
        requests = [index[rid] for rid in block.request_ids]
        chair = requests[0].chair
        out: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for r, off, m in zip(requests, block.offsets, block.minutes):
            for leader in r.everyone:
                if leader != chair:
                    out[leader].append((off, off + m))
        out[chair] = [(0, block.length)]
        return out

    def room_for(self, block, start: int, fits) -> str | None:
        """The first room in `fits` where the block can sit at `start`, else None."""
        needs = self.needs(block)
        day = start // 1440
        leaders = self.problem.leader_index
        if any((cap := leaders[x].max_per_day) is not None and self.per_day[(x, day)] >= cap for x in needs if x in leaders):
            return None
        end = start + block.length
        for room in fits:
            if any(a < end and start < b for a, b, _ in self.rooms[room.id]):
                continue
            if any(
                a < start + e + gap and start + o < b + gap
                for leader, spans in needs.items() for o, e in spans
                for a, b, building, _ in self.busy[leader]
                for gap in [self.buffer if building and building != room.building else 0]
            ):
                continue
            return room.id
        return None

    def add(self, block, start: int, room: str) -> None:
        building = self.problem.room_index[room].building
        for leader, spans in self.needs(block).items():
            for o, e in spans:
                self.busy[leader].append((start + o, start + e, building, block.key))
            self.per_day[(leader, start // 1440)] += 1
        self.rooms[room].append((start, start + block.length, block.key))

    def remove(self, block, start: int) -> None:
        for leader in self.needs(block):
            self.busy[leader] = [x for x in self.busy[leader] if x[3] != block.key]
            self.per_day[(leader, start // 1440)] -= 1
        for room in self.rooms:
            self.rooms[room] = [x for x in self.rooms[room] if x[2] != block.key]


def _fits(problem: Problem, block):
    """The rooms the block may use (model.compatible_rooms), smallest first."""
    allowed = set(compatible_rooms(problem, block.request_ids))
    return [room for room in sorted(problem.rooms, key=lambda room: (room.capacity, room.id)) if room.id in allowed]


def _starts(problem: Problem, block):
    index = problem.request_index
    return sitting_starts(problem, [(index[rid], off, m) for rid, off, m in zip(block.request_ids, block.offsets, block.minutes)])


def _place(occupancy: Occupancy, block) -> tuple[int, str] | None:
    fits = _fits(occupancy.problem, block)
    for start in _starts(occupancy.problem, block):
        room = occupancy.room_for(block, start, fits)
        if room is not None:
            occupancy.add(block, start, room)
            return start, room
    return None


def _plan(problem: Problem, placed: dict) -> Plan:
    clock, index = problem.clock, problem.request_index
    sittings = []
    for block, (start, room) in placed.values():
        requests = [index[rid] for rid in block.request_ids]
        items = tuple(
            Item(
                request_id=r.id, start=clock.at(start + off), end=clock.at(start + off + m), requested_minutes=r.minutes,
                leaders=problem.by_rank(r.everyone), units=r.units, attendees=r.attendees,
            )
            for r, off, m in zip(requests, block.offsets, block.minutes)
        )
        sittings.append(Sitting(id=requests[0].id, room=room, chair=requests[0].chair, start=items[0].start, end=items[-1].end, items=items))
    return Plan(week=problem.week, sittings=tuple(sorted(sittings, key=lambda s: (s.start, s.room))), outcomes=(), stats=SolveStats(status="BASELINE"))


def greedy(problem: Problem, blocks, groups=(), pinned=(), *, repair: bool = True) -> Plan:
    """Each block (a related.Candidate: one request, or related requests back to back) in the
    order given, at its first free start in the smallest free room that fits; a block whose
    requests are already placed is skipped. Then a merge pass: each group (largest and most
    related first) replaces its members' sittings when it fits where they were freed."""
    occupancy = Occupancy(problem)
    placed: dict[str, tuple] = {}  # block key -> (block, (start, room))
    owner: dict[str, str] = {}  # request id -> block key
    for block, start, room in pinned:  # a published plan's sittings, where they still fit
        if start in _starts(problem, block) and any(r.id == room for r in _fits(problem, block)) and occupancy.room_for(block, start, [problem.room_index[room]]):
            occupancy.add(block, start, room)
            placed[block.key] = (block, (start, room))
            owner.update(dict.fromkeys(block.request_ids, block.key))
    for block in blocks:
        if any(rid in owner for rid in block.request_ids):
            continue
        at = _place(occupancy, block)
        if at is not None:
            placed[block.key] = (block, at)
            owner.update(dict.fromkeys(block.request_ids, block.key))
    if repair:
        _repair(occupancy, placed, owner, blocks, keep=frozenset(b.key for b, _, _ in pinned))
    for group in groups:
        mine = {owner.get(rid) for rid in group.request_ids}
        if None in mine or len(mine) == 1 and len(placed[next(iter(mine))][0].request_ids) >= len(group.request_ids):
            continue
        if any(set(placed[k][0].request_ids) - set(group.request_ids) for k in mine):
            continue  # a member sits with requests outside the group: leave it
        old = [placed.pop(k) for k in sorted(mine)]
        for block, (start, _) in old:
            occupancy.remove(block, start)
        at = _place(occupancy, group)
        if at is None:
            for block, (start, room) in old:
                occupancy.add(block, start, room)
                placed[block.key] = (block, (start, room))
            continue
        placed[group.key] = (group, at)
        owner.update(dict.fromkeys(group.request_ids, group.key))
    return _plan(problem, placed)


# Moves tried by _repair, in all and per block left out: counts, not a clock, so the result is
# deterministic; the per-block share keeps one hopeless request from using up the rest.
REPAIR_TRIES, REPAIR_TRIES_PER_BLOCK = 20_000, 500


def _repair(occupancy: Occupancy, placed: dict, owner: dict, blocks, keep=frozenset()) -> None:
    """One-step ejection for the blocks left out: at each start of a block, each placed sitting in
    its way (same time, and a shared leader or a room it could use) is taken out; if the block
    then fits and the sitting taken out fits somewhere else, both stay. Sittings in `keep` (a
    published plan's) are not moved. At most REPAIR_TRIES moves in all, REPAIR_TRIES_PER_BLOCK
    for each block."""
    problem = occupancy.problem
    leaders_of = {key: set(occupancy.needs(block)) for key, (block, _) in placed.items()}
    on_day = defaultdict(set)  # day -> keys of the sittings placed on it
    for key, (_, (s, _)) in placed.items():
        on_day[s // 1440].add(key)
    tries = 0
    for block in blocks:
        if any(rid in owner for rid in block.request_ids):
            continue
        fits = _fits(problem, block)
        room_ids = {room.id for room in fits}
        mine = set(occupancy.needs(block))
        budget = tries + REPAIR_TRIES_PER_BLOCK
        for start in _starts(problem, block):
            if tries >= budget:
                break
            end = start + block.length
            in_way = sorted(
                key for key in on_day[start // 1440]
                for other, (s, room) in [placed[key]]
                if key not in keep and s < end and start < s + other.length and (mine & leaders_of[key] or room in room_ids)
            )
            moved = False
            for key in in_way:
                if tries >= REPAIR_TRIES:
                    return
                tries += 1
                other, (s, room) = placed.pop(key)
                on_day[s // 1440].discard(key)
                occupancy.remove(other, s)
                here = occupancy.room_for(block, start, fits)
                if here is not None:
                    occupancy.add(block, start, here)
                    there = _place(occupancy, other)
                    if there is not None:
                        placed[key] = (other, there)
                        on_day[there[0] // 1440].add(key)
                        placed[block.key] = (block, (start, here))
                        on_day[start // 1440].add(block.key)
                        owner.update(dict.fromkeys(block.request_ids, block.key))
                        leaders_of[block.key] = mine
                        moved = True
                        break
                    occupancy.remove(block, start)
                occupancy.add(other, s, room)
                placed[key] = (other, (s, room))
                on_day[s // 1440].add(key)
            if moved:
                break


def _alone(problem: Problem, requests, minutes_of) -> list[Candidate]:
    return [Candidate(key=r.id, request_ids=(r.id,), minutes=(minutes_of(r),)) for r in requests]


def _open(problem: Problem) -> list[MeetingRequest]:
    return [r for r in problem.requests if r.approval != RETURNED]


def baseline_plan(problem: Problem) -> Plan:
    return greedy(problem, _alone(problem, sorted(_open(problem), key=_priority), lambda r: r.minutes), repair=False)


def schedule_value(problem: Problem, plan: Plan) -> int:
    """The scheduling level's value of a plan (model.SCHEDULE_*: urgent and annual plan first)."""
    from .model import SCHEDULE_ANNUAL, SCHEDULE_BASE, SCHEDULE_URGENT

    index = problem.request_index
    return sum(
        SCHEDULE_BASE + SCHEDULE_URGENT * index[i.request_id].urgent + SCHEDULE_ANNUAL * index[i.request_id].in_annual_plan
        for s in plan.sittings for i in s.items
    )


def warm_starts(problem: Problem, candidates=(), previous: Plan | None = None) -> list[tuple[str, Plan]]:
    """Valid plans from several orders, the most valuable first (ties: fewer sittings, then the
    order listed). With the model's `candidates`, one more order: related groups first
    (largest and most related combined sittings), then every request alone by priority. With
    a `previous` (published) plan, first its sittings where they still fit, then the rest."""
    requests = _open(problem)

    def planned(r):
        return planned_minutes(problem, r)

    room_count = {r.id: sum(room.capacity >= r.attendees and (room.video or not r.needs_video) for room in problem.rooms) for r in requests}
    options = {r.id: len(item_starts(problem, r, planned(r))) * max(room_count[r.id], 1) for r in requests}
    orders = {
        "priority": sorted(requests, key=_priority),
        "most_constrained": sorted(requests, key=lambda r: (not r.urgent, options[r.id], -planned(r), r.id)),
        "longest": sorted(requests, key=lambda r: (not r.urgent, -planned(r) * len(r.everyone), r.id)),
    }
    groups = sorted((c for c in candidates if len(c.request_ids) > 1 and not c.shortened), key=lambda c: (-len(c.request_ids), -c.strength, c.key))
    builds = {}  # name -> greedy(repair=...) for that order
    if previous is not None:
        by_ids = {(c.request_ids, c.minutes): c for c in candidates}
        pinned = [
            (by_ids[key], problem.clock.minute(s.start), s.room) for s in previous.sittings
            if (key := (s.request_ids, tuple(i.minutes for i in s.items))) in by_ids
        ]
        builds["published"] = lambda repair: greedy(problem, _alone(problem, orders["most_constrained"], planned), groups, pinned, repair=repair)
    for name, order in orders.items():
        builds[name] = lambda repair, order=order: greedy(problem, _alone(problem, order, planned), groups, repair=repair)
    if groups:
        builds["related_first"] = lambda repair: greedy(problem, [*groups, *_alone(problem, orders["priority"], planned)], repair=repair)

    def rank(plans):
        order = list(builds)
        return sorted(plans, key=lambda x: (-schedule_value(problem, x[1]), len(x[1].sittings), order.index(x[0])))

    # Every order without the repair pass (cheap), then the best one again with it: the repair
    # only ever adds requests, and running it once keeps the warm start quick on large weeks.
    ranked = rank([(name, build(False)) for name, build in builds.items()])
    best = ranked[0][0]
    return rank([(best, builds[best](True)), *ranked[1:]])
