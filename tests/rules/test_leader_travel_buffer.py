from dataclasses import replace
from datetime import time, timedelta

from scheduler.config import OfficeHours
from scheduler.domain import Room
from tests.conftest import WEEK, at, commitment, make_plan, make_problem, make_request, make_sitting, placed, plan_of, reception, rules_broken

RULE = "leader_travel_buffer"
# Video only in building A, and only building B holds 30: each request is forced into one building.
ROOMS = (Room(id="RA", name="甲楼会议室", capacity=20, video=True, building="甲楼"), Room(id="RB", name="乙楼会议室", capacity=40, building="乙楼"))


def two_morning_meetings(buffer: int):
    x = make_request("X", format="视频", attendees=10, minutes=100, min_minutes=100, part_of_day="上午", mergeable=False, kind="座谈会")
    y = make_request("Y", attendees=30, minutes=100, min_minutes=100, part_of_day="上午", mergeable=False, kind="座谈会")
    return make_problem([x, y], rooms=ROOMS, days=1, travel_buffer_minutes=buffer)


def test_model_fits_both_without_a_buffer():
    assert placed(plan_of(two_morning_meetings(0))) == {"X", "Y"}


def test_model_keeps_the_buffer_between_buildings():
    # 100 + 20 + 100 minutes do not fit in the 210-minute morning.
    plan = plan_of(two_morning_meetings(20))
    assert len(placed(plan)) == 1


def test_check_pair():
    p = two_morning_meetings(20)
    x, y = p.requests
    assert RULE in rules_broken(p, make_plan(make_sitting(x, at(0, "08:30"), "RA"), make_sitting(y, at(0, "10:10"), "RB")))
    assert RULE not in rules_broken(p, make_plan(make_sitting(x, at(0, "08:30"), "RA"), make_sitting(y, at(0, "10:30"), "RB")))


# --- the buffer is posted only where two buildings can meet on one day ------------------------


def cumulatives(problem) -> int:
    from scheduler.model import build_model
    from scheduler.related import candidates, relations

    ctx = build_model(problem, candidates(problem, relations(problem)))
    return sum(c.has_cumulative() for c in ctx.model.proto.constraints)


def one_building_a_day(same_day: bool):
    """The chair's meeting in 甲楼 is on Monday; the one in 乙楼 on Tuesday, or also Monday."""
    x = make_request("X", format="视频", attendees=10, minutes=90, min_minutes=90, part_of_day="上午", mergeable=False, kind="座谈会", earliest=WEEK, latest=WEEK)
    y_day = WEEK if same_day else WEEK + timedelta(days=1)
    y = make_request("Y", attendees=30, minutes=90, min_minutes=90, part_of_day="上午", mergeable=False, kind="座谈会", earliest=y_day, latest=y_day)
    return make_problem([x, y], rooms=ROOMS, days=2, travel_buffer_minutes=20)


def test_model_posts_no_buffer_when_each_day_has_one_building():
    p = one_building_a_day(same_day=False)
    assert cumulatives(p) == 0
    plan = plan_of(p)
    assert placed(plan) == {"X", "Y"} and not rules_broken(p, plan)


def test_model_keeps_the_buffer_when_two_buildings_meet_on_a_day():
    p = one_building_a_day(same_day=True)
    assert cumulatives(p) > 0
    plan = plan_of(p)
    # 90 + 20 + 90 minutes fit the 210-minute morning only with the gap kept.
    assert placed(plan) == {"X", "Y"} and not rules_broken(p, plan)
    first, second = sorted(plan.sittings, key=lambda s: s.start)
    assert second.start - first.end >= timedelta(minutes=20)


def test_model_keeps_the_buffer_next_to_a_reception_elsewhere():
    # Y sits in 乙楼 only; the chair's reception in 甲楼 ends at 10:00, so Y starts 10:20 or later.
    y = make_request("Y", attendees=30, minutes=90, min_minutes=90, part_of_day="上午", mergeable=False, kind="座谈会")
    p = make_problem([y], rooms=ROOMS, days=1, travel_buffer_minutes=20, receptions=[reception(["L1"], at(0, "08:30"), at(0, "10:00"), room="RA")])
    assert cumulatives(p) > 0
    plan = plan_of(p)
    assert placed(plan) == {"Y"} and plan.sittings[0].start >= at(0, "10:20")


def test_two_receptions_close_together_in_two_buildings_do_not_block_the_week():
    # Receptions are given: the buffer is asked only next to a sitting (the check), so the model
    # must not make them clash with each other (it did: the whole week was infeasible).
    x = make_request("X", attendees=10, minutes=60, part_of_day="下午", mergeable=False)
    first = reception(["L1"], at(0, "09:00"), at(0, "10:00"), room="RA")
    second = replace(reception(["L1"], at(0, "10:05"), at(0, "11:00"), room="RB"), id="J2")
    p = make_problem([x], rooms=ROOMS, days=1, travel_buffer_minutes=20, receptions=[first, second])
    plan = plan_of(p)
    assert placed(plan) == {"X"} and not rules_broken(p, plan)


def test_model_keeps_the_buffer_across_midnight():
    # Office hours from 00:00 and the chair out from 01:00: Tuesday's meeting in 乙楼 can only
    # start at 00:00, within the buffer of Monday's late reception in 甲楼 (though each day alone
    # has one building), so it is not placed; without the reception it is.
    y = make_request("Y", attendees=30, minutes=60, min_minutes=60, part_of_day="上午", mergeable=False, kind="座谈会", earliest=WEEK + timedelta(days=1))
    out = commitment("L1", at(1, "01:00"), at(1, "12:00"))
    late = reception(["L1"], at(0, "23:30"), at(0, "23:55"), room="RA")
    hours = OfficeHours(morning=(time(0, 0), time(12, 0)))
    alone = plan_of(make_problem([y], rooms=ROOMS, days=2, travel_buffer_minutes=20, commitments=[out], office_hours=hours))
    assert [s.start for s in alone.sittings] == [at(1, "00:00")]
    p = make_problem([y], rooms=ROOMS, days=2, travel_buffer_minutes=20, commitments=[out], receptions=[late], office_hours=hours)
    assert placed(plan_of(p)) == set()
