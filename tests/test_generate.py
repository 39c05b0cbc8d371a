"""The planted-feasible generator: its hidden plan keeps every hard rule, so every request of
the week is placeable, and the solver places them all on a small one."""

from scheduler.generate import planted
from scheduler.rules import check
from scheduler.solve import SolveOptions, solve


def test_the_hidden_plan_passes_every_rule():
    problem, hidden = planted(120, seed=1)
    assert len(problem.requests) == 120 == sum(len(s.items) for s in hidden.sittings)
    assert check(problem, hidden) == []


def test_the_solver_places_every_request_of_a_small_planted_week():
    problem, _ = planted(30, seed=2)
    plan = solve(problem, SolveOptions(time_limit=8, workers=2))
    assert sum(len(s.items) for s in plan.sittings) == 30
