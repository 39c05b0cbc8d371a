from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, placed, plan_of, rules_broken

RULE = "within_office_hours"


def test_model_places_inside_a_half_day():
    plan = plan_of(make_problem([make_request("A", minutes=200, kind="其他")], days=1, kinds={"其他": __import__("scheduler.config", fromlist=["KindCaps"]).KindCaps()}))
    s = plan.sittings[0]
    assert (s.start, s.end) in {(at(0, "08:30"), at(0, "11:50")), (at(0, "08:45"), at(0, "12:05"))} or s.end <= at(0, "12:00")


def test_model_refuses_what_is_longer_than_any_half_day():
    from scheduler.config import KindCaps

    plan = plan_of(make_problem([make_request("A", minutes=240, kind="其他")], kinds={"其他": KindCaps()}))
    assert placed(plan) == set()
    assert plan.outcome_index["A"].rules == (RULE,)


def test_check_flags_lunch_evening_and_weekend():
    a = make_request("A")
    p = make_problem([a], days=5)
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "11:00"))))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "11:30"))))  # across lunch
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "17:00"))))  # after hours
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(5, "09:00"))))  # Saturday
