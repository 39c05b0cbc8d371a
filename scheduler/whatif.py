"""What-if variants of a week and the differences between two plans.

A variant changes the problem (a leader away, requests added or dropped, a time fixed, a
setting changed); `solve(..., previous=plan)` then re-plans it as close to the published plan
as it can. `diff` compares two plan.json documents request by request."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from datetime import datetime, time

from .config import apply_overrides
from .domain import AFTERNOON, MORNING, Commitment, MeetingRequest, Plan, Problem
from .errors import ConfigError
from .values import parse_date, parse_datetime
from .workcal import week_days

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
    raise ConfigError(f"--away: {name!r} is not a leader of this week (known: {known})")


def away(problem: Problem, spec: Away) -> Problem:
    """The leader away from the start of `start` to the end of `end` (or of `start`)."""
    try:
        begin = _half_day(spec.start, problem, end=False)
        finish = _half_day(spec.end or spec.start, problem, end=True)
    except (ValueError, TypeError):
        raise ConfigError(f"--away: {spec.start!r} {spec.end or ''} is not a date or half-day (e.g. 2026-12-09 or 2026-12-09下午)") from None
    if finish <= begin:
        raise ConfigError(f"--away: {spec.end} is before {spec.start}")
    commitment = Commitment(leader=leader_id(problem, spec.leader), start=begin, end=finish, title="（假设）外出", away=True, source="whatif")
    return replace(problem, commitments=tuple(sorted((*problem.commitments, commitment), key=lambda c: (c.start, c.leader, c.title))))


def drop(problem: Problem, request_id: str) -> Problem:
    if request_id not in problem.request_index:
        raise ConfigError(f"--drop: no request {request_id!r} in this week")
    return replace(problem, requests=tuple(r for r in problem.requests if r.id != request_id))


def fix(problem: Problem, request_id: str, when: str) -> Problem:
    if request_id not in problem.request_index:
        raise ConfigError(f"--fix: no request {request_id!r} in this week")
    try:
        moment = parse_datetime(when, problem.week).replace(tzinfo=problem.tz)
    except ValueError:
        raise ConfigError(f"--fix: {when!r} is not a date and time (e.g. 2026-12-08 9:00)") from None
    return replace(problem, requests=tuple(replace(r, fixed_start=moment) if r.id == request_id else r for r in problem.requests))


def add(problem: Problem, requests: list[MeetingRequest]) -> Problem:
    clash = sorted({r.id for r in requests} & set(problem.request_index))
    if clash:
        raise ConfigError(f"--add: request ids already in this week: {', '.join(clash)}")
    return replace(problem, requests=(*problem.requests, *requests))


def set_key(problem: Problem, key: str, value: str) -> Problem:
    try:
        parsed = tomllib.loads(f"x = {value}")["x"]
    except tomllib.TOMLDecodeError:
        parsed = value  # a bare word: a string
    settings = apply_overrides(problem.settings, {key: parsed})
    return replace(problem, settings=settings, days=week_days(settings, problem.week), tz=settings.tz)


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
        reason = "；".join(filter(None, [(why or {}).get(rid), reasons.get(rid)])) or ("本方案中已取消" if y is None else "随本方案的调整而变动")
        out.append(Change(rid, titles.get(rid, ""), kinds, _when(x) if x else "—", _when(y) if y else "—", reason))
    return out


def diff_table(changes: list[Change]) -> str:
    from .terminal import table

    if not changes:
        return "没有变化\n"
    return table(
        ("编号", "会议名称", "变化", "原安排", "新安排", "原因"),
        [(c.request_id, c.title, "、".join(KINDS_ZH[k] for k in c.kinds), c.before, c.after, c.reason) for c in changes],
    )


