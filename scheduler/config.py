"""Settings of one planned week, read from week.toml; every key has a default."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .domain import WEEKDAYS_ZH
from .errors import ConfigError
from .quota import QuotaSettings, parse_quota
from .values import parse_hours

WEEKDAY_ALIASES = {name: i for i, name in enumerate(WEEKDAYS_ZH)} | {
    name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
} | {f"星期{c}": i for i, c in enumerate("一二三四五六日")}


@dataclass(frozen=True, slots=True, kw_only=True)
class KindCaps:
    max_minutes: int | None = None
    min_minutes: int | None = None
    max_attendees: int | None = None


DEFAULT_KINDS: dict[str, KindCaps] = {
    "常务会": KindCaps(max_minutes=180, min_minutes=60),
    "专题会": KindCaps(max_minutes=90, min_minutes=30, max_attendees=30),
    "调度会": KindCaps(max_minutes=60, min_minutes=30),
    "推进会": KindCaps(max_minutes=90, min_minutes=30),
    "座谈会": KindCaps(max_minutes=120, min_minutes=45),
    "培训会": KindCaps(max_minutes=180, min_minutes=60),
    "部署会": KindCaps(max_minutes=90, min_minutes=30),
    "联席会议": KindCaps(max_minutes=90, min_minutes=30),
    "协调会": KindCaps(max_minutes=90, min_minutes=30),
    "汇报会": KindCaps(max_minutes=90, min_minutes=30),
    "电视电话会议": KindCaps(max_minutes=120, min_minutes=30),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class OfficeHours:
    morning: tuple[time, time] = (time(8, 30), time(12, 0))
    afternoon: tuple[time, time] = (time(14, 30), time(17, 30))
    summer_from: tuple[int, int] | None = None  # (month, day)
    summer_to: tuple[int, int] | None = None
    summer_afternoon: tuple[time, time] | None = None

    def afternoon_on(self, day: date) -> tuple[time, time]:
        if self.summer_afternoon and self.summer_from and self.summer_to:
            if self.summer_from <= (day.month, day.day) <= self.summer_to:
                return self.summer_afternoon
        return self.afternoon


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    week: date | None = None
    timezone: str = "Asia/Shanghai"
    grain_minutes: int = 15
    deadline: datetime | None = None  # naive local time; None = Thursday 24:00 before the week
    no_meeting_days: tuple[int, ...] = ()  # weekday numbers, Monday = 0
    max_sitting_minutes: int = 180
    max_items_per_sitting: int = 6
    opening_overhead_minutes: int = 10
    travel_buffer_minutes: int = 20
    time_limit_seconds: float = 30.0
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    kinds: dict[str, KindCaps] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = ()
    similarity_threshold: float = 0.3
    seed: int = 0
    workers: int = 2
    deterministic: bool = True  # the same inputs give the same plan even when stopped by the time limit
    repeat_weeks: int = 4  # how far back the ledger is searched for repeated meetings on one matter
    quota: QuotaSettings = field(default_factory=QuotaSettings)  # [quota]: 总量控制 (只减不增)
    policy: str = ""  # the negative list (负面清单) file, relative to the week's folder; "" = the shipped default
    city: str = ""  # the name in the circulated table's title, e.g. "XX市" -> XX市一周会议安排表
    office: str = ""  # 制表单位 on the table and the issuing office on the notices

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def effective_deadline(self, week: date) -> datetime:
        """Requests submitted later are late (逾期报送); default Thursday 24:00 before the week."""
        if self.deadline is not None:
            return self.deadline.replace(tzinfo=self.tz)
        return datetime.combine(week - timedelta(days=3), time(0), tzinfo=self.tz)

    def caps(self, kind: str) -> KindCaps:
        return self.kinds.get(kind, KindCaps())


KNOWN_KEYS = {
    "week", "timezone", "grain_minutes", "deadline", "no_meeting_days", "max_sitting_minutes",
    "max_items_per_sitting", "opening_overhead_minutes", "travel_buffer_minutes",
    "time_limit_seconds", "office_hours", "kinds", "calendar", "similarity_threshold", "seed",
    "workers", "deterministic", "repeat_weeks", "quota", "policy", "city", "office",
}


def coming_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def load_settings(path: Path | None, *, today: date) -> Settings:
    """Read week.toml (or use defaults when it is missing); `today` picks the coming week."""
    data: dict = {}
    source = "week.toml"
    if path is not None and path.exists():
        source = path.name
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    settings = settings_from_mapping(data, source=source)
    if settings.week is None:
        settings = replace(settings, week=coming_monday(today))
    return settings


def settings_from_mapping(data: dict, *, source: str = "week.toml", base: Settings | None = None) -> Settings:
    base = base or Settings()
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(KNOWN_KEYS))}")
    out: dict = {}

    def want(key, kind, check=None, what=""):
        if key not in data:
            return
        value = data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool or (check and not check(value)):
            raise ConfigError(f"{source}: {key} = {value!r} is not {what}")
        out[key] = value

    if "week" in data:
        week = data["week"]
        if not isinstance(week, date) or isinstance(week, datetime):
            raise ConfigError(f"{source}: week = {week!r} is not a date (e.g. week = 2026-12-07)")
        if week.weekday() != 0:
            raise ConfigError(f"{source}: week = {week} is a {WEEKDAYS_ZH[week.weekday()]}, not a Monday (周一)")
        out["week"] = week
    want("timezone", str, what="a time zone name (e.g. \"Asia/Shanghai\")")
    if "timezone" in out:
        try:
            ZoneInfo(out["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{source}: timezone = {out['timezone']!r} is not a known time zone (e.g. \"Asia/Shanghai\")") from None
    want("grain_minutes", int, lambda v: v in (5, 10, 15, 20, 30, 60), "one of 5, 10, 15, 20, 30, 60")
    for key in ("max_sitting_minutes", "max_items_per_sitting", "workers", "repeat_weeks"):
        want(key, int, lambda v: v >= 1, "a positive whole number")
    want("travel_buffer_minutes", int, lambda v: v >= 0, "a whole number of minutes ≥ 0")
    want("opening_overhead_minutes", int, lambda v: v >= 0, "a whole number of minutes ≥ 0")
    want("time_limit_seconds", float, lambda v: v > 0, "a positive number of seconds")
    want("similarity_threshold", float, lambda v: 0 < v <= 1, "a number between 0 and 1")
    want("seed", int, what="a whole number")
    want("deterministic", bool, what="true or false")
    want("city", str, lambda v: len(v) <= 40, what="a name of at most 40 characters (e.g. \"XX市\")")
    want("office", str, lambda v: len(v) <= 80, what="a name of at most 80 characters (e.g. \"XX市委办公室　XX市政府办公室\")")
    if "deadline" in data:
        value = data["deadline"]
        if isinstance(value, datetime):
            out["deadline"] = value.replace(tzinfo=None)
        elif isinstance(value, date):
            out["deadline"] = datetime.combine(value, time(0))
        else:
            raise ConfigError(f"{source}: deadline = {value!r} is not a date-time (e.g. 2026-12-04T00:00:00)")
    if "no_meeting_days" in data:
        days = data["no_meeting_days"]
        if not isinstance(days, list):
            raise ConfigError(f"{source}: no_meeting_days must be a list, e.g. [\"周三\"]")
        numbers = []
        for day in days:
            key = str(day).strip().lower()
            if key not in WEEKDAY_ALIASES:
                raise ConfigError(f"{source}: no_meeting_days: {day!r} is not a weekday (周一..周日 or mon..sun)")
            numbers.append(WEEKDAY_ALIASES[key])
        out["no_meeting_days"] = tuple(sorted(set(numbers)))
    if "office_hours" in data:
        out["office_hours"] = _office_hours(data["office_hours"], source)
    if "kinds" in data:
        kinds = dict(base.kinds)
        if not isinstance(data["kinds"], dict):
            raise ConfigError(f"{source}: [kinds] must be a table of meeting types")
        for kind, caps in data["kinds"].items():
            if not isinstance(caps, dict) or set(caps) - {"max_minutes", "min_minutes", "max_attendees"}:
                raise ConfigError(f'{source}: [kinds."{kind}"] takes max_minutes, min_minutes and max_attendees')
            for key, value in caps.items():
                if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                    raise ConfigError(f'{source}: [kinds."{kind}"] {key} = {value!r} is not a positive whole number')
            kinds[kind] = replace(kinds.get(kind, KindCaps()), **caps)
        out["kinds"] = kinds
    if "quota" in data:
        out["quota"] = parse_quota(data["quota"], source)
    want("policy", str, lambda v: len(v) <= 255 and "\0" not in v, "the path of a policy file (负面清单), e.g. \"负面清单.toml\"")
    if "calendar" in data:
        cal = data["calendar"]
        for key in ("holidays", "workdays"):
            values = cal.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, date) and not isinstance(v, datetime) for v in values):
                raise ConfigError(f"{source}: [calendar] {key} must be a list of dates, e.g. [2027-01-01]")
            out[key] = tuple(sorted(values))
    return replace(base, **out)


def _office_hours(table: dict, source: str) -> OfficeHours:
    def hours(key, value):
        try:
            return parse_hours(value)
        except ValueError as exc:
            raise ConfigError(f"{source}: [office_hours] {key} = {value!r} {exc} (e.g. \"08:30-12:00\")") from None

    hours_kw: dict = {}
    for key in ("morning", "afternoon"):
        if key in table:
            hours_kw[key] = hours(key, table[key])
    if "summer" in table:
        summer = table["summer"]
        try:
            hours_kw["summer_from"] = tuple(int(x) for x in str(summer["from"]).split("-"))
            hours_kw["summer_to"] = tuple(int(x) for x in str(summer["to"]).split("-"))
        except (KeyError, ValueError):
            raise ConfigError(f"{source}: [office_hours.summer] needs from = \"05-01\" and to = \"09-30\"") from None
        hours_kw["summer_afternoon"] = hours("summer.afternoon", summer.get("afternoon", "15:00-18:00"))
    return OfficeHours(**hours_kw)


def apply_overrides(settings: Settings, pairs: dict) -> Settings:
    """Settings with some keys replaced (what-if variants and command-line options)."""
    return settings_from_mapping(pairs, source="--set", base=settings)
