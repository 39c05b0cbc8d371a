from tests.conftest import at, commitment, make_plan, make_problem, make_request, make_sitting, placed, plan_of, rules_broken

RULE = "fixed_events_kept"


def test_model_keeps_a_fixed_time():
    plan = plan_of(make_problem([make_request("A", fixed_start=at(1, "09:00"), kind="电视电话会议")]))
    assert plan.sittings[0].start == at(1, "09:00")


def test_model_never_moves_a_fixed_meeting_it_cannot_hold():
    busy = commitment("L1", at(1, "08:30"), at(1, "12:00"))
    plan = plan_of(make_problem([make_request("A", fixed_start=at(1, "09:00"), kind="电视电话会议")], commitments=[busy]))
    assert placed(plan) == set()
    assert any("外出调研" in b for b in plan.outcome_index["A"].blockers)


def test_check_pair():
    a = make_request("A", fixed_start=at(1, "09:00"))
    p = make_problem([a])
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(1, "09:00"))))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(1, "10:00"))))
