from dataclasses import replace

from scheduler.domain import Item, Sitting
from tests.conftest import at, make_plan, make_problem, make_request, placed, plan_of, rules_broken

RULE = "sitting_is_well_formed"


def combined(a, b, start):
    mid = start + __import__("datetime").timedelta(minutes=60)
    end = mid + __import__("datetime").timedelta(minutes=50)
    items = (
        Item(request_id=a.id, start=start, end=mid, requested_minutes=60, leaders=a.everyone, units=a.units, attendees=a.attendees),
        Item(request_id=b.id, start=mid, end=end, requested_minutes=60, leaders=b.everyone, units=b.units, attendees=b.attendees),
    )
    return Sitting(id=a.id, room="R1", chair=a.chair, start=start, end=end, items=items)


def test_model_combines_related_requests_of_one_chair():
    a = make_request("A", tags=("安全生产",))
    b = make_request("B", tags=("安全生产",))
    plan = plan_of(make_problem([a, b], days=1))
    assert [s.request_ids for s in plan.sittings] == [("A", "B")]


def test_model_never_combines_across_chairs_or_a_request_marked_no():
    a = make_request("A", tags=("安全生产",))
    b = make_request("B", tags=("安全生产",), chair="L2")
    c = make_request("C", tags=("安全生产",), mergeable=False)
    plan = plan_of(make_problem([a, b, c], days=2))
    assert placed(plan) == {"A", "B", "C"}
    assert all(len(s.items) == 1 for s in plan.sittings)


def test_check_pair():
    a = make_request("A", tags=("安全生产",))
    b = make_request("B", tags=("安全生产",))
    p = make_problem([a, b])
    assert RULE not in rules_broken(p, make_plan(combined(a, b, at(0, "08:30"))))
    other_chair = replace(b, chair="L2")
    p2 = make_problem([a, other_chair])
    assert RULE in rules_broken(p2, make_plan(combined(a, other_chair, at(0, "08:30"))))
    not_mergeable = replace(b, mergeable=False)
    p3 = make_problem([a, not_mergeable])
    assert RULE in rules_broken(p3, make_plan(combined(a, not_mergeable, at(0, "08:30"))))
