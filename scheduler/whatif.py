"""What-if variants of a week and the differences between two plans.

A variant changes the problem (a leader away, requests added or dropped, a time fixed, a
setting changed); `solve(..., previous=plan)` then re-plans it as close to the published plan
as it can. `diff` compares two plan.json documents request by request."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .config import apply_overrides
from .domain import AFTERNOON, MORNING, Commitment, MeetingRequest, Plan, Problem
from .errors import ConfigError, PlanError
from .values import parse_date, parse_datetime
from .workcal import week_days

HYPOTHETICAL_AWAY = "（假设）外出"
HYPOTHETICAL_SOURCE = "whatif"

KINDS_ZH = {"moved": "时间调整", "added": "新增", "dropped": "取消", "shortened": "压缩时长", "lengthened": "延长", "regrouped": "套开调整", "room": "换会议室"}


@dataclass(frozen=True, slots=True)
class Away:
    leader: str  # a name or id, resolved against the problem
    start: str  # "2026-12-09", "2026-12-09下午", "12月9日上午"
    end: str | None = None


def _half_day(text: str, problem: Problem, *, end: bool) -> datetime:
    match = re.fullmatch(r"(.+?)(上午|下午)?", text.strip())
    day = parse_date(match[1], problem.week)
    part = match[2]
    hours = problem.settings.office_hours
    if part == MORNING:
        moment = hours.morning[1] if end else time(0)
    elif part == AFTERNOON:
        moment = time(23, 59) if end else hours.morning[1]
    else:
        moment = time(23, 59) if end else time(0)
    return datetime.combine(day, moment, tzinfo=problem.tz)


def leader_id(problem: Problem, name: str) -> str:
    for leader in problem.leaders:
        if name in (leader.id, leader.name):
            return leader.id
    known = "、".join(leader.name for leader in problem.leaders)
    raise ConfigError(f"--away：「{name}」不是本周的领导（本周领导：{known}）")


def away(problem: Problem, spec: Away) -> Problem:
    """The leader away from the start of `start` to the end of `end` (or of `start`)."""
    try:
        begin = _half_day(spec.start, problem, end=False)
        finish = _half_day(spec.end or spec.start, problem, end=True)
    except (ValueError, TypeError):
        raise ConfigError(f"--away：「{spec.start}{'..' + spec.end if spec.end else ''}」不是日期或半天（例如 2026-12-09、2026-12-09下午 或 2026-12-09..2026-12-10）") from None
    if finish <= begin:
        raise ConfigError(f"--away：结束「{spec.end}」早于开始「{spec.start}」")
    first, last = problem.week, problem.week + timedelta(days=6)
    if finish.date() < first or begin.date() > last:
        raise ConfigError(f"--away：「{spec.start}{'..' + spec.end if spec.end else ''}」不在计划周（{first:%Y-%m-%d}至{last:%Y-%m-%d}）内")
    commitment = Commitment(leader=leader_id(problem, spec.leader), start=begin, end=finish, title=HYPOTHETICAL_AWAY, away=True, source=HYPOTHETICAL_SOURCE)
    return replace(problem, commitments=tuple(sorted((*problem.commitments, commitment), key=lambda c: (c.start, c.leader, c.title))))


def drop(problem: Problem, request_id: str) -> Problem:
    if request_id not in problem.request_index:
        raise ConfigError(f"--drop：本周没有编号为「{request_id}」的会议申请")
    return replace(problem, requests=tuple(r for r in problem.requests if r.id != request_id))


def fix(problem: Problem, request_id: str, when: str) -> Problem:
    if request_id not in problem.request_index:
        raise ConfigError(f"--fix：本周没有编号为「{request_id}」的会议申请")
    try:
        moment = parse_datetime(when, problem.week).replace(tzinfo=problem.tz)
    except ValueError:
        raise ConfigError(f"--fix：「{when}」不是日期和时间（例如 {request_id}=2026-12-08 9:00）") from None
    first, last = problem.week, problem.week + timedelta(days=6)
    if not first <= moment.date() <= last:
        raise ConfigError(f"--fix：「{when.strip()}」不在计划周（{first:%Y-%m-%d}至{last:%Y-%m-%d}）内")
    return replace(problem, requests=tuple(replace(r, fixed_start=moment) if r.id == request_id else r for r in problem.requests))


def add(problem: Problem, requests: list[MeetingRequest]) -> Problem:
    clash = sorted({r.id for r in requests} & set(problem.request_index))
    if clash:
        raise ConfigError(f"--add：追加的申请编号本周已有：{'、'.join(clash)}；请改用新编号")
    marked = tuple(replace(r, origin=replace(r.origin, added=True)) if r.origin else r for r in requests)
    return replace(problem, requests=(*problem.requests, *marked))


def set_key(problem: Problem, key: str, value: str) -> Problem:
    try:
        parsed = tomllib.loads(f"x = {value}")["x"]
    except tomllib.TOMLDecodeError:
        parsed = value  # a bare word: a string
    settings = apply_overrides(problem.settings, {key: parsed})
    return replace(problem, settings=settings, days=week_days(settings, problem.week), tz=settings.tz)


@dataclass(frozen=True, slots=True)
class Variant:
    """How a what-if variant was made, recorded in its plan.json so that publish can re-apply
    it: away (hypothetical, never published), add (files), drop, fix (ID=DATETIME), set (KEY=VALUE)."""

    away: tuple[tuple[str, str], ...] = ()
    add: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    fix: tuple[str, ...] = ()
    set: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"away": [list(a) for a in self.away], "add": list(self.add), "drop": list(self.drop), "fix": list(self.fix), "set": list(self.set)}

    @classmethod
    def from_json(cls, data) -> "Variant":
        if not data:
            return cls()
        try:
            return cls(
                away=tuple((str(a[0]), str(a[1])) for a in data.get("away", [])), add=tuple(map(str, data.get("add", []))),
                drop=tuple(map(str, data.get("drop", []))), fix=tuple(map(str, data.get("fix", []))), set=tuple(map(str, data.get("set", []))),
            )
        except (AttributeError, IndexError, TypeError):
            raise PlanError("plan.json 中的 variant（假设方案说明）格式不对，请重新运行 scheduler whatif") from None

    def then(self, other: "Variant") -> "Variant":
        """This variant followed by another (a what-if of a what-if)."""
        return Variant(*(getattr(self, f) + getattr(other, f) for f in ("away", "add", "drop", "fix", "set")))

    def __bool__(self) -> bool:
        return any((self.away, self.add, self.drop, self.fix, self.set))


def apply(problem: Problem, variant: Variant, *, hypothetical: bool = True, lenient: bool = False) -> Problem:
    """The week as the variant has it; hypothetical=False leaves out what only shaped the plan
    (an absence from --away), as publishing does; lenient skips what the edited workbook made
    moot (a dropped request no longer in it, an added one now in it), as re-planning does."""
    from .intake import load_extra_requests

    if hypothetical:
        for leader, span in variant.away:
            start, _, end = span.partition("..")
            problem = away(problem, Away(leader, start, end or None))
    for path in variant.add:
        extra = load_extra_requests(Path(path), problem)
        if lenient:
            extra = [r for r in extra if r.id not in problem.request_index]
        problem = add(problem, extra)
    for request_id in variant.drop:
        if not (lenient and request_id not in problem.request_index):
            problem = drop(problem, request_id)
    for text in variant.fix:
        request_id, _, when = text.partition("=")
        if not (lenient and request_id.strip() not in problem.request_index):
            problem = fix(problem, request_id.strip(), when)
    for text in variant.set:
        key, _, value = text.partition("=")
        problem = set_key(problem, key.strip(), value.strip())
    return problem


def without_hypotheticals(plan: Plan) -> Plan:
    """The plan with every reason that names a hypothetical absence replaced by a neutral one
    (what is published never mentions it)."""
    def clean(texts):
        return tuple("按调整后的安排" if HYPOTHETICAL_AWAY in t else t for t in texts)

    outcomes = tuple(replace(o, reasons=tuple(dict.fromkeys(clean(o.reasons))), blockers=tuple(t for t in o.blockers if HYPOTHETICAL_AWAY not in t)) for o in plan.outcomes)
    return replace(plan, outcomes=outcomes)


def read_plan(data: dict, input_dir: Path | None, *, default_input: Path, hypothetical: bool = True, lenient: bool = False):
    """(folder, problem, plan) of a plan.json document: the week read from --input or the folder
    the plan names, the plan's variant re-applied (without the hypothetical when publishing)."""
    from .intake import load_week
    from .report import plan_from_json

    folder = Path(input_dir or data.get("input") or default_input)
    problem = load_week(folder, today=date.fromisoformat(data["week"]))
    variant = Variant.from_json(data.get("variant"))
    # a re-plan carries the published variant, which the edited workbook may have made moot in part
    problem = apply(problem, variant, hypothetical=hypothetical, lenient=lenient or "reference" in data)
    try:
        plan = plan_from_json(problem, data, lenient=lenient)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanError(f"plan.json 内容不完整或已被改坏（{exc.__class__.__name__}: {exc}）") from None
    if not hypothetical and variant.away:
        plan = without_hypotheticals(plan)
    return folder, problem, plan


