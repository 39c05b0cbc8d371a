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


def part_of_day(problem: Problem, minute: int) -> str | None:
    """上午 / 下午 for a minute inside a working day's office hours, else None: the one
    definition of part of day, from the configured half-days (model, checker and report)."""
    for h in half_days(problem):
        if h.start <= minute < h.end:
            return h.part
    return None


def sitting_starts(problem: Problem, parts) -> tuple[int, ...]:
    """Starts (on the grain) of a sitting whose items are `parts`: (request, offset, minutes).
    Only the sitting's start sits on the grain; later items start where the one before ends,
    so a sitting of three or more items is possible whatever the opening overhead."""
    grain = problem.settings.grain_minutes
    allowed: set[int] | None = None
    for request, offset, minutes in parts:
        if request.fixed_start is not None:
            mine = {s - offset for s in item_starts(problem, request, minutes)}
        else:
            mine = set()
            for a, b in request_spans(problem, request):
                lo, hi = a - offset, b - offset - minutes
                mine.update(range(-(-lo // grain) * grain, hi + 1, grain))
        allowed = mine if allowed is None else allowed & mine
        if not allowed:
            return ()
    return tuple(sorted(s for s in allowed or () if s % grain == 0))


def diagnose(problem: Problem, request: MeetingRequest, minutes: int) -> str | None:
    """The rule that leaves this request no time at all, or None when some time remains."""
    halves = half_days(problem)
    if not halves:
        return "within_office_hours"
    if request.fixed_start is not None:
        start = problem.clock.minute(request.fixed_start)
        halves = tuple(h for h in halves if h.start <= start and start + minutes <= h.end)
        if not halves:
            return "within_office_hours"
    for rule, keep in _filters(problem, request):
        halves = tuple(h for h in halves if keep(h))
        if not halves:
            return rule
    if not any(h.end - h.start >= minutes for h in halves):
        return "within_office_hours"
    return None


def day_cause(problem: Problem, request: MeetingRequest, day: int) -> str | None:
    """Why the request may not use day `day` (index from Monday) at all: the one rule that
    applies (not a working day, 无会日, outside the asked window or part of day), else None."""
    halves = tuple(h for h in half_days(problem) if h.day == day)
    if not halves:
        return "within_office_hours"
    for rule, keep in _filters(problem, request):
        halves = tuple(h for h in halves if keep(h))
        if not halves:
            return rule
    return None
