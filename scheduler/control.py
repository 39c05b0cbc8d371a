"""计划管理和总量控制: what `check` and `plan` add to a week from the ledger — the annual plan
(计划内 / 计划外) and the quotas (只减不增) — and the import of a year's plan. Reads the ledger
through `ledger`; pure otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from . import annual, quota
from .domain import REJECTED, RETURNED, Outcome, Plan, Problem
from .ledger import Ledger
from .rules import Finding


@dataclass(frozen=True, slots=True, kw_only=True)
class Review:
    """A week seen against the year: findings, lines for staff, requests kept out of the plan."""

    findings: tuple[Finding, ...] = ()
    matches: dict[str, annual.Match] = field(default_factory=dict)
    classes: dict[str, frozenset[str]] = field(default_factory=dict)  # request id -> quota classes
    uses: tuple[quota.Use, ...] = ()
    lines: tuple[str, ...] = ()  # Chinese, e.g. the annual plan's and the quotas' use
    excluded: tuple[Outcome, ...] = ()  # not scheduled, with the rule and the reason


@dataclass(frozen=True, slots=True, kw_only=True)
class Records:
    """What the ledger knows that a week's review needs."""

    items: tuple[annual.AnnualItem, ...] = ()
    held: tuple[dict, ...] = ()  # request rows held, this year and last, other weeks only
    published: tuple[date, ...] = ()  # Mondays of the weeks published last year and this


def import_annual_plan(path: Path, *, year: int, ledger_path: Path, now: datetime) -> tuple[int, list[annual.AnnualItem]]:
    """Read a 年度会议计划 file and record it in the ledger (all or nothing); returns the import's id."""
    items = annual.read_annual_plan(path, year)
    with Ledger(ledger_path) as ledger:
        number = ledger.record_annual_plan(year=year, imported_at=now, source=Path(path).name, items=[i.as_row() for i in items])
    return number, items


def _years(problem: Problem) -> list[int]:
    return sorted({problem.week.year, (problem.week + timedelta(days=6)).year}
                  | {d.year for r in problem.requests for d in annual.request_window(problem, r)})


def records(problem: Problem, ledger_path: Path | None) -> Records:
    if ledger_path is None or not Path(ledger_path).exists():
        return Records()
    years = _years(problem)
    start, end = date(years[0] - 1, 1, 1), date(years[-1] + 1, 1, 1)
    with Ledger(ledger_path) as ledger:
        items = [annual.AnnualItem.from_row(year, row) for year in years for row in ledger.annual_plan(year)]
        held = [row for row in ledger.held_rows(start, end) if row["week"] != problem.week.isoformat()]
        published = ledger.published_weeks(start - timedelta(days=6), end)
    return Records(items=tuple(items), held=tuple(held), published=tuple(published))


def review(problem: Problem, ledger_path: Path | None) -> Review:
    """The week against the ledger's annual plans and the quotas of week.toml."""
    return review_records(problem, records(problem, ledger_path))


def review_records(problem: Problem, rec: Records) -> Review:
    settings = problem.settings.quota
    items = list(rec.items)
    matches = annual.match(problem, items) if items else {}
    found = annual.findings(problem, items, matches)
    lines = [annual.summary_line(matches, found)] if items else []

    classes: dict[str, frozenset[str]] = {}
    for r in problem.requests:
        m = matches.get(r.id)
        citywide = m.item.citywide if m is not None and m.item is not None else None
        classes[r.id] = frozenset(quota.classes_of(kind=r.kind, title=r.title, attendees=r.attendees, citywide=citywide, settings=settings))
    counted = [r for r in problem.requests if r.approval != RETURNED and r.fixed_start is None]
    counted.sort(key=lambda r: not r.urgent)  # urgent requests take the quota first
    week = [quota.Counted(unit=r.organiser, day=annual.request_day(problem, r), classes=classes[r.id], request_id=r.id, title=r.title) for r in counted]
    held = [
        quota.Counted(unit=row["organiser"], day=date.fromisoformat(row["day"]), classes=frozenset(quota.classes_of(
            kind=row["kind"], title=row["title"], attendees=row.get("attendees"),
            citywide=None if row.get("citywide") is None else bool(row["citywide"]), settings=settings)))
        for row in rec.held
    ]
    covered = {(period, quota.period_span(period, day)[0]) for monday in rec.published for day in (monday, monday + timedelta(days=6)) for period in quota.PERIODS}
    uses = quota.uses(settings, week, held, covered)
    if uses:
        lines.append("总量控制（只减不增）：" + "；".join(u.line for u in uses))

    index = problem.request_index
    reasons: dict[str, list[str]] = {}
    for use in uses:
        for rid in use.over:
            r = index[rid]
            n = use.held + use.requested.index(rid) + 1
            text = f"{use.unit} {use.cls} {quota.PERIOD_ZH[use.period]}第{n}次，上限{use.cap}（{use.basis}）"
            found.append(Finding("quota_exceeded", rid, f"{rid}「{r.title}」超出总量控制：{text}"))
            reasons.setdefault(rid, []).append(text)
    excluded = ()
    if settings.hard:
        excluded = tuple(
            Outcome(request_id=rid, codes=(REJECTED,), rules=("quota_exceeded",),
                    reasons=tuple(f"超出总量控制：{t}；week.toml 的 [quota] 为 hard = true，不予安排。" for t in texts))
            for rid, texts in sorted(reasons.items(), key=lambda x: list(index).index(x[0]))
        )
    return Review(findings=tuple(found), matches=matches, classes=classes, uses=tuple(uses), lines=tuple(lines), excluded=excluded)


def mark_rows(rows: list[dict], result: Review) -> list[dict]:
    """The ledger's request rows of a publication with 计划内/计划外 (None without an annual plan)
    and whether each is a 全市性会议."""
    return [
        {**row, "annual": result.matches[row["id"]].status if row["id"] in result.matches else None,
         "citywide": int(quota.CITYWIDE in result.classes[row["id"]]) if row["id"] in result.classes else None}
        for row in rows
    ]


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