# --- the difference between two plans ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    request_id: str
    title: str
    kinds: tuple[str, ...]
    before: str
    after: str
    reason: str


def _placements(data: dict) -> dict[str, dict]:
    out = {}
    for s in data["sittings"]:
        for item in s["items"]:
            out[item["request_id"]] = {
                "start": item["start"], "end": item["end"], "minutes": item["minutes"], "room": s["room"]["name"],
                "group": tuple(s["request_ids"]),
            }
    return out


def _when(p: dict) -> str:
    start, end = datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"])
    return f"{start:%m-%d %H:%M}-{end:%H:%M} {p['room']}"


def conflict_reasons(problem: Problem, published: Plan) -> dict[str, str]:
    """Why a published item cannot stay: the what-if's own commitments (a leader away) that
    overlap it, by request id."""
    index = problem.leader_index
    out: dict[str, str] = {}
    for c in problem.commitments:
        if c.source != "whatif":
            continue
        for sitting in published.sittings:
            for item in sitting.items:
                present = c.leader == sitting.chair or c.leader in item.leaders
                span = (sitting.start, sitting.end) if c.leader == sitting.chair else (item.start, item.end)
                if present and span[0] < c.end and c.start < span[1]:
                    out[item.request_id] = f"因{index[c.leader].name}{c.title}（{c.start:%m-%d %H:%M}至{c.end:%m-%d %H:%M}），原时间不能再开"
    return out


