"""Settings of one planned week, read from week.toml; every key has a default."""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .domain import WEEKDAYS_ZH
from .errors import ConfigError, InputProblem, SettingsErrors
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


# Built-in meeting types of a city's Party committee and government, with their caps (minutes).
DEFAULT_KINDS: dict[str, KindCaps] = {
    # Party side
    "常委会": KindCaps(max_minutes=180, min_minutes=60),
    "书记专题会议": KindCaps(max_minutes=120, min_minutes=30),
    "市委全会": KindCaps(max_minutes=180, min_minutes=90),
    "委员会会议": KindCaps(max_minutes=120, min_minutes=45),
    "深改委会议": KindCaps(max_minutes=120, min_minutes=45),
    "领导小组会议": KindCaps(max_minutes=90, min_minutes=30),
    # government side
    "常务会": KindCaps(max_minutes=180, min_minutes=60),
    "市长办公会": KindCaps(max_minutes=120, min_minutes=45),
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

# The body a meeting type belongs to, recognised by a word in its name.  A did-you-mean for an
# unknown type only proposes types of the same body (or, for a type naming no body, types that
# name none): 常委会 (the Party standing committee) is never "corrected" to 常务会 (the government's).
BODY_WORDS = (
    ("常委", "党委常委会"), ("书记", "党委书记"), ("全会", "党委全会"), ("全体会议", "党委全会"),
    ("深改", "党委委员会"), ("委员会", "党委委员会"), ("领导小组", "领导小组"),
    ("常务", "政府常务会议"), ("市长", "政府首长"), ("办公会", "政府首长"),
)


def body_of(kind: str) -> str | None:
    return next((body for word, body in BODY_WORDS if word in kind), None)


def suggest_kinds(kind: str, kinds) -> list[str]:
    """Configured meeting types close to `kind`, never one of another body."""
    body = body_of(kind)
    same = [k for k in kinds if body_of(k) == body]
    close = difflib.get_close_matches(kind, same, n=2, cutoff=0.6)
    if not close and body is not None:  # 常委会会议 -> 常委会: contained names of the same body
        close = [k for k in same if k in kind or kind in k][:2]
    return close


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
    room_size_choices: int = 3  # a sitting uses a room of one of the N smallest sizes that hold it
    time_limit_seconds: float = 30.0
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    kinds: dict[str, KindCaps] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = ()
    calendar_given: bool = False  # week.toml has a [calendar] table: its days replace missing holiday data
    similarity_threshold: float = 0.3
    seed: int = 0
    workers: int = 2
    deterministic: bool = True  # the same inputs give the same plan even when stopped by the time limit
    repeat_weeks: int = 4  # how far back the ledger is searched for repeated meetings on one matter
    quota: QuotaSettings = field(default_factory=QuotaSettings)  # [quota]: 总量控制 (只减不增)
    policy: str = ""  # the negative list (负面清单) file, relative to the week's folder; "" = the shipped default
    forbid_merge: tuple[tuple[str, str], ...] = ()  # pairs of request ids never combined (套开)
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
    "max_items_per_sitting", "opening_overhead_minutes", "travel_buffer_minutes", "room_size_choices",
    "time_limit_seconds", "office_hours", "kinds", "calendar", "similarity_threshold", "seed",
    "workers", "deterministic", "repeat_weeks", "quota", "policy", "city", "office", "forbid_merge",
}
OFFICE_HOURS_KEYS = {"morning", "afternoon", "summer"}
SUMMER_KEYS = {"from", "to", "afternoon"}
KIND_KEYS = {"max_minutes", "min_minutes", "max_attendees"}
CALENDAR_KEYS = {"holidays", "workdays"}

# Ranges of the numeric keys: (low, high), both included.  Documented in README "week.toml".
RANGES: dict[str, tuple[float, float]] = {
    "max_sitting_minutes": (15, 600),
    "max_items_per_sitting": (1, 20),
    "opening_overhead_minutes": (0, 60),
    "travel_buffer_minutes": (0, 240),
    "room_size_choices": (1, 20),
    "time_limit_seconds": (0.1, 3600),
    "similarity_threshold": (0.01, 1),
    "seed": (0, 2**31 - 1),
    "workers": (1, 16),
    "repeat_weeks": (1, 52),
}
KIND_RANGES = {"max_minutes": (5, 600), "min_minutes": (5, 600), "max_attendees": (1, 100_000)}
FIRST_WEEK, LAST_WEEK = date(2000, 1, 3), date(2099, 12, 28)  # Mondays; the calendar arithmetic stays in range
MAX_CALENDAR_DAYS = 400
MAX_TOML_BYTES = 64 * 1024
GRAINS = (5, 10, 15, 20, 30, 60)


