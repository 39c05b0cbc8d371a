from scheduler.domain import Room
from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, placed, plan_of, rules_broken

RULE = "video_needs_video_room"
NO_VIDEO = (Room(id="R2", name="二号会议室", capacity=20, building="A"),)


def test_model_puts_a_video_meeting_in_the_video_room():
    plan = plan_of(make_problem([make_request("A", format="视频")]))
    assert [s.room for s in plan.sittings] == ["R1"]


def test_model_refuses_a_video_meeting_without_a_video_room():
    plan = plan_of(make_problem([make_request("A", format="电视电话")], rooms=NO_VIDEO))
    assert placed(plan) == set()
    assert plan.outcome_index["A"].rules == (RULE,)


def test_check_pair():
    a = make_request("A", format="视频")
    p = make_problem([a])
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"), room="R1")))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"), room="R2")))
