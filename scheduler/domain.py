"""Plain, frozen data types: what a week's problem is and what a plan is.

Time inside the solver is an integer minute counted from Monday 00:00 (local wall clock) of the
planned week; `WeekClock` is the one place that converts between those minutes and aware
datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
MORNING, AFTERNOON, ANY_PART = "上午", "下午", "不限"
ON_SITE, VIDEO, TELECONF = "现场", "视频", "电视电话"
PENDING, APPROVED, RETURNED = "待审", "同意", "退回"


@dataclass(frozen=True, slots=True)
class WeekClock:
    """Converts between aware datetimes and minutes from the planned week's Monday 00:00."""

    monday: date
    tz: ZoneInfo

    def minute(self, moment: datetime) -> int:
        assert moment.tzinfo is not None, "naive datetime reached the core"
        local = moment.astimezone(self.tz)
        days = (local.date() - self.monday).days
        return days * 1440 + local.hour * 60 + local.minute

    def at(self, minute: int) -> datetime:
        day, rest = divmod(minute, 1440)
        d = self.monday + timedelta(days=day)
        return datetime.combine(d, time(rest // 60, rest % 60), tzinfo=self.tz)


@dataclass(frozen=True, slots=True, kw_only=True)
class RowOrigin:
    """Where a request came from: the file, sheet and row (as Excel numbers it) and the whole
    row as read (every column that has a header, in the sheet's order). added: brought in by a
    what-if variant (`whatif --add`), not the week's own workbook."""

    source: str  # file name
    sheet: str | None  # sheet name in a workbook, None for a CSV
    row: int
    cells: tuple[tuple[str, str], ...]  # (header as written, cell text as read)
    added: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Leader:
    id: str
    name: str
    title: str = ""
    rank: int = 0
    email: str | None = None
    max_per_day: int | None = None
    pair: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Room:
    id: str
    name: str
    capacity: int
    video: bool = False
    building: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingRequest:
    id: str
    title: str
    kind: str
    organiser: str
    agenda: str = ""
    tags: tuple[str, ...] = ()
    chair: str  # leader id
    leaders: tuple[str, ...] = ()  # other leaders attending (ids), chair excluded
    units: tuple[str, ...] = ()
    attendees: int
    minutes: int  # as requested
    min_minutes: int | None = None
    earliest: date | None = None
    latest: date | None = None
    part_of_day: str = ANY_PART
    fixed_start: datetime | None = None
    format: str = ON_SITE
    mergeable: bool = True
    merge_with: tuple[str, ...] = ()
    no_merge_with: tuple[str, ...] = ()  # 不与何会套开: staff forbid these pairs
    in_annual_plan: bool = False
    urgent: bool = False
    urgent_reason: str = ""
    submitted_at: datetime | None = None
    approval: str = PENDING
    contact: str = ""
    note: str = ""
    row: int = 0  # the row in the source sheet, for messages
    origin: RowOrigin | None = field(default=None, compare=False)  # the input row, for the ledger

    @property
    def needs_video(self) -> bool:
        return self.format != ON_SITE

    @property
    def everyone(self) -> tuple[str, ...]:
        return (self.chair, *self.leaders)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reception:
    id: str
    title: str
    visitor: str = ""
    letter: str = ""
    start: datetime
    end: datetime
    leaders: tuple[str, ...] = ()
    place: str = ""
    guests: int = 0
    room: str | None = None  # room id when the place is one of our rooms


@dataclass(frozen=True, slots=True, kw_only=True)
class Commitment:
    leader: str
    start: datetime
    end: datetime
    title: str
    away: bool = False
    source: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkDay:
    date: date
    morning: tuple[datetime, datetime]
    afternoon: tuple[datetime, datetime]
    no_meeting: bool = False


@dataclass(frozen=True, kw_only=True)  # no slots: the indexes below are cached on the instance
class Problem:
    """Everything the planner needs for one week; built by intake, never mutated."""

    settings: "object"  # config.Settings (kept untyped here to keep the import order)
    week: date
    tz: ZoneInfo
    days: tuple[WorkDay, ...]
    leaders: tuple[Leader, ...]
    rooms: tuple[Room, ...]
    requests: tuple[MeetingRequest, ...]
    receptions: tuple[Reception, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    source: str = ""

    @property
    def clock(self) -> WeekClock:
        return WeekClock(self.week, self.tz)

    @cached_property
    def leader_index(self) -> dict[str, Leader]:
        return {leader.id: leader for leader in self.leaders}

    @cached_property
    def room_index(self) -> dict[str, Room]:
        return {room.id: room for room in self.rooms}

    @cached_property
    def request_index(self) -> dict[str, MeetingRequest]:
        return {r.id: r for r in self.requests}

    def by_rank(self, leader_ids) -> tuple[str, ...]:
        """Leader ids in protocol order (排序), unknown ids last."""
        index = self.leader_index
        return tuple(sorted(set(leader_ids), key=lambda i: (index[i].rank if i in index else 10**6, i)))


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One agenda item of a sitting: one request, with its own times and attendees."""

    request_id: str
    start: datetime
    end: datetime
    requested_minutes: int
    leaders: tuple[str, ...]  # leaders present for this item (chair included)
    units: tuple[str, ...]
    attendees: int

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sitting:
    """One block of time in one room: one or more items back to back, the chair throughout."""

    id: str  # the first item's request id: stable while the request is planned
    room: str
    chair: str
    start: datetime
    end: datetime
    items: tuple[Item, ...]

    @property
    def request_ids(self) -> tuple[str, ...]:
        return tuple(item.request_id for item in self.items)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def leaders(self) -> tuple[str, ...]:
        seen: dict[str, None] = {self.chair: None}
        for item in self.items:
            seen.update(dict.fromkeys(item.leaders))
        return tuple(seen)

    @property
    def units(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in self.items:
            seen.update(dict.fromkeys(item.units))
        return tuple(seen)

    @property
    def attendees(self) -> int:
        return max(item.attendees for item in self.items)

    def segments_of(self, leader_id: str) -> tuple[tuple[datetime, datetime], ...]:
        """The spans a leader must be present: the whole sitting for the chair, else own items."""
        if leader_id == self.chair:
            return ((self.start, self.end),)
        return merge_spans((i.start, i.end) for i in self.items if leader_id in i.leaders)

    def unit_segments(self, unit: str) -> tuple[tuple[datetime, datetime], ...]:
        return merge_spans((i.start, i.end) for i in self.items if unit in i.units)


def merge_spans(spans) -> tuple[tuple[datetime, datetime], ...]:
    """Join touching or overlapping spans."""
    out: list[list[datetime]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return tuple((a, b) for a, b in out)


# Outcome codes, one per kind of thing that can happen to a request.
SCHEDULED = "scheduled"
COMBINED = "combined"
SHORTENED = "shortened"
MOVED = "moved"
REJECTED = "rejected"
NOT_PLACEABLE = "not_placeable"


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What happened to one request, with reasons a staff member can read out (Chinese)."""

    request_id: str
    codes: tuple[str, ...]  # e.g. ("combined", "shortened"), or ("not_placeable",)
    sitting: str | None = None
    reasons: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # rule names behind a rejection or a failure to place
    blockers: tuple[str, ...] = ()  # what stands in the way (commitments, sittings), Chinese

    @property
    def scheduled(self) -> bool:
        return self.sitting is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelResult:
    """One level of the staged (lexicographic) solve: its value in the plan, the best bound the
    solver proved for it (with the levels above held), and whether that value is proven best."""

    name: str  # the soft rule or level name (rules.py)
    value: int
    bound: int
    proven: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SolveStats:
    status: str = "NOT_SOLVED"  # OPTIMAL (every level proven) / FEASIBLE / WARM_START / BASELINE
    seconds: float = 0.0  # wall time: reported, never used to decide anything
    deterministic_time: float = 0.0  # CP-SAT's deterministic time spent, the budget's unit
    first_solution_seconds: float | None = None
    candidates: int = 0
    variables: int = 0
    levels: tuple[LevelResult, ...] = ()
    stopped_at: str = ""  # the level the run's wall-clock limit cut short, "" when all finished (reported)
    warm_start: str = ""  # the construction heuristic whose plan seeded the search


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    week: date
    sittings: tuple[Sitting, ...]
    outcomes: tuple[Outcome, ...]
    stats: SolveStats = field(default_factory=SolveStats)
    # request id -> 计划内 / 计划外 (annual.IN_PLAN / OUT_OF_PLAN); None: no annual plan was loaded
    annual_plan: dict[str, str] | None = None

    def sitting(self, sitting_id: str) -> Sitting:
        return next(s for s in self.sittings if s.id == sitting_id)

    @property
    def outcome_index(self) -> dict[str, Outcome]:
        return {o.request_id: o for o in self.outcomes}


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedEvent:
    """One event of one published feed, as the ledger keeps it."""

    feed: str
    uid: str
    sequence: int
    fingerprint: str
    status: str
    start: str  # ISO 8601
    end: str
    summary: str
