from scheduler.domain import Leader, Room

from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, placed, plan_of, rules_broken

RULE = "room_not_oversized"
LEADERS = tuple(Leader(id=f"L{n}", name=f"领导{n}", rank=n) for n in (1, 2, 3))
ROOMS = tuple(Room(id=f"R{c}", name=f"{c}人会议室", capacity=c, building="A") for c in (12, 20, 30, 80))


def test_model_uses_only_the_smallest_sizes_that_hold_the_meeting():
    # three requests at one fixed time and only two sizes allowed: the third cannot take the hall
    requests = [make_request(x, attendees=10, chair=f"L{n + 1}", fixed_start=at(0, "09:00")) for n, x in enumerate("ABC")]
    problem = make_problem(requests, leaders=LEADERS, rooms=ROOMS, days=1, room_size_choices=2)
    plan = plan_of(problem)
    assert len(placed(plan)) == 2
    assert {s.room for s in plan.sittings} == {"R12", "R20"}


def test_a_larger_choice_lets_the_third_meeting_in():
    requests = [make_request(x, attendees=10, chair=f"L{n + 1}", fixed_start=at(0, "09:00")) for n, x in enumerate("ABC")]
    problem = make_problem(requests, leaders=LEADERS, rooms=ROOMS, days=1, room_size_choices=3)
    assert placed(plan_of(problem)) == set("ABC")


def test_check_pair():
    a = make_request("A", attendees=10)
    p = make_problem([a], rooms=ROOMS, room_size_choices=3)
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"), room="R30")))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"), room="R80")))
