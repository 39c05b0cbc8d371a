"""计划管理和总量控制: what `check` and `plan` add to a week from the ledger — the annual plan
(计划内 / 计划外), and the import of a year's plan. Reads the ledger through `ledger`; pure
otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from . import annual
from .domain import Outcome, Plan, Problem
from .ledger import Ledger
from .rules import Finding


@dataclass(frozen=True, slots=True, kw_only=True)
class Review:
    """A week seen against the year: findings, lines for staff, requests kept out of the plan."""

    findings: tuple[Finding, ...] = ()
    matches: dict[str, annual.Match] = field(default_factory=dict)
    lines: tuple[str, ...] = ()  # Chinese, e.g. the annual plan's and the quotas' use
    excluded: tuple[Outcome, ...] = ()  # not scheduled, with the rule and the reason


def import_annual_plan(path: Path, *, year: int, ledger_path: Path, now: datetime) -> tuple[int, list[annual.AnnualItem]]:
    """Read a 年度会议计划 file and record it in the ledger (all or nothing); returns the import's id."""
    items = annual.read_annual_plan(path, year)
    with Ledger(ledger_path) as ledger:
        number = ledger.record_annual_plan(year=year, imported_at=now, source=Path(path).name, items=[i.as_row() for i in items])
    return number, items


def annual_items(ledger: Ledger, problem: Problem) -> list[annual.AnnualItem]:
    """The plan items of every year the week's requests may fall in."""
    years = sorted({problem.week.year, (problem.week + timedelta(days=6)).year}
                   | {d.year for r in problem.requests for d in annual.request_window(problem, r)})
    return [annual.AnnualItem.from_row(year, row) for year in years for row in ledger.annual_plan(year)]


def review(problem: Problem, ledger_path: Path | None) -> Review:
    """The week against the ledger's annual plans (nothing when there is no ledger)."""
    if ledger_path is None or not Path(ledger_path).exists():
        return Review()
    with Ledger(ledger_path) as ledger:
        items = annual_items(ledger, problem)
    if not items:
        return Review()
    matches = annual.match(problem, items)
    found = annual.findings(problem, items, matches)
    return Review(findings=tuple(found), matches=matches, lines=(annual.summary_line(matches, found),))


def mark_rows(rows: list[dict], result: Review) -> list[dict]:
    """The ledger's request rows of a publication with 计划内/计划外 (None without an annual plan)."""
    return [{**row, "annual": result.matches[row["id"]].status if row["id"] in result.matches else None} for row in rows]


def without_excluded(problem: Problem, result: Review) -> Problem:
    """The problem the solver sees: the excluded requests taken out."""
    if not result.excluded:
        return problem
    gone = {o.request_id for o in result.excluded}
    return replace(problem, requests=tuple(r for r in problem.requests if r.id not in gone))


def with_excluded(problem: Problem, plan: Plan, result: Review) -> Plan:
    """The solver's plan with an outcome for every excluded request, in the week's order."""
    if not result.excluded:
        return plan
    order = {r.id: n for n, r in enumerate(problem.requests)}
    outcomes = sorted((*plan.outcomes, *result.excluded), key=lambda o: order.get(o.request_id, len(order)))
    return replace(plan, outcomes=tuple(outcomes))
