from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, placed, plan_of, rules_broken

RULE = "room_fits_attendees"


def test_model_places_a_meeting_the_rooms_hold():
    assert placed(plan_of(make_problem([make_request("A", attendees=40, kind="座谈会")]))) == {"A"}


def test_model_refuses_a_meeting_no_room_holds():
    plan = plan_of(make_problem([make_request("A", attendees=41, kind="座谈会")]))
    assert placed(plan) == set()
    assert plan.outcome_index["A"].rules == (RULE,)
    assert "没有容纳得下的会议室" in plan.outcome_index["A"].reasons[0]


def test_check_pair():
    a = make_request("A", attendees=30, kind="座谈会")
    p = make_problem([a])
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"), room="R1")))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"), room="R2")))
