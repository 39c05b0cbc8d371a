"""The negative list (负面清单) as checkable rules: a TOML policy file (the shipped default is
`scheduler/policy.toml`) of rules, each one named check with its text and source clause, enforced
as hard or flagged as a finding.

`hits(problem, policy, context)` runs every rule that is not off and says which requests break it
and how (Chinese); `control` turns hits into findings, exclusions and the solver's adjustments.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Callable

from .config import WEEKDAY_ALIASES
from .domain import ON_SITE, RETURNED, WEEKDAYS_ZH, MeetingRequest, Plan, Problem
from .errors import InputErrors, InputProblem
from .quota import CITYWIDE, Counted, QuotaCap, QuotaSettings, uses
from .timegrid import exempt_from_no_meeting_day

HARD, FLAG, OFF = "hard", "flag", "off"
DEFAULT_NAME = "policy.toml"


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyRule:
    name: str
    enforce: str
    text: str
    source: str
    params: dict = field(default_factory=dict)

    @property
    def cite(self) -> str:
        return f"违反「{self.text}」（{self.source}）"


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    source: str
    rules: tuple[PolicyRule, ...]

    def rule(self, name: str) -> PolicyRule | None:
        return next((r for r in self.rules if r.name == name and r.enforce != OFF), None)


@dataclass(frozen=True, slots=True)
class Hit:
    rule: str
    request_id: str
    detail: str  # Chinese, what the request does against the rule


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """What the checks need besides the week: classes of requests, meetings held this year and last."""

    classes: dict[str, frozenset[str]] = field(default_factory=dict)
    held: tuple[Counted, ...] = ()
    repeated: tuple = ()  # rules.Finding of repeated meetings on one matter


# --- parameters ---------------------------------------------------------------------------------


def _limits(value, say):
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v > 0 for k, v in value.items()):
        say("limits 应为「会议类型 = 正整数」的表，如 limits = { \"专题会\" = 90 }")
    return dict(value)


def _positive(value, say, what):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        say(f"{what} = {value!r} 应为正整数")
    return value


def _weeks(value, say):
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5 for v in value):
        say(f"weeks = {value!r} 应为 1 至 5 的列表（每月第几周，如 [2]）")
    return tuple(value)


def _days(value, say):
    if not isinstance(value, list) or not all(str(v).strip().lower() in WEEKDAY_ALIASES for v in value):
        say(f"days = {value!r} 应为星期的列表（周一..周日 或 mon..sun）")
    return tuple(sorted({WEEKDAY_ALIASES[str(v).strip().lower()] for v in value}))


def _kind_list(value, say):
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        say("kinds 应为会议类型的列表，如 [\"部署会\"]")
    return tuple(value)


def _markers(value, say):
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        say("markers 应为文字列表，如 [\"各县\"]")
    return tuple(value)


PARAMS: dict[str, dict[str, Callable]] = {
    "policy_max_minutes": {"limits": _limits},
    "policy_max_attendees": {"limits": _limits},
    "citywide_once_a_year": {"times": lambda v, say: _positive(v, say, "times")},
    "no_meeting_weeks": {"weeks": _weeks},
    "no_meeting_weekdays": {"days": _days},
    "speech_max_minutes": {"minutes": lambda v, say: _positive(v, say, "minutes")},
    "attendees_per_unit": {"max_per_unit": lambda v, say: _positive(v, say, "max_per_unit"), "kinds": _kind_list},
    "county_meetings_by_video": {"min_attendees": lambda v, say: _positive(v, say, "min_attendees"), "markers": _markers},
    "repeated_meeting": {},
}


def default_text() -> str:
    return resources.files("scheduler").joinpath(DEFAULT_NAME).read_text(encoding="utf-8")


def load_policy(path: Path | None) -> Policy:
    """The policy file at `path` (None: the shipped default), or InputErrors naming each bad entry."""
    if path is None:
        return parse_policy(default_text(), DEFAULT_NAME)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputErrors([InputProblem(source=path.name, message=f"无法读取负面清单文件（{exc.__class__.__name__}）")], path.name) from None
    return parse_policy(text, path.name)


def parse_policy(text: str, source: str) -> Policy:
    problems: list[InputProblem] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputErrors([InputProblem(source=source, message=f"不是有效的 TOML：{exc}")], source) from None
    entries = data.get("rules")
    if set(data) - {"rules"} or not isinstance(entries, list):
        raise InputErrors([InputProblem(source=source, message="应由 [[rules]] 表组成（每条规则一个 [[rules]]）")], source)
    rules: list[PolicyRule] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        where = f"第{n}条规则"

        class Bad(Exception):
            pass

        def say(message: str, where=where):
            problems.append(InputProblem(source=source, message=f"{where}：{message}"))
            raise Bad

        try:
            if not isinstance(entry, dict):
                say("应为一个表")
            name = entry.get("name")
            if name not in PARAMS:
                say(f"name = {name!r} 不是已知的检查；可用：{'、'.join(PARAMS)}")
            where = f"{where}（{name}）"
            if name in seen:
                say("重复；每项检查只能出现一次", where)
            seen.add(name)
            enforce = entry.get("enforce", FLAG)
            if enforce not in (HARD, FLAG, OFF):
                say(f"enforce = {enforce!r} 应为 \"hard\"、\"flag\" 或 \"off\"", where)
            for key in ("text", "source"):
                if not isinstance(entry.get(key), str) or not entry[key].strip():
                    say(f"缺少 {key}（规则的{'条文' if key == 'text' else '出处条款'}）", where)
            unknown = sorted(set(entry) - {"name", "enforce", "text", "source"} - set(PARAMS[name]))
            if unknown:
                say(f"{unknown[0]} 是未知的参数；此检查的参数：{'、'.join(PARAMS[name]) or '无'}", where)
            params = {}
            for key, parse in PARAMS[name].items():
                if key not in entry:
                    say(f"缺少参数 {key}", where)
                params[key] = parse(entry[key], lambda m, where=where: say(m, where))
            rules.append(PolicyRule(name=name, enforce=enforce, text=entry["text"].strip(), source=entry["source"].strip(), params=params))
        except Bad:
            continue
    if problems:
        raise InputErrors(problems, source)
    return Policy(source=source, rules=tuple(rules))


# --- the checks ---------------------------------------------------------------------------------


def week_of_month(monday: date) -> int:
    """1 for the week whose Monday is the month's first Monday, 2 for the second, …"""
    return (monday.day - 1) // 7 + 1


