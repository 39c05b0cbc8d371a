"""总量控制 (只减不增): caps on how many meetings a unit holds per meeting type or class and per
period, and each unit's use of them.

A cap is either set in week.toml (`[[quota.caps]]`) or, for the classes and periods listed under
`[quota]`, defaults to what the unit held in the same period a year before, lowered by
`reduce_percent`. Use = meetings held in the period (the ledger, every week but the planned one)
+ this week's requests, urgent ones counted first. Pure: ledger rows in, uses and findings out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from .errors import ConfigError

CITYWIDE, LARGE, ALL = "全市性会议", "大型会议", "全部"
PERIODS = ("year", "quarter", "month")
PERIOD_ZH = {"year": "本年", "quarter": "本季度", "month": "本月"}
PERIOD_ALIASES = {"year": "year", "年": "year", "年度": "year", "quarter": "quarter", "季度": "quarter", "month": "month", "月": "month", "月度": "month"}


@dataclass(frozen=True, slots=True, kw_only=True)
class QuotaCap:
    unit: str  # a 主办单位, or "*" for every unit
    cls: str  # 全市性会议, 大型会议, 全部, or a 会议类型
    period: str  # year / quarter / month
    cap: int | None = None  # a fixed number, or
    reduce_percent: float | None = None  # the same period last year, lowered by this percentage


@dataclass(frozen=True, slots=True, kw_only=True)
class QuotaSettings:
    large_attendees: int = 100  # 大型会议: 参会人数 at least this
    classes: tuple[str, ...] = (CITYWIDE, LARGE)  # capped by default (same period last year)
    periods: tuple[str, ...] = ("year",)
    reduce_percent: float = 0.0
    hard: bool = False  # a request over its cap is not scheduled (else it is flagged)
    caps: tuple[QuotaCap, ...] = ()


QUOTA_KEYS = {"large_attendees", "classes", "periods", "reduce_percent", "hard", "caps"}
CAP_KEYS = {"unit", "class", "period", "cap", "reduce_percent"}


def parse_quota(table: object, source: str) -> QuotaSettings:
    """[quota] of week.toml, or ConfigError naming the key."""
    def fail(key: str, message: str):
        raise ConfigError(f"{source}: [quota] {key} {message}")

    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [quota] 应为一个表（如 [quota]）")
    unknown = sorted(set(table) - QUOTA_KEYS)
    if unknown:
        fail(unknown[0], f"是未知的设置项；可用的设置项：{'、'.join(sorted(QUOTA_KEYS))}")
    out: dict = {}
    if "large_attendees" in table:
        value = table["large_attendees"]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100_000:
            fail("large_attendees", f"= {value!r} 应为 1 至 100000 的整数（人）")
        out["large_attendees"] = value
    if "reduce_percent" in table:
        out["reduce_percent"] = _percent(table["reduce_percent"], lambda m: fail("reduce_percent", m))
    if "hard" in table:
        if not isinstance(table["hard"], bool):
            fail("hard", f"= {table['hard']!r} 应为 true 或 false")
        out["hard"] = table["hard"]
    if "classes" in table:
        value = table["classes"]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            fail("classes", f"= {value!r} 应为类别的列表，如 [\"全市性会议\", \"大型会议\"]")
        out["classes"] = tuple(v.strip() for v in value)
    if "periods" in table:
        value = table["periods"]
        if not isinstance(value, list) or not all(isinstance(v, str) and v in PERIOD_ALIASES for v in value):
            fail("periods", f"= {value!r} 应为期间的列表：year、quarter、month（或 年、季度、月）")
        out["periods"] = tuple(dict.fromkeys(PERIOD_ALIASES[v] for v in value))
    if "caps" in table:
        caps = table["caps"]
        if not isinstance(caps, list):
            fail("caps", "应写成 [[quota.caps]] 表的数组")
        out["caps"] = tuple(_cap(n, cap, source) for n, cap in enumerate(caps, 1))
    return QuotaSettings(**out)


def _percent(value: object, fail) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 100:
        fail(f"= {value!r} 应为 0 至 100（不含）之间的百分数，如 20 表示比去年同期压减 20%")
    return float(value)


def _cap(n: int, cap: object, source: str) -> QuotaCap:
    def fail(message: str):
        raise ConfigError(f"{source}: [[quota.caps]] 第{n}项 {message}")

    if not isinstance(cap, dict):
        fail("应为一个表（unit、class、period、cap 或 reduce_percent）")
    unknown = sorted(set(cap) - CAP_KEYS)
    if unknown:
        fail(f"{unknown[0]} 是未知的设置项；可用的设置项：{'、'.join(sorted(CAP_KEYS))}")
    unit, cls, period = cap.get("unit", "*"), cap.get("class"), cap.get("period", "year")
    if not isinstance(unit, str) or not unit.strip():
        fail(f"unit = {unit!r} 应为主办单位名称，或 \"*\" 表示每个单位")
    if not isinstance(cls, str) or not cls.strip():
        fail("缺少 class（全市性会议、大型会议、全部，或某一会议类型）")
    if period not in PERIOD_ALIASES:
        fail(f"period = {period!r} 应为 year、quarter 或 month")
    if ("cap" in cap) == ("reduce_percent" in cap):
        fail("应写 cap（次数上限）或 reduce_percent（比去年同期压减的百分数）二者之一")
    number = cap.get("cap")
    if number is not None and (not isinstance(number, int) or isinstance(number, bool) or number < 0):
        fail(f"cap = {number!r} 应为不小于 0 的整数")
    percent = _percent(cap["reduce_percent"], fail) if "reduce_percent" in cap else None
    return QuotaCap(unit=unit.strip(), cls=cls.strip(), period=PERIOD_ALIASES[period], cap=number, reduce_percent=percent)


# --- arithmetic ---------------------------------------------------------------------------------


def period_span(period: str, day: date) -> tuple[date, date]:
    """[start, end) of the year, quarter or month holding `day`."""
    if period == "month":
        start = day.replace(day=1)
        return start, (start + timedelta(days=32)).replace(day=1)
    if period == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return start, (start + timedelta(days=95)).replace(day=1)
    return date(day.year, 1, 1), date(day.year + 1, 1, 1)


def year_before(start: date) -> date:
    return start.replace(year=start.year - 1)


# Without an annual plan's word, a meeting is 全市性 when its name starts with 全市 and its type
# convenes a whole system (not a 汇报会 or 专题会 held to prepare one).
CITYWIDE_KINDS = ("部署会", "推进会", "培训会", "座谈会", "电视电话会议")


def classes_of(*, kind: str, title: str, attendees: int | None, citywide: bool | None, settings: QuotaSettings) -> set[str]:
    """The classes a meeting counts in: 全部, its type, 全市性会议 (the annual plan says so, or,
    without a plan's word, the name starts with 全市 and the type is one of CITYWIDE_KINDS),
    大型会议 (参会人数 ≥ large_attendees)."""
    out = {ALL, kind}
    if citywide or (citywide is None and title.startswith("全市") and kind in CITYWIDE_KINDS):
        out.add(CITYWIDE)
    if attendees is not None and attendees >= settings.large_attendees:
        out.add(LARGE)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Counted:
    """One meeting as the quotas see it: a ledger row held, or one of this week's requests."""

    unit: str
    day: date
    classes: frozenset[str]
    request_id: str | None = None  # this week's request; None for a meeting already held
    title: str = ""


@dataclass(slots=True, kw_only=True)
class Use:
    unit: str
    cls: str
    period: str
    start: date
    cap: int
    basis: str  # Chinese: where the cap comes from
    held: int = 0  # already held in the period (ledger)
    requested: list[str] = field(default_factory=list)  # this week's requests counted, in order
    over: list[str] = field(default_factory=list)  # the ones beyond the cap

    @property
    def used(self) -> int:
        return self.held + len(self.requested)

    @property
    def line(self) -> str:
        text = f"{self.unit} {self.cls} {PERIOD_ZH[self.period]} {self.used}/{self.cap}"
        return text + (f"（超出{self.used - self.cap}）" if self.used > self.cap else "")


def uses(settings: QuotaSettings, week: list[Counted], held: list[Counted], covered: set[tuple[str, date]]) -> list[Use]:
    """Every cap that this week's requests count against, with its use.

    `held`: meetings held (any period this year and last), `covered`: the (period, start) pairs of
    last year that the ledger has published weeks in — without them there is no default cap."""
    out: dict[tuple, Use] = {}
    for c in week:
        for cls in sorted(c.classes):
            for period in PERIODS:
                key = (c.unit, cls, period, period_span(period, c.day)[0])
                if key not in out:
                    use = _use(settings, c.unit, cls, period, key[3], held, covered)
                    if use is None:
                        continue
                    out[key] = use
                use = out[key]
                use.requested.append(c.request_id)
                if use.used > use.cap:
                    use.over.append(c.request_id)
    return sorted(out.values(), key=lambda u: (u.unit, u.cls, PERIODS.index(u.period), u.start))


def _use(settings, unit, cls, period, start, held, covered) -> Use | None:
    explicit = [c for c in settings.caps if c.cls == cls and c.period == period and c.unit in (unit, "*")]
    explicit.sort(key=lambda c: c.unit == "*")  # a unit's own cap before the one for every unit
    rule = explicit[0] if explicit else None
    if rule is None and not (cls in settings.classes and period in settings.periods):
        return None
    end = period_span(period, start)[1]
    held_now = sum(1 for h in held if h.unit == unit and cls in h.classes and start <= h.day < end)
    if rule is not None and rule.cap is not None:
        return Use(unit=unit, cls=cls, period=period, start=start, cap=rule.cap, basis="定额", held=held_now)
    percent = rule.reduce_percent if rule is not None else settings.reduce_percent
    before = year_before(start)
    if (period, before) not in covered:
        return None  # no record of the same period last year: nothing to compare with
    base = sum(1 for h in held if h.unit == unit and cls in h.classes and before <= h.day < year_before(end))
    cap = math.floor(base * (100 - percent) / 100 + 1e-9)
    basis = f"去年同期{base}次" + (f"压减{percent:g}%" if percent else "")
    return Use(unit=unit, cls=cls, period=period, start=start, cap=cap, basis=basis, held=held_now)
