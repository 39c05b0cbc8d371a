"""What staff do by hand, as the benchmark's yardstick: first come, first served in priority
order (urgent, annual plan, then submission time), every request on its own sitting at the
length it asked for, the first free time and the smallest room that fits. It keeps every hard
rule but one: like staff working by hand it does not cut a meeting to its type's maximum
(`within_kind_max_length`)."""

from __future__ import annotations

from collections import defaultdict

from .domain import Item, Plan, Problem, RETURNED, Sitting, SolveStats
from .timegrid import item_starts


def baseline_plan(problem: Problem) -> Plan:
    clock, rooms_index = problem.clock, problem.room_index
    buffer = problem.settings.travel_buffer_minutes
    busy = defaultdict(list)  # leader -> [(start, end, building or None)]
    room_busy = defaultdict(list)
    per_day = defaultdict(int)
    for r in problem.receptions:
        a, b = clock.minute(r.start), clock.minute(r.end)
        for leader in r.leaders:
            busy[leader].append((a, b, rooms_index[r.room].building if r.room in rooms_index else None))
            per_day[(leader, a // 1440)] += 1
        if r.room:
            room_busy[r.room].append((a, b))
    for c in problem.commitments:
        busy[c.leader].append((clock.minute(c.start), clock.minute(c.end), None))
    order = sorted(
        (r for r in problem.requests if r.approval != RETURNED),
        key=lambda r: (not r.urgent, not r.in_annual_plan, r.submitted_at.isoformat() if r.submitted_at else "", r.id),
    )
    rooms = sorted(problem.rooms, key=lambda room: (room.capacity, room.id))
    sittings = []
    for request in order:
        minutes = request.minutes
        fits = [room for room in rooms if room.capacity >= request.attendees and (room.video or not request.needs_video)]
        placed = False
        for start in item_starts(problem, request, minutes):
            end = start + minutes
            day = start // 1440
            if any(
                (cap := problem.leader_index[x].max_per_day) is not None and per_day[(x, day)] >= cap for x in request.everyone
            ):
                continue
            for room in fits:
                if any(a < end and start < b for a, b in room_busy[room.id]):
                    continue
                clash = False
                for leader in request.everyone:
                    for a, b, building in busy[leader]:
                        gap = buffer if building and building != room.building else 0
                        if a < end + gap and start < b + gap:
                            clash = True
                            break
                    if clash:
                        break
                if clash:
                    continue
                for leader in request.everyone:
                    busy[leader].append((start, end, room.building))
                    per_day[(leader, day)] += 1
                room_busy[room.id].append((start, end))
                item = Item(
                    request_id=request.id, start=clock.at(start), end=clock.at(end), requested_minutes=request.minutes,
                    leaders=problem.by_rank(request.everyone), units=request.units, attendees=request.attendees,
                )
                sittings.append(Sitting(id=request.id, room=room.id, chair=request.chair, start=item.start, end=item.end, items=(item,)))
                placed = True
                break
            if placed:
                break
    return Plan(week=problem.week, sittings=tuple(sorted(sittings, key=lambda s: (s.start, s.room))), outcomes=(), stats=SolveStats(status="BASELINE"))