_SPEECH = re.compile(r"(讲话|主报告|工作报告|报告|发言)\D{0,6}?(\d+(?:\.\d+)?)\s*(分钟|小时|min)")


def speech_minutes(request: MeetingRequest) -> int | None:
    """The longest speech or main report a request names in 主要议题 or 备注 ('讲话40分钟')."""
    found = [round(float(m[2]) * (60 if m[3] == "小时" else 1)) for m in _SPEECH.finditer(f"{request.agenda} {request.note}")]
    return max(found) if found else None


def hits(problem: Problem, policy: Policy, context: Context) -> list[Hit]:
    """Every request that breaks a rule that is not off, in rule order then request order."""
    out: list[Hit] = []
    live = [r for r in problem.requests if r.approval != RETURNED]
    if rule := policy.rule("policy_max_minutes"):
        for r in live:
            limit = rule.params["limits"].get(r.kind)
            if limit and r.minutes > limit:
                out.append(Hit(rule.name, r.id, f"拟用{r.minutes}分钟，超过{r.kind}上限{limit}分钟"))
    if rule := policy.rule("policy_max_attendees"):
        for r in live:
            limit = rule.params["limits"].get(r.kind)
            if limit and r.attendees > limit:
                out.append(Hit(rule.name, r.id, f"参会{r.attendees}人，超过{r.kind}上限{limit}人"))
    if rule := policy.rule("citywide_once_a_year"):
        week = [Counted(unit=r.organiser, day=_day(problem, r), classes=context.classes.get(r.id, frozenset()), request_id=r.id)
                for r in live if CITYWIDE in context.classes.get(r.id, ())]
        cap = QuotaCap(unit="*", cls=CITYWIDE, period="year", cap=rule.params["times"])
        for use in uses(QuotaSettings(classes=(), caps=(cap,)), week, list(context.held), set()):
            for rid in use.over:
                n = use.held + use.requested.index(rid) + 1
                out.append(Hit(rule.name, rid, f"为{use.unit}{use.start.year}年第{n}次全市性会议（每年至多{use.cap}次）"))
    if rule := policy.rule("no_meeting_weeks"):
        n = week_of_month(problem.week)
        if n in rule.params["weeks"]:
            for r in live:
                if not exempt_from_no_meeting_day(r):
                    out.append(Hit(rule.name, r.id, f"安排在{problem.week.month}月第{n}周（无会周）"))
    if rule := policy.rule("no_meeting_weekdays"):
        days = set(rule.params["days"])
        working = [d.date for d in problem.days]
        for r in live:
            window = [d for d in working if (not r.earliest or d >= r.earliest) and (not r.latest or d <= r.latest)]
            if r.fixed_start is None and not r.urgent and window and all(d.weekday() in days for d in window):
                out.append(Hit(rule.name, r.id, f"申请的日期只有{'、'.join(WEEKDAYS_ZH[d] for d in sorted(days))}（无会日）"))
    if rule := policy.rule("speech_max_minutes"):
        for r in live:
            minutes = speech_minutes(r)
            if minutes is not None and minutes > rule.params["minutes"]:
                out.append(Hit(rule.name, r.id, f"讲话或主报告{minutes}分钟，超过{rule.params['minutes']}分钟"))
    if rule := policy.rule("attendees_per_unit"):
        m = rule.params["max_per_unit"]
        for r in live:
            allowed = m * len(r.units) + len(r.everyone)
            if r.kind in rule.params["kinds"] and r.fixed_start is None and r.units and r.attendees > allowed:
                out.append(Hit(rule.name, r.id, f"参会{r.attendees}人，{len(r.units)}个参会单位每单位至多{m}人，连同出席领导至多{allowed}人"))
    if rule := policy.rule("county_meetings_by_video"):
        for r in live:
            scope = "、".join(r.units) + r.title
            if r.attendees >= rule.params["min_attendees"] and r.format == ON_SITE and any(k in scope for k in rule.params["markers"]):
                out.append(Hit(rule.name, r.id, f"参会{r.attendees}人、范围至各县（市、区），申请为现场会议"))
    if rule := policy.rule("repeated_meeting"):
        for f in context.repeated:
            out.append(Hit(rule.name, f.request_id, f.message.split("」", 1)[1] if "」" in f.message else f.message))
    return out