def diff(a: dict, b: dict, why: dict[str, str] | None = None) -> list[Change]:
    """Request by request, what differs from plan a to plan b (plan.json documents); `why`
    gives the cause of a change where the variant itself knows it."""
    if a.get("week") != b.get("week"):
        raise PlanError(f"两个方案不是同一周（{a.get('week')} 与 {b.get('week')}），无法比较")
    pa, pb = _placements(a), _placements(b)
    titles = {r["id"]: r["title"] for r in [*a["requests"], *b["requests"]]}
    reasons = {r["id"]: " ".join(r["outcome"]["reasons"]) for r in b["requests"]}
    out = []
    for rid in sorted(set(pa) | set(pb) | (set(titles) & (set(pa) ^ set(pb)))):
        x, y = pa.get(rid), pb.get(rid)
        if x == y:
            continue
        if x is None:
            kinds = ("added",)
        elif y is None:
            kinds = ("dropped",)
        else:
            kinds = tuple(k for k, changed in (
                ("moved", x["start"] != y["start"]),
                ("shortened", y["minutes"] < x["minutes"]),
                ("lengthened", y["minutes"] > x["minutes"]),
                ("regrouped", x["group"] != y["group"]),
                ("room", x["room"] != y["room"]),
            ) if changed)
            if not kinds:
                continue
        reason = "；".join(dict.fromkeys(filter(None, [(why or {}).get(rid), reasons.get(rid)]))) or ("本方案中已取消" if y is None else "随本方案的调整而变动")
        out.append(Change(rid, titles.get(rid, ""), kinds, _when(x) if x else "—", _when(y) if y else "—", reason))
    return out


def compare(a: dict, b: dict) -> list[Change]:
    """`scheduler diff`: plan b against plan a, a request whose time b's variant fixed (and a's
    did not) saying so, and one moved off a day that b made a 无会日."""
    fixed = set(Variant.from_json(b.get("variant")).fix) - set(Variant.from_json(a.get("variant")).fix)
    return diff(a, b, no_meeting_reasons(a, b) | fixed_reasons(Variant(fix=tuple(sorted(fixed)))))


