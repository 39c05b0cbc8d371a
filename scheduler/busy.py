"""A leader's busy spans: the one place that says when a leader is taken, for the model, the
checker, the warm starts and the explanations.

Fixed spans come from receptions (with the building of our room, when the place is one) and
existing commitments (no building: a commitment's place is unknown, so no travel buffer is
asked around it). Planned spans come from a plan's sittings: the chair throughout, any other
leader only during their own items (套开).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from .domain import WEEKDAYS_ZH, Plan, Problem

RECEPTION, COMMITMENT, SITTING = "reception", "commitment", "sitting"


@dataclass(frozen=True, slots=True)
class Busy:
    leader: str
    start: datetime
    end: datetime
    building: str | None
    source: str  # RECEPTION / COMMITMENT / SITTING
    ref: str  # reception id, commitment title, or sitting id
    text: str  # Chinese, for explanations: what and when


def span_text(start: datetime, end: datetime) -> str:
    """"12月8日（周二）08:00-18:00", or both dates when the span runs over several days."""
    head = f"{start.month}月{start.day}日（{WEEKDAYS_ZH[start.weekday()]}）{start:%H:%M}"
    if end.date() == start.date():
        return f"{head}-{end:%H:%M}"
    return f"{head}至{end.month}月{end.day}日（{WEEKDAYS_ZH[end.weekday()]}）{end:%H:%M}"


def leader_name(problem: Problem, leader_id: str) -> str:
    leader = problem.leader_index.get(leader_id)
    return leader.name if leader else leader_id


def fixed_busy(problem: Problem) -> dict[str, list[Busy]]:
    """Per leader: every reception they accompany and every commitment they have."""
    rooms = problem.room_index
    out: dict[str, list[Busy]] = defaultdict(list)
    for r in problem.receptions:
        building = rooms[r.room].building if r.room in rooms else None
        for leader in r.leaders:
            out[leader].append(Busy(leader, r.start, r.end, building, RECEPTION, r.id, f"公务接待「{r.title}」（{span_text(r.start, r.end)}）"))
    for c in problem.commitments:
        what = f"已有日程「{c.title}」（{span_text(c.start, c.end)}{'，外出' if c.away else ''}）"
        out[c.leader].append(Busy(c.leader, c.start, c.end, None, COMMITMENT, c.title, what))
    return out


def planned_busy(problem: Problem, plan: Plan) -> dict[str, list[Busy]]:
    """Per leader: their segments of the plan's sittings (the chair throughout)."""
    rooms, index = problem.room_index, problem.request_index
    out: dict[str, list[Busy]] = defaultdict(list)
    for s in plan.sittings:
        building = rooms[s.room].building if s.room in rooms else None
        titles = "；".join(index[i.request_id].title if i.request_id in index else i.request_id for i in s.items)
        for leader in s.leaders:
            for a, b in s.segments_of(leader):
                out[leader].append(Busy(leader, a, b, building, SITTING, s.id, f"已安排的会议「{titles}」（{span_text(a, b)}）"))
    return out


def all_busy(problem: Problem, plan: Plan) -> dict[str, list[Busy]]:
    out = defaultdict(list, {k: list(v) for k, v in fixed_busy(problem).items()})
    for leader, spans in planned_busy(problem, plan).items():
        out[leader].extend(spans)
    return out