def coming_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def load_settings(path: Path | None, *, today: date, text: str | None = None) -> Settings:
    """Read week.toml (or use defaults when it is missing); `today` picks the coming week.
    `text` is the file's content when the caller has already read it (intake does, bounded)."""
    data: dict = {}
    source = "week.toml"
    if text is None and path is not None and path.exists():
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SettingsErrors([InputProblem(source=source, message="不是 UTF-8 编码的文本；请用 UTF-8 保存")], source) from None
    if text is not None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            at = re.search(r"line (\d+), column (\d+)", str(exc))
            where = f"第{at[1]}行第{at[2]}列附近" if at else ""
            raise SettingsErrors([InputProblem(source=source, message=f"{where}不符合 TOML 格式（写法见 README「week.toml」，或运行 scheduler template 生成一份）")], source) from None
    settings = settings_from_mapping(data, source=source)
    if settings.week is None:
        settings = replace(settings, week=coming_monday(today))
    return settings


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{…}"
    return str(value)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "真假值"
    if isinstance(value, (int, float)):
        return "数字"
    if isinstance(value, str):
        return "文字"
    if isinstance(value, dict):
        return "表"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, datetime):
        return "日期时间"
    if isinstance(value, date):
        return "日期"
    return "值"


class _Checker:
    """Collects the located problems of one settings table."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[InputProblem] = []

    def fail(self, key: str, value: object, message: str) -> None:
        self.problems.append(InputProblem(source=self.source, key=key, value=None if value is _MISSING else _shown(value), message=message))

    def unknown(self, table: dict, known: set[str], prefix: str) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
                hint = f"是否为「{prefix}{close[0]}」？" if close else f"可用的设置项：{'、'.join(sorted(known))}"
                self.fail(f"{prefix}{key}", _MISSING, f"是未知的设置项；{hint}")

    def table(self, value: object, key: str) -> dict | None:
        if not isinstance(value, dict):
            self.fail(key, value, f"应为一个表（如 [{key}]），而不是{_type_name(value)}")
            return None
        return value

    def number(self, key: str, value: object, *, whole: bool, low: float, high: float) -> float | int | None:
        ok_type = isinstance(value, int) and not isinstance(value, bool) if whole else isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok_type:
            self.fail(key, value, f"应为{'整数' if whole else '数字'}，而不是{_type_name(value)}")
            return None
        if isinstance(value, float) and not math.isfinite(value) or not low <= value <= high:
            self.fail(key, value, f"超出允许范围（{_num(low)} 至 {_num(high)}）")
            return None
        return value

    def hours(self, key: str, value: object) -> tuple[time, time] | None:
        if not isinstance(value, str):
            self.fail(key, value, f"应为带引号的时间段，如 \"08:30-12:00\"，而不是{_type_name(value)}")
            return None
        try:
            return parse_hours(value)
        except ValueError as exc:
            self.fail(key, value, str(exc))
            return None


_MISSING = object()


def _cell_control(text: str) -> bool:
    return any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in text)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def settings_from_mapping(data: dict, *, source: str = "week.toml", base: Settings | None = None) -> Settings:
    """Settings from a parsed week.toml (or --set overrides on `base`); every problem is
    collected, located by its key, and raised together as SettingsErrors."""
    base = base or Settings()
    check = _Checker(source)
    check.unknown(data, KNOWN_KEYS, "")
    out: dict = {}

    if "week" in data:
        week = data["week"]
        if not isinstance(week, date) or isinstance(week, datetime):
            check.fail("week", week, "不是日期；应写计划周的周一，如 week = 2026-12-07（不加引号）")
        elif week.weekday() != 0:
            check.fail("week", week, f"是{WEEKDAYS_ZH[week.weekday()]}，不是周一；应写计划周的周一")
        elif not FIRST_WEEK <= week <= LAST_WEEK:
            check.fail("week", week, f"超出可排的范围（{FIRST_WEEK} 至 {LAST_WEEK}）")
        else:
            out["week"] = week
    if "timezone" in data:
        value = data["timezone"]
        try:
            if not isinstance(value, str) or not value or len(value) > 64:
                raise ValueError
            ZoneInfo(value)
            out["timezone"] = value
        except (ZoneInfoNotFoundError, ValueError, OSError):
            check.fail("timezone", value, "不是已知的时区名称，应如 \"Asia/Shanghai\"")
    if "grain_minutes" in data:
        value = data["grain_minutes"]
        if isinstance(value, bool) or value not in GRAINS:
            check.fail("grain_minutes", value, f"应为 {'、'.join(map(str, GRAINS))} 之一（分钟）")
        else:
            out["grain_minutes"] = value
    for key, (low, high) in RANGES.items():
        if key in data:
            whole = key not in ("time_limit_seconds", "similarity_threshold")
            value = check.number(key, data[key], whole=whole, low=low, high=high)
            if value is not None:
                out[key] = value if whole else float(value)
    if "deterministic" in data:
        if isinstance(data["deterministic"], bool):
            out["deterministic"] = data["deterministic"]
        else:
            check.fail("deterministic", data["deterministic"], "应为 true 或 false")
    if "deadline" in data:
        value = data["deadline"]
        moment = value if isinstance(value, datetime) else datetime.combine(value, time(0)) if isinstance(value, date) else None
        if moment is None:
            check.fail("deadline", value, "不是日期时间；应如 deadline = 2026-12-04T00:00:00（不加引号）")
        elif not FIRST_WEEK.year <= moment.year <= LAST_WEEK.year:
            check.fail("deadline", value, f"超出允许范围（{FIRST_WEEK.year} 至 {LAST_WEEK.year} 年）")
        else:
            out["deadline"] = moment.replace(tzinfo=None)
    if "no_meeting_days" in data:
        days = data["no_meeting_days"]
        if not isinstance(days, list):
            check.fail("no_meeting_days", days, "应为列表，如 no_meeting_days = [\"周三\"]")
        else:
            numbers = []
            for day in days:
                key = str(day).strip().lower() if isinstance(day, str) else None
                if key not in WEEKDAY_ALIASES:
                    check.fail("no_meeting_days", day, "不是星期几；应写 周一 至 周日，或 mon 至 sun")
                else:
                    numbers.append(WEEKDAY_ALIASES[key])
            out["no_meeting_days"] = tuple(sorted(set(numbers)))
    if "forbid_merge" in data:
        pairs = data["forbid_merge"]
        if not isinstance(pairs, list) or not all(isinstance(x, list) and len(x) == 2 and all(isinstance(i, str) for i in x) for x in pairs):
            check.fail("forbid_merge", pairs, '应为编号对的列表，如 forbid_merge = [["H01", "H02"]]')
        else:
            out["forbid_merge"] = tuple(sorted(tuple(sorted(i.strip() for i in x)) for x in pairs))
    if "office_hours" in data:
        hours = _office_hours(data["office_hours"], check, base.office_hours)
        if hours is not None:
            out["office_hours"] = hours
    if "kinds" in data:
        kinds = _kinds(data["kinds"], check, base.kinds)
        if kinds is not None:
            out["kinds"] = kinds
    if "quota" in data:
        try:
            out["quota"] = parse_quota(data["quota"], source)
        except ConfigError as exc:  # quota.py words its own problems, after "<source>: "
            check.fail("quota", _MISSING, str(exc).removeprefix(f"{source}: ").removeprefix("[quota] ").strip())
    if "policy" in data:
        value = data["policy"]
        if not isinstance(value, str) or not value.strip() or len(value) > 255 or _cell_control(value):
            check.fail("policy", value, "应为负面清单文件的路径（带引号），如 \"负面清单.toml\"")
        else:
            out["policy"] = value
    for key, limit, example in (("city", 40, "\"XX市\""), ("office", 80, "\"XX市委办公室　XX市政府办公室\"")):
        if key in data:
            value = data[key]
            if not isinstance(value, str) or len(value) > limit or _cell_control(value):
                check.fail(key, value, f"应为不超过{limit}个字的名称（带引号），如 {example}")
            else:
                out[key] = value.strip()
    if "calendar" in data:
        cal = check.table(data["calendar"], "calendar")
        if cal is not None:
            check.unknown(cal, CALENDAR_KEYS, "calendar.")
            for key in ("holidays", "workdays"):
                values = cal.get(key, [])
                if not isinstance(values, list) or not all(isinstance(v, date) and not isinstance(v, datetime) for v in values):
                    check.fail(f"calendar.{key}", values if not isinstance(values, list) else _MISSING, "应为日期列表，如 [2027-01-01]（日期不加引号）")
                elif len(values) > MAX_CALENDAR_DAYS:
                    check.fail(f"calendar.{key}", _MISSING, f"列了 {len(values)} 天，超过上限 {MAX_CALENDAR_DAYS}")
                elif any(not FIRST_WEEK.year - 1 <= v.year <= LAST_WEEK.year + 1 for v in values):
                    check.fail(f"calendar.{key}", _MISSING, f"有超出 {FIRST_WEEK.year - 1} 至 {LAST_WEEK.year + 1} 年的日期")
                else:
                    out[key] = tuple(sorted(set(values)))
            out["calendar_given"] = True
            both = sorted(set(out.get("holidays", ())) & set(out.get("workdays", ())))
            if both:
                check.fail("calendar.workdays", _MISSING, f"与 holidays 有相同的日期（{'、'.join(map(str, both))}）；一天不能既放假又上班")
    if check.problems:
        raise SettingsErrors(check.problems, source)
    return replace(base, **out)


def _office_hours(value: object, check: _Checker, base: OfficeHours) -> OfficeHours | None:
    table = check.table(value, "office_hours")
    if table is None:
        return None
    check.unknown(table, OFFICE_HOURS_KEYS, "office_hours.")
    kw: dict = {}
    for key in ("morning", "afternoon"):
        if key in table:
            span = check.hours(f"office_hours.{key}", table[key])
            if span is not None:
                kw[key] = span
    if "summer" in table:
        summer = check.table(table["summer"], "office_hours.summer")
        if summer is not None:
            check.unknown(summer, SUMMER_KEYS, "office_hours.summer.")
            for key in ("from", "to"):
                text = summer.get(key)
                month_day = _month_day(text)
                if month_day is None:
                    check.fail(f"office_hours.summer.{key}", text if key in summer else _MISSING,
                               "应为带引号的月-日，如 from = \"05-01\"、to = \"09-30\"" if key in summer else "缺少此项；夏季作息需写 from = \"05-01\" 和 to = \"09-30\"")
                else:
                    kw[f"summer_{key}"] = month_day
            if "summer_from" in kw and "summer_to" in kw and kw["summer_from"] > kw["summer_to"]:
                check.fail("office_hours.summer.to", summer["to"], f"早于 from（{summer['from']}）")
            span = check.hours("office_hours.summer.afternoon", summer.get("afternoon", "15:00-18:00"))
            if span is not None:
                kw["summer_afternoon"] = span
    hours = replace(base, **kw)
    if check.problems:
        return None
    morning = hours.morning
    for key, afternoon in (("afternoon", hours.afternoon), ("summer.afternoon", hours.summer_afternoon)):
        if afternoon is not None and afternoon[0] < morning[1]:
            check.fail(f"office_hours.{key}", f"{afternoon[0]:%H:%M}-{afternoon[1]:%H:%M}",
                       f"早于或重叠上午时段（{morning[0]:%H:%M}-{morning[1]:%H:%M}）；下午须在上午结束之后开始")
    return None if check.problems else hours


def _month_day(text: object) -> tuple[int, int] | None:
    if not isinstance(text, str) or not re.fullmatch(r"\s*\d{1,2}-\d{1,2}\s*", text):
        return None
    month, day = (int(x) for x in text.split("-"))
    try:
        date(2024, month, day)  # a leap year: 02-29 is a day
    except ValueError:
        return None
    return month, day


def _kinds(value: object, check: _Checker, base: dict[str, KindCaps]) -> dict[str, KindCaps] | None:
    table = check.table(value, "kinds")
    if table is None:
        return None
    kinds = dict(base)
    before = len(check.problems)
    for kind, caps in table.items():
        key = f'kinds."{kind}"'
        if not kind.strip() or len(kind) > 40 or any(not ch.isprintable() for ch in kind):
            check.fail(key, _MISSING, "会议类型名称应为 1 至 40 个可见字符")
            continue
        caps = check.table(caps, key)
        if caps is None:
            continue
        check.unknown(caps, KIND_KEYS, f"{key}.")
        numbers = {}
        for name in KIND_KEYS & set(caps):
            low, high = KIND_RANGES[name]
            number = check.number(f"{key}.{name}", caps[name], whole=True, low=low, high=high)
            if number is not None:
                numbers[name] = number
        merged = replace(kinds.get(kind, KindCaps()), **numbers)
        if merged.min_minutes and merged.max_minutes and merged.min_minutes > merged.max_minutes:
            check.fail(f"{key}.min_minutes", merged.min_minutes, f"大于 max_minutes（{merged.max_minutes}）")
        kinds[kind] = merged
    return None if len(check.problems) > before else kinds


def apply_overrides(settings: Settings, pairs: dict) -> Settings:
    """Settings with some keys replaced (what-if variants and command-line options)."""
    return settings_from_mapping(pairs, source="--set", base=settings)