def _day(problem: Problem, r: MeetingRequest) -> date:
    if r.fixed_start is not None:
        return r.fixed_start.date()
    return r.earliest or problem.week


def plan_hits(problem: Problem, plan: Plan, policy: Policy) -> list[Hit]:
    """Flagged no-meeting weekdays, read on the plan: items placed on such a day."""
    rule = policy.rule("no_meeting_weekdays")
    if rule is None or rule.enforce != FLAG:
        return []
    index = problem.request_index
    out = []
    for s in plan.sittings:
        for item in s.items:
            r = index[item.request_id]
            if item.start.weekday() in rule.params["days"] and not exempt_from_no_meeting_day(r):
                out.append(Hit(rule.name, r.id, f"安排在{WEEKDAYS_ZH[item.start.weekday()]}（无会日）"))
    return out


def adjusted_days(problem: Problem, policy: Policy) -> tuple[date, ...]:
    """The days a hard no-meeting rule makes 无会日 for the solver."""
    out: set[date] = set()
    if (rule := policy.rule("no_meeting_weeks")) and rule.enforce == HARD and week_of_month(problem.week) in rule.params["weeks"]:
        out |= {d.date for d in problem.days}
    if (rule := policy.rule("no_meeting_weekdays")) and rule.enforce == HARD:
        out |= {d.date for d in problem.days if d.date.weekday() in rule.params["days"]}
    return tuple(sorted(out))


def adjusted_kinds(problem: Problem, policy: Policy) -> dict[str, int]:
    """The meeting types whose maximum length a hard length rule lowers: type -> minutes."""
    rule = policy.rule("policy_max_minutes")
    if rule is None or rule.enforce != HARD:
        return {}
    out = {}
    for kind, limit in rule.params["limits"].items():
        current = problem.settings.caps(kind).max_minutes
        if current is None or limit < current:
            out[kind] = limit
    return out


# Rules a hard setting enforces by changing what the solver sees, not by leaving requests out.
ADJUSTING = {"policy_max_minutes", "no_meeting_weeks", "no_meeting_weekdays"}
