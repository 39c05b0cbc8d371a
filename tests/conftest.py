"""Tiny builders for hand-made weeks, and the example week loaded once."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.config import Settings
from scheduler.domain import Commitment, Item, Leader, MeetingRequest, Plan, Problem, Reception, Room, Sitting
from scheduler.intake import load_week
from scheduler.workcal import week_days

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = date(2026, 12, 7)  # a Monday with no holidays around it
NOW = datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI)
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "calendars" / "example"


def at(day: int, hhmm: str) -> datetime:
    """Day 0 = Monday of WEEK."""
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(WEEK + timedelta(days=day), time(h, m), tzinfo=SHANGHAI)


def make_request(id: str = "A", **kw) -> MeetingRequest:
    fields = dict(id=id, title=f"会议{id}", kind="专题会", organiser="市发展改革委", chair="L1", attendees=10, minutes=60)
    fields.update(kw)
    return MeetingRequest(**fields)


def make_problem(requests=(), *, leaders=None, rooms=None, commitments=(), receptions=(), days=2, **settings) -> Problem:
    """A week with `days` working days (Monday first), two leaders and two rooms unless given."""
    s = replace(Settings(week=WEEK, time_limit_seconds=10, **settings))
    all_days = week_days(s, WEEK)[:days]
    return Problem(
        settings=s, week=WEEK, tz=SHANGHAI, days=all_days,
        leaders=tuple(leaders or (Leader(id="L1", name="甲", rank=1), Leader(id="L2", name="乙", rank=2))),
        rooms=tuple(rooms or (Room(id="R1", name="一号会议室", capacity=40, video=True, building="A"), Room(id="R2", name="二号会议室", capacity=20, building="A"))),
        requests=tuple(requests), receptions=tuple(receptions), commitments=tuple(commitments),
    )


def make_sitting(request: MeetingRequest, start: datetime, room: str = "R1", minutes: int | None = None) -> Sitting:
    end = start + timedelta(minutes=minutes or request.minutes)
    item = Item(request_id=request.id, start=start, end=end, requested_minutes=request.minutes, leaders=request.everyone, units=request.units, attendees=request.attendees)
    return Sitting(id=request.id, room=room, chair=request.chair, start=start, end=end, items=(item,))


def make_plan(*sittings: Sitting) -> Plan:
    return Plan(week=WEEK, sittings=tuple(sittings), outcomes=())


def commitment(leader: str, start: datetime, end: datetime, title: str = "外出调研", away: bool = True) -> Commitment:
    return Commitment(leader=leader, start=start, end=end, title=title, away=away)


def reception(leaders, start: datetime, end: datetime, room: str | None = None) -> Reception:
    return Reception(id="J1", title="来访", start=start, end=end, leaders=tuple(leaders), room=room, place=room or "")


@pytest.fixture
def example_copy(tmp_path) -> Path:
    """A writable copy of the bundled example week."""
    target = tmp_path / "week"
    shutil.copytree(EXAMPLE, target)
    return target


@pytest.fixture(scope="session")
def example_problem() -> Problem:
    return load_week(EXAMPLE, today=NOW.date())


@pytest.fixture(scope="session")
def example_plan(example_problem):
    from scheduler.solve import solve, options_for

    return solve(example_problem, options_for(example_problem))


def plan_of(problem: Problem) -> Plan:
    from scheduler.solve import SolveOptions, solve

    return solve(problem, SolveOptions(time_limit=10, workers=2))


def placed(plan: Plan) -> set[str]:
    return {i.request_id for s in plan.sittings for i in s.items}


def rules_broken(problem: Problem, plan: Plan) -> set[str]:
    from scheduler.rules import check

    return {v.rule for v in check(problem, plan)}
