from scheduler.domain import Leader
from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, placed, plan_of, rules_broken

RULE = "leader_daily_cap"
CAPPED = (Leader(id="L1", name="甲", rank=1, max_per_day=1), Leader(id="L2", name="乙", rank=2))


def requests():
    return [make_request("A", mergeable=False), make_request("B", mergeable=False)]


def test_model_spreads_meetings_over_days_under_a_cap():
    plan = plan_of(make_problem(requests(), leaders=CAPPED, days=2))
    assert placed(plan) == {"A", "B"}
    assert len({s.start.date() for s in plan.sittings}) == 2


def test_model_refuses_a_second_meeting_on_a_capped_day_and_says_why():
    plan = plan_of(make_problem(requests(), leaders=CAPPED, days=1))
    assert len(placed(plan)) == 1
    missing = next(o for o in plan.outcomes if not o.scheduled)
    assert any("每日上限1场" in b for b in missing.blockers)


def test_check_pair():
    a, b = requests()
    p = make_problem([a, b], leaders=CAPPED)
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30")), make_sitting(b, at(0, "14:30"))))
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30")), make_sitting(b, at(1, "14:30"))))
