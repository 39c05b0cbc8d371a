from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, plan_of, rules_broken

RULE = "within_part_of_day"


def test_model_keeps_the_part_of_day():
    plan = plan_of(make_problem([make_request("A", part_of_day="下午")], days=1))
    assert plan.sittings[0].start >= at(0, "14:30")


def test_check_pair():
    a = make_request("A", part_of_day="下午")
    p = make_problem([a])
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "15:00"))))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "09:00"))))