def no_meeting_reason(start: datetime) -> str:
    """The cause of a change for a request whose time fell on a day made 无会日 since."""
    return f"{start:%m-%d}改为无会日，原时间不能再开"


def no_meeting_reasons(a: dict, b: dict) -> dict[str, str]:
    """Requests of plan.json a placed on a day that plan.json b has as a 无会日 and a had not
    (by week.toml or `whatif --set no_meeting_days=...` alike): that is the cause."""
    new = set(b.get("no_meeting_days") or ()) - set(a.get("no_meeting_days") or ())
    out = {}
    for rid, p in _placements(a).items():
        start = datetime.fromisoformat(p["start"])
        if start.date().isoformat() in new:
            out[rid] = no_meeting_reason(start)
    return out


def diff_table(changes: list[Change]) -> str:
    from .terminal import table

    if not changes:
        return "没有变化\n"
    return table(
        ("编号", "会议名称", "变化", "原安排", "新安排", "原因"),
        [(c.request_id, c.title, "、".join(KINDS_ZH[k] for k in c.kinds), c.before, c.after, c.reason) for c in changes],
    )




# --- running a variant, re-planning a published week ------------------------------------------


@dataclass(frozen=True, slots=True)
class Replanned:
    problem: Problem
    plan: Plan
    files: dict[str, bytes]
    changes: list[Change] | None  # None: planned from scratch (no reference)
    reference: str = ""  # what the plan was kept close to, in Chinese
    breaches: tuple = ()  # control.Breach: the hard quotas publishing this plan would break (publish refuses it)


def fixed_reasons(variant: Variant) -> dict[str, str]:
    """The reason of each request whose time staff fixed (`whatif --fix`): it says so."""
    out = {}
    for text in variant.fix:
        request_id, _, when = text.partition("=")
        out[request_id.strip()] = f"按要求固定在{when.strip()}开始"
    return out


def _reasons(problem: Problem, published: Plan, variant: Variant) -> dict[str, str]:
    """The cause, in the variant, of a request's change: an absence, a fixed time, a new 无会日."""
    out = conflict_reasons(problem, published)
    for request_id, reason in fixed_reasons(variant).items():
        out.setdefault(request_id, reason)
    no_meeting = {d.date for d in problem.days if d.no_meeting}
    for sitting in published.sittings:
        for item in sitting.items:
            if item.start.date() in no_meeting and item.request_id not in out:
                out[item.request_id] = no_meeting_reason(item.start)
    return out


_A_TIME = re.compile(r"\d{1,2}[:：]\d{2}")
_ANY_YEAR = date(2026, 1, 1)  # only to tell a date's form; the week's own dates are checked by away()


def check_arguments(plan_dir: Path | None, variant: Variant) -> None:
    """The mistakes of typing a what-if that would otherwise be blamed on something else, told
    before the plan is read: a time taken for the plan folder (a --fix value with a space, not
    quoted) and an --away without its date (the next option taken for it)."""
    if plan_dir is not None and _A_TIME.fullmatch(str(plan_dir)):
        raise ConfigError(
            f"「{plan_dir}」是时刻，不是安排目录：日期和时刻之间有空格时，整个值要加引号，例如 --fix \"H31=2026-12-08 9:00\""
        )
    for leader, span in variant.away:
        if span.startswith("-"):
            raise ConfigError(f"--away：「{leader}」后面缺少日期：应为 --away 领导 日期，例如 --away 王志刚 2026-12-09下午")
        try:
            for part in span.split("..", 1):
                parse_date(re.fullmatch(r"(.+?)(上午|下午)?", part.strip())[1], _ANY_YEAR)
        except (ValueError, TypeError):
            raise ConfigError(f"--away：「{span}」不是日期或半天（例如 2026-12-09、2026-12-09下午 或 2026-12-09..2026-12-10）") from None


