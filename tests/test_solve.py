"""The staged solve: the rule registry, each soft rule moving a tiny week the right way,
sittings of three items, fixed meetings never shortened, the warm start as a floor, and
relatedness that never rests on a unit alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scheduler import model
from scheduler.domain import Room
from scheduler.related import relations
from scheduler.rules import CATALOGUE, HARD, LEVELS, RULES, SOFT, check, precheck
from scheduler.solve import SolveOptions, solve
from tests.conftest import at, commitment, make_problem, make_request, placed, plan_of, reception


def test_catalogue_and_builders_cover_each_other():
    assert set(model.BUILDERS) == set(RULES)
    assert all(rule.check is not None for rule in CATALOGUE if rule.kind == HARD and rule.name != "approval_returned")
    assert all(rule.level for rule in CATALOGUE if rule.kind == SOFT)
    assert [name for name, _ in LEVELS][:3] == ["schedule_requests", "stay_close_to_published", "fewer_sittings"]


def test_three_related_requests_alone_in_a_week_form_one_sitting():
    requests = [make_request(x, tags=("安全生产",), minutes=60) for x in "ABC"]
    plan = plan_of(make_problem(requests, days=1))
    assert len(plan.sittings) == 1 and plan.sittings[0].request_ids == ("A", "B", "C")
    items = plan.sittings[0].items
    assert [i.minutes for i in items] == [60, 50, 50]  # the opening overhead saved twice, off the grain
    assert items[1].start == items[0].end and items[2].start == items[1].end


def test_a_fixed_meeting_is_never_shortened():
    # 150 minutes is over the 电视电话会议 cap (120) and it has a minimum: it keeps its length.
    fixed = make_request("A", kind="电视电话会议", minutes=150, min_minutes=30, fixed_start=at(0, "08:30"))
    other = make_request("B", minutes=60, chair="L2")
    plan = plan_of(make_problem([fixed, other], days=1))
    item = next(i for s in plan.sittings for i in s.items if i.request_id == "A")
    assert item.start == at(0, "08:30") and item.minutes == 150
    assert "shortened" not in plan.outcome_index["A"].codes


def test_a_unit_alone_never_links_two_requests():
    a = make_request("A", title="医院建设推进会", agenda="三甲医院改扩建", units=("市财政局",))
    b = make_request("B", title="职业教育座谈会", agenda="产教融合", units=("市财政局",))
    c = make_request("C", title="医院建设资金调度会", agenda="医院改扩建资金", units=("市卫生健康委",))
    pairs = relations(make_problem([a, b, c]))
    assert ("A", "B") not in pairs
    assert ("A", "C") in pairs and "医院" in pairs[("A", "C")].reasons[0]


def test_staff_can_forbid_a_pair():
    a = make_request("A", tags=("安全生产",), no_merge_with=("B",))
    b = make_request("B", tags=("安全生产",))
    assert relations(make_problem([a, b])) == {}
    assert relations(make_problem([replace(a, no_merge_with=()), b], forbid_merge=(("A", "B"),))) == {}


def test_never_worse_than_the_warm_start_even_with_no_budget():
    requests = [make_request(x, minutes=60, tags=("t",) if x in "AB" else ()) for x in "ABCD"]
    problem = make_problem(requests, days=2)
    plan = solve(problem, SolveOptions(time_limit=0.0001, workers=2))
    assert placed(plan) == set("ABCD")
    assert plan.stats.warm_start


def test_a_run_past_its_deadline_returns_the_warm_start_and_says_where_it_stopped():
    from scheduler.baseline import warm_starts
    from scheduler.solve import Deadline, level_lines

    requests = [make_request(x, minutes=60, tags=("t",) if x in "AB" else ()) for x in "ABCDE"]
    problem = make_problem(requests, days=2)
    plan = solve(problem, SolveOptions(time_limit=30, workers=2), deadline=Deadline(0))
    best = warm_starts(problem)[0][1]
    assert placed(plan) == {i.request_id for s in best.sittings for i in s.items} == set("ABCDE")
    # the clock stopped the run at the first level; every later level was skipped
    assert [lv.name for lv in plan.stats.levels] == ["schedule_requests"] and plan.stats.stopped_at == "schedule_requests"
    assert plan.stats.status == "FEASIBLE"
    assert not check(problem, plan)
    assert any("运行超过时限" in line and "排入申请" in line for line in level_lines(plan))


def _searching(monkeypatch, problem, warm, level, deadline=None):
    """A search whose solution in hand is the plan `warm` made complete, the levels above
    `level` held; and that level's terms and expression."""
    from ortools.sat.python import cp_model

    from scheduler import solve as solving

    monkeypatch.setattr(solving, "warm_starts", lambda p, *args, **kw: [("given", warm)])
    pairs = relations(problem)
    ctx = model.build_model(problem, solving.make_candidates(problem, pairs))
    search = solving.StagedSearch(ctx, SolveOptions(time_limit=10), 0.0, deadline=deadline, pairs=pairs)
    search._warm_start()

    def of(name):
        terms = ctx.objective_terms[name]
        return terms, cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms])

    names = [name for name, _ in LEVELS]
    for above in names[: names.index(level)]:
        terms, expr = of(above)
        ctx.model.add(expr <= search._value(terms))
    return (search, *of(level))


