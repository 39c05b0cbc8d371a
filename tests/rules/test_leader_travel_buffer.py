from scheduler.domain import Room
from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, placed, plan_of, rules_broken

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
