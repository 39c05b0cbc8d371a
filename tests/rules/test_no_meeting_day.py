from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, placed, plan_of, rules_broken

RULE = "no_meeting_day"


def test_model_refuses_an_ordinary_meeting_on_a_no_meeting_day():
    plan = plan_of(make_problem([make_request("A")], days=1, no_meeting_days=(0,)))
    assert placed(plan) == set()
    assert plan.outcome_index["A"].rules == (RULE,)


def test_model_allows_urgent_and_fixed_meetings_on_a_no_meeting_day():
    urgent = make_request("A", urgent=True, urgent_reason="寒潮预警")
    fixed = make_request("B", chair="L2", fixed_start=at(0, "15:00"), kind="电视电话会议")
    assert placed(plan_of(make_problem([urgent, fixed], days=1, no_meeting_days=(0,)))) == {"A", "B"}


def test_check_pair():
    a = make_request("A")
    p = make_problem([a], no_meeting_days=(0,))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "09:00"))))
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(1, "09:00"))))
