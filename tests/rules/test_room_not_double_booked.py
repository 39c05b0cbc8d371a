from scheduler.domain import Room
from tests.conftest import at, make_plan, make_problem, make_request, make_sitting, placed, plan_of, reception, rules_broken

RULE = "room_not_double_booked"
ONE_ROOM = (Room(id="R1", name="一号会议室", capacity=40, building="A"),)


def requests():
    return [make_request("A", chair="L1", minutes=120, min_minutes=120, kind="座谈会", part_of_day="上午"), make_request("B", chair="L2", minutes=120, min_minutes=120, kind="座谈会", part_of_day="上午")]


def test_model_uses_both_rooms_when_it_can():
    assert placed(plan_of(make_problem(requests(), days=1))) == {"A", "B"}


def test_model_never_puts_two_sittings_in_one_room():
    plan = plan_of(make_problem(requests(), rooms=ONE_ROOM, days=1))
    assert len(placed(plan)) == 1
    missing = next(o for o in plan.outcomes if not o.scheduled)
    assert missing.rules == (RULE,)  # blocked by the room, not by a leader
    assert len(missing.blockers) == 1 and "一号会议室" in missing.blockers[0]


def test_model_works_around_a_reception_in_the_room():
    p = make_problem([requests()[0]], rooms=ONE_ROOM, days=1, receptions=[reception(["L2"], at(0, "08:30"), at(0, "11:00"), room="R1")])
    assert placed(plan_of(p)) == set()


def test_check_pair():
    a, b = requests()
    p = make_problem([a, b], rooms=ONE_ROOM)
    assert RULE in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30")), make_sitting(b, at(0, "10:00"))))
    assert RULE not in rules_broken(p, make_plan(make_sitting(a, at(0, "08:30")), make_sitting(b, at(1, "08:30"))))
