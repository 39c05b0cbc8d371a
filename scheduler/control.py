"""计划管理和总量控制: what `check` and `plan` add to a week from the ledger — the annual plan
(计划内 / 计划外) and the quotas (只减不增) — and the import of a year's plan. Reads the ledger
through `ledger`; pure otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from . import annual, policy as negative_list, quota, reconcile
from .domain import REJECTED, RETURNED, Outcome, Plan, Problem
from .ledger import Ledger
from .rules import Finding, repeated_meetings

QUOTA_RULE = "quota_exceeded"  # the finding, refusal and publish violation of a request beyond a quota


@dataclass(frozen=True, slots=True, kw_only=True)
class Review:
    """A week seen against the year: findings, lines for staff, requests kept out of the plan."""

    findings: tuple[Finding, ...] = ()
    matches: dict[str, annual.Match] = field(default_factory=dict)
    classes: dict[str, frozenset[str]] = field(default_factory=dict)  # request id -> quota classes
    uses: tuple[quota.Use, ...] = ()
    lines: tuple[str, ...] = ()  # Chinese, e.g. the annual plan's and the quotas' use
    excluded: tuple[Outcome, ...] = ()  # not scheduled, with the rule and the reason
    policy: negative_list.Policy | None = None
    no_meeting_dates: tuple[date, ...] = ()  # made 无会日 for the solver by a hard rule
    kind_max_minutes: dict[str, int] = field(default_factory=dict)  # lowered by a hard rule


@dataclass(frozen=True, slots=True, kw_only=True)
class Records:
    """What the ledger knows that a week's review needs."""

    items: tuple[annual.AnnualItem, ...] = ()
    held: tuple[dict, ...] = ()  # request rows held, this year and last, other weeks only
    published: tuple[date, ...] = ()  # Mondays of the weeks published last year and this
    earlier: tuple[dict, ...] = ()  # held in the `repeat_weeks` weeks before the planned one


def import_annual_plan(path: Path, *, year: int, ledger_path: Path, now: datetime) -> tuple[int, list[annual.AnnualItem]]:
    """Read a 年度会议计划 file and record it in the ledger (all or nothing); returns the import's id."""
    items = annual.read_annual_plan(path, year)
    with Ledger(ledger_path) as ledger:
        number = ledger.record_annual_plan(year=year, imported_at=now, source=Path(path).name, items=[i.as_row() for i in items])
    return number, items


def reconcile_file(path: Path, *, ledger_path: Path, start: date | None, end: date | None, near: date) -> reconcile.Reconciliation:
    """双台账: a units' record of meetings held against the ledger, for start..end (default: the
    record's first to last day)."""
    records = reconcile.read_records(path, near=near)
    start = start or min(r.day for r in records)
    end = end or max(r.day for r in records)
    with Ledger(ledger_path, create=False) as ledger:
        held = ledger.held_rows(start, end + timedelta(days=1))
        sources = {(pid, s["id"]): s for pid in sorted({h["publication_id"] for h in held}) for s in ledger.request_sources(pid)}
    return reconcile.reconcile(records, held, source=Path(path).name, start=start, end=end, sources=sources)


def burden_of(ledger: Ledger, start: date, end: date, start_before: date, end_before: date, *, target_percent: float, large_attendees: int):
    """减负统计 for [start, end) against [start_before, end_before) from an open ledger."""
    from .burden import burden

    compared = bool(ledger.published_weeks(start_before - timedelta(days=6), end_before))
    return burden(ledger.request_rows(start, end), ledger.request_rows(start_before, end_before), ledger.sitting_rows(start, end),
                  start=start, end=end, compared=compared, target_percent=target_percent, large_attendees=large_attendees)


def _years(problem: Problem) -> list[int]:
    return sorted({problem.week.year, (problem.week + timedelta(days=6)).year}
                  | {d.year for r in problem.requests for d in annual.request_window(problem, r)})


def records(problem: Problem, ledger_path: Path | None) -> Records:
    if ledger_path is None or not Path(ledger_path).exists():
        return Records()
    years = _years(problem)
    start, end = date(years[0] - 1, 1, 1), date(years[-1] + 1, 1, 1)
    with Ledger(ledger_path, create=False) as ledger:  # a reader: never writes a schema into a foreign file
        items = [annual.AnnualItem.from_row(year, row) for year in years for row in ledger.annual_plan(year)]
        held = [row for row in ledger.held_rows(start, end) if row["week"] != problem.week.isoformat()]
        published = ledger.published_weeks(start - timedelta(days=6), end)
        earlier = ledger.earlier_requests(problem.week, problem.week - timedelta(days=7 * problem.settings.repeat_weeks))
    return Records(items=tuple(items), held=tuple(held), published=tuple(published), earlier=tuple(earlier))


def policy_of(problem: Problem) -> negative_list.Policy:
    """The negative list week.toml names (relative to the week's folder), else the shipped one."""
    if not problem.settings.policy:
        return negative_list.load_policy(None)
    path = Path(problem.settings.policy)
    return negative_list.load_policy(path if path.is_absolute() else Path(problem.source) / path)


def review(problem: Problem, ledger_path: Path | None) -> Review:
    """The week against the ledger's annual plans, the quotas of week.toml and the negative list."""
    return review_records(problem, records(problem, ledger_path), policy_of(problem))