def base_plan(plan_dir: Path | None, ledger_path: Path) -> dict:
    """The plan.json document a what-if starts from: PLAN's, or the latest publication's."""
    from .ledger import Ledger
    from .outputs import load_plan_document

    if plan_dir is not None:
        return load_plan_document(plan_dir)
    latest = None
    if Path(ledger_path).exists():
        with Ledger(ledger_path, create=False) as ledger:
            latest = ledger.latest()
    if latest is None:
        raise PlanError(f"{ledger_path}：尚未发布任何安排；请先发布，或指定一个安排文件夹")
    return json.loads(latest.plan_json)


def run_variant(
    data: dict, variant: Variant, *, input_dir: Path | None, default_input: Path, now: datetime, options, on_progress=None,
    ledger_path: Path | None = None, out: Path | None = None,
) -> Replanned:
    """Re-plan a variant of the week of plan.json `data` as close to that plan as it can;
    `options(problem)` gives the solver's options. The files carry the variant in plan.json.
    The variant is not held to the hard quotas (it is for exploring), but its `breaches` say
    which of them publishing it would break, by the rule `publish` refuses with."""
    from . import control
    from .outputs import input_for, render
    from .solve import solve

    folder, base, published = read_plan(data, input_dir, default_input=default_input)
    problem = apply(base, variant)
    year = control.review(problem, ledger_path)
    result = control.with_annual(solve(problem, options(problem), on_progress=on_progress, previous=published), year)
    recorded = Variant.from_json(data.get("variant")).then(variant)
    files = render(problem, result, now, input=input_for(folder, out), extra_json={"variant": recorded.to_json()})
    changes = diff(data, json.loads(files["plan.json"]), _reasons(problem, published, variant))
    breaches = control.hard_quota_breaches(problem, result, year)
    return Replanned(problem=problem, plan=result, files=files, changes=changes, breaches=tuple(breaches))


def breach_lines(breaches) -> list[str]:
    """What `whatif` says of a variant that publishing would refuse for a hard quota (nothing
    when it keeps them all)."""
    if not breaches:
        return []
    return [
        f"注意：此方案超出总量控制（只减不增）硬性上限 {len(breaches)} 处，发布（scheduler publish）时将被拒绝：",
        *(f"  {b.message}" for b in breaches),
    ]


def plan_week(
    problem: Problem, *, folder: Path, ledger_path: Path | None, fresh: bool, now: datetime, options=None, on_progress=None, solver=None,
    out: Path | None = None,
) -> Replanned:
    """`scheduler plan`: a week that has a publication in the ledger is re-planned as close to
    it as possible (the published variant's drops, additions and fixed times re-applied), unless
    `fresh`. The ledger is read before anything is solved or written. `solver(problem,
    previous)` plans (default: solve with `options(problem)`). `out`: the folder the files go to
    (plan.json names the input folder relative to it)."""
    from .ledger import Ledger
    from .outputs import input_for, render
    from .report import plan_from_json
    from .solve import solve

    if solver is None:
        def solver(p, previous):
            return solve(p, options(p), on_progress=on_progress, previous=previous)

    reference = None
    if ledger_path is not None and ledger_path.exists() and not fresh:
        with Ledger(ledger_path, create=False) as ledger:
            reference = ledger.latest(problem.week)
    if reference is None:
        result = solver(problem, None)
        return Replanned(problem=problem, plan=result, files=render(problem, result, now, input=input_for(folder, out)), changes=None)
    data = json.loads(reference.plan_json)
    published_variant = Variant.from_json(data.get("variant"))  # a published variant has no hypothetical left
    problem = apply(problem, published_variant, hypothetical=False, lenient=True)
    try:
        published = plan_from_json(problem, data, lenient=True)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanError(f"台账中第 {reference.id} 次发布的方案无法读取（{exc}）；可用 --fresh 从头编排") from None
    result = solver(problem, published)
    label = f"台账中第 {reference.id} 次发布（{reference.published_at}）"
    extra = {"reference": {"publication": reference.id, "published_at": reference.published_at}}
    if published_variant:  # kept, so that publishing the re-plan re-applies the published additions and drops
        extra["variant"] = published_variant.to_json()
    files = render(problem, result, now, input=input_for(folder, out), extra_json=extra)
    changes = diff(data, json.loads(files["plan.json"]), _reasons(problem, published, Variant()))
    return Replanned(problem=problem, plan=result, files=files, changes=changes, reference=label)