def _apart(monkeypatch, deadline=None):
    """Related A and B in two sittings in hand (each request alone), the scheduling level held."""
    from scheduler.baseline import baseline_plan

    requests = [make_request(x, minutes=60, tags=("安全生产",)) for x in "AB"] + [make_request("C", minutes=60, chair="L2")]
    problem = make_problem(requests, days=2)
    return _searching(monkeypatch, problem, baseline_plan(problem), "fewer_sittings", deadline)


def test_the_neighbourhood_search_combines_what_the_warm_start_left_apart(monkeypatch):
    search, terms, expr = _apart(monkeypatch)
    assert search._value(terms) == 3
    assert [sorted({r for v in g for r in v.candidate.request_ids}) for g in search.groups] == [["A", "B"]]
    assert search._neighbourhoods(expr, terms, 3, 10.0, search._split_groups) == 2
    chosen = {v.candidate.request_ids for v in search.ctx.vars if search.solution[v.present.index]}
    assert chosen == {("A", "B"), ("C",)}


def test_the_neighbourhood_search_places_a_request_by_moving_the_sitting_in_its_way(monkeypatch):
    from scheduler.domain import Room
    from scheduler.solve import extract
    from tests.conftest import make_plan, make_sitting

    a = make_request("A", minutes=60)
    b = make_request("B", minutes=60, fixed_start=at(0, "08:30"))  # the same chair, at A's time
    problem = make_problem([a, b], rooms=(Room(id="R1", name="一号会议室", capacity=40, building="A"),), days=1)
    search, terms, expr = _searching(monkeypatch, problem, make_plan(make_sitting(a, at(0, "08:30"))), "schedule_requests")
    assert placed(make_plan(*extract(problem, search.ctx.vars, search.solution))) == {"A"}
    [free] = search._left_out()  # B's candidates, and A: the same chair on B's day
    assert {v.candidate.key for v in search.ctx.vars if v.present.index in free} == {"A", "B"}
    before = search._value(terms)
    assert search._neighbourhoods(expr, terms, before, 10.0, search._left_out) < before
    plan = make_plan(*extract(problem, search.ctx.vars, search.solution))
    assert placed(plan) == {"A", "B"} and not check(problem, plan)
    assert {s.id: s.start for s in plan.sittings} == {"B": at(0, "08:30"), "A": at(0, "09:30")}


def test_the_neighbourhood_search_gives_up_a_level_the_deadline_cuts(monkeypatch):
    from scheduler.solve import Deadline

    search, terms, expr = _apart(monkeypatch, deadline=Deadline(0))
    assert search._neighbourhoods(expr, terms, 3, 10.0, search._split_groups) is None


def test_a_level_stopped_before_its_first_answer_proves_nothing():
    from ortools.sat.python import cp_model

    from scheduler.solve import level_bound

    # CP-SAT reports a bound of 0 when it stopped before any answer: for the scheduling level
    # (negative values) that once read as "已证明无法多排".
    assert level_bound(cp_model.UNKNOWN, 0.0, 0.0, -3714, -4000) == (False, -4000)
    assert level_bound(cp_model.FEASIBLE, -3714.0, -3800.0, -3714, -4000) == (False, -3800)
    assert level_bound(cp_model.OPTIMAL, -3714.0, -3714.0, -3714, -4000) == (True, -3714)


