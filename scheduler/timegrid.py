"""Where a request may sit in the week, in minutes from Monday 00:00 (see `WeekClock`).

A request's *spans* are the office-hour half-days (morning / afternoon) it may use: working days
only, inside its date window and part of day, not on a no-meeting day unless it is fixed by a
higher level or urgent. An item must lie wholly inside one span, so nothing crosses the lunch
break. When no span is left, `diagnose` names the rule that emptied it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .domain import AFTERNOON, MORNING, RETURNED, MeetingRequest, Problem

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class HalfDay:
    day: int  # index from Monday
    part: str  # 上午 / 下午
    start: int
    end: int
    no_meeting: bool


def half_days(problem: Problem) -> tuple[HalfDay, ...]:
    clock = problem.clock
    out = []
    for day in problem.days:
        index = (day.date - problem.week).days
        for part, (start, end) in ((MORNING, day.morning), (AFTERNOON, day.afternoon)):
            out.append(HalfDay(index, part, clock.minute(start), clock.minute(end), day.no_meeting))
    return tuple(out)


def exempt_from_no_meeting_day(request: MeetingRequest) -> bool:
    """Fixed by a higher level (固定时间) or approved as urgent may use a no-meeting day."""
    return request.fixed_start is not None or (request.urgent and request.approval != RETURNED)


def _filters(problem: Problem, request: MeetingRequest):
    """(rule name, predicate on HalfDay) in the order they are applied."""
    week = problem.week
    earliest = (request.earliest - week).days if request.earliest else -1
    latest = (request.latest - week).days if request.latest else 99
    return (
        ("within_request_window", lambda h: earliest <= h.day <= latest),
        ("within_part_of_day", lambda h: request.part_of_day not in (MORNING, AFTERNOON) or h.part == request.part_of_day),
        ("no_meeting_day", lambda h: not h.no_meeting or exempt_from_no_meeting_day(request)),
    )


def request_spans(problem: Problem, request: MeetingRequest) -> tuple[Span, ...]:
    halves = half_days(problem)
    for _, keep in _filters(problem, request):
        halves = tuple(h for h in halves if keep(h))
    return tuple((h.start, h.end) for h in halves)


def fits(spans: tuple[Span, ...], start: int, minutes: int) -> bool:
    return any(a <= start and start + minutes <= b for a, b in spans)


def item_starts(problem: Problem, request: MeetingRequest, minutes: int) -> tuple[int, ...]:
    """The minutes at which this request's item may start (grain steps; the fixed time if fixed)."""
    spans = request_spans(problem, request)
    if request.fixed_start is not None:
        start = problem.clock.minute(request.fixed_start)
        return (start,) if fits(spans, start, minutes) else ()
    grain = problem.settings.grain_minutes
    out = []
    for a, b in spans:
        first = -(-a // grain) * grain
        out.extend(range(first, b - minutes + 1, grain))
    return tuple(out)


def diagnose(problem: Problem, request: MeetingRequest, minutes: int) -> str | None:
    """The rule that leaves this request no time at all, or None when some time remains."""
    halves = half_days(problem)
    if not halves:
        return "within_office_hours"
    for rule, keep in _filters(problem, request):
        halves = tuple(h for h in halves if keep(h))
        if not halves:
            return rule
    spans = tuple((h.start, h.end) for h in halves)
    if request.fixed_start is not None:
        start = problem.clock.minute(request.fixed_start)
        whole = tuple((h.start, h.end) for h in half_days(problem))
        return None if fits(spans, start, minutes) else ("within_office_hours" if not fits(whole, start, minutes) else "within_request_window")
    if not any(b - a >= minutes for a, b in spans):
        return "within_office_hours"
    return None
