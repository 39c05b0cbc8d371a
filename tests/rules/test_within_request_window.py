from tests.conftest import WEEK, at, make_plan, make_problem, make_request, make_sitting, placed, plan_of, rules_broken
from datetime import timedelta

RULE = "within_request_window"


def test_model_keeps_the_date_window():
    tuesday = WEEK + timedelta(days=1)
    plan = plan_of(make_problem([make_request("A", earliest=tuesday, latest=tuesday)]))
    assert plan.sittings[0].start.date() == tuesday


def test_model_refuses_a_window_without_working_days():
    wednesday = WEEK + timedelta(days=2)  # the test week has two working days
    plan = plan_of(make_problem([make_request("A", earliest=wednesday, latest=wednesday)]))
    assert placed(plan) == set()
    assert plan.outcome_index["A"].rules == (RULE,)


def test_check_pair():
    a = make_request("A", earliest=WEEK + timedelta(days=1))
    p = make_problem([a])
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(1, "09:00"))))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "09:00"))))
