"""Working days and office hours: the Chinese official calendar (holidays and make-up working
days, 调休) with the local additions from week.toml's [calendar]."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar

from .config import Settings
from .domain import WEEKDAYS_ZH, WorkDay
from .errors import CalendarDataMissing


def is_working_day(day: date, settings: Settings) -> bool:
    if day in settings.holidays:
        return False
    if day in settings.workdays:
        return True
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarDataMissing(
            f"week.toml：已安装的节假日数据（chinese-calendar {chinese_calendar.__version__}）没有 {day.year} 年，"
            f"无法判断 {day}（{WEEKDAYS_ZH[day.weekday()]}）是否上班。请在 week.toml 的 [calendar] 中列出该周的放假日和调休上班日，"
            f"如 holidays = [{day.year}-01-01]、workdays = [{day.year}-01-09]（没有就写 holidays = []），或升级 chinese-calendar"
        ) from None


def covered_by_settings(day: date, settings: Settings) -> bool:
    return day in settings.holidays or day in settings.workdays


def week_days(settings: Settings, monday: date) -> tuple[WorkDay, ...]:
    """The working days of the week starting `monday`, with their office hours as aware datetimes.

    When the installed calendar data ends before the week, the week may still be planned if
    week.toml lists its holidays/workdays; plain weekdays are then working days and weekends not.
    """
    tz = settings.tz
    hours = settings.office_hours
    out = []
    missing: list[date] = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        try:
            working = is_working_day(day, settings)
        except CalendarDataMissing:
            if settings.calendar_given or settings.holidays or settings.workdays:
                working = day.weekday() < 5
            else:
                missing.append(day)
                continue
        if not working:
            continue
        am = hours.morning
        pm = hours.afternoon_on(day)
        out.append(
            WorkDay(
                date=day,
                morning=(datetime.combine(day, am[0], tzinfo=tz), datetime.combine(day, am[1], tzinfo=tz)),
                afternoon=(datetime.combine(day, pm[0], tzinfo=tz), datetime.combine(day, pm[1], tzinfo=tz)),
                no_meeting=day.weekday() in settings.no_meeting_days,
            )
        )
    if missing:
        is_working_day(missing[0], settings)  # raises the explanatory error
    return tuple(out)
