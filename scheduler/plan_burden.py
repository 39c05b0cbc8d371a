"""The burden a plan puts on people (基层减负): sittings, attendance trips (参会人次: a leader or
unit counted once per sitting they attend), person-hours and leader-hours — for the plan, for
the requests as submitted (each alone, at the length asked), and for the by-hand baseline.

Person-hours count each item's attendees for the item's length; leader-hours count each
leader's own segments (the chair throughout a combined sitting, others their own items).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .domain import RETURNED, Plan, Problem


@dataclass(frozen=True, slots=True)
class Burden:
    requests: int  # requests held
    sittings: int
    trips: int
    person_hours: float
    leader_hours: float

    def as_dict(self) -> dict:
        return asdict(self)


def burden(plan: Plan) -> Burden:
    items = [i for s in plan.sittings for i in s.items]
    trips = sum(len(set(s.leaders)) + len(set(s.units)) for s in plan.sittings)
    leader_minutes = sum((b - a).total_seconds() / 60 for s in plan.sittings for x in s.leaders for a, b in s.segments_of(x))
    return Burden(
        requests=len(items), sittings=len(plan.sittings), trips=trips,
        person_hours=round(sum(i.minutes * i.attendees for i in items) / 60, 1), leader_hours=round(leader_minutes / 60, 1),
    )


def submitted(problem: Problem, request_ids=None) -> Burden:
    """The requests as submitted: each alone, at the length asked (only `request_ids`, when
    given: to compare like with like, the requests a plan holds)."""
    requests = [r for r in problem.requests if r.approval != RETURNED and (request_ids is None or r.id in request_ids)]
    return Burden(
        requests=len(requests), sittings=len(requests), trips=sum(len(set(r.everyone)) + len(set(r.units)) for r in requests),
        person_hours=round(sum(r.minutes * r.attendees for r in requests) / 60, 1),
        leader_hours=round(sum(r.minutes * len(set(r.everyone)) for r in requests) / 60, 1),
    )


def comparison(problem: Problem, plan: Plan) -> dict[str, dict]:
    """The plan's burden beside the requests as submitted and the by-hand baseline."""
    from .baseline import baseline_plan

    held = {i.request_id for s in plan.sittings for i in s.items}
    return {
        "plan": burden(plan).as_dict(),
        "submitted": submitted(problem, held).as_dict(),
        "baseline": burden(baseline_plan(problem)).as_dict(),
    }


def burden_lines(problem: Problem, plan: Plan) -> list[str]:
    """For staff: the plan against the same requests as submitted and against the baseline."""
    data = comparison(problem, plan)
    p, s, b = data["plan"], data["submitted"], data["baseline"]

    def fewer(x, y):
        return f"（比原申请少{(1 - x / y):.0%}）" if y and x < y else ""

    return [
        f"减负：会议{p['sittings']}场{fewer(p['sittings'], s['sittings'])}，参会{p['trips']}人次{fewer(p['trips'], s['trips'])}，"
        f"{p['person_hours']:g}人·小时{fewer(p['person_hours'], s['person_hours'])}，领导{p['leader_hours']:g}小时{fewer(p['leader_hours'], s['leader_hours'])}",
        f"人工逐项安排对照：排入{b['requests']}项、会议{b['sittings']}场、参会{b['trips']}人次、{b['person_hours']:g}人·小时",
    ]