def test_the_most_requests_a_week_could_hold_never_exceeds_its_requests():
    from scheduler.domain import REJECTED, LevelResult, Outcome, SolveStats
    from scheduler.solve import level_lines
    from tests.conftest import make_plan, make_sitting

    a = make_request("A")
    plan = replace(
        make_plan(make_sitting(a, at(0, "09:00"))),
        outcomes=tuple(Outcome(request_id=r, codes=(c,)) for r, c in (("A", "scheduled"), ("B", "not_placeable"), ("C", REJECTED))),
        stats=SolveStats(levels=(LevelResult(name="schedule_requests", value=-10, bound=-500, proven=False),)),
    )
    assert level_lines(plan)[0] == "已排1项（至多可排2项，未证明）"  # not 50: C was returned


def test_the_deterministic_budget_scales_down_with_the_model():
    from scheduler.solve import DTIME_PER_SECOND, REFERENCE_VARIABLES, dtime_rate

    assert dtime_rate(100) == dtime_rate(REFERENCE_VARIABLES) == DTIME_PER_SECOND
    assert dtime_rate(2 * REFERENCE_VARIABLES) < DTIME_PER_SECOND
    assert dtime_rate(10 * REFERENCE_VARIABLES) < dtime_rate(2 * REFERENCE_VARIABLES)


def test_each_level_reports_value_and_bound(example_plan):
    names = [lv.name for lv in example_plan.stats.levels]
    assert names[0] == "schedule_requests" and "fewer_sittings" in names
    for lv in example_plan.stats.levels:
        assert lv.bound <= lv.value
    sittings = next(lv for lv in example_plan.stats.levels if lv.name == "fewer_sittings")
    assert sittings.value == len(example_plan.sittings)


def test_morning_is_what_the_office_hours_say():
    from scheduler.config import OfficeHours
    from datetime import time

    hours = OfficeHours(morning=(time(8, 30), time(13, 30)), afternoon=(time(14, 30), time(17, 30)))
    request = make_request("A", part_of_day="上午", minutes=60, earliest=at(0, "0:00").date(), latest=at(0, "0:00").date())
    busy = commitment("L1", at(0, "08:30"), at(0, "12:30"))
    plan = plan_of(make_problem([request], commitments=[busy], office_hours=hours, days=1))
    assert plan.sittings[0].start == at(0, "12:30")  # 12:30 is still morning by these office hours


# --- each soft rule moves a tiny week the right way --------------------------------------------


def test_schedule_requests_prefers_the_urgent_one():
    busy = commitment("L1", at(0, "09:30"), at(0, "17:30"))
    a = make_request("A", minutes=60, min_minutes=60)
    b = make_request("B", minutes=60, min_minutes=60, urgent=True, urgent_reason="上级要求")
    plan = plan_of(make_problem([a, b], commitments=[busy], days=1))
    assert placed(plan) == {"B"}


def test_fewer_sittings_combines_related_requests():
    plan = plan_of(make_problem([make_request("A", tags=("t",)), make_request("B", tags=("t",))], days=2))
    assert len(plan.sittings) == 1


def test_stronger_merges_pick_the_closer_matter():
    a = make_request("A", title="医院建设推进会", agenda="医院改扩建", merge_with=("B",))
    b = make_request("B", title="医院建设资金调度会", agenda="医院改扩建资金")
    c = make_request("C", title="医院周边交通整治会", agenda="医院周边停车")
    plan = plan_of(make_problem([a, b, c], days=1, max_items_per_sitting=2))
    assert any(s.request_ids == ("A", "B") for s in plan.sittings)


def test_fewer_attendance_trips_combines_requests_that_share_units():
    a = make_request("A", tags=("t",), units=("市水利局", "市农业农村局"))
    b = make_request("B", tags=("t",), units=("市教育局",))
    c = make_request("C", tags=("t",), units=("市水利局", "市农业农村局"))
    plan = plan_of(make_problem([a, b, c], days=1, max_items_per_sitting=2))
    assert any(set(s.request_ids) == {"A", "C"} for s in plan.sittings)