def review_records(problem: Problem, rec: Records, rules: negative_list.Policy | None = None) -> Review:
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
    refusals: dict[str, list[tuple[str, str]]] = {}  # request id -> [(rule, reason)]
    for breach in over_quota(problem, uses):
        found.append(Finding(QUOTA_RULE, breach.request_id, breach.message + ("，不予安排" if settings.hard else "")))
        if settings.hard:
            refusals.setdefault(breach.request_id, []).append((QUOTA_RULE, f"超出总量控制：{breach.text}；week.toml 的 [quota] 为 hard = true，不予安排。"))

    days, kinds = (), {}
    if rules is not None:
        context = negative_list.Context(classes=classes, held=tuple(held), repeated=tuple(repeated_meetings(problem, list(rec.earlier))))
        for hit in negative_list.hits(problem, rules, context):
            rule = rules.rule(hit.rule)
            r = index[hit.request_id]
            refused = rule.enforce == negative_list.HARD and hit.rule not in negative_list.ADJUSTING
            found.append(Finding(hit.rule, r.id, f"{r.id}「{r.title}」{hit.detail}，{rule.cite}" + ("，不予安排" if refused else "")))
            if refused:
                refusals.setdefault(r.id, []).append((hit.rule, f"{hit.detail}，{rule.cite}，不予安排。"))
        days, kinds = negative_list.adjusted_days(problem, rules), negative_list.adjusted_kinds(problem, rules)
    order = list(index)
    excluded = tuple(
        Outcome(request_id=rid, codes=(REJECTED,), rules=tuple(dict.fromkeys(rule for rule, _ in pairs)), reasons=tuple(text for _, text in pairs))
        for rid, pairs in sorted(refusals.items(), key=lambda x: order.index(x[0]))
    )
    return Review(findings=tuple(found), matches=matches, classes=classes, uses=tuple(uses), lines=tuple(lines), excluded=excluded,
                  policy=rules, no_meeting_dates=days, kind_max_minutes=kinds)


@dataclass(frozen=True, slots=True, kw_only=True)
class Breach:
    """One request beyond a quota's cap: the request and the use of the cap it is counted in."""

    request_id: str
    title: str
    use: quota.Use
    count: int  # the request is the count-th of its unit and class in the period

    @property
    def text(self) -> str:
        u = self.use
        return f"{u.unit} {u.cls} {quota.PERIOD_ZH[u.period]}第{self.count}次，上限{u.cap}（{u.basis}）"

    @property
    def message(self) -> str:
        return f"{self.request_id}「{self.title}」超出总量控制：{self.text}"


def over_quota(problem: Problem, uses) -> list[Breach]:
    """Every request beyond a cap, once per cap it is beyond (urgent requests took the quota first)."""
    index = problem.request_index
    return [
        Breach(request_id=rid, title=index[rid].title, use=use, count=use.held + use.requested.index(rid) + 1)
        for use in uses for rid in use.over
    ]


def hard_quota_breaches(problem: Problem, plan: Plan, result: Review) -> list[Breach]:
    """The hard quotas (week.toml [quota] hard = true) a plan breaks: requests beyond a cap that
    the plan schedules anyway. `publish` refuses such a plan; `whatif` says which and why."""
    if not problem.settings.quota.hard:
        return []
    scheduled = {i.request_id for s in plan.sittings for i in s.items}
    return [b for b in over_quota(problem, result.uses) if b.request_id in scheduled]


def plan_findings(problem: Problem, plan: Plan, result: Review) -> list[Finding]:
    """Flagged rules read on the solved plan (items on a flagged 无会日)."""
    if result.policy is None:
        return []
    index = problem.request_index
    out = []
    for hit in negative_list.plan_hits(problem, plan, result.policy):
        r = index[hit.request_id]
        out.append(Finding(hit.rule, r.id, f"{r.id}「{r.title}」{hit.detail}，{result.policy.rule(hit.rule).cite}"))
    return out


def mark_rows(rows: list[dict], result: Review) -> list[dict]:
    """The ledger's request rows of a publication with 计划内/计划外 (None without an annual plan)
    and whether each is a 全市性会议."""
    return [
        {**row, "annual": result.matches[row["id"]].status if row["id"] in result.matches else None,
         "citywide": int(quota.CITYWIDE in result.classes[row["id"]]) if row["id"] in result.classes else None}
        for row in rows
    ]


def for_solver(problem: Problem, result: Review) -> Problem:
    """The problem the solver sees: the excluded requests taken out, the days a hard rule makes
    无会日 marked, the lengths a hard rule lowers capped."""
    if not (result.excluded or result.no_meeting_dates or result.kind_max_minutes):
        return problem
    gone = {o.request_id for o in result.excluded}
    settings = problem.settings
    if result.kind_max_minutes:
        kinds = dict(settings.kinds)
        for kind, limit in result.kind_max_minutes.items():
            kinds[kind] = replace(settings.caps(kind), max_minutes=limit)
        settings = replace(settings, kinds=kinds)
    days = tuple(replace(d, no_meeting=True) if d.date in result.no_meeting_dates else d for d in problem.days)
    return replace(problem, settings=settings, days=days, requests=tuple(r for r in problem.requests if r.id not in gone))


def with_excluded(problem: Problem, plan: Plan, result: Review) -> Plan:
    """The solver's plan with an outcome for every excluded request, in the week's order, and
    each request's 计划内 / 计划外 when the ledger holds an annual plan for the week."""
    plan = with_annual(plan, result)
    if not result.excluded:
        return plan
    order = {r.id: n for n, r in enumerate(problem.requests)}
    outcomes = sorted((*plan.outcomes, *result.excluded), key=lambda o: order.get(o.request_id, len(order)))
    return replace(plan, outcomes=tuple(outcomes))


def with_annual(plan: Plan, result: Review) -> Plan:
    """The plan carrying each request's 计划内 / 计划外 (None when no annual plan was loaded)."""
    return replace(plan, annual_plan={rid: m.status for rid, m in result.matches.items()} if result.matches else None)
