"""Parsers for the cell values staff type: pure functions, each raising ValueError whose text
says what was expected (intake adds the file, sheet, row and column)."""

from __future__ import annotations

import re
from datetime import date, datetime, time

LIST_SEPARATORS = re.compile(r"[、,，;；]")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "对"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "x", "不"}


# Full-width digits, letters and the punctuation of numbers and times become ASCII; Chinese
# punctuation such as （）、，； stays as typed, since it is shown back to staff.
_WIDTH = {cp: cp - 0xFEE0 for cp in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0xFF0B, 0xFF0D, 0xFF0E, 0xFF0F, 0xFF20]}
_WIDTH |= {0x3000: 0x20, 0x00A0: 0x20}


def clean(text: object) -> str:
    """Full-width digits and letters to ASCII, stray spaces trimmed; None and NaN become ''."""
    if text is None:
        return ""
    s = str(text).translate(_WIDTH).strip()
    return "" if s.lower() in {"nan", "nat", "none"} else s


def parse_list(text: str) -> tuple[str, ...]:
    """Split a cell at 、 , ， ; ； -- but not inside brackets: 各县（市、区）政府 is one name."""
    parts, depth, current = [], 0, []
    for ch in clean(text):
        if ch in "(（[【":
            depth += 1
        elif ch in ")）]】":
            depth = max(depth - 1, 0)
        if depth == 0 and LIST_SEPARATORS.match(ch):
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return tuple(p.strip() for p in parts if p.strip())


def parse_bool(text: str, default: bool) -> bool:
    s = clean(text).lower()
    if not s:
        return default
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    raise ValueError("应填「是」或「否」")


def parse_int(text: str, *, unit: str = "") -> int:
    s = re.sub(r"\s+", "", clean(text))
    if unit and s.endswith(unit):
        s = s[: -len(unit)]
    if re.fullmatch(r"\d+(\.0+)?", s):
        return int(float(s))
    raise ValueError(f"不是整数{'（' + unit + '数）' if unit else ''}，应如 30")


_DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:小时|个小时|h|hr|hours?))?\s*"
    r"(?:(?P<m>\d+)\s*(?:分钟|分|min|mins|minutes?|m)?)?$",
    re.IGNORECASE,
)


def parse_duration(text: str) -> int:
    """'90', '90分钟', '1.5小时', '1小时30分' -> minutes."""
    s = re.sub(r"\s+", "", clean(text))
    if s.endswith("半") and "小时" in s:  # 1小时半
        s = s[:-1] + "30分"
    match = _DURATION.match(s) if s else None
    if not match or not (match["h"] or match["m"]):
        raise ValueError("不是时长，应如 90、90分钟、1.5小时、1小时30分")
    minutes = float(match["h"] or 0) * 60 + int(match["m"] or 0)
    if minutes <= 0 or minutes != int(minutes):
        raise ValueError("应为正的整分钟数，如 90、1.5小时")
    return int(minutes)


_ISO_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MD_DATE = re.compile(r"^(\d{1,2})月(\d{1,2})日?$")


def parse_date(text: str, near: date) -> date:
    """'2026-12-01', '2026/12/1', '12月1日' (the year nearest to `near`)."""
    s = re.sub(r"\s+", "", clean(text))
    s = re.sub(r"(?:T|\s)?00:00(:00)?$", "", s)  # Excel date cells read as text
    if m := _ISO_DATE.match(s):
        y, mo, d = map(int, m.groups())
    elif m := _MD_DATE.match(s):
        mo, d = map(int, m.groups())
        candidates = []
        for y in (near.year - 1, near.year, near.year + 1):
            try:
                candidates.append(date(y, mo, d))
            except ValueError:
                pass
        if not candidates:
            raise ValueError("不是日期，应如 2026-12-01、2026/12/1、12月1日")
        return min(candidates, key=lambda c: abs((c - near).days))
    else:
        raise ValueError("不是日期，应如 2026-12-01、2026/12/1、12月1日")
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValueError("不是日历上存在的日期") from None


_TIME = re.compile(
    r"^(?P<part>上午|下午|晚上|中午|早上)?(?P<h>\d{1,2})(?:[:：点时](?P<m>\d{1,2}|半)?分?)?(?::\d{2})?$"
)


def parse_time(text: str) -> time:
    """'9:00', '09:00', '9点', '9点半', '上午9:30', '下午3点' -> time."""
    s = re.sub(r"\s+", "", clean(text)).replace("：", ":")
    m = _TIME.match(s)
    if not m or (":" not in s and "点" not in s and "时" not in s and not m["part"]):
        raise ValueError("不是时刻，应如 9:00、9点、上午9:30、下午3点")
    hour = int(m["h"])
    minute = 30 if m["m"] == "半" else int(m["m"] or 0)
    if m["part"] in ("下午", "晚上") and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        raise ValueError("不是时刻，应如 9:00、9点、上午9:30、下午3点")
    return time(hour, minute)


_DT_SPLIT = re.compile(r"^(?P<date>.+?日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})[T\s]*(?P<time>.+)$")


def parse_datetime(text: str, near: date) -> datetime:
    """A date and a time in any accepted forms, e.g. '2026-12-08 9:00', '12月8日下午3点'.
    Naive: the caller attaches the week's time zone."""
    s = clean(text)
    m = _DT_SPLIT.match(s)
    if not m:
        raise ValueError("不是日期加时刻，应如 2026-12-08 9:00、12月8日下午3点")
    try:
        return datetime.combine(parse_date(m["date"], near), parse_time(m["time"]))
    except ValueError:
        raise ValueError("不是日期加时刻，应如 2026-12-08 9:00、12月8日下午3点") from None


def parse_hours(text: str) -> tuple[time, time]:
    """'08:30-12:00' -> (time, time)."""
    parts = re.split(r"\s*[-–—~至到]\s*", clean(text))
    if len(parts) != 2:
        raise ValueError("不是时间段，应如 08:30-12:00")
    start, end = (parse_time(p) for p in parts)
    if end <= start:
        raise ValueError("结束时刻不晚于开始时刻，应如 08:30-12:00")
    return start, end
