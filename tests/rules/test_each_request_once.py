from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, placed, plan_of, rules_broken

RULE = "each_request_once"


def test_model_does_not_plan_a_returned_request():
    plan = plan_of(make_problem([make_request("A", approval="退回"), make_request("B")]))
    assert placed(plan) == {"B"}
    assert plan.outcome_index["A"].codes == ("rejected",)
    assert plan.outcome_index["A"].rules == ("approval_returned",)


def test_check_pair():
    a = make_request("A")
    p = make_problem([a])
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"))))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30")), make_sitting(a, at(1, "08:30"))))