def test_avoid_shortening_keeps_the_asked_length_when_there_is_room():
    plan = plan_of(make_problem([make_request("A", minutes=90, min_minutes=30)], days=1))
    assert plan.sittings[0].minutes == 90


def test_fewer_person_minutes_cuts_the_smaller_audience_last():
    busy = commitment("L1", at(0, "14:30"), at(0, "17:30"))
    a = make_request("A", kind="座谈会", minutes=120, min_minutes=60, attendees=30, mergeable=False)
    b = make_request("B", kind="座谈会", minutes=120, min_minutes=60, attendees=5, mergeable=False)
    plan = plan_of(make_problem([a, b], commitments=[busy], days=1, office_hours=_hours("09:00-12:00")))
    minutes = {i.request_id: i.minutes for s in plan.sittings for i in s.items}
    assert minutes == {"A": 60, "B": 120}


def test_smallest_room_that_holds_it():
    plan = plan_of(make_problem([make_request("A", attendees=10)], days=1))
    assert plan.sittings[0].room == "R2"


def test_chair_keeps_one_room_on_a_day():
    rooms = (Room(id="R1", name="一号", capacity=40), Room(id="R2", name="二号", capacity=40))
    taken = reception(["L2"], at(0, "14:30"), at(0, "17:30"), room="R1")
    a = make_request("A", part_of_day="上午", mergeable=False)
    b = make_request("B", part_of_day="下午", mergeable=False)
    plan = plan_of(make_problem([a, b], rooms=rooms, receptions=[taken], days=1))
    assert {s.room for s in plan.sittings} == {"R2"}


def test_prefer_urgent_early():
    plan = plan_of(make_problem([make_request("A", urgent=True, urgent_reason="急")], days=3))
    assert plan.sittings[0].start.date() == at(0, "0:00").date()


def test_prefer_asked_day():
    plan = plan_of(make_problem([make_request("A", earliest=at(1, "0:00").date())], days=3))
    assert plan.sittings[0].start.date() == at(1, "0:00").date()


def test_even_leader_load_spreads_a_leader_over_days():
    requests = [make_request(x, mergeable=False) for x in "ABCD"]
    plan = plan_of(make_problem(requests, days=2))
    days = [s.start.date() for s in plan.sittings]
    assert sorted(days.count(d) for d in set(days)) == [2, 2]


def _hours(morning: str):
    from scheduler.values import parse_hours
    from scheduler.config import OfficeHours

    return OfficeHours(morning=parse_hours(morning), afternoon=parse_hours("14:30-17:30"))


# --- check: requests with no possible time ------------------------------------------------------


@pytest.mark.parametrize("who", ["L1", "L2"])
def test_check_lists_a_request_whose_leader_is_away_for_its_whole_window(who):
    away = commitment(who, at(0, "08:00"), at(1, "18:00"), title="赴省学习")
    request = make_request("A", leaders=("L2",))
    findings = precheck(make_problem([request], commitments=[away], days=2))
    assert any(f.rule == "no_free_time" and "赴省学习" in f.message and "12月7日（周一）08:00至12月8日（周二）18:00" in f.message for f in findings)


def test_check_is_quiet_when_a_free_stretch_remains():
    away = commitment("L1", at(0, "08:00"), at(1, "11:00"), title="赴省学习")
    findings = precheck(make_problem([make_request("A")], commitments=[away], days=2))
    assert not any(f.rule == "no_free_time" for f in findings)


def test_the_warm_start_moves_a_sitting_to_let_a_fixed_meeting_in():
    from scheduler.baseline import _alone, greedy
    from scheduler.domain import Room

    a = make_request("A", minutes=60)
    b = make_request("B", minutes=60, chair="L2", fixed_start=at(0, "08:30"))
    rooms = (Room(id="R1", name="一号会议室", capacity=40, building="A"),)
    problem = make_problem([a, b], rooms=rooms, days=1)
    blocks = _alone(problem, [a, b], lambda r: r.minutes)  # first come, first served: A takes 08:30
    assert placed(greedy(problem, blocks, repair=False)) == {"A"}
    plan = greedy(problem, blocks)
    assert placed(plan) == {"A", "B"} and not check(problem, plan)
    assert {s.id: s.start for s in plan.sittings} == {"B": at(0, "08:30"), "A": at(0, "09:30")}
