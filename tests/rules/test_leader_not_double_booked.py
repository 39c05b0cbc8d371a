from tests.conftest import at, commitment, make_plan, make_problem, make_request, make_sitting, placed, plan_of, reception, rules_broken

RULE = "leader_not_double_booked"


def test_model_places_two_meetings_of_one_leader_apart():
    p = make_problem([make_request("A", mergeable=False), make_request("B", mergeable=False)], days=1)
    plan = plan_of(p)
    assert placed(plan) == {"A", "B"}
    a, b = sorted(plan.sittings, key=lambda s: s.start)
    assert a.end <= b.start


def test_model_leaves_out_what_a_commitment_blocks_and_names_it():
    busy = commitment("L1", at(0, "09:30"), at(0, "17:30"), "赴省里开会")
    p = make_problem([make_request("A", mergeable=False, min_minutes=60), make_request("B", mergeable=False, min_minutes=60)], commitments=[busy], days=1)
    plan = plan_of(p)
    assert len(placed(plan)) == 1
    missing = next(o for o in plan.outcomes if not o.scheduled)
    assert any("赴省里开会" in b for b in missing.blockers)
    assert any("已安排的会议" in b for b in missing.blockers)


def test_check_accepts_back_to_back_and_flags_overlap():
    a, b = make_request("A"), make_request("B")
    p = make_problem([a, b])
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30")), make_sitting(b, at(0, "09:30"), room="R2")))
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30")), make_sitting(b, at(0, "09:00"), room="R2")))


def test_check_flags_a_meeting_over_a_commitment_or_reception():
    a = make_request("A")
    p = make_problem([a], commitments=[commitment("L1", at(0, "09:00"), at(0, "10:00"))])
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"))))
    p = make_problem([a], receptions=[reception(["L1"], at(0, "09:00"), at(0, "10:00"))])
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30"))))
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "10:00"))))
