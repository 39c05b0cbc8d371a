from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, plan_of, rules_broken

RULE = "within_kind_max_length"


def test_model_caps_a_request_at_its_type_maximum_and_says_so():
    plan = plan_of(make_problem([make_request("A", kind="专题会", minutes=120)]))
    assert plan.sittings[0].minutes == 90
    outcome = plan.outcome_index["A"]
    assert "shortened" in outcome.codes
    assert "时长由120分钟压缩为90分钟" in outcome.reasons[0] and "专题会时长上限为90分钟" in outcome.reasons[0]


def test_model_keeps_a_request_within_its_maximum_as_asked():
    plan = plan_of(make_problem([make_request("A", kind="专题会", minutes=75)]))
    assert plan.sittings[0].minutes == 75
    assert plan.outcome_index["A"].codes == ("scheduled",)


def test_check_pair():
    a = make_request("A", kind="专题会", minutes=120)
    p = make_problem([a])
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"), minutes=90)))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"), minutes=120)))
